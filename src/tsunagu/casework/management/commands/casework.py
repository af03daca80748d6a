"""``tsunagu casework take|poll``: move new submissions from the front office into cases.

The front office does not know the back office, so nothing there enqueues the hand-off.
``take`` runs it once; ``poll`` is a tiny scheduler for ``make run`` and small
installations: every ``--interval`` seconds it enqueues ``handoff_take_task`` on the
configured task backend (the ``db_worker`` runs it), or runs it in this process with
``--inline``. The task is idempotent, so overlapping runs are harmless.
Each round also receives the residents' answered corrections (補正) the same way
(``casework.corrections``: ``correction_receive_task``), idempotent too.
"""

from __future__ import annotations

import time
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from tsunagu.casework.corrections.services import correction_receive_pending
from tsunagu.casework.corrections.tasks import correction_receive_task
from tsunagu.casework.handoff import handoff_take_pending
from tsunagu.casework.tasks import handoff_take_task


class Command(BaseCommand):
    help = "受け付けた申請を案件として取り込む（バックオフィスへの引継ぎ）"

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        take = sub.add_parser("take", help="未取込の申請を一度だけ取り込む")
        take.add_argument("--limit", type=int, default=100)
        poll = sub.add_parser("poll", help="一定間隔で取り込みを繰り返す")
        poll.add_argument("--interval", type=float, default=5.0, help="間隔（秒）")
        poll.add_argument("--limit", type=int, default=100)
        poll.add_argument(
            "--inline", action="store_true", help="タスクキューを使わずこのプロセスで実行する"
        )
        # For tests and one-off runs: stop after this many rounds (0: run until stopped).
        poll.add_argument("--rounds", type=int, default=0)

    def handle(self, *args: Any, **options: Any) -> None:
        limit = options["limit"]
        if limit < 1:
            raise CommandError("--limit は 1 以上にしてください")
        if options["action"] == "take":
            cases = handoff_take_pending(limit=limit)
            self.stdout.write(f"{len(cases)} 件の申請を案件として取り込みました")
            # Residents' answers to corrections come back by the same kind of pull.
            received = correction_receive_pending(limit=limit)
            self.stdout.write(f"{len(received)} 件の補正を受け取りました")
            return
        interval = options["interval"]
        if interval <= 0:
            raise CommandError("--interval は 0 より大きくしてください")
        rounds = 0
        try:
            while True:
                if options["inline"]:
                    cases = handoff_take_pending(limit=limit)
                    if cases:
                        self.stdout.write(f"{len(cases)} 件の申請を案件として取り込みました")
                    received = correction_receive_pending(limit=limit)
                    if received:
                        self.stdout.write(f"{len(received)} 件の補正を受け取りました")
                else:
                    handoff_take_task.enqueue(limit=limit)
                    correction_receive_task.enqueue(limit=limit)
                rounds += 1
                if options["rounds"] and rounds >= options["rounds"]:
                    return
                time.sleep(interval)
        except KeyboardInterrupt:
            return
