"""Reads of corrections (補正) in the back office: the rounds of a case, what may be asked
(from the case's pinned definition) and what an answer changed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from tsunagu.applications import engine
from tsunagu.applications.correction_diff import (
    ChangedValue,
    FileChange,
    answers_diff,
    field_label,
    files_diff,
    slot_label,
)
from tsunagu.applications.selectors import correction_locked_fields
from tsunagu.casework.corrections.models import CaseCorrection
from tsunagu.casework.models import Case
from tsunagu.procedures.schema import Assurance, Procedure
from tsunagu.procedures.selectors import procedure_version_get

# Staff read in Japanese: the labels of the definition in their Japanese form.
STAFF_LANG = "ja"


def case_procedure(*, case: Case) -> Procedure:
    """The definition version the case's application was submitted against."""
    return procedure_version_get(code=case.procedure_code, version=case.procedure_version)


def correction_list_for_case(*, case: Case) -> QuerySet[CaseCorrection]:
    """The rounds of a case, first first, with who asked."""
    return CaseCorrection.objects.filter(case=case).select_related("requested_by")


def correction_get_for_case(*, case: Case, number: int) -> CaseCorrection:
    """Round ``number`` of ``case`` (already fetched through the staff access helper), or
    404."""
    record = correction_list_for_case(case=case).filter(number=number).first()
    if record is None:
        raise Http404
    return record


def case_current_answers(*, case: Case) -> dict[str, Any]:
    """The case's answers as they stand: after the latest received round, else as
    submitted."""
    last = (
        CaseCorrection.objects.filter(case=case, received_at__isnull=False)
        .order_by("-number")
        .first()
    )
    if last is not None and last.answer:
        return dict(last.answer.get("answers_after") or {})
    return dict(case.submitted.get("answers") or {})


def case_current_attachments(*, case: Case) -> list[dict[str, Any]]:
    """The case's files as they stand (snapshots with ``id``, ``source``, ``slot``,
    ``name``, ``sha256``): after the latest received round, else as submitted."""
    last = (
        CaseCorrection.objects.filter(case=case, received_at__isnull=False)
        .order_by("-number")
        .first()
    )
    if last is not None and last.answer:
        return list(last.answer.get("attachments_after") or [])
    return [
        {**a, "source": "attachment"}
        for a in case.submitted.get("attachments") or []
        if isinstance(a, dict)
    ]


@dataclass(frozen=True)
class FieldChoice:
    id: str
    label: str
    hint: str
    # Verified by the resident's card: shown, but cannot be asked for.
    locked: bool = False


@dataclass(frozen=True)
class StepChoices:
    title: str
    fields: list[FieldChoice]


def correction_choices(*, case: Case) -> tuple[list[StepChoices], list[FieldChoice]]:
    """What staff may ask to correct: the fields of each step that apply to the case's
    answers (a repeating group as a whole, its items named in the hint), and the
    attachment slots of the definition."""
    proc = case_procedure(case=case)
    answers = engine.prune(proc, case_current_answers(case=case))
    locked = set(correction_locked_fields(application_id=case.application_id))
    steps: list[StepChoices] = []
    for step in engine.visible_steps(proc, answers):
        fields = []
        for f in step.fields:
            if not engine.condition_holds(f.when, answers, proc.all_fields()):
                continue
            hint = ""
            if f.type == "group":
                hint = "・".join(s.label.get(STAFF_LANG) for s in f.fields or [])
            fields.append(FieldChoice(f.id, f.label.get(STAFF_LANG), hint, f.id in locked))
        if fields:
            steps.append(StepChoices(step.title.get(STAFF_LANG), fields))
    slots = [FieldChoice(a.id, a.label.get(STAFF_LANG), "") for a in proc.attachments]
    return steps, slots


@dataclass(frozen=True)
class CorrectionView:
    record: CaseCorrection
    fields: list[str]
    slots: list[str]
    changes: list[ChangedValue]
    files: list[FileChange]
    # The procedure is signed with the card (so an unsigned correction is worth a note).
    needs_signature: bool
    # The verified signer of the corrected version (None when it was not signed).
    signature: dict[str, Any] | None


def correction_view(*, record: CaseCorrection) -> CorrectionView:
    """One round for staff: the labels of what was asked and, once received, what changed
    (answers field by field, files by name and hash)."""
    proc = case_procedure(case=record.case)
    changes: list[ChangedValue] = []
    files: list[FileChange] = []
    if record.answer:
        changes = answers_diff(
            proc,
            record.answer.get("answers_before") or {},
            record.answer.get("answers_after") or {},
            STAFF_LANG,
        )
        files = files_diff(
            proc,
            record.answer.get("attachments_before") or [],
            record.answer.get("attachments_after") or [],
            STAFF_LANG,
            slots=record.attachment_slots,
        )
    return CorrectionView(
        record=record,
        fields=[field_label(proc, f, STAFF_LANG) for f in record.fields],
        slots=[slot_label(proc, s, STAFF_LANG) for s in record.attachment_slots],
        changes=changes,
        files=files,
        needs_signature=proc.assurance == Assurance.CARD_SIGNATURE,
        signature=(record.answer or {}).get("signature"),
    )


def correction_file_snapshot(*, record: CaseCorrection, file_id: str) -> dict[str, Any]:
    """The snapshot of a file of this round's answer (before or after), or 404."""
    answer = record.answer or {}
    for f in [*(answer.get("attachments_before") or []), *(answer.get("attachments_after") or [])]:
        if str(f.get("id")) == file_id:
            return dict(f)
    raise Http404
