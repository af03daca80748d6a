"""Front-office pages: start, form steps, attachments, check, submit, my page.

Views are thin: they parse input, call one service or selector, and render.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import (
    FileResponse,
    Http404,
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
)
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from tsunagu.accounts.http import ResidentRequest, current_resident
from tsunagu.accounts.selectors import session_assurance
from tsunagu.applications import engine, selectors, services, signing
from tsunagu.applications.binding import bind_step, error_list
from tsunagu.applications.models import WITHDRAWABLE_STATUSES, ApplicationSignature, Draft
from tsunagu.applications.render import render_fields
from tsunagu.core import postal
from tsunagu.core.fieldtypes import reading_lang
from tsunagu.core.uploads import AttachmentError, attachment_prepare
from tsunagu.procedures.schema import Assurance, Procedure
from tsunagu.procedures.selectors import (
    ProcedureNotFound,
    department_get,
    procedure_get,
    procedure_version_get,
)

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

View = Callable[..., HttpResponseBase]


def lang() -> str:
    """The active reading language (``ja``, ``ja-easy`` or ``en``) for procedure texts."""
    return reading_lang()


def _login_redirect(
    request: ResidentRequest, level: Assurance, next_url: str | None = None
) -> HttpResponse:
    query = urlencode({"next": next_url or request.get_full_path(), "level": level.value})
    return HttpResponseRedirect(f"{reverse('accounts:login')}?{query}")


def resident_required(view: View) -> View:
    @wraps(view)
    def wrapper(request: ResidentRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if getattr(request, "resident", None) is None:
            return _login_redirect(request, Assurance.ACCOUNT)
        return view(request, *args, **kwargs)

    return wrapper


def _assurance_ok(request: ResidentRequest, proc: Procedure) -> bool:
    return session_assurance(request).rank >= proc.assurance.rank


def _step_url(draft: Draft, step_id: str) -> str:
    if step_id == engine.CHECK:
        return reverse("applications:check", kwargs={"draft_id": draft.pk})
    if step_id == engine.ATTACHMENTS:
        return reverse("applications:attachments", kwargs={"draft_id": draft.pk})
    return reverse("applications:step", kwargs={"draft_id": draft.pk, "step_id": step_id})


def _progress(
    proc: Procedure, draft: Draft, current: str, seq: list[str] | None = None
) -> dict[str, Any]:
    seq = seq if seq is not None else engine.step_sequence(proc, draft.answers)
    index = seq.index(current) if current in seq else 0
    return {"index": index + 1, "total": len(seq), "percent": int((index + 1) * 100 / len(seq))}


def _neighbour(
    proc: Procedure, draft: Draft, current: str, delta: int, seq: list[str] | None = None
) -> str | None:
    seq = seq if seq is not None else engine.step_sequence(proc, draft.answers)
    if current not in seq:
        return seq[0]
    i = seq.index(current) + delta
    return seq[i] if 0 <= i < len(seq) else None


# ---------------------------------------------------------------- start


@require_http_methods(["GET", "POST"])
def start(request: ResidentRequest, code: str) -> HttpResponse:
    try:
        proc = procedure_get(code=code)
    except ProcedureNotFound:
        raise Http404 from None
    resident = getattr(request, "resident", None)
    if resident is None or not _assurance_ok(request, proc):
        return _login_redirect(request, proc.assurance, request.path)
    if request.method == "POST":
        draft = services.draft_start(resident=resident, proc=proc, request=request)
        return HttpResponseRedirect(_step_url(draft, proc.steps[0].id))
    drafts = [
        d for d in selectors.draft_list_for_resident(resident=resident) if d.procedure_code == code
    ]
    return render(
        request,
        "applications/start.html",
        {"proc": proc, "drafts": drafts, "lang": lang()},
    )


# ---------------------------------------------------------------- steps


def _draft_and_proc(request: ResidentRequest, draft_id: Any) -> tuple[Draft, Procedure]:
    draft = selectors.draft_get_for_resident(resident=current_resident(request), draft_id=draft_id)
    return draft, services.draft_procedure(draft)


@resident_required
@require_http_methods(["GET", "POST"])
def step(request: ResidentRequest, draft_id: Any, step_id: str) -> HttpResponse:
    draft, proc = _draft_and_proc(request, draft_id)
    if not _assurance_ok(request, proc):
        return _login_redirect(request, proc.assurance)
    the_step = proc.step(step_id)
    if the_step is None or not engine.step_visible(proc, the_step, draft.answers):
        raise Http404
    locked = services.locked_values(proc=proc, resident=draft.resident, answers=draft.answers)
    current = lang()
    raw: dict[str, Any] | None = None
    problems: dict[str, engine.FieldProblem] = {}
    row_counts: dict[str, int] | None = None
    notice = ""
    if request.method == "POST":
        action = request.POST.get("action", "next")
        strict = action == "next"
        data = request.POST.copy()
        extra_rows: dict[str, int] = {}
        if action.startswith(("add:", "remove:", "lookup:")):
            notice = _prepare_action(action, the_step, data, extra_rows)
        result = engine.parse_step(
            proc, the_step, data, draft.answers, locked=locked, lenient=not strict, lang=current
        )
        raw, problems = result.raw, result.errors
        row_counts = {**result.rows, **extra_rows}
        if request.headers.get("X-Tsunagu-Autosave") == "1":
            # Background save while typing (progressive enhancement): same rules as
            # "save", but the answer is a small JSON instead of a page.
            if not problems:
                services.draft_save_step(
                    draft=draft, step_id=step_id, values=result.values, complete=False
                )
            return JsonResponse({"saved": not problems}, status=200 if not problems else 422)
        # A step is stored whole or not at all: with any error nothing changes, and the
        # page shows every typed value again with the messages.
        if not problems:
            services.draft_save_step(
                draft=draft, step_id=step_id, values=result.values, complete=strict
            )
        if notice:
            # Adding/removing a row or finding an address is not "next": messages about
            # answers still being typed would only distract; they come with "next".
            problems = {}
        elif not problems:
            if action == "save":
                messages.success(
                    request, _("入力内容を保存しました。マイページから続きを入力できます。")
                )
                return HttpResponseRedirect(reverse("applications:mypage"))
            if action == "back":
                target = _neighbour(proc, draft, step_id, -1)
                return HttpResponseRedirect(
                    _step_url(draft, target)
                    if target
                    else reverse("portal:procedure_guide", kwargs={"code": proc.code})
                )
            services.funnel_record(draft=draft, kind="leave", step=step_id)
            if request.GET.get("return") == "check":
                return HttpResponseRedirect(_step_url(draft, engine.CHECK))
            target = _neighbour(proc, draft, step_id, +1)
            return HttpResponseRedirect(_step_url(draft, target or engine.CHECK))
    else:
        services.funnel_step_seen(draft=draft, step=step_id)
    fields = bind_step(
        proc,
        the_step,
        answers={
            **services.profile_defaults(proc=proc, resident=draft.resident, answers=draft.answers),
            **draft.answers,
            **locked,
        },
        raw=raw,
        problems=problems,
        lang=current,
        locked=locked,
        row_counts=row_counts,
    )
    status = 400 if problems and request.method == "POST" else 200
    seq = engine.step_sequence(proc, draft.answers)
    return render(
        request,
        "applications/step.html",
        {
            "proc": proc,
            "draft": draft,
            "step": the_step,
            "fields_html": render_fields(fields, page_title=the_step.title.get(current)),
            "errors": error_list(fields),
            "progress": _progress(proc, draft, step_id, seq),
            "lang": current,
            "notice": notice,
            "return_to_check": request.GET.get("return") == "check",
            "is_first": _neighbour(proc, draft, step_id, -1, seq) is None,
        },
        status=status,
    )


def _prepare_action(action: str, the_step: Any, data: Any, extra_rows: dict[str, int]) -> str:
    """Apply "add a row", "remove a row" or "find the address" to the POSTed data before
    it is parsed, so the page comes back with the change and every typed value kept."""
    kind, _sep, arg = action.partition(":")
    groups = {f.id: f for f in the_step.fields if f.type == "group"}
    if kind == "add" and arg in groups:
        spec = groups[arg]
        count = engine.group_row_count(spec, data, 1)
        if count >= (spec.max_items or 1):
            return _("これ以上は追加できません。")
        extra_rows[arg] = max(count, 1) + 1
        return _("入力欄を1件追加しました。")
    if kind == "remove":
        group, _s, index = arg.partition(":")
        if group not in groups or not index.isdigit():
            return ""
        i = int(index)
        count = engine.group_row_count(groups[group], data, 1)
        prefix = f"{group}-"
        for key in [k for k in data if k.startswith(prefix) and k != f"{group}-rows"]:
            values = data.getlist(key)
            del data[key]
            _g, row_s, rest = key.split("-", 2)
            if not row_s.isdigit() or int(row_s) == i:
                continue
            r = int(row_s)
            data.setlist(f"{group}-{r - 1 if r > i else r}-{rest}", values)
        data[f"{group}-rows"] = str(max(count - 1, 1))
        extra_rows[group] = max(count - 1, 1)
        return _("入力欄を1件削除しました。")
    if kind == "lookup":
        code = "".join(
            ch for ch in data.get(engine.part_name(arg, "postal_code"), "") if ch.isdigit()
        )
        found = postal.lookup(code) if len(code) == 7 else []
        if not found:
            return _("郵便番号から住所が見つかりませんでした。住所を直接入力してください。")
        pref, city, town = found[0]
        line1 = engine.part_name(arg, "line1")
        if not data.get(line1, "").startswith(f"{pref}{city}{town}"):
            data[line1] = f"{pref}{city}{town}"
        return _("郵便番号から住所を入れました。番地や部屋番号を続けて入力してください。")
    return ""


# ---------------------------------------------------------------- attachments


@resident_required
@require_http_methods(["GET", "POST"])
def attachments(request: ResidentRequest, draft_id: Any) -> HttpResponse:
    draft, proc = _draft_and_proc(request, draft_id)
    if not _assurance_ok(request, proc):
        return _login_redirect(request, proc.assurance)
    current = lang()
    slots = engine.visible_attachments(proc, engine.prune(proc, draft.answers))
    if not slots:
        raise Http404
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "next")
        if action.startswith("upload:"):
            slot_id = action.removeprefix("upload:")
            spec = next((s for s in slots if s.id == slot_id), None)
            upload = request.FILES.get(f"file-{slot_id}")
            if spec is None:
                raise Http404
            existing = draft.attachments.filter(slot=slot_id).count()
            if upload is None:
                errors[slot_id] = _("ファイルを選んでから「添付する」を押してください。")
            elif existing >= spec.max_files:
                errors[slot_id] = _(
                    "この書類は%(n)d件まで添付できます。不要なファイルを削除してから添付してください。"
                ) % {"n": spec.max_files}
            else:
                try:
                    prepared = attachment_prepare(
                        data=upload, filename=upload.name or "", spec=spec
                    )
                except AttachmentError as err:
                    errors[slot_id] = str(err.message)
                else:
                    services.attachment_add(draft=draft, slot=slot_id, prepared=prepared)
                    messages.success(
                        request,
                        _("「%(name)s」を添付しました。") % {"name": prepared.original_name},
                    )
                    return HttpResponseRedirect(request.path + f"#slot-{slot_id}")
            status = 400
        elif action.startswith("delete:"):
            att = selectors.attachment_get_for_resident(
                resident=current_resident(request),
                attachment_id=action.removeprefix("delete:"),
            )
            if att.draft_id != draft.pk:
                raise Http404
            services.attachment_remove(attachment=att)
            messages.success(request, _("ファイルを削除しました。"))
            return HttpResponseRedirect(request.path)
        else:
            services.draft_set_later(draft=draft, slots=request.POST.getlist("later"))
            if action == "back":
                target = _neighbour(proc, draft, engine.ATTACHMENTS, -1)
                return HttpResponseRedirect(_step_url(draft, target or engine.CHECK))
            if action == "save":
                messages.success(
                    request, _("入力内容を保存しました。マイページから続きを入力できます。")
                )
                return HttpResponseRedirect(reverse("applications:mypage"))
            by_slot = selectors.attachments_by_slot(draft=draft)
            for spec in slots:
                if (
                    spec.required
                    and not by_slot.get(spec.id)
                    and spec.id not in draft.later_attachments
                ):
                    label = spec.label.get(current)
                    errors[spec.id] = (
                        _(
                            "「%(label)s」を添付してください。後日提出する場合は「後で送る」にチェックを入れてください。"
                        )
                        if spec.later_allowed
                        else _("「%(label)s」を添付してください。")
                    ) % {"label": label}
            if not errors:
                services.funnel_record(draft=draft, kind="leave", step=engine.ATTACHMENTS)
                return HttpResponseRedirect(_step_url(draft, engine.CHECK))
            status = 400
    else:
        services.funnel_step_seen(draft=draft, step=engine.ATTACHMENTS)
    by_slot = selectors.attachments_by_slot(draft=draft)
    rows = [
        {
            "spec": s,
            "label": s.label.get(current),
            "hint": s.hint.get(current) if s.hint else "",
            "files": by_slot.get(s.id, []),
            "error": errors.get(s.id, ""),
            "later": s.id in draft.later_attachments,
            "kinds": ", ".join(k.upper() for k in s.kinds),
            "accept": ",".join(_ACCEPT[k] for k in s.kinds),
        }
        for s in slots
    ]
    return render(
        request,
        "applications/attachments.html",
        {
            "proc": proc,
            "draft": draft,
            "rows": rows,
            "errors": [(f"file-{k}", v) for k, v in errors.items()],
            "progress": _progress(proc, draft, engine.ATTACHMENTS),
            "lang": current,
        },
        status=status,
    )


_ACCEPT = {
    "pdf": "application/pdf,.pdf",
    "jpeg": "image/jpeg,.jpg,.jpeg",
    "png": "image/png,.png",
    "heic": "image/heic,image/heif,.heic,.heif",
    "webp": "image/webp,.webp",
    "tiff": "image/tiff,.tif,.tiff",
}


# ---------------------------------------------------------------- check and submit


@resident_required
@require_http_methods(["GET", "POST"])
def check(request: ResidentRequest, draft_id: Any) -> HttpResponse:
    resident = current_resident(request)
    draft = selectors.draft_get_any_for_resident(resident=resident, draft_id=draft_id)
    if draft.submitted_at is not None:
        if request.method == "POST":
            # Idempotent: a second click on 申請する finds the draft already submitted.
            app = draft.application
            return HttpResponseRedirect(
                reverse("applications:done", kwargs={"application_id": app.pk})
            )
        raise Http404
    proc = services.draft_procedure(draft)
    if not _assurance_ok(request, proc):
        return _login_redirect(request, proc.assurance)
    current = lang()
    problems: list[engine.Problem] = []
    duplicate = None
    if request.method == "POST":
        try:
            version = int(request.POST.get("version", "0"))
        except ValueError:
            version = 0
        if version != draft.procedure_version:
            problems = [
                engine.Problem(
                    engine.CHECK,
                    "version",
                    _(
                        "手続きの内容が更新されました。内容を確認してから、もう一度「申請する」を押してください。"
                    ),
                )
            ]
        elif proc.assurance == Assurance.CARD_SIGNATURE:
            # Everything is checked first; then the resident signs, and the signing page
            # submits. The declaration goes with the draft to that page.
            declared = request.POST.get("declaration") == "yes"
            confirm = request.POST.get("confirm_duplicate") == "yes"
            try:
                services.submission_precheck(
                    draft=draft,
                    resident=resident,
                    assurance=session_assurance(request),
                    declared=declared,
                    confirm_duplicate=confirm,
                    lang=current,
                )
            except services.SubmissionRefused as refused:
                problems = refused.problems
                duplicate = refused.duplicate
            else:
                services.draft_declare(draft=draft, confirm_duplicate=confirm)
                return HttpResponseRedirect(
                    reverse("applications:sign", kwargs={"draft_id": draft.pk})
                )
        else:
            try:
                submitted = services.application_submit(
                    draft=draft,
                    resident=resident,
                    assurance=session_assurance(request),
                    declared=request.POST.get("declaration") == "yes",
                    confirm_duplicate=request.POST.get("confirm_duplicate") == "yes",
                    request=request,
                    lang=current,
                )
            except services.SubmissionRefused as refused:
                problems = refused.problems
                duplicate = refused.duplicate
            else:
                return HttpResponseRedirect(
                    reverse(
                        "applications:done", kwargs={"application_id": submitted.application.pk}
                    )
                )
    else:
        services.funnel_step_seen(draft=draft, step=engine.CHECK)
        duplicate = selectors.application_duplicate(
            resident=resident,
            procedure_code=proc.code,
            period_key=services.period_key(proc.period, timezone.now()),
        )
    sections = engine.summarise(proc, draft.answers, current)
    locked = services.locked_values(proc=proc, resident=resident, answers=draft.answers)
    slots = engine.visible_attachments(proc, engine.prune(proc, draft.answers))
    by_slot = selectors.attachments_by_slot(draft=draft)
    incomplete = (
        engine.validate_answers(proc, draft.answers, current) if request.method == "GET" else []
    )
    error_links = []
    for p in problems + incomplete:
        if p.step and p.step not in (engine.CHECK,):
            error_links.append((_step_url(draft, p.step) + "?return=check", p.message))
        else:
            error_links.append(("#" + (p.field or "declaration"), p.message))
    return render(
        request,
        "applications/check.html",
        {
            "proc": proc,
            "draft": draft,
            "sections": [(s, _step_url(draft, s.step.id) + "?return=check") for s in sections],
            "attachments": [
                {
                    "label": s.label.get(current),
                    "files": by_slot.get(s.id, []),
                    "later": s.id in draft.later_attachments,
                }
                for s in slots
            ],
            "attachments_url": _step_url(draft, engine.ATTACHMENTS) if slots else "",
            "errors": error_links,
            "duplicate": duplicate,
            "progress": _progress(proc, draft, engine.CHECK),
            "lang": current,
            "declaration_error": any(p.field == "declaration" for p in problems),
            "locked": set(locked),
        },
        status=400 if problems else 200,
    )


@resident_required
@require_http_methods(["GET", "POST"])
def sign(request: ResidentRequest, draft_id: Any) -> HttpResponse:
    """Sign the checked application with the My Number Card, then submit it.

    In-process plugins (the demo) sign here; a redirect plugin (the デジタル認証アプリ)
    sends the resident to the provider, and ``sign_callback`` submits.
    """
    resident = current_resident(request)
    draft = selectors.draft_get_any_for_resident(resident=resident, draft_id=draft_id)
    if draft.submitted_at is not None:
        return HttpResponseRedirect(
            reverse("applications:done", kwargs={"application_id": draft.application.pk})
        )
    proc = services.draft_procedure(draft)
    if proc.assurance != Assurance.CARD_SIGNATURE or not services.draft_is_declared(draft=draft):
        return HttpResponseRedirect(_step_url(draft, engine.CHECK))
    if not _assurance_ok(request, proc):
        return _login_redirect(request, proc.assurance)
    plugin = signing.registry.active()
    error = ""
    if request.method == "POST" and plugin is not None and plugin.redirects:
        try:
            url = plugin.begin(
                request=request,
                draft=draft,
                data=signing.signed_bytes(proc=proc, draft=draft),
                title=str(proc.names.get("ja")),
            )
        except signing.SigningFailed as failure:
            return _sign_failed(request, plugin_id=plugin.id, failure=failure, draft=draft)
        from tsunagu.audit.services import audit_record

        audit_record(
            action="application.sign_start",
            request=request,
            obj_type="draft",
            obj_id=str(draft.pk),
            summary={"plugin": plugin.id},
        )
        return HttpResponseRedirect(url)
    if request.method == "POST" and plugin is not None:
        try:
            data = signing.signed_bytes(proc=proc, draft=draft)
            signed = plugin.sign(resident=resident, data=data, pin=request.POST.get("pin", ""))
            submitted = services.application_submit(
                draft=draft,
                resident=resident,
                assurance=session_assurance(request),
                declared=True,
                confirm_duplicate=draft.confirm_duplicate,
                request=request,
                lang=lang(),
                signed=signed,
            )
        except signing.SigningError as err:
            error = err.message
        except services.SubmissionRefused as refused:
            error = " ".join(p.message for p in refused.problems)
        else:
            return HttpResponseRedirect(
                reverse("applications:done", kwargs={"application_id": submitted.application.pk})
            )
    return render(
        request,
        "applications/sign.html",
        {
            "proc": proc,
            "draft": draft,
            "plugin": plugin,
            "error": error,
            "check_url": _step_url(draft, engine.CHECK),
            "lang": lang(),
        },
        status=400 if error else 200,
    )


@resident_required
@require_http_methods(["GET"])
def sign_callback(request: ResidentRequest, plugin_id: str) -> HttpResponse:
    """The signing provider's callback: check what came back, verify it, then submit.

    Any failure ends on one clear page with a way back and an audit event; the draft is
    left as it was, and nothing is submitted unless the signature verifies.
    """
    resident = current_resident(request)
    plugin = signing.registry.active()
    if plugin is None or plugin.id != plugin_id or not plugin.redirects:
        raise Http404
    try:
        completion = plugin.finish(request=request, resident=resident)
    except signing.SigningFailed as failure:
        try:
            found: Draft | None = selectors.draft_get_any_for_resident(
                resident=resident, draft_id=failure.draft_id
            )
        except Http404:
            found = None
        return _sign_failed(request, plugin_id=plugin_id, failure=failure, draft=found)
    draft = selectors.draft_get_any_for_resident(resident=resident, draft_id=completion.draft_id)
    if draft.submitted_at is not None:
        return HttpResponseRedirect(
            reverse("applications:done", kwargs={"application_id": draft.application.pk})
        )
    proc = services.draft_procedure(draft)
    if not _assurance_ok(request, proc):
        return _login_redirect(request, proc.assurance, _step_url(draft, engine.CHECK))

    def fail(reason: str, codes: list[str] | None = None, message: str = "") -> HttpResponse:
        failure = signing.SigningFailed(reason, draft_id=str(draft.pk))
        return _sign_failed(
            request,
            plugin_id=plugin_id,
            failure=failure,
            draft=draft,
            codes=codes,
            message=message,
        )

    data = signing.signed_bytes(proc=proc, draft=draft)
    if not services.draft_is_declared(draft=draft) or (
        hashlib.sha256(data).hexdigest() != completion.signed.data_sha256
    ):
        return fail("changed_after_signing")
    # Verified here first for a precise page and audit codes; the submission verifies again.
    verification = signing.signature_verify(data=data, signed=completion.signed)
    if not verification.valid:
        return fail("verification_failed", verification.reason_codes)
    try:
        submitted = services.application_submit(
            draft=draft,
            resident=resident,
            assurance=session_assurance(request),
            declared=True,
            confirm_duplicate=draft.confirm_duplicate,
            request=request,
            lang=lang(),
            signed=completion.signed,
        )
    except services.SubmissionRefused as refused:
        return fail("submission_refused", message=" ".join(p.message for p in refused.problems))
    return HttpResponseRedirect(
        reverse("applications:done", kwargs={"application_id": submitted.application.pk})
    )


_SIGN_FAILURES: dict[str, tuple[StrOrPromise, StrOrPromise]] = {
    "cancelled": (
        gettext_lazy("署名を中止しました"),
        gettext_lazy(
            "電子署名が取り消されたため、申請はまだ送られていません。入力した内容は保存されています。"
        ),
    ),
    "expired": (
        gettext_lazy("署名の有効期限が切れました"),
        gettext_lazy(
            "署名を始めてから時間がたったか、別の画面で始めた署名のため、続けられませんでした。"
            "申請はまだ送られていません。お手数ですが、もう一度署名してください。"
        ),
    ),
    "unavailable": (
        gettext_lazy("署名サービスにつながりません"),
        gettext_lazy(
            "デジタル認証アプリの署名サービスが一時的に利用できません。申請はまだ送られていません。"
            "入力した内容は保存されていますので、しばらく待ってから、もう一度お試しください。"
        ),
    ),
    "changed": (
        gettext_lazy("申請の内容が変わりました"),
        gettext_lazy(
            "署名した後に申請の内容が変わったため、申請は送られていません。"
            "内容を確認し、もう一度署名してください。"
        ),
    ),
    "invalid": (
        gettext_lazy("電子署名を確認できませんでした"),
        gettext_lazy(
            "署名サービスから受け取った電子署名を確認できなかったため、安全のため申請を送りませんでした。"
            "入力した内容は保存されています。繰り返し表示される場合は、担当課へお問い合わせください。"
        ),
    ),
    "signer": (
        gettext_lazy("ログインした方と署名した方が違います"),
        gettext_lazy(
            "ログインした方ご本人のマイナンバーカードで署名してください。申請はまだ送られていません。"
        ),
    ),
}
_SIGN_FAILURE_KIND = {
    "cancelled": "cancelled",
    "state_missing": "expired",
    "state_unknown": "expired",
    "state_expired": "expired",
    "state_mismatch": "expired",
    "provider_unavailable": "unavailable",
    "changed_after_signing": "changed",
    "signer_not_resident": "signer",
}


def _sign_failed(
    request: ResidentRequest,
    *,
    plugin_id: str,
    failure: signing.SigningFailed,
    draft: Draft | None,
    codes: list[str] | None = None,
    message: str = "",
) -> HttpResponse:
    """Record ``application.sign_failed`` and render the page with a way back."""
    from tsunagu.audit.services import audit_record

    reason = re.sub(r"[^a-z0-9_]", "", failure.reason)[:64]
    summary: dict[str, Any] = {"plugin": plugin_id, "reason": reason}
    if failure.detail:
        summary["detail"] = re.sub(r"[^a-z0-9_]", "", failure.detail.lower())[:64]
    if codes:
        summary["codes"] = codes[:10]
    audit_record(
        action="application.sign_failed",
        request=request,
        obj_type="draft",
        obj_id=str(draft.pk) if draft is not None else "",
        summary=summary,
    )
    kind = _SIGN_FAILURE_KIND.get(reason, "invalid")
    title, text = _SIGN_FAILURES[kind]
    details: list[str] = []
    if codes:
        from tsunagu.core.jpki import MESSAGES

        details = [str(MESSAGES[c]) for c in codes if c in MESSAGES]
    if message:
        details.append(message)
    return render(
        request,
        "applications/sign_failed.html",
        {
            "title": title,
            "message": text,
            "details": details,
            "reason": reason,
            "draft": draft,
            "sign_url": reverse("applications:sign", kwargs={"draft_id": draft.pk})
            if draft is not None and draft.submitted_at is None
            else "",
            "check_url": _step_url(draft, engine.CHECK) if draft is not None else "",
        },
        status=503 if kind == "unavailable" else 400,
    )


@resident_required
def done(request: ResidentRequest, application_id: Any) -> HttpResponse:
    app = selectors.application_get_for_resident(
        resident=current_resident(request), application_id=application_id
    )
    proc = procedure_version_get(code=app.procedure_code, version=app.procedure_version)
    return render(
        request,
        "applications/done.html",
        {
            "app": app,
            "proc": proc,
            "department": department_get(code=proc.department),
            "lang": lang(),
        },
    )


# ---------------------------------------------------------------- my page


@resident_required
def mypage(request: ResidentRequest) -> HttpResponse:
    resident = current_resident(request)
    current = lang()
    drafts = []
    for d in selectors.draft_list_for_resident(resident=resident):
        try:
            p = services.draft_procedure(d)
        except ProcedureNotFound:
            continue
        drafts.append({"draft": d, "name": p.names.get(current)})
    apps = []
    for a in selectors.application_list_for_resident(resident=resident):
        p = procedure_version_get(code=a.procedure_code, version=a.procedure_version)
        apps.append({"app": a, "name": p.names.get(current)})
    return render(
        request, "applications/mypage.html", {"drafts": drafts, "apps": apps, "lang": current}
    )


@resident_required
def application_detail(request: ResidentRequest, application_id: Any) -> HttpResponse:
    app = selectors.application_get_for_resident(
        resident=current_resident(request), application_id=application_id
    )
    current = lang()
    proc = procedure_version_get(code=app.procedure_code, version=app.procedure_version)
    return render(
        request,
        "applications/detail.html",
        {
            "app": app,
            "proc": proc,
            "sections": engine.summarise(proc, app.answers, current),
            "history": app.history.all(),
            "files": app.draft.attachments.all(),
            "later": [
                a.label.get(current) for a in proc.attachments if a.id in app.later_attachments
            ],
            "can_withdraw": app.status in WITHDRAWABLE_STATUSES,
            "signature": ApplicationSignature.objects.filter(application=app).first(),
            "department": department_get(code=proc.department),
            "lang": current,
        },
    )


@resident_required
@require_POST
def withdraw(request: ResidentRequest, application_id: Any) -> HttpResponse:
    app = selectors.application_get_for_resident(
        resident=current_resident(request), application_id=application_id
    )
    if request.POST.get("confirm") != "yes":
        messages.error(request, _("取り下げる場合は、確認のチェックを入れてください。"))
        return HttpResponseRedirect(
            reverse("applications:detail", kwargs={"application_id": app.pk}) + "#withdraw"
        )
    try:
        services.application_withdraw(
            application=app,
            resident=current_resident(request),
            reason=request.POST.get("reason", ""),
            request=request,
        )
    except services.NotWithdrawable:
        messages.error(
            request,
            _(
                "この申請はすでに審査が始まっているため、取り下げできません。担当課へお問い合わせください。"
            ),
        )
    else:
        messages.success(request, _("申請を取り下げました。"))
    return HttpResponseRedirect(reverse("applications:detail", kwargs={"application_id": app.pk}))


@resident_required
@require_POST
def draft_discard(request: ResidentRequest, draft_id: Any) -> HttpResponse:
    draft = selectors.draft_get_for_resident(resident=current_resident(request), draft_id=draft_id)
    services.draft_discard(draft=draft, request=request)
    messages.success(request, _("入力途中の申請を削除しました。"))
    return HttpResponseRedirect(reverse("applications:mypage"))


@resident_required
def attachment_file(request: ResidentRequest, attachment_id: Any) -> FileResponse:
    att = selectors.attachment_get_for_resident(
        resident=current_resident(request), attachment_id=attachment_id
    )
    # PDFs are downloaded, never rendered inline: a browser's PDF viewer is a large surface.
    response = FileResponse(
        att.file.open("rb"),
        content_type=att.content_type,
        as_attachment=att.content_type == "application/pdf",
        filename=att.original_name,
    )
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = (
        "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
    )
    return response
