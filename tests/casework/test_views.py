"""The staff inbox and case page: what they show, the actions, and the audited reads."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from tests.casework.conftest import make_submission
from tsunagu.accounts.models import Resident
from tsunagu.applications.models import ApplicationSignature, Attachment
from tsunagu.audit.models import AuditEvent
from tsunagu.casework.handoff import handoff_take_one
from tsunagu.casework.models import Case, CaseNote, CaseStatus
from tsunagu.core.crypto import my_number_encrypt

pytestmark = pytest.mark.django_db

NUMBER = "123456789018"


def _answers() -> dict[str, Any]:
    return {
        "name": {"sei": "常陸", "mei": "花子"},
        "my_number": my_number_encrypt(NUMBER),
        "pension": "kousei",
        "has_spouse": False,
        "children": [
            {
                "child_name": {"sei": "常陸", "mei": "太郎"},
                "child_birth": "2024-04-01",
                "living": "doukyo",
            }
        ],
    }


@pytest.fixture
def case(new_case: Callable[..., Case]) -> Case:
    return new_case(answers=_answers())


def _events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("seq"))


def test_inbox_lists_and_marks_overdue_in_words(
    case: Case, new_case: Callable[..., Case], staff_client: Any
) -> None:
    Case.objects.filter(pk=case.pk).update(due_date=timezone.localdate() - dt.timedelta(days=1))
    elsewhere = new_case(procedure_code="test-proxy", answers=_answers())
    client = staff_client()
    response = client.get("/staff/cases/")
    html = response.content.decode()
    assert response.status_code == 200
    assert case.receipt_number in html and "常陸 花子" in html
    assert "期限超過" in html  # a word, not only a colour
    assert html.count(f'href="/staff/cases/{case.pk}/"') == 1
    assert str(elsewhere.pk) not in html and elsewhere.receipt_number not in html


def test_inbox_search_by_kana(case: Case, staff_client: Any) -> None:
    client = staff_client()
    assert case.receipt_number in client.get("/staff/cases/", {"q": "常陸"}).content.decode()
    assert case.receipt_number not in client.get("/staff/cases/", {"q": "那珂"}).content.decode()


def test_case_page_shows_the_application_and_records_the_view(
    case: Case, staff_client: Any
) -> None:
    client = staff_client()
    response = client.get(f"/staff/cases/{case.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "申請内容" in html and "常陸 花子" in html and "厚生年金" in html
    assert "**** **** 9018" in html and NUMBER not in html
    assert "個人番号を表示" in html
    assert "この申請には電子署名がありません。" in html
    views = _events("case.view")
    assert [(e.obj_id, e.actor_id, e.role) for e in views] == [
        (str(case.pk), str(client.staff.user_id), "clerk")
    ]


def test_director_reads_but_has_no_actions_nor_reveal(case: Case, staff_client: Any) -> None:
    client = staff_client(role="director")
    html = client.get(f"/staff/cases/{case.pk}/").content.decode()
    assert "**** **** 9018" in html
    # Neither the reveal form nor the case's action forms (other panels have their own).
    assert f"/staff/cases/{case.pk}/my-number/" not in html
    assert f"/staff/cases/{case.pk}/start-review/" not in html
    assert (
        client.post(f"/staff/cases/{case.pk}/my-number/", {"field": "my_number"}).status_code == 404
    )
    assert client.post(f"/staff/cases/{case.pk}/start-review/").status_code == 404


def test_my_number_reveal_needs_a_purpose_and_is_audited(case: Case, staff_client: Any) -> None:
    client = staff_client(role="chief")
    url = f"/staff/cases/{case.pk}/my-number/"
    refused = client.post(url, {"field": "my_number", "purpose": "  "})
    assert refused.status_code == 400
    assert "表示する理由（利用目的）を入力してください。" in refused.content.decode()
    assert _events("case.my_number_reveal") == []

    shown = client.post(url, {"field": "my_number", "purpose": "所得の確認のため"})
    assert shown.status_code == 200
    assert "1234 5678 9018" in shown.content.decode()
    assert "no-store" in shown["Cache-Control"]
    (event,) = _events("case.my_number_reveal")
    assert event.summary["purpose"] == "所得の確認のため"
    assert event.summary["field"] == "my_number"
    assert event.actor_id == str(client.staff.user_id) and event.role == "chief"
    # The case page afterwards is masked again.
    assert NUMBER not in client.get(f"/staff/cases/{case.pk}/").content.decode()


def test_my_number_reveal_of_an_unknown_field_is_not_found(case: Case, staff_client: Any) -> None:
    client = staff_client()
    response = client.post(
        f"/staff/cases/{case.pk}/my-number/", {"field": "pension", "purpose": "確認"}
    )
    assert response.status_code == 404
    assert client.get(f"/staff/cases/{case.pk}/my-number/").status_code == 405


def test_start_review_assign_note_and_withdraw(case: Case, staff_client: Any) -> None:
    client = staff_client()
    colleague = staff_client(role="chief")
    base = f"/staff/cases/{case.pk}"
    assert client.post(f"{base}/start-review/").status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_REVIEW

    client.post(f"{base}/assign/", {"assignee": "me"})
    case.refresh_from_db()
    assert case.assignee_id == client.staff.user_id
    client.post(f"{base}/assign/", {"assignee": str(colleague.staff.user_id)})
    case.refresh_from_db()
    assert case.assignee_id == colleague.staff.user_id

    outsider = staff_client(department="kaigo_hoken")
    bad = client.post(f"{base}/assign/", {"assignee": str(outsider.staff.user_id)})
    assert bad.status_code == 400 and "所属課の職員から選んでください。" in bad.content.decode()
    case.refresh_from_db()
    assert case.assignee_id == colleague.staff.user_id

    empty = client.post(f"{base}/notes/", {"body": " "})
    assert empty.status_code == 400 and "メモの内容を入力してください。" in empty.content.decode()
    client.post(f"{base}/notes/", {"body": "電話で確認済み"})
    assert list(CaseNote.objects.values_list("body", flat=True)) == ["電話で確認済み"]

    no_reason = client.post(f"{base}/withdraw/", {"reason": ""})
    assert no_reason.status_code == 400
    assert "取下げの理由を入力してください。" in no_reason.content.decode()
    client.post(f"{base}/withdraw/", {"reason": "11月25日に電話で申し出"})
    case.refresh_from_db()
    assert case.status == CaseStatus.WITHDRAWN
    page = client.get(f"{base}/").content.decode()
    assert "11月25日に電話で申し出" in page and "電話で確認済み" in page


def test_assign_from_the_inbox_returns_to_the_inbox(case: Case, staff_client: Any) -> None:
    client = staff_client()
    response = client.post(
        f"/staff/cases/{case.pk}/assign/", {"assignee": "me", "next": "/staff/cases/?q=x"}
    )
    assert response["Location"] == "/staff/cases/?q=x"
    evil = client.post(
        f"/staff/cases/{case.pk}/assign/", {"assignee": "me", "next": "https://evil.example/"}
    )
    assert evil["Location"] == f"/staff/cases/{case.pk}/"


def test_attachment_download_is_audited_and_bound_to_the_case(
    resident: Resident, test_catalog: Any, new_case: Callable[..., Case], staff_client: Any
) -> None:
    app = make_submission(resident, answers=_answers())
    att = Attachment.objects.create(
        draft=app.draft,
        slot="bankbook",
        file=ContentFile(b"%PDF-1.4 test", name="x.pdf"),
        original_name="通帳.pdf",
        content_type="application/pdf",
        kind="pdf",
        size=13,
        sha256="0" * 64,
    )
    case, _ = handoff_take_one(application_id=app.pk)
    other = new_case(answers=_answers())
    client = staff_client()
    assert "通帳.pdf" in client.get(f"/staff/cases/{case.pk}/").content.decode()
    response = client.get(f"/staff/cases/{case.pk}/attachments/{att.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 test"  # type: ignore[attr-defined]
    assert response["Content-Disposition"].startswith("attachment")
    assert [e.summary["attachment"] for e in _events("case.attachment_download")] == [str(att.pk)]
    # Another case's id with this file: not found.
    assert client.get(f"/staff/cases/{other.pk}/attachments/{att.pk}/").status_code == 404


def test_signature_section_shows_the_signer_and_mismatches(
    resident: Resident, test_catalog: Any, staff_client: Any
) -> None:
    app = make_submission(resident, answers=_answers())
    now = timezone.now()
    ApplicationSignature.objects.create(
        application=app,
        data_sha256="a" * 64,
        signature=b"sig",
        certificate=b"cert",
        verification={
            "valid": True,
            "signer": {
                "name": "常陸　花子",
                "gender": "2",
                "birth_date": "1990-01-01",
                "birth_date_raw": "19900101",
                "address": "茨城県ひたちなか市東石川２丁目１０番１号",
            },
            "certificate": {
                "subject": "CN=x",
                "issuer": "CN=Demo JPKI CA",
                "serial_number": "1A2B",
                "not_before": "2025-01-01T00:00:00+00:00",
                "not_after": "2030-01-01T00:00:00+00:00",
            },
            "checked_at": "2026-11-20T01:02:03+00:00",
        },
        mismatches=[
            {
                "field": "address",
                "certificate": "水戸市",
                "applicant": "ひたちなか市",
                "message": "",
            }
        ],
        valid=True,
        signed_at=now,
    )
    case, _ = handoff_take_one(application_id=app.pk)
    html = staff_client().get(f"/staff/cases/{case.pk}/").content.decode()
    assert "署名を検証しました（有効）" in html
    assert "電子証明書の基本4情報が申請内容と一致しません" in html
    assert "水戸市" in html and "住所" in html
    assert "1A2B" in html and "CN=Demo JPKI CA" in html
    assert "1990年1月1日" in html and "女" in html
    assert "2026年11月20日 10:02" in html  # the revocation check, in Japan time


def test_staff_home_counts(case: Case, new_case: Callable[..., Case], staff_client: Any) -> None:
    client = staff_client()
    mine = new_case()
    Case.objects.filter(pk=mine.pk).update(
        assignee=client.staff.user, due_date=timezone.localdate() - dt.timedelta(days=3)
    )
    html = client.get("/staff/").content.decode()
    assert "自分の担当：1件" in html and "期限超過：1件" in html
    assert 'href="/staff/cases/"' in html
    assert "/staff/cases/" not in staff_client(role="auditor").get("/staff/").content.decode()


def test_a_refused_reveal_keeps_the_purpose_and_marks_the_field(
    case: Case, staff_client: Any
) -> None:
    client = staff_client()
    long = "あ" * 201
    response = client.post(
        f"/staff/cases/{case.pk}/my-number/", {"field": "my_number", "purpose": long}
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "理由は200文字以内で入力してください。" in html
    assert 'aria-invalid="true"' in html and f'value="{long}"' in html


def test_the_inbox_pins_its_queries(
    case: Case, staff_client: Any, django_assert_num_queries: Any
) -> None:
    client = staff_client()
    client.get("/staff/cases/")  # warm the catalog cache
    # Session, staff profile, the page, its count, the colleagues for the filter, and the
    # audit event (lock the chain head, insert, move the head).
    with django_assert_num_queries(8):
        assert client.get("/staff/cases/").status_code == 200
    with django_assert_num_queries(9):  # a name search reads the page's ids first
        assert client.get("/staff/cases/", {"q": "常陸"}).status_code == 200
    first, *_more = _events("case.list_view")
    assert first.summary == {"receipt_numbers": [case.receipt_number], "searched": False}


def test_a_case_whose_definition_is_gone_still_opens(
    case: Case, staff_client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The parts' panels read the definition too; this is about the page's own sections.
    monkeypatch.setattr("tsunagu.casework.views.panels_for", lambda **kw: [])
    Case.objects.filter(pk=case.pk).update(procedure_version=99)
    response = staff_client().get(f"/staff/cases/{case.pk}/")
    assert response.status_code == 200
    assert "第99版）が見つからないため" in response.content.decode()


def test_the_inbox_assigns_to_a_colleague(case: Case, staff_client: Any) -> None:
    client = staff_client()
    colleague = staff_client(role="section_head")
    html = client.get("/staff/cases/").content.decode()
    assert "ほかの職員に割り当てる" in html
    assert f'<option value="{colleague.staff.user_id}"' in html
    response = client.post(
        f"/staff/cases/{case.pk}/assign/",
        {"assignee": str(colleague.staff.user_id), "next": "/staff/cases/?page=1"},
    )
    assert response["Location"] == "/staff/cases/?page=1"
    case.refresh_from_db()
    assert case.assignee_id == colleague.staff.user_id


def test_case_page_shows_the_answers_as_corrected(case: Case, staff_client: Any) -> None:
    from tsunagu.casework.corrections.models import CaseCorrection

    client = staff_client()
    before = client.get(f"/staff/cases/{case.pk}/").content.decode()
    assert "厚生年金" in before and "補正後の内容を表示しています" not in before
    after = {**case.submitted["answers"], "pension": "kokumin"}
    CaseCorrection.objects.create(
        case=case,
        number=1,
        correction_id=uuid.uuid4(),
        requested_by=client.staff.user,
        requested_at=timezone.now(),
        fields=["pension"],
        message="年金の種類をご確認ください。",
        received_at=timezone.now(),
        answer={"answers_before": case.submitted["answers"], "answers_after": after},
    )
    html = client.get(f"/staff/cases/{case.pk}/").content.decode()
    assert "補正後の内容を表示しています" in html
    assert "国民年金" in html
    case.refresh_from_db()
    assert case.submitted["answers"]["pension"] == "kousei"  # the submission is unchanged


def test_a_failing_part_does_not_hide_the_case(case: Case, staff_client: Any) -> None:
    from tsunagu.casework.panels import _PANELS, CasePanel, panel_register

    panel_register(
        CasePanel(key="broken", order=1, template="no/such/template.html", context=lambda *a: {})
    )
    try:
        response = staff_client().get(f"/staff/cases/{case.pk}/")
    finally:
        _PANELS.pop("broken")
    html = response.content.decode()
    assert response.status_code == 200
    assert "この欄（broken）を表示できませんでした" in html and "申請内容" in html
