"""The audit screen /staff/audit/: auditors only, filters, pages and the chain check."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from tests.audit.helpers import Tamper
from tsunagu.audit.models import AuditEvent
from tsunagu.audit.selectors import AUDIT_PAGE_SIZE, audit_events_search
from tsunagu.audit.services import audit_record
from tsunagu.casework.models import Case

pytestmark = pytest.mark.django_db


def _case_events(case_id: uuid.UUID, user: User, receipt: str, n: int = 1) -> None:
    for _ in range(n):
        audit_record(
            action="case.view",
            actor=user,
            obj_type="case",
            obj_id=case_id,
            summary={"receipt_number": receipt},
            role="clerk",
        )


@pytest.mark.parametrize("role", ["clerk", "chief", "section_head", "director", "admin"])
def test_only_auditors_see_the_audit_screen(role: str, staff_client: Any) -> None:
    client = staff_client(role=role)
    assert client.get("/staff/audit/").status_code == 404
    assert client.get("/staff/audit/verify/").status_code == 404


def test_without_a_staff_session_the_login_comes_first(client: Any) -> None:
    response = client.get("/staff/audit/")
    assert response.status_code == 302 and response["Location"].startswith("/staff/login/")


def test_lists_who_viewed_which_case(staff_client: Any) -> None:
    clerk = staff_client()
    case_id = uuid.uuid4()
    _case_events(case_id, clerk.staff.user, "HN-2026-000001-1")
    html = staff_client(role="auditor").get("/staff/audit/").content.decode()
    assert "<code>case.view</code>" in html and "HN-2026-000001-1" in html
    assert clerk.staff.user.get_username() in html and "担当者" in html


def test_filters_by_person_action_and_dates(staff_client: Any) -> None:
    a = staff_client()
    b = staff_client(role="chief")
    _case_events(uuid.uuid4(), a.staff.user, "HN-2026-000001-1")
    audit_record(action="case.my_number_reveal", actor=b.staff.user, obj_type="case", obj_id=1)
    auditor = staff_client(role="auditor")

    by_person = auditor.get("/staff/audit/", {"actor": b.staff.user.get_username()})
    assert "<code>case.my_number_reveal</code>" in by_person.content.decode()
    assert "<code>case.view</code>" not in by_person.content.decode()
    by_action = auditor.get("/staff/audit/", {"action": "case.view"}).content.decode()
    assert "<code>case.view</code>" in by_action
    assert "<code>case.my_number_reveal</code>" not in by_action
    today = timezone.localdate()
    tomorrow = (today + dt.timedelta(days=1)).isoformat()
    later = auditor.get("/staff/audit/", {"since": tomorrow}).content.decode()
    assert "条件に合う記録はありません。" in later
    inclusive = auditor.get(
        "/staff/audit/", {"since": today.isoformat(), "until": today.isoformat()}
    ).content.decode()
    assert "<code>case.my_number_reveal</code>" in inclusive
    nothing = auditor.get("/staff/audit/", {"action": "nothing."}).content.decode()
    assert "<code>" not in nothing


def test_filter_by_receipt_number_finds_events_without_it_in_the_summary(
    staff_client: Any,
) -> None:
    case = Case.objects.create(
        application_id=uuid.uuid4(),
        receipt_number="HN-2026-000777-1",
        procedure_code="test-teate",
        procedure_version=1,
        department="kodomo_seisaku",
        submitted_at=timezone.now(),
        submitted={},
    )
    _case_events(case.pk, staff_client().staff.user, case.receipt_number)
    clerk = staff_client()
    # A note event carries no receipt number: the case is found by its id.
    audit_record(action="case.note_add", actor=clerk.staff.user, obj_type="case", obj_id=case.pk)
    _case_events(uuid.uuid4(), clerk.staff.user, "HN-OTHER")
    auditor = staff_client(role="auditor")
    html = auditor.get("/staff/audit/", {"case": case.receipt_number.lower()}).content.decode()
    assert "<code>case.note_add</code>" in html and "<code>case.view</code>" in html
    assert "HN-OTHER" not in html
    missing = auditor.get("/staff/audit/", {"case": "HN-2099-999999-9"}).content.decode()
    assert "その受付番号の案件はありません。" in missing


def test_bad_dates_are_reported_next_to_the_field(staff_client: Any) -> None:
    auditor = staff_client(role="auditor")
    response = auditor.get("/staff/audit/", {"since": "2026-13-01"})
    assert response.status_code == 400
    assert "日付は 2026-04-01 の形で入力してください。" in response.content.decode()
    reversed_range = auditor.get("/staff/audit/", {"since": "2026-05-02", "until": "2026-05-01"})
    assert reversed_range.status_code == 400


def test_pages_go_back_in_time_by_seq(staff_client: Any) -> None:
    clerk = staff_client()
    _case_events(uuid.uuid4(), clerk.staff.user, "HN-P", n=AUDIT_PAGE_SIZE + 3)
    auditor = staff_client(role="auditor")
    first = auditor.get("/staff/audit/", {"action": "case.view"})
    html = first.content.decode()
    assert html.count("<code>case.view</code>") == AUDIT_PAGE_SIZE
    assert "さらに古い記録" in html
    newest = audit_events_search(action="case.view", limit=AUDIT_PAGE_SIZE)
    second = auditor.get(
        "/staff/audit/", {"action": "case.view", "before": newest[-1].seq}
    ).content.decode()
    assert second.count("<code>case.view</code>") == 3
    assert "さらに古い記録" not in second and "最新の記録に戻る" in second


def test_the_chain_check_page(staff_client: Any, tamper: Tamper) -> None:
    clerk = staff_client()
    _case_events(uuid.uuid4(), clerk.staff.user, "HN-V", n=3)
    auditor = staff_client(role="auditor")
    assert 'href="/staff/audit/verify/"' in auditor.get("/staff/audit/").content.decode()
    ok = auditor.get("/staff/audit/verify/").content.decode()
    assert "改ざんは見つかりませんでした" in ok
    tamper.update(2, action="case.forged")
    broken = auditor.get("/staff/audit/verify/").content.decode()
    assert "監査ログに問題があります" in broken


def test_selector_rejects_a_negative_limit() -> None:
    with pytest.raises(ValueError, match="limit"):
        audit_events_search(limit=-1)


def test_the_auditors_reading_is_recorded(staff_client: Any) -> None:
    auditor = staff_client(role="auditor")
    auditor.get("/staff/audit/", {"actor": "someone", "case": ""})
    (event,) = AuditEvent.objects.filter(action="audit.search")
    assert event.summary == {"filters": ["actor"]}
    assert event.actor_id == str(auditor.staff.user_id) and event.role == "auditor"
