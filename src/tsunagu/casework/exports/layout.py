"""The export layout: one row (CSV) or one record (JSON) per case. Pure functions, no I/O.

The columns are documented one by one in docs/exports.md; change both together and raise
``LAYOUT_VERSION`` when a core system would notice.

Answers are flattened into columns named by the procedure definition's field keys:
``pension``; a compound type gets one column per part (``name.sei``, ``name.mei``); a
repeating group gets numbered columns up to the definition's ``max_items``
(``children.1.child_name.sei`` ... ``children.5.living``), so the width of a procedure's
file never depends on the cases in it. Attachments likewise, up to ``max_files`` per slot.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from tsunagu.casework.corrections.selectors import case_current_answers, case_current_attachments
from tsunagu.casework.decisions import DAMAGE_LEVELS, DecisionSummary
from tsunagu.procedures.schema import FieldDef, Procedure

LAYOUT_VERSION = 1

# The parts of compound answers, in column order (see ``core.fieldtypes`` for the shapes).
COMPOUND_PARTS: dict[str, tuple[str, ...]] = {
    "name": ("sei", "mei"),
    "kana_name": ("sei", "mei"),
    "address": ("postal_code", "line1", "line2"),
    "bank_account": (
        "bank_code",
        "bank_name",
        "branch_code",
        "branch_name",
        "kind",
        "number",
        "holder_kana",
    ),
}

FIXED_COLUMNS: tuple[str, ...] = (
    "receipt_number",
    "procedure_code",
    "procedure_version",
    "submitted_at",
    "decided_at",
    "decision",
    "decision_reason",
    "damage_level",
    "damage_level_label",
)

APPROVED = "承認"
REJECTED = "却下"

_UNSAFE_PATH = re.compile(r"[^A-Za-z0-9._-]")


@dataclass(frozen=True)
class FileRef:
    """One attachment of a case, as the ZIP carries it."""

    application_id: str
    attachment_id: str
    path: str  # inside the ZIP
    name: str  # the resident's file name
    sha256: str
    # "attachment" (submitted with the application) or "correction" (sent with a 補正).
    source: str = "attachment"


@dataclass
class Row:
    """One case: the CSV cells by column, the JSON record, and its files."""

    case_id: str
    receipt_number: str
    cells: dict[str, str]
    record: dict[str, Any]
    files: list[FileRef] = field(default_factory=list)


@dataclass
class Document:
    columns: list[str]
    rows: list[Row]
    my_number_count: int = 0  # 個人番号 values decrypted into this document


def _field_columns(spec: FieldDef, base: str, *, my_number: bool) -> list[str]:
    if spec.type == "my_number" and not my_number:
        return []
    parts = COMPOUND_PARTS.get(spec.type)
    return [f"{base}.{p}" for p in parts] if parts else [base]


def answer_columns(proc: Procedure, *, my_number: bool) -> list[str]:
    """The answer and attachment columns of one procedure version.

    >>> answer_columns(proc, my_number=False)[:3]  # doctest: +SKIP
    ['name.sei', 'name.mei', 'birth_date']
    """
    cols: list[str] = []
    for step in proc.steps:
        for spec in step.fields:
            if spec.type == "group":
                for n in range(1, (spec.max_items or 0) + 1):
                    for sub in spec.fields or []:
                        cols += _field_columns(sub, f"{spec.id}.{n}.{sub.id}", my_number=my_number)
            else:
                cols += _field_columns(spec, spec.id, my_number=my_number)
    for att in proc.attachments:
        for n in range(1, att.max_files + 1):
            cols += [f"attachment.{att.id}.{n}.name", f"attachment.{att.id}.{n}.sha256"]
    return cols


def cell(value: Any) -> str:
    """One answer as CSV text: booleans 1/0, lists joined with ";", nothing as "".

    >>> cell(True), cell(["a", "c"]), cell(None), cell(12000)
    ('1', 'a;c', '', '12000')
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, list):
        return ";".join(cell(v) for v in value)
    return str(value)


def _when(value: dt.datetime | None) -> str:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else ""


def zip_path(receipt_number: str, slot: str, n: int, name: str) -> str:
    """Where an attachment sits in the ZIP: ``files/<受付番号>/<slot>-<n><.ext>``.

    >>> zip_path("HN-2026-000001", "bankbook", 1, "通帳.JPG")
    'files/HN-2026-000001/bankbook-1.jpg'
    """
    dot = name.rfind(".")
    ext = _UNSAFE_PATH.sub("", name[dot:].lower()) if dot > 0 else ""
    return f"files/{_UNSAFE_PATH.sub('_', receipt_number)}/{slot}-{n}{ext}"


class _Answers:
    """Walks the answers of one case along its definition (flat cells and nested JSON)."""

    def __init__(self, reveal: Callable[[str], str] | None) -> None:
        self.reveal = reveal  # None: the 個人番号 is left out
        self.revealed = 0

    def value(self, spec: FieldDef, raw: Any) -> tuple[bool, Any]:
        """(keep, value) of one non-group answer."""
        if spec.type == "my_number":
            if self.reveal is None:
                return False, None
            if raw in (None, ""):
                return True, ""
            self.revealed += 1
            return True, self.reveal(str(raw))
        return True, raw

    def put(self, cells: dict[str, str], spec: FieldDef, base: str, raw: Any) -> Any:
        keep, value = self.value(spec, raw)
        if not keep:
            return None
        parts = COMPOUND_PARTS.get(spec.type)
        if parts:
            parts_value = value if isinstance(value, Mapping) else {}
            for p in parts:
                cells[f"{base}.{p}"] = cell(parts_value.get(p))
        else:
            cells[base] = cell(value)
        return value

    def walk(
        self, proc: Procedure, answers: Mapping[str, Any]
    ) -> tuple[dict[str, str], dict[str, Any]]:
        cells: dict[str, str] = {}
        nested: dict[str, Any] = {}
        for step in proc.steps:
            for spec in step.fields:
                raw = answers.get(spec.id)
                if spec.type == "group":
                    rows = raw if isinstance(raw, list) else []
                    nested_rows: list[dict[str, Any]] = []
                    for n, item in enumerate(rows[: spec.max_items or 0], start=1):
                        item = item if isinstance(item, Mapping) else {}
                        out: dict[str, Any] = {}
                        for sub in spec.fields or []:
                            base = f"{spec.id}.{n}.{sub.id}"
                            if sub.type != "my_number" or self.reveal is not None:
                                out[sub.id] = self.put(cells, sub, base, item.get(sub.id))
                        nested_rows.append(out)
                    nested[spec.id] = nested_rows
                elif spec.type != "my_number" or self.reveal is not None:
                    if spec.id in answers:
                        nested[spec.id] = self.put(cells, spec, spec.id, raw)
        return cells, nested


def case_row(
    *,
    case: Any,
    summary: DecisionSummary,
    proc: Procedure,
    reveal: Callable[[str], str] | None,
) -> tuple[Row, int]:
    """The row of one case and the number of 個人番号 decrypted for it.

    ``case`` is a ``casework.models.Case``; ``reveal`` decrypts a 個人番号 token, or is None
    when the target does not receive them (their columns are then absent, not blank).
    """
    walker = _Answers(reveal)
    # The case as it stands: after the latest received correction (補正), else as submitted.
    answer_cells, nested = walker.walk(proc, case_current_answers(case=case))
    damage = summary.damage_level or ""
    cells: dict[str, str] = {
        "receipt_number": case.receipt_number,
        "procedure_code": case.procedure_code,
        "procedure_version": str(case.procedure_version),
        "submitted_at": _when(case.submitted_at),
        "decided_at": _when(summary.decided_at),
        "decision": APPROVED if summary.approved else REJECTED,
        "decision_reason": summary.reason,
        "damage_level": damage,
        "damage_level_label": dict(DAMAGE_LEVELS).get(damage, ""),
    }
    for label, yen in summary.amounts.items():
        cells[f"amount.{label}"] = str(yen)
    cells.update(answer_cells)
    files: list[FileRef] = []
    counters: dict[str, int] = {}
    attachments_json: list[dict[str, Any]] = []
    for att in case_current_attachments(case=case):
        slot = str(att.get("slot", ""))
        n = counters[slot] = counters.get(slot, 0) + 1
        ref = FileRef(
            application_id=str(case.application_id),
            attachment_id=str(att.get("id", "")),
            path=zip_path(case.receipt_number, slot, n, str(att.get("name", ""))),
            name=str(att.get("name", "")),
            sha256=str(att.get("sha256", "")),
            source=str(att.get("source", "attachment")),
        )
        files.append(ref)
        cells[f"attachment.{slot}.{n}.name"] = ref.name
        cells[f"attachment.{slot}.{n}.sha256"] = ref.sha256
        attachments_json.append(
            {"slot": slot, "n": n, "name": ref.name, "sha256": ref.sha256, "path": ref.path}
        )
    record: dict[str, Any] = {
        "receipt_number": case.receipt_number,
        "procedure_code": case.procedure_code,
        "procedure_version": case.procedure_version,
        "submitted_at": cells["submitted_at"],
        "decided_at": cells["decided_at"],
        "decision": cells["decision"],
        "approved": summary.approved,
        "decision_reason": summary.reason,
        "damage_level": damage or None,
        "damage_level_label": cells["damage_level_label"] or None,
        "amounts": dict(summary.amounts),
        "answers": nested,
        "attachments": attachments_json,
    }
    row = Row(
        case_id=str(case.pk),
        receipt_number=case.receipt_number,
        cells=cells,
        record=record,
        files=files,
    )
    return row, walker.revealed


def document_columns(
    *, procs: Iterable[Procedure], rows: Iterable[Row], my_number: bool
) -> list[str]:
    """The fixed columns, then the amounts found in the rows (first seen first), then the
    answer columns of each version (oldest first, each column once)."""
    cols: list[str] = list(FIXED_COLUMNS)
    seen = set(cols)
    for row in rows:
        for key in row.cells:
            if key.startswith("amount.") and key not in seen:
                cols.append(key)
                seen.add(key)
    for proc in sorted(procs, key=lambda p: p.version):
        for key in answer_columns(proc, my_number=my_number):
            if key not in seen:
                cols.append(key)
                seen.add(key)
    return cols
