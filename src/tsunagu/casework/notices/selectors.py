"""Reads of notices: a case's notices, one notice for a member of staff."""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404

from tsunagu.accounts.staff_models import StaffProfile
from tsunagu.casework.models import Case
from tsunagu.casework.notices.models import Notice


def case_for_staff(*, staff: StaffProfile, case_id: uuid.UUID | str) -> Case:
    """The case if ``staff`` may handle it, else ``Http404`` (missing or not theirs alike)."""
    from tsunagu.casework import selectors as casework

    # casework's access helper for staff, where it exists; the department's cases otherwise.
    helper = getattr(casework, "case_get_for_staff", None)
    case = (
        helper(staff=staff, case_id=case_id)
        if helper is not None
        else casework.case_get_for_department(department=staff.department, case_id=case_id)
    )
    if not isinstance(case, Case):
        raise Http404
    return case


def notice_list_for_case(*, case: Case) -> QuerySet[Notice]:
    return Notice.objects.filter(case=case).select_related("issued_by")


def notice_get_for_staff(*, staff: StaffProfile, notice_id: uuid.UUID | str) -> Notice:
    """A notice of a case ``staff`` may handle; the same ``Http404`` otherwise."""
    try:
        notice = Notice.objects.select_related("case").get(pk=notice_id)
    except (Notice.DoesNotExist, ValidationError, ValueError, TypeError) as exc:
        raise Http404 from exc
    case_for_staff(staff=staff, case_id=notice.case_id)
    return notice
