"""Attach the logged-in resident (or None) to every request as ``request.resident``, and
end sessions that were idle too long, are too old, or were logged out everywhere."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy

from tsunagu.accounts.selectors import resident_from_session
from tsunagu.accounts.services import resident_logout, session_expired_reason, session_touch

_MESSAGES = {
    "idle": gettext_lazy(
        "一定時間操作がなかったため、安全のためログアウトしました。入力中の申請は保存されています。もう一度ログインすると続きから入力できます。"
    ),
    "absolute": gettext_lazy(
        "ログインしてから時間がたったため、安全のためログアウトしました。入力中の申請は保存されています。もう一度ログインしてください。"
    ),
    "elsewhere": gettext_lazy(
        "すべての端末からログアウトする操作が行われたため、ログアウトしました。"
    ),
}


class ResidentMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Costs no query for a visitor without a session cookie.
        request.resident = resident_from_session(request)  # type: ignore[attr-defined]  # request-scoped attribute
        reason = session_expired_reason(request=request)
        if reason:
            resident_logout(request=request, reason=reason)
            messages.warning(request, _MESSAGES[reason])
        elif request.resident is not None:  # type: ignore[attr-defined]  # set above
            session_touch(request=request)
        return self.get_response(request)
