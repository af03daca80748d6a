from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.http import Http404

from tsunagu.casework import workdays
from tsunagu.casework.models import Case, CaseStatus
from tsunagu.casework.selectors import (
    DUE_SOON_WORKING_DAYS,
    case_get_for_application,
    case_get_for_department,
    case_history,
    case_list_for_department,
)

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 25)  # a Wednesday
DEPT = "kodomo_seisaku"


def _with_due(case: Case, due: dt.date | None, status: str | None = None) -> Case:
    Case.objects.filter(pk=case.pk).update(due_date=due, status=status or case.status)
    case.refresh_from_db()
    return case


def test_inbox_sorts_by_deadline_and_flags_overdue_and_due_soon(
    new_case: Callable[..., Case],
) -> None:
    soon_limit = workdays.add_working_days(TODAY, DUE_SOON_WORKING_DAYS)
    overdue = _with_due(new_case(), TODAY - dt.timedelta(days=1))
    due_today = _with_due(new_case(), TODAY)
    due_soon = _with_due(new_case(), soon_limit)
    later = _with_due(new_case(), soon_limit + dt.timedelta(days=1))
    no_deadline = _with_due(new_case(), None)
    # A closed case past its date is not overdue.
    done = _with_due(new_case(), TODAY - dt.timedelta(days=30), CaseStatus.COMPLETED)

    rows = list(case_list_for_department(department=DEPT, today=TODAY))

    assert [r.pk for r in rows] == [
        done.pk,
        overdue.pk,
        due_today.pk,
        due_soon.pk,
        later.pk,
        no_deadline.pk,
    ]
    flags = {r.pk: (r.is_overdue, r.is_due_soon) for r in rows}  # type: ignore[attr-defined]
    assert flags == {
        done.pk: (False, False),
        overdue.pk: (True, False),
        due_today.pk: (False, True),
        due_soon.pk: (False, True),
        later.pk: (False, False),
        no_deadline.pk: (False, False),
    }
    only_overdue = case_list_for_department(department=DEPT, overdue_only=True, today=TODAY)
    assert [r.pk for r in only_overdue] == [overdue.pk]


def test_inbox_filters_by_status_assignee_and_department(
    new_case: Callable[..., Case], clerk: User
) -> None:
    received = new_case()
    in_review = new_case(CaseStatus.IN_REVIEW)
    Case.objects.filter(pk=in_review.pk).update(assignee=clerk)
    other_department = new_case(procedure_code="test-proxy")
    assert other_department.department == "kaigo_hoken"

    assert [c.pk for c in case_list_for_department(department=DEPT, status="received")] == [
        received.pk
    ]
    assert [c.pk for c in case_list_for_department(department=DEPT, assignee_id=clerk.pk)] == [
        in_review.pk
    ]
    assert {c.pk for c in case_list_for_department(department=DEPT)} == {
        received.pk,
        in_review.pk,
    }


def test_inbox_is_one_query(new_case: Callable[..., Case], django_assert_num_queries: Any) -> None:
    for _ in range(5):
        new_case()
    with django_assert_num_queries(1):
        rows = list(case_list_for_department(department=DEPT, status="received"))
    assert len(rows) == 5


def test_the_inbox_query_can_use_the_inbox_index() -> None:
    index = next(i for i in Case._meta.indexes if i.name == "case_inbox")
    assert list(index.fields) == ["department", "status", "due_date"]


@pytest.mark.parametrize("make_id", ["other-department", "missing", "malformed"])
def test_a_case_outside_the_department_looks_missing(
    make_id: str, new_case: Callable[..., Case]
) -> None:
    other = new_case(procedure_code="test-proxy")
    case_id: Any = {
        "other-department": other.pk,
        "missing": uuid.uuid4(),
        "malformed": "not-a-uuid",
    }[make_id]
    with pytest.raises(Http404):
        case_get_for_department(department=DEPT, case_id=case_id)
    assert case_get_for_department(department="kaigo_hoken", case_id=other.pk) == other


def test_case_of_an_application_and_its_history(new_case: Callable[..., Case]) -> None:
    case = new_case()
    assert case_get_for_application(application_id=case.application_id) == case
    assert case_get_for_application(application_id=uuid.uuid4()) is None
    assert [h.to_status for h in case_history(case=case)] == ["received"]
