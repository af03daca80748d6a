"""``tsunagu exports run|rerun|targets``: exports to core systems from the command line.

``run`` is the nightly job: it exports every decided case of a procedure not yet sent to
the target and writes the file to ``--out``. A case is sent once per target; ``rerun``
sends the cases of an earlier run again, deliberately, with a reason. Both are audited as
actions of the system.
"""

from __future__ import annotations

import sys
import uuid
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from tsunagu.casework.exports.models import ExportEncoding, ExportFormat, ExportRun
from tsunagu.casework.exports.services import (
    HELD,
    ExportRefused,
    export_file,
    export_rerun,
    export_run,
)
from tsunagu.casework.exports.targets import registry
from tsunagu.casework.models import Case


class Command(BaseCommand):
    help = "決定した案件を基幹システム向けのファイルに出力する"

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("run", help="未出力の案件を出力する（夜間処理）")
        run.add_argument("--target", required=True, help="連携先（tsunagu exports targets）")
        run.add_argument("--procedure", required=True, help="手続きのコード")
        rerun = sub.add_parser("rerun", help="出力済みの案件を理由を付けて再出力する")
        rerun.add_argument("--run", required=True, help="再出力する出力の ID")
        rerun.add_argument("--reason", required=True, help="再出力する理由")
        rerun.add_argument("--case", default="", help="この受付番号の案件だけを再出力する")
        for p in (run, rerun):
            p.add_argument("--format", choices=ExportFormat.values, default=ExportFormat.CSV)
            p.add_argument(
                "--encoding",
                choices=[ExportEncoding.UTF8_BOM, ExportEncoding.CP932],
                default=ExportEncoding.UTF8_BOM,
            )
            p.add_argument(
                "--substitute",
                action="store_true",
                help="Shift_JIS で表せない文字を〓にして出力する（既定では該当する案件を保留）",
            )
            p.add_argument("--out", required=True, help="書き出すファイル（- で標準出力）")
        sub.add_parser("targets", help="連携先と設定の問題を表示する")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "targets":
            for target in registry.available():
                my_number = "個人番号あり" if target.receives_my_number() else "個人番号なし"
                self.stdout.write(f"{target.id}\t{target.label}\t{my_number}")
            problems = registry.check_config()
            for problem in problems:
                self.stderr.write(problem)
            if problems:
                raise CommandError("連携先の設定に問題があります")
            return
        try:
            if options["action"] == "run":
                run = export_run(
                    target_id=options["target"],
                    procedure_code=options["procedure"],
                    fmt=options["format"],
                    encoding=options["encoding"],
                    actor=None,
                    allow_substitute=options["substitute"],
                )
            else:
                previous = ExportRun.objects.filter(pk=_uuid(options["run"])).first()
                if previous is None:
                    raise CommandError("その ID の出力はありません")
                case = None
                if options["case"]:
                    case = Case.objects.filter(receipt_number=options["case"]).first()
                    if case is None:
                        raise CommandError("その受付番号の案件はありません")
                run = export_rerun(
                    run=previous,
                    actor=None,
                    reason=options["reason"],
                    case=case,
                    fmt=options["format"],
                    encoding=options["encoding"],
                    allow_substitute=options["substitute"],
                )
        except ExportRefused as exc:
            if options["action"] == "run" and "出力する案件はありません" in exc.reason:
                # A quiet night is not an error for the nightly job: no file is written.
                self.stdout.write(exc.reason)
                return
            raise CommandError(exc.reason) from exc
        data = export_file(run=run, actor=None)
        if options["out"] == "-":
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
        else:
            Path(options["out"]).write_bytes(data)
        for p in run.encoding_problems:
            what = "保留" if p["action"] == HELD else "〓に置換"
            self.stderr.write(
                f"{p['receipt_number']}: {p['column']} の「{p['char']}」（{p['codepoint']}）は"
                f" Shift_JIS で表せません（{what}）"
            )
        out = self.stderr if options["out"] == "-" else self.stdout
        out.write(f"{run.case_count} 件を出力しました（ID {run.pk}、SHA-256 {run.sha256}）")


def _uuid(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise CommandError("その ID の出力はありません") from None
