"""``tsunagu demo load|banner``: demo data and the start-up banner of ``make run``."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from tsunagu.accounts.demo_plugin import demo_residents, demo_staff, demo_staff_password
from tsunagu.accounts.models import Resident
from tsunagu.accounts.staff_models import StaffProfile
from tsunagu.accounts.staff_services import staff_create


class Command(BaseCommand):
    help = "デモ用データの読み込みと、起動時の案内表示"

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("load", help="テスト住民を登録する（何度実行しても同じ結果）")
        banner = sub.add_parser("banner", help="起動時の案内を表示する")
        banner.add_argument("--url", default="http://127.0.0.1:8000/")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "load":
            created = 0
            for row in demo_residents():
                _obj, was_created = Resident.objects.update_or_create(
                    provider="demo",
                    subject=row["subject"],
                    defaults={
                        "name_sei": row["name_sei"],
                        "name_mei": row["name_mei"],
                        "kana_sei": row["kana_sei"],
                        "kana_mei": row["kana_mei"],
                        "birth_date": row["birth_date"],
                        "gender": row["gender"],
                        "postal_code": row["postal_code"],
                        "address": row["address"],
                        "address_building": row["address_building"],
                        "phone": row["phone"],
                        "email": row["email"],
                    },
                )
                created += int(was_created)
            self.stdout.write(
                f"テスト住民を登録しました（{len(demo_residents())}人、うち新規 {created}人）"
            )
            password = demo_staff_password()
            new_staff = 0
            for member in demo_staff():
                if StaffProfile.objects.filter(user__username=member["username"]).exists():
                    continue
                staff_create(
                    username=member["username"],
                    password=password,
                    department=member["department"],
                    role=member["role"],
                )
                new_staff += 1
            self.stdout.write(
                f"デモ職員を登録しました（{len(demo_staff())}人、うち新規 {new_staff}人）"
            )
            return
        url = options["url"]
        lines = [
            "",
            "=" * 64,
            f"  つなぐ（Tsunagu） {settings.TSUNAGU_CITY['name_ja']} 電子申請",
            f"  URL: {url}",
            f"  デモ用ログイン: {url}login/demo/",
            "  テスト住民（ログイン画面で選びます）:",
        ]
        for row in demo_residents():
            lines.append(f"    - {row['name_sei']} {row['name_mei']}（{row['note']}）")
        lines += [
            f"  職員の画面: {url}staff/  （パスワード: {demo_staff_password()}、"
            "初回ログイン時に認証アプリで TOTP を設定します）",
        ]
        for member in demo_staff():
            lines.append(f"    - {member['username']}（{member['note']}）")
        lines += [
            f"  送信したメールは {settings.VAR_DIR / 'mail'} に保存されます",
            "  停止: Ctrl+C",
            "=" * 64,
            "",
        ]
        self.stdout.write("\n".join(lines))
