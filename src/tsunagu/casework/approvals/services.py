"""Writes of 電子決裁: drafting a decision, starting its route, approving, returning
(差戻し), rejecting, 代決, 合議, reopening a decided case, designating deputies.

Each action locks the case first (``select_for_update``), checks who may act and whether
the action is possible, records the action and changes the case's status through
``casework.services`` (which writes the status history and mirrors it to the resident),
and records an audit event last, all in one transaction (locks: case, application, audit
head). An impossible action raises ``ApprovalRefused`` with a reason in Japanese, shown to
staff as is.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from tsunagu.accounts.staff_models import StaffProfile, StaffRole
from tsunagu.audit.services import audit_record
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
from tsunagu.casework.approvals.selectors import (
    Standing,
    route_current_steps,
    step_standing,
    steps_waiting_label,
)
from tsunagu.casework.decisions import DAMAGE_LEVELS
from tsunagu.casework.models import Case, CaseStatus
from tsunagu.casework.services import (
    DECIDED_STATUSES,
    CaseTransitionRefused,
    case_decide,
    case_reopen,
    case_return_to_review,
    case_submit_for_approval,
    case_sync_withdrawal,
)
from tsunagu.procedures.schema import ApprovalStep
from tsunagu.procedures.selectors import department_get, procedure_version_get

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# Procedures whose decision states a damage level (罹災証明書, 内閣府 被害認定基準).
DAMAGE_LEVEL_PROCEDURES: frozenset[str] = frozenset({"risai-shomeisho"})
# Who may draft a decision (in the case's department).
DRAFTER_ROLES: tuple[str, ...] = (
    StaffRole.CLERK,
    StaffRole.CHIEF,
    StaffRole.SECTION_HEAD,
    StaffRole.DIRECTOR,
)
# Who may reopen a decided case: 課長 or above, in the case's department.
REOPEN_ROLES: tuple[str, ...] = (StaffRole.SECTION_HEAD, StaffRole.DIRECTOR)
# The roles whose steps a deputy may take (代決).
DEPUTY_ROLES: tuple[str, ...] = (StaffRole.CHIEF, StaffRole.SECTION_HEAD, StaffRole.DIRECTOR)
# Who may designate deputies: a 課長 for their department, a 管理者 for any.
DEPUTY_MANAGER_ROLES: tuple[str, ...] = (StaffRole.SECTION_HEAD, StaffRole.ADMIN)
# The route of a procedure whose definition names none: drafted, then the 係長 decides.
DEFAULT_ROUTE: tuple[ApprovalStep, ...] = (ApprovalStep(role="clerk"), ApprovalStep(role="chief"))
# The status a case must have to be drafted or sent on its route.
DRAFTABLE: tuple[str, ...] = (CaseStatus.IN_REVIEW, CaseStatus.CORRECTED)
MAX_AMOUNTS = 10
MAX_YEN = 10**10

DECIDED_REFUSAL = (
    "決定済みの案件は変更できません。変更が必要な場合は、課長以上の職員が決定を取り消して"
    "再審査に戻してください。"
)


class ApprovalRefused(Exception):
    """An action that is not possible now or not for this member of staff."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class DraftInvalid(Exception):
    """A draft with wrong entries: ``errors`` maps a form field to its message."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = dict(errors)


def _lock(case: Case) -> Case:
    return Case.objects.select_for_update().get(pk=case.pk)


def _own_department(case: Case, staff: StaffProfile) -> None:
    if staff.department != case.department:
        raise ApprovalRefused("この案件を担当する課の職員ではありません。")


def _draftable(locked: Case) -> None:
    if locked.status in DECIDED_STATUSES:
        raise ApprovalRefused(DECIDED_REFUSAL)
    if locked.status == CaseStatus.APPROVING:
        raise ApprovalRefused("決裁中の案件です。差し戻されるまで起案は変更できません。")
    if locked.status not in DRAFTABLE:
        label = CaseStatus(locked.status).label
        raise ApprovalRefused(
            f"「{label}」の案件は起案できません。審査中の案件だけが起案できます。"
        )


def _clean_amounts(raw: Mapping[str, object] | None, errors: dict[str, str]) -> dict[str, int]:
    amounts: dict[str, int] = {}
    for label, value in (raw or {}).items():
        name = str(label).strip()
        if not name or len(name) > 100:
            errors["amounts"] = "金額の名称は1文字以上100文字以内で入力してください。"
            continue
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < MAX_YEN:
            errors["amounts"] = "金額は0円以上の整数で入力してください。"
            continue
        amounts[name] = value
    if len(amounts) > MAX_AMOUNTS:
        errors["amounts"] = f"金額は{MAX_AMOUNTS}件までです。"
    return amounts


def decision_draft(
    *,
    case: Case,
    staff: StaffProfile,
    outcome: str,
    reason: str = "",
    amounts: Mapping[str, object] | None = None,
    damage_level: str = "",
) -> DecisionDraft:
    """Save a new revision of the case's decision draft (起案).

    A rejection needs its reason (行政手続法 第8条); an approval of a 罹災証明書 needs the
    damage level. Amounts and the damage level belong to an approval only and are dropped
    from a rejection. Raises ``DraftInvalid`` for wrong entries, ``ApprovalRefused`` when
    the case cannot be drafted now or not by ``staff``.
    """
    _own_department(case, staff)
    if staff.role not in DRAFTER_ROLES:
        raise ApprovalRefused("この役割の職員は起案できません。")
    errors: dict[str, str] = {}
    if outcome not in Outcome.values:
        errors["outcome"] = "承認か却下かを選んでください。"
    reason = reason.strip()
    if outcome == Outcome.REJECT and not reason:
        errors["reason"] = "却下する場合は理由を入力してください。"
    clean = _clean_amounts(amounts, errors)
    codes = [code for code, _label in DAMAGE_LEVELS]
    if damage_level and damage_level not in codes:
        errors["damage_level"] = "被害の程度を一覧から選んでください。"
    elif (
        outcome == Outcome.APPROVE
        and case.procedure_code in DAMAGE_LEVEL_PROCEDURES
        and not damage_level
    ):
        errors["damage_level"] = "被害の程度を選んでください。"
    if errors:
        raise DraftInvalid(errors)
    if outcome == Outcome.REJECT or case.procedure_code not in DAMAGE_LEVEL_PROCEDURES:
        damage_level = ""
    if outcome == Outcome.REJECT:
        clean = {}
    case_sync_withdrawal(case=case)
    with transaction.atomic():
        locked = _lock(case)
        _draftable(locked)
        if ApprovalRoute.objects.filter(case=locked, state=RouteState.ACTIVE).exists():
            raise ApprovalRefused("決裁中の案件です。差し戻されるまで起案は変更できません。")
        last = DecisionDraft.objects.filter(case=locked).aggregate(n=Max("revision"))["n"] or 0
        now = timezone.now()
        draft = DecisionDraft.objects.create(
            case=locked,
            revision=last + 1,
            outcome=outcome,
            reason=reason,
            amounts=clean,
            damage_level=damage_level,
            drafted_by=staff.user,
            drafted_at=now,
        )
        ApprovalAction.objects.create(
            case=locked,
            draft=draft,
            kind=ActionKind.DRAFT,
            actor=staff.user,
            actor_role=staff.role,
            at=now,
        )
        audit_record(
            action="approval.draft",
            actor=staff.user,
            role=staff.role,
            obj_type="case",
            obj_id=locked.pk,
            summary={"revision": draft.revision, "outcome": outcome},
        )
    return draft


def _route_steps(case: Case) -> list[ApprovalStep]:
    proc = procedure_version_get(code=case.procedure_code, version=case.procedure_version)
    route = list(proc.approval_route)
    # A route needs someone besides the drafter: without one, use the default.
    if not [s for i, s in enumerate(route) if i > 0 or s.role != "clerk"]:
        route = list(DEFAULT_ROUTE)
    return route


def _department_name(code: str) -> str:
    dep = department_get(code=code)
    return dep.names.ja if dep is not None else code


def approval_start(*, case: Case, staff: StaffProfile) -> ApprovalRoute:
    """Send the newest draft on its route (the case becomes 決裁中).

    The steps are snapshotted from the procedure version the case is pinned to. A first
    担当者 step is the drafting itself (起案), done by the drafter; a step with ``consult``
    adds one consultation per listed department, in parallel with the step's own approver.
    Only the drafter sends their draft, and a returned draft is redrafted first.
    """
    _own_department(case, staff)
    case_sync_withdrawal(case=case)
    with transaction.atomic():
        locked = _lock(case)
        _draftable(locked)
        draft = (
            DecisionDraft.objects.filter(case=locked).select_for_update().order_by("-revision")
        ).first()
        if draft is None:
            raise ApprovalRefused("決裁に回す起案がありません。先に起案してください。")
        if draft.drafted_by_id != staff.user_id:
            raise ApprovalRefused("起案した職員だけが決裁に回せます。")
        if ApprovalRoute.objects.filter(case=locked, state=RouteState.ACTIVE).exists():
            raise ApprovalRefused("この案件はすでに決裁中です。")
        if draft.routes.exists():
            raise ApprovalRefused(
                "この起案はすでに決裁に回されています。内容を見直して起案し直してください。"
            )
        now = timezone.now()
        route = ApprovalRoute.objects.create(
            case=locked,
            draft=draft,
            procedure_code=locked.procedure_code,
            procedure_version=locked.procedure_version,
            started_by=staff.user,
            started_at=now,
        )
        steps: list[RouteStep] = []
        for order, step in enumerate(_route_steps(locked)):
            label = step.label.ja if step.label is not None else ""
            if order == 0 and step.role == "clerk":
                steps.append(
                    RouteStep(
                        route=route,
                        order=order,
                        kind=StepKind.DRAFT,
                        department=locked.department,
                        role=step.role,
                        label=label,
                        state=StepState.DONE,
                        acted_by=staff.user,
                        acted_role=staff.role,
                        acted_at=now,
                    )
                )
                continue
            steps.append(
                RouteStep(
                    route=route,
                    order=order,
                    kind=StepKind.APPROVAL,
                    department=locked.department,
                    role=step.role,
                    label=label,
                )
            )
            for code in step.consult or []:
                steps.append(
                    RouteStep(
                        route=route,
                        order=order,
                        kind=StepKind.CONSULT,
                        department=code,
                        role=StaffRole.CHIEF,
                        label=f"合議（{_department_name(code)}）",
                    )
                )
        RouteStep.objects.bulk_create(steps)
        ApprovalAction.objects.create(
            case=locked,
            route=route,
            draft=draft,
            kind=ActionKind.START,
            actor=staff.user,
            actor_role=staff.role,
            at=now,
        )
        case_submit_for_approval(case=locked, actor=staff.user)
        audit_record(
            action="approval.start",
            actor=staff.user,
            role=staff.role,
            obj_type="case",
            obj_id=locked.pk,
            summary={
                "route": route.pk,
                "revision": draft.revision,
                "steps": len(steps),
                "procedure": f"{locked.procedure_code} v{locked.procedure_version}",
            },
        )
    return route


# What each action on a step needs: the kind of step, and whether the actor acts in their
# own right (True), as a deputy (False) or either (None).
_ACTS: dict[str, tuple[str, bool | None]] = {
    ActionKind.APPROVE: (StepKind.APPROVAL, True),
    ActionKind.DEPUTY_APPROVE: (StepKind.APPROVAL, False),
    ActionKind.RETURN: (StepKind.APPROVAL, None),
    ActionKind.REJECT: (StepKind.APPROVAL, None),
    ActionKind.CONSULT_AGREE: (StepKind.CONSULT, True),
    ActionKind.CONSULT_DISAGREE: (StepKind.CONSULT, True),
}
_STEP_STATE: dict[str, str] = {
    ActionKind.APPROVE: StepState.APPROVED,
    ActionKind.DEPUTY_APPROVE: StepState.APPROVED,
    ActionKind.RETURN: StepState.RETURNED,
    ActionKind.REJECT: StepState.REJECTED,
    ActionKind.CONSULT_AGREE: StepState.AGREED,
    ActionKind.CONSULT_DISAGREE: StepState.DISAGREED,
}


def _choose_step(
    route: ApprovalRoute, staff: StaffProfile, action: str
) -> tuple[RouteStep, Standing]:
    kind, own = _ACTS[action]
    current = route_current_steps(route=route)
    refusal = (
        f"この段階の決裁はできません。現在は{steps_waiting_label(current)}の決裁を待っています。"
    )
    for step in current:
        if step.kind != kind:
            continue
        standing = step_standing(step=step, staff=staff)
        if standing is None:
            continue
        if own is True and standing.deputy:
            refusal = "この段階は代決として処理してください。"
            continue
        if own is False and not standing.deputy:
            refusal = "ご自身の段階です。代決ではなく承認してください。"
            continue
        return step, standing
    raise ApprovalRefused(refusal)


def _close_rest(route: ApprovalRoute) -> None:
    route.steps.filter(state=StepState.PENDING).update(state=StepState.CLOSED)


def _act(*, case: Case, staff: StaffProfile, action: str, comment: str) -> RouteStep:
    comment = comment.strip()
    if action in (ActionKind.RETURN, ActionKind.CONSULT_DISAGREE) and not comment:
        raise ApprovalRefused(
            "差し戻す理由を入力してください。"
            if action == ActionKind.RETURN
            else "同意しない理由を入力してください。"
        )
    if action == ActionKind.REJECT and not comment:
        raise ApprovalRefused("却下する理由を入力してください。")
    case_sync_withdrawal(case=case)
    with transaction.atomic():
        locked = _lock(case)
        if locked.status in DECIDED_STATUSES:
            raise ApprovalRefused(DECIDED_REFUSAL)
        route = (
            ApprovalRoute.objects.select_for_update()
            .filter(case=locked, state=RouteState.ACTIVE)
            .select_related("draft")
            .first()
        )
        if route is None or locked.status != CaseStatus.APPROVING:
            raise ApprovalRefused("この案件は決裁中ではありません。")
        if route.draft.drafted_by_id == staff.user_id:
            raise ApprovalRefused("ご自身が起案した案件は決裁できません。")
        if route.steps.filter(acted_by=staff.user).exists():
            raise ApprovalRefused(
                "この決裁ではすでに一度処理しています。同じ職員は二度決裁できません。"
            )
        step, standing = _choose_step(route, staff, action)
        now = timezone.now()
        step.state = _STEP_STATE[action]
        step.acted_by = staff.user
        step.acted_role = staff.role
        step.acted_at = now
        step.comment = comment
        step.deputy_for = standing.deputy_for
        step.deputy_for_label = standing.deputy_for_label
        step.save()
        ApprovalAction.objects.create(
            case=locked,
            route=route,
            step=step,
            draft=route.draft,
            kind=action,
            actor=staff.user,
            actor_role=staff.role,
            at=now,
            comment=comment,
            deputy_for=standing.deputy_for,
            deputy_for_label=standing.deputy_for_label,
        )
        try:
            if action in (ActionKind.RETURN, ActionKind.CONSULT_DISAGREE):
                _close_rest(route)
                route.state = RouteState.RETURNED
                route.finished_at = now
                route.save(update_fields=["state", "finished_at"])
                case_return_to_review(case=locked, actor=staff.user, reason=comment)
            elif action == ActionKind.REJECT:
                _close_rest(route)
                route.state = RouteState.REJECTED
                route.finished_at = now
                route.save(update_fields=["state", "finished_at"])
                case_decide(case=locked, actor=staff.user, approve=False, reason=comment)
            elif not route.steps.filter(state=StepState.PENDING).exists():
                route.state = RouteState.APPROVED
                route.finished_at = now
                route.save(update_fields=["state", "finished_at"])
                case_decide(
                    case=locked,
                    actor=staff.user,
                    approve=route.draft.outcome == Outcome.APPROVE,
                    reason=route.draft.reason,
                )
        except CaseTransitionRefused as exc:
            raise ApprovalRefused(exc.reason) from exc
        audit_record(
            action=f"approval.{action}",
            actor=staff.user,
            role=staff.role,
            obj_type="case",
            obj_id=locked.pk,
            summary={
                "route": route.pk,
                "step": step.pk,
                "order": step.order,
                "route_state": route.state,
                "deputy_for": step.deputy_for_id or step.deputy_for_label or None,
            },
        )
    return step


def approval_approve(*, case: Case, staff: StaffProfile, comment: str = "") -> RouteStep:
    """Approve the current step as its approver; the last step decides the case with the
    draft's outcome (case_decide)."""
    return _act(case=case, staff=staff, action=ActionKind.APPROVE, comment=comment)


def approval_deputy_approve(*, case: Case, staff: StaffProfile, comment: str = "") -> RouteStep:
    """Approve the current step for its absent approver as a designated deputy (代決),
    recorded with whom the deputy stood in for."""
    return _act(case=case, staff=staff, action=ActionKind.DEPUTY_APPROVE, comment=comment)


def approval_return(*, case: Case, staff: StaffProfile, comment: str) -> RouteStep:
    """Return the draft to its drafter (差戻し) with a required comment; the route ends
    and the case goes back to 審査中 to be redrafted."""
    return _act(case=case, staff=staff, action=ActionKind.RETURN, comment=comment)


def approval_reject(*, case: Case, staff: StaffProfile, comment: str) -> RouteStep:
    """Reject the application at the current step: the route ends and the case is decided
    却下 with ``comment`` as its reason."""
    return _act(case=case, staff=staff, action=ActionKind.REJECT, comment=comment)


def approval_consult_agree(*, case: Case, staff: StaffProfile, comment: str = "") -> RouteStep:
    """Agree to a consultation (合議) addressed to the staff's department."""
    return _act(case=case, staff=staff, action=ActionKind.CONSULT_AGREE, comment=comment)


def approval_consult_disagree(*, case: Case, staff: StaffProfile, comment: str) -> RouteStep:
    """Disagree with a consultation (合議), with a required comment: like a return, the
    route ends and the case goes back to 審査中."""
    return _act(case=case, staff=staff, action=ActionKind.CONSULT_DISAGREE, comment=comment)


def decision_reopen(*, case: Case, staff: StaffProfile, reason: str) -> ApprovalAction:
    """Reopen a decided case (課長 or above of its department, reason required): the case
    goes back to 審査中, the earlier decision and its route stay in the history."""
    _own_department(case, staff)
    if staff.role not in REOPEN_ROLES:
        raise ApprovalRefused("決定を取り消して再審査に戻せるのは、課長以上の職員です。")
    reason = reason.strip()
    if not reason:
        raise ApprovalRefused("決定を取り消して再審査に戻す理由を入力してください。")
    with transaction.atomic():
        locked = _lock(case)
        if locked.status not in DECIDED_STATUSES:
            raise ApprovalRefused("決定前の案件です。再審査に戻す必要はありません。")
        route = ApprovalRoute.objects.filter(case=locked).order_by("-started_at", "-pk").first()
        now = timezone.now()
        action = ApprovalAction.objects.create(
            case=locked,
            route=route,
            draft=route.draft if route is not None else None,
            kind=ActionKind.REOPEN,
            actor=staff.user,
            actor_role=staff.role,
            at=now,
            comment=reason,
        )
        before = locked.status
        try:
            case_reopen(case=locked, actor=staff.user, reason=reason)
        except CaseTransitionRefused as exc:
            raise ApprovalRefused(exc.reason) from exc
        audit_record(
            action="approval.reopen",
            actor=staff.user,
            role=staff.role,
            obj_type="case",
            obj_id=locked.pk,
            summary={
                "status": [before, CaseStatus.IN_REVIEW],
                "route": route.pk if route else None,
            },
        )
    return action


def _may_manage_deputies(staff: StaffProfile, department: str) -> None:
    if staff.role == StaffRole.ADMIN:
        return
    if staff.role != StaffRole.SECTION_HEAD or staff.department != department:
        raise ApprovalRefused("代決者を指定できるのは、その課の課長または管理者です。")


def deputy_assign(
    *,
    staff: StaffProfile,
    department: str,
    deputy: User,
    role: str = "",
    principal: User | None = None,
) -> DeputyAssignment:
    """Designate ``deputy`` to take the steps of ``role`` in ``department``, or (with
    ``principal``) the steps of that person (代決). The deputy must be staff of the
    department."""
    _may_manage_deputies(staff, department)
    if bool(role) == (principal is not None):
        raise ApprovalRefused("代決の対象として、役割か職員のどちらか一つを指定してください。")
    deputy_profile = StaffProfile.objects.filter(user=deputy).first()
    if (
        deputy_profile is None
        or deputy_profile.department != department
        or deputy_profile.role not in DRAFTER_ROLES
    ):
        raise ApprovalRefused("代決者には、その課で案件を扱う職員を指定してください。")
    if role and role not in DEPUTY_ROLES:
        raise ApprovalRefused("代決の対象にできる役割は、係長・課長・部長です。")
    if principal is not None:
        principal_profile = StaffProfile.objects.filter(user=principal).first()
        if principal_profile is None or principal_profile.department != department:
            raise ApprovalRefused("代決される職員には、その課の職員を指定してください。")
        if principal_profile.role not in DEPUTY_ROLES:
            raise ApprovalRefused("代決される職員には、係長・課長・部長を指定してください。")
        if principal == deputy:
            raise ApprovalRefused("本人を自分の代決者にはできません。")
    elif deputy_profile.role == role:
        raise ApprovalRefused("同じ役割の職員は、代決者に指定しなくても決裁できます。")
    with transaction.atomic():
        assignment = DeputyAssignment.objects.create(
            department=department,
            role=role,
            principal=principal,
            deputy=deputy,
            created_by=staff.user,
            created_at=timezone.now(),
        )
        audit_record(
            action="approval.deputy_assign",
            actor=staff.user,
            role=staff.role,
            obj_type="deputy_assignment",
            obj_id=assignment.pk,
            summary={
                "department": department,
                "role": role or None,
                "principal": principal.pk if principal is not None else None,
                "deputy": deputy.pk,
            },
        )
    return assignment


def deputy_revoke(*, staff: StaffProfile, assignment: DeputyAssignment) -> DeputyAssignment:
    """End a deputy designation (kept on record with who ended it and when)."""
    _may_manage_deputies(staff, assignment.department)
    with transaction.atomic():
        locked = DeputyAssignment.objects.select_for_update().get(pk=assignment.pk)
        if locked.revoked_at is not None:
            raise ApprovalRefused("この代決者の指定はすでに取り消されています。")
        locked.revoked_at = timezone.now()
        locked.revoked_by = staff.user
        locked.save(update_fields=["revoked_at", "revoked_by"])
        audit_record(
            action="approval.deputy_revoke",
            actor=staff.user,
            role=staff.role,
            obj_type="deputy_assignment",
            obj_id=locked.pk,
            summary={"department": locked.department},
        )
    return locked
