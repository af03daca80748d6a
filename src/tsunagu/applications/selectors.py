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


# ---------------------------------------------------------------- corrections (補正)

# Imported here, with the section they serve.
from tsunagu.applications.models import (  # noqa: E402
    ApplicationCorrection,
    CorrectionFile,
    CorrectionSignature,
)


def correction_current_version(
    *, application: Application
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The application as it stands now: the answers and files after the latest answered
    correction, else as first submitted."""
    last = (
        ApplicationCorrection.objects.filter(application=application, answered_at__isnull=False)
        .order_by("-number")
        .first()
    )
    if last is not None:
        return dict(last.answers_after or {}), list(last.attachments_after or [])
    files = [
        {
            "id": str(a.pk),
            "source": "attachment",
            "slot": a.slot,
            "name": a.original_name,
            "sha256": a.sha256,
            "size": a.size,
            "content_type": a.content_type,
        }
        for a in Attachment.objects.filter(draft_id=application.draft_id)
    ]
    return dict(application.answers), files


def correction_open_for_application(*, application: Application) -> ApplicationCorrection | None:
    """The correction the resident still has to answer, or None."""
    return (
        ApplicationCorrection.objects.filter(application=application, answered_at__isnull=True)
        .order_by("-number")
        .first()
    )


def correction_list_for_application(*, application: Application) -> QuerySet[ApplicationCorrection]:
    """Every correction round of an application, first round first."""
    return ApplicationCorrection.objects.filter(application=application).order_by("number")


def correction_get_open_for_resident(
    *, resident: Resident, application_id: object
) -> ApplicationCorrection:
    """The open correction of the resident's own application, or 404 (also when nothing
    is asked of them now)."""
    corr = (
        ApplicationCorrection.objects.select_related("application")
        .filter(
            application_id=_uuid(application_id),
            application__resident=resident,
            answered_at__isnull=True,
        )
        .exclude(application__status=Status.WITHDRAWN)
        .first()
    )
    if corr is None:
        raise Http404
    return corr


def correction_file_get_for_resident(*, resident: Resident, file_id: object) -> CorrectionFile:
    """A file the resident attached to one of their corrections, or 404."""
    found = (
        CorrectionFile.objects.select_related("correction")
        .filter(pk=_uuid(file_id), correction__application__resident=resident)
        .first()
    )
    if found is None:
        raise Http404
    return found


def corrections_answered_pending(*, limit: int = 100) -> list[str]:
    """Ids of answered corrections the back office has not taken yet, oldest first."""
    ids = (
        ApplicationCorrection.objects.filter(answered_at__isnull=False, taken_at__isnull=True)
        .order_by("answered_at")
        .values_list("pk", flat=True)[:limit]
    )
    return [str(i) for i in ids]


def correction_for_backoffice(*, correction_id: object) -> dict[str, Any]:
    """What the back office receives of one correction round (the pull payload)."""
    corr = ApplicationCorrection.objects.get(pk=_uuid(correction_id))
    return {
        "id": str(corr.pk),
        "application_id": str(corr.application_id),
        "number": corr.number,
        "fields": list(corr.fields),
        "attachment_slots": list(corr.attachment_slots),
        "message": corr.message,
        "due_date": corr.due_date.isoformat() if corr.due_date else None,
        "requested_at": corr.requested_at.isoformat(),
        "answered_at": corr.answered_at.isoformat() if corr.answered_at else None,
        "answers_before": corr.answers_before,
        "answers_after": corr.answers_after,
        "attachments_before": corr.attachments_before,
        "attachments_after": corr.attachments_after,
        "signature": _correction_signature_summary(corr),
    }


def _correction_signature_summary(corr: ApplicationCorrection) -> dict[str, Any] | None:
    """The verified signer of the corrected version, as ``_signature_summary``."""
    sig = CorrectionSignature.objects.filter(correction=corr).first()
    if sig is None:
        return None
    return {
        "valid": sig.valid,
        "signed_at": sig.signed_at.isoformat(),
        "signer": sig.verification.get("signer"),
        "mismatches": sig.mismatches,
        "data_sha256": sig.data_sha256,
    }


def correction_file_for_backoffice(*, source: str, file_id: object) -> Attachment | CorrectionFile:
    """The stored file behind one file snapshot of a correction (``source`` is
    ``attachment`` or ``correction``), or 404; the caller checks the snapshot is its own."""
    found: Attachment | CorrectionFile | None
    if source == "correction":
        found = CorrectionFile.objects.filter(pk=_uuid(file_id)).first()
    else:
        found = Attachment.objects.filter(pk=_uuid(file_id)).first()
    if found is None:
        raise Http404
    return found


def correction_locked_fields(*, application_id: object) -> list[str]:
    """Fields of an application that a correction cannot ask for: those verified by the
    resident's card (4情報), which their forms show locked."""
    # Imported here: services import this module.
    from tsunagu.applications.services import locked_values
    from tsunagu.procedures.selectors import procedure_version_get

    app = Application.objects.select_related("resident").filter(pk=_uuid(application_id)).first()
    if app is None:
        return []
    proc = procedure_version_get(code=app.procedure_code, version=app.procedure_version)
    answers, _files = correction_current_version(application=app)
    return sorted(locked_values(proc=proc, resident=app.resident, answers=answers))
