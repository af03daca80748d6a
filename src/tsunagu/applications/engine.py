"""The form engine: conditions, parsing of a step, validation and display of answers.

Pure functions over one pinned ``Procedure`` and a dict of answers (no database). The
answers are JSON: ``{field_id: value}``; a repeating group's value is a list of rows,
each ``{sub_field_id: value}``. Value shapes are those of ``tsunagu.core.fieldtypes``.

HTML input names: ``<field>`` for a single input, ``<field>__<part>`` for a part of a
compound type, ``<group>-<row>-<field>[__<part>]`` inside a repeating group, and
``<group>-rows`` for a group's row count.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from tsunagu.core.fieldtypes import BaseFieldType, FieldError, Part, RawInput, get_type
from tsunagu.procedures.schema import AttachmentDef, Condition, FieldDef, Procedure, Step

Answers = dict[str, Any]
EMPTY: tuple[Any, ...] = (None, "", [], {})
# Pseudo-steps after the form steps.
ATTACHMENTS = "attachments"
CHECK = "check"


def is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


# ---------------------------------------------------------------- conditions


def _lookup(
    name: str,
    answers: Mapping[str, Any],
    row: Mapping[str, Any] | None,
    group: FieldDef | None,
    top: Mapping[str, FieldDef],
) -> tuple[Any, FieldDef | None]:
    if group is not None and row is not None:
        for sub in group.fields or []:
            if sub.id == name:
                return row.get(name), sub
    return answers.get(name), top.get(name)


def condition_holds(
    cond: Condition | None,
    answers: Mapping[str, Any],
    top: Mapping[str, FieldDef],
    *,
    row: Mapping[str, Any] | None = None,
    group: FieldDef | None = None,
) -> bool:
    """Evaluate a declarative condition against answers (and the current group row).

    Example: ``condition_holds(Condition(field="has_spouse", equals=True), {"has_spouse":
    True}, top)`` is True.
    """
    if cond is None:
        return True
    if cond.all is not None:
        return all(condition_holds(c, answers, top, row=row, group=group) for c in cond.all)
    if cond.any is not None:
        return any(condition_holds(c, answers, top, row=row, group=group) for c in cond.any)
    if cond.not_ is not None:
        return not condition_holds(cond.not_, answers, top, row=row, group=group)
    assert cond.field is not None  # noqa: S101  # guaranteed by Condition's validator
    if "." in cond.field:
        group_id, _dot, sub_id = cond.field.partition(".")
        owner = top.get(group_id)
        rows = answers.get(group_id) or []
        if owner is None or not isinstance(rows, list):
            return False
        sub_cond = cond.model_copy(update={"field": sub_id})
        return any(
            condition_holds(sub_cond, answers, top, row=r, group=owner)
            for r in rows
            if isinstance(r, dict)
        )
    raw, spec = _lookup(cond.field, answers, row, group, top)
    value = get_type(spec.type).condition_value(raw) if spec and not is_empty(raw) else None
    if cond.filled is not None:
        return (not is_empty(value)) == cond.filled
    if isinstance(value, list):
        if cond.equals is not None:
            return cond.equals in value
        if cond.not_equals is not None:
            return cond.not_equals not in value
        return bool(set(value) & set(cond.in_ or []))
    if cond.equals is not None:
        return value == cond.equals
    if cond.not_equals is not None:
        return value != cond.not_equals
    return value in (cond.in_ or [])


def condition_text(
    cond: Condition | None, top: Mapping[str, FieldDef], lang: str, group: FieldDef | None = None
) -> str:
    """A sentence saying when a conditional question applies, for residents without JS."""
    if cond is None:
        return ""
    if cond.field is None:
        return _("前の質問の答えによって必要な場合に入力してください。")
    spec = None
    prefix = ""
    if "." in cond.field:
        group_id, _dot, sub_id = cond.field.partition(".")
        owner = top.get(group_id)
        if owner is not None:
            spec = next((f for f in owner.fields or [] if f.id == sub_id), None)
            item = owner.item.get(lang) if owner.item else owner.label.get(lang)
            prefix = item
    elif group is not None:
        spec = next((f for f in group.fields or [] if f.id == cond.field), None)
    spec = spec or top.get(cond.field)
    if spec is None:  # pragma: no cover - the schema refuses unknown references
        return ""
    label = spec.label.get(lang)

    def option_label(value: Any) -> str:
        if spec and spec.type == "yes_no":
            return _("はい") if value is True else _("いいえ")
        for opt in (spec.options if spec else None) or []:
            if opt.value == value:
                return opt.label.get(lang)
        return str(value)

    if prefix and (cond.equals is not None or cond.in_ is not None):
        values = [cond.equals] if cond.equals is not None else list(cond.in_ or [])
        return _("いずれかの「%(item)s」で「%(label)s」が「%(value)s」の場合に必要です。") % {
            "item": prefix,
            "label": label,
            "value": _("」か「").join(option_label(v) for v in values),
        }
    if prefix:
        return _("「%(item)s」の答えによって必要な場合があります。") % {"item": prefix}
    if cond.filled is not None:
        return (
            _("「%(label)s」を入力した場合に答えてください。")
            if cond.filled
            else _("「%(label)s」が空欄の場合に答えてください。")
        ) % {"label": label}
    if cond.equals is not None:
        return _("「%(label)s」で「%(value)s」を選んだ場合に答えてください。") % {
            "label": label,
            "value": option_label(cond.equals),
        }
    if cond.not_equals is not None:
        return _("「%(label)s」で「%(value)s」以外を選んだ場合に答えてください。") % {
            "label": label,
            "value": option_label(cond.not_equals),
        }
    return _("「%(label)s」で「%(value)s」を選んだ場合に答えてください。") % {
        "label": label,
        "value": _("」か「").join(option_label(v) for v in cond.in_ or []),
    }


def step_visible(proc: Procedure, step: Step, answers: Mapping[str, Any]) -> bool:
    return condition_holds(step.when, answers, proc.all_fields())


def visible_steps(proc: Procedure, answers: Mapping[str, Any]) -> list[Step]:
    return [s for s in proc.steps if step_visible(proc, s, answers)]


def visible_attachments(proc: Procedure, answers: Mapping[str, Any]) -> list[AttachmentDef]:
    top = proc.all_fields()
    return [a for a in proc.attachments if condition_holds(a.when, answers, top)]


def step_sequence(proc: Procedure, answers: Mapping[str, Any]) -> list[str]:
    """Ids of the pages a resident goes through: visible steps, attachments, check."""
    seq = [s.id for s in visible_steps(proc, answers)]
    if visible_attachments(proc, answers):
        seq.append(ATTACHMENTS)
    seq.append(CHECK)
    return seq


def prune(proc: Procedure, answers: Mapping[str, Any]) -> Answers:
    """Drop every answer that its conditions hide (so hidden data is never submitted)."""
    top = proc.all_fields()
    current: Answers = dict(answers)
    for _round in range(4):  # conditions may chain; a few rounds reach the fixed point
        pruned: Answers = {}
        for step in proc.steps:
            if not condition_holds(step.when, current, top):
                continue
            for f in step.fields:
                if f.id not in current or not condition_holds(f.when, current, top):
                    continue
                if f.type == "group":
                    rows = []
                    for row in current[f.id] or []:
                        rows.append(
                            {
                                s.id: row[s.id]
                                for s in f.fields or []
                                if s.id in row
                                and condition_holds(s.when, current, top, row=row, group=f)
                            }
                        )
                    pruned[f.id] = rows
                else:
                    pruned[f.id] = current[f.id]
        if pruned == current:
            break
        current = pruned
    return current


# ---------------------------------------------------------------- parsing


def html_name(field_id: str, *, group: str | None = None, row: int | None = None) -> str:
    return f"{group}-{row}-{field_id}" if group is not None else field_id


def part_name(base: str, part: str) -> str:
    return f"{base}__{part}" if part else base


def _raw_from(data: Mapping[str, Any], base: str, ftype: BaseFieldType, spec: FieldDef) -> RawInput:
    parts = ftype.parts(spec)
    if ftype.widget_for(spec) == "checkboxes":
        getlist = getattr(data, "getlist", None)
        values = getlist(base) if getlist else data.get(base, [])
        if isinstance(values, str):
            values = [values]
        return {"": ",".join(str(v) for v in values)}
    if len(parts) == 1 and parts[0].name == "":
        value = data.get(base, "")
        return value if isinstance(value, str) else ""
    out = {}
    for p in parts:
        value = data.get(part_name(base, p.name), "")
        out[p.name] = value if isinstance(value, str) else ""
    return out


@dataclass
class FieldProblem:
    message: str
    part: str | None = None


@dataclass
class StepResult:
    values: Answers = field(default_factory=dict)
    errors: dict[str, FieldProblem] = field(default_factory=dict)
    raw: dict[str, RawInput] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def required_message(spec: FieldDef, lang: str) -> str:
    label = spec.label.get(lang)
    if spec.type in {"choice", "yes_no", "multi_choice"}:
        return _("「%(label)s」を選んでください。") % {"label": label}
    if spec.type == "consent":
        return _("内容を確認のうえ、「%(label)s」にチェックを入れてください。") % {"label": label}
    return _("「%(label)s」を入力してください。") % {"label": label}


def _parse_one(
    spec: FieldDef,
    base: str,
    data: Mapping[str, Any],
    previous: Any,
    result: StepResult,
    *,
    lenient: bool,
    lang: str,
) -> tuple[bool, Any]:
    """Parse one field; returns (has_value, value). Problems go into ``result``."""
    ftype = get_type(spec.type)
    raw = _raw_from(data, base, ftype, spec)
    result.raw[base] = raw
    if ftype.is_empty(raw):
        if ftype.secret and not is_empty(previous):
            return True, previous
        if spec.required and not lenient:
            result.errors[base] = FieldProblem(required_message(spec, lang))
        return False, None
    try:
        return True, ftype.parse(raw, spec)
    except FieldError as err:
        # An invalid value is reported even when lenient: nothing typed is silently lost.
        result.errors[base] = FieldProblem(str(err.message), err.part)
        return False, None


def parse_step(
    proc: Procedure,
    step: Step,
    data: Mapping[str, Any],
    answers: Mapping[str, Any],
    *,
    locked: Mapping[str, Any] | None = None,
    lenient: bool = False,
    lang: str = "ja",
) -> StepResult:
    """Parse the POSTed inputs of one step against the definition.

    ``locked`` maps field ids to verified values that the resident cannot change (the
    4情報 of a card login): their inputs are ignored. With ``lenient`` (going back,
    saving for later, adding a row) missing required answers are not errors.
    """
    locked = locked or {}
    top = proc.all_fields()
    result = StepResult()
    merged: Answers = dict(answers)
    for spec in step.fields:
        merged.pop(spec.id, None)
    for spec in step.fields:
        if not condition_holds(spec.when, merged, top):
            continue
        if spec.id in locked:
            result.values[spec.id] = merged[spec.id] = locked[spec.id]
            continue
        if spec.type == "group":
            rows = _parse_group(
                spec,
                data,
                answers.get(spec.id) or [],
                merged,
                top,
                result,
                lenient=lenient,
                lang=lang,
            )
            result.values[spec.id] = merged[spec.id] = rows
            continue
        has, value = _parse_one(
            spec, spec.id, data, answers.get(spec.id), result, lenient=lenient, lang=lang
        )
        if has:
            result.values[spec.id] = merged[spec.id] = value
    return result


def parse_fields(
    specs: Iterable[FieldDef], data: Mapping[str, Any], *, lang: str = "ja"
) -> StepResult:
    """Parse a flat list of fields (no groups, no conditions) outside any procedure, with
    the same field types and messages as a procedure step: e.g. the identity a clerk
    records at the counter.

    >>> parse_fields([spec], {"birth": "R5.4.1"}).values  # doctest: +SKIP
    {'birth': '2023-04-01'}
    """
    result = StepResult()
    for spec in specs:
        has, value = _parse_one(spec, spec.id, data, None, result, lenient=False, lang=lang)
        if has:
            result.values[spec.id] = value
    return result


def group_row_count(spec: FieldDef, data: Mapping[str, Any], default: int) -> int:
    raw = data.get(f"{spec.id}-rows")
    try:
        count = int(raw) if isinstance(raw, str) else default
    except ValueError:
        count = default
    return max(0, min(count, spec.max_items or 1))


def _parse_group(
    spec: FieldDef,
    data: Mapping[str, Any],
    previous_rows: list[dict[str, Any]],
    merged: Mapping[str, Any],
    top: Mapping[str, FieldDef],
    result: StepResult,
    *,
    lenient: bool,
    lang: str,
) -> list[dict[str, Any]]:
    count = group_row_count(spec, data, max(len(previous_rows), spec.min_items or 0, 1))
    result.rows[spec.id] = count
    rows: list[dict[str, Any]] = []
    for i in range(count):
        prev = previous_rows[i] if i < len(previous_rows) else {}
        bases = {s.id: html_name(s.id, group=spec.id, row=i) for s in spec.fields or []}
        typed = any(
            not get_type(s.type).is_empty(_raw_from(data, bases[s.id], get_type(s.type), s))
            for s in spec.fields or []
        )
        if not typed and not any(not is_empty(v) for v in prev.values()):
            continue  # an untouched empty row is dropped, not an error
        row: dict[str, Any] = {}
        for sub in spec.fields or []:
            if not condition_holds(sub.when, merged, top, row=row, group=spec):
                continue
            has, value = _parse_one(
                sub, bases[sub.id], data, prev.get(sub.id), result, lenient=lenient, lang=lang
            )
            if has:
                row[sub.id] = value
        rows.append(row)
    if not lenient:
        item = spec.item.get(lang) if spec.item else ""
        if spec.required and not rows:
            result.errors[spec.id] = FieldProblem(
                _("「%(item)s」を1件以上入力してください。") % {"item": item}
            )
        elif spec.min_items and len(rows) < spec.min_items:
            result.errors[spec.id] = FieldProblem(
                _("「%(item)s」を%(n)d件以上入力してください。")
                % {"item": item, "n": spec.min_items}
            )
    return rows


def merge_step(proc: Procedure, step: Step, answers: Mapping[str, Any], values: Answers) -> Answers:
    """The answers with this step's fields replaced by ``values``."""
    out = {k: v for k, v in answers.items() if k not in {f.id for f in step.fields}}
    out.update(values)
    return out


# ---------------------------------------------------------------- whole validation


@dataclass(frozen=True)
class Problem:
    step: str
    field: str
    message: str


def validate_answers(
    proc: Procedure, answers: Mapping[str, Any], lang: str = "ja"
) -> list[Problem]:
    """Every problem of the answers as a whole, against the pinned definition.

    Used at submission: required answers present, stored values still valid for their
    type (re-parsed), group limits, no answer for an unknown or hidden field.
    """
    problems: list[Problem] = []
    clean = prune(proc, answers)
    top = proc.all_fields()
    for key in answers:
        if key not in top:
            problems.append(Problem("", key, _("定義にない項目が含まれています。")))
    for step in visible_steps(proc, clean):
        for spec in step.fields:
            if not condition_holds(spec.when, clean, top):
                continue
            value = clean.get(spec.id)
            if spec.type == "group":
                rows = value or []
                if not isinstance(rows, list) or len(rows) > (spec.max_items or 0):
                    problems.append(Problem(step.id, spec.id, _("件数が多すぎます。")))
                    continue
                if (spec.required and not rows) or len(rows) < (spec.min_items or 0):
                    problems.append(Problem(step.id, spec.id, required_message(spec, lang)))
                for i, row in enumerate(rows):
                    if not isinstance(row, dict):
                        problems.append(
                            Problem(step.id, spec.id, _("入力内容が正しくありません。"))
                        )
                        continue
                    for sub in spec.fields or []:
                        if condition_holds(sub.when, clean, top, row=row, group=spec):
                            msg = _check_value(sub, row.get(sub.id), lang)
                            if msg:
                                problems.append(
                                    Problem(step.id, html_name(sub.id, group=spec.id, row=i), msg)
                                )
                continue
            msg = _check_value(spec, value, lang)
            if msg:
                problems.append(Problem(step.id, spec.id, msg))
    return problems


def _check_value(spec: FieldDef, value: Any, lang: str) -> str:
    if is_empty(value):
        return required_message(spec, lang) if spec.required else ""
    ftype = get_type(spec.type)
    if ftype.secret:
        try:
            ftype.display(value, spec, lang)  # decrypts: a forged or foreign token fails
        except Exception:
            return _invalid(spec, lang)
        return ""
    try:
        reparsed = ftype.parse(ftype.to_raw(value, spec), spec)
    except FieldError as err:
        return str(err.message)
    except Exception:  # a stored value of the wrong shape
        return _invalid(spec, lang)
    return "" if reparsed == value else _invalid(spec, lang)


def _invalid(spec: FieldDef, lang: str) -> str:
    return _("「%(label)s」の入力内容が正しくありません。もう一度入力してください。") % {
        "label": spec.label.get(lang)
    }


# ---------------------------------------------------------------- display


@dataclass(frozen=True)
class SummaryRow:
    label: str
    value: str
    field: str


@dataclass(frozen=True)
class SummarySection:
    step: Step
    title: str
    rows: list[SummaryRow]
    groups: list[tuple[str, list[SummaryRow]]]


def display_value(spec: FieldDef, value: Any, lang: str) -> str:
    if is_empty(value):
        return _("（未入力）")
    try:
        return get_type(spec.type).display(value, spec, lang)
    except Exception:  # a stored value that no longer reads (e.g. a foreign token)
        return _("（読み取れないため、もう一度入力してください）")


def summarise(proc: Procedure, answers: Mapping[str, Any], lang: str) -> list[SummarySection]:
    """The answers as sections of label/value rows, for the check page and the receipt."""
    clean = prune(proc, answers)
    top = proc.all_fields()
    sections = []
    for step in visible_steps(proc, clean):
        rows: list[SummaryRow] = []
        groups: list[tuple[str, list[SummaryRow]]] = []
        for spec in step.fields:
            if not condition_holds(spec.when, clean, top):
                continue
            if spec.type == "group":
                for i, row in enumerate(clean.get(spec.id) or []):
                    item = spec.item.get(lang) if spec.item else spec.label.get(lang)
                    sub_rows = [
                        SummaryRow(s.label.get(lang), display_value(s, row.get(s.id), lang), s.id)
                        for s in spec.fields or []
                        if condition_holds(s.when, clean, top, row=row, group=spec)
                    ]
                    groups.append((f"{item} {i + 1}", sub_rows))
                if not clean.get(spec.id):
                    rows.append(SummaryRow(spec.label.get(lang), _("（なし）"), spec.id))
                continue
            rows.append(
                SummaryRow(
                    spec.label.get(lang), display_value(spec, clean.get(spec.id), lang), spec.id
                )
            )
        sections.append(SummarySection(step, step.title.get(lang), rows, groups))
    return sections


def iter_fields(proc: Procedure) -> Iterable[FieldDef]:
    for step in proc.steps:
        yield from step.fields


__all__ = [
    "ATTACHMENTS",
    "CHECK",
    "Part",
    "condition_holds",
    "parse_step",
    "prune",
    "step_sequence",
    "summarise",
    "validate_answers",
]
