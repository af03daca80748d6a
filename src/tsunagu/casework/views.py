"""Staff pages of the back office: the inbox and the case page (under /staff/).

Views are thin: the access helper ``case_get_for_staff`` fetches the case (the same 404
for a missing case and another department's), a selector reads, a service writes and
records the audit event. Every page works without JavaScript; actions are POST forms
followed by a redirect back to the case page (or the page again with the error next to
the field).
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

import structlog
from django.contrib import messages
from django.contrib.auth.models import User
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from tsunagu.accounts.staff_models import StaffProfile
from tsunagu.accounts.staff_views import staff_required
from tsunagu.applications import engine
from tsunagu.casework import services
from tsunagu.casework.corrections.selectors import case_current_answers
from tsunagu.casework.models import OPEN_CASE_STATUSES, Case, CaseStatus
from tsunagu.casework.panels import panels_for
from tsunagu.casework.selectors import (
    CASE_ACTION_ROLES,
    CASE_ROLES,
    DUE_SOON_WORKING_DAYS,
    MY_NUMBER_PURPOSE_MAX,
    MY_NUMBER_ROLES,
    InboxDue,
    InboxStatus,
    case_assignable_staff,
    case_get_for_staff,
    case_history,
    case_inbox,
    case_my_numbers,
    case_notes,
    inbox_filters_from,
)
from tsunagu.casework.services import CaseTransitionRefused, MyNumberRevealRefused
from tsunagu.procedures.schema import Procedure
from tsunagu.procedures.selectors import (
    ProcedureNotFound,
    department_get,
    procedure_list,
    procedure_version_get,
)

NOTE_MAX = 4000
REASON_MAX = 1000

log = structlog.get_logger(__name__)


def _staff(request: HttpRequest) -> StaffProfile:
    return request.staff  # type: ignore[attr-defined,no-any-return]  # set by staff_required


# ---------------------------------------------------------------- the inbox


@staff_required(roles=CASE_ROLES)
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    """The department's cases: filters, search, sort and pages (all in the query string)."""
    staff = _staff(request)
    filters = inbox_filters_from(request.GET)
    try:
        number = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        number = 1
    page = case_inbox(staff=staff, filters=filters, page=number)
    services.case_list_view_record(
        staff=staff, cases=page.cases, searched=bool(filters.q), request=request
    )
    lang = translation.get_language() or "ja"
    procedures = [
        (p.code, p.names.get(lang)) for p in procedure_list() if p.department == staff.department
    ]
    query = {k: v for k, v in request.GET.items() if k != "page" and v}
    status_labels = dict(CaseStatus.choices)
    return render(
        request,
        "casework/inbox.html",
        {
            "page": page,
            "filters": filters,
            "procedures": procedures,
            "rows": [
                (case, dict(procedures).get(case.procedure_code, case.procedure_code))
                for case in page.cases
            ],
            "statuses": [
                (InboxStatus.OPEN, _("処理中のすべて")),
                (InboxStatus.ALL, _("すべて（完了・取下げを含む）")),
                *CaseStatus.choices,
            ],
            "status_labels": status_labels,
            "sorts": [
                ("due", _("期限が近い順")),
                ("-due", _("期限が遠い順")),
                ("submitted", _("受付が古い順")),
                ("-submitted", _("受付が新しい順")),
            ],
            "colleagues": list(case_assignable_staff(department=staff.department)),
            "department": department_get(code=staff.department),
            "can_act": staff.role in CASE_ACTION_ROLES,
            "query_prefix": urlencode(query) + ("&" if query else ""),
            "due_soon_days": DUE_SOON_WORKING_DAYS,
            "filtered": bool(query.keys() - {"sort"}),
            "open_statuses": OPEN_CASE_STATUSES,
            "inbox_due": InboxDue,
        },
    )


# ---------------------------------------------------------------- the case page


def _pinned(case: Case) -> Procedure | None:
    """The definition version the application was made against (None if it is gone)."""
    try:
        return procedure_version_get(code=case.procedure_code, version=case.procedure_version)
    except ProcedureNotFound:
        return None


def _parse_time(value: Any) -> dt.datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return timezone.localtime(parsed) if timezone.is_aware(parsed) else parsed


# JPKI 性別 codes in the certificate (住民基本台帳の記載に従う).
_GENDERS = {"1": gettext_lazy("男"), "2": gettext_lazy("女"), "3": gettext_lazy("不明")}
_MISMATCH_FIELDS = {
    "name": gettext_lazy("氏名"),
    "birth_date": gettext_lazy("生年月日"),
    "gender": gettext_lazy("性別"),
    "address": gettext_lazy("住所"),
}


def _signature_view(raw: Any) -> dict[str, Any] | None:
    """The hand-off's signature summary, shaped for the template (times parsed)."""
    if not isinstance(raw, dict):
        return None
    signer = raw.get("signer") if isinstance(raw.get("signer"), dict) else None
    cert = raw.get("certificate") if isinstance(raw.get("certificate"), dict) else None
    mismatches = [m for m in raw.get("mismatches") or [] if isinstance(m, dict)]
    birth = None
    if signer and signer.get("birth_date"):
        try:
            birth = dt.date.fromisoformat(str(signer["birth_date"]))
        except ValueError:
            birth = None
    return {
        "valid": raw.get("valid") is True,
        "signed_at": _parse_time(raw.get("signed_at")),
        "checked_at": _parse_time(raw.get("checked_at")),
        "reasons": [r for r in raw.get("reasons") or [] if isinstance(r, dict)],
        "signer": signer,
        "signer_birth": birth,
        "signer_gender": _GENDERS.get(str((signer or {}).get("gender", "")), ""),
        "certificate": cert,
        "not_before": _parse_time((cert or {}).get("not_before")),
        "not_after": _parse_time((cert or {}).get("not_after")),
        "mismatches": [
            {**m, "field_label": _MISMATCH_FIELDS.get(str(m.get("field")), m.get("field"))}
            for m in mismatches
        ],
    }


def _panels(request: HttpRequest, case: Case, staff: StaffProfile) -> list[SafeString]:
    """The parts' sections of the case page. A part whose section fails is replaced by a
    notice (and logged): one broken part must not hide the case from the clerk."""
    shown: list[SafeString] = []
    for panel, context in panels_for(request=request, case=case, staff=staff):
        try:
            html = render_to_string(panel.template, context, request)
        except Exception:
            log.exception("case.panel_failed", panel=panel.key, case=str(case.pk))
            html = render_to_string("casework/panel_failed.html", {"key": panel.key}, request)
        # Each part renders its own template; the markup is the part's (autoescaped there).
        shown.append(mark_safe(html))  # noqa: S308
    return shown


def _case_page(
    request: HttpRequest,
    case: Case,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    reveal_error: tuple[str, str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    staff = _staff(request)
    services.case_view_record(case=case, staff=staff, request=request)
    lang = translation.get_language() or "ja"
    panels = _panels(request, case, staff)
    is_open = case.status in OPEN_CASE_STATUSES
    can_act = staff.role in CASE_ACTION_ROLES
    today = timezone.localdate()
    proc = _pinned(case)
    current_answers = case_current_answers(case=case)
    attachments = [a for a in case.submitted.get("attachments") or [] if isinstance(a, dict)]
    return render(
        request,
        "casework/case.html",
        {
            "case": case,
            "status_label": CaseStatus(case.status).label,
            "procedure": proc,
            # Labels come from the pinned version: without it the answers cannot be read.
            # The answers as they stand: after the latest received correction (補正), else
            # as submitted (the submission itself stays in ``case.submitted``, unchanged).
            "sections": engine.summarise(proc, current_answers, lang) if proc else [],
            "corrected": current_answers != (case.submitted.get("answers") or {}),
            "attachments": attachments,
            "later_attachments": case.submitted.get("later_attachments") or [],
            "history": case_history(case=case),
            "notes": case_notes(case=case),
            "signature": _signature_view(case.submitted.get("signature")),
            "my_numbers": case_my_numbers(case=case, lang=lang) if proc else [],
            "can_reveal": staff.role in MY_NUMBER_ROLES,
            "purpose_max": MY_NUMBER_PURPOSE_MAX,
            "panels": panels,
            "can_act": can_act,
            "can_start_review": can_act
            and case.status in (CaseStatus.RECEIVED, CaseStatus.CORRECTED),
            "can_assign": can_act and is_open,
            "can_withdraw": can_act and is_open,
            "colleagues": case_assignable_staff(department=case.department) if can_act else [],
            "is_overdue": is_open and case.due_date is not None and case.due_date < today,
            "errors": errors or {},
            "values": values or {},
            # (key of the 個人番号, message, the purpose as typed) after a refused reveal.
            "reveal_error": reveal_error,
            "note_max": NOTE_MAX,
            "reason_max": REASON_MAX,
        },
        status=status,
    )


@staff_required(roles=CASE_ROLES)
@require_GET
def case_detail(request: HttpRequest, case_id: Any) -> HttpResponse:
    """The case page: the application as submitted, its signature, files, history, notes,
    the parts' panels and the basic actions. Every view is audited."""
    case = case_get_for_staff(staff=_staff(request), case_id=case_id)
    return _case_page(request, case)


def _back(case: Case) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("casework:case", args=[case.pk]))


@staff_required(roles=CASE_ACTION_ROLES)
@require_POST
def case_start_review(request: HttpRequest, case_id: Any) -> HttpResponse:
    staff = _staff(request)
    case = case_get_for_staff(staff=staff, case_id=case_id)
    try:
        services.case_start_review(case=case, actor=staff.user)
    except CaseTransitionRefused as refused:
        messages.error(request, refused.reason)
    else:
        messages.success(request, _("審査を開始しました。"))
    return _back(case)


@staff_required(roles=CASE_ACTION_ROLES)
@require_POST
def case_assign(request: HttpRequest, case_id: Any) -> HttpResponse:
    """Assign to me, to a colleague of the department, or to nobody (``assignee`` empty)."""
    staff = _staff(request)
    case = case_get_for_staff(staff=staff, case_id=case_id)
    choice = request.POST.get("assignee", "").strip()
    assignee: User | None
    if choice == "me":
        assignee = staff.user
    elif choice == "":
        assignee = None
    else:
        colleague = (
            case_assignable_staff(department=case.department)
            .filter(user_id=int(choice) if choice.isdigit() else -1)
            .first()
        )
        if colleague is None:
            return _case_page(
                request,
                case,
                errors={"assignee": _("所属課の職員から選んでください。")},
                status=400,
            )
        assignee = colleague.user
    try:
        services.case_assign(case=case, actor=staff.user, assignee=assignee)
    except CaseTransitionRefused as refused:
        messages.error(request, refused.reason)
    else:
        if assignee is None:
            messages.success(request, _("担当者を外しました。"))
        else:
            messages.success(
                request, _("担当者を %(name)s さんにしました。") % {"name": assignee.get_username()}
            )
    next_url = request.POST.get("next", "")
    if next_url.startswith(reverse("casework:inbox")):
        return HttpResponseRedirect(next_url)
    return _back(case)


@staff_required(roles=CASE_ACTION_ROLES)
@require_POST
def case_note(request: HttpRequest, case_id: Any) -> HttpResponse:
    staff = _staff(request)
    case = case_get_for_staff(staff=staff, case_id=case_id)
    body = request.POST.get("body", "").strip()
    error = ""
    if not body:
        error = _("メモの内容を入力してください。")
    elif len(body) > NOTE_MAX:
        error = _("メモは%(max)d文字以内で入力してください。") % {"max": NOTE_MAX}
    if error:
        return _case_page(request, case, errors={"body": error}, values={"body": body}, status=400)
    services.case_note_add(case=case, author=staff.user, body=body)
    messages.success(request, _("メモを追加しました。"))
    return _back(case)


@staff_required(roles=CASE_ACTION_ROLES)
@require_POST
def case_withdraw(request: HttpRequest, case_id: Any) -> HttpResponse:
    """取下げ on the resident's request (e.g. a 取下書 or a phone call): a reason is required."""
    staff = _staff(request)
    case = case_get_for_staff(staff=staff, case_id=case_id)
    reason = request.POST.get("reason", "").strip()
    error = ""
    if len(reason) > REASON_MAX:
        error = _("理由は%(max)d文字以内で入力してください。") % {"max": REASON_MAX}
    else:
        try:
            services.case_withdraw(case=case, actor=staff.user, reason=reason)
        except CaseTransitionRefused as refused:
            error = refused.reason
    if error:
        return _case_page(
            request, case, errors={"reason": error}, values={"reason": reason}, status=400
        )
    messages.success(request, _("申請者の申し出により、取り下げました。"))
    return _back(case)


@staff_required(roles=MY_NUMBER_ROLES)
@require_POST
def case_my_number(request: HttpRequest, case_id: Any) -> HttpResponse:
    """Show one 個人番号 once, after the member of staff gave the purpose; audited.

    Roles outside ``MY_NUMBER_ROLES`` get the 404 of a page that does not exist.
    """
    staff = _staff(request)
    case = case_get_for_staff(staff=staff, case_id=case_id)
    key = request.POST.get("field", "")
    purpose = request.POST.get("purpose", "")
    try:
        entry = services.case_my_number_reveal(
            case=case, staff=staff, key=key, purpose=purpose, request=request
        )
    except MyNumberRevealRefused as refused:
        return _case_page(
            request,
            case,
            errors={"purpose": refused.reason},
            reveal_error=(key, refused.reason, purpose),
            status=400,
        )
    response = render(request, "casework/my_number.html", {"case": case, "entry": entry})
    response["Cache-Control"] = "no-store"
    return response


@staff_required(roles=CASE_ROLES)  # type: ignore[arg-type]  # a streamed file response
@require_GET
def case_attachment(request: HttpRequest, case_id: Any, attachment_id: Any) -> FileResponse:
    """Download one file of the application (always as a download); audited."""
    staff = _staff(request)
    case = case_get_for_staff(staff=staff, case_id=case_id)
    att = services.case_attachment_open(
        case=case, staff=staff, attachment_id=str(attachment_id), request=request
    )
    try:
        handle = att.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(
        handle, content_type=att.content_type, as_attachment=True, filename=att.original_name
    )
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'"
    response["X-Content-Type-Options"] = "nosniff"
    return response
