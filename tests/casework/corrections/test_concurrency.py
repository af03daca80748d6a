"""Racing resubmissions and receipts: one answer, one receipt (PostgreSQL only: SQLite
serialises writers)."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections

from tests.audit.helpers import run_in_threads
from tsunagu.applications.corrections import (
    application_correction_save,
    application_correction_submit,
)
from tsunagu.applications.models import ApplicationCorrection
from tsunagu.audit.models import AuditEvent
from tsunagu.casework.corrections.models import CaseCorrection
from tsunagu.casework.corrections.services import correction_receive_pending, correction_request
from tsunagu.casework.models import Case, CaseStatus, CaseStatusChange


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="real concurrent transactions: PostgreSQL (SQLite serialises writers)",
)
@pytest.mark.django_db(transaction=True)
def test_racing_resubmissions_and_receipts(reviewed_case: Case, staff_client: Any) -> None:
    correction_request(
        case=reviewed_case,
        actor=staff_client().staff.user,
        fields=["pension"],
        attachment_slots=[],
        message="年金を確認してください。",
        due_date=None,
    )
    corr = ApplicationCorrection.objects.get()
    resident = corr.application.resident
    application_correction_save(correction=corr, resident=resident, values={"pension": "kokumin"})
    racers = 4
    barrier = threading.Barrier(racers)

    def race(fn: Callable[[], Any]) -> Any:
        try:
            barrier.wait(timeout=30)
            return fn()
        finally:
            connections.close_all()

    submit = functools.partial(
        application_correction_submit, correction=corr, resident=resident, declared=True
    )
    answered = run_in_threads([functools.partial(race, submit)] * racers)
    assert len({a.answered_at for a in answered}) == 1
    assert AuditEvent.objects.filter(action="application.correction_submit").count() == 1

    barrier.reset()
    received = run_in_threads([functools.partial(race, correction_receive_pending)] * racers)
    assert sum(len(r) for r in received) >= 1
    assert AuditEvent.objects.filter(action="case.correction_receive").count() == 1
    assert CaseCorrection.objects.get().received_at is not None
    assert Case.objects.get(pk=reviewed_case.pk).status == CaseStatus.CORRECTED
    assert (
        CaseStatusChange.objects.filter(case=reviewed_case, to_status=CaseStatus.CORRECTED).count()
        == 1
    )
