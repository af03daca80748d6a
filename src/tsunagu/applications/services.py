"""Writes of the front office: drafts, attachments, submission and withdrawal.

Every function takes keyword-only arguments; side effects leave a transaction only
through ``transaction.on_commit``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, connection, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from tsunagu.accounts.models import Resident
from tsunagu.accounts.selectors import resident_profile
from tsunagu.applications import engine
from tsunagu.applications.models import (
    WITHDRAWABLE_STATUSES,
    Application,
    ApplicationSignature,
    Attachment,
    Channel,
    CorrectionFile,
    Draft,
    FunnelEvent,
    HandoffOutbox,
    ReceiptSequence,
    Status,
    StatusChange,
)
from tsunagu.applications.selectors import (
    application_duplicate,
    application_previous,
    draft_attachments,
)
from tsunagu.applications.signing import SignedData
from tsunagu.audit.services import audit_record
from tsunagu.core.fieldtypes import FieldError, get_type
from tsunagu.core.uploads import PreparedFile
from tsunagu.procedures.schema import Assurance, DuplicatePolicy, FieldDef, Period, Procedure
from tsunagu.procedures.selectors import procedure_version_get
from tsunagu.procedures.services import procedure_version_pin


class SubmissionRefused(Exception):
    """The submission cannot be accepted; ``problems`` say why, field by field."""

    def __init__(self, problems: list[engine.Problem], *, duplicate: Application | None = None):
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems
        self.duplicate = duplicate


class NotWithdrawable(Exception):
    pass


# ---------------------------------------------------------------- helpers


def _normalised(spec: FieldDef, value: Any) -> Any:
    """A profile value in the exact stored form of the field's type (None if invalid)."""
    ftype = get_type(spec.type)
    try:
        return ftype.parse(ftype.to_raw(value, spec), spec)
    except FieldError:
        return None


def _profile_fields(proc: Procedure, answers: Mapping[str, Any]) -> Iterator[tuple[FieldDef, str]]:
    """Top-level fields prefilled from the profile whose ``prefill_when`` holds now."""
    top = proc.all_fields()
    for f in top.values():
        if not (f.prefill and f.prefill.startswith("profile.")):
            continue
        if f.prefill_when is not None and not engine.condition_holds(f.prefill_when, answers, top):
            continue
        yield f, f.prefill.removeprefix("profile.")


def locked_values(
    *, proc: Procedure, resident: Resident, answers: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Fields whose value comes from data verified by the card and cannot be edited."""
    verified = set(resident.verified_fields or [])
    if not verified:
        return {}
    profile = resident_profile(resident)
    out: dict[str, Any] = {}
    for f, key in _profile_fields(proc, answers or {}):
        if key in verified and key in profile:
            value = _normalised(f, profile[key])
            if value is not None:
                out[f.id] = value
    return out


def profile_defaults(
    *, proc: Procedure, resident: Resident, answers: Mapping[str, Any]
) -> dict[str, Any]:
    """Profile values for still-empty fields whose ``prefill_when`` has come to hold (the
    resident said they apply for themselves after the draft was started)."""
    profile = resident_profile(resident)
    out: dict[str, Any] = {}
    for f, key in _profile_fields(proc, answers):
        if f.prefill_when is not None and engine.is_empty(answers.get(f.id)) and key in profile:
            value = _normalised(f, profile[key])
            if value is not None:
                out[f.id] = value
    return out


def _prefill(proc: Procedure, resident: Resident) -> tuple[dict[str, Any], str]:
    profile = resident_profile(resident)
    answers: dict[str, Any] = {}
    previous = None
    if any(f.prefill == "previous" for f in engine.iter_fields(proc)):
        previous = application_previous(resident=resident, procedure_code=proc.code)
    for f, key in _profile_fields(proc, {}):
        value = _normalised(f, profile[key]) if key in profile else None
        if value is not None:
            answers[f.id] = value
    for f in engine.iter_fields(proc):
        if f.prefill == "previous" and previous is not None and f.id in previous.answers:
            answers[f.id] = previous.answers[f.id]
    return answers, previous.receipt_number if previous else ""


def period_key(period: Period, when: dt.datetime) -> str:
    """The key of the period an application belongs to (Japan time)."""
    local = timezone.localtime(when)
    if period == Period.FISCAL_YEAR:
        return f"FY{local.year if local.month >= 4 else local.year - 1}"
    if period == Period.CALENDAR_YEAR:
        return str(local.year)
    if period == Period.MONTH:
        return f"{local.year}-{local.month:02d}"
    if period == Period.EVER:
        return "ever"
    return ""


def _check_char(digits: str) -> str:
    # Luhn mod 10 over the digits: catches one mistyped digit and most swaps.
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return str((10 - total % 10) % 10)


def receipt_number_next(*, prefix: str, when: dt.datetime) -> str:
    """A human-readable 受付番号 unique in this city, e.g. ``HN-2026-000123-4``.

    Must run inside the submitting transaction: the row lock on the year's counter keeps
    numbers unique and gap-free across processes.
    """
    year = timezone.localtime(when).year
    table = ReceiptSequence._meta.db_table
    with connection.cursor() as cursor:
        # One statement in the steady state (SQLite 3.35+ and PostgreSQL both have RETURNING).
        cursor.execute(
            f"UPDATE {table} SET value = value + 1 WHERE year = %s RETURNING value",  # noqa: S608  # table name from the model
            [year],
        )
        row = cursor.fetchone()
    if row is None:
        try:
            with transaction.atomic():
                ReceiptSequence.objects.create(year=year, value=1)
            value = 1
        except IntegrityError:  # another process created the year's counter first
            return receipt_number_next(prefix=prefix, when=when)
    else:
        value = int(row[0])
    digits = f"{year}{value:06d}"
    return f"{prefix}-{year}-{value:06d}-{_check_char(digits)}"


def funnel_record(*, draft: Draft, kind: str, step: str = "") -> None:
    FunnelEvent.objects.create(
        procedure_code=draft.procedure_code,
        procedure_version=draft.procedure_version,
        step=step,
        kind=kind,
        journey=draft.journey,
        at=timezone.now().replace(minute=0, second=0, microsecond=0),
    )


def funnel_step_seen(*, draft: Draft, step: str) -> None:
    """Record that this journey reached ``step``: once, not on every page view (the funnel
    counts journeys, and a page view then costs no write)."""
    if step in draft.visited_steps:
        return
    with transaction.atomic():
        funnel_record(draft=draft, kind=FunnelEvent.Kind.ENTER, step=step)
        draft.visited_steps = [*draft.visited_steps, step]
        Draft.objects.filter(pk=draft.pk).update(visited_steps=draft.visited_steps)


# ---------------------------------------------------------------- drafts


@transaction.atomic
def draft_start(
    *,
    resident: Resident,
    proc: Procedure,
    channel: str = Channel.ONLINE,
    request: HttpRequest | None = None,
) -> Draft:
    """Start a draft pinned to the current version of ``proc``, prefilled from what the
    city already knows (the resident's profile, and their previous application where the
    definition says so)."""
    procedure_version_pin(procedure=proc)
    answers, previous = _prefill(proc, resident)
    draft = Draft.objects.create(
        resident=resident,
        procedure_code=proc.code,
        procedure_version=proc.version,
        answers=answers,
        prefilled_from=previous,
        channel=channel,
    )
    funnel_record(draft=draft, kind=FunnelEvent.Kind.START)
    audit_record(
        action="draft.start",
        actor=resident,
        request=request,
        obj_type="draft",
        obj_id=str(draft.pk),
        summary={"procedure": proc.code, "version": proc.version},
    )
    return draft


def draft_procedure(draft: Draft) -> Procedure:
    return procedure_version_get(code=draft.procedure_code, version=draft.procedure_version)


@transaction.atomic
def draft_save_step(*, draft: Draft, step_id: str, values: dict[str, Any], complete: bool) -> Draft:
    """Store the answers of one step (already parsed); ``complete`` marks it done."""
    proc = draft_procedure(draft)
    step = proc.step(step_id)
    if step is None:
        raise ValueError(step_id)
    locked = locked_values(proc=proc, resident=draft.resident, answers={**draft.answers, **values})
    values = {**values, **{k: v for k, v in locked.items() if k in {f.id for f in step.fields}}}
    draft.answers = engine.merge_step(proc, step, draft.answers, values)
    if complete and step_id not in draft.completed_steps:
        draft.completed_steps = [*draft.completed_steps, step_id]
    draft.save(update_fields=["answers", "completed_steps", "updated_at"])
    return draft


@transaction.atomic
def draft_discard(*, draft: Draft, request: HttpRequest | None = None) -> None:
    """Delete an unsubmitted draft and its files (the resident chose to stop)."""
    funnel_record(draft=draft, kind=FunnelEvent.Kind.ABANDON)
    files = [a.file.name for a in draft.attachments.all() if a.file.name]
    audit_record(
        action="draft.discard",
        actor=draft.resident,
        request=request,
        obj_type="draft",
        obj_id=str(draft.pk),
        summary={"procedure": draft.procedure_code},
    )
    draft.delete()

    def remove_files() -> None:
        storage = default_storage
        for name in files:
            storage.delete(name)

    transaction.on_commit(remove_files)


def uploaded_file_store(stored: Attachment | CorrectionFile, prepared: PreparedFile) -> None:
    """Fill a file record (a draft's attachment or a correction's file) from a checked
    upload, store its content under a random name, and save the record."""
    stored.original_name = prepared.original_name
    stored.content_type = prepared.content_type
    stored.kind = prepared.kind
    stored.converted_from = prepared.converted_from or ""
    stored.size = prepared.size
    stored.sha256 = prepared.sha256
    stored.file.save(f"upload.{prepared.extension}", ContentFile(prepared.content), save=False)
    stored.save()


@transaction.atomic
def attachment_add(*, draft: Draft, slot: str, prepared: PreparedFile) -> Attachment:
    att = Attachment(draft=draft, slot=slot)
    uploaded_file_store(att, prepared)
    if slot in draft.later_attachments:
        draft.later_attachments = [s for s in draft.later_attachments if s != slot]
    draft.save(update_fields=["later_attachments", "updated_at"])
    return att


@transaction.atomic
def attachment_remove(*, attachment: Attachment) -> None:
    name = attachment.file.name
    storage = attachment.file.storage
    attachment.delete()
    # A changed set of files is a changed draft (a submission checked before must re-check).
    Draft.objects.filter(pk=attachment.draft_id).update(updated_at=timezone.now())
    if name:
        transaction.on_commit(lambda: storage.delete(name))


@transaction.atomic
def draft_set_later(*, draft: Draft, slots: list[str]) -> Draft:
    """Mark the documents the resident will send later (only where the definition allows)."""
    proc = draft_procedure(draft)
    allowed = {a.id for a in proc.attachments if a.later_allowed}
    draft.later_attachments = sorted(set(slots) & allowed)
    draft.save(update_fields=["later_attachments", "updated_at"])
    return draft


# ---------------------------------------------------------------- submission


def submission_problems(
    *, draft: Draft, proc: Procedure, assurance: Assurance, lang: str = "ja"
) -> list[engine.Problem]:
    """Everything that stops ``draft`` from being submitted now."""
    problems = engine.validate_answers(proc, draft.answers, lang)
    if assurance.rank < proc.assurance.rank:
        problems.append(engine.Problem("", "", _("この手続きに必要な方法でログインしてください。")))
    clean = engine.prune(proc, draft.answers)
    have = {a.id: 0 for a in proc.attachments}
    for att in draft_attachments(draft=draft):
        have[att.slot] = have.get(att.slot, 0) + 1
    for spec in engine.visible_attachments(proc, clean):
        count = have.get(spec.id, 0)
        if count > spec.max_files:
            problems.append(
                engine.Problem(
                    engine.ATTACHMENTS,
                    spec.id,
                    _("「%(label)s」のファイルが多すぎます（%(n)d件まで）。")
                    % {"label": spec.label.get(lang), "n": spec.max_files},
                )
            )
        if spec.required and count == 0 and spec.id not in draft.later_attachments:
            problems.append(
                engine.Problem(
                    engine.ATTACHMENTS,
                    spec.id,
                    _("「%(label)s」を添付してください。") % {"label": spec.label.get(lang)},
                )
            )
    return problems


@dataclass(frozen=True)
class Submitted:
    application: Application
    created: bool


def application_submit(
    *,
    draft: Draft,
    resident: Resident,
    assurance: Assurance,
    declared: bool,
    confirm_duplicate: bool = False,
    request: HttpRequest | None = None,
    lang: str = "ja",
    signed: SignedData | None = None,
    in_person: str = "",
) -> Submitted:
    """Submit a draft: validate against its pinned version and create the application.

    ``in_person`` names how a clerk identified the resident at the counter (書かない窓口,
    e.g. ``"my_number_card"``); it is accepted only for a counter draft, and there the
    resident's confirmation in front of the clerk takes the place of the card signature.

    A procedure that needs the card and a signature (``card_signature``) is accepted only
    with ``signed``: a valid JPKI signature over exactly this application's canonical
    bytes; the verification and any 4情報 mismatch are stored for staff.

    Idempotent: submitting the same draft twice (a double click, a replayed request)
    returns the one application. Nothing is written when the submission is refused.

    The checks run before the write transaction, so that the transaction (which holds
    the database's write lock on SQLite, and the receipt counter's row lock) stays
    short; inside it the draft is locked and must be exactly the draft that was checked.
    """
    if in_person and draft.channel != Channel.COUNTER:
        raise SubmissionRefused([engine.Problem("", "", _("申請データが見つかりません。"))])
    for _attempt in range(3):
        if draft.resident_id != resident.pk:
            raise SubmissionRefused([engine.Problem("", "", _("申請データが見つかりません。"))])
        if draft.submitted_at is not None:
            return Submitted(Application.objects.get(draft=draft), created=False)
        checked = _submission_checks(
            draft=draft,
            resident=resident,
            assurance=assurance,
            declared=declared,
            confirm_duplicate=confirm_duplicate,
            lang=lang,
            signed=signed,
            require_signature=not in_person,
        )
        with transaction.atomic():
            current = (
                Draft.objects.select_for_update()
                .filter(pk=draft.pk)
                .values_list("submitted_at", "updated_at")
                .first()
            )
            if current is None:
                raise SubmissionRefused([engine.Problem("", "", _("申請データが見つかりません。"))])
            if current == (draft.submitted_at, draft.updated_at):
                return Submitted(
                    _application_create(
                        draft=draft,
                        resident=resident,
                        checked=checked,
                        request=request,
                        lang=lang,
                        in_person=in_person,
                    ),
                    created=True,
                )
        # Changed (or submitted) since it was read: check the fresh draft again.
        draft = Draft.objects.get(pk=draft.pk)
    raise SubmissionRefused(
        [engine.Problem("", "", _("入力内容が同時に変更されました。もう一度お試しください。"))]
    )


@dataclass(frozen=True)
class _Checked:
    proc: Procedure
    answers: dict[str, Any]
    period_key: str
    duplicate: Application | None
    signed: SignedData | None = None
    verification: dict[str, Any] | None = None
    mismatches: list[dict[str, str]] | None = None


def _submission_checks(
    *,
    draft: Draft,
    resident: Resident,
    assurance: Assurance,
    declared: bool,
    confirm_duplicate: bool,
    lang: str,
    signed: SignedData | None = None,
    require_signature: bool = True,
) -> _Checked:
    proc = draft_procedure(draft)
    # Verified data wins over anything stored under a locked field.
    draft.answers = {
        **draft.answers,
        **locked_values(proc=proc, resident=resident, answers=draft.answers),
    }
    problems = submission_problems(draft=draft, proc=proc, assurance=assurance, lang=lang)
    if not declared:
        problems.append(
            engine.Problem(
                engine.CHECK,
                "declaration",
                _("申請内容に誤りがないことを確認し、チェックを入れてください。"),
            )
        )
    key = period_key(proc.period, timezone.now())
    duplicate = None
    if proc.duplicates != DuplicatePolicy.ALLOW:
        duplicate = application_duplicate(
            resident=resident, procedure_code=proc.code, period_key=key
        )
    if duplicate is not None:
        if proc.duplicates == DuplicatePolicy.REFUSE:
            problems.append(
                engine.Problem(
                    engine.CHECK,
                    "duplicate",
                    _(
                        "同じ期間の申請（受付番号 %(number)s）がすでにあります。この手続きは同じ期間に1回だけ申請できます。"
                    )
                    % {"number": duplicate.receipt_number},
                )
            )
        elif not confirm_duplicate:
            problems.append(
                engine.Problem(
                    engine.CHECK,
                    "duplicate",
                    _(
                        "同じ手続きの申請（受付番号 %(number)s）がすでにあります。重ねて申請する場合は、確認のチェックを入れてください。"
                    )
                    % {"number": duplicate.receipt_number},
                )
            )
    answers = engine.prune(proc, draft.answers)
    verification: dict[str, Any] | None = None
    mismatches: list[dict[str, str]] | None = None
    if proc.assurance == Assurance.CARD_SIGNATURE and not problems and require_signature:
        sig_problem, verification, mismatches = _check_signature(
            proc=proc, draft=draft, answers=answers, resident=resident, signed=signed
        )
        if sig_problem:
            problems.append(engine.Problem(engine.CHECK, "signature", sig_problem))
    if problems:
        raise SubmissionRefused(problems, duplicate=duplicate)
    return _Checked(proc, answers, key, duplicate, signed, verification, mismatches)


def submission_precheck(
    *,
    draft: Draft,
    resident: Resident,
    assurance: Assurance,
    declared: bool,
    confirm_duplicate: bool,
    lang: str,
) -> None:
    """Raise ``SubmissionRefused`` for anything but the missing signature (before signing)."""
    _submission_checks(
        draft=draft,
        resident=resident,
        assurance=assurance,
        declared=declared,
        confirm_duplicate=confirm_duplicate,
        lang=lang,
        require_signature=False,
    )


def draft_declare(*, draft: Draft, confirm_duplicate: bool) -> None:
    """Record the declaration of the check page; the same instant as the last change, so
    any later change of the draft voids it."""
    now = timezone.now()
    Draft.objects.filter(pk=draft.pk).update(
        declared_at=now, updated_at=now, confirm_duplicate=confirm_duplicate
    )
    draft.declared_at = draft.updated_at = now
    draft.confirm_duplicate = confirm_duplicate


def draft_is_declared(*, draft: Draft) -> bool:
    return draft.declared_at is not None and draft.declared_at >= draft.updated_at


def _check_signature(
    *,
    proc: Procedure,
    draft: Draft,
    answers: dict[str, Any],
    resident: Resident,
    signed: SignedData | None,
) -> tuple[str, dict[str, Any] | None, list[dict[str, str]] | None]:
    from tsunagu.applications import signing

    return signing.signature_check(
        data=signing.signed_bytes(proc=proc, draft=draft, answers=answers),
        signed=signed,
        proc=proc,
        answers=answers,
        resident=resident,
        changed=_("署名した後に申請の内容が変わりました。内容を確認し、もう一度署名してください。"),
    )


def _application_create(
    *,
    draft: Draft,
    resident: Resident,
    checked: _Checked,
    request: HttpRequest | None,
    lang: str,
    in_person: str = "",
) -> Application:
    """The writes of a submission; runs inside the transaction that locked the draft."""
    proc = checked.proc
    now = timezone.now()
    app = Application.objects.create(
        draft=draft,
        resident=resident,
        receipt_number=receipt_number_next(prefix=_receipt_prefix(), when=now),
        procedure_code=proc.code,
        procedure_version=proc.version,
        answers=checked.answers,
        channel=draft.channel,
        period_key=checked.period_key,
        duplicate_of=checked.duplicate,
        later_attachments=list(draft.later_attachments),
        language=lang,
        submitted_at=now,
    )
    Draft.objects.filter(pk=draft.pk).update(submitted_at=now, updated_at=now)
    draft.submitted_at = now
    if checked.signed is not None and checked.verification is not None:
        ApplicationSignature.objects.create(
            application=app,
            data_sha256=checked.signed.data_sha256,
            signature=checked.signed.signature,
            certificate=checked.signed.certificate_der,
            intermediates=[d.hex() for d in checked.signed.intermediates_der],
            verification=checked.verification,
            mismatches=checked.mismatches or [],
            valid=bool(checked.verification.get("valid")),
            signed_at=now,
        )
    StatusChange.objects.create(application=app, status=Status.SUBMITTED, at=now)
    HandoffOutbox.objects.create(application=app)
    funnel_record(draft=draft, kind=FunnelEvent.Kind.SUBMIT)
    audit_record(
        action="application.submit",
        actor=resident,
        request=request,
        obj_type="application",
        obj_id=str(app.pk),
        summary={
            "procedure": proc.code,
            "version": proc.version,
            "receipt": app.receipt_number,
            "signed": checked.signed is not None,
            **({"in_person": in_person} if in_person else {}),
        },
    )
    app_id = str(app.pk)
    transaction.on_commit(lambda: _enqueue_confirmation(app_id))
    return app


def _receipt_prefix() -> str:
    from django.conf import settings

    return str(settings.TSUNAGU_CITY["receipt_prefix"])


def _enqueue_confirmation(application_id: str) -> None:
    from tsunagu.applications.tasks import send_submission_email

    send_submission_email.enqueue(application_id)


@transaction.atomic
def application_withdraw(
    *,
    application: Application,
    resident: Resident,
    reason: str = "",
    request: HttpRequest | None = None,
) -> Application:
    """取下げ by the resident, allowed before processing starts."""
    app = Application.objects.select_for_update().get(pk=application.pk, resident=resident)
    if app.status not in WITHDRAWABLE_STATUSES:
        raise NotWithdrawable(app.status)
    now = timezone.now()
    before = app.status
    app.status = Status.WITHDRAWN
    app.withdrawn_at = now
    app.withdraw_reason = reason[:400]
    app.save(update_fields=["status", "withdrawn_at", "withdraw_reason", "updated_at"])
    StatusChange.objects.create(application=app, status=Status.WITHDRAWN, at=now, note=reason[:400])
    audit_record(
        action="application.withdraw",
        actor=resident,
        request=request,
        obj_type="application",
        obj_id=str(app.pk),
        summary={"before": before, "after": Status.WITHDRAWN.value},
    )
    return app


class ApplicationWithdrawn(Exception):
    """The resident withdrew the application; the back office may not move it on."""


@transaction.atomic
def application_status_set(*, application_id: Any, status: str, note: str = "") -> Application:
    """Status changes from the back office (called by casework through the hand-off).

    A withdrawn application stays withdrawn: any other status raises
    ``ApplicationWithdrawn`` (the back office first learns of the withdrawal).
    """
    app = Application.objects.select_for_update().get(pk=application_id)
    if app.status == Status.WITHDRAWN and status != Status.WITHDRAWN:
        raise ApplicationWithdrawn(str(app.pk))
    if app.status != status:
        app.status = status
        app.save(update_fields=["status", "updated_at"])
        StatusChange.objects.create(
            application=app, status=status, at=timezone.now(), note=note[:400]
        )
    return app


@transaction.atomic
def handoff_mark_taken(*, application_id: Any) -> bool:
    """Mark the outbox record of an application as taken; False if already taken."""
    return bool(
        HandoffOutbox.objects.filter(application_id=application_id, taken_at__isnull=True).update(
            taken_at=timezone.now()
        )
    )
