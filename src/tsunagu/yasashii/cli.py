"""``python -m tsunagu.yasashii analyze [--json] | rewrite [--json] | ruby``: UTF-8 text on
stdin, result on stdout."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import TextIO

from tsunagu.yasashii.analysis import Report, analyze
from tsunagu.yasashii.lexicon import USER_DICT_ENV, use_user_dictionary
from tsunagu.yasashii.rewrite import rewrite
from tsunagu.yasashii.ruby import ruby


def _format(report: Report) -> str:
    lines = [f"全体: {report.score:.2f} {report.band}（{len(report.sentences)}文）"]
    for i, s in enumerate(report.sentences, 1):
        lines.append(f"{i}. {s.text}")
        lines.append(
            f"   {s.score:.2f} {s.band} / {s.length}字 / 漢字 {s.kanji_ratio:.0%}"
            f" / 最長の漢字の連続 {s.longest_kanji_run}字"
        )
        problems = [
            *(f"長い漢字の連続: {r}" for r in s.long_kanji_runs),
            *(f"カタカナ語: {w}" for w in s.loanwords),
            *(f"{f.kind}: {f.text}（→ {f.hint}）" for f in s.honorifics),
            *(f"二重否定: {f.text}" for f in s.double_negatives),
            *(f"受身: {f.text}" for f in s.passives),
            *(f"難しい語: {f.text}（{f.hint}）" for f in s.above_level),
        ]
        lines.extend(f"   - {p}" for p in problems)
    return "\n".join(lines) + "\n"


def main(
    argv: Sequence[str] | None = None, stdin: TextIO | None = None, stdout: TextIO | None = None
) -> int:
    parser = argparse.ArgumentParser(prog="python -m tsunagu.yasashii")
    parser.add_argument(
        "--user-dict",
        metavar="PATH",
        help=f"the city's own dictionary file (default: ${USER_DICT_ENV} or the shipped one)",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p_analyze = sub.add_parser("analyze", help="report the difficulty of each sentence")
    p_analyze.add_argument("--json", action="store_true", help="print the report as JSON")
    p_analyze.add_argument(
        "--level", type=int, default=3, help="report words above this vocabulary level (1-7)"
    )
    p_rewrite = sub.add_parser("rewrite", help="rewrite into easy Japanese (やさしい日本語)")
    p_rewrite.add_argument(
        "--json", action="store_true", help="print the rules, facts and fallbacks as JSON"
    )
    p_ruby = sub.add_parser("ruby", help="add furigana as HTML <ruby>")
    p_ruby.add_argument("--min-grade", type=int, default=None, help="skip kanji taught earlier")
    args = parser.parse_args(argv)
    if args.user_dict:
        use_user_dictionary(args.user_dict)

    if stdin is None:
        sys.stdin.reconfigure(encoding="utf-8")  # type: ignore[union-attr]  # TextIOWrapper at run time
        stdin = sys.stdin
    if stdout is None:
        sys.stdout.reconfigure(encoding="utf-8")  # type: ignore[union-attr]  # TextIOWrapper at run time
        stdout = sys.stdout
    text = stdin.read()

    if args.command == "analyze":
        report = analyze(text, level=args.level)
        if args.json:
            stdout.write(json.dumps(report.to_dict(), ensure_ascii=False, indent=2) + "\n")
        else:
            stdout.write(_format(report))
    elif args.command == "rewrite":
        result = rewrite(text)
        if args.json:
            stdout.write(json.dumps(result.to_dict(), ensure_ascii=False, indent=2) + "\n")
        else:
            stdout.write(result.text)
    else:
        try:
            stdout.write(ruby(text, min_grade=args.min_grade))
        except ValueError as exc:
            parser.error(str(exc))
    return 0
