"""What a correction (補正) changed: the answers and files before and after, field by field.

Pure functions over one pinned ``Procedure`` and two versions (no database), shared by the
resident's check page and the back office's diff view, so both show the same difference.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from tsunagu.applications.engine import display_value, is_empty
from tsunagu.procedures.schema import FieldDef, Procedure


@dataclass(frozen=True)
class ChangedValue:
    """One answer that differs: ``label`` says where (with the row of a group)."""

    field: str
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class FileChange:
    """One file of a slot: ``change`` is ``added``, ``removed`` or ``kept``."""

    file_id: str
    slot: str
    slot_label: str
    name: str
    sha256: str
    size: int
    change: str


def field_label(proc: Procedure, field_id: str, lang: str) -> str:
    """The label of a top-level field of ``proc`` (the id itself if it is unknown)."""
    spec = proc.all_fields().get(field_id)
    return spec.label.get(lang) if spec is not None else field_id


def slot_label(proc: Procedure, slot: str, lang: str) -> str:
    """The label of an attachment slot of ``proc`` (the id itself if it is unknown)."""
    spec = next((a for a in proc.attachments if a.id == slot), None)
    return spec.label.get(lang) if spec is not None else slot


def _shown(spec: FieldDef, value: Any, lang: str) -> str:
    return _("（なし）") if is_empty(value) else display_value(spec, value, lang)


def answers_diff(
    proc: Procedure, before: Mapping[str, Any], after: Mapping[str, Any], lang: str
) -> list[ChangedValue]:
    """Every answer that differs between ``before`` and ``after``, in the order of the
    definition; a repeating group is compared row by row and field by field.

    >>> answers_diff(proc, {"pension": "kousei"}, {"pension": "kokumin"}, "ja")  # doctest: +SKIP
    [ChangedValue(field='pension', label='加入している年金', before='厚生年金', after='国民年金')]
    """
    out: list[ChangedValue] = []
    for step in proc.steps:
        for spec in step.fields:
            old, new = before.get(spec.id), after.get(spec.id)
            if old == new or (is_empty(old) and is_empty(new)):
                continue
            if spec.type != "group":
                out.append(
                    ChangedValue(
                        spec.id,
                        spec.label.get(lang),
                        _shown(spec, old, lang),
                        _shown(spec, new, lang),
                    )
                )
                continue
            old_rows = old if isinstance(old, list) else []
            new_rows = new if isinstance(new, list) else []
            item = spec.item.get(lang) if spec.item else spec.label.get(lang)
            for i in range(max(len(old_rows), len(new_rows))):
                old_row = old_rows[i] if i < len(old_rows) and isinstance(old_rows[i], dict) else {}
                new_row = new_rows[i] if i < len(new_rows) and isinstance(new_rows[i], dict) else {}
                for sub in spec.fields or []:
                    a, b = old_row.get(sub.id), new_row.get(sub.id)
                    if a == b or (is_empty(a) and is_empty(b)):
                        continue
                    out.append(
                        ChangedValue(
                            spec.id,
                            f"{item} {i + 1}：{sub.label.get(lang)}",
                            _shown(sub, a, lang),
                            _shown(sub, b, lang),
                        )
                    )
    return out


def files_diff(
    proc: Procedure,
    before: Sequence[Mapping[str, Any]],
    after: Sequence[Mapping[str, Any]],
    lang: str,
    *,
    slots: Sequence[str] | None = None,
) -> list[FileChange]:
    """The files of each slot (only ``slots`` if given): kept, added or removed, by name
    and SHA-256 hash."""
    before_ids = {str(f["id"]) for f in before}
    after_ids = {str(f["id"]) for f in after}
    rows: list[FileChange] = []
    wanted = list(slots) if slots is not None else [a.id for a in proc.attachments]
    for slot in wanted:
        label = slot_label(proc, slot, lang)
        for f in before:
            if f["slot"] == slot:
                change = "kept" if str(f["id"]) in after_ids else "removed"
                rows.append(
                    FileChange(
                        str(f["id"]), slot, label, f["name"], f["sha256"], int(f["size"]), change
                    )
                )
        for f in after:
            if f["slot"] == slot and str(f["id"]) not in before_ids:
                rows.append(
                    FileChange(
                        str(f["id"]), slot, label, f["name"], f["sha256"], int(f["size"]), "added"
                    )
                )
    return rows
