"""``tsunagu staff create <username> --department <code> --role <role>``,
``tsunagu staff unlock <username>`` and ``tsunagu staff reset-totp <username>``."""

from __future__ import annotations

import getpass
from argparse import ArgumentParser
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from tsunagu.accounts.staff_models import StaffRole
from tsunagu.accounts.staff_services import (
    StaffAccountError,
    staff_create,
    staff_totp_reset,
    staff_unlock,
)


class Command(BaseCommand):
    help = "職員アカウントの作成とロック解除"

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser(
            "create", help="職員を作成する（確認コードは最初のログインで設定する）"
        )
        create.add_argument("username")
        create.add_argument("--department", required=True, help="所属課のコード")
        create.add_argument("--role", required=True, choices=StaffRole.values, help="役割")
        create.add_argument("--password", help="省略すると入力を求める")
        unlock = sub.add_parser("unlock", help="ログインの失敗によるロックを解除する")
        unlock.add_argument("username")
        reset = sub.add_parser(
            "reset-totp",
            help="認証アプリと回復コードを無効にする（次のログインで設定し直す）",
        )
        reset.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "create":
                password = options["password"] or self._ask_password()
                profile = staff_create(
                    username=options["username"],
                    password=password,
                    department=options["department"],
                    role=options["role"],
                )
                self.stdout.write(
                    f"職員を作成しました: {profile.user.get_username()} "
                    f"({profile.department}, {StaffRole(profile.role).label})"
                )
            elif options["action"] == "unlock":
                profile = staff_unlock(username=options["username"])
                self.stdout.write(f"ロックを解除しました: {profile.user.get_username()}")
            else:
                profile = staff_totp_reset(username=options["username"])
                self.stdout.write(
                    f"認証アプリの設定を取り消しました: {profile.user.get_username()}"
                    "（次のログインで設定し直します）"
                )
        except StaffAccountError as exc:
            raise CommandError(str(exc)) from exc
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc

    def _ask_password(self) -> str:
        password = getpass.getpass("パスワード: ")
        if password != getpass.getpass("パスワード（確認）: "):
            raise CommandError("パスワードが一致しません。")
        if not password:
            raise CommandError("パスワードを入力してください。")
        return password
