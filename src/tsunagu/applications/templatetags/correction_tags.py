"""``{% application_corrections app as corrections %}``: what the resident's application
page shows of corrections (補正), without the page's view knowing about them."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from tsunagu.applications.correction_diff import answers_diff, field_label, slot_label
from tsunagu.applications.models import Application, Status
from tsunagu.applications.selectors import correction_list_for_application
from tsunagu.core.fieldtypes import reading_lang
from tsunagu.procedures.selectors import procedure_version_get

register = template.Library()


@register.simple_tag
def application_corrections(app: Application) -> dict[str, Any]:
    """The open round (what is asked, by when) and the answered ones (what changed)."""
    rounds = list(correction_list_for_application(application=app))
    if not rounds:
        return {"open": None, "answered": []}
    lang = reading_lang()
    proc = procedure_version_get(code=app.procedure_code, version=app.procedure_version)
    # A withdrawn application asks nothing more of the resident.
    open_round = (
        next((r for r in rounds if r.answered_at is None), None)
        if app.status != Status.WITHDRAWN
        else None
    )
    return {
        "open": open_round,
        "overdue": bool(
            open_round and open_round.due_date and open_round.due_date < timezone.localdate()
        ),
        "fields": [field_label(proc, f, lang) for f in open_round.fields] if open_round else [],
        "slots": (
            [slot_label(proc, s, lang) for s in open_round.attachment_slots] if open_round else []
        ),
        "answered": [
            {
                "round": r,
                "changes": answers_diff(proc, r.answers_before, r.answers_after or {}, lang),
            }
            for r in rounds
            if r.answered_at is not None
        ],
    }
