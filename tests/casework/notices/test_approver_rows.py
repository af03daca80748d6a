"""The approvers' lines of a notice name a consulted department (合議)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from tsunagu.casework.decisions import Approver, DecisionSummary
from tsunagu.casework.notices.content import _approver_rows


@pytest.mark.parametrize(
    ("department", "expected_role"),
    [("", "係長"), ("kikikanri", "生活安全課 係長")],
)
def test_a_consulted_department_is_named(department: str, expected_role: str) -> None:
    now = timezone.now()
    summary = DecisionSummary(
        approved=True,
        reason="",
        decided_at=now,
        approvers=(Approver(role="chief", name="伊藤", acted_at=now, department=department),),
    )
    ((role, who, _date),) = _approver_rows(summary)
    assert role == expected_role and who == "伊藤"


def test_the_notice_names_roles_in_japanese_whatever_the_page_language() -> None:
    from django.utils import translation

    now = timezone.now()
    summary = DecisionSummary(
        approved=True,
        reason="",
        decided_at=now,
        approvers=(Approver(role="section_head", name="佐藤", acted_at=now),),
    )
    with translation.override("en"):
        ((role, _who, _date),) = _approver_rows(summary)
    assert role == "課長"
