"""Reads of 電子決裁: who may act on which step, the state of a case's approval, the
"waiting for me" list, designated deputies and ``decision_summary`` (the contract of
``casework.decisions``)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import translation

from tsunagu.accounts.staff_models import StaffProfile, StaffRole
from tsunagu.casework.approvals.models import (
    ActionKind,
    ApprovalAction,
    ApprovalRoute,
    DecisionDraft,
    DeputyAssignment,
    Outcome,
    RouteState,
    RouteStep,
    StepKind,
    StepState,
)
from tsunagu.casework.decisions import Approver, DecisionSummary
from tsunagu.casework.models import Case, CaseStatus, CaseStatusChange
from tsunagu.casework.selectors import CASE_ROLES, case_get_for_staff

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# The roles that may agree to a consultation (合議) for their department.
CONSULT_ROLES: tuple[str, ...] = (StaffRole.CHIEF, StaffRole.SECTION_HEAD)

DECIDED: tuple[str, ...] = (
    CaseStatus.APPROVED,
    CaseStatus.REJECTED,
    CaseStatus.NOTIFIED,
    CaseStatus.COMPLETED,
)


def staff_name(user: User | None) -> str:
    """How a member of staff is named on the route and in notices: the full name if
    recorded, else the user name."""
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def role_label_ja(role: str) -> str:
    """The role's Japanese name whatever the page's language (for stored records)."""
    with translation.override("ja"):
        return role_label(role)


def role_label(role: str) -> str:
    """The Japanese name of a staff role ("chief" → "係長")."""
    try:
        return str(StaffRole(role).label)
    except ValueError:
        return role


@dataclass(frozen=True)
class Standing:
    """How a member of staff may take a step: in their own right, or as a deputy (代決)
    for ``deputy_for`` (a person when known) / ``deputy_for_label``."""

    deputy: bool
    deputy_for: User | None = None
    deputy_for_label: str = ""


def deputy_assignments_active(*, user: User) -> QuerySet[DeputyAssignment]:
    """The deputy designations (代決) that ``user`` holds now."""
    return DeputyAssignment.objects.filter(deputy=user, revoked_at__isnull=True).select_related(
        "principal__staff_profile"
    )


def _role_holder(department: str, role: str) -> User | None:
    """The one active holder of a role in a department, or None when there are several
    (then the deputy stood in for the role, not a person)."""
    profiles = list(
        StaffProfile.objects.filter(
            department=department, role=role, user__is_active=True
        ).select_related("user")[:2]
    )
    return profiles[0].user if len(profiles) == 1 else None


def step_standing(
    *,
    step: RouteStep,
    staff: StaffProfile,
    assignments: list[DeputyAssignment] | None = None,
    name_absent: bool = True,
) -> Standing | None:
    """Whether ``staff`` may take ``step`` (ignoring whose turn it is): its role in the
    step's department, for a consultation its 係長 or 課長, or a designated deputy of that
    role or of a person holding it. None when they may not. ``name_absent=False`` skips
    looking up whom a deputy of a role stands in for (a list only needs the yes or no)."""
    if step.kind == StepKind.DRAFT:
        return None
    if step.department == staff.department:
        if step.kind == StepKind.APPROVAL and staff.role == step.role:
            return Standing(deputy=False)
        if step.kind == StepKind.CONSULT and staff.role in CONSULT_ROLES:
            return Standing(deputy=False)
    if step.kind != StepKind.APPROVAL:
        return None
    if assignments is None:
        assignments = list(deputy_assignments_active(user=staff.user))
    for a in assignments:
        if a.principal_id is not None:
            principal = getattr(a.principal, "staff_profile", None)
            if (
                principal is not None
                and principal.department == step.department
                and principal.role == step.role
            ):
                return Standing(deputy=True, deputy_for=a.principal)
        elif a.department == step.department and a.role == step.role:
            holder = _role_holder(step.department, step.role) if name_absent else None
            return Standing(
                deputy=True,
                deputy_for=holder,
                # Stored with the record and printed on the notice: always in Japanese.
                deputy_for_label="" if holder else role_label_ja(step.role),
            )
    return None


def route_current_steps(*, route: ApprovalRoute) -> list[RouteStep]:
    """The pending steps of the lowest pending order: the ones that may be taken now
    (several when the step is a 合議)."""
    pending = [s for s in route.steps.all() if s.state == StepState.PENDING]
    if not pending:
        return []
    first = min(s.order for s in pending)
    return [s for s in pending if s.order == first]


def steps_waiting_label(steps: list[RouteStep]) -> str:
    """The steps a route waits for, as staff read them: "審査（係長）、合議（生活安全課）"."""
    parts = []
    for s in steps:
        if s.kind == StepKind.CONSULT:
            parts.append(s.label or "合議")
        else:
            parts.append(f"{s.label}（{role_label(s.role)}）" if s.label else role_label(s.role))
    return "、".join(parts)


def route_active(*, case: Case) -> ApprovalRoute | None:
    """The route under way for ``case``, if any."""
    return (
        ApprovalRoute.objects.filter(case=case, state=RouteState.ACTIVE)
        .select_related("draft", "draft__drafted_by")
        .first()
    )


def draft_latest(*, case: Case) -> DecisionDraft | None:
    """The newest revision of the case's decision draft."""
    return (
        DecisionDraft.objects.filter(case=case).select_related("drafted_by").order_by("-revision")
    ).first()


def approval_case_get(*, staff: StaffProfile, case_id: uuid.UUID | str) -> Case:
    """A case for the approval pages: one the staff may see anyway
    (``casework.selectors.case_get_for_staff``), or another department's case while it
    waits for this department's consultation (合議). The same ``Http404`` otherwise,
    whether the case exists or not."""
    try:
        return case_get_for_staff(staff=staff, case_id=case_id)
    except Http404:
        pass
    if staff.role not in CASE_ROLES:
        raise Http404
    try:
        uuid.UUID(str(case_id))
    except ValueError as exc:
        raise Http404 from exc
    route = (
        ApprovalRoute.objects.filter(
            case_id=case_id,
            state=RouteState.ACTIVE,
            steps__kind=StepKind.CONSULT,
            steps__department=staff.department,
        )
        .select_related("case")
        .first()
    )
    if route is None or not _consulting_now(route, staff.department):
        raise Http404
    return route.case


def _consulting_now(route: ApprovalRoute, department: str) -> bool:
    return any(
        s.kind == StepKind.CONSULT and s.department == department
        for s in route_current_steps(route=route)
    )


def consulted_now(*, case: Case, staff: StaffProfile) -> bool:
    """True when ``staff`` sees ``case`` only as a consulted department (合議)."""
    if case.department == staff.department:
        return False
    route = route_active(case=case)
    return route is not None and _consulting_now(route, staff.department)


@dataclass
class RouteView:
    route: ApprovalRoute
    steps: list[RouteStep]
    current: list[RouteStep] = field(default_factory=list)


@dataclass
class ApprovalState:
    """Everything the approval panel shows of one case."""

    case: Case
    draft: DecisionDraft | None
    drafts: list[DecisionDraft]
    routes: list[RouteView]
    active: RouteView | None
    actions: list[ApprovalAction]


def approval_state(*, case: Case) -> ApprovalState:
    """The drafts, routes (newest last) and actions of ``case``."""
    drafts = list(
        DecisionDraft.objects.filter(case=case).select_related("drafted_by").order_by("revision")
    )
    routes: list[RouteView] = []
    active: RouteView | None = None
    for route in (
        ApprovalRoute.objects.filter(case=case)
        .select_related("draft", "draft__drafted_by", "started_by")
        .prefetch_related("steps__acted_by", "steps__deputy_for")
    ):
        steps = list(route.steps.all())
        view = RouteView(route=route, steps=steps)
        if route.state == RouteState.ACTIVE:
            view.current = route_current_steps(route=route)
            active = view
        routes.append(view)
    actions = list(
        ApprovalAction.objects.filter(case=case).select_related("actor", "deputy_for", "step")
    )
    return ApprovalState(
        case=case,
        draft=drafts[-1] if drafts else None,
        drafts=drafts,
        routes=routes,
        active=active,
        actions=actions,
    )


def approval_waiting_for(*, staff: StaffProfile) -> list[RouteStep]:
    """The steps waiting for ``staff`` now, oldest route first: their role's current steps
    in their department, consultations addressed to their department, and steps they may
    take as a designated deputy. Never a route they drafted themselves."""
    assignments = list(deputy_assignments_active(user=staff.user))
    mine = Q(kind=StepKind.APPROVAL, department=staff.department, role=staff.role)
    if staff.role in CONSULT_ROLES:
        mine |= Q(kind=StepKind.CONSULT, department=staff.department)
    for a in assignments:
        if a.principal_id is not None:
            principal = getattr(a.principal, "staff_profile", None)
            if principal is not None:
                mine |= Q(
                    kind=StepKind.APPROVAL,
                    department=principal.department,
                    role=principal.role,
                )
        else:
            mine |= Q(kind=StepKind.APPROVAL, department=a.department, role=a.role)
    current_order = (
        RouteStep.objects.filter(route=OuterRef("route"), state=StepState.PENDING)
        .order_by("order")
        .values("order")[:1]
    )
    steps = (
        RouteStep.objects.filter(
            mine,
            state=StepState.PENDING,
            route__state=RouteState.ACTIVE,
            # A case withdrawn while on its route waits for nobody.
            route__case__status=CaseStatus.APPROVING,
        )
        .exclude(route__draft__drafted_by=staff.user)
        .annotate(current_order=Subquery(current_order))
        .filter(order=F("current_order"))
        .select_related("route", "route__case", "route__draft", "route__draft__drafted_by")
        .order_by("route__started_at", "order", "pk")
    )
    seen: set[int] = set()
    out: list[RouteStep] = []
    for step in steps:
        # One row per route: a deputy may match two steps of the same 合議.
        if step.route_id in seen:
            continue
        standing = step_standing(step=step, staff=staff, assignments=assignments, name_absent=False)
        if standing is None:
            continue
        seen.add(step.route_id)
        out.append(step)
    return out


def deputy_list(*, department: str | None = None) -> QuerySet[DeputyAssignment]:
    """Active deputy designations, of one department or (``None``) of all."""
    qs = DeputyAssignment.objects.filter(revoked_at__isnull=True).select_related(
        "principal", "deputy", "created_by"
    )
    if department is not None:
        qs = qs.filter(department=department)
    return qs


def deputy_get(*, staff: StaffProfile, assignment_id: int | str) -> DeputyAssignment:
    """One active designation that ``staff`` manages (their department's; all for 管理者);
    the same ``Http404`` otherwise."""
    qs = deputy_list(department=None if staff.role == StaffRole.ADMIN else staff.department)
    try:
        return qs.get(pk=assignment_id)
    except (DeputyAssignment.DoesNotExist, ValueError, TypeError, ValidationError) as exc:
        raise Http404 from exc


def decision_summary(*, case: Case) -> DecisionSummary | None:
    """The decision of a decided case (承認, 却下, 通知済 or 完了), else None.

    With an approval route: the outcome of the route's draft, its amounts and damage level
    (only for an approval), the case's decision reason and time, and everyone who took a
    step, in route order, 代決 named. A case decided without a route (``case_decide``
    called directly) gives its outcome and reason with no approvers.

    >>> decision_summary(case=case)  # doctest: +SKIP
    DecisionSummary(approved=True, reason='', decided_at=..., amounts={'児童手当 月額': 10000},
                    damage_level=None, approvers=(Approver(role='clerk', ...), ...))
    """
    # Read the decision fields afresh: the caller's instance may predate the decision.
    row = Case.objects.filter(pk=case.pk).values("status", "decided_at", "decision_reason").first()
    if row is None or row["status"] not in DECIDED or row["decided_at"] is None:
        return None
    decided_at: dt.datetime = row["decided_at"]
    reason: str = row["decision_reason"]
    route = (
        ApprovalRoute.objects.filter(
            case=case, state__in=(RouteState.APPROVED, RouteState.REJECTED)
        )
        .select_related("draft")
        .order_by("-started_at", "-pk")
        .first()
    )
    if route is None or route.finished_at is None or route.finished_at < _reopened_at(case):
        approved = (
            CaseStatusChange.objects.filter(
                case=case, to_status__in=(CaseStatus.APPROVED, CaseStatus.REJECTED)
            )
            .order_by("-at", "-pk")
            .values_list("to_status", flat=True)
            .first()
        ) == CaseStatus.APPROVED
        return DecisionSummary(approved=approved, reason=reason, decided_at=decided_at)
    draft = route.draft
    approved = route.state == RouteState.APPROVED and draft.outcome == Outcome.APPROVE
    approvers = tuple(
        Approver(
            # The step's role (a deputy took that role's step); a consultation names the
            # role of whoever agreed (係長 or 課長).
            role=(step.acted_role or step.role) if step.kind == StepKind.CONSULT else step.role,
            name=staff_name(step.acted_by),
            acted_at=step.acted_at,
            deputy_for=staff_name(step.deputy_for) or step.deputy_for_label,
            department=step.department if step.department != case.department else "",
        )
        for step in route.steps.filter(
            state__in=(StepState.DONE, StepState.APPROVED, StepState.AGREED, StepState.REJECTED),
            acted_at__isnull=False,
        )
        .select_related("acted_by", "deputy_for")
        .order_by("order", "acted_at", "pk")
        if step.acted_at is not None
    )
    return DecisionSummary(
        approved=approved,
        reason=reason,
        decided_at=decided_at,
        amounts=dict(draft.amounts) if approved else {},
        damage_level=(draft.damage_level or None) if approved else None,
        approvers=approvers,
    )


def _reopened_at(case: Case) -> dt.datetime:
    """When the case was last reopened (a route finished before it no longer decides)."""
    last = (
        ApprovalAction.objects.filter(case=case, kind=ActionKind.REOPEN)
        .order_by("-at", "-pk")
        .values_list("at", flat=True)
        .first()
    )
    return last or dt.datetime.min.replace(tzinfo=dt.UTC)
