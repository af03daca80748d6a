"""Staff pages of corrections (補正依頼): ask for one, see a round and what it changed."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from tsunagu.accounts.staff_models import StaffProfile
from tsunagu.accounts.staff_views import staff_required
from tsunagu.applications.selectors import correction_file_for_backoffice
from tsunagu.casework.corrections import selectors, services
from tsunagu.casework.corrections.forms import CorrectionRequestForm
from tsunagu.casework.models import Case, CaseStatus
from tsunagu.casework.selectors import CASE_ACTION_ROLES, CASE_ROLES, case_get_for_staff

# Who may ask a resident for a correction (those who act on cases); every case role may
# read the rounds.
REQUEST_ROLES: tuple[str, ...] = CASE_ACTION_ROLES
# The statuses from which a correction can be asked (see ``case_request_correction``).
REQUESTABLE: tuple[str, ...] = (CaseStatus.IN_REVIEW, CaseStatus.CORRECTED)


# The service's names of the request's parts, as fields of the form.
_FORM_FIELD = {
    "fields": "field_ids",
    "attachment_slots": "slot_ids",
    "message": "message",
    "due_date": "due_date",
}


def _staff(request: HttpRequest) -> StaffProfile:
    staff: StaffProfile = request.staff  # type: ignore[attr-defined]  # set by staff_required
    return staff


def request_form(case: Case, data: Any = None) -> CorrectionRequestForm:
    """The request form with the choices of the case's definition."""
    steps, slots = selectors.correction_choices(case=case)
    return CorrectionRequestForm(data, steps=steps, slots=slots)


def form_context(case: Case, staff: StaffProfile, form: CorrectionRequestForm) -> dict[str, Any]:
    """What the request form's template needs (shared by the case panel and the page)."""
    steps, slots = form.steps, form.slots
    chosen_fields = set(form["field_ids"].value() or [])
    chosen_slots = set(form["slot_ids"].value() or [])
    return {
        "case": case,
        "form": form,
        "steps": steps,
        "slots": slots,
        "chosen_fields": chosen_fields,
        "chosen_slots": chosen_slots,
        "can_request": staff.role in REQUEST_ROLES and case.status in REQUESTABLE,
        "may_request": staff.role in REQUEST_ROLES,
        "rounds": list(selectors.correction_list_for_case(case=case)),
        "today": timezone.localdate(),
    }


@staff_required(roles=CASE_ROLES)
@require_http_methods(["GET", "POST"])
def correction_new(request: HttpRequest, case_id: str) -> HttpResponse:
    """Ask the resident to correct chosen fields and documents (GET shows the form and the
    rounds so far; POST asks)."""
    staff = _staff(request)
    case = case_get_for_staff(staff=staff, case_id=case_id)
    services.correction_receive_for_case(case=case)
    case.refresh_from_db()
    status = 200
    general: list[str] = []
    if request.method != "POST":
        form = request_form(case)
    else:
        if staff.role not in REQUEST_ROLES:
            raise Http404
        form = request_form(case, request.POST)
        if form.is_valid():
            try:
                record = services.correction_request(
                    case=case,
                    actor=staff.user,
                    fields=form.cleaned_data["field_ids"],
                    attachment_slots=form.cleaned_data["slot_ids"],
                    message=form.cleaned_data["message"],
                    due_date=form.cleaned_data["due_date"],
                    request=request,
                    role=staff.role,
                )
            except services.CorrectionRequestRefused as refused:
                for key, message in refused.errors.items():
                    target = _FORM_FIELD.get(key, "")
                    if target:
                        form.add_error(target, message)
                    else:
                        general.append(message)
            else:
                messages.success(request, _("補正を依頼しました。申請者にメールでお知らせします。"))
                return HttpResponseRedirect(
                    reverse(
                        "corrections:detail", kwargs={"case_id": case.pk, "number": record.number}
                    )
                )
        status = 400
    errors = [(f"#f-{name}", str(e)) for name, errs in form.errors.items() for e in errs]
    return render(
        request,
        "corrections/new.html",
        {
            **form_context(case, staff, form),
            "general_errors": general,
            "errors": [("#corrections-form", m) for m in general] + errors,
        },
        status=status,
    )


@staff_required(roles=CASE_ROLES)
@require_GET
def correction_detail(request: HttpRequest, case_id: str, number: int) -> HttpResponse:
    """One round: what was asked and, once answered, every change (audited: it shows the
    resident's answers)."""
    staff = _staff(request)
    case = case_get_for_staff(staff=staff, case_id=case_id)
    services.correction_receive_for_case(case=case)
    record = selectors.correction_get_for_case(case=case, number=number)
    view = selectors.correction_view(record=record)
    services.correction_view_record(
        record=record, actor=staff.user, request=request, role=staff.role
    )
    return render(
        request,
        "corrections/detail.html",
        {"case": record.case, "view": view, "record": record},
    )


@staff_required(roles=CASE_ROLES)  # type: ignore[arg-type]  # typed for HttpResponse; this one streams
@require_GET
def correction_file(request: HttpRequest, case_id: str, number: int, file_id: str) -> FileResponse:
    """A file of a round's answer (before or after), as stored (audited)."""
    staff = _staff(request)
    case = case_get_for_staff(staff=staff, case_id=case_id)
    record = selectors.correction_get_for_case(case=case, number=number)
    snapshot = selectors.correction_file_snapshot(record=record, file_id=file_id)
    stored = correction_file_for_backoffice(source=snapshot["source"], file_id=snapshot["id"])
    services.correction_file_view_record(
        record=record, actor=staff.user, request=request, role=staff.role, file_id=file_id
    )
    response = FileResponse(
        stored.file.open("rb"),
        content_type=stored.content_type,
        as_attachment=True,
        filename=stored.original_name,
    )
    response["Cache-Control"] = "private, no-store"
    return response
