"""The approval section of the staff case page (and of this part's own case page)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _

from tsunagu.accounts.staff_models import StaffProfile
from tsunagu.casework.approvals.models import (
    ActionKind,
    ApprovalAction,
    Outcome,
    StepKind,
    StepState,
)
from tsunagu.casework.approvals.selectors import (
    ApprovalState,
    approval_state,
    consulted_now,
    deputy_assignments_active,
    role_label,
    staff_name,
    step_standing,
    steps_waiting_label,
)
from tsunagu.casework.approvals.services import (
    DAMAGE_LEVEL_PROCEDURES,
    DRAFTABLE,
    DRAFTER_ROLES,
    REOPEN_ROLES,
)
from tsunagu.casework.decisions import DAMAGE_LEVELS
from tsunagu.casework.models import Case, CaseStatus
from tsunagu.casework.services import DECIDED_STATUSES
from tsunagu.procedures.selectors import department_get

# Rows of (label, yen) offered in the draft form.
AMOUNT_ROWS = 3


def available_actions(*, state: ApprovalState, staff: StaffProfile) -> list[str]:
    """The actions ``staff`` may take now on the case's route (the buttons to show)."""
    active = state.active
    if active is None or state.case.status != CaseStatus.APPROVING:
        return []
    route = active.route
    if route.draft.drafted_by_id == staff.user_id:
        return []
    if any(s.acted_by_id == staff.user_id for s in active.steps):
        return []
    assignments = list(deputy_assignments_active(user=staff.user))
    actions: list[str] = []
    for step in active.current:
        standing = step_standing(step=step, staff=staff, assignments=assignments, name_absent=False)
        if standing is None:
            continue
        if step.kind == StepKind.CONSULT:
            wanted = [ActionKind.CONSULT_AGREE, ActionKind.CONSULT_DISAGREE]
        elif standing.deputy:
            wanted = [ActionKind.DEPUTY_APPROVE, ActionKind.RETURN, ActionKind.REJECT]
        else:
            wanted = [ActionKind.APPROVE, ActionKind.RETURN, ActionKind.REJECT]
        actions.extend(a for a in wanted if a not in actions)
    return actions


def _step_rows(steps: list[Any], current: list[Any]) -> list[dict[str, Any]]:
    rows = []
    for s in steps:
        rows.append(
            {
                "step": s,
                "kind_label": StepKind(s.kind).label,
                "role_label": role_label(s.role)
                if s.kind != StepKind.CONSULT
                else (role_label(s.acted_role) if s.acted_role else _("係長・課長")),
                "state_label": StepState(s.state).label,
                "current": s in current,
                "actor": staff_name(s.acted_by),
                "deputy_for": staff_name(s.deputy_for) or s.deputy_for_label,
                "department_name": _department_name(s.department),
            }
        )
    return rows


def _department_name(code: str) -> str:
    dep = department_get(code=code)
    return dep.names.ja if dep is not None else code


def _action_rows(actions: list[ApprovalAction]) -> list[dict[str, Any]]:
    return [
        {
            "action": a,
            "kind_label": ActionKind(a.kind).label,
            "actor": staff_name(a.actor),
            "role_label": role_label(a.actor_role),
            "deputy_for": staff_name(a.deputy_for) or a.deputy_for_label,
        }
        for a in actions
    ]


def panel_context(
    *,
    request: HttpRequest,
    case: Case,
    staff: StaffProfile,
    form: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    act_error: str = "",
    reopen_error: str = "",
    comment: str = "",
    next_url: str = "",
) -> dict[str, Any] | None:
    """The approval panel's context for ``staff``, or None when they may not see it."""
    consulting = consulted_now(case=case, staff=staff)
    if case.department != staff.department and not consulting:
        return None
    state = approval_state(case=case)
    own = case.department == staff.department
    draft = state.draft
    active = state.active
    draftable = own and case.status in DRAFTABLE and active is None
    if form is None:
        form = {
            "outcome": draft.outcome if draft else "",
            "reason": draft.reason if draft else "",
            "damage_level": draft.damage_level if draft else "",
            "amounts": list((draft.amounts if draft else {}).items()),
        }
    amounts = list(form.get("amounts") or [])
    amounts += [("", "")] * max(0, AMOUNT_ROWS - len(amounts))
    return {
        "case": case,
        "state": state,
        "consulting": consulting,
        "draft": draft,
        "draft_outcome_label": Outcome(draft.outcome).label if draft else "",
        "draft_damage_label": dict(DAMAGE_LEVELS).get(draft.damage_level, "") if draft else "",
        "draft_amounts": [(label, f"{yen:,}") for label, yen in draft.amounts.items()]
        if draft
        else [],
        "active": active,
        "routes": [
            {"view": r, "rows": _step_rows(r.steps, r.current)} for r in reversed(state.routes)
        ],
        "history": _action_rows(state.actions),
        "can_draft": draftable and staff.role in DRAFTER_ROLES,
        "can_start": draftable
        and draft is not None
        and draft.drafted_by_id == staff.user_id
        and not draft.routes.exists(),
        "actions": available_actions(state=state, staff=staff),
        "waiting_for": steps_waiting_label(active.current)
        if active is not None and case.status == CaseStatus.APPROVING
        else "",
        "awaits_review": own and case.status in (CaseStatus.RECEIVED, CaseStatus.CORRECTION),
        "can_reopen": own and case.status in DECIDED_STATUSES and staff.role in REOPEN_ROLES,
        "needs_damage_level": case.procedure_code in DAMAGE_LEVEL_PROCEDURES,
        "damage_levels": DAMAGE_LEVELS,
        "outcomes": Outcome.choices,
        "form": form,
        "amount_rows": amounts,
        "errors": errors or {},
        "act_error": act_error,
        "reopen_error": reopen_error,
        "comment": comment,
        "next": next_url or request.get_full_path(),
    }


def approval_panel(request: HttpRequest, case: Case, staff: StaffProfile) -> dict[str, Any] | None:
    """The case-page panel (``casework.panels``)."""
    return panel_context(request=request, case=case, staff=staff)
