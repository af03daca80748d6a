"""Binding a step's fields to what the templates render: inputs, values, errors, hints."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from tsunagu.applications.engine import (
    FieldProblem,
    condition_holds,
    condition_text,
    display_value,
    html_name,
    is_empty,
    part_name,
)
from tsunagu.core.fieldtypes import RawInput, get_type
from tsunagu.procedures.schema import Condition, FieldDef, Procedure, Step


@dataclass
class BoundPart:
    name: str
    html_name: str
    id: str
    label: str
    value: str
    autocomplete: str
    inputmode: str
    input_type: str
    width: str
    maxlength: int | None
    choices: list[tuple[str, str, bool]]
    error: bool
    hint: str = ""
    required: bool = True


@dataclass
class BoundOption:
    value: str
    label: str
    id: str
    checked: bool


@dataclass
class BoundRow:
    index: int
    heading: str
    fields: list[BoundField]


@dataclass
class BoundField:
    spec: FieldDef
    widget: str
    html_name: str
    id: str
    label: str
    hint: str
    required: bool
    error: str = ""
    parts: list[BoundPart] = field(default_factory=list)
    options: list[BoundOption] = field(default_factory=list)
    checked: bool = False
    locked: bool = False
    locked_display: str = ""
    secret_display: str = ""
    condition: str = ""
    when_json: str = ""
    rows: list[BoundRow] = field(default_factory=list)
    row_count: int = 0
    can_add: bool = False
    item: str = ""

    @property
    def describedby(self) -> str:
        ids = []
        if self.hint or self.condition:
            ids.append(f"{self.id}-hint")
        if self.error:
            ids.append(f"{self.id}-error")
        return " ".join(ids)

    @property
    def first_input_id(self) -> str:
        if self.options:
            return self.options[0].id
        if self.parts:
            return self.parts[0].id
        return self.id


def _when_data(cond: Condition, prefix: str, siblings: frozenset[str]) -> dict[str, Any] | None:
    """A condition as data for the progressive-enhancement script, or None if the page
    cannot evaluate it (a condition over all rows of a group)."""
    if cond.all is not None or cond.any is not None:
        key = "all" if cond.all is not None else "any"
        parts = [_when_data(c, prefix, siblings) for c in (cond.all or cond.any or [])]
        return None if any(p is None for p in parts) else {key: parts}
    if cond.not_ is not None:
        inner = _when_data(cond.not_, prefix, siblings)
        return None if inner is None else {"not": inner}
    if cond.field is None or "." in cond.field:
        return None
    data: dict[str, Any] = {"field": (prefix if cond.field in siblings else "") + cond.field}
    if cond.equals is not None:
        data["equals"] = cond.equals
    elif cond.not_equals is not None:
        data["not_equals"] = cond.not_equals
    elif cond.in_ is not None:
        data["in"] = cond.in_
    else:
        data["filled"] = cond.filled
    return data


def _when_json(cond: Condition | None, prefix: str, siblings: frozenset[str]) -> str:
    data = _when_data(cond, prefix, siblings) if cond is not None else None
    return json.dumps(data, ensure_ascii=False) if data is not None else ""


def bind_field(
    spec: FieldDef,
    *,
    value: Any,
    raw: RawInput | None,
    problems: Mapping[str, FieldProblem],
    lang: str,
    top: Mapping[str, FieldDef],
    group: FieldDef | None = None,
    row: int | None = None,
    locked: bool = False,
) -> BoundField:
    base = html_name(spec.id, group=group.id if group else None, row=row)
    ftype = get_type(spec.type)
    problem = problems.get(base)
    own_hint = spec.hint.get(lang) if spec.hint else ""
    if not own_hint:
        example = ftype.format_hint(spec)
        own_hint = str(example) if example else ""
    bf = BoundField(
        spec=spec,
        widget=ftype.widget_for(spec),
        html_name=base,
        id=f"f-{base}",
        label=spec.label.get(lang),
        hint=own_hint,
        required=spec.required,
        error=problem.message if problem else "",
        locked=locked,
        condition=condition_text(spec.when, top, lang, group),
        when_json=_when_json(
            spec.when,
            f"{group.id}-{row}-" if group else "",
            frozenset(f.id for f in group.fields or []) if group else frozenset(),
        ),
    )
    if locked:
        bf.locked_display = display_value(spec, value, lang) if not is_empty(value) else ""
        return bf
    if raw is None:
        raw = ftype.to_raw(value, spec) if not is_empty(value) else ""
    if ftype.secret and not is_empty(value):
        bf.secret_display = display_value(spec, value, lang)
    if bf.widget in {"radios", "select", "checkboxes"}:
        if bf.widget == "checkboxes":
            chosen = set((raw.get("", "") if isinstance(raw, Mapping) else raw).split(",")) - {""}
        else:
            chosen = {raw if isinstance(raw, str) else raw.get("", "")}
        if spec.type == "yes_no":
            opts = [("yes", _("はい")), ("no", _("いいえ"))]
        else:
            opts = [(o.value, o.label.get(lang)) for o in spec.options or []]
        bf.options = [BoundOption(v, lbl, f"{bf.id}-{v}", v in chosen) for v, lbl in opts]
        return bf
    if bf.widget == "consent":
        bf.checked = bool(raw if isinstance(raw, str) else any(raw.values()))
        return bf
    for p in ftype.parts(spec):
        if isinstance(raw, Mapping):
            pv = raw.get(p.name, "")
        else:
            pv = raw if p.name == "" else ""
        pid = f"{bf.id}-{p.name}" if p.name else bf.id
        bf.parts.append(
            BoundPart(
                name=p.name,
                html_name=part_name(base, p.name),
                id=pid,
                label=str(p.label),
                value="" if ftype.secret else pv,
                autocomplete=p.autocomplete,
                inputmode=p.inputmode,
                input_type=p.input_type,
                width=p.width,
                maxlength=p.maxlength,
                choices=[(cv, str(cl), cv == pv) for cv, cl in p.choices],
                error=bool(problem and (problem.part in (None, p.name))),
                hint=str(p.hint) if p.hint else "",
                required=p.required,
            )
        )
    return bf


def bind_step(
    proc: Procedure,
    step: Step,
    *,
    answers: Mapping[str, Any],
    raw: Mapping[str, RawInput] | None,
    problems: Mapping[str, FieldProblem],
    lang: str,
    locked: Mapping[str, Any],
    row_counts: Mapping[str, int] | None = None,
) -> list[BoundField]:
    """Every field of a step, bound for rendering (conditional ones carry their condition)."""
    top = proc.all_fields()
    raw = raw or {}
    here = {f.id for f in step.fields}
    out = []
    for spec in step.fields:
        if spec.when is not None and not (spec.when.fields() & here):
            # Decided by answers on earlier pages: ask only when it applies, without the
            # "answer this if ..." sentence.
            if not condition_holds(spec.when, answers, top):
                continue
            spec = spec.model_copy(update={"when": None})
        if spec.type == "group":
            out.append(_bind_group(spec, answers, raw, problems, lang, top, row_counts or {}))
            continue
        out.append(
            bind_field(
                spec,
                value=answers.get(spec.id),
                raw=raw.get(spec.id),
                problems=problems,
                lang=lang,
                top=top,
                locked=spec.id in locked,
            )
        )
    return out


def _bind_group(
    spec: FieldDef,
    answers: Mapping[str, Any],
    raw: Mapping[str, RawInput],
    problems: Mapping[str, FieldProblem],
    lang: str,
    top: Mapping[str, FieldDef],
    row_counts: Mapping[str, int],
) -> BoundField:
    rows_value = answers.get(spec.id) or []
    count = row_counts.get(spec.id, max(len(rows_value), spec.min_items or 0, 1))
    count = max(1, min(count, spec.max_items or 1))
    item = spec.item.get(lang) if spec.item else spec.label.get(lang)
    problem = problems.get(spec.id)
    bf = BoundField(
        spec=spec,
        widget="group",
        html_name=spec.id,
        id=f"f-{spec.id}",
        label=spec.label.get(lang),
        hint=spec.hint.get(lang) if spec.hint else "",
        required=spec.required,
        error=problem.message if problem else "",
        condition=condition_text(spec.when, top, lang),
        item=item,
        row_count=count,
        can_add=count < (spec.max_items or 1),
    )
    for i in range(count):
        row_value = rows_value[i] if i < len(rows_value) else {}
        fields = [
            bind_field(
                sub,
                value=row_value.get(sub.id),
                raw=raw.get(html_name(sub.id, group=spec.id, row=i)),
                problems=problems,
                lang=lang,
                top=top,
                group=spec,
                row=i,
            )
            for sub in spec.fields or []
        ]
        heading = f"{item[:1].upper()}{item[1:]} {i + 1}"
        bf.rows.append(BoundRow(index=i, heading=heading, fields=fields))
    return bf


def error_list(fields: list[BoundField]) -> list[tuple[str, str]]:
    """(input id, message) for the error summary at the top of the step, in page order."""
    out = []
    for bf in fields:
        if bf.error:
            out.append((bf.first_input_id if bf.widget != "group" else bf.id, bf.error))
        for row in bf.rows:
            for sub in row.fields:
                if sub.error:
                    out.append(
                        (
                            sub.first_input_id,
                            _("%(heading)s：%(error)s")
                            % {"heading": row.heading, "error": sub.error},
                        )
                    )
    return out
