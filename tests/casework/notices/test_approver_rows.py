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
