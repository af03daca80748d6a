"""The hand-off: the only door from the front office into the back office.

The back office *pulls*: it reads new submissions from the front office's outbox through
``applications.selectors`` and marks them taken through ``applications.services``; the
front office never imports this app. Locally that is a function over one database; when the
two sides are separate deployments the same two calls become an authenticated pull API, and
nothing here but those two calls changes.

Taking is idempotent: one submission, one case. ``Case.application_id`` is unique, the case
is created with ``get_or_create`` inside the same transaction that marks the outbox record
taken, so a second worker racing for the same record (or a retry after a crash) finds the
existing case instead of creating another.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any

import structlog
from django.db import transaction
from django.utils import timezone

from tsunagu.applications.selectors import application_for_handoff, handoff_pending
from tsunagu.applications.services import handoff_mark_taken
from tsunagu.audit.services import audit_record
from tsunagu.casework import workdays
from tsunagu.casework.models import Case, CaseStatus, CaseStatusChange
from tsunagu.casework.selectors import search_kana_form, search_name_form
from tsunagu.core import japanese
from tsunagu.procedures.schema import Procedure
from tsunagu.procedures.selectors import ProcedureNotFound, procedure_version_get

log = structlog.get_logger(__name__)


def handoff_take_pending(*, limit: int = 100) -> list[Case]:
    """Turn up to ``limit`` untaken submissions into cases, oldest first; return the cases
    created now (records another worker already took are skipped silently).

    >>> [c.receipt_number for c in handoff_take_pending()]  # doctest: +SKIP
    ['R8-000123']
    """
    ids = [row.application_id for row in handoff_pending(limit=limit)]
    created: list[Case] = []
    for application_id in ids:
        try:
            case, new = handoff_take_one(application_id=application_id)
        except ProcedureNotFound:
            # One record that cannot be taken (its definition is gone) must not block the
            # others; it stays in the outbox, is logged every round and taken once fixed.
            log.error("case.handoff_failed", application=str(application_id), exc_info=True)
            continue
        if new:
            created.append(case)
    return created


def handoff_take_one(*, application_id: Any) -> tuple[Case, bool]:
    """Create the case of one submission (or find it) and mark its outbox record taken.

    Returns the case and whether it was created by this call.
    """
    payload = application_for_handoff(application_id=application_id)
    proc = procedure_version_get(
        code=payload["procedure_code"], version=payload["procedure_version"]
    )
    submitted_at = dt.datetime.fromisoformat(payload["submitted_at"])
    received_on = timezone.localdate(submitted_at)
    due = (
        workdays.due_date(received_on, proc.processing_days)
        if proc.processing_days is not None
        else None
    )
    with transaction.atomic():
        case, created = Case.objects.get_or_create(
            application_id=uuid.UUID(payload["id"]),
            defaults={
                "receipt_number": payload["receipt_number"],
                "procedure_code": payload["procedure_code"],
                "procedure_version": payload["procedure_version"],
                "department": proc.department,
                "channel": payload.get("channel", "online"),
                "submitted_at": submitted_at,
                "processing_days": proc.processing_days,
                "due_date": due,
                "submitted": payload,
                **applicant_search_fields(proc=proc, payload=payload),
            },
        )
        handoff_mark_taken(application_id=application_id)
        if created:
            CaseStatusChange.objects.create(
                case=case,
                actor=None,
                at=timezone.now(),
                from_status="",
                to_status=CaseStatus.RECEIVED,
            )
            audit_record(
                action="case.create",
                obj_type="case",
                obj_id=case.pk,
                summary={
                    "application": str(case.application_id),
                    "receipt_number": case.receipt_number,
                    "procedure": case.procedure_code,
                },
            )
    if created:
        log.info("case.created", case=str(case.pk), receipt_number=case.receipt_number)
    # Withdrawn on the resident's page before the back office took it: the case says so.
    from tsunagu.casework.services import case_sync_withdrawal

    case_sync_withdrawal(case=case)
    return case, created


def _two_part(value: Any) -> str:
    if not isinstance(value, Mapping):
        return ""
    parts = (value.get("sei"), value.get("mei"))
    return " ".join(str(p).strip() for p in parts if isinstance(p, str) and p.strip())


def _first_name_of_type(proc: Procedure, answers: Mapping[str, Any], ftype: str) -> str:
    """The value of the applicant's field of ``ftype`` (name / kana_name): the one filled
    from the resident's own profile if there is one, else the first one answered."""
    fields = [f for s in proc.steps for f in s.fields if f.type == ftype]
    own = [f for f in fields if (f.prefill or "").startswith("profile.")]
    for spec in [*own, *fields]:
        text = _two_part(answers.get(spec.id))
        if text:
            return text
    return ""


def applicant_search_fields(*, proc: Procedure, payload: Mapping[str, Any]) -> dict[str, str]:
    """The applicant's name and reading for the inbox (``Case.applicant_*``, ``search_*``),
    from the answers; without a name field, the signer's name on the certificate.

    >>> applicant_search_fields(proc=proc, payload=payload)  # doctest: +SKIP
    {'applicant_name': '常陸 花子', 'applicant_kana': 'ヒタチ ハナコ',
     'search_name': '常陸花子', 'search_kana': 'ヒタチハナコ'}
    """
    answers = payload.get("answers") or {}
    name = _first_name_of_type(proc, answers, "name")
    kana = _first_name_of_type(proc, answers, "kana_name")
    if not name:
        signature = payload.get("signature") or {}
        signer = signature.get("signer") if isinstance(signature, Mapping) else None
        if isinstance(signer, Mapping) and isinstance(signer.get("name"), str):
            name = signer["name"]
    if not kana and name and japanese.is_katakana(japanese.to_katakana(name)):
        kana = japanese.to_katakana(name)  # a name written in kana is its own reading
    name, kana = name[:100], kana[:100]
    return {
        "applicant_name": name,
        "applicant_kana": kana,
        "search_name": search_name_form(name)[:100],
        "search_kana": search_kana_form(kana)[:100],
    }
