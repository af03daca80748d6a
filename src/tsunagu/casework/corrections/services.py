"""Writes of corrections (補正) in the back office: asking, and receiving the answer.

``correction_request`` stops the case's deadline clock (``case_request_correction``) and
opens the round in the front office (``applications.corrections``) in one transaction:
either both happen or neither. The answer comes back by a pull, as submissions do in
``casework.handoff``: ``correction_receive_pending`` reads answered rounds through
``applications.selectors``, records them, restarts the clock (``case_mark_corrected``)
and marks them taken. Receiving is idempotent: one answer, one receipt.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

import structlog
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Max
from django.http import HttpRequest
from django.utils import timezone

from tsunagu.applications.corrections import (
    CorrectionRefused,
    application_correction_mark_taken,
    application_correction_open,
)
from tsunagu.applications.selectors import correction_for_backoffice, corrections_answered_pending
from tsunagu.audit.services import audit_record
from tsunagu.casework.corrections.models import CaseCorrection
from tsunagu.casework.models import Case, CaseStatus
from tsunagu.casework.services import (
    CaseTransitionRefused,
    case_mark_corrected,
    case_request_correction,
)

log = structlog.get_logger(__name__)


class CorrectionRequestRefused(Exception):
    """The request cannot be made; ``errors`` maps a form field (``fields``,
    ``attachment_slots``, ``message``, ``due_date``, or ``""`` for the whole request) to
    a message in Japanese shown next to it."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def correction_request(
    *,
    case: Case,
    actor: User,
    fields: Sequence[str],
    attachment_slots: Sequence[str],
    message: str,
    due_date: dt.date | None,
    request: HttpRequest | None = None,
    role: str = "",
) -> CaseCorrection:
    """Ask the resident to correct ``fields`` (top-level field ids of the case's pinned
    definition) and ``attachment_slots``, with ``message`` and an optional ``due_date``.

    The case goes 審査中/補正済 → 補正依頼中 and its deadline clock stops; the resident
    sees 補正依頼中 and gets a mail. Raises ``CorrectionRequestRefused`` (nothing written).

    >>> correction_request(case=case, actor=user, fields=["pension"], attachment_slots=[],
    ...                    message="年金の種類をご確認ください。", due_date=None)  # doctest: +SKIP
    <CaseCorrection: correction 1 of case ...>
    """
    try:
        with transaction.atomic():
            locked = case_request_correction(case=case, actor=actor, message=message)
            opened = application_correction_open(
                application_id=locked.application_id,
                fields=fields,
                attachment_slots=attachment_slots,
                message=message,
                due_date=due_date,
                actor=actor,
                request=request,
            )
            number = (
                CaseCorrection.objects.filter(case=locked).aggregate(n=Max("number"))["n"] or 0
            ) + 1
            record = CaseCorrection.objects.create(
                case=locked,
                number=number,
                correction_id=opened.pk,
                requested_by=actor,
                requested_at=opened.requested_at,
                fields=list(opened.fields),
                attachment_slots=list(opened.attachment_slots),
                message=opened.message,
                due_date=due_date,
            )
            audit_record(
                action="case.correction_request",
                actor=actor,
                request=request,
                obj_type="case",
                obj_id=locked.pk,
                summary={
                    "correction": number,
                    "fields": record.fields,
                    "attachment_slots": record.attachment_slots,
                },
                role=role,
            )
    except CaseTransitionRefused as refused:
        raise CorrectionRequestRefused({"": refused.reason}) from refused
    except CorrectionRefused as refused:
        errors: dict[str, str] = {}
        for p in refused.problems:
            key = (
                p.field if p.field in ("fields", "attachment_slots", "message", "due_date") else ""
            )
            errors[key] = f"{errors[key]} {p.message}" if key in errors else p.message
        raise CorrectionRequestRefused(errors) from refused
    case.status = record.case.status
    return record


def correction_receive(*, correction_id: Any) -> CaseCorrection | None:
    """Take one answered round from the front office: store both versions, move the case
    補正依頼中 → 補正済 (the paused working days extend its due date) and mark the round
    taken. Idempotent; returns None for a round this back office did not open."""
    payload = correction_for_backoffice(correction_id=correction_id)
    if not payload.get("answered_at"):
        return None
    record = CaseCorrection.objects.filter(correction_id=uuid.UUID(payload["id"])).first()
    if record is None:
        log.error("case.correction_unknown", correction=str(correction_id))
        return None
    with transaction.atomic():
        # Lock order as everywhere in casework: the case first.
        case = Case.objects.select_for_update().get(pk=record.case_id)
        record = CaseCorrection.objects.get(pk=record.pk)
        if record.received_at is None:
            if case.status == CaseStatus.CORRECTION:
                case_mark_corrected(
                    case=case,
                    actor=None,
                    reason=f"申請者から補正（{record.number}回目）が届きました。",
                )
            record.answered_at = dt.datetime.fromisoformat(payload["answered_at"])
            record.received_at = timezone.now()
            record.answer = payload
            record.save(update_fields=["answered_at", "received_at", "answer"])
            audit_record(
                action="case.correction_receive",
                obj_type="case",
                obj_id=case.pk,
                summary={"correction": record.number, "receipt_number": case.receipt_number},
            )
        application_correction_mark_taken(correction_id=payload["id"])
    return record


def correction_receive_pending(*, limit: int = 100) -> list[CaseCorrection]:
    """Receive up to ``limit`` answered rounds, oldest first; returns those received now."""
    received: list[CaseCorrection] = []
    for correction_id in corrections_answered_pending(limit=limit):
        record = correction_receive(correction_id=correction_id)
        if record is not None:
            received.append(record)
    return received


def correction_receive_for_case(*, case: Case) -> int:
    """Receive any answered round of ``case`` now (the case page shows no stale status);
    returns how many were received."""
    count = 0
    for record in CaseCorrection.objects.filter(case=case, received_at__isnull=True):
        if correction_receive(correction_id=record.correction_id) is not None:
            count += 1
    return count


def correction_view_record(
    *, record: CaseCorrection, actor: User, request: HttpRequest | None, role: str = ""
) -> None:
    """Record that a member of staff looked at a round's answers (personal data)."""
    audit_record(
        action="case.correction_view",
        actor=actor,
        request=request,
        obj_type="case",
        obj_id=record.case_id,
        summary={"correction": record.number},
        role=role,
    )


def correction_file_view_record(
    *,
    record: CaseCorrection,
    actor: User,
    request: HttpRequest | None,
    file_id: str,
    role: str = "",
) -> None:
    """Record that a member of staff opened a file of a round's answer."""
    audit_record(
        action="case.correction_file_view",
        actor=actor,
        request=request,
        obj_type="case",
        obj_id=record.case_id,
        summary={"correction": record.number, "file": file_id},
        role=role,
    )
