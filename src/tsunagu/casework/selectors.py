"""Reads of the back office: the department inbox, one case, its history."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import BooleanField, ExpressionWrapper, F, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from tsunagu.casework import workdays
from tsunagu.casework.models import OPEN_CASE_STATUSES, Case, CaseStatusChange

# An open case due within this many working days is flagged 期限間近.
DUE_SOON_WORKING_DAYS = 3


def case_list_for_department(
    *,
    department: str,
    status: str | None = None,
    assignee_id: int | None = None,
    overdue_only: bool = False,
    today: dt.date | None = None,
) -> QuerySet[Case]:
    """The inbox of one department: its cases, soonest deadline first, each annotated with
    ``is_overdue`` and ``is_due_soon`` (both only for open cases). Served by the index
    (department, status, due_date).

    >>> case_list_for_department(department="kodomo_seisaku", status="received")  # doctest: +SKIP
    <QuerySet [<Case: R8-000001 received>]>
    """
    today = today or timezone.localdate()
    soon = workdays.add_working_days(today, DUE_SOON_WORKING_DAYS)
    # "due_date IS NOT NULL" keeps the flags false (not NULL) for cases without a deadline.
    open_q = Q(status__in=OPEN_CASE_STATUSES, due_date__isnull=False)
    filters: dict[str, Any] = {"department": department}
    if status:
        filters["status"] = status
    if assignee_id is not None:
        filters["assignee_id"] = assignee_id
    qs = (
        Case.objects.filter(**filters)
        .annotate(
            is_overdue=ExpressionWrapper(
                open_q & Q(due_date__lt=today), output_field=BooleanField()
            ),
            is_due_soon=ExpressionWrapper(
                open_q & Q(due_date__gte=today, due_date__lte=soon), output_field=BooleanField()
            ),
        )
        .order_by(F("due_date").asc(nulls_last=True), "submitted_at", "pk")
    )
    if overdue_only:
        qs = qs.filter(open_q, due_date__lt=today)
    return qs


def case_get_for_department(*, department: str, case_id: uuid.UUID | str) -> Case:
    """One case of ``department``; the same ``Http404`` whether it is missing or another
    department's, so an id reveals nothing."""
    try:
        return Case.objects.get(pk=case_id, department=department)
    except (Case.DoesNotExist, ValidationError, ValueError, TypeError) as exc:
        # A malformed UUID raises ValidationError: also "not found".
        raise Http404 from exc


def case_get_for_application(*, application_id: uuid.UUID | str) -> Case | None:
    """The case made from an application, if the hand-off has taken it."""
    return Case.objects.filter(application_id=application_id).first()


def case_history(*, case: Case) -> QuerySet[CaseStatusChange]:
    return CaseStatusChange.objects.filter(case=case).select_related("actor")
