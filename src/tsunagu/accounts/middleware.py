"""Attach the logged-in resident (or None) to every request as ``request.resident``."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from tsunagu.accounts.selectors import resident_from_session


class ResidentMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Costs no query for a visitor without a session cookie.
        request.resident = resident_from_session(request)  # type: ignore[attr-defined]  # request-scoped attribute
        return self.get_response(request)
