"""The exports' section of the staff case page: where this case was sent, and when."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.http import HttpRequest

from tsunagu.casework.exports.selectors import EXPORTABLE_STATUSES, export_case_history

if TYPE_CHECKING:
    from tsunagu.accounts.staff_models import StaffProfile
    from tsunagu.casework.models import Case


def exports_panel(request: HttpRequest, case: Case, staff: StaffProfile) -> dict[str, Any] | None:
    """Shown for a decided case, or one that was exported (e.g. then reopened)."""
    history = list(export_case_history(case=case))
    if not history and case.status not in EXPORTABLE_STATUSES:
        return None
    return {"exports": history, "case": case}
