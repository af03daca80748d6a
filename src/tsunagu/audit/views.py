"""The audit screen for the 監査 (auditor) role: read-only, under /staff/audit/.

Who viewed or changed which case and when, filtered by person, case (id or 受付番号),
action and date range, newest first in pages keyed by ``seq``; and the result of the
same chain check as ``tsunagu audit verify``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from tsunagu.accounts.staff_models import StaffRole
from tsunagu.accounts.staff_views import staff_required
from tsunagu.audit.models import ActorType
from tsunagu.audit.selectors import AUDIT_PAGE_SIZE, audit_events_search
from tsunagu.audit.services import audit_record
from tsunagu.audit.verify import audit_verify

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# Actions an auditor most often looks for, offered in the filter (free text also works).
COMMON_ACTIONS: tuple[tuple[str, StrOrPromise], ...] = (
    ("case.view", gettext_lazy("案件の閲覧")),
    ("case.my_number_reveal", gettext_lazy("個人番号の表示")),
    ("case.attachment_download", gettext_lazy("添付書類のダウンロード")),
    ("case.", gettext_lazy("案件の操作すべて")),
    ("staff.", gettext_lazy("職員アカウントの操作")),
    ("auth.", gettext_lazy("ログイン")),
    ("application.", gettext_lazy("申請")),
)


def _date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value.strip()) if value.strip() else None
    except ValueError:
        return None


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _case_id_for(text: str) -> str | None:
    """A case's id from a UUID or a 受付番号; None when no case has that receipt number."""
    try:
        return str(uuid.UUID(text))
    except ValueError:
        pass
    # The audit log keys cases by id; staff know them by receipt number.
    from tsunagu.casework.models import Case

    found = Case.objects.filter(receipt_number=text.strip().upper()).values_list("pk", flat=True)
    return str(found[0]) if found else None


@staff_required(roles=[StaffRole.AUDITOR])
@require_GET
def audit_list(request: HttpRequest) -> HttpResponse:
    """The audit log, filtered (all filters in the query string), newest first."""
    q = request.GET
    actor = q.get("actor", "").strip()[:200]
    case = q.get("case", "").strip()[:64]
    action = q.get("action", "").strip()[:100]
    since_day = _date(q.get("since", ""))
    until_day = _date(q.get("until", ""))
    errors: dict[str, str] = {}
    if since_day and until_day and since_day > until_day:
        errors["until"] = _("終了日は開始日と同じか、それより後の日付にしてください。")
    for name in ("since", "until"):
        if q.get(name, "").strip() and _date(q.get(name, "")) is None:
            errors[name] = _("日付は 2026-04-01 の形で入力してください。")
    try:
        before = int(q.get("before", ""))
    except ValueError:
        before = None
    obj_id = ""
    no_such_case = False
    if case:
        found = _case_id_for(case)
        if found is None:
            no_such_case = True
        else:
            obj_id = found
    events: list[Any] = []
    if not errors and not no_such_case:
        events = audit_events_search(
            actor=actor,
            obj_type="case" if case else "",
            obj_id=obj_id,
            action=action,
            since=_start_of(since_day) if since_day else None,
            until=_start_of(until_day + dt.timedelta(days=1)) if until_day else None,
            before_seq=before,
            limit=AUDIT_PAGE_SIZE + 1,
        )
    # The auditor's own reading is on the record too (which filters, not their values).
    audit_record(
        action="audit.search",
        actor=request.staff.user,  # type: ignore[attr-defined]  # set by staff_required
        request=request,
        obj_type="audit_log",
        summary={"filters": sorted(k for k, v in q.items() if v and k != "before")},
        role=StaffRole.AUDITOR,
    )
    has_next = len(events) > AUDIT_PAGE_SIZE
    events = events[:AUDIT_PAGE_SIZE]
    query = {k: v for k, v in q.items() if k != "before" and v}
    role_labels = dict(StaffRole.choices)
    return render(
        request,
        "audit/list.html",
        {
            "events": events,
            "rows": [(e, role_labels.get(e.role, e.role)) for e in events],
            "actor": actor,
            "case": case,
            "action": action,
            "since": q.get("since", ""),
            "until": q.get("until", ""),
            "errors": errors,
            "no_such_case": no_such_case,
            "common_actions": COMMON_ACTIONS,
            "actor_types": dict(ActorType.choices),
            "next_before": events[-1].seq if has_next and events else None,
            "is_first_page": before is None,
            "query_prefix": urlencode(query) + ("&" if query else ""),
            "filtered": bool(query),
        },
        status=400 if errors else 200,
    )


@staff_required(roles=[StaffRole.AUDITOR])
@require_GET
def audit_verify_page(request: HttpRequest) -> HttpResponse:
    """Run the chain check of ``tsunagu audit verify`` and show its result."""
    report = audit_verify(max_problems=100)
    return render(
        request,
        "audit/verify.html",
        {"report": report, "checked_at": timezone.localtime()},
    )
