"""Reads of the front office. Anything addressed by an id from a request goes through an
access helper that raises the same ``Http404`` whether the object is missing or not the
caller's."""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from tsunagu.accounts.models import Resident
from tsunagu.applications.models import (
    OPEN_STATUSES,
    Application,
    ApplicationSignature,
    Attachment,
    Draft,
    HandoffOutbox,
    Status,
)


def _uuid(value: object) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        raise Http404 from None


def draft_get_for_resident(
    *, resident: Resident, draft_id: object, for_update: bool = False
) -> Draft:
    """The resident's own unsubmitted draft, or 404."""
    qs = Draft.objects.filter(pk=_uuid(draft_id), resident=resident, submitted_at__isnull=True)
    if for_update:
        qs = qs.select_for_update()
    draft = qs.first()
    if draft is None:
        raise Http404
    draft.resident = resident  # known already: saves a query on every page
    return draft


def draft_get_any_for_resident(*, resident: Resident, draft_id: object) -> Draft:
    """The resident's own draft, submitted or not, or 404."""
    draft = Draft.objects.filter(pk=_uuid(draft_id), resident=resident).first()
    if draft is None:
        raise Http404
    draft.resident = resident
    return draft


def application_get_for_resident(*, resident: Resident, application_id: object) -> Application:
    app = Application.objects.filter(pk=_uuid(application_id), resident=resident).first()
    if app is None:
        raise Http404
    return app


def attachment_get_for_resident(*, resident: Resident, attachment_id: object) -> Attachment:
    att = (
        Attachment.objects.select_related("draft")
        .filter(pk=_uuid(attachment_id), draft__resident=resident)
        .first()
    )
    if att is None:
        raise Http404
    return att


def draft_list_for_resident(*, resident: Resident) -> QuerySet[Draft]:
    return Draft.objects.filter(resident=resident, submitted_at__isnull=True).order_by(
        "-updated_at"
    )


def application_list_for_resident(*, resident: Resident) -> QuerySet[Application]:
    return Application.objects.filter(resident=resident).order_by("-submitted_at")


def application_previous(*, resident: Resident, procedure_code: str) -> Application | None:
    """The resident's latest non-withdrawn application of this procedure (for prefill)."""
    return (
        Application.objects.filter(resident=resident, procedure_code=procedure_code)
        .exclude(status=Status.WITHDRAWN)
        .order_by("-submitted_at")
        .first()
    )


def application_duplicate(
    *, resident: Resident, procedure_code: str, period_key: str
) -> Application | None:
    """Another application of the resident for the same procedure and period, if any.

    With no period (``period_key == ""``) only an application still being processed counts.
    """
    qs = Application.objects.filter(resident=resident, procedure_code=procedure_code).exclude(
        status=Status.WITHDRAWN
    )
    if period_key:
        qs = qs.filter(period_key=period_key)
    else:
        qs = qs.filter(status__in=OPEN_STATUSES)
    return qs.order_by("-submitted_at").first()


def draft_attachments(*, draft: Draft) -> list[Attachment]:
    """The draft's files, read once per draft object (a submission asks several times)."""
    cached: list[Attachment] | None = getattr(draft, "_attachments_list", None)
    if cached is None:
        cached = list(draft.attachments.all())
        draft._attachments_list = cached  # type: ignore[attr-defined]  # per-object cache
    return cached


def attachments_by_slot(*, draft: Draft) -> dict[str, list[Attachment]]:
    out: dict[str, list[Attachment]] = {}
    for att in draft_attachments(draft=draft):
        out.setdefault(att.slot, []).append(att)
    return out


def application_status_get(*, application_id: object) -> str:
    """The status the resident sees (the back office checks it for withdrawals)."""
    status = Application.objects.filter(pk=_uuid(application_id)).values_list("status", flat=True)
    return status.first() or ""


def handoff_pending(*, limit: int = 100) -> QuerySet[HandoffOutbox]:
    """Outbox records not yet taken by the back office, oldest first."""
    return (
        HandoffOutbox.objects.filter(taken_at__isnull=True)
        .select_related("application")
        .order_by("created_at")[:limit]
    )


def application_for_handoff(*, application_id: object) -> dict[str, Any]:
    """What the back office receives for one application (the hand-off payload)."""
    app = Application.objects.select_related("resident").get(pk=_uuid(application_id))
    return {
        "id": str(app.pk),
        "receipt_number": app.receipt_number,
        "procedure_code": app.procedure_code,
        "procedure_version": app.procedure_version,
        "answers": app.answers,
        "channel": app.channel,
        "submitted_at": app.submitted_at.isoformat(),
        "attachments": [
            {"slot": a.slot, "sha256": a.sha256, "name": a.original_name, "id": str(a.pk)}
            for a in app.draft.attachments.all()
        ],
        "later_attachments": app.later_attachments,
        "signature": _signature_summary(app),
    }


def attachment_get_for_application(*, application_id: object, attachment_id: object) -> Attachment:
    """An attachment of a submitted application (for the back office, which has checked
    access to the case); ``Http404`` when it is not one of that application's files."""
    att = Attachment.objects.filter(
        pk=_uuid(attachment_id), draft__application__pk=_uuid(application_id)
    ).first()
    if att is None:
        raise Http404
    return att


def _signature_summary(app: Application) -> dict[str, Any] | None:
    """The verified signer for staff: who signed, whether it verified, what differs."""
    sig = ApplicationSignature.objects.filter(application=app).first()
    if sig is None:
        return None
    return {
        "valid": sig.valid,
        "signed_at": sig.signed_at.isoformat(),
        "signer": sig.verification.get("signer"),
        "certificate": sig.verification.get("certificate"),
        "mismatches": sig.mismatches,
        "data_sha256": sig.data_sha256,
        # When the revocation lists were consulted, and why an invalid signature failed.
        "checked_at": sig.verification.get("checked_at"),
        "reasons": sig.verification.get("reasons", []),
    }
