"""``tsunagu procedures check|list|sync|funnel``: the catalog from the command line."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from tsunagu.procedures.loader import CatalogError, load_catalog


class Command(BaseCommand):
    help = "手続き定義（カタログ）の検査・一覧・登録・完了率の表示"

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("check", help="すべての定義を検査する")
        lst = sub.add_parser("list", help="定義の一覧")
        lst.add_argument("--json", action="store_true", help="JSON で出力する")
        sub.add_parser("sync", help="定義の版をデータベースに登録する（起動時に実行）")
        funnel = sub.add_parser("funnel", help="手続き・ステップごとの完了率")
        funnel.add_argument("code", nargs="?", help="手続きのコード（省略時はすべて）")
        funnel.add_argument("--json", action="store_true", help="JSON で出力する")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        try:
            catalog = load_catalog()
        except CatalogError as err:
            for problem in err.problems:
                self.stderr.write(str(problem))
            raise CommandError(f"手続き定義に {len(err.problems)} 件の問題があります") from None
        if action == "check":
            self.stdout.write(
                f"手続き定義は正常です（{len(catalog.procedures)}件、課 {len(catalog.departments)}件）"
            )
        elif action == "list":
            rows = [
                {
                    "code": p.code,
                    "version": p.version,
                    "name": p.names.ja,
                    "category": p.category.value,
                    "fields": p.field_count(),
                }
                for p in catalog.ordered()
            ]
            if options["json"]:
                self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
            else:
                for r in rows:
                    self.stdout.write(
                        f"{r['code']:<32} v{r['version']:<3} {r['category']:<9} "
                        f"{r['fields']:>3}項目  {r['name']}"
                    )
        elif action == "sync":
            from tsunagu.procedures.services import VersionConflict, procedure_catalog_sync

            try:
                result = procedure_catalog_sync(source=catalog)
            except VersionConflict as err:
                raise CommandError(str(err)) from None
            self.stdout.write(
                f"手続き定義を登録しました（新規 {len(result.added)}件、変更なし {len(result.unchanged)}件）"
            )
        elif action == "funnel":
            from tsunagu.applications.funnel import funnel_report

            report = funnel_report(code=options.get("code"))
            if options["json"]:
                self.stdout.write(json.dumps(report, ensure_ascii=False, indent=2))
                return
            if not report:
                self.stdout.write("まだ記録がありません")
            for proc in report:
                self.stdout.write(
                    f"{proc['name']}（{proc['code']}）: 開始 {proc['started']} / 申請 {proc['submitted']}"
                    f" / 中止 {proc['abandoned']}  完了率 {proc['completion_rate']:.1%}"
                )
                for s in proc["steps"]:
                    self.stdout.write(
                        f"  {s['step']:<24} 表示 {s['entered']:>5}  次へ {s['left']:>5}"
                        f"  離脱率 {s['drop_off_rate']:.1%}"
                    )
