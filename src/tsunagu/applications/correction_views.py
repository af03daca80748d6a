"""The resident's pages of a correction (補正): the asked fields, the asked documents, the
check page and the resubmission.

The pages use the same form engine, binding and rendering as the application form, on
the definition's steps cut down to the named fields (``corrections.correction_steps``).
A POST that carries any other field is refused, and the services refuse it again.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import FileResponse, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from tsunagu.accounts.http import ResidentRequest, current_resident
from tsunagu.accounts.selectors import session_assurance
from tsunagu.applications import corrections, engine, selectors, services, signing
from tsunagu.applications.binding import BoundField, bind_step, error_list
from tsunagu.applications.correction_diff import answers_diff, files_diff
from tsunagu.applications.models import ApplicationCorrection
from tsunagu.applications.render import render_fields
from tsunagu.applications.views import (
    _ACCEPT,
    _login_redirect,
    _prepare_action,
    lang,
    resident_required,
)
from tsunagu.core.uploads import AttachmentError, attachment_prepare
from tsunagu.procedures.schema import Procedure


def _url(name: str, correction: ApplicationCorrection) -> str:
    return reverse(f"applications:{name}", kwargs={"application_id": correction.application_id})


def _open(
    request: ResidentRequest, application_id: Any
) -> tuple[ApplicationCorrection, Procedure, HttpResponse | None]:
    """The open round of the resident's application and its definition; a response to
    send instead when the login is not strong enough for the procedure."""
    correction = selectors.correction_get_open_for_resident(
        resident=current_resident(request), application_id=application_id
    )
    proc = corrections.correction_procedure(correction)
    if session_assurance(request).rank < proc.assurance.rank:
        return correction, proc, _login_redirect(request, proc.assurance)
    return correction, proc, None


def _slots(proc: Procedure, correction: ApplicationCorrection) -> list[str]:
    """The slots to show the resident, in the definition's order: those asked for, and
    those that the corrected answers have made necessary."""
    editable = corrections.correction_editable(proc, correction)[1]
    after = corrections.correction_answers_after(correction, proc)
    visible = {a.id for a in engine.visible_attachments(proc, after)}
    return [
        s
        for s in corrections.correction_slot_order(proc, editable)
        if s in correction.attachment_slots or s in visible
    ]


def _next_after_fields(proc: Procedure, correction: ApplicationCorrection) -> str:
    return _url(
        "correction_attachments" if _slots(proc, correction) else "correction_check",
        correction,
    )


def _outside_inputs(proc: Procedure, correction: ApplicationCorrection, data: Any) -> list[str]:
    """Labels of the fields outside the round that the POST tries to set."""
    named, _slots = corrections.correction_editable(proc, correction)
    out: list[str] = []
    for spec in proc.all_fields().values():
        if spec.id in named:
            continue
        for key in data:
            if key == spec.id or key.startswith((f"{spec.id}__", f"{spec.id}-")):
                out.append(spec.label.get(lang()))
                break
    return out


@resident_required
@require_http_methods(["GET", "POST"])
def correction_form(request: ResidentRequest, application_id: Any) -> HttpResponse:
    """The fields the city asked to correct, and only those, as form inputs."""
    correction, proc, redirect = _open(request, application_id)
    if redirect is not None:
        return redirect
    steps = corrections.correction_steps(proc, correction)
    if not steps:
        return HttpResponseRedirect(_next_after_fields(proc, correction))
    resident = current_resident(request)
    current = lang()
    answers = corrections.correction_working_answers(correction)
    locked = services.locked_values(proc=proc, resident=resident, answers=answers)
    raw: dict[str, Any] = {}
    problems: dict[str, engine.FieldProblem] = {}
    row_counts: dict[str, int] = {}
    notice = ""
    refused: list[str] = []
    if request.method == "POST":
        action = request.POST.get("action", "next")
        data = request.POST.copy()
        refused = _outside_inputs(proc, correction, data)
        if not refused:
            values: dict[str, Any] = {}
            for step in steps:
                if action.startswith(("add:", "remove:", "lookup:")):
                    notice = _prepare_action(action, step, data, row_counts) or notice
                result = engine.parse_step(
                    proc, step, data, answers, locked=locked, lenient=False, lang=current
                )
                raw.update(result.raw)
                problems.update(result.errors)
                row_counts = {**result.rows, **row_counts}
                for spec in step.fields:
                    values[spec.id] = result.values.get(spec.id)
                answers = engine.merge_step(proc, step, answers, result.values)
            if notice:
                problems = {}
            elif not problems:
                corrections.application_correction_save(
                    correction=correction,
                    resident=resident,
                    values={k: v for k, v in values.items() if k not in locked},
                )
                if action == "save":
                    messages.success(
                        request,
                        _("入力内容を保存しました。申請の詳細ページから続きを入力できます。"),
                    )
                    return HttpResponseRedirect(_url("detail", correction))
                return HttpResponseRedirect(_next_after_fields(proc, correction))
    sections: list[tuple[str, str, list[BoundField]]] = []
    for step in steps:
        fields = bind_step(
            proc,
            step,
            answers={**answers, **locked},
            raw=raw,
            problems=problems,
            lang=current,
            locked=locked,
            row_counts=row_counts,
        )
        sections.append((step.id, step.title.get(current), fields))
    errors = [e for _id, _title, fields in sections for e in error_list(fields)]
    if refused:
        errors.insert(
            0,
            (
                "#correction-form",
                _("補正を依頼されていない項目（「%(labels)s」）は変更できません。")
                % {"labels": "」「".join(refused)},
            ),
        )
    return render(
        request,
        "applications/correction_form.html",
        {
            "proc": proc,
            "correction": correction,
            "sections": [
                (step_id, title, render_fields(fields, page_title=title))
                for step_id, title, fields in sections
            ],
            "errors": errors,
            "notice": notice,
            "lang": current,
        },
        status=400 if (problems or refused) and request.method == "POST" else 200,
    )


@resident_required
@require_http_methods(["GET", "POST"])
def correction_attachments(request: ResidentRequest, application_id: Any) -> HttpResponse:
    """The documents the city asked for again: add new files, leave earlier ones out."""
    correction, proc, redirect = _open(request, application_id)
    if redirect is not None:
        return redirect
    slots = _slots(proc, correction)
    if not slots:
        return HttpResponseRedirect(_url("correction_check", correction))
    resident = current_resident(request)
    current = lang()
    errors: dict[str, str] = {}
    if request.method == "POST":
        action = request.POST.get("action", "next")
        try:
            if action.startswith("upload:"):
                slot = action.removeprefix("upload:")
                if slot not in slots:
                    raise corrections.CorrectionRefused(
                        [
                            engine.Problem(
                                "", slot, _("補正を依頼されていない書類は変更できません。")
                            )
                        ]
                    )
                spec = next(a for a in proc.attachments if a.id == slot)
                upload = request.FILES.get(f"file-{slot}")
                if upload is None:
                    errors[slot] = _("ファイルを選んでから「添付する」を押してください。")
                else:
                    try:
                        prepared = attachment_prepare(
                            data=upload, filename=upload.name or "", spec=spec
                        )
                    except AttachmentError as err:
                        errors[slot] = str(err.message)
                    else:
                        corrections.correction_file_add(
                            correction=correction, resident=resident, slot=slot, prepared=prepared
                        )
                        messages.success(
                            request,
                            _("「%(name)s」を添付しました。") % {"name": prepared.original_name},
                        )
                        return HttpResponseRedirect(request.path + f"#slot-{slot}")
            elif action.startswith("remove:"):
                corrections.correction_file_remove(
                    correction=correction, resident=resident, file_id=action.removeprefix("remove:")
                )
                return HttpResponseRedirect(request.path)
            elif action.startswith("restore:"):
                corrections.correction_file_restore(
                    correction=correction,
                    resident=resident,
                    file_id=action.removeprefix("restore:"),
                )
                return HttpResponseRedirect(request.path)
            elif action == "back":
                return HttpResponseRedirect(
                    _url("correction", correction)
                    if correction.fields
                    else _url("detail", correction)
                )
            else:
                return HttpResponseRedirect(_url("correction_check", correction))
        except corrections.CorrectionRefused as refused:
            for p in refused.problems:
                errors[p.field if p.field in slots else slots[0]] = p.message
    correction.refresh_from_db()
    removed = set(correction.removed_files or [])
    new_files = list(correction.files.all())
    rows = []
    for slot in slots:
        slot_spec = next((a for a in proc.attachments if a.id == slot), None)
        if slot_spec is None:
            continue
        rows.append(
            {
                "spec": slot_spec,
                "label": slot_spec.label.get(current),
                "hint": slot_spec.hint.get(current) if slot_spec.hint else "",
                "earlier": [
                    {**f, "removed": str(f["id"]) in removed}
                    for f in correction.attachments_before
                    if f["slot"] == slot
                ],
                "files": [f for f in new_files if f.slot == slot],
                "error": errors.get(slot, ""),
                "kinds": ", ".join(k.upper() for k in slot_spec.kinds),
                "accept": ",".join(_ACCEPT[k] for k in slot_spec.kinds),
            }
        )
    return render(
        request,
        "applications/correction_attachments.html",
        {
            "proc": proc,
            "correction": correction,
            "rows": rows,
            "errors": [(f"file-{k}", v) for k, v in errors.items()],
            "lang": current,
        },
        status=400 if errors else 200,
    )


@resident_required
@require_http_methods(["GET", "POST"])
def correction_check(request: ResidentRequest, application_id: Any) -> HttpResponse:
    """What changes, before and after, then the resubmission."""
    resident = current_resident(request)
    if request.method == "POST":
        # A second click after the resubmission finds the round answered: back to the page.
        app = selectors.application_get_for_resident(
            resident=resident, application_id=application_id
        )
        if selectors.correction_open_for_application(application=app) is None:
            return HttpResponseRedirect(
                reverse("applications:detail", kwargs={"application_id": app.pk})
            )
    correction, proc, redirect = _open(request, application_id)
    if redirect is not None:
        return redirect
    current = lang()
    problems: list[engine.Problem] = []
    plugin = corrections.correction_signing_plugin(proc)
    if request.method == "POST" and plugin is not None:
        # Everything is checked first; then the resident signs, and the signing page
        # resubmits. The declaration goes with the round to that page.
        problems = corrections.correction_precheck(
            correction=correction,
            declared=request.POST.get("declaration") == "yes",
            lang=current,
        )
        if not problems:
            corrections.correction_declare(correction=correction)
            return HttpResponseRedirect(_url("correction_sign", correction))
    elif request.method == "POST":
        try:
            corrections.application_correction_submit(
                correction=correction,
                resident=resident,
                declared=request.POST.get("declaration") == "yes",
                request=request,
                lang=current,
            )
        except corrections.CorrectionRefused as refused:
            problems = refused.problems
        else:
            messages.success(
                request,
                _("補正した内容を提出しました。担当課で確認します。"),
            )
            return HttpResponseRedirect(_url("detail", correction))
    after = corrections.correction_answers_after(correction, proc)
    files_after = corrections.correction_files_after(correction)
    if request.method == "GET":
        problems = corrections.correction_problems(correction=correction, lang=current)
    error_links = []
    for p in problems:
        if p.field == "declaration":
            error_links.append(("#declaration", p.message))
        elif p.step == engine.ATTACHMENTS:
            error_links.append((_url("correction_attachments", correction), p.message))
        elif p.field:
            error_links.append((_url("correction", correction), p.message))
        else:
            error_links.append(("#declaration", p.message))
    return render(
        request,
        "applications/correction_check.html",
        {
            "proc": proc,
            "correction": correction,
            "changes": answers_diff(proc, correction.answers_before, after, current),
            "files": files_diff(
                proc,
                correction.attachments_before,
                files_after,
                current,
                slots=_slots(proc, correction),
            ),
            "has_slots": bool(_slots(proc, correction)),
            "errors": error_links,
            "declaration_error": any(p.field == "declaration" for p in problems),
            "signs": plugin is not None,
            "lang": current,
        },
        status=400 if problems and request.method == "POST" else 200,
    )


@resident_required
def correction_file(request: ResidentRequest, file_id: Any) -> FileResponse:
    """A file the resident attached to a correction (their own only)."""
    found = selectors.correction_file_get_for_resident(
        resident=current_resident(request), file_id=file_id
    )
    response = FileResponse(
        found.file.open("rb"),
        content_type=found.content_type,
        as_attachment=found.content_type == "application/pdf",
        filename=found.original_name,
    )
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = (
        "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
    )
    return response


@resident_required
@require_http_methods(["GET", "POST"])
def correction_sign(request: ResidentRequest, application_id: Any) -> HttpResponse:
    """Sign the checked, corrected version with the My Number Card, then resubmit it."""
    correction, proc, redirect = _open(request, application_id)
    if redirect is not None:
        return redirect
    plugin = corrections.correction_signing_plugin(proc)
    if plugin is None or not corrections.correction_is_declared(correction=correction):
        return HttpResponseRedirect(_url("correction_check", correction))
    resident = current_resident(request)
    error = ""
    if request.method == "POST":
        try:
            data = corrections.correction_signed_bytes(correction=correction, proc=proc)
            signed = plugin.sign(resident=resident, data=data, pin=request.POST.get("pin", ""))
            corrections.application_correction_submit(
                correction=correction,
                resident=resident,
                declared=True,
                request=request,
                lang=lang(),
                signed=signed,
            )
        except signing.SigningError as err:
            error = err.message
        except corrections.CorrectionRefused as refused:
            error = " ".join(p.message for p in refused.problems)
        else:
            messages.success(request, _("補正した内容に署名して提出しました。担当課で確認します。"))
            return HttpResponseRedirect(_url("detail", correction))
    return render(
        request,
        "applications/correction_sign.html",
        {
            "proc": proc,
            "correction": correction,
            "plugin": plugin,
            "error": error,
            "check_url": _url("correction_check", correction),
            "lang": lang(),
        },
        status=400 if error else 200,
    )
