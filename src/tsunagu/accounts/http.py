"""The request type of resident-facing views, with what the middleware attaches."""

from __future__ import annotations

from django.http import HttpRequest

from tsunagu.accounts.models import Resident


class ResidentRequest(HttpRequest):
    """``HttpRequest`` after ``RequestIdMiddleware`` and ``ResidentMiddleware``."""

    resident: Resident | None
    request_id: str


def current_resident(request: ResidentRequest) -> Resident:
    """The logged-in resident of a view guarded by ``resident_required``."""
    resident = request.resident
    if resident is None:  # pragma: no cover - the decorator redirects first
        raise PermissionError("resident_required is missing on this view")
    return resident
