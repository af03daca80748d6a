"""The completion funnel: how many journeys reach, leave and drop out of each step.

Figures are counted over anonymous journeys (``FunnelEvent.journey``): no resident id
and no answer is ever stored in the funnel.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count

from tsunagu.applications import engine
from tsunagu.applications.models import FunnelEvent
from tsunagu.procedures.loader import catalog


def funnel_report(*, code: str | None = None) -> list[dict[str, Any]]:
    """Per procedure: journeys started, submitted, abandoned, and per step the journeys
    that saw it, went on from it, and the share that saw it but never went on."""
    qs = FunnelEvent.objects.all()
    if code:
        qs = qs.filter(procedure_code=code)
    counts: dict[tuple[str, str, str], int] = {}
    for row in qs.values("procedure_code", "step", "kind").annotate(
        n=Count("journey", distinct=True)
    ):
        counts[(row["procedure_code"], row["step"], row["kind"])] = row["n"]
    codes = sorted({k[0] for k in counts})
    report = []
    for c in codes:
        proc = catalog().procedures.get(c)
        step_ids = [s.id for s in proc.steps] + [engine.ATTACHMENTS, engine.CHECK] if proc else []
        step_ids = [s for s in step_ids if (c, s, "enter") in counts or (c, s, "leave") in counts]
        started = counts.get((c, "", "start"), 0)
        submitted = counts.get((c, "", "submit"), 0)
        steps = []
        for s in step_ids:
            left = counts.get((c, s, "leave"), 0) if s != engine.CHECK else submitted
            # A journey that left a step was on it (a form re-posted without a fresh GET).
            entered = max(counts.get((c, s, "enter"), 0), left)
            steps.append(
                {
                    "step": s,
                    "entered": entered,
                    "left": left,
                    "drop_off_rate": (max(entered - left, 0) / entered) if entered else 0.0,
                }
            )
        report.append(
            {
                "code": c,
                "name": proc.names.ja if proc else c,
                "started": started,
                "submitted": submitted,
                "abandoned": counts.get((c, "", "abandon"), 0),
                "completion_rate": (submitted / started) if started else 0.0,
                "steps": steps,
            }
        )
    return report
