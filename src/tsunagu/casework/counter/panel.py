"""The counter's section of the staff case page: how the applicant was identified."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.http import HttpRequest

from tsunagu.casework.counter.models import CounterItem

if TYPE_CHECKING:
    from tsunagu.accounts.staff_models import StaffProfile
    from tsunagu.casework.models import Case


def counter_panel(request: HttpRequest, case: Case, staff: StaffProfile) -> dict[str, Any] | None:
    """Shown only for applications taken at the counter."""
    if case.channel != "counter":
        return None
    item = (
        CounterItem.objects.filter(application_id=case.application_id)
        .select_related("visit", "visit__clerk")
        .first()
    )
    if item is None:
        return None
    return {"visit": item.visit}
