"""Staff pages of notices: preview, issue, download. The case page shows them through
the notices panel (``panel.py``)."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import NoReverseMatch, reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_POST

from tsunagu.accounts.staff_models import StaffProfile
from tsunagu.accounts.staff_views import staff_required
from tsunagu.casework.notices import selectors, services

# Who sees a case's notices, and who issues them.
VIEW_ROLES: tuple[str, ...] = ("clerk", "chief", "section_head", "director")
ISSUE_ROLES: tuple[str, ...] = ("clerk", "chief", "section_head")


def _staff(request: HttpRequest) -> StaffProfile:
    staff: StaffProfile = request.staff  # type: ignore[attr-defined]  # set by staff_required
    return staff


def _case_url(case_id: uuid.UUID) -> str:
    try:
        return reverse("casework:case", kwargs={"case_id": case_id})
    except NoReverseMatch:  # the case page lives in casework; keep working without it
        return f"/staff/cases/{case_id}/"


def _pdf(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    # Downloaded, never shown inline: a browser's PDF viewer is a large surface. The
    # Japanese name travels as RFC 5987 filename*=utf-8''….
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'"
    return response


@staff_required(roles=VIEW_ROLES)
@require_GET
def notice_preview(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    """The unsigned notice marked 見本, as it would be issued now."""
    staff = _staff(request)
    case = selectors.case_for_staff(staff=staff, case_id=case_id)
    try:
        pdf = services.notice_preview(case=case)
    except services.NoticeRefused as exc:
        messages.error(request, exc.reason)
        return HttpResponseRedirect(_case_url(case.pk))
    services.notice_read_record(actor=request.user, case=case, what="preview")
    return _pdf(pdf, f"見本_{case.receipt_number}.pdf")


@staff_required(roles=ISSUE_ROLES)
@require_POST
def notice_issue(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    """「通知書を発行する」: sign and deliver the notice, then back to the case page."""
    staff = _staff(request)
    case = selectors.case_for_staff(staff=staff, case_id=case_id)
    try:
        notice = services.notice_issue(case=case, actor=staff.user)
    except services.NoticeRefused as exc:
        messages.error(request, exc.reason)
    else:
        messages.success(
            request,
            f"{notice.title}（{notice.document_number}）を発行し、申請者のマイページに届けました。",
        )
    return HttpResponseRedirect(_case_url(case.pk) + "#notices")


@staff_required(roles=VIEW_ROLES)
@require_GET
def notice_download(request: HttpRequest, notice_id: uuid.UUID) -> HttpResponse:
    """The signed notice exactly as issued."""
    notice = selectors.notice_get_for_staff(staff=_staff(request), notice_id=notice_id)
    services.notice_read_record(actor=request.user, case=notice.case, what="download")
    with notice.file.open("rb") as fh:
        data = fh.read()
    return _pdf(data, f"{notice.title}_{notice.case.receipt_number}.pdf")
