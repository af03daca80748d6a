"""The inbox selector ``case_inbox`` and the access helper ``case_get_for_staff``."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.http import Http404

from tests.conftest import staff_make
from tsunagu.accounts.staff_models import StaffProfile
from tsunagu.casework.handoff import applicant_search_fields
from tsunagu.casework.models import Case, CaseStatus
from tsunagu.casework.selectors import (
    INBOX_COUNT_CAP,
    InboxFilters,
    case_get_for_staff,
    case_inbox,
    inbox_filters_from,
    search_kana_form,
    search_name_form,
)
from tsunagu.procedures.selectors import procedure_version_get

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 25)  # a Wednesday
HANAKO = {"name": {"sei": "常陸", "mei": "花子"}, "pension": "kousei"}
ICHIRO = {"name": {"sei": "那珂", "mei": "一郎"}, "pension": "kousei"}


@pytest.fixture
def clerk_profile(db: None) -> StaffProfile:
    return staff_make("inbox-clerk")


def _ids(page: Any) -> list[uuid.UUID]:
    return [c.pk for c in page.cases]


def test_the_hand_off_fills_the_search_columns(new_case: Callable[..., Case]) -> None:
    case = new_case(answers=HANAKO)
    assert (case.applicant_name, case.search_name) == ("常陸 花子", "常陸花子")


def test_search_fields_prefer_the_profile_name_and_read_kana(test_catalog: Any) -> None:
    proc = test_catalog.procedures["test-all-types"]
    payload = {
        "answers": {
            "f_name": {"sei": "Smith", "mei": "John"},
            "f_kana_name": {"sei": "スミス", "mei": "ジョン"},
        }
    }
    fields = applicant_search_fields(proc=proc, payload=payload)
    assert fields == {
        "applicant_name": "Smith John",
        "applicant_kana": "スミス ジョン",
        "search_name": "smithjohn",
        "search_kana": "スミスジョン",
    }


def test_without_a_name_field_the_signer_is_the_applicant(test_catalog: Any) -> None:
    proc = procedure_version_get(code="test-teate", version=1)
    payload = {"answers": {}, "signature": {"signer": {"name": "常陸　花子"}}}
    assert applicant_search_fields(proc=proc, payload=payload)["search_name"] == "常陸花子"


@pytest.mark.parametrize(
    ("text", "name", "kana"),
    [
        ("常陸　花子", "常陸花子", "常陸花子"),
        ("ひたち", "ひたち", "ヒタチ"),
        ("ﾋﾀﾁ ﾊﾅｺ", "ヒタチハナコ", "ヒタチハナコ"),
        ("ＳＭＩＴＨ", "smith", "SMITH"),
    ],
)
def test_search_forms(text: str, name: str, kana: str) -> None:
    assert search_name_form(text) == name
    assert search_kana_form(text) == kana


@pytest.mark.parametrize("query", ["ひたち", "ヒタチ", "ﾋﾀﾁ", "常陸", "常陸 花子", "ひたちはなこ"])
def test_name_search_in_kanji_hiragana_or_katakana(
    query: str, new_case: Callable[..., Case], clerk_profile: StaffProfile
) -> None:
    hanako = new_case(answers=HANAKO)
    new_case(answers=ICHIRO)
    # test-teate has no reading field: give Hanako's case one as a kana_name answer would.
    Case.objects.filter(pk=hanako.pk).update(search_kana="ヒタチハナコ")
    page = case_inbox(staff=clerk_profile, filters=InboxFilters(q=query), today=TODAY)
    assert _ids(page) == [hanako.pk]


def test_receipt_number_search_is_exact_and_forgiving_about_width(
    new_case: Callable[..., Case], clerk_profile: StaffProfile
) -> None:
    case = new_case(answers=HANAKO)
    new_case(answers=ICHIRO)
    Case.objects.filter(pk=case.pk).update(receipt_number="HN-2026-000123-4")
    for query in ["HN-2026-000123-4", "ｈｎ－２０２６－０００１２３－４", " hn-2026-000123-4 "]:
        page = case_inbox(staff=clerk_profile, filters=InboxFilters(q=query))
        assert _ids(page) == [case.pk], query
    assert case_inbox(staff=clerk_profile, filters=InboxFilters(q="HN-2026-000123")).cases == []


def test_other_departments_cases_never_appear(
    new_case: Callable[..., Case], clerk_profile: StaffProfile
) -> None:
    own = new_case(answers=HANAKO)
    new_case(procedure_code="test-proxy", answers=HANAKO)
    page = case_inbox(staff=clerk_profile, filters=InboxFilters(status="all", q="常陸"))
    assert _ids(page) == [own.pk]
    assert page.total == 1


@pytest.mark.parametrize("role", ["admin", "auditor"])
def test_roles_without_cases_get_an_empty_inbox(role: str, new_case: Callable[..., Case]) -> None:
    new_case()
    page = case_inbox(staff=staff_make(f"no-cases-{role}", role=role))
    assert (page.cases, page.total) == ([], 0)


def test_filters_status_procedure_assignee_and_due(
    new_case: Callable[..., Case], clerk_profile: StaffProfile
) -> None:
    overdue = new_case()
    soon = new_case(CaseStatus.IN_REVIEW)
    later = new_case()
    closed = new_case(CaseStatus.COMPLETED)
    Case.objects.filter(pk=overdue.pk).update(due_date=TODAY - dt.timedelta(days=1))
    Case.objects.filter(pk=soon.pk).update(due_date=TODAY + dt.timedelta(days=1))
    Case.objects.filter(pk=later.pk).update(due_date=TODAY + dt.timedelta(days=40))
    Case.objects.filter(pk=closed.pk).update(due_date=TODAY - dt.timedelta(days=9))
    Case.objects.filter(pk=soon.pk).update(assignee=clerk_profile.user)

    def inbox(**kw: Any) -> list[uuid.UUID]:
        return _ids(case_inbox(staff=clerk_profile, filters=InboxFilters(**kw), today=TODAY))

    assert inbox() == [overdue.pk, soon.pk, later.pk]  # open ones, soonest first
    assert inbox(status="all") == [closed.pk, overdue.pk, soon.pk, later.pk]
    assert inbox(status="in_review") == [soon.pk]
    assert inbox(due="overdue") == [overdue.pk]
    assert inbox(due="soon") == [soon.pk]
    assert inbox(due_by=TODAY + dt.timedelta(days=2)) == [overdue.pk, soon.pk]
    assert inbox(assignee="me") == [soon.pk]
    assert inbox(assignee="none") == [overdue.pk, later.pk]
    assert inbox(assignee=str(clerk_profile.user_id)) == [soon.pk]
    assert inbox(procedure="test-teate") == [overdue.pk, soon.pk, later.pk]
    assert inbox(procedure="other") == []
    assert inbox(sort="-due") == [later.pk, soon.pk, overdue.pk]
    flags = {
        c.pk: (c.is_overdue, c.is_due_soon)  # type: ignore[attr-defined]
        for c in case_inbox(staff=clerk_profile, today=TODAY).cases
    }
    assert flags == {overdue.pk: (True, False), soon.pk: (False, True), later.pk: (False, False)}


def test_pages_and_a_capped_count(
    new_case: Callable[..., Case],
    clerk_profile: StaffProfile,
    django_assert_num_queries: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cases = [new_case() for _ in range(5)]
    with django_assert_num_queries(2):
        first = case_inbox(staff=clerk_profile, per_page=2)
    assert (len(first.cases), first.total, first.has_next, first.has_previous) == (
        2,
        5,
        True,
        False,
    )
    last = case_inbox(staff=clerk_profile, per_page=2, page=3)
    assert (len(last.cases), last.has_next, last.start_index, last.end_index) == (1, False, 5, 5)
    seen = [
        c.pk for p in (1, 2, 3) for c in case_inbox(staff=clerk_profile, per_page=2, page=p).cases
    ]
    assert sorted(seen) == sorted(c.pk for c in cases)
    monkeypatch.setattr("tsunagu.casework.selectors.INBOX_COUNT_CAP", 3)
    capped = case_inbox(staff=clerk_profile, per_page=2)
    assert (capped.total, capped.capped) == (3, True)
    assert INBOX_COUNT_CAP >= 1000


def test_filters_from_a_query_string_drop_bad_values() -> None:
    filters = inbox_filters_from(
        {"status": "nope", "due": "x", "due_by": "2026-13-45", "assignee": "1;drop", "sort": "?"}
    )
    assert filters == InboxFilters()
    good = inbox_filters_from(
        {"status": "all", "due": "soon", "due_by": "2026-12-01", "assignee": "me", "q": " 常陸 "}
    )
    assert (good.status, good.due, good.due_by, good.assignee, good.q) == (
        "all",
        "soon",
        dt.date(2026, 12, 1),
        "me",
        "常陸",
    )


@pytest.mark.parametrize("which", ["other-department", "missing", "malformed"])
def test_case_get_for_staff_says_not_found_alike(
    which: str, new_case: Callable[..., Case], clerk_profile: StaffProfile
) -> None:
    own = new_case()
    other = new_case(procedure_code="test-proxy")
    case_id: Any = {"other-department": other.pk, "missing": uuid.uuid4(), "malformed": "x"}[which]
    with pytest.raises(Http404):
        case_get_for_staff(staff=clerk_profile, case_id=case_id)
    assert case_get_for_staff(staff=clerk_profile, case_id=own.pk) == own


@pytest.mark.parametrize("role", ["admin", "auditor"])
def test_case_get_for_staff_refuses_roles_without_cases(
    role: str, new_case: Callable[..., Case]
) -> None:
    case = new_case()
    with pytest.raises(Http404):
        case_get_for_staff(staff=staff_make(f"r-{role}", role=role), case_id=case.pk)


def test_a_name_written_in_kana_is_found_by_its_reading(
    new_case: Callable[..., Case], clerk_profile: StaffProfile
) -> None:
    case = new_case(answers={"name": {"sei": "さくら", "mei": "ももこ"}, "pension": "kousei"})
    assert case.search_kana == "サクラモモコ"
    for query in ["さくら", "サクラ"]:
        page = case_inbox(staff=clerk_profile, filters=InboxFilters(q=query))
        assert _ids(page) == [case.pk], query


def test_a_name_search_is_three_queries_and_pages_in_order(
    new_case: Callable[..., Case], clerk_profile: StaffProfile, django_assert_num_queries: Any
) -> None:
    cases = [new_case(answers=HANAKO) for _ in range(3)]
    for n, case in enumerate(cases):
        Case.objects.filter(pk=case.pk).update(due_date=TODAY + dt.timedelta(days=10 - n))
    with django_assert_num_queries(3):  # the page's ids, its rows, the count
        first = case_inbox(staff=clerk_profile, filters=InboxFilters(q="常陸"), per_page=2)
    second = case_inbox(staff=clerk_profile, filters=InboxFilters(q="常陸"), per_page=2, page=2)
    assert _ids(first) + _ids(second) == [c.pk for c in reversed(cases)]
    assert (first.has_next, second.has_next, first.total) == (True, False, 3)


def test_the_search_indexes_cover_what_the_inbox_sorts_by() -> None:
    indexes = {i.name: i for i in Case._meta.indexes}
    for name in ("case_search_name", "case_search_kana"):
        assert list(indexes[name].fields)[2:] == ["status", "due_date", "submitted_at", "id"]
    assert indexes["case_open_due"].condition is not None
