"""Background tasks of corrections (``django.tasks``; backend from configuration)."""

from __future__ import annotations

from django.tasks import task

from tsunagu.casework.corrections.services import correction_receive_pending


@task()
def correction_receive_task(limit: int = 100) -> list[str]:
    """Receive the residents' answered corrections; returns the ids of the rounds received.
    Idempotent: running it twice, or on two workers at once, receives each answer once."""
    return [str(record.pk) for record in correction_receive_pending(limit=limit)]
