"""A whole correction round through the pages: the clerk asks, the resident answers only
what was asked, the clerk sees the difference; status and deadline follow."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone
from PIL import Image

from tsunagu.applications.models import Application, ApplicationCorrection, Attachment, Status
from tsunagu.audit.models import AuditEvent
from tsunagu.casework import workdays
from tsunagu.casework.corrections.models import CaseCorrection
from tsunagu.casework.models import Case, CaseStatus

pytestmark = pytest.mark.django_db


def png_upload(name: str) -> io.BytesIO:
    buf = io.BytesIO()
    Image.new("RGB", (70, 50), (10, 120, 200)).save(buf, format="PNG")
    buf.seek(0)
    buf.name = name
    return buf


def ask(clerk: Client, case: Case, **extra: Any) -> Any:
    data = {
        "field_ids": ["pension", "children"],
        "slot_ids": ["bankbook"],
        "message": "加入している年金の種類と、通帳の写しをご確認ください。",
        "due_date": (timezone.localdate() + dt.timedelta(days=14)).isoformat(),
        **extra,
    }
    return clerk.post(f"/staff/cases/{case.pk}/corrections/new/", data)


def test_the_whole_round(
    reviewed_case: Case,
    resident_client: Client,
    staff_client: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    case = reviewed_case
    app = Application.objects.get(pk=case.application_id)
    original_answers = dict(app.answers)
    original_file = Attachment.objects.get(draft=app.draft)
    clerk = staff_client(role="clerk", department="kodomo_seisaku")
    mail.outbox.clear()

    # The clerk sees the fields of the pinned definition, with labels, and asks.
    page = clerk.get(f"/staff/cases/{case.pk}/corrections/new/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "加入している年金" in html and "支給要件児童" in html and "通帳の写し" in html
    with django_capture_on_commit_callbacks(execute=True):
        r = ask(clerk, case)
    assert r.status_code == 302
    assert r["Location"] == f"/staff/cases/{case.pk}/corrections/1/"

    case.refresh_from_db()
    app.refresh_from_db()
    assert case.status == CaseStatus.CORRECTION
    assert case.correction_since == timezone.localdate()
    assert app.status == Status.CORRECTION
    assert AuditEvent.objects.filter(action="case.correction_request", obj_id=str(case.pk)).exists()
    # The resident is told by mail, with what is asked and the link to the application.
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["hanako.hitachi@example.jp"]
    assert "補正" in message.subject and app.receipt_number in message.subject
    assert "加入している年金" in message.body and "通帳の写し" in message.body
    assert f"/mypage/applications/{app.pk}/" in message.body
    assert "年金の種類と、通帳の写しをご確認ください。" in message.body

    # The resident's page shows the request prominently, and the status.
    detail = resident_client.get(f"/mypage/applications/{app.pk}/").content.decode()
    assert "補正依頼中" in detail
    assert "補正（修正）のお願い" in detail
    assert "年金の種類と、通帳の写しをご確認ください。" in detail
    assert f"/mypage/applications/{app.pk}/correction/" in detail

    # The form holds exactly the asked fields.
    form_url = f"/mypage/applications/{app.pk}/correction/"
    form = resident_client.get(form_url).content.decode()
    assert 'name="pension"' in form
    assert 'name="children-0-child_name__sei"' in form
    assert 'name="has_spouse"' not in form
    assert 'name="my_number"' not in form
    assert 'name="consent_tax"' not in form

    # A field that was not asked for is refused by the server, and nothing is stored.
    r = resident_client.post(
        form_url, {"action": "next", "pension": "kokumin", "has_spouse": "yes"}
    )
    assert r.status_code == 400
    assert (
        "補正を依頼されていない項目（「配偶者はいますか」）は変更できません。" in r.content.decode()
    )
    assert ApplicationCorrection.objects.get().pending_answers == {}

    # Bad input: the Japanese message next to the field.
    r = resident_client.post(
        form_url,
        {
            "action": "next",
            "pension": "other",
            "pension_other": "",
            "children-rows": "1",
            "children-0-child_name__sei": "常陸",
            "children-0-child_name__mei": "一花",
            "children-0-child_birth": "2099年13月1日",
            "children-0-living": "doukyo",
        },
    )
    assert r.status_code == 400
    html = r.content.decode()
    assert 'id="f-children-0-child_birth-error"' in html
    assert 'id="f-pension_other-error"' in html and "「その他の年金」を入力してください。" in html

    # The asked fields, changed properly.
    r = resident_client.post(
        form_url,
        {
            "action": "next",
            "pension": "kokumin",
            "children-rows": "1",
            "children-0-child_name__sei": "常陸",
            "children-0-child_name__mei": "一花",
            "children-0-child_birth": "令和2年4月1日",
            "children-0-living": "doukyo",
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    assert r["Location"] == f"/mypage/applications/{app.pk}/correction/attachments/"

    # The attachment: the earlier file left out (kept on record), a new one attached.
    files_url = r["Location"]
    r = resident_client.post(files_url, {"action": f"remove:{original_file.pk}"})
    assert r.status_code == 302
    r = resident_client.post(
        files_url, {"action": "upload:bankbook", "file-bankbook": png_upload("新しい通帳.png")}
    )
    assert r.status_code == 302
    r = resident_client.post(files_url, {"action": "next"})
    assert r["Location"] == f"/mypage/applications/{app.pk}/correction/check/"

    # The check page shows before and after; without the declaration nothing is sent.
    check_url = r["Location"]
    html = resident_client.get(check_url).content.decode()
    assert "厚生年金" in html and "国民年金" in html and "新しい通帳.png" in html
    assert "二葉" in html  # the removed second child, shown as before
    r = resident_client.post(check_url, {})
    assert r.status_code == 400
    assert "補正した内容に誤りがないことを確認し" in r.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        r = resident_client.post(check_url, {"declaration": "yes"})
    assert r.status_code == 302
    # The resident is told that the correction arrived.
    assert len(mail.outbox) == 2
    assert "補正を受け付けました" in mail.outbox[1].subject
    assert app.receipt_number in mail.outbox[1].body
    assert r["Location"] == f"/mypage/applications/{app.pk}/"
    assert AuditEvent.objects.filter(action="application.correction_submit").exists()

    # Nothing the resident first submitted is lost.
    app.refresh_from_db()
    assert app.answers == original_answers
    assert Attachment.objects.filter(pk=original_file.pk).exists()
    round_ = ApplicationCorrection.objects.get()
    assert round_.answers_before == original_answers
    assert round_.answers_after is not None
    assert round_.answers_after["pension"] == "kokumin"
    assert len(round_.answers_after["children"]) == 1
    assert round_.answers_after["my_number"] == original_answers["my_number"]

    # Two weeks later the back office receives it through the poll: 補正済, clock extended.
    since = timezone.localdate() - dt.timedelta(days=14)
    Case.objects.filter(pk=case.pk).update(correction_since=since)
    from django.core.management import call_command

    out = io.StringIO()
    call_command("casework", "take", stdout=out)
    assert "1 件の補正を受け取りました" in out.getvalue()
    case.refresh_from_db()
    assert case.status == CaseStatus.CORRECTED
    paused = workdays.working_days_between(since, timezone.localdate())
    assert case.paused_days == paused > 0
    assert case.correction_since is None
    assert case.due_date == workdays.due_date(timezone.localdate(case.submitted_at), 10, paused)
    app.refresh_from_db()
    assert app.status == Status.CORRECTED
    record = CaseCorrection.objects.get()
    assert record.received_at is not None
    # Receiving is idempotent.
    call_command("casework", "take", stdout=out)
    assert CaseCorrection.objects.get().received_at == record.received_at

    # The clerk sees the difference: labels, before and after, files by name and hash.
    r = clerk.get(f"/staff/cases/{case.pk}/corrections/1/")
    assert r.status_code == 200
    html = r.content.decode()
    assert "加入している年金" in html and "厚生年金" in html and "国民年金" in html
    assert "児童 2：児童の氏名" in html and "二葉" in html
    assert original_file.original_name in html and original_file.sha256 in html
    new_file = round_.files.get()
    assert "新しい通帳.png" in html and new_file.sha256 in html
    assert "123456789018" not in html
    assert AuditEvent.objects.filter(action="case.correction_view", obj_id=str(case.pk)).exists()
    # The files of both versions stay downloadable for staff.
    for file_id in (original_file.pk, new_file.pk):
        got = clerk.get(f"/staff/cases/{case.pk}/corrections/1/files/{file_id}/")
        assert got.status_code == 200
    # The resident's page now shows the answered round, and no request.
    detail = resident_client.get(f"/mypage/applications/{app.pk}/").content.decode()
    assert "補正（修正）のお願い" not in detail
    assert "1回目の補正" in detail
    assert resident_client.get(form_url).status_code == 404
