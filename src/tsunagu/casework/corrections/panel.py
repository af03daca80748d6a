"""The corrections section of the staff case page (registered in ``CorrectionsConfig``)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from tsunagu.accounts.staff_models import StaffProfile
from tsunagu.casework.corrections.services import correction_receive_for_case
from tsunagu.casework.corrections.views import form_context, request_form
from tsunagu.casework.models import Case
from tsunagu.casework.selectors import CASE_ROLES


def corrections_panel(
    request: HttpRequest, case: Case, staff: StaffProfile
) -> dict[str, Any] | None:
    """The rounds of the case and the request form. An answered round is received first
    (idempotent), so the page never shows a stale 補正依頼中."""
    if staff.role not in CASE_ROLES:
        return None
    if correction_receive_for_case(case=case):
        case.refresh_from_db()
    return form_context(case, staff, request_form(case))
