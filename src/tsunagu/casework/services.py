"""Writes of the back office: explicit status transitions of a case, assignment, notes.

Each transition locks the case (``select_for_update``), refuses an impossible move with
``CaseTransitionRefused`` and a reason in Japanese, writes a ``CaseStatusChange``, mirrors
the status the resident sees through ``applications.services.application_status_set``
(the back office calls the front office, never the other way round) and records an audit
event, all in one transaction. Locks are taken in the order case, application, audit head.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext

from tsunagu.accounts.staff_models import StaffProfile
from tsunagu.applications.models import Attachment, Status
from tsunagu.applications.selectors import application_status_get, attachment_get_for_application
from tsunagu.applications.services import application_status_set
from tsunagu.audit.services import audit_record
from tsunagu.casework import workdays
from tsunagu.casework.models import OPEN_CASE_STATUSES, Case, CaseNote, CaseStatus, CaseStatusChange
from tsunagu.casework.selectors import (
    MY_NUMBER_PURPOSE_MAX,
    MY_NUMBER_ROLES,
    MyNumberEntry,
    case_my_numbers,
)
from tsunagu.core import crypto

# What the resident sees on their page for each status of the case.
RESIDENT_STATUS: dict[str, str] = {
    CaseStatus.RECEIVED: Status.SUBMITTED,
    CaseStatus.IN_REVIEW: Status.IN_REVIEW,
    CaseStatus.CORRECTION: Status.CORRECTION,
    CaseStatus.CORRECTED: Status.CORRECTED,
    CaseStatus.APPROVING: Status.APPROVING,
    CaseStatus.APPROVED: Status.APPROVED,
    CaseStatus.REJECTED: Status.REJECTED,
    CaseStatus.NOTIFIED: Status.NOTIFIED,
    CaseStatus.COMPLETED: Status.COMPLETED,
    CaseStatus.WITHDRAWN: Status.WITHDRAWN,
}

DECIDED_STATUSES: tuple[str, ...] = (
    CaseStatus.APPROVED,
    CaseStatus.REJECTED,
    CaseStatus.NOTIFIED,
    CaseStatus.COMPLETED,
)


class CaseTransitionRefused(Exception):
    """An impossible or incomplete status change; ``reason`` is shown to staff as is."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _label(status: str) -> str:
    return str(CaseStatus(status).label)


def case_sync_withdrawal(*, case: Case) -> bool:
    """If the resident withdrew the application on their page, withdraw the case too.

    Returns True when the case was changed. Called before every transition and by the
    hand-off, so a withdrawal is never overwritten by a later status change.
    """
    if application_status_get(application_id=case.application_id) != Status.WITHDRAWN:
        return False
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if locked.status == CaseStatus.WITHDRAWN:
            return False
        before = locked.status
        locked.status = CaseStatus.WITHDRAWN
        locked.save(update_fields=["status", "updated_at"])
        CaseStatusChange.objects.create(
            case=locked,
            actor=None,
            at=timezone.now(),
            from_status=before,
            to_status=CaseStatus.WITHDRAWN,
            reason="申請者がマイページで取り下げました。",
        )
        audit_record(
            action="case.withdrawn_by_resident",
            obj_type="case",
            obj_id=locked.pk,
            summary={
                "status": [before, CaseStatus.WITHDRAWN],
                "receipt_number": locked.receipt_number,
            },
        )
    case.status = CaseStatus.WITHDRAWN
    return True


def _transition(
    *,
    case: Case,
    actor: User | None,
    allowed_from: Iterable[str],
    to: str,
    action: str,
    doing: str,
    reason: str = "",
    resident_note: str = "",
    compute: Callable[[Case, dt.datetime], dict[str, Any]] | None = None,
) -> Case:
    """Move ``case`` to ``to`` if its current status is in ``allowed_from``.

    ``doing`` names the refused action in Japanese (e.g. "審査を開始") for the message;
    ``compute`` returns further fields to set, from the locked case and the time.
    """
    case_sync_withdrawal(case=case)
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        before = locked.status
        if before not in tuple(allowed_from):
            raise CaseTransitionRefused(f"「{_label(before)}」の案件は{doing}できません。")
        now = timezone.now()
        changed: dict[str, Any] = {"status": to}
        if compute is not None:
            changed.update(compute(locked, now))
        for name, value in changed.items():
            setattr(locked, name, value)
        locked.save(update_fields=[*changed, "updated_at"])
        CaseStatusChange.objects.create(
            case=locked, actor=actor, at=now, from_status=before, to_status=to, reason=reason
        )
        application_status_set(
            application_id=locked.application_id, status=RESIDENT_STATUS[to], note=resident_note
        )
        audit_record(
            action=f"case.{action}",
            actor=actor,
            obj_type="case",
            obj_id=locked.pk,
            summary={"status": [before, to], "receipt_number": locked.receipt_number},
        )
    return locked


def case_start_review(*, case: Case, actor: User | None) -> Case:
    """受付 or 補正済 → 審査中."""
    return _transition(
        case=case,
        actor=actor,
        allowed_from=(CaseStatus.RECEIVED, CaseStatus.CORRECTED),
        to=CaseStatus.IN_REVIEW,
        action="start_review",
        doing="審査を開始",
    )


def case_request_correction(*, case: Case, actor: User | None, message: str) -> Case:
    """審査中 or 補正済 → 補正依頼中; the deadline clock stops until the correction arrives.

    ``message`` tells the resident what to correct and is shown on their page.
    """
    if not message.strip():
        raise CaseTransitionRefused("補正を依頼する内容を入力してください。")

    def compute(locked: Case, now: dt.datetime) -> dict[str, Any]:
        return {"correction_since": timezone.localdate(now)}

    return _transition(
        case=case,
        actor=actor,
        allowed_from=(CaseStatus.IN_REVIEW, CaseStatus.CORRECTED),
        to=CaseStatus.CORRECTION,
        action="request_correction",
        doing="補正を依頼",
        reason=message,
        resident_note=message,
        compute=compute,
    )


def case_mark_corrected(*, case: Case, actor: User | None, reason: str = "") -> Case:
    """補正依頼中 → 補正済; the working days the correction took extend the due date."""

    def compute(locked: Case, now: dt.datetime) -> dict[str, Any]:
        paused = locked.paused_days
        if locked.correction_since is not None:
            paused += workdays.working_days_between(
                locked.correction_since, timezone.localdate(now)
            )
        due = locked.due_date
        if locked.processing_days is not None:
            due = workdays.due_date(
                timezone.localdate(locked.submitted_at), locked.processing_days, paused
            )
        return {"paused_days": paused, "due_date": due, "correction_since": None}

    return _transition(
        case=case,
        actor=actor,
        allowed_from=(CaseStatus.CORRECTION,),
        to=CaseStatus.CORRECTED,
        action="mark_corrected",
        doing="補正済みに",
        reason=reason,
        compute=compute,
    )


def case_submit_for_approval(*, case: Case, actor: User | None, reason: str = "") -> Case:
    """審査中 or 補正済 → 決裁中 (the approval route itself is built on this later)."""
    return _transition(
        case=case,
        actor=actor,
        allowed_from=(CaseStatus.IN_REVIEW, CaseStatus.CORRECTED),
        to=CaseStatus.APPROVING,
        action="submit_for_approval",
        doing="決裁に回すことは",
        reason=reason,
    )


def case_decide(*, case: Case, actor: User | None, approve: bool, reason: str = "") -> Case:
    """決裁中 → 承認 or 却下. A rejection must give its reason (行政手続法 第8条)."""
    if not approve and not reason.strip():
        raise CaseTransitionRefused("却下する場合は理由を入力してください。")
    return _transition(
        case=case,
        actor=actor,
        allowed_from=(CaseStatus.APPROVING,),
        to=CaseStatus.APPROVED if approve else CaseStatus.REJECTED,
        action="approve" if approve else "reject",
        doing="決定",
        reason=reason,
        compute=lambda locked, now: {"decided_at": now, "decision_reason": reason},
    )


def case_mark_notified(*, case: Case, actor: User | None, reason: str = "") -> Case:
    """承認 or 却下 → 通知済 (the decision notice has been issued)."""
    return _transition(
        case=case,
        actor=actor,
        allowed_from=(CaseStatus.APPROVED, CaseStatus.REJECTED),
        to=CaseStatus.NOTIFIED,
        action="mark_notified",
        doing="通知済みに",
        reason=reason,
    )


def case_complete(*, case: Case, actor: User | None, reason: str = "") -> Case:
    """通知済 → 完了."""
    return _transition(
        case=case,
        actor=actor,
        allowed_from=(CaseStatus.NOTIFIED,),
        to=CaseStatus.COMPLETED,
        action="complete",
        doing="完了に",
        reason=reason,
    )


def case_withdraw(*, case: Case, actor: User | None, reason: str) -> Case:
    """Any status before 決定 → 取下げ (e.g. the resident's 取下書 at the counter)."""
    if not reason.strip():
        raise CaseTransitionRefused("取下げの理由を入力してください。")
    current = Case.objects.filter(pk=case.pk).values_list("status", flat=True).first()
    if current in DECIDED_STATUSES:
        raise CaseTransitionRefused("決定済みの案件は取り下げられません。")
    return _transition(
        case=case,
        actor=actor,
        allowed_from=OPEN_CASE_STATUSES,
        to=CaseStatus.WITHDRAWN,
        action="withdraw",
        doing="取り下げることは",
        reason=reason,
    )


def case_assign(*, case: Case, actor: User | None, assignee: User | None) -> Case:
    """Set (or clear, with ``None``) the member of staff in charge of an open case."""
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if locked.status not in OPEN_CASE_STATUSES:
            raise CaseTransitionRefused(
                f"「{_label(locked.status)}」の案件の担当者は変更できません。"
            )
        before = locked.assignee_id
        locked.assignee = assignee
        locked.save(update_fields=["assignee", "updated_at"])
        audit_record(
            action="case.assign",
            actor=actor,
            obj_type="case",
            obj_id=locked.pk,
            summary={"assignee": [before, locked.assignee_id]},
        )
    return locked


def case_note_add(*, case: Case, author: User, body: str) -> CaseNote:
    """Add an internal note to a case (not shown to the resident)."""
    if not body.strip():
        raise ValueError("a note needs a body")
    with transaction.atomic():
        note = CaseNote.objects.create(case=case, author=author, body=body)
        audit_record(
            action="case.note_add",
            actor=author,
            obj_type="case",
            obj_id=case.pk,
            summary={"note": note.pk},
        )
    return note


def case_return_to_review(*, case: Case, actor: User | None, reason: str) -> Case:
    """決裁中 → 審査中: an approver returned the draft (差戻し) to the member of staff who
    drafted it. ``reason`` (the approver's comment) is required."""
    if not reason.strip():
        raise CaseTransitionRefused("差し戻す理由を入力してください。")
    return _transition(
        case=case,
        actor=actor,
        allowed_from=(CaseStatus.APPROVING,),
        to=CaseStatus.IN_REVIEW,
        action="return_to_review",
        doing="差し戻すことは",
        reason=reason,
    )


def case_reopen(*, case: Case, actor: User | None, reason: str) -> Case:
    """承認, 却下, 通知済 or 完了 → 審査中: a recorded reopening of a decided case.

    The earlier decision stays in the case's history; the case's decision fields are
    cleared until it is decided again. Who may reopen (課長 or above) is the caller's rule.
    """
    if not reason.strip():
        raise CaseTransitionRefused("決定を取り消して審査をやり直す理由を入力してください。")
    return _transition(
        case=case,
        actor=actor,
        allowed_from=DECIDED_STATUSES,
        to=CaseStatus.IN_REVIEW,
        action="reopen",
        doing="再審査に戻すことは",
        reason=reason,
        compute=lambda locked, now: {"decided_at": None, "decision_reason": ""},
    )


# ---------------------------------------------------------------- staff reads (audited)


def case_view_record(*, case: Case, staff: StaffProfile, request: HttpRequest) -> None:
    """Record that ``staff`` opened ``case``'s page (every view of a case is audited)."""
    audit_record(
        action="case.view",
        actor=staff.user,
        request=request,
        obj_type="case",
        obj_id=case.pk,
        summary={"receipt_number": case.receipt_number},
        role=staff.role,
    )


def case_list_view_record(
    *, staff: StaffProfile, cases: list[Case], searched: bool, request: HttpRequest
) -> None:
    """Record that ``staff`` was shown a page of the inbox (applicants' names are personal
    data): which cases by receipt number, and whether it was a search. The search text is
    not kept: it is often a resident's name."""
    audit_record(
        action="case.list_view",
        actor=staff.user,
        request=request,
        obj_type="case_list",
        obj_id=staff.department,
        summary={"receipt_numbers": [c.receipt_number for c in cases], "searched": searched},
        role=staff.role,
    )


def case_attachment_open(
    *, case: Case, staff: StaffProfile, attachment_id: str, request: HttpRequest
) -> Attachment:
    """The file ``attachment_id`` of ``case``'s application, recording the download.

    ``Http404`` unless the file belongs to the application the case was made from.
    """
    att = attachment_get_for_application(
        application_id=case.application_id, attachment_id=attachment_id
    )
    audit_record(
        action="case.attachment_download",
        actor=staff.user,
        request=request,
        obj_type="case",
        obj_id=case.pk,
        summary={"attachment": str(att.pk), "slot": att.slot},
        role=staff.role,
    )
    return att


class MyNumberRevealRefused(Exception):
    """The reveal was not made; ``reason`` is shown next to the purpose field."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def case_my_number_reveal(
    *, case: Case, staff: StaffProfile, key: str, purpose: str, request: HttpRequest
) -> MyNumberEntry:
    """The 12 digits of the 個人番号 ``key`` of ``case`` (see ``case_my_numbers``) for a
    role that may see it, after recording who revealed which number of which case and why.

    Raises ``Http404`` for a role outside ``MY_NUMBER_ROLES`` or an unknown key, and
    ``MyNumberRevealRefused`` without a purpose. The number is returned, never stored.
    """
    if staff.role not in MY_NUMBER_ROLES or staff.department != case.department:
        raise Http404
    entry = next((e for e in case_my_numbers(case=case) if e.key == key), None)
    if entry is None:
        raise Http404
    purpose = " ".join(purpose.split())
    if not purpose:
        raise MyNumberRevealRefused(gettext("表示する理由（利用目的）を入力してください。"))
    if len(purpose) > MY_NUMBER_PURPOSE_MAX:
        raise MyNumberRevealRefused(
            gettext("理由は%(max)d文字以内で入力してください。") % {"max": MY_NUMBER_PURPOSE_MAX}
        )
    with transaction.atomic():
        # Recorded before decrypting: a reveal that fails still leaves its trace.
        audit_record(
            action="case.my_number_reveal",
            actor=staff.user,
            request=request,
            obj_type="case",
            obj_id=case.pk,
            summary={
                "receipt_number": case.receipt_number,
                "field": key,
                "purpose": purpose,
            },
            role=staff.role,
        )
    try:
        number = crypto.my_number_reveal(entry.token)
    except (crypto.MalformedToken, crypto.DecryptionError) as exc:
        raise MyNumberRevealRefused(
            gettext("この個人番号は読み取れませんでした。申請者に確認してください。")
        ) from exc
    return MyNumberEntry(key=entry.key, label=entry.label, token=entry.token, number=number)
