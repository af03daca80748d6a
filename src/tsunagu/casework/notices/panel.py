"""The notices section of the staff case page (registered in ``NoticesConfig.ready``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.http import HttpRequest

from tsunagu.casework.notices.selectors import notice_list_for_case
from tsunagu.casework.notices.services import ISSUABLE_STATUSES
from tsunagu.casework.notices.signing import (
    EsealNotConfigured,
    NoticeVerification,
    eseal_current,
    notice_verify,
)
from tsunagu.casework.notices.views import ISSUE_ROLES, VIEW_ROLES

if TYPE_CHECKING:
    from tsunagu.accounts.staff_models import StaffProfile
    from tsunagu.casework.models import Case


def notice_panel(request: HttpRequest, case: Case, staff: StaffProfile) -> dict[str, Any] | None:
    """The case's notices with their verification, and the issue button when due."""
    if staff.role not in VIEW_ROLES:
        return None
    issued = []
    for notice in notice_list_for_case(case=case):
        try:
            with notice.file.open("rb") as fh:
                check = notice_verify(fh.read())
        except OSError:
            # A lost file must not take the whole case page down; staff see it here.
            check = NoticeVerification(
                ok=False, problems=("保存された通知書のファイルが見つかりません。",)
            )
        issued.append((notice, check))
    decided = case.status in ISSUABLE_STATUSES
    seal_problem = ""
    demo = False
    if decided and not issued:
        try:
            demo = eseal_current().demo
        except EsealNotConfigured as exc:
            seal_problem = str(exc)
    return {
        "case": case,
        "issued": issued,
        "decided": decided,
        "can_issue": decided and not issued and staff.role in ISSUE_ROLES and not seal_problem,
        "demo_seal": demo,
        "seal_problem": seal_problem,
    }
