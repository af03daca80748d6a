"""What the page's script receives to show and hide conditional questions."""

from __future__ import annotations

import json

import pytest

from tsunagu.applications.binding import _when_json
from tsunagu.procedures.schema import Condition

SIBLINGS = frozenset({"living", "university_age"})


@pytest.mark.parametrize(
    ("cond", "expected"),
    [
        (
            {"field": "living", "equals": "bekkyo"},
            {"field": "children-1-living", "equals": "bekkyo"},
        ),
        ({"field": "has_spouse", "equals": True}, {"field": "has_spouse", "equals": True}),
        (
            {
                "any": [
                    {"field": "living", "equals": "bekkyo"},
                    {"field": "university_age", "equals": True},
                ]
            },
            {
                "any": [
                    {"field": "children-1-living", "equals": "bekkyo"},
                    {"field": "children-1-university_age", "equals": True},
                ]
            },
        ),
        (
            {"not": {"field": "living", "filled": True}},
            {"not": {"field": "children-1-living", "filled": True}},
        ),
    ],
)
def test_conditions_become_script_rules(
    cond: dict[str, object], expected: dict[str, object]
) -> None:
    assert (
        json.loads(_when_json(Condition.model_validate(cond), "children-1-", SIBLINGS)) == expected
    )


def test_a_condition_over_all_rows_is_left_to_the_server() -> None:
    cond = Condition.model_validate(
        {"all": [{"field": "children.living", "equals": "bekkyo"}, {"field": "x", "equals": 1}]}
    )
    assert _when_json(cond, "", frozenset()) == ""
