"""Staff pages of the exports: choose, preview, export, download, re-export.

Clerks and up of the department owning the procedure (and admins) may export; every
other procedure or run is the same 404 as one that does not exist.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tsunagu.accounts.staff_models import StaffProfile, StaffRole
from tsunagu.accounts.staff_views import staff_required
from tsunagu.casework.exports import selectors, services
from tsunagu.casework.exports.models import ExportEncoding, ExportFormat, ExportRun
from tsunagu.casework.exports.targets import registry

EXPORT_ROLES = (
    StaffRole.CLERK,
    StaffRole.CHIEF,
    StaffRole.SECTION_HEAD,
    StaffRole.DIRECTOR,
    StaffRole.ADMIN,
)
FORMATS = [(v, str(label)) for v, label in ExportFormat.choices]
ENCODINGS = [
    (ExportEncoding.UTF8_BOM.value, str(ExportEncoding.UTF8_BOM.label)),
    (ExportEncoding.CP932.value, str(ExportEncoding.CP932.label)),
]
CONTENT_TYPES: dict[str, str] = {
    ExportFormat.CSV: "text/csv",
    ExportFormat.JSON: "application/json",
    ExportFormat.ZIP: "application/zip",
}


def _staff(request: HttpRequest) -> StaffProfile:
    staff: StaffProfile = request.staff  # type: ignore[attr-defined]  # set by staff_required
    return staff


def _choice(data: Any, name: str, allowed: list[tuple[str, str]], default: str) -> str:
    value = str(data.get(name, default))
    return value if value in {v for v, _l in allowed} else default


def _home(
    request: HttpRequest, *, errors: dict[str, str] | None = None, status: int = 200
) -> HttpResponse:
    staff = _staff(request)
    data = request.POST if request.method == "POST" else request.GET
    procedures = selectors.export_procedures_for_staff(staff=staff)
    procedure_code = str(data.get("procedure", ""))
    if procedure_code:
        # Another department's procedure is "not found", like an unknown one.
        selectors.export_procedure_get_for_staff(staff=staff, procedure_code=procedure_code)
    targets = registry.available()
    target_id = str(data.get("target", ""))
    fmt = _choice(data, "format", FORMATS, ExportFormat.CSV)
    encoding = _choice(data, "encoding", ENCODINGS, ExportEncoding.UTF8_BOM)
    errors = dict(errors or {})
    plan = None
    if request.method == "GET" and "preview" in data:
        if not procedure_code:
            errors["procedure"] = _("手続きを選んでください。")
        if not target_id:
            errors["target"] = _("連携先を選んでください。")
        if not errors:
            try:
                plan = services.export_preview(
                    target_id=target_id, procedure_code=procedure_code, encoding=encoding
                )
            except services.ExportRefused as exc:
                errors["target"] = exc.reason
        status = 400 if errors else status
    return render(
        request,
        "exports/home.html",
        {
            "procedures": procedures,
            "targets": targets,
            "formats": FORMATS,
            "encodings": ENCODINGS,
            "selected": {
                "procedure": procedure_code,
                "target": target_id,
                "format": fmt,
                "encoding": encoding,
            },
            "plan": plan,
            "errors": errors,
            "runs": selectors.export_run_list_for_staff(staff=staff),
        },
        status=status,
    )


@staff_required(roles=EXPORT_ROLES)
@require_http_methods(["GET", "POST"])
def export_home(request: HttpRequest) -> HttpResponse:
    """/staff/exports/: choose target, procedure, format and encoding; see the count;
    export; the latest runs."""
    if request.method == "GET":
        return _home(request)
    staff = _staff(request)
    procedure_code = request.POST.get("procedure", "")
    selectors.export_procedure_get_for_staff(staff=staff, procedure_code=procedure_code)
    try:
        run = services.export_run(
            target_id=request.POST.get("target", ""),
            procedure_code=procedure_code,
            fmt=_choice(request.POST, "format", FORMATS, ExportFormat.CSV),
            encoding=_choice(request.POST, "encoding", ENCODINGS, ExportEncoding.UTF8_BOM),
            actor=staff.user,
            request=request,
            allow_substitute=request.POST.get("substitute") == "yes",
        )
    except services.ExportRefused as exc:
        return _home(request, errors={"export": exc.reason}, status=400)
    messages.success(
        request,
        _("%(count)d件を出力しました。ファイルをダウンロードしてください。")
        % {"count": run.case_count},
    )
    return HttpResponseRedirect(reverse("exports:run", args=[run.pk]))


def _run_page(
    request: HttpRequest, run: ExportRun, *, errors: dict[str, str] | None = None, status: int = 200
) -> HttpResponse:
    target = registry.get(run.target)
    return render(
        request,
        "exports/run.html",
        {
            "run": run,
            "target_label": target.label if target else run.target,
            "cases": selectors.export_run_cases(run=run),
            "formats": FORMATS,
            "encodings": ENCODINGS,
            "errors": errors or {},
            "form": request.POST if request.method == "POST" else {},
        },
        status=status,
    )


@staff_required(roles=EXPORT_ROLES)
@require_GET
def export_run_detail(request: HttpRequest, run_id: uuid.UUID) -> HttpResponse:
    """One past run: what it carried, the characters it could not encode, re-export."""
    run = selectors.export_run_get_for_staff(staff=_staff(request), run_id=run_id)
    return _run_page(request, run)


@staff_required(roles=EXPORT_ROLES)
@require_GET
def export_download(request: HttpRequest, run_id: uuid.UUID) -> HttpResponse:
    """The file of a run as delivered (each download is audited)."""
    staff = _staff(request)
    run = selectors.export_run_get_for_staff(staff=staff, run_id=run_id)
    try:
        data = services.export_file(run=run, actor=staff.user, request=request)
    except services.ExportRefused as exc:
        return _run_page(request, run, errors={"download": exc.reason}, status=409)
    response = HttpResponse(
        data, content_type=CONTENT_TYPES.get(run.format, "application/octet-stream")
    )
    response["Content-Disposition"] = f'attachment; filename="{run.filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@staff_required(roles=EXPORT_ROLES)
@require_POST
def export_reexport(request: HttpRequest, run_id: uuid.UUID) -> HttpResponse:
    """Export the cases of a run again (all, or one), deliberately, with a reason."""
    staff = _staff(request)
    run = selectors.export_run_get_for_staff(staff=staff, run_id=run_id)
    case = None
    case_id = request.POST.get("case", "")
    if case_id:
        case = selectors.export_run_cases(run=run).filter(pk=_uuid(case_id)).first()
        if case is None:
            raise Http404
    try:
        new = services.export_rerun(
            run=run,
            actor=staff.user,
            reason=request.POST.get("reason", ""),
            case=case,
            fmt=_choice(request.POST, "format", FORMATS, run.format),
            encoding=_choice(request.POST, "encoding", ENCODINGS, ExportEncoding.UTF8_BOM),
            request=request,
            allow_substitute=request.POST.get("substitute") == "yes",
        )
    except services.ExportRefused as exc:
        key = "reason" if "理由" in exc.reason else "reexport"
        return _run_page(request, run, errors={key: exc.reason}, status=400)
    messages.success(request, _("%(count)d件を再出力しました。") % {"count": new.case_count})
    return HttpResponseRedirect(reverse("exports:run", args=[new.pk]))


def _uuid(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise Http404 from None
