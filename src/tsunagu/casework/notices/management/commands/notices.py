"""``tsunagu notices eseal|verify``: the city's e-seal, and the check of a notice's signature.

``eseal`` says which e-seal signs notices (the configured one, or the DEMO one) and where
the root certificate is that verifiers need; ``verify FILE...`` checks notices' signatures
against the configured trust roots, as the staff case page does, and exits 1 if any fails.
"""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tsunagu.casework.notices.signing import EsealNotConfigured, eseal_current, notice_verify


class Command(BaseCommand):
    help = "通知書の電子公印（eシール）の確認と、通知書の署名の検証"

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("eseal", help="通知書に署名する電子公印を表示する")
        verify = sub.add_parser("verify", help="通知書（PDF）の署名を検証する")
        verify.add_argument("files", nargs="+", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            seal = eseal_current()
        except EsealNotConfigured as exc:
            raise CommandError(str(exc)) from exc
        if options["action"] == "eseal":
            self.stdout.write(f"署名者: {seal.subject}")
            self.stdout.write(
                f"タイムスタンプ: {'あり（PAdES-B-T）' if seal.timestamper else 'なし'}"
            )
            if seal.demo:
                root = Path(settings.TSUNAGU_ESEAL["demo_dir"]) / "root.crt"
                self.stdout.write(
                    f"デモ用の電子公印です（本番では使えません）。ルート証明書: {root}"
                )
            else:
                roots = ", ".join(settings.TSUNAGU_ESEAL["trust_roots"])
                self.stdout.write(f"信頼するルート証明書: {roots}")
            return
        failed = 0
        for path in options["files"]:
            try:
                data = path.read_bytes()
            except OSError as exc:
                raise CommandError(f"{path}: {exc}") from exc
            result = notice_verify(data)
            if result.ok:
                when = result.signed_at.isoformat() if result.signed_at else "?"
                self.stdout.write(f"{path}: 有効（署名者 {result.signer}、署名時刻 {when}）")
            else:
                failed += 1
                self.stdout.write(f"{path}: 無効 — {' '.join(result.problems)}")
        if failed:
            raise CommandError(f"{failed} 件の署名を確認できませんでした。", returncode=1)
