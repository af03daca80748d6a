"""``tsunagu audit verify`` checks the hash chain; ``tsunagu audit tail`` shows recent events."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from tsunagu.audit.selectors import audit_events_recent
from tsunagu.audit.verify import audit_verify


class Command(BaseCommand):
    help = "Audit log: verify the hash chain, or show the latest events."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="{verify,tail}")
        verify = sub.add_parser(
            "verify", help="Check every event and the chain head; exit code 1 on any problem."
        )
        verify.add_argument(
            "--json", action="store_true", help="Print the report as JSON (machine-readable)."
        )
        verify.add_argument(
            "--show-hash",
            action="store_true",
            help="Also print the last event's hash, to keep outside the database.",
        )
        tail = sub.add_parser("tail", help="Print the latest events, oldest first.")
        tail.add_argument(
            "-n", "--lines", type=int, default=20, help="How many events (default 20)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "verify":
            self.verify(as_json=options["json"], show_hash=options["show_hash"])
        else:
            self.tail(limit=options["lines"])

    def verify(self, *, as_json: bool, show_hash: bool) -> None:
        report = audit_verify()
        if as_json:
            self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        else:
            for problem in report.problems:
                self.stdout.write(problem.message)
            if report.ok:
                self.stdout.write(self.style.SUCCESS(report.summary()))
                if show_hash and report.head_hash:
                    # For anchoring outside the database (a printout, a mail to the CDO).
                    self.stdout.write(
                        _("最終ハッシュ（seq %(seq)d）: %(hash)s")
                        % {"seq": report.head_seq, "hash": report.head_hash}
                    )
        if not report.ok:
            raise CommandError(report.summary(), returncode=1)

    def tail(self, *, limit: int) -> None:
        if limit < 1:
            raise CommandError(_("-n には1以上の数を指定してください。"))
        events = list(audit_events_recent(limit=limit))
        if not events:
            self.stdout.write(_("監査ログにはまだイベントがありません。"))
            return
        for event in reversed(events):
            when = timezone.localtime(event.occurred_at).isoformat(timespec="seconds")
            actor = event.actor_type + (f":{event.actor_id}" if event.actor_id else "")
            if event.actor_label:
                actor += f"（{event.actor_label}）"
            parts = [f"#{event.seq}", when, event.action, actor]
            if event.role:
                parts.append(f"role={event.role}")
            if event.obj_type or event.obj_id:
                parts.append(f"{event.obj_type}:{event.obj_id}")
            if event.summary:
                parts.append(json.dumps(event.summary, ensure_ascii=False, sort_keys=True))
            if event.request_id:
                parts.append(f"req={event.request_id}")
            if event.ip:
                parts.append(f"ip={event.ip}")
            self.stdout.write("  ".join(parts))
