"""Background tasks of the back office (``django.tasks``; backend from configuration)."""

from __future__ import annotations

from django.tasks import task

from tsunagu.casework.handoff import handoff_take_pending


@task()
def handoff_take_task(limit: int = 100) -> list[str]:
    """Take new submissions into cases; returns the ids of the cases created. Idempotent:
    running it twice, or on two workers at once, never makes a second case."""
    return [str(case.pk) for case in handoff_take_pending(limit=limit)]
