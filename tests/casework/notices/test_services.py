"""notice_issue: render, sign, keep, deliver, mark notified, audit, mail the resident."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail

from tests.casework.notices.conftest import pdf_text, summary
from tsunagu.applications.models import Application, ApplicationDocument, Status
from tsunagu.audit.models import AuditEvent
from tsunagu.casework.models import Case, CaseStatus
from tsunagu.casework.notices import services
from tsunagu.casework.notices.models import Notice
from tsunagu.casework.notices.services import NoticeRefused, notice_issue, notice_preview
from tsunagu.casework.notices.signing import notice_verify


@pytest.fixture
def approved(decided_case: Callable[..., Case]) -> Case:
    return decided_case()


def test_issuing_delivers_a_signed_notice_and_marks_the_case_notified(
    approved: Case, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        notice = notice_issue(case=approved, actor=None)
    approved.refresh_from_db()
    assert approved.status == CaseStatus.NOTIFIED
    app = Application.objects.get(pk=approved.application_id)
    assert app.status == Status.NOTIFIED
    # The copy on the resident's page is byte for byte the signed notice.
    document = ApplicationDocument.objects.get(application=app)
    assert notice.document_id == document.pk
    with notice.file.open("rb") as fh:
        kept = fh.read()
    with document.file.open("rb") as fh:
        delivered = fh.read()
    assert kept == delivered
    assert document.sha256 == notice.sha256 == hashlib.sha256(kept).hexdigest()
    assert document.title == notice.title == "決定通知書"
    result = notice_verify(delivered)
    assert result.ok, result.problems
    assert notice.document_number in pdf_text(delivered)
    # The resident is told by mail, which names the document but not the decision.
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["hanako@example.jp"]
    assert "書類が届きました" in mail.outbox[0].subject
    assert approved.receipt_number in mail.outbox[0].subject
    assert "決定通知書" in mail.outbox[0].body
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"notice.issue", "case.mark_notified", "application.document_add"} <= actions


def test_a_rejection_issues_a_kyakka_notice(decided_case: Callable[..., Case]) -> None:
    case = decided_case(approve=False)
    notice = notice_issue(case=case, actor=None)
    assert notice.kind == "kyakka"
    with notice.file.open("rb") as fh:
        text = pdf_text(fh.read())
    assert "却下通知書" in text
    assert "所得が限度額を超えている" in text


def test_a_risai_certificate_prints_the_decided_damage_level(
    decided_case: Callable[..., Case], monkeypatch: pytest.MonkeyPatch
) -> None:
    case = decided_case(code="risai-shomeisho")
    monkeypatch.setattr(
        services,
        "decision_summary_of",
        lambda *, case: summary(amounts={}, damage_level="hankai"),
    )
    notice = notice_issue(case=case, actor=None)
    assert notice.kind == "risai" and notice.title == "罹災証明書"
    with notice.file.open("rb") as fh:
        text = pdf_text(fh.read())
    assert "■ 半壊（該当）" in text


def test_a_case_gets_one_notice_only(approved: Case) -> None:
    notice_issue(case=approved, actor=None)
    with pytest.raises(NoticeRefused):
        notice_issue(case=approved, actor=None)
    assert Notice.objects.filter(case=approved).count() == 1
    assert ApplicationDocument.objects.count() == 1


@pytest.mark.parametrize(
    "status", [CaseStatus.RECEIVED, CaseStatus.IN_REVIEW, CaseStatus.APPROVING]
)
def test_an_undecided_case_gets_no_notice(decided_case: Callable[..., Case], status: str) -> None:
    case = decided_case()
    Case.objects.filter(pk=case.pk).update(status=status)
    with pytest.raises(NoticeRefused, match="決定"):
        notice_issue(case=case, actor=None)
    assert not Notice.objects.exists()
    assert not ApplicationDocument.objects.exists()


def test_document_numbers_count_up(decided_case: Callable[..., Case]) -> None:
    first = notice_issue(case=decided_case(), actor=None)
    second = notice_issue(case=decided_case(), actor=None)
    assert first.document_number != second.document_number
    assert first.document_number.endswith("発第1号")
    assert second.document_number.endswith("発第2号")


def test_a_preview_is_unsigned_and_changes_nothing(approved: Case) -> None:
    pdf = notice_preview(case=approved)
    assert "見本（未発行）" in pdf_text(pdf)
    assert not notice_verify(pdf).signed
    approved.refresh_from_db()
    assert approved.status == CaseStatus.APPROVED
    assert not Notice.objects.exists()


def test_the_decision_comes_from_the_approvals_part(approved: Case) -> None:
    decided = services.decision_summary_of(case=approved)
    assert decided.approved is True


def test_without_a_summary_from_approvals_the_case_itself_decides(
    decided_case: Callable[..., Case], monkeypatch: pytest.MonkeyPatch
) -> None:
    case = decided_case(approve=False)
    monkeypatch.setattr(services, "_approvals_provider", lambda: None)
    decided = services.decision_summary_of(case=case)
    assert decided.approved is False
    assert "所得が限度額" in decided.reason
    assert decided.approvers == ()


def test_a_summary_from_approvals_is_used_as_given(
    approved: Case, monkeypatch: pytest.MonkeyPatch
) -> None:
    given = summary(damage_level="hankai")
    monkeypatch.setattr(services, "_approvals_provider", lambda: lambda *, case: given)
    assert services.decision_summary_of(case=approved) is given
