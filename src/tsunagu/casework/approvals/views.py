"""Staff pages of 電子決裁: the case's approval page and its actions, "waiting for me",
and the designation of deputies (代決)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from tsunagu.accounts.staff_models import StaffProfile, StaffRole
from tsunagu.accounts.staff_views import staff_required
from tsunagu.accounts.views import safe_next
from tsunagu.audit.services import audit_record
from tsunagu.casework.approvals import services
from tsunagu.casework.approvals.models import ActionKind, RouteStep
from tsunagu.casework.approvals.panel import AMOUNT_ROWS, panel_context
from tsunagu.casework.approvals.selectors import (
    approval_case_get,
    approval_waiting_for,
    deputy_get,
    deputy_list,
    role_label,
    staff_name,
)
from tsunagu.casework.models import Case, CaseStatus
from tsunagu.casework.selectors import CASE_ROLES
from tsunagu.procedures.selectors import ProcedureNotFound, department_get, procedure_version_get

# The roles that see cases (管理者 and 監査 do not take part in routes).
STAFF_ROLES = list(CASE_ROLES)

_SUCCESS: dict[str, Any] = {
    ActionKind.APPROVE: gettext_lazy("承認しました。"),
    ActionKind.DEPUTY_APPROVE: gettext_lazy("代決で承認しました。"),
    ActionKind.RETURN: gettext_lazy("起案者に差し戻しました。"),
    ActionKind.REJECT: gettext_lazy("却下しました。"),
    ActionKind.CONSULT_AGREE: gettext_lazy("合議に同意しました。"),
    ActionKind.CONSULT_DISAGREE: gettext_lazy("合議に同意せず、起案者に差し戻しました。"),
}
_ACTIONS: dict[str, Callable[..., RouteStep]] = {
    ActionKind.APPROVE: services.approval_approve,
    ActionKind.DEPUTY_APPROVE: services.approval_deputy_approve,
    ActionKind.RETURN: services.approval_return,
    ActionKind.REJECT: services.approval_reject,
    ActionKind.CONSULT_AGREE: services.approval_consult_agree,
    ActionKind.CONSULT_DISAGREE: services.approval_consult_disagree,
}


def _staff(request: HttpRequest) -> StaffProfile:
    return request.staff  # type: ignore[attr-defined, no-any-return]  # set by staff_required


def _procedure_name(case: Case) -> str:
    try:
        return procedure_version_get(
            code=case.procedure_code, version=case.procedure_version
        ).names.ja
    except ProcedureNotFound:
        return case.procedure_code


def _case_url(case: Case) -> str:
    return reverse("approvals:case", args=[case.pk])


def _render_case(
    request: HttpRequest, case: Case, *, status: int = 200, **panel: Any
) -> HttpResponse:
    staff = _staff(request)
    if request.method == "POST":
        # A form shown again after a POST keeps where the staff member came from.
        panel.setdefault("next_url", safe_next(request, _case_url(case)))
    context = panel_context(request=request, case=case, staff=staff, **panel)
    dep = department_get(code=case.department)
    return render(
        request,
        "approvals/case.html",
        {
            **(context or {}),
            "case": case,
            "panel": context is not None,
            "procedure_name": _procedure_name(case),
            "department_name": dep.names.ja if dep else case.department,
            "status_label": CaseStatus(case.status).label,
            "has_errors": status != 200,
        },
        status=status,
    )


@staff_required(roles=STAFF_ROLES)
@require_http_methods(["GET"])
def case_page(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    """The approval of one case: the draft, the routes, the buttons for whoever may act."""
    staff = _staff(request)
    case = approval_case_get(staff=staff, case_id=case_id)
    audit_record(
        action="approval.view",
        request=request,
        actor=staff.user,
        role=staff.role,
        obj_type="case",
        obj_id=case.pk,
        summary={"consulted": case.department != staff.department},
    )
    return _render_case(request, case)


def _draft_form(request: HttpRequest) -> tuple[dict[str, Any], dict[str, int], dict[str, str]]:
    """The draft form's values as typed, the amounts as parsed, and parse errors."""
    post = request.POST
    rows: list[tuple[str, str]] = []
    amounts: dict[str, int] = {}
    errors: dict[str, str] = {}
    for i in range(AMOUNT_ROWS):
        label = post.get(f"amount_label_{i}", "").strip()
        raw = post.get(f"amount_yen_{i}", "").strip()
        rows.append((label, raw))
        if not label and not raw:
            continue
        digits = raw.replace(",", "").replace("，", "").removesuffix("円")
        digits = digits.translate(str.maketrans("０１２３４５６７８９", "0123456789"))
        if not label:
            errors["amounts"] = _("金額の名称を入力してください。")
        elif not digits.isdigit() or not digits.isascii():
            errors["amounts"] = _("金額は半角または全角の数字で入力してください（例：10000）。")
        else:
            amounts[label] = int(digits)
    form = {
        "outcome": post.get("outcome", ""),
        "reason": post.get("reason", ""),
        "damage_level": post.get("damage_level", ""),
        "amounts": rows,
    }
    return form, amounts, errors


@staff_required(roles=STAFF_ROLES)
@require_POST
def draft(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    """Save the decision draft (a new revision); with ``send``, send it on its route too."""
    staff = _staff(request)
    case = approval_case_get(staff=staff, case_id=case_id)
    form, amounts, errors = _draft_form(request)
    if errors:
        return _render_case(request, case, status=400, form=form, errors=errors)
    try:
        services.decision_draft(
            case=case,
            staff=staff,
            outcome=form["outcome"],
            reason=form["reason"],
            amounts=amounts,
            damage_level=form["damage_level"],
        )
        if request.POST.get("send"):
            services.approval_start(case=case, staff=staff)
    except services.DraftInvalid as exc:
        return _render_case(request, case, status=400, form=form, errors=exc.errors)
    except services.ApprovalRefused as exc:
        return _render_case(request, case, status=400, form=form, errors={"draft": exc.reason})
    if request.POST.get("send"):
        messages.success(request, _("起案を保存し、決裁に回しました。"))
    else:
        messages.success(request, _("起案を保存しました。"))
    return HttpResponseRedirect(safe_next(request, _case_url(case)))


@staff_required(roles=STAFF_ROLES)
@require_POST
def start(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    """Send the saved draft on its route."""
    staff = _staff(request)
    case = approval_case_get(staff=staff, case_id=case_id)
    try:
        services.approval_start(case=case, staff=staff)
    except services.ApprovalRefused as exc:
        return _render_case(request, case, status=400, errors={"draft": exc.reason})
    messages.success(request, _("決裁に回しました。"))
    return HttpResponseRedirect(safe_next(request, _case_url(case)))


@staff_required(roles=STAFF_ROLES)
@require_POST
def act(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    """Approve, return, reject, 代決, or answer a consultation, as the button says."""
    staff = _staff(request)
    case = approval_case_get(staff=staff, case_id=case_id)
    consulted = case.department != staff.department
    action = request.POST.get("action", "")
    comment = request.POST.get("comment", "")
    service = _ACTIONS.get(action)
    if service is None:
        return _render_case(
            request, case, status=400, act_error=_("操作を選んでください。"), comment=comment
        )
    try:
        service(case=case, staff=staff, comment=comment)
    except services.ApprovalRefused as exc:
        return _render_case(request, case, status=400, act_error=exc.reason, comment=comment)
    messages.success(request, _SUCCESS[action])
    if consulted:
        # The consulted department sees the case only while its consultation is open.
        return HttpResponseRedirect(reverse("approvals:inbox"))
    return HttpResponseRedirect(safe_next(request, _case_url(case)))


@staff_required(roles=STAFF_ROLES)
@require_POST
def reopen(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    """Reopen a decided case (課長 or above): back to 審査中, with the reason recorded."""
    staff = _staff(request)
    case = approval_case_get(staff=staff, case_id=case_id)
    try:
        services.decision_reopen(case=case, staff=staff, reason=request.POST.get("reason", ""))
    except services.ApprovalRefused as exc:
        return _render_case(request, case, status=400, reopen_error=exc.reason)
    messages.success(request, _("決定を取り消し、審査中に戻しました。"))
    return HttpResponseRedirect(safe_next(request, _case_url(case)))


@staff_required(roles=STAFF_ROLES)
@require_http_methods(["GET"])
def inbox(request: HttpRequest) -> HttpResponse:
    """The cases waiting for me: my role's current steps in my department, consultations
    addressed to my department, and steps I may take as a deputy."""
    staff = _staff(request)
    rows = []
    for step in approval_waiting_for(staff=staff):
        case = step.route.case
        rows.append(
            {
                "step": step,
                "case": case,
                "procedure_name": _procedure_name(case),
                "drafter": staff_name(step.route.draft.drafted_by),
                "consult": step.department != case.department,
                "step_label": step.label or role_label(step.role),
            }
        )
    return render(request, "approvals/inbox.html", {"rows": rows, "profile": staff})


def _deputy_context(staff: StaffProfile, department: str) -> dict[str, Any]:
    people = StaffProfile.objects.filter(
        department=department, user__is_active=True, role__in=CASE_ROLES
    )
    return {
        "department": department,
        "department_name": (dep.names.ja if (dep := department_get(code=department)) else ""),
        "assignments": [
            {
                "a": a,
                "deputy": staff_name(a.deputy),
                "for": staff_name(a.principal) if a.principal else role_label(a.role),
            }
            for a in deputy_list(department=department)
        ],
        "people": [
            {
                "id": p.user_id,
                "target": f"user:{p.user_id}",
                "name": staff_name(p.user),
                "role": role_label(p.role),
                "principal": p.role in services.DEPUTY_ROLES,
            }
            for p in people.select_related("user").order_by("role", "user__username")
        ],
        "roles": [(r, role_label(r)) for r in services.DEPUTY_ROLES],
        "is_admin": staff.role == StaffRole.ADMIN,
    }


@staff_required(roles=services.DEPUTY_MANAGER_ROLES)
@require_http_methods(["GET", "POST"])
def deputies(request: HttpRequest) -> HttpResponse:
    """Designated deputies (代決) of a department: list, and designate one more."""
    staff = _staff(request)
    department = staff.department
    if staff.role == StaffRole.ADMIN:
        wanted = request.POST.get("department") or request.GET.get("department") or department
        if department_get(code=wanted) is not None:
            department = wanted
    context = _deputy_context(staff, department)
    if request.method == "POST":
        user_model = get_user_model()
        target = request.POST.get("target", "")
        deputy = user_model.objects.filter(pk=_int(request.POST.get("deputy"))).first()
        error = ""
        if deputy is None:
            error = _("代決者を選んでください。")
        elif not target:
            error = _("代決の対象を選んでください。")
        if not error and deputy is not None:
            role, principal = "", None
            if target.startswith("role:"):
                role = target.removeprefix("role:")
            else:
                principal = user_model.objects.filter(pk=_int(target.removeprefix("user:"))).first()
                if principal is None:
                    error = _("代決の対象を選んでください。")
            if not error:
                try:
                    services.deputy_assign(
                        staff=staff,
                        department=department,
                        deputy=deputy,
                        role=role,
                        principal=principal,
                    )
                except services.ApprovalRefused as exc:
                    error = exc.reason
        if error:
            context.update(error=error, posted=request.POST)
            return render(request, "approvals/deputies.html", context, status=400)
        messages.success(request, _("代決者を指定しました。"))
        return HttpResponseRedirect(
            reverse("approvals:deputies") + f"?department={department}"
            if staff.role == StaffRole.ADMIN
            else reverse("approvals:deputies")
        )
    return render(request, "approvals/deputies.html", context)


def _int(value: str | None) -> int:
    """A posted id, or 0 (matches no row) when it is not a number."""
    try:
        return int(value or "")
    except ValueError:
        return 0


@staff_required(roles=services.DEPUTY_MANAGER_ROLES)
@require_POST
def deputy_revoke(request: HttpRequest, assignment_id: int) -> HttpResponse:
    """End one deputy designation."""
    staff = _staff(request)
    assignment = deputy_get(staff=staff, assignment_id=assignment_id)
    try:
        services.deputy_revoke(staff=staff, assignment=assignment)
    except services.ApprovalRefused as exc:
        messages.error(request, exc.reason)
    else:
        messages.success(request, _("代決者の指定を取り消しました。"))
    return HttpResponseRedirect(reverse("approvals:deputies"))
