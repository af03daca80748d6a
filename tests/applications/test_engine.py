"""The form engine: conditions, pruning, step parsing and whole-answer validation."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from django.http import QueryDict
from pydantic import ValidationError

from tests.applications.conftest import FIXTURES
from tsunagu.applications import engine
from tsunagu.procedures.schema import Condition, Procedure

VALID_MY_NUMBER = "123456789018"


def qd(data: dict[str, Any]) -> QueryDict:
    q = QueryDict(mutable=True)
    for k, v in data.items():
        if isinstance(v, list):
            q.setlist(k, v)
        else:
            q[k] = v
    return q


@pytest.mark.parametrize(
    ("cond", "answers", "expected"),
    [
        ({"field": "has_spouse", "equals": True}, {"has_spouse": True}, True),
        ({"field": "has_spouse", "equals": True}, {"has_spouse": False}, False),
        ({"field": "has_spouse", "equals": True}, {}, False),
        ({"field": "pension", "in": ["kousei", "other"]}, {"pension": "other"}, True),
        ({"field": "pension", "in": ["kousei", "other"]}, {"pension": "kokumin"}, False),
        ({"field": "pension", "not_equals": "other"}, {}, True),
        ({"field": "pension", "filled": True}, {"pension": "kokumin"}, True),
        ({"field": "pension", "filled": False}, {}, True),
        ({"not": {"field": "has_spouse", "equals": True}}, {"has_spouse": True}, False),
        (
            {
                "all": [
                    {"field": "has_spouse", "equals": True},
                    {"field": "pension", "equals": "other"},
                ]
            },
            {"has_spouse": True, "pension": "other"},
            True,
        ),
        (
            {
                "any": [
                    {"field": "has_spouse", "equals": True},
                    {"field": "pension", "equals": "other"},
                ]
            },
            {"has_spouse": False, "pension": "kokumin"},
            False,
        ),
    ],
)
def test_condition_holds(
    proc: Any, cond: dict[str, Any], answers: dict[str, Any], expected: bool
) -> None:
    assert (
        engine.condition_holds(Condition.model_validate(cond), answers, proc.all_fields())
        is expected
    )


def test_group_condition_reads_sibling_first(proc: Any) -> None:
    group = proc.all_fields()["children"]
    sub = next(f for f in group.fields if f.id == "separate_address")
    top = proc.all_fields()
    assert engine.condition_holds(sub.when, {}, top, row={"living": "bekkyo"}, group=group)
    assert not engine.condition_holds(sub.when, {}, top, row={"living": "doukyo"}, group=group)


def test_prune_drops_hidden_answers(proc: Any) -> None:
    answers = {
        "has_spouse": False,
        "spouse_name": {"sei": "山田", "mei": "次郎"},
        "pension": "kokumin",
        "pension_other": "共済",
        "children": [
            {
                "living": "doukyo",
                "separate_address": {"postal_code": "3128501", "line1": "x", "line2": ""},
            }
        ],
    }
    pruned = engine.prune(proc, answers)
    assert "spouse_name" not in pruned
    assert "pension_other" not in pruned
    assert pruned["children"] == [{"living": "doukyo"}]


def test_step_sequence_includes_attachments_and_check(proc: Any) -> None:
    seq = engine.step_sequence(proc, {})
    assert seq == ["applicant", "spouse", "children", "consent", "attachments", "check"]
    # Attachments come after the steps that decide which documents are needed.


def test_parse_step_reports_required_and_invalid(proc: Any) -> None:
    step = proc.step("applicant")
    result = engine.parse_step(
        proc,
        step,
        qd(
            {
                "name__sei": "常陸",
                "name__mei": "",
                "birth_date": "令和99年1月1日",
                "my_number": "123456789012",
            }
        ),
        {},
    )
    assert not result.ok
    assert "name" in result.errors
    assert "birth_date" in result.errors
    assert "my_number" in result.errors  # wrong check digit
    assert "pension" in result.errors  # required choice missing
    assert "pension_other" not in result.errors  # hidden: "other" not chosen
    assert result.values == {}


def test_parse_step_accepts_and_normalises(proc: Any) -> None:
    step = proc.step("applicant")
    result = engine.parse_step(
        proc,
        step,
        qd(
            {
                "name__sei": "常陸",
                "name__mei": "花子",
                "birth_date": "H3.5.14",
                "my_number": VALID_MY_NUMBER,
                "pension": "other",
                "pension_other": "共済組合",
            }
        ),
        {},
    )
    assert result.ok, result.errors
    assert result.values["name"] == {"sei": "常陸", "mei": "花子"}
    assert result.values["birth_date"] == "1991-05-14"
    assert result.values["my_number"] != VALID_MY_NUMBER  # stored encrypted
    assert result.values["pension_other"] == "共済組合"


def test_secret_is_kept_when_left_blank(proc: Any) -> None:
    step = proc.step("applicant")
    first = engine.parse_step(proc, step, qd({"my_number": VALID_MY_NUMBER}), {}, lenient=True)
    stored = first.values["my_number"]
    again = engine.parse_step(
        proc, step, qd({"my_number": ""}), {"my_number": stored}, lenient=True
    )
    assert again.values["my_number"] == stored


def test_locked_fields_ignore_input(proc: Any) -> None:
    step = proc.step("applicant")
    locked = {"name": {"sei": "常陸", "mei": "花子"}}
    result = engine.parse_step(
        proc, step, qd({"name__sei": "偽", "name__mei": "名"}), {}, locked=locked, lenient=True
    )
    assert result.values["name"] == {"sei": "常陸", "mei": "花子"}


def test_group_rows_and_sibling_conditions(proc: Any) -> None:
    step = proc.step("children")
    data = qd(
        {
            "children-rows": "3",
            "children-0-child_name__sei": "常陸",
            "children-0-child_name__mei": "一花",
            "children-0-child_birth": "2020-04-01",
            "children-0-living": "doukyo",
            "children-0-separate_address__line1": "ignored because doukyo",
            "children-1-child_name__sei": "常陸",
            "children-1-child_name__mei": "二郎",
            "children-1-child_birth": "2022-06-01",
            "children-1-living": "bekkyo",
            # row 2 left empty: dropped, not an error
        }
    )
    result = engine.parse_step(proc, step, data, {})
    assert "children-1-separate_address" in result.errors  # 別居 needs the address
    assert "children-0-separate_address" not in result.errors
    assert len(result.values["children"]) == 2
    assert "separate_address" not in result.values["children"][0]


def test_group_row_count_is_bounded(proc: Any) -> None:
    group = proc.all_fields()["children"]
    assert engine.group_row_count(group, {"children-rows": "100000"}, 1) == 5
    assert engine.group_row_count(group, {"children-rows": "-3"}, 1) == 0
    assert engine.group_row_count(group, {"children-rows": "abc"}, 2) == 2


def test_validate_answers_finds_missing_and_forged(proc: Any) -> None:
    problems = engine.validate_answers(proc, {"unknown_field": "x", "pension": "not-an-option"})
    fields = {p.field for p in problems}
    assert "unknown_field" in fields
    assert "pension" in fields
    assert "name" in fields
    assert "children" in fields


def test_any_row_condition_for_attachments(proc: Any) -> None:
    apart = {"children": [{"living": "doukyo"}, {"living": "bekkyo"}]}
    together = {"children": [{"living": "doukyo"}, {"living": "doukyo"}]}
    assert "bekkyo_form" in [a.id for a in engine.visible_attachments(proc, apart)]
    assert "bekkyo_form" not in [a.id for a in engine.visible_attachments(proc, together)]
    assert "bekkyo_form" not in [a.id for a in engine.visible_attachments(proc, {})]
    text = engine.condition_text(proc.attachments[1].when, proc.all_fields(), "ja")
    assert text == "いずれかの「児童」で「同居・別居」が「別居」の場合に必要です。"


def test_any_row_condition_must_name_a_group_field() -> None:
    data = yaml.safe_load((FIXTURES / "test-teate.yaml").read_text(encoding="utf-8"))
    data["attachments"][1]["when"] = {"field": "children.nothing", "equals": "x"}
    with pytest.raises(ValidationError, match=r"children\.nothing"):
        Procedure.model_validate(data)
    data["attachments"][1]["when"] = {"field": "pension.value", "equals": "x"}
    with pytest.raises(ValidationError, match="group"):
        Procedure.model_validate(data)
