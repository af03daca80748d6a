"""The front office's side of corrections (補正): what may change, what is kept, the mail."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from tests.applications.test_flow import fill_all, start
from tests.conftest import login_as
from tsunagu.applications import corrections
from tsunagu.applications.correction_diff import answers_diff, files_diff
from tsunagu.applications.correction_tasks import send_correction_email
from tsunagu.applications.models import (
    Application,
    ApplicationCorrection,
    CorrectionFile,
    Status,
)
from tsunagu.applications.selectors import correction_current_version
from tsunagu.applications.services import application_status_set
from tsunagu.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(
    resident_client: Client, test_catalog: Any, django_capture_on_commit_callbacks: Any
) -> Application:
    draft = start(resident_client)
    fill_all(resident_client, draft)
    with django_capture_on_commit_callbacks(execute=True):
        resident_client.post(
            f"/applications/{draft.pk}/check/", {"version": "1", "declaration": "yes"}
        )
    app = Application.objects.get()
    application_status_set(application_id=app.pk, status=Status.CORRECTION)
    mail.outbox.clear()
    return app


def open_round(app: Application, **kw: Any) -> ApplicationCorrection:
    args: dict[str, Any] = {
        "application_id": app.pk,
        "fields": ["pension"],
        "attachment_slots": [],
        "message": "年金の種類をご確認ください。",
        "due_date": None,
    }
    args.update(kw)
    return corrections.application_correction_open(**args)


@pytest.mark.parametrize(
    ("fields", "slots", "editable", "editable_slots"),
    [
        (["pension"], [], {"pension", "pension_other"}, set()),
        (["has_spouse"], [], {"has_spouse", "spouse_name", "consent_spouse"}, set()),
        (["children"], [], {"children"}, {"bekkyo_form"}),
        ([], ["bankbook"], set(), {"bankbook"}),
        (["my_number"], [], {"my_number"}, set()),
    ],
)
def test_what_the_resident_may_change(
    submitted: Application,
    fields: list[str],
    slots: list[str],
    editable: set[str],
    editable_slots: set[str],
) -> None:
    corr = open_round(submitted, fields=fields, attachment_slots=slots)
    proc = corrections.correction_procedure(corr)
    assert corrections.correction_editable(proc, corr) == (editable, editable_slots)


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"fields": [], "attachment_slots": []}, "1つ以上選んでください"),
        ({"fields": ["nope"]}, "定義にない項目"),
        ({"attachment_slots": ["nope"]}, "定義にない添付書類"),
        ({"message": "  "}, "補正を依頼する内容を入力してください。"),
        ({"fields": ["birth_date"]}, "「生年月日」はマイナンバーカードで確認済み"),
    ],
)
def test_opening_refuses_bad_requests(
    submitted: Application, kw: dict[str, Any], message: str
) -> None:
    with pytest.raises(corrections.CorrectionRefused) as refused:
        open_round(submitted, **kw)
    assert any(message in p.message for p in refused.value.problems)
    assert not ApplicationCorrection.objects.exists()


def test_no_second_open_round_and_none_on_a_withdrawn_application(
    submitted: Application,
) -> None:
    open_round(submitted)
    with pytest.raises(corrections.CorrectionRefused, match="すでにあります"):
        open_round(submitted)
    Application.objects.filter(pk=submitted.pk).update(status=Status.WITHDRAWN)
    ApplicationCorrection.objects.all().delete()
    with pytest.raises(corrections.CorrectionRefused, match="取り下げられた"):
        open_round(submitted)


def test_the_services_refuse_what_was_not_asked(submitted: Application) -> None:
    corr = open_round(submitted)
    resident = submitted.resident
    with pytest.raises(corrections.CorrectionRefused, match="配偶者はいますか"):
        corrections.application_correction_save(
            correction=corr, resident=resident, values={"has_spouse": True}
        )
    # Even a tampered work-in-progress is refused at resubmission, and nothing is written.
    ApplicationCorrection.objects.filter(pk=corr.pk).update(
        pending_answers={"pension": "kokumin", "my_number": None}
    )
    corr.refresh_from_db()
    with pytest.raises(corrections.CorrectionRefused) as refused:
        corrections.application_correction_submit(correction=corr, resident=resident, declared=True)
    assert "補正を依頼されていない項目（「個人番号」）は変更できません。" in [
        p.message for p in refused.value.problems
    ]
    corr.refresh_from_db()
    assert corr.answered_at is None and corr.answers_after is None
    # Files of a slot that was not asked for are refused too.
    with pytest.raises(corrections.CorrectionRefused, match="書類は変更できません"):
        corrections.correction_file_remove(
            correction=corr,
            resident=resident,
            file_id=corr.attachments_before[0]["id"],
        )


def test_resubmission_revalidates_the_whole_answers(submitted: Application) -> None:
    corr = open_round(submitted)
    # The pinned definition requires "その他の年金" once "その他" is chosen.
    corrections.application_correction_save(
        correction=corr, resident=submitted.resident, values={"pension": "other"}
    )
    with pytest.raises(corrections.CorrectionRefused) as refused:
        corrections.application_correction_submit(
            correction=corr, resident=submitted.resident, declared=True
        )
    assert [p.field for p in refused.value.problems] == ["pension_other"]
    corrections.application_correction_save(
        correction=corr,
        resident=submitted.resident,
        values={"pension": "other", "pension_other": "共済年金"},
    )
    done = corrections.application_correction_submit(
        correction=corr, resident=submitted.resident, declared=True
    )
    assert done.answers_after is not None
    assert done.answers_after["pension_other"] == "共済年金"
    # Idempotent: a second click returns the same round unchanged.
    again = corrections.application_correction_submit(
        correction=corr, resident=submitted.resident, declared=True
    )
    assert again.answered_at == done.answered_at
    assert AuditEvent.objects.filter(action="application.correction_submit").count() == 1
    # The application's current version is the corrected one; the first stays stored.
    answers, files = correction_current_version(application=submitted)
    assert answers["pension"] == "other"
    submitted.refresh_from_db()
    assert submitted.answers["pension"] == "kousei"
    assert [f["name"] for f in files] == ["通帳.jpg"]


def test_a_new_file_replaces_the_old_one_which_stays_stored(
    submitted: Application, resident_client: Client
) -> None:
    corr = open_round(submitted, fields=[], attachment_slots=["bankbook"])
    page = f"/mypage/applications/{submitted.pk}/correction/"
    # With only documents asked, the form goes straight to the documents.
    r = resident_client.get(page)
    assert r["Location"] == page + "attachments/"
    old = corr.attachments_before[0]
    resident_client.post(page + "attachments/", {"action": f"remove:{old['id']}"})
    # A file is required now that the only one is left out.
    r = resident_client.post(page + "check/", {"declaration": "yes"})
    assert r.status_code == 400
    assert "「通帳の写し」を添付してください。" in r.content.decode()
    # A file that is not a document is refused with a message next to the slot.
    bad = io.BytesIO(b"MZ\x90\x00 not a picture")
    bad.name = "virus.exe"
    r = resident_client.post(
        page + "attachments/", {"action": "upload:bankbook", "file-bankbook": bad}
    )
    assert r.status_code == 400
    assert 'id="file-bankbook-error"' in r.content.decode()
    from tests.applications.samples import sample_upload

    r = resident_client.post(
        page + "attachments/",
        {"action": "upload:bankbook", "file-bankbook": sample_upload(["pdf"], "通帳")},
    )
    assert r.status_code == 302
    new = CorrectionFile.objects.get()
    # The resident can open their new file; nobody else can.
    assert resident_client.get(f"/correction-files/{new.pk}/").status_code == 200
    stranger = Client()
    login_as(stranger, "demo-0002")
    assert stranger.get(f"/correction-files/{new.pk}/").status_code == 404
    # Asking for another slot than the round's is refused.
    r = resident_client.post(
        page + "attachments/",
        {"action": "upload:bekkyo_form", "file-bekkyo_form": sample_upload(["pdf"])},
    )
    assert r.status_code == 400
    r = resident_client.post(page + "check/", {"declaration": "yes"})
    assert r.status_code == 302
    corr.refresh_from_db()
    assert [f["name"] for f in corr.attachments_before] == ["通帳.jpg"]
    assert [(f["name"], f["source"]) for f in corr.attachments_after or []] == [
        ("通帳.pdf", "correction")
    ]
    assert submitted.draft.attachments.count() == 1  # the earlier file is still stored


def test_the_mail_speaks_the_resident_language_and_needs_an_address(
    submitted: Application, django_capture_on_commit_callbacks: Any
) -> None:
    Application.objects.filter(pk=submitted.pk).update(language="en")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        corr = open_round(submitted, attachment_slots=["bankbook"])
    assert mail.outbox == []  # nothing leaves before the commit
    for callback in callbacks:
        callback()
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert submitted.receipt_number in sent.subject
    assert "Pension" in sent.body and "Copy of bank book" in sent.body
    assert "年金の種類をご確認ください。" in sent.body  # the clerk's own words
    assert "123456789018" not in sent.body
    submitted.resident.email = ""
    submitted.resident.save(update_fields=["email"])
    assert send_correction_email.call(str(corr.pk)) is False


def test_the_diff_reads_like_the_form(proc: Any) -> None:
    before = {
        "pension": "kousei",
        "children": [{"child_name": {"sei": "常陸", "mei": "一花"}, "living": "doukyo"}],
    }
    after = {
        "pension": "other",
        "pension_other": "共済",
        "children": [
            {"child_name": {"sei": "常陸", "mei": "一花"}, "living": "bekkyo"},
            {"child_name": {"sei": "常陸", "mei": "二葉"}, "living": "doukyo"},
        ],
    }
    rows = [(c.label, c.before, c.after) for c in answers_diff(proc, before, after, "ja")]
    assert rows[0] == ("加入している年金", "厚生年金", "その他")
    assert rows[1] == ("その他の年金", "（なし）", "共済")
    assert ("児童 1：同居・別居", "同居", "別居") in rows
    assert ("児童 2：児童の氏名", "（なし）", "常陸 二葉") in rows
    assert answers_diff(proc, before, before, "ja") == []
    files = files_diff(
        proc,
        [{"id": "a", "slot": "bankbook", "name": "old.jpg", "sha256": "1" * 64, "size": 3}],
        [{"id": "b", "slot": "bankbook", "name": "new.pdf", "sha256": "2" * 64, "size": 4}],
        "ja",
    )
    assert [(f.name, f.change) for f in files] == [("old.jpg", "removed"), ("new.pdf", "added")]


def test_the_page_shows_the_request_until_answered_or_withdrawn(
    submitted: Application, resident_client: Client
) -> None:
    open_round(submitted, due_date=None)
    detail = f"/mypage/applications/{submitted.pk}/"
    html = resident_client.get(detail).content.decode()
    assert "補正（修正）のお願い" in html and "加入している年金" in html
    assert "年金の種類をご確認ください。" in html
    # A login weaker than the procedure needs is sent to log in again.
    weak = Client()
    login_as(weak, "demo-0001", level="account")
    r = weak.get(f"{detail}correction/")
    assert r.status_code == 302 and r["Location"].startswith("/login/")
    Application.objects.filter(pk=submitted.pk).update(status=Status.WITHDRAWN)
    html = resident_client.get(detail).content.decode()
    assert "補正（修正）のお願い" not in html
    assert resident_client.get(f"{detail}correction/").status_code == 404
