from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from tsunagu.applications.models import Application
from tsunagu.audit.models import AuditEvent
from tsunagu.casework import workdays
from tsunagu.casework.models import Case, CaseNote, CaseStatus
from tsunagu.casework.services import (
    CaseTransitionRefused,
    case_assign,
    case_complete,
    case_decide,
    case_mark_corrected,
    case_mark_notified,
    case_note_add,
    case_request_correction,
    case_start_review,
    case_submit_for_approval,
    case_withdraw,
)

pytestmark = pytest.mark.django_db

S = CaseStatus
# action -> (call, audit action, statuses it is allowed from, status it leads to)
TRANSITIONS: dict[str, tuple[Callable[..., Case], str, set[str], str]] = {
    "start_review": (
        case_start_review,
        "case.start_review",
        {S.RECEIVED, S.CORRECTED},
        S.IN_REVIEW,
    ),
    "request_correction": (
        lambda **kw: case_request_correction(message="通帳の写しが読み取れません。", **kw),
        "case.request_correction",
        {S.IN_REVIEW, S.CORRECTED},
        S.CORRECTION,
    ),
    "mark_corrected": (case_mark_corrected, "case.mark_corrected", {S.CORRECTION}, S.CORRECTED),
    "submit_for_approval": (
        case_submit_for_approval,
        "case.submit_for_approval",
        {S.IN_REVIEW, S.CORRECTED},
        S.APPROVING,
    ),
    "approve": (
        lambda **kw: case_decide(approve=True, **kw),
        "case.approve",
        {S.APPROVING},
        S.APPROVED,
    ),
    "reject": (
        lambda **kw: case_decide(approve=False, reason="所得が基準を超えています。", **kw),
        "case.reject",
        {S.APPROVING},
        S.REJECTED,
    ),
    "mark_notified": (
        case_mark_notified,
        "case.mark_notified",
        {S.APPROVED, S.REJECTED},
        S.NOTIFIED,
    ),
    "complete": (case_complete, "case.complete", {S.NOTIFIED}, S.COMPLETED),
    "withdraw": (
        lambda **kw: case_withdraw(reason="申請者から取下書の提出がありました。", **kw),
        "case.withdraw",
        {S.RECEIVED, S.IN_REVIEW, S.CORRECTION, S.CORRECTED, S.APPROVING},
        S.WITHDRAWN,
    ),
}
ALLOWED = [(a, s) for a, (_, _, froms, _) in TRANSITIONS.items() for s in S.values if s in froms]
REFUSED = [
    (a, s) for a, (_, _, froms, _) in TRANSITIONS.items() for s in S.values if s not in froms
]


@pytest.mark.parametrize(("action", "status"), ALLOWED)
def test_allowed_transition(
    action: str, status: str, new_case: Callable[..., Case], clerk: User
) -> None:
    call, audit_action, _, target = TRANSITIONS[action]
    case = new_case(status)

    result = call(case=case, actor=clerk)

    case.refresh_from_db()
    assert result.status == case.status == target
    change = case.history.last()
    assert change is not None
    assert (change.from_status, change.to_status, change.actor) == (status, target, clerk)
    event = AuditEvent.objects.get(action=audit_action, obj_id=str(case.pk))
    assert event.summary["status"] == [status, target]
    assert event.actor_id == str(clerk.pk)
    # The resident sees the same status on their page, with its history.
    app = Application.objects.get(pk=case.application_id)
    expected = "submitted" if target == S.RECEIVED else str(target)
    assert app.status == expected
    assert app.history.last() is not None and app.history.last().status == expected  # type: ignore[union-attr]


@pytest.mark.parametrize(("action", "status"), REFUSED)
def test_refused_transition(
    action: str, status: str, new_case: Callable[..., Case], clerk: User
) -> None:
    call, audit_action, _, _ = TRANSITIONS[action]
    case = new_case(status)
    history = case.history.count()

    with pytest.raises(CaseTransitionRefused) as refused:
        call(case=case, actor=clerk)

    # The reason names the status in Japanese, for the member of staff.
    assert f"「{S(status).label}」" in refused.value.reason or "決定済み" in refused.value.reason
    case.refresh_from_db()
    assert case.status == status
    assert case.history.count() == history
    assert not AuditEvent.objects.filter(action=audit_action).exists()
    assert not Application.objects.get(pk=case.application_id).history.exists()


@pytest.mark.parametrize("status", [S.APPROVED, S.REJECTED, S.NOTIFIED, S.COMPLETED])
def test_no_withdrawal_after_the_decision(
    status: str, new_case: Callable[..., Case], clerk: User
) -> None:
    case = new_case(status)
    with pytest.raises(CaseTransitionRefused, match="決定済みの案件は取り下げられません"):
        case_withdraw(case=case, actor=clerk, reason="取下書")


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda c, u: case_decide(case=c, actor=u, approve=False), "却下する場合は理由"),
        (lambda c, u: case_decide(case=c, actor=u, approve=False, reason=" "), "却下する場合"),
        (lambda c, u: case_withdraw(case=c, actor=u, reason=""), "取下げの理由"),
        (lambda c, u: case_request_correction(case=c, actor=u, message="\n"), "補正を依頼する内容"),
    ],
)
def test_missing_reasons_are_refused(
    call: Callable[[Case, User], Case], message: str, new_case: Callable[..., Case], clerk: User
) -> None:
    case = new_case(S.APPROVING)
    Case.objects.filter(pk=case.pk).update(status=S.APPROVING)
    with pytest.raises(CaseTransitionRefused, match=message):
        call(case, clerk)


def test_the_whole_way_with_a_correction(new_case: Callable[..., Case], clerk: User) -> None:
    case = new_case()
    case_start_review(case=case, actor=clerk)
    case_request_correction(case=case, actor=clerk, message="通帳の写しを添付してください。")
    case_mark_corrected(case=case, actor=clerk)
    case_request_correction(case=case, actor=clerk, message="口座名義を確認してください。")
    case_mark_corrected(case=case, actor=clerk)
    case_submit_for_approval(case=case, actor=clerk)
    case_decide(case=case, actor=clerk, approve=True, reason="要件を満たしています。")
    case_mark_notified(case=case, actor=clerk)
    case_complete(case=case, actor=clerk)

    case.refresh_from_db()
    assert case.decision_reason == "要件を満たしています。"
    assert case.decided_at is not None
    assert list(case.history.values_list("to_status", flat=True)) == [
        "received",
        "in_review",
        "correction",
        "corrected",
        "correction",
        "corrected",
        "approving",
        "approved",
        "notified",
        "completed",
    ]
    app = Application.objects.get(pk=case.application_id)
    notes = list(app.history.values_list("status", "note"))
    # What the resident is asked to correct is shown on their page.
    assert ("correction", "通帳の写しを添付してください。") in notes
    assert notes[-1] == ("completed", "")


def test_a_correction_pauses_the_clock(new_case: Callable[..., Case], clerk: User) -> None:
    case = new_case(S.IN_REVIEW)
    original_due = case.due_date
    assert original_due is not None
    case_request_correction(case=case, actor=clerk, message="添付書類を追加してください。")
    case.refresh_from_db()
    today = timezone.localdate()
    assert case.correction_since == today
    # The resident took two weeks to answer.
    since = today - dt.timedelta(days=14)
    Case.objects.filter(pk=case.pk).update(correction_since=since)

    case_mark_corrected(case=case, actor=clerk)

    case.refresh_from_db()
    paused = workdays.working_days_between(since, today)
    assert paused >= 5
    assert case.paused_days == paused
    assert case.correction_since is None
    received = timezone.localdate(case.submitted_at)
    assert case.due_date == workdays.due_date(received, 10, paused)
    assert case.due_date > original_due


def test_assign_and_notes(new_case: Callable[..., Case], clerk: User) -> None:
    case = new_case()
    colleague = User.objects.create_user(username="colleague")
    case_assign(case=case, actor=clerk, assignee=colleague)
    case.refresh_from_db()
    assert case.assignee == colleague
    event = AuditEvent.objects.get(action="case.assign")
    assert event.summary == {"assignee": [None, colleague.pk]}

    note = case_note_add(case=case, author=clerk, body="電話で口座を確認済み")
    assert list(CaseNote.objects.filter(case=case)) == [note]
    assert AuditEvent.objects.filter(action="case.note_add", obj_id=str(case.pk)).exists()

    Case.objects.filter(pk=case.pk).update(status=S.COMPLETED)
    with pytest.raises(CaseTransitionRefused, match="「完了」の案件の担当者は変更できません"):
        case_assign(case=case, actor=clerk, assignee=None)


def test_transitions_lock_the_case(new_case: Callable[..., Case], clerk: User) -> None:
    """A stale in-memory case does not fool the check: the status is read under lock."""
    case = new_case()
    stale = Case.objects.get(pk=case.pk)
    case_withdraw(case=case, actor=clerk, reason="取下書")
    with pytest.raises(CaseTransitionRefused, match="「取下げ」"):
        case_start_review(case=stale, actor=clerk)
