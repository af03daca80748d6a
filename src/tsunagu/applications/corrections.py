"""Writes of the front office for corrections (補正): the city asks, the resident answers.

The back office opens a round with ``application_correction_open`` (it calls the front
office, never the other way round) and later pulls the answer through
``applications.selectors``. The resident may change only the fields and attachment slots
named in the round; every function here enforces that, whatever a page sent. Nothing the
resident submitted is lost: the round keeps the answers and files before and after, and
files left out of the new version stay stored.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from tsunagu.accounts.models import Resident
from tsunagu.applications import engine, signing
from tsunagu.applications.canonical import application_canonical_bytes
from tsunagu.applications.correction_diff import field_label, slot_label
from tsunagu.applications.models import (
    Application,
    ApplicationCorrection,
    CorrectionFile,
    CorrectionSignature,
    Status,
)
from tsunagu.applications.selectors import correction_current_version
from tsunagu.applications.services import locked_values, uploaded_file_store
from tsunagu.audit.services import Actor, audit_record
from tsunagu.core.uploads import PreparedFile
from tsunagu.procedures.schema import Assurance, Procedure, Step
from tsunagu.procedures.selectors import procedure_version_get


class CorrectionRefused(Exception):
    """The correction cannot be opened or accepted; ``problems`` say why, field by field
    (``Problem.field`` is the field or slot id, or ``""`` for the whole request)."""

    def __init__(self, problems: list[engine.Problem]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


def correction_procedure(correction: ApplicationCorrection) -> Procedure:
    """The definition version the application was submitted against."""
    app = correction.application
    return procedure_version_get(code=app.procedure_code, version=app.procedure_version)


def _refuse(field: str, message: str) -> CorrectionRefused:
    return CorrectionRefused([engine.Problem("", field, message)])


def _file_snapshot(f: CorrectionFile) -> dict[str, Any]:
    return {
        "id": str(f.pk),
        "source": "correction",
        "slot": f.slot,
        "name": f.original_name,
        "sha256": f.sha256,
        "size": f.size,
        "content_type": f.content_type,
    }


# ---------------------------------------------------------------- opening a round


@transaction.atomic
def application_correction_open(
    *,
    application_id: Any,
    fields: Sequence[str],
    attachment_slots: Sequence[str],
    message: str,
    due_date: dt.date | None,
    actor: Actor = None,
    request: HttpRequest | None = None,
) -> ApplicationCorrection:
    """Open a correction round on a submitted application and tell the resident by mail
    (after commit).

    ``fields`` are top-level field ids of the pinned definition (a repeating group is
    named as a whole), ``attachment_slots`` attachment ids. Raises ``CorrectionRefused``
    for an unknown or card-verified field, an empty request, a withdrawn application or
    a round still open.

    >>> application_correction_open(application_id=app.pk, fields=["pension"],
    ...     attachment_slots=[], message="年金の種類をご確認ください。", due_date=None)  # doctest: +SKIP
    <ApplicationCorrection: correction 1 of ...>
    """
    # Only the application's row is locked (the caller holds the case's already).
    app = Application.objects.select_for_update().get(pk=application_id)
    if app.status == Status.WITHDRAWN:
        raise _refuse("", _("取り下げられた申請には補正を依頼できません。"))
    if ApplicationCorrection.objects.filter(application=app, answered_at__isnull=True).exists():
        raise _refuse("", _("この申請には、回答を待っている補正依頼がすでにあります。"))
    proc = procedure_version_get(code=app.procedure_code, version=app.procedure_version)
    fields = list(dict.fromkeys(fields))
    attachment_slots = list(dict.fromkeys(attachment_slots))
    problems: list[engine.Problem] = []
    top = proc.all_fields()
    slot_ids = {a.id for a in proc.attachments}
    if not fields and not attachment_slots:
        problems.append(
            engine.Problem("", "fields", _("補正を依頼する項目か添付書類を1つ以上選んでください。"))
        )
    for f in fields:
        if f not in top:
            problems.append(engine.Problem("", "fields", _("定義にない項目が含まれています。")))
    for s in attachment_slots:
        if s not in slot_ids:
            problems.append(
                engine.Problem("", "attachment_slots", _("定義にない添付書類が含まれています。"))
            )
    if not message.strip():
        problems.append(engine.Problem("", "message", _("補正を依頼する内容を入力してください。")))
    if due_date is not None and due_date < timezone.localdate():
        problems.append(
            engine.Problem("", "due_date", _("期限には今日以降の日付を入力してください。"))
        )
    answers, files = correction_current_version(application=app)
    locked = locked_values(proc=proc, resident=app.resident, answers=answers)
    for f in fields:
        if f in locked:
            problems.append(
                engine.Problem(
                    "",
                    "fields",
                    _("「%(label)s」はマイナンバーカードで確認済みのため、補正を依頼できません。")
                    % {"label": field_label(proc, f, "ja")},
                )
            )
    if problems:
        raise CorrectionRefused(problems)
    number = (
        ApplicationCorrection.objects.filter(application=app).aggregate(n=Max("number"))["n"] or 0
    ) + 1
    correction = ApplicationCorrection.objects.create(
        application=app,
        number=number,
        fields=fields,
        attachment_slots=attachment_slots,
        message=message.strip(),
        due_date=due_date,
        requested_at=timezone.now(),
        answers_before=answers,
        attachments_before=files,
    )
    audit_record(
        action="application.correction_open",
        actor=actor,
        request=request,
        obj_type="application",
        obj_id=str(app.pk),
        summary={
            "correction": number,
            "fields": fields,
            "attachment_slots": attachment_slots,
        },
    )
    correction_id = str(correction.pk)
    transaction.on_commit(lambda: _enqueue_mail(correction_id))
    return correction


def _enqueue_received_mail(correction_id: str) -> None:
    from tsunagu.applications.correction_tasks import send_correction_received_email

    send_correction_received_email.enqueue(correction_id)


def _enqueue_mail(correction_id: str) -> None:
    from tsunagu.applications.correction_tasks import send_correction_email

    send_correction_email.enqueue(correction_id)


# ---------------------------------------------------------------- the resident's answer


def _refs(cond: Any) -> set[str]:
    # Top-level ids a condition reads ("children.living" reads the group "children").
    return {name.partition(".")[0] for name in cond.fields()} if cond is not None else set()


def correction_editable(
    proc: Procedure, correction: ApplicationCorrection
) -> tuple[set[str], set[str]]:
    """The fields and slots the resident may change: those the round names, and those
    whose condition reads one of them (a changed answer may make "その他の年金" or a
    document necessary; the resident must be able to give it)."""
    fields = set(correction.fields)
    while True:
        grown = set(fields)
        for step in proc.steps:
            for f in step.fields:
                if (_refs(step.when) | _refs(f.when)) & grown:
                    grown.add(f.id)
        if grown == fields:
            break
        fields = grown
    slots = set(correction.attachment_slots) | {
        a.id for a in proc.attachments if _refs(a.when) & fields
    }
    return fields, slots


def correction_slot_order(proc: Procedure, slots: set[str]) -> list[str]:
    """``slots`` in the order of the definition."""
    return [a.id for a in proc.attachments if a.id in slots]


def correction_steps(proc: Procedure, correction: ApplicationCorrection) -> list[Step]:
    """The steps of the definition cut down to the fields the round names (in order);
    steps naming none are left out. The form engine parses and binds these as usual,
    so nothing else can be typed in."""
    named, _slots = correction_editable(proc, correction)
    out = []
    for step in proc.steps:
        fields = [f for f in step.fields if f.id in named]
        if fields:
            out.append(step.model_copy(update={"fields": fields}))
    return out


def correction_working_answers(correction: ApplicationCorrection) -> dict[str, Any]:
    """The answers as the resident has corrected them so far (not yet pruned)."""
    answers = dict(correction.answers_before)
    for key, value in (correction.pending_answers or {}).items():
        if value is None:
            answers.pop(key, None)
        else:
            answers[key] = value
    return answers


def correction_answers_after(
    correction: ApplicationCorrection, proc: Procedure | None = None
) -> dict[str, Any]:
    """The answers the resubmission would store: the corrected answers, with what their
    conditions now hide dropped."""
    proc = proc or correction_procedure(correction)
    return engine.prune(proc, correction_working_answers(correction))


def correction_files_after(correction: ApplicationCorrection) -> list[dict[str, Any]]:
    """The files the resubmission would carry: the earlier ones not left out, then the
    new ones."""
    removed = set(correction.removed_files or [])
    kept = [f for f in correction.attachments_before if str(f["id"]) not in removed]
    return kept + [_file_snapshot(f) for f in correction.files.all()]


def _check_open(correction: ApplicationCorrection, resident: Resident) -> None:
    if correction.application.resident_id != resident.pk:
        raise _refuse("", _("申請データが見つかりません。"))
    if correction.answered_at is not None:
        raise _refuse("", _("この補正はすでに提出されています。"))


@transaction.atomic
def application_correction_save(
    *, correction: ApplicationCorrection, resident: Resident, values: Mapping[str, Any]
) -> ApplicationCorrection:
    """Store the resident's corrected answers (already parsed by the form engine).

    ``values`` maps each named field shown on the form to its new value, or to ``None``
    when the resident emptied it. A key that the round does not name is refused.
    """
    correction = ApplicationCorrection.objects.select_for_update().get(pk=correction.pk)
    _check_open(correction, resident)
    _refuse_out_of_scope(correction, values.keys())
    correction.pending_answers = {**(correction.pending_answers or {}), **values}
    correction.save(update_fields=["pending_answers", "updated_at"])
    return correction


def _refuse_out_of_scope(correction: ApplicationCorrection, keys: Iterable[str]) -> None:
    proc = correction_procedure(correction)
    editable, _slots = correction_editable(proc, correction)
    outside = [k for k in keys if k not in editable]
    if outside:
        labels = "」「".join(field_label(proc, k, "ja") for k in outside)
        raise _refuse(
            outside[0],
            _("補正を依頼されていない項目（「%(labels)s」）は変更できません。")
            % {"labels": labels},
        )


def _slot_spec(correction: ApplicationCorrection, slot: str) -> Any:
    proc = correction_procedure(correction)
    if slot not in correction_editable(proc, correction)[1]:
        raise _refuse(slot, _("補正を依頼されていない書類は変更できません。"))
    return next(a for a in proc.attachments if a.id == slot)


def _slot_count(correction: ApplicationCorrection, slot: str) -> int:
    return sum(1 for f in correction_files_after(correction) if f["slot"] == slot)


@transaction.atomic
def correction_file_add(
    *, correction: ApplicationCorrection, resident: Resident, slot: str, prepared: PreparedFile
) -> CorrectionFile:
    """Attach a checked file to a named slot of an open round."""
    correction = ApplicationCorrection.objects.select_for_update().get(pk=correction.pk)
    _check_open(correction, resident)
    spec = _slot_spec(correction, slot)
    if _slot_count(correction, slot) >= spec.max_files:
        raise _refuse(
            slot,
            _("この書類は%(n)d件まで添付できます。不要なファイルを外してから添付してください。")
            % {"n": spec.max_files},
        )
    stored = CorrectionFile(correction=correction, slot=slot)
    uploaded_file_store(stored, prepared)
    ApplicationCorrection.objects.filter(pk=correction.pk).update(updated_at=timezone.now())
    return stored


@transaction.atomic
def correction_file_remove(
    *, correction: ApplicationCorrection, resident: Resident, file_id: str
) -> None:
    """Leave a file out of the corrected version: a file added in this round (never
    submitted) is deleted; an earlier one is only left out and stays stored."""
    correction = ApplicationCorrection.objects.select_for_update().get(pk=correction.pk)
    _check_open(correction, resident)
    new = CorrectionFile.objects.filter(correction=correction, pk=file_id).first()
    if new is not None:
        _slot_spec(correction, new.slot)
        name, storage = new.file.name, new.file.storage
        new.delete()
        if name:
            transaction.on_commit(lambda: storage.delete(name))
        return
    earlier = next((f for f in correction.attachments_before if str(f["id"]) == file_id), None)
    if earlier is None:
        raise _refuse("", _("ファイルが見つかりません。"))
    _slot_spec(correction, earlier["slot"])
    correction.removed_files = sorted({*(correction.removed_files or []), file_id})
    correction.save(update_fields=["removed_files", "updated_at"])


@transaction.atomic
def correction_file_restore(
    *, correction: ApplicationCorrection, resident: Resident, file_id: str
) -> None:
    """Put an earlier file that was left out back into the corrected version."""
    correction = ApplicationCorrection.objects.select_for_update().get(pk=correction.pk)
    _check_open(correction, resident)
    if file_id not in (correction.removed_files or []):
        return
    earlier = next(f for f in correction.attachments_before if str(f["id"]) == file_id)
    spec = _slot_spec(correction, earlier["slot"])
    if _slot_count(correction, earlier["slot"]) >= spec.max_files:
        raise _refuse(
            earlier["slot"],
            _("この書類は%(n)d件まで添付できます。") % {"n": spec.max_files},
        )
    correction.removed_files = [f for f in correction.removed_files if f != file_id]
    correction.save(update_fields=["removed_files", "updated_at"])


def correction_problems(
    *, correction: ApplicationCorrection, lang: str = "ja"
) -> list[engine.Problem]:
    """Everything that stops the corrected version from being resubmitted: the whole
    answers are validated again against the pinned version, only named items may have
    changed, and each named slot holds an acceptable number of files."""
    proc = correction_procedure(correction)
    before = correction.answers_before
    after = correction_answers_after(correction, proc)
    problems = engine.validate_answers(proc, correction_working_answers(correction), lang)
    # An answer that a changed condition now hides may go; nothing else outside the round
    # may differ.
    editable, slots = correction_editable(proc, correction)
    # Nothing typed outside the round, and nothing outside it differs after pruning (so an
    # answer outside it can only have gone because a changed condition hides it now).
    outside = [k for k in correction.pending_answers or {} if k not in editable]
    outside += [
        k for k in after if k not in editable and k not in outside and after[k] != before.get(k)
    ]
    if outside:
        labels = "」「".join(field_label(proc, k, lang) for k in outside)
        problems.append(
            engine.Problem(
                "",
                outside[0],
                _("補正を依頼されていない項目（「%(labels)s」）は変更できません。")
                % {"labels": labels},
            )
        )
    files = correction_files_after(correction)
    visible = {a.id for a in engine.visible_attachments(proc, after)}
    for slot in correction_slot_order(proc, slots):
        spec = next((a for a in proc.attachments if a.id == slot), None)
        if spec is None:
            continue
        count = sum(1 for f in files if f["slot"] == slot)
        if count > spec.max_files:
            problems.append(
                engine.Problem(
                    engine.ATTACHMENTS,
                    slot,
                    _("「%(label)s」のファイルが多すぎます（%(n)d件まで）。")
                    % {"label": slot_label(proc, slot, lang), "n": spec.max_files},
                )
            )
        # A document the clerk asked for must come now; one that became necessary may be
        # sent later where the definition allows it.
        asked = slot in correction.attachment_slots
        if spec.required and slot in visible and count == 0 and (asked or not spec.later_allowed):
            problems.append(
                engine.Problem(
                    engine.ATTACHMENTS,
                    slot,
                    _("「%(label)s」を添付してください。")
                    % {"label": slot_label(proc, slot, lang)},
                )
            )
    return problems


def correction_precheck(
    *, correction: ApplicationCorrection, declared: bool, lang: str = "ja"
) -> list[engine.Problem]:
    """The problems of the round as it stands, and the missing declaration if so."""
    problems = correction_problems(correction=correction, lang=lang)
    if not declared:
        problems.append(
            engine.Problem(
                engine.CHECK,
                "declaration",
                _("補正した内容に誤りがないことを確認し、チェックを入れてください。"),
            )
        )
    return problems


def correction_signing_plugin(proc: Procedure) -> signing.SigningPlugin | None:
    """The plugin that signs the resubmission on our page, or None when it is not signed.

    A procedure that needs the card's signature is signed again after a correction, as
    its first submission was, with the active plugin if it signs on our page (the demo
    card). A plugin that sends the resident away (the デジタル認証アプリ) returns to the
    application's own signing flow; until it returns to a correction too, the round is
    resubmitted unsigned and staff see that (the rest of its checks are the same).
    """
    if proc.assurance != Assurance.CARD_SIGNATURE:
        return None
    plugin = signing.registry.active()
    if plugin is None or plugin.redirects:
        return None
    return plugin


def correction_signed_bytes(*, correction: ApplicationCorrection, proc: Procedure) -> bytes:
    """The canonical bytes of the corrected version: its answers and its files' hashes."""
    return application_canonical_bytes(
        procedure_code=proc.code,
        procedure_version=proc.version,
        answers=correction_answers_after(correction, proc),
        attachments=correction_files_after(correction),
    )


def correction_declare(*, correction: ApplicationCorrection) -> None:
    """Record the declaration of the check page at the instant of the round's last change,
    so that any later change voids it."""
    now = timezone.now()
    ApplicationCorrection.objects.filter(pk=correction.pk).update(declared_at=now, updated_at=now)
    correction.declared_at = correction.updated_at = now


def correction_is_declared(*, correction: ApplicationCorrection) -> bool:
    return correction.declared_at is not None and correction.declared_at >= correction.updated_at


def _signature_problem(
    *,
    correction: ApplicationCorrection,
    proc: Procedure,
    resident: Resident,
    signed: signing.SignedData | None,
) -> tuple[str, dict[str, Any] | None, list[dict[str, str]] | None]:
    return signing.signature_check(
        data=correction_signed_bytes(correction=correction, proc=proc),
        signed=signed,
        proc=proc,
        answers=correction_answers_after(correction, proc),
        resident=resident,
        changed=_("署名した後に補正の内容が変わりました。内容を確認し、もう一度署名してください。"),
    )


def application_correction_submit(
    *,
    correction: ApplicationCorrection,
    resident: Resident,
    declared: bool,
    request: HttpRequest | None = None,
    lang: str = "ja",
    signed: signing.SignedData | None = None,
) -> ApplicationCorrection:
    """Resubmit the corrected application: both versions are kept in the round, and the
    back office takes the answer on its next pull.

    Where ``correction_signing_plugin`` signs, ``signed`` must be a valid signature over
    exactly the corrected version (``correction_signed_bytes``); it is verified and kept
    with any 4情報 mismatch, for staff.

    Idempotent: a second click finds the round answered and returns it. Raises
    ``CorrectionRefused`` (nothing written) when anything is wrong.
    """
    with transaction.atomic():
        correction = ApplicationCorrection.objects.select_for_update().get(pk=correction.pk)
        if correction.application.resident_id != resident.pk:
            raise _refuse("", _("申請データが見つかりません。"))
        if correction.answered_at is not None:
            return correction
        if correction.application.status == Status.WITHDRAWN:
            raise _refuse("", _("この申請は取り下げられています。"))
        problems = correction_precheck(correction=correction, declared=declared, lang=lang)
        proc = correction_procedure(correction)
        verification: dict[str, Any] | None = None
        mismatches: list[dict[str, str]] | None = None
        if not problems and correction_signing_plugin(proc) is not None:
            problem, verification, mismatches = _signature_problem(
                correction=correction, proc=proc, resident=resident, signed=signed
            )
            if problem:
                problems.append(engine.Problem(engine.CHECK, "signature", problem))
        if problems:
            raise CorrectionRefused(problems)
        correction.answers_after = correction_answers_after(correction)
        correction.attachments_after = correction_files_after(correction)
        correction.answered_at = timezone.now()
        correction.save(
            update_fields=["answers_after", "attachments_after", "answered_at", "updated_at"]
        )
        if signed is not None and verification is not None:
            CorrectionSignature.objects.create(
                correction=correction,
                data_sha256=signed.data_sha256,
                signature=signed.signature,
                certificate=signed.certificate_der,
                intermediates=[d.hex() for d in signed.intermediates_der],
                verification=verification,
                mismatches=mismatches or [],
                valid=bool(verification.get("valid")),
                signed_at=correction.answered_at,
            )
        audit_record(
            action="application.correction_submit",
            actor=resident,
            request=request,
            obj_type="application",
            obj_id=str(correction.application_id),
            summary={
                "correction": correction.number,
                "files": len(correction.attachments_after),
                "signed": verification is not None,
            },
        )
        correction_id = str(correction.pk)
        transaction.on_commit(lambda: _enqueue_received_mail(correction_id))
    return correction


@transaction.atomic
def application_correction_mark_taken(*, correction_id: Any) -> bool:
    """Mark an answered round as taken by the back office; False if already taken."""
    return bool(
        ApplicationCorrection.objects.filter(
            pk=correction_id, answered_at__isnull=False, taken_at__isnull=True
        ).update(taken_at=timezone.now())
    )
