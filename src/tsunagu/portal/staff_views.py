"""The staff's やさしい日本語 checker: a page (a plain form, no JavaScript) and a JSON API.

- ``GET/POST /staff/yasashii/``: paste a text, see each sentence with its problems
  highlighted, the reason, the suggested rewrite, and the score before and after.
- ``POST /staff/yasashii/api/``: the same as JSON, ``{"text": "..."}`` in,
  ``CheckResult.to_dict()`` out. It uses the staff session (any role) and Django's CSRF
  protection: send the ``csrftoken`` cookie's value in the ``X-CSRFToken`` header. Errors
  are JSON ``{"error": {"code": ..., "message": ...}}`` with 400, 401, 405 or 413; bad
  input never gives a 500. See docs/yasashii-portal.md.
"""

from __future__ import annotations

import json

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from tsunagu.accounts.staff_services import staff_from_session
from tsunagu.accounts.staff_views import staff_required
from tsunagu.portal.checker import MAX_CHARS, yasashii_check

# A JSON body larger than this is refused before it is parsed (10,000 characters written
# as \\uXXXX escapes take 60,000 bytes).
MAX_BODY_BYTES = 128 * 1024


def text_error(text: str) -> tuple[str, str] | None:
    """``(code, message)`` when ``text`` cannot be checked, else None.

    Example: ``text_error(" ")[0] == "text_empty"``.
    """
    if not text.strip():
        return "text_empty", _("確かめる文章を入力してください。")
    if len(text) > MAX_CHARS:
        return "text_too_long", _(
            "文章が長すぎます。%(max)s文字以内にしてください（いまは%(count)s文字です）。"
        ) % {"max": f"{MAX_CHARS:,}", "count": f"{len(text):,}"}
    return None


@staff_required()
@require_http_methods(["GET", "POST"])
def yasashii_checker(request: HttpRequest) -> HttpResponse:
    """The checker page; a POST with ``text`` shows the result under the form."""
    text = ""
    error = None
    result = None
    if request.method == "POST":
        text = request.POST.get("text", "")
        problem = text_error(text)
        if problem is None:
            result = yasashii_check(text=text)
        else:
            error = problem[1]
    return render(
        request,
        "portal/staff/yasashii_checker.html",
        {"text": text, "error": error, "result": result, "max_chars": f"{MAX_CHARS:,}"},
    )


def _error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse(
        {"error": {"code": code, "message": message}},
        status=status,
        json_dumps_params={"ensure_ascii": False},
    )


@never_cache
def yasashii_api(request: HttpRequest) -> HttpResponse:
    """``POST {"text": "..."}`` → the check as JSON (see the module docstring)."""
    if staff_from_session(request) is None:
        return _error(401, "login_required", _("職員としてログインしてください。"))
    if request.method != "POST":
        response = _error(405, "method_not_allowed", _("POST で送ってください。"))
        response["Allow"] = "POST"
        return response
    too_big = _error(
        413, "body_too_large", _("送られたデータが大きすぎます。文章を短くしてください。")
    )
    try:
        body = request.body
    except RequestDataTooBig:
        return too_big
    if len(body) > MAX_BODY_BYTES:
        return too_big
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        return _error(400, "invalid_json", _("JSON として読めませんでした。"))
    if not isinstance(data, dict):
        return _error(400, "not_an_object", _('{"text": "確かめる文章"} の形で送ってください。'))
    text = data.get("text")
    if not isinstance(text, str):
        return _error(400, "text_not_a_string", _("text には文章を文字列で入れてください。"))
    problem = text_error(text)
    if problem is not None:
        return _error(400, *problem)
    return JsonResponse(
        yasashii_check(text=text).to_dict(), json_dumps_params={"ensure_ascii": False}
    )
