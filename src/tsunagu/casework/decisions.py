"""What a decided case says: the contract between approvals, notices and exports.

``approvals`` records decisions and their route; ``notices`` renders them into signed
documents; ``exports`` hands them to core systems. They meet only here:
``approvals.selectors.decision_summary(case=...)`` returns a ``DecisionSummary``, which the
others read without knowing how the route ran.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

# 罹災証明書: the damage levels of the 内閣府 被害認定基準, most severe first (code, label).
DAMAGE_LEVELS: tuple[tuple[str, str], ...] = (
    ("zenkai", "全壊"),
    ("daikibo_hankai", "大規模半壊"),
    ("chukibo_hankai", "中規模半壊"),
    ("hankai", "半壊"),
    ("jun_hankai", "準半壊"),
    ("jun_hankai_miman", "準半壊に至らない（一部損壊）"),
)


@dataclass(frozen=True)
class Approver:
    """One completed step of the route, as the notice and the export name it."""

    role: str  # StaffRole value of the step
    name: str  # the person who acted
    acted_at: dt.datetime
    deputy_for: str = ""  # 代決: the name of the absent approver this person stood in for
    # 合議: the consulted department's code; empty for the case's own department.
    department: str = ""


@dataclass(frozen=True)
class DecisionSummary:
    """The final decision of a case (after its approval route completed)."""

    approved: bool
    reason: str
    decided_at: dt.datetime
    # Amounts decided, label → yen (e.g. {"児童手当 月額": 10000}); empty when none.
    amounts: dict[str, int] = field(default_factory=dict)
    # 罹災証明書 only: a code of DAMAGE_LEVELS.
    damage_level: str | None = None
    approvers: tuple[Approver, ...] = ()


def damage_level_label(code: str) -> str:
    """The Japanese label of a damage level code.

    >>> damage_level_label("hankai")
    '半壊'
    """
    return dict(DAMAGE_LEVELS)[code]
