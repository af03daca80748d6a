"""Reads of the back office: the department inbox, one case, its history."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import BooleanField, Count, ExpressionWrapper, F, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext

from tsunagu.accounts.staff_models import StaffProfile
from tsunagu.casework import workdays
from tsunagu.casework.models import OPEN_CASE_STATUSES, Case, CaseNote, CaseStatus, CaseStatusChange
from tsunagu.core import crypto, japanese

# An open case due within this many working days is flagged 期限間近.
DUE_SOON_WORKING_DAYS = 3


def case_list_for_department(
    *,
    department: str,
    status: str | None = None,
    assignee_id: int | None = None,
    overdue_only: bool = False,
    today: dt.date | None = None,
) -> QuerySet[Case]:
    """The inbox of one department: its cases, soonest deadline first, each annotated with
    ``is_overdue`` and ``is_due_soon`` (both only for open cases). Served by the index
    (department, status, due_date).

    >>> case_list_for_department(department="kodomo_seisaku", status="received")  # doctest: +SKIP
    <QuerySet [<Case: R8-000001 received>]>
    """
    today = today or timezone.localdate()
    soon = workdays.add_working_days(today, DUE_SOON_WORKING_DAYS)
    # "due_date IS NOT NULL" keeps the flags false (not NULL) for cases without a deadline.
    open_q = Q(status__in=OPEN_CASE_STATUSES, due_date__isnull=False)
    filters: dict[str, Any] = {"department": department}
    if status:
        filters["status"] = status
    if assignee_id is not None:
        filters["assignee_id"] = assignee_id
    qs = (
        Case.objects.filter(**filters)
        .annotate(
            is_overdue=ExpressionWrapper(
                open_q & Q(due_date__lt=today), output_field=BooleanField()
            ),
            is_due_soon=ExpressionWrapper(
                open_q & Q(due_date__gte=today, due_date__lte=soon), output_field=BooleanField()
            ),
        )
        .order_by(F("due_date").asc(nulls_last=True), "submitted_at", "pk")
    )
    if overdue_only:
        qs = qs.filter(open_q, due_date__lt=today)
    return qs


def case_get_for_department(*, department: str, case_id: uuid.UUID | str) -> Case:
    """One case of ``department``; the same ``Http404`` whether it is missing or another
    department's, so an id reveals nothing."""
    try:
        return Case.objects.get(pk=case_id, department=department)
    except (Case.DoesNotExist, ValidationError, ValueError, TypeError) as exc:
        # A malformed UUID raises ValidationError: also "not found".
        raise Http404 from exc


def case_get_for_application(*, application_id: uuid.UUID | str) -> Case | None:
    """The case made from an application, if the hand-off has taken it."""
    return Case.objects.filter(application_id=application_id).first()


def case_history(*, case: Case) -> QuerySet[CaseStatusChange]:
    return CaseStatusChange.objects.filter(case=case).select_related("actor")


def case_notes(*, case: Case) -> QuerySet[CaseNote]:
    """The internal notes of a case, oldest first, with their authors."""
    return CaseNote.objects.filter(case=case).select_related("author")


# ---------------------------------------------------------------- who may see cases

# Roles that work on the cases of their own department (the inbox and the case page).
# 部長 (director) reads the department's cases; 管理者 (admin) manages accounts and 監査
# (auditor) reads the audit log: neither sees cases.
CASE_ROLES: tuple[str, ...] = ("clerk", "chief", "section_head", "director")
# Roles that act on a case (start review, assign, note, withdraw).
CASE_ACTION_ROLES: tuple[str, ...] = ("clerk", "chief", "section_head")
# Roles that may reveal a 個人番号 of their department's cases (an audited action).
MY_NUMBER_ROLES: tuple[str, ...] = ("clerk", "chief", "section_head")
# The purpose given for a reveal is kept in the audit log: short, like a ledger entry.
MY_NUMBER_PURPOSE_MAX = 200


def case_get_for_staff(*, staff: StaffProfile, case_id: uuid.UUID | str) -> Case:
    """The case ``case_id`` if ``staff`` may see it (a case role, the case's department).

    Raises the same ``Http404`` whether the case is missing, another department's, or the
    role sees no cases at all, so an id reveals nothing. Does not record the view: the
    page that shows the case does (``case_view_record``).

    >>> case_get_for_staff(staff=request.staff, case_id=case_id)  # doctest: +SKIP
    <Case: HN-2026-000123-4 received>
    """
    if staff.role not in CASE_ROLES:
        raise Http404
    return case_get_for_department(department=staff.department, case_id=case_id)


# ---------------------------------------------------------------- name search forms


def search_name_form(text: str) -> str:
    """A name as the inbox stores and searches it: NFKC, no spaces, case-folded.

    >>> search_name_form("常陸　花子")
    '常陸花子'
    """
    return re.sub(r"\s+", "", japanese.nfkc(text)).casefold()


def search_kana_form(text: str) -> str:
    """A reading as the inbox stores and searches it: katakana without spaces or dots.

    >>> search_kana_form("ひたち はなこ")
    'ヒタチハナコ'
    """
    return re.sub(r"[\s・＝]+", "", japanese.to_katakana(text))


_KANA_QUERY = re.compile("^[\u3041-\u3096\u309d\u309e\u30a1-\u30fa\u30fc-\u30fe\u31f0-\u31ff]+$")
# A receipt number as typed: letters, then digits and hyphens (HN-2026-000123-4).
_RECEIPT_QUERY = re.compile(r"^[A-Z]{1,10}-?[0-9][0-9A-Z-]*$")


def _receipt_form(text: str) -> str:
    s = japanese.nfkc(text).strip().upper()
    return re.sub(f"[{japanese.HYPHENS}]", "-", s).replace(" ", "")


# ---------------------------------------------------------------- the inbox

INBOX_PAGE_SIZE = 25
# Counting stops here: a count over a large department costs more than the page itself,
# and nobody pages through more than this; the page then says "1,000件以上".
INBOX_COUNT_CAP = 1000


class InboxStatus:
    """Values of the status filter besides the statuses themselves."""

    OPEN = "open"  # every status still being processed (the default)
    ALL = "all"


class InboxDue:
    OVERDUE = "overdue"
    SOON = "soon"  # due within DUE_SOON_WORKING_DAYS working days (not yet overdue)


INBOX_SORTS: dict[str, tuple[Any, ...]] = {
    "due": (F("due_date").asc(nulls_last=True), "submitted_at", "pk"),
    # No deadline counts as the furthest; the exact reverse of "due", so an index serves
    # both directions.
    "-due": (F("due_date").desc(nulls_first=True), "-submitted_at", "-pk"),
    "submitted": ("submitted_at", "pk"),
    "-submitted": ("-submitted_at", "-pk"),
}


@dataclass(frozen=True)
class InboxFilters:
    """The inbox's filters, as parsed from the query string (all optional).

    ``assignee``: "me", "none" or a user id as text. ``due``: ``InboxDue``. ``due_by``:
    only cases due on or before that date. ``q``: a receipt number, or the start of the
    applicant's name in kanji, hiragana or katakana.
    """

    procedure: str = ""
    status: str = InboxStatus.OPEN
    assignee: str = ""
    due: str = ""
    due_by: dt.date | None = None
    q: str = ""
    sort: str = "due"


@dataclass(frozen=True)
class InboxPage:
    """One page of the inbox. ``total`` is exact up to ``INBOX_COUNT_CAP`` (``capped``
    says it was reached). Each case carries ``is_overdue`` and ``is_due_soon``."""

    cases: list[Case]
    number: int
    per_page: int
    total: int
    capped: bool
    has_next: bool
    filters: InboxFilters = field(default_factory=InboxFilters)

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def start_index(self) -> int:
        return (self.number - 1) * self.per_page + 1 if self.cases else 0

    @property
    def end_index(self) -> int:
        return (self.number - 1) * self.per_page + len(self.cases)


def inbox_filters_from(query: Mapping[str, str]) -> InboxFilters:
    """Parse a query string into ``InboxFilters``; unknown or malformed values are
    dropped (a bad link shows the default inbox rather than an error)."""
    status = query.get("status", InboxStatus.OPEN)
    if status not in {InboxStatus.OPEN, InboxStatus.ALL, *CaseStatus.values}:
        status = InboxStatus.OPEN
    due = query.get("due", "")
    if due not in {InboxDue.OVERDUE, InboxDue.SOON}:
        due = ""
    due_by = None
    try:
        due_by = (
            dt.date.fromisoformat(query.get("due_by", "").strip()) if query.get("due_by") else None
        )
    except ValueError:
        due_by = None
    assignee = query.get("assignee", "")
    if assignee not in {"me", "none"} and not assignee.isdigit():
        assignee = ""
    sort = query.get("sort", "due")
    if sort not in INBOX_SORTS:
        sort = "due"
    return InboxFilters(
        procedure=query.get("procedure", "").strip()[:63],
        status=status,
        assignee=assignee,
        due=due,
        due_by=due_by,
        q=query.get("q", "").strip()[:100],
        sort=sort,
    )


def case_inbox(
    *,
    staff: StaffProfile,
    filters: InboxFilters | None = None,
    page: int = 1,
    per_page: int = INBOX_PAGE_SIZE,
    today: dt.date | None = None,
) -> InboxPage:
    """One page of the inbox of ``staff``'s department (nothing for a role that sees no
    cases), filtered and sorted by ``filters``.

    Designed for a city's volume (a million cases): every query is served by an index on
    ``Case`` and reads one page plus a count capped at ``INBOX_COUNT_CAP``:

    - one status, sorted by deadline: ``case_inbox`` (department, status, due_date).
    - the default view (every open status): the partial index ``case_open_due``, which
      holds only open cases; "all" statuses: ``case_department_due``.
    - ``q`` that looks like a receipt number (``HN-2026-000123-4``, also full-width or
      lower case): an exact match on the unique ``receipt_number``.
    - ``q`` in kana (ひたち, ヒタチ, ﾋﾀﾁ): prefix of ``search_kana``; otherwise (常陸,
      常陸花子, smith): prefix of ``search_name``; within the department, from
      ``case_search_kana`` / ``case_search_name`` (LIKE 'prefix%', pattern operator
      classes), which also carry status, due date, submission time and id, so that on
      PostgreSQL the matches are filtered and sorted by an index-only scan.
    - the family name, or family and given name, is searched (not the given name alone).

    Queries per call: two (the page with ``per_page + 1`` rows, to know whether another
    page follows, and the capped count); three with ``q`` (the page's ids, their rows,
    the count). ``today`` is for tests (overdue / due-soon flags and filters).

    >>> page = case_inbox(staff=profile, filters=InboxFilters(q="ひたち"))  # doctest: +SKIP
    >>> [c.receipt_number for c in page.cases]  # doctest: +SKIP
    ['HN-2026-000123-4']
    """
    filters = filters or InboxFilters()
    page = max(1, page)
    if staff.role not in CASE_ROLES:
        return InboxPage([], page, per_page, 0, False, False, filters)
    today = today or timezone.localdate()
    qs = case_list_for_department(department=staff.department, today=today)
    if filters.status == InboxStatus.OPEN:
        qs = qs.filter(status__in=OPEN_CASE_STATUSES)
    elif filters.status != InboxStatus.ALL:
        qs = qs.filter(status=filters.status)
    if filters.procedure:
        qs = qs.filter(procedure_code=filters.procedure)
    if filters.assignee == "me":
        qs = qs.filter(assignee_id=staff.user_id)
    elif filters.assignee == "none":
        qs = qs.filter(assignee__isnull=True)
    elif filters.assignee:
        qs = qs.filter(assignee_id=int(filters.assignee))
    open_q = Q(status__in=OPEN_CASE_STATUSES, due_date__isnull=False)
    if filters.due == InboxDue.OVERDUE:
        qs = qs.filter(open_q, due_date__lt=today)
    elif filters.due == InboxDue.SOON:
        soon = workdays.add_working_days(today, DUE_SOON_WORKING_DAYS)
        qs = qs.filter(open_q, due_date__gte=today, due_date__lte=soon)
    if filters.due_by is not None:
        qs = qs.filter(due_date__lte=filters.due_by)
    qs = qs.order_by(*INBOX_SORTS[filters.sort])
    offset = (page - 1) * per_page
    if filters.q:
        qs = qs.filter(_search_q(filters.q))
        # Two steps: the page's ids first, from the covering search index alone (an
        # index-only scan and a sort of the matches' keys), then those rows. One query
        # would let PostgreSQL walk the department in deadline order reading every row
        # until enough names match, or read every match's row before sorting.
        ids = list(qs.values_list("pk", flat=True)[offset : offset + per_page + 1])
        has_next = len(ids) > per_page
        by_id = {c.pk: c for c in qs.filter(pk__in=ids[:per_page]).select_related("assignee")}
        cases = [by_id[i] for i in ids[:per_page] if i in by_id]
    else:
        rows = list(qs.select_related("assignee")[offset : offset + per_page + 1])
        has_next = len(rows) > per_page
        cases = rows[:per_page]
    total = qs.order_by().values("pk")[: INBOX_COUNT_CAP + 1].count()
    return InboxPage(
        cases=cases,
        number=page,
        per_page=per_page,
        total=min(total, INBOX_COUNT_CAP),
        capped=total > INBOX_COUNT_CAP,
        has_next=has_next,
        filters=filters,
    )


def _search_q(text: str) -> Q:
    receipt = _receipt_form(text)
    if _RECEIPT_QUERY.match(receipt) and any(c.isdigit() for c in receipt):
        return Q(receipt_number=receipt)
    kana = search_kana_form(text)
    if kana and _KANA_QUERY.match(kana):
        # One column per query (no OR): each is one prefix range of one index.
        return Q(search_kana__startswith=kana)
    name = search_name_form(text)
    return Q(search_name__startswith=name) if name else Q()


def case_assignable_staff(*, department: str) -> QuerySet[StaffProfile]:
    """The members of staff of ``department`` a case can be assigned to, by user name."""
    return (
        StaffProfile.objects.filter(department=department, role__in=CASE_ACTION_ROLES)
        .select_related("user")
        .order_by("user__username")
    )


# ---------------------------------------------------------------- 個人番号 of a case


@dataclass(frozen=True)
class MyNumberEntry:
    """One 個人番号 in a case's answers. ``key`` names it ("my_number", or
    "children.0.child_my_number" in a repeating group); ``number`` is set only by the
    audited reveal (``services.case_my_number_reveal``)."""

    key: str
    label: str
    token: str
    number: str = ""

    @property
    def masked(self) -> str:
        try:
            return crypto.my_number_mask(self.token)
        except crypto.CryptoError:
            return gettext("（読み取れません）")

    @property
    def grouped(self) -> str:
        """The revealed number as written on the card: 1234 5678 9012."""
        n = self.number
        return f"{n[:4]} {n[4:8]} {n[8:]}" if len(n) == 12 else n


def case_my_numbers(*, case: Case, lang: str = "ja") -> list[MyNumberEntry]:
    """The 個人番号 answers of ``case`` that the applicant was asked for (hidden branches
    pruned), in form order, with labels from the pinned procedure version."""
    from tsunagu.applications import engine
    from tsunagu.procedures.selectors import procedure_version_get

    proc = procedure_version_get(code=case.procedure_code, version=case.procedure_version)
    answers = engine.prune(proc, case.submitted.get("answers") or {})
    entries: list[MyNumberEntry] = []
    for step in proc.steps:
        for spec in step.fields:
            value = answers.get(spec.id)
            if spec.type == "my_number" and isinstance(value, str) and value:
                entries.append(MyNumberEntry(spec.id, spec.label.get(lang), value))
            if spec.type != "group" or not isinstance(value, list):
                continue
            item = (spec.item or spec.label).get(lang)
            for i, row in enumerate(value):
                for sub in spec.fields or []:
                    token = row.get(sub.id) if isinstance(row, Mapping) else None
                    if sub.type == "my_number" and isinstance(token, str) and token:
                        label = f"{item} {i + 1} {sub.label.get(lang)}"
                        entries.append(MyNumberEntry(f"{spec.id}.{i}.{sub.id}", label, token))
    return entries


@dataclass(frozen=True)
class InboxCounts:
    """The figures of the staff home page: every case of the department (``total``), and
    of its open cases those assigned to me, overdue, due soon and unassigned."""

    total: int
    mine: int
    overdue: int
    due_soon: int
    unassigned: int


def case_counts_for_staff(*, staff: StaffProfile, today: dt.date | None = None) -> InboxCounts:
    """The ``InboxCounts`` of ``staff``'s department in one query (zeros for a role that
    sees no cases). "Due soon" is within ``DUE_SOON_WORKING_DAYS`` working days.

    >>> case_counts_for_staff(staff=profile)  # doctest: +SKIP
    InboxCounts(total=40, mine=3, overdue=1, due_soon=2, unassigned=5)
    """
    if staff.role not in CASE_ROLES:
        return InboxCounts(0, 0, 0, 0, 0)
    today = today or timezone.localdate()
    soon = workdays.add_working_days(today, DUE_SOON_WORKING_DAYS)
    is_open = Q(status__in=OPEN_CASE_STATUSES)
    row = Case.objects.filter(department=staff.department).aggregate(
        total=Count("pk"),
        mine=Count("pk", filter=is_open & Q(assignee_id=staff.user_id)),
        overdue=Count("pk", filter=is_open & Q(due_date__lt=today)),
        due_soon=Count("pk", filter=is_open & Q(due_date__gte=today, due_date__lte=soon)),
        unassigned=Count("pk", filter=is_open & Q(assignee__isnull=True)),
    )
    return InboxCounts(
        row["total"], row["mine"], row["overdue"], row["due_soon"], row["unassigned"]
    )
