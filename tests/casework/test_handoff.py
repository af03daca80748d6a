from __future__ import annotations

import functools
import json
import threading
from collections.abc import Callable
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.test import Client
from django.utils import timezone

from tests.applications.test_flow import VALID_MY_NUMBER, fill_all, start
from tests.audit.helpers import run_in_threads
from tests.conftest import login_as
from tsunagu.accounts.models import Resident
from tsunagu.applications.models import Application, HandoffOutbox
from tsunagu.applications.selectors import application_for_handoff
from tsunagu.audit.models import AuditEvent
from tsunagu.casework import workdays
from tsunagu.casework.handoff import handoff_take_one, handoff_take_pending
from tsunagu.casework.models import Case, CaseStatus
from tsunagu.casework.tasks import handoff_take_task

from .conftest import make_submission

pytestmark = pytest.mark.django_db


def test_a_real_submission_becomes_one_case(
    client: Client, test_catalog: Any, django_capture_on_commit_callbacks: Any
) -> None:
    login_as(client, "demo-0001")
    draft = start(client)
    fill_all(client, draft)
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(f"/applications/{draft.pk}/check/", {"version": "1", "declaration": "yes"})
    assert r.status_code == 302
    app = Application.objects.get()

    cases = handoff_take_pending()

    assert [c.application_id for c in cases] == [app.pk]
    case = cases[0]
    assert case.receipt_number == app.receipt_number
    assert (case.procedure_code, case.procedure_version) == ("test-teate", 1)
    assert case.department == "kodomo_seisaku"
    assert case.status == CaseStatus.RECEIVED
    assert case.processing_days == 10
    assert case.due_date == workdays.due_date(timezone.localdate(app.submitted_at), 10)
    # The submission is frozen as the front office handed it over.
    assert case.submitted == application_for_handoff(application_id=app.pk)
    assert case.submitted["answers"]["children"][1]["child_birth"] == "2023-06-01"
    assert [a["slot"] for a in case.submitted["attachments"]] == ["bankbook"]
    # 個人番号 stays encrypted in the frozen copy, as in the application.
    assert VALID_MY_NUMBER not in json.dumps(case.submitted)
    assert list(case.history.values_list("from_status", "to_status")) == [("", "received")]
    assert HandoffOutbox.objects.get(application=app).taken_at is not None
    event = AuditEvent.objects.get(action="case.create")
    assert event.obj_id == str(case.pk)
    assert event.summary["receipt_number"] == app.receipt_number
    # The resident's status is untouched: 受付 is what they already see.
    app.refresh_from_db()
    assert app.status == "submitted"


def test_taking_twice_gives_one_case(resident: Resident, test_catalog: Any) -> None:
    apps = [make_submission(resident) for _ in range(3)]

    first = handoff_take_pending()
    second = handoff_take_pending()

    assert sorted(c.application_id for c in first) == sorted(a.pk for a in apps)
    assert second == []
    # A worker that read the outbox before another took the record finds the same case.
    case, created = handoff_take_one(application_id=apps[0].pk)
    assert created is False
    assert case.pk == next(c.pk for c in first if c.application_id == apps[0].pk)
    assert Case.objects.count() == 3
    assert AuditEvent.objects.filter(action="case.create").count() == 3


def test_limit_takes_the_oldest_first(resident: Resident, test_catalog: Any) -> None:
    apps = [make_submission(resident) for _ in range(3)]

    taken = handoff_take_pending(limit=2)

    assert [c.application_id for c in taken] == [apps[0].pk, apps[1].pk]
    assert HandoffOutbox.objects.filter(taken_at__isnull=True).get().application_id == apps[2].pk


def test_a_submission_that_cannot_be_taken_does_not_block_the_others(
    resident: Resident, test_catalog: Any
) -> None:
    broken = make_submission(resident, procedure_code="no-such-procedure")
    good = make_submission(resident)

    taken = handoff_take_pending()

    assert [c.application_id for c in taken] == [good.pk]
    assert HandoffOutbox.objects.get(taken_at__isnull=True).application_id == broken.pk
    assert not Case.objects.filter(application_id=broken.pk).exists()


def test_the_submitted_payload_cannot_be_changed(resident: Resident, test_catalog: Any) -> None:
    make_submission(resident)
    case = handoff_take_pending()[0]

    case.submitted = {**case.submitted, "answers": {"pension": "kokumin"}}
    with pytest.raises(ValueError, match="immutable"):
        case.save()
    case.refresh_from_db()
    assert case.submitted["answers"] == {"pension": "kousei"}


def test_task_and_command_take(resident: Resident, test_catalog: Any) -> None:
    make_submission(resident)
    result = handoff_take_task.enqueue()
    assert len(result.return_value) == 1
    assert Case.objects.count() == 1

    make_submission(resident)
    out = StringIO()
    call_command("casework", "take", stdout=out)
    assert "1 件の申請を案件として取り込みました" in out.getvalue()

    make_submission(resident)
    call_command("casework", "poll", "--interval", "0.01", "--rounds", "2", stdout=StringIO())
    make_submission(resident)
    call_command(
        "casework", "poll", "--inline", "--interval", "0.01", "--rounds", "1", stdout=StringIO()
    )
    assert Case.objects.count() == 4
    assert not HandoffOutbox.objects.filter(taken_at__isnull=True).exists()


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="real concurrent transactions: PostgreSQL (SQLite serialises writers)",
)
@pytest.mark.django_db(transaction=True)
def test_concurrent_takers_make_one_case(test_catalog: Any) -> None:
    resident = Resident.objects.create(provider="demo", subject="race-0001", name_sei="常陸")
    apps = [make_submission(resident) for _ in range(5)]
    takers = 4
    barrier = threading.Barrier(takers)

    def take(take_fn: Callable[[], Any]) -> Any:
        try:
            barrier.wait(timeout=30)
            return take_fn()
        finally:
            connections.close_all()

    # Every taker races for every record: through the outbox and for one record directly.
    results = run_in_threads([functools.partial(take, handoff_take_pending)] * takers)
    assert sorted(c.application_id for r in results for c in r) == sorted(a.pk for a in apps)
    barrier.reset()
    one = make_submission(resident)
    direct = run_in_threads(
        [functools.partial(take, functools.partial(handoff_take_one, application_id=one.pk))]
        * takers
    )
    assert sum(created for _, created in direct) == 1
    assert len({case.pk for case, _ in direct}) == 1
    assert Case.objects.count() == 6
    assert AuditEvent.objects.filter(action="case.create").count() == 6
