"""A resident applies online from start to withdrawal, through the real views."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from PIL import Image

from tests.conftest import login_as
from tsunagu.applications.models import Application, Draft, FunnelEvent, HandoffOutbox, Status
from tsunagu.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

VALID_MY_NUMBER = "123456789018"


def jpeg_bytes() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 180, 160)).save(buf, format="JPEG")
    return buf.getvalue()


def start(client: Client) -> Draft:
    response = client.post("/procedures/test-teate/start/")
    assert response.status_code == 302
    draft = Draft.objects.get()
    assert response["Location"] == f"/applications/{draft.pk}/steps/applicant/"
    return draft


def fill_all(client: Client, draft: Draft) -> None:
    base = f"/applications/{draft.pk}"
    r = client.post(
        f"{base}/steps/applicant/",
        {"action": "next", "my_number": VALID_MY_NUMBER, "pension": "kousei"},
    )
    assert r.status_code == 302, r.content.decode()[:3000]
    assert r["Location"] == f"{base}/steps/spouse/"
    r = client.post(f"{base}/steps/spouse/", {"action": "next", "has_spouse": "no"})
    assert r["Location"] == f"{base}/steps/children/"
    r = client.post(
        f"{base}/steps/children/",
        {
            "action": "next",
            "children-rows": "2",
            "children-0-child_name__sei": "常陸",
            "children-0-child_name__mei": "一花",
            "children-0-child_birth": "令和2年4月1日",
            "children-0-living": "doukyo",
            "children-1-child_name__sei": "常陸",
            "children-1-child_name__mei": "二葉",
            "children-1-child_birth": "2023-06-01",
            "children-1-living": "doukyo",
        },
    )
    assert r.status_code == 302, r.content.decode()[:3000]
    r = client.post(f"{base}/steps/consent/", {"action": "next", "consent_tax": "yes"})
    assert r["Location"] == f"{base}/attachments/"
    upload = io.BytesIO(jpeg_bytes())
    upload.name = "通帳.jpg"
    r = client.post(f"{base}/attachments/", {"action": "upload:bankbook", "file-bankbook": upload})
    assert r.status_code == 302
    r = client.post(f"{base}/attachments/", {"action": "next"})
    assert r["Location"] == f"{base}/check/"


def test_apply_check_submit_and_withdraw(
    client: Client, test_catalog: Any, django_capture_on_commit_callbacks: Any
) -> None:
    login_as(client, "demo-0001")
    draft = start(client)
    page = client.get(f"/applications/{draft.pk}/steps/applicant/")
    assert page.status_code == 200
    html = page.content.decode()
    # 4情報 from the card login are shown as verified and cannot be edited.
    assert "確認済み" in html
    assert 'name="name__sei"' not in html
    fill_all(client, draft)
    check = client.get(f"/applications/{draft.pk}/check/")
    html = check.content.decode()
    assert check.status_code == 200
    assert "一花" in html and "二葉" in html
    # Card-verified answers have no change link on the check page.
    assert 'class="verified-note"' in html
    assert "（氏名）" not in html
    assert VALID_MY_NUMBER not in html  # masked
    assert "9018" in html or "●" in html or "*" in html
    # Without the declaration nothing is created.
    r = client.post(f"/applications/{draft.pk}/check/", {"version": "1"})
    assert r.status_code == 400
    assert Application.objects.count() == 0
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(f"/applications/{draft.pk}/check/", {"version": "1", "declaration": "yes"})
    assert r.status_code == 302
    app = Application.objects.get()
    assert r["Location"] == f"/mypage/applications/{app.pk}/done/"
    assert app.procedure_version == 1
    assert app.answers["children"][1]["child_birth"] == "2023-06-01"
    assert "spouse_name" not in app.answers
    assert HandoffOutbox.objects.filter(application=app, taken_at__isnull=True).exists()
    assert AuditEvent.objects.filter(action="application.submit", obj_id=str(app.pk)).exists()
    # Confirmation mail, without personal numbers.
    assert len(mail.outbox) == 1
    assert app.receipt_number in mail.outbox[0].subject
    assert VALID_MY_NUMBER not in mail.outbox[0].body
    done = client.get(r["Location"])
    assert app.receipt_number in done.content.decode()
    # A second click on 申請する yields the same application.
    again = client.post(f"/applications/{draft.pk}/check/", {"version": "1", "declaration": "yes"})
    assert again.status_code == 302
    assert Application.objects.count() == 1
    # My page lists it; withdrawal before processing.
    assert app.receipt_number in client.get("/mypage/").content.decode()
    r = client.post(
        f"/mypage/applications/{app.pk}/withdraw/", {"confirm": "yes", "reason": "重複のため"}
    )
    assert r.status_code == 302
    app.refresh_from_db()
    assert app.status == Status.WITHDRAWN
    assert list(app.history.values_list("status", flat=True)) == ["submitted", "withdrawn"]
    kinds = set(FunnelEvent.objects.values_list("kind", flat=True))
    assert {"start", "enter", "leave", "submit"} <= kinds


def test_withdraw_refused_once_processing_started(
    resident_client: Client, test_catalog: Any
) -> None:
    draft = start(resident_client)
    fill_all(resident_client, draft)
    resident_client.post(f"/applications/{draft.pk}/check/", {"version": "1", "declaration": "yes"})
    app = Application.objects.get()
    Application.objects.filter(pk=app.pk).update(status=Status.IN_REVIEW)
    resident_client.post(f"/mypage/applications/{app.pk}/withdraw/", {"confirm": "yes"})
    app.refresh_from_db()
    assert app.status == Status.IN_REVIEW


def test_errors_are_shown_next_to_fields(resident_client: Client, test_catalog: Any) -> None:
    draft = start(resident_client)
    r = resident_client.post(
        f"/applications/{draft.pk}/steps/applicant/",
        {"action": "next", "my_number": "12345", "pension": ""},
    )
    assert r.status_code == 400
    html = r.content.decode()
    assert 'class="error-summary"' in html
    assert 'id="f-my_number-error"' in html
    assert (
        'aria-describedby="f-my_number-hint f-my_number-error"' in html
        or "f-my_number-error" in html
    )
    assert "を選んでください" in html


def test_back_and_save_keep_answers(resident_client: Client, test_catalog: Any) -> None:
    draft = start(resident_client)
    base = f"/applications/{draft.pk}"
    r = resident_client.post(f"{base}/steps/applicant/", {"action": "save", "pension": "kokumin"})
    assert r["Location"] == "/mypage/"
    draft.refresh_from_db()
    assert draft.answers["pension"] == "kokumin"
    # Resumable after logout, on another device.
    other = Client()
    login_as(other, "demo-0001")
    page = other.get(f"{base}/steps/applicant/")
    assert 'value="kokumin" checked' in page.content.decode()


def test_group_add_and_remove_rows_without_javascript(
    resident_client: Client, test_catalog: Any
) -> None:
    draft = start(resident_client)
    url = f"/applications/{draft.pk}/steps/children/"
    r = resident_client.post(
        url, {"action": "add:children", "children-rows": "1", "children-0-child_name__sei": "常陸"}
    )
    assert r.status_code == 200
    html = r.content.decode()
    assert 'name="children-1-child_name__sei"' in html
    assert 'value="常陸"' in html
    r = resident_client.post(
        url,
        {"action": "remove:children:0", "children-rows": "2", "children-1-child_name__mei": "二葉"},
    )
    html = r.content.decode()
    assert 'name="children-1-child_name__sei"' not in html
    assert 'value="二葉"' in html


def test_other_residents_draft_is_404(client: Client, test_catalog: Any) -> None:
    login_as(client, "demo-0002")
    start(client)
    draft = Draft.objects.get()
    client.post("/logout/")
    login_as(client, "demo-0001")
    for url in (
        f"/applications/{draft.pk}/steps/applicant/",
        f"/applications/{draft.pk}/check/",
        f"/applications/{draft.pk}/attachments/",
        "/applications/not-a-uuid/check/",
        "/applications/00000000-0000-0000-0000-000000000000/check/",
    ):
        assert client.get(url).status_code == 404, url
    r = client.post(f"/applications/{draft.pk}/check/", {"version": "1", "declaration": "yes"})
    assert r.status_code == 404
    assert Application.objects.count() == 0


def test_assurance_enforced_on_server(client: Client, test_catalog: Any) -> None:
    login_as(client, "demo-0001", level="account")
    r = client.post("/procedures/test-teate/start/")
    assert r.status_code == 302
    assert r["Location"].startswith("/login/?")
    assert "level=mynumber_card" in r["Location"]
    assert Draft.objects.count() == 0


def test_draft_survives_step_up(client: Client, test_catalog: Any) -> None:
    login_as(client, "demo-0001")
    draft = start(client)
    client.post(
        f"/applications/{draft.pk}/steps/applicant/", {"action": "save", "pension": "kokumin"}
    )
    client.post("/logout/")
    login_as(client, "demo-0001", level="account")
    r = client.get(f"/applications/{draft.pk}/steps/applicant/")
    assert r.status_code == 302 and "level=mynumber_card" in r["Location"]
    login_as(client, "demo-0001", level="mynumber_card")
    assert client.get(f"/applications/{draft.pk}/steps/applicant/").status_code == 200


def test_tampered_version_is_refused(resident_client: Client, test_catalog: Any) -> None:
    draft = start(resident_client)
    fill_all(resident_client, draft)
    r = resident_client.post(
        f"/applications/{draft.pk}/check/", {"version": "2", "declaration": "yes"}
    )
    assert r.status_code == 400
    assert Application.objects.count() == 0


def test_duplicate_in_same_period_needs_confirmation(
    resident_client: Client, test_catalog: Any
) -> None:
    for expected_count in (1,):
        draft = start(resident_client)
        fill_all(resident_client, draft)
        resident_client.post(
            f"/applications/{draft.pk}/check/", {"version": "1", "declaration": "yes"}
        )
        assert Application.objects.count() == expected_count
    draft2 = Draft.objects.create(
        resident=Draft.objects.first().resident,
        procedure_code="test-teate",
        procedure_version=1,  # type: ignore[union-attr]
        answers=Draft.objects.first().answers,
        later_attachments=["bankbook"],  # type: ignore[union-attr]
    )
    r = resident_client.get(f"/applications/{draft2.pk}/check/")
    assert "すでにあります" in r.content.decode()
    r = resident_client.post(
        f"/applications/{draft2.pk}/check/", {"version": "1", "declaration": "yes"}
    )
    assert r.status_code == 400
    assert Application.objects.count() == 1
    r = resident_client.post(
        f"/applications/{draft2.pk}/check/",
        {"version": "1", "declaration": "yes", "confirm_duplicate": "yes"},
    )
    assert r.status_code == 302
    second = Application.objects.get(draft=draft2)
    assert second.duplicate_of is not None


def test_unreadable_upload_is_explained(resident_client: Client, test_catalog: Any) -> None:
    draft = start(resident_client)
    upload = io.BytesIO(b"MZ\x90\x00 this is not a photo")
    upload.name = "通帳.jpg"
    r = resident_client.post(
        f"/applications/{draft.pk}/attachments/",
        {"action": "upload:bankbook", "file-bankbook": upload},
    )
    assert r.status_code == 400
    assert 'class="field__error"' in r.content.decode()
    assert draft.attachments.count() == 0


def test_repeat_application_is_prefilled_from_the_previous_one(
    resident_client: Client, test_catalog: Any
) -> None:
    draft = start(resident_client)
    fill_all(resident_client, draft)
    resident_client.post(f"/applications/{draft.pk}/check/", {"version": "1", "declaration": "yes"})
    app = Application.objects.get()
    resident_client.post("/procedures/test-teate/start/")
    second = Draft.objects.exclude(pk=draft.pk).get()
    assert second.answers["pension"] == "kousei"
    assert second.prefilled_from == app.receipt_number
    page = resident_client.get(f"/applications/{second.pk}/steps/applicant/").content.decode()
    assert app.receipt_number in page  # the resident is told where the answers came from
    assert 'value="kousei" checked' in page


def test_profile_prefill_follows_who_applies(resident_client: Client, test_catalog: Any) -> None:
    resident_client.post("/procedures/test-proxy/start/")
    draft = Draft.objects.get(procedure_code="test-proxy")
    base = f"/applications/{draft.pk}/steps"
    assert "insured_name" not in draft.answers  # nothing assumed before the answer
    resident_client.post(f"{base}/who/", {"action": "next", "relation": "honnin"})
    page = resident_client.get(f"{base}/insured/").content.decode()
    assert "確認済み" in page and "常陸" in page  # verified by the card: locked
    assert 'name="insured_name__sei"' not in page
    assert 'value="090-1234-5678"' in page  # not verified: offered, editable
    # A family member applying for someone else types that person's data.
    resident_client.post(f"{base}/who/", {"action": "next", "relation": "kazoku"})
    page = resident_client.get(f"{base}/insured/").content.decode()
    assert 'name="insured_name__sei"' in page
    r = resident_client.post(
        f"{base}/insured/",
        {
            "action": "next",
            "insured_name__sei": "那珂",
            "insured_name__mei": "一郎",
            "insured_phone": "029-265-0000",
        },
    )
    assert r.status_code == 302
    resident_client.post(f"/applications/{draft.pk}/check/", {"version": "1", "declaration": "yes"})
    assert Application.objects.get().answers["insured_name"] == {"sei": "那珂", "mei": "一郎"}


def test_locked_values_win_at_submission(resident_client: Client, test_catalog: Any) -> None:
    resident_client.post("/procedures/test-proxy/start/")
    draft = Draft.objects.get(procedure_code="test-proxy")
    Draft.objects.filter(pk=draft.pk).update(
        answers={
            "relation": "honnin",
            "insured_name": {"sei": "偽", "mei": "名"},
            "insured_phone": "029-265-0000",
        }
    )
    resident_client.post(f"/applications/{draft.pk}/check/", {"version": "1", "declaration": "yes"})
    assert Application.objects.get().answers["insured_name"] == {"sei": "常陸", "mei": "花子"}


def test_question_decided_on_an_earlier_page_is_asked_only_when_it_applies(
    resident_client: Client, test_catalog: Any
) -> None:
    draft = start(resident_client)
    base = f"/applications/{draft.pk}/steps"
    resident_client.post(f"{base}/spouse/", {"action": "save", "has_spouse": "no"})
    page = resident_client.get(f"{base}/consent/").content.decode()
    assert 'name="consent_spouse"' not in page
    resident_client.post(
        f"{base}/spouse/",
        {
            "action": "save",
            "has_spouse": "yes",
            "spouse_name__sei": "常陸",
            "spouse_name__mei": "太郎",
        },
    )
    page = resident_client.get(f"{base}/consent/").content.decode()
    assert 'name="consent_spouse"' in page
    assert "場合に答えてください" not in page  # no "answer if ..." sentence: it applies


def test_files_are_served_only_to_their_owner(client: Client, test_catalog: Any) -> None:
    login_as(client, "demo-0001")
    draft = start(client)
    fill_all(client, draft)
    att = draft.attachments.get()
    own = client.get(f"/files/{att.pk}/")
    assert own.status_code == 200
    assert own["Content-Type"] == "image/jpeg"
    assert own["Cache-Control"] == "private, no-store"
    assert b"".join(own.streaming_content).startswith(b"\xff\xd8")  # type: ignore[attr-defined]
    client.post("/logout/")
    assert client.get(f"/files/{att.pk}/").status_code == 302  # to the login page
    login_as(client, "demo-0002")
    assert client.get(f"/files/{att.pk}/").status_code == 404


def test_autosave_stores_valid_answers_and_refuses_invalid(
    resident_client: Client, test_catalog: Any
) -> None:
    draft = start(resident_client)
    url = f"/applications/{draft.pk}/steps/applicant/"
    ok = resident_client.post(
        url, {"action": "save", "pension": "kokumin"}, headers={"X-Tsunagu-Autosave": "1"}
    )
    assert ok.status_code == 200 and ok.json() == {"saved": True}
    draft.refresh_from_db()
    assert draft.answers["pension"] == "kokumin"
    bad = resident_client.post(
        url,
        {"action": "save", "pension": "kousei", "my_number": "1"},
        headers={"X-Tsunagu-Autosave": "1"},
    )
    assert bad.status_code == 422 and bad.json() == {"saved": False}
    draft.refresh_from_db()
    assert draft.answers["pension"] == "kokumin"
