"""Staff pages of the counter (書かない窓口): identify, fill, let the resident confirm.

The form pages use the front office's binding, rendering and parsing of a procedure step,
so a counter application meets exactly the checks of an online one.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from tsunagu.accounts.staff_models import StaffProfile, StaffRole
from tsunagu.accounts.staff_views import staff_required
from tsunagu.applications import engine
from tsunagu.applications import services as app_services
from tsunagu.applications.binding import bind_field, bind_step, error_list
from tsunagu.applications.render import render_fields
from tsunagu.applications.selectors import attachments_by_slot
from tsunagu.casework.counter import selectors, services
from tsunagu.casework.counter.models import Confirmation, CounterItem, CounterVisit
from tsunagu.core.fieldtypes import reading_lang
from tsunagu.core.uploads import AttachmentError, attachment_prepare
from tsunagu.portal.taxonomy import taxonomy
from tsunagu.procedures.schema import LifeEvent, Procedure

COUNTER_ROLES = (StaffRole.CLERK, StaffRole.CHIEF, StaffRole.SECTION_HEAD)


def _staff(request: HttpRequest) -> StaffProfile:
    profile: StaffProfile = request.staff  # type: ignore[attr-defined]  # set by staff_required
    return profile


def _visit_url(visit: CounterVisit) -> str:
    return reverse("counter:visit", kwargs={"visit_id": visit.pk})


def _step_url(visit: CounterVisit, item: CounterItem, step_id: str) -> str:
    return reverse(
        "counter:step",
        kwargs={"visit_id": visit.pk, "position": item.position, "step_id": step_id},
    )


@staff_required(roles=COUNTER_ROLES)
@require_http_methods(["GET"])
def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "counter/home.html",
        {"visits": selectors.counter_visits_recent(staff=_staff(request))},
    )


@staff_required(roles=COUNTER_ROLES)
@require_http_methods(["GET", "POST"])
def start(request: HttpRequest) -> HttpResponse:
    """Identify the resident and choose the procedures (or a life event)."""
    lang = reading_lang()
    specs = selectors.identity_fields()
    procedures = selectors.counter_procedures()
    raw: dict[str, Any] = {}
    problems: dict[str, engine.FieldProblem] = {}
    chosen: list[str] = []
    event = ""
    choice_error = ""
    if request.method == "POST":
        result = engine.parse_fields(specs, request.POST, lang=lang)
        raw, problems = result.raw, result.errors
        chosen = request.POST.getlist("procedures")
        event = request.POST.get("life_event", "")
        by_code = {p.code: p for p in procedures}
        picked: list[Procedure] = [by_code[c] for c in chosen if c in by_code]
        picked += selectors.counter_procedures_for_event(event=event)
        if not picked:
            choice_error = _("申請する手続きを1つ以上選ぶか、ライフイベントを選んでください。")
        if not problems and not choice_error:
            visit = services.counter_visit_start(
                staff=_staff(request),
                identity=result.values,
                procedures=picked,
                life_event=event if event in {e.value for e in LifeEvent} else "",
                request=request,
            )
            messages.success(request, _("受付を始めました。各手続きの内容を入力してください。"))
            return HttpResponseRedirect(_visit_url(visit))
    top = {s.id: s for s in specs}
    fields = [
        bind_field(
            spec,
            value=None,
            raw=raw.get(spec.id),
            problems=problems,
            lang=lang,
            top=top,
        )
        for spec in specs
    ]
    errors = error_list(fields)
    if choice_error:
        errors.append(("procedures", choice_error))
    return render(
        request,
        "counter/start.html",
        {
            "fields_html": render_fields(fields, page_title=_("ご本人の確認")),
            "errors": errors,
            "choice_error": choice_error,
            "procedures": procedures,
            "chosen": set(chosen),
            "life_events": [
                (code.value, info.label.get(lang)) for code, info in taxonomy().life_events.items()
            ],
            "life_event": event,
            "lang": lang,
        },
        status=400 if errors else 200,
    )


def _items(visit: CounterVisit) -> list[dict[str, Any]]:
    """Each procedure of the visit with its draft, procedure and where to go next."""
    rows = []
    for item in visit.items.all():
        draft = selectors.counter_item_draft(visit=visit, item=item)
        proc = app_services.draft_procedure(draft)
        sequence = engine.step_sequence(proc, draft.answers)
        todo = [s for s in sequence if s not in draft.completed_steps and s != engine.CHECK]
        rows.append(
            {
                "item": item,
                "proc": proc,
                "draft": draft,
                "next_url": _step_url(visit, item, todo[0] if todo else sequence[0]),
                "done": not todo,
            }
        )
    return rows


@staff_required(roles=COUNTER_ROLES)
@require_http_methods(["GET"])
def visit(request: HttpRequest, visit_id: Any) -> HttpResponse:
    the_visit = selectors.counter_visit_get_for_staff(staff=_staff(request), visit_id=visit_id)
    rows = _items(the_visit)
    return render(
        request,
        "counter/visit.html",
        {
            "visit": the_visit,
            "resident": selectors.counter_resident(visit=the_visit),
            "rows": rows,
            "all_done": all(r["done"] for r in rows),
            "lang": reading_lang(),
        },
    )


def _neighbour(proc: Procedure, answers: Any, step_id: str, delta: int) -> str | None:
    sequence = [s for s in engine.step_sequence(proc, answers) if s != engine.CHECK]
    if step_id not in sequence:
        return None
    index = sequence.index(step_id) + delta
    return sequence[index] if 0 <= index < len(sequence) else None


@staff_required(roles=COUNTER_ROLES)
@require_http_methods(["GET", "POST"])
def step(request: HttpRequest, visit_id: Any, position: int, step_id: str) -> HttpResponse:
    """One page of one procedure, filled by the clerk with the resident."""
    the_visit = selectors.counter_visit_get_for_staff(staff=_staff(request), visit_id=visit_id)
    if the_visit.confirmed_at is not None:
        raise Http404
    item = selectors.counter_item_get(visit=the_visit, position=position)
    if item.application_id:
        raise Http404
    draft = selectors.counter_item_draft(visit=the_visit, item=item)
    proc = app_services.draft_procedure(draft)
    if step_id == engine.ATTACHMENTS:
        return _attachments(request, the_visit, item, draft, proc)
    the_step = proc.step(step_id)
    if the_step is None or not engine.step_visible(proc, the_step, draft.answers):
        raise Http404
    lang = reading_lang()
    locked = app_services.locked_values(proc=proc, resident=draft.resident, answers=draft.answers)
    raw: dict[str, Any] | None = None
    problems: dict[str, engine.FieldProblem] = {}
    if request.method == "POST":
        action = request.POST.get("action", "next")
        result = engine.parse_step(
            proc,
            the_step,
            request.POST,
            draft.answers,
            locked=locked,
            lenient=action != "next",
            lang=lang,
        )
        raw, problems = result.raw, result.errors
        if not problems:
            app_services.draft_save_step(
                draft=draft, step_id=step_id, values=result.values, complete=action == "next"
            )
            target = _neighbour(proc, draft.answers, step_id, -1 if action == "back" else +1)
            if action == "save" or target is None:
                return HttpResponseRedirect(_visit_url(the_visit))
            return HttpResponseRedirect(_step_url(the_visit, item, target))
    fields = bind_step(
        proc,
        the_step,
        answers={
            **app_services.profile_defaults(
                proc=proc, resident=draft.resident, answers=draft.answers
            ),
            **draft.answers,
            **locked,
        },
        raw=raw,
        problems=problems,
        lang=lang,
        locked=locked,
    )
    return render(
        request,
        "counter/step.html",
        {
            "visit": the_visit,
            "item": item,
            "proc": proc,
            "step": the_step,
            "fields_html": render_fields(fields, page_title=the_step.title.get(lang)),
            "errors": error_list(fields),
            "lang": lang,
        },
        status=400 if problems else 200,
    )


def _attachments(
    request: HttpRequest, visit: CounterVisit, item: CounterItem, draft: Any, proc: Procedure
) -> HttpResponse:
    """Scans of the documents the resident brought, or 後日提出 where the procedure allows."""
    lang = reading_lang()
    slots = engine.visible_attachments(proc, engine.prune(proc, draft.answers))
    if not slots:
        raise Http404
    errors: dict[str, str] = {}
    if request.method == "POST":
        action = request.POST.get("action", "next")
        if action.startswith("upload:"):
            spec = next((s for s in slots if s.id == action.removeprefix("upload:")), None)
            if spec is None:
                raise Http404
            upload = request.FILES.get(f"file-{spec.id}")
            if upload is None:
                errors[spec.id] = _("ファイルを選んでから「添付する」を押してください。")
            else:
                try:
                    prepared = attachment_prepare(
                        data=upload, filename=upload.name or "", spec=spec
                    )
                except AttachmentError as err:
                    errors[spec.id] = str(err.message)
                else:
                    app_services.attachment_add(draft=draft, slot=spec.id, prepared=prepared)
                    return HttpResponseRedirect(request.path)
        else:
            allowed = {s.id for s in slots if s.later_allowed}
            app_services.draft_set_later(
                draft=draft, slots=[s for s in request.POST.getlist("later") if s in allowed]
            )
            have = attachments_by_slot(draft=draft)
            for spec in slots:
                if (
                    spec.required
                    and not have.get(spec.id)
                    and spec.id not in draft.later_attachments
                ):
                    errors[spec.id] = _("「%(label)s」を添付してください。") % {
                        "label": spec.label.get(lang)
                    }
            if not errors or action == "back":
                target = _neighbour(
                    proc, draft.answers, engine.ATTACHMENTS, -1 if action == "back" else +1
                )
                if target is None:
                    return HttpResponseRedirect(_visit_url(visit))
                return HttpResponseRedirect(_step_url(visit, item, target))
    have = attachments_by_slot(draft=draft)
    rows = [
        {
            "spec": s,
            "label": s.label.get(lang),
            "files": have.get(s.id, []),
            "later": s.id in draft.later_attachments,
            "error": errors.get(s.id, ""),
        }
        for s in slots
    ]
    return render(
        request,
        "counter/attachments.html",
        {
            "visit": visit,
            "item": item,
            "proc": proc,
            "rows": rows,
            "errors": [(f"file-{k}", v) for k, v in errors.items()],
        },
        status=400 if errors else 200,
    )


@staff_required(roles=COUNTER_ROLES)
@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, visit_id: Any) -> HttpResponse:
    """The page the resident reads (on the second screen, or printed) before submission."""
    staff = _staff(request)
    the_visit = selectors.counter_visit_get_for_staff(staff=staff, visit_id=visit_id)
    lang = reading_lang()
    outcomes: dict[int, services.ItemOutcome] = {}
    error = ""
    if request.method == "POST" and the_visit.confirmed_at is None:
        how = request.POST.get("how", "")
        if how == Confirmation.SCREEN and request.POST.get("confirmed") != "yes":
            error = _("内容を確認していただき、チェックを入れてください。")
        elif how == Confirmation.PAPER and request.POST.get("paper_signed") != "yes":
            error = _("署名をいただいた確認書を受け取ったら、チェックを入れてください。")
        elif how not in Confirmation.values:
            error = _("確認の方法を選んでください。")
        else:
            results = services.counter_visit_confirm(
                visit=the_visit, staff=staff, how=how, request=request, lang=lang
            )
            if all(o.submitted for o in results):
                messages.success(request, _("申請を受け付けました。"))
                return HttpResponseRedirect(_visit_url(the_visit))
            outcomes = {o.item.position: o for o in results}
            error = _(
                "受け付けられなかった手続きがあります。内容を直してから、もう一度確認してください。"
            )
    rows = []
    for row in _items(the_visit):
        row["sections"] = engine.summarise(row["proc"], row["draft"].answers, lang)
        row["problems"] = (
            outcomes[row["item"].position].problems if row["item"].position in outcomes else []
        )
        rows.append(row)
    return render(
        request,
        "counter/confirm.html",
        {
            "visit": the_visit,
            "resident": selectors.counter_resident(visit=the_visit),
            "rows": rows,
            "error": error,
            "printing": request.GET.get("print") == "1",
            "lang": lang,
        },
        status=400 if error else 200,
    )
