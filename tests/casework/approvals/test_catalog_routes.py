"""The real catalog's routes: 児童手当 (起案 → 係長 → 課長) after a correction, and the
罹災証明書 (合議 of 生活安全課, damage level required)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.casework.conftest import make_submission
from tsunagu.accounts.models import Resident
from tsunagu.applications.models import Application, Draft
from tsunagu.casework.approvals.selectors import decision_summary
from tsunagu.casework.approvals.services import (
    ApprovalRefused,
    DraftInvalid,
    approval_approve,
    approval_consult_agree,
    approval_return,
    approval_start,
    decision_draft,
)
from tsunagu.casework.handoff import handoff_take_one
from tsunagu.casework.models import Case, CaseStatus
from tsunagu.casework.services import (
    case_mark_corrected,
    case_request_correction,
    case_start_review,
)
from tsunagu.procedures.loader import catalog

pytestmark = pytest.mark.django_db


def real_case(resident: Resident, code: str) -> Case:
    version = catalog().procedures[code].version
    app = make_submission(resident, code)
    Application.objects.filter(pk=app.pk).update(procedure_version=version)
    Draft.objects.filter(pk=app.draft_id).update(procedure_version=version)
    case, _created = handoff_take_one(application_id=app.pk)
    return case


def test_jidou_teate_correction_then_one_return_then_decided(
    resident: Resident, people: dict[str, Any]
) -> None:
    case = real_case(resident, "jidou-teate-nintei")
    clerk, chief, head = people["clerk"], people["chief"], people["head"]
    case_start_review(case=case, actor=clerk.user)
    case_request_correction(case=case, actor=clerk.user, message="口座の名義を確認してください。")
    case_mark_corrected(case=case, actor=None)
    decision_draft(case=case, staff=clerk, outcome="approve", amounts={"児童手当 月額": 10000})
    route = approval_start(case=case, staff=clerk)
    assert [s.role for s in route.steps.order_by("order")] == ["clerk", "chief", "section_head"]
    approval_return(case=case, staff=chief, comment="第3子の加算を確認してください。")
    decision_draft(case=case, staff=clerk, outcome="approve", amounts={"児童手当 月額": 30000})
    approval_start(case=case, staff=clerk)
    approval_approve(case=case, staff=chief)
    approval_approve(case=case, staff=head)
    case.refresh_from_db()
    assert case.status == CaseStatus.APPROVED
    summary = decision_summary(case=case)
    assert summary is not None and summary.approved
    assert summary.amounts == {"児童手当 月額": 30000}
    assert [a.role for a in summary.approvers] == ["clerk", "chief", "section_head"]


def test_risai_shomeisho_needs_the_damage_level_and_the_disaster_departments_agreement(
    resident: Resident, people: dict[str, Any]
) -> None:
    case = real_case(resident, "risai-shomeisho")
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.IN_REVIEW)
    with pytest.raises(DraftInvalid):
        decision_draft(case=case, staff=people["z_clerk"], outcome="approve")
    decision_draft(case=case, staff=people["z_clerk"], outcome="approve", damage_level="hankai")
    approval_start(case=case, staff=people["z_clerk"])
    approval_approve(case=case, staff=people["z_chief"])
    with pytest.raises(ApprovalRefused, match="生活安全課"):
        approval_approve(case=case, staff=people["z_head"])
    approval_consult_agree(case=case, staff=people["kiki_chief"])
    approval_approve(case=case, staff=people["z_head"])
    summary = decision_summary(case=case)
    assert summary is not None and summary.damage_level == "hankai"
