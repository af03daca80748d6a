"""``tsunagu oidc rotate-key|retire-key <kid>|keys|check``: our OpenID client keys."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from tsunagu.accounts.oidc.client import ProviderSettings
from tsunagu.accounts.oidc.keys import client_keys, key_retire, key_rotate, public_jwks


class Command(BaseCommand):
    help = "OpenID Connect のクライアント鍵の管理と設定の確認"

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser(
            "rotate-key", help="新しい鍵を作る（以後はこの鍵で署名し、古い鍵も公開を続ける）"
        )
        retire = sub.add_parser("retire-key", help="古い鍵の公開をやめて削除する")
        retire.add_argument("kid")
        sub.add_parser("keys", help="公開している鍵（JWKS）を表示する")
        sub.add_parser("check", help="OpenID Connect の設定を確認する")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "rotate-key":
            key = key_rotate()
            self.stdout.write(f"新しい鍵を作成しました: kid={key.kid} alg={key.alg}")
            self.stdout.write(f"公開中の鍵: {', '.join(k.kid for k in client_keys())}")
        elif action == "retire-key":
            try:
                key_retire(options["kid"])
            except LookupError as exc:
                raise CommandError(f"その鍵はありません: {options['kid']}") from exc
            except ValueError as exc:
                raise CommandError(
                    "最後の鍵は削除できません。先に rotate-key を実行してください。"
                ) from exc
            self.stdout.write(f"鍵の公開をやめました: kid={options['kid']}")
        elif action == "keys":
            self.stdout.write(json.dumps(public_jwks(), indent=2))
        else:
            problems = 0
            for plugin_id in ("digital-auth-app", "oidc"):
                issues = ProviderSettings.for_plugin(plugin_id).problems()
                problems += len(issues)
                status = "OK" if not issues else "未設定または誤り"
                self.stdout.write(f"{plugin_id}: {status}")
                for issue in issues:
                    self.stdout.write(f"  - {issue}")
            if problems:
                raise CommandError("設定に問題があります。")
