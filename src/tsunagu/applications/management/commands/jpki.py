"""``tsunagu jpki refresh-crl|status``: the revocation lists used to verify signatures."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from tsunagu.applications.crl import crl_refresh, crl_status


class Command(BaseCommand):
    help = "電子署名の検証に使う失効情報（CRL）の更新と確認"

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("refresh-crl", help="TSUNAGU_JPKI_CRL_SOURCES から CRL を取得する")
        sub.add_parser("status", help="CRL の次回更新日時を表示する")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "refresh-crl":
            problems = crl_refresh()
            for p in problems:
                self.stderr.write(p)
            if problems:
                raise CommandError(
                    f"{len(problems)} 件の CRL を更新できませんでした（以前の版を使い続けます）"
                )
            self.stdout.write("CRL を更新しました")
            return
        rows = crl_status()
        if not rows:
            self.stdout.write("CRL がありません（電子署名を検証できません）")
        for row in rows:
            state = "期限切れ" if row.stale else "有効"
            when = row.next_update.isoformat() if row.next_update else "-"
            self.stdout.write(f"{row.file}  {state}  次回更新 {when}  {row.issuer}")
