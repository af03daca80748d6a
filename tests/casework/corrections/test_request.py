"""The clerk's request form: Japanese errors next to the field, refusals, the case panel,
who may see what."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.utils import timezone

from tests.conftest import login_as
from tsunagu.applications.models import Application, ApplicationCorrection
from tsunagu.casework.corrections.models import CaseCorrection
from tsunagu.casework.corrections.services import correction_request
from tsunagu.casework.models import Case, CaseStatus
from tsunagu.casework.panels import panels_for

pytestmark = pytest.mark.django_db


def url(case: Case, tail: str = "new/") -> str:
    return f"/staff/cases/{case.pk}/corrections/{tail}"


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"message": "確認してください。"}, "field_ids", "1つ以上選んでください"),
        ({"field_ids": ["pension"]}, "message", "申請者へ伝える補正の内容を入力してください。"),
        ({"field_ids": ["pension"], "message": "　 "}, "message", "補正の内容を入力してください"),
        (
            {"field_ids": ["pension"], "message": "確認を", "due_date": "2001-01-01"},
            "due_date",
            "期限には今日以降の日付を入力してください。",
        ),
        (
            {"field_ids": ["pension"], "message": "確認を", "due_date": "来週"},
            "due_date",
            "日付で入力してください",
        ),
        (
            {"field_ids": ["no_such_field"], "message": "確認を"},
            "field_ids",
            "選べない項目が含まれています",
        ),
        # 4情報 verified by the card cannot be asked for (the box is disabled, too).
        ({"field_ids": ["name"], "message": "確認を"}, "field_ids", "選べない項目"),
        ({"message": "x" * 2001, "field_ids": ["pension"]}, "message", "2000文字以内"),
    ],
)
def test_bad_input_gets_a_japanese_error_next_to_the_field(
    reviewed_case: Case, staff_client: Any, data: dict[str, Any], field: str, message: str
) -> None:
    clerk = staff_client()
    r = clerk.post(url(reviewed_case), data)
    assert r.status_code == 400
    html = r.content.decode()
    error_at = html.index(f'id="f-{field}-error"')
    assert message in html[error_at : error_at + 400]
    # The error summary links to the field.
    assert f'href="#f-{field}"' in html
    reviewed_case.refresh_from_db()
    assert reviewed_case.status == CaseStatus.IN_REVIEW
    assert not ApplicationCorrection.objects.exists()
    assert not CaseCorrection.objects.exists()


def test_card_verified_fields_are_shown_but_cannot_be_chosen(
    reviewed_case: Case, staff_client: Any
) -> None:
    html = staff_client().get(url(reviewed_case)).content.decode()
    box = html[html.index('id="field-name"') - 60 : html.index('id="field-name"') + 200]
    assert "disabled" in box
    assert "マイナンバーカードで確認済みのため、補正を依頼できません" in html
    pension = html[html.index('id="field-pension"') : html.index('id="field-pension"') + 120]
    assert "disabled" not in pension


def test_only_a_case_under_review_can_be_asked(reviewed_case: Case, staff_client: Any) -> None:
    Case.objects.filter(pk=reviewed_case.pk).update(status=CaseStatus.APPROVING)
    clerk = staff_client()
    page = clerk.get(url(reviewed_case))
    assert "補正は「審査中」または「補正済」の案件に依頼できます。" in page.content.decode()
    r = clerk.post(url(reviewed_case), {"field_ids": ["pension"], "message": "確認を"})
    assert r.status_code == 400
    assert "「決裁中」の案件は補正を依頼できません。" in r.content.decode()
    assert not ApplicationCorrection.objects.exists()


def test_one_open_round_at_a_time_then_a_second_round(
    reviewed_case: Case, staff_client: Any
) -> None:
    clerk = staff_client()
    first = correction_request(
        case=reviewed_case,
        actor=clerk.staff.user,
        fields=["pension"],
        attachment_slots=[],
        message="年金を確認してください。",
        due_date=None,
    )
    assert first.number == 1
    # 補正依頼中 cannot be asked again before the answer.
    r = clerk.post(url(reviewed_case), {"field_ids": ["pension"], "message": "もう一度"})
    assert r.status_code == 400
    assert ApplicationCorrection.objects.count() == 1

    # Answered and received: the next round starts from the corrected answers.
    corr = ApplicationCorrection.objects.get()
    app = corr.application
    ApplicationCorrection.objects.filter(pk=corr.pk).update(pending_answers={"pension": "kokumin"})
    from tsunagu.applications.corrections import application_correction_submit
    from tsunagu.casework.corrections.services import correction_receive_pending

    application_correction_submit(
        correction=ApplicationCorrection.objects.get(), resident=app.resident, declared=True
    )
    assert len(correction_receive_pending()) == 1
    reviewed_case.refresh_from_db()
    assert reviewed_case.status == CaseStatus.CORRECTED
    r = clerk.post(
        url(reviewed_case),
        {
            "field_ids": ["has_spouse"],
            "message": "配偶者の有無を確認してください。",
            "due_date": (timezone.localdate() + dt.timedelta(days=7)).isoformat(),
        },
    )
    assert r.status_code == 302
    assert r["Location"] == url(reviewed_case, "2/")
    second = ApplicationCorrection.objects.get(number=2)
    assert second.answers_before["pension"] == "kokumin"
    assert Application.objects.get(pk=app.pk).answers["pension"] == "kousei"


def test_the_case_page_panel(reviewed_case: Case, staff_client: Any) -> None:
    clerk = staff_client()
    request = RequestFactory().get("/")
    shown = dict(
        (panel.key, (panel, context))
        for panel, context in panels_for(request=request, case=reviewed_case, staff=clerk.staff)
    )
    assert "corrections" in shown
    panel, context = shown["corrections"]
    assert context["can_request"] is True
    html = render_to_string(panel.template, context)
    assert 'action="/staff/cases/' in html and "補正を依頼する" in html
    assert "加入している年金" in html and "通帳の写し" in html
    # An auditor sees no case panels.
    auditor = staff_client(role="auditor")
    assert not [
        p
        for p, _c in panels_for(request=request, case=reviewed_case, staff=auditor.staff)
        if p.key == "corrections"
    ]


def test_other_departments_and_roles_get_404(reviewed_case: Case, staff_client: Any) -> None:
    clerk = staff_client()
    correction_request(
        case=reviewed_case,
        actor=clerk.staff.user,
        fields=["pension"],
        attachment_slots=[],
        message="年金を確認してください。",
        due_date=None,
    )
    assert clerk.get(url(reviewed_case, "1/")).status_code == 200
    assert clerk.get(url(reviewed_case, "2/")).status_code == 404
    others = [
        staff_client(department="kaigo_hoken"),
        staff_client(role="auditor"),
        staff_client(role="admin"),
    ]
    for other in others:
        assert other.get(url(reviewed_case)).status_code == 404
        assert other.get(url(reviewed_case, "1/")).status_code == 404
        r = other.post(url(reviewed_case), {"field_ids": ["pension"], "message": "x"})
        assert r.status_code == 404
    # A director reads the rounds but does not ask.
    director = staff_client(role="director")
    assert director.get(url(reviewed_case, "1/")).status_code == 200
    assert (
        director.post(url(reviewed_case), {"field_ids": ["pension"], "message": "x"}).status_code
        == 404
    )
    assert Client().get(url(reviewed_case, "1/")).status_code == 302  # to the staff login
    assert clerk.get("/staff/cases/not-a-uuid/corrections/1/").status_code == 404


def test_other_residents_get_404(reviewed_case: Case, staff_client: Any, client: Client) -> None:
    clerk = staff_client()
    correction_request(
        case=reviewed_case,
        actor=clerk.staff.user,
        fields=["pension"],
        attachment_slots=["bankbook"],
        message="確認してください。",
        due_date=None,
    )
    stranger = Client()
    login_as(stranger, "demo-0002")
    app_id = reviewed_case.application_id
    for tail in ("correction/", "correction/attachments/", "correction/check/"):
        assert stranger.get(f"/mypage/applications/{app_id}/{tail}").status_code == 404
        assert stranger.post(f"/mypage/applications/{app_id}/{tail}", {}).status_code == 404
    assert stranger.get(f"/mypage/applications/{app_id}/").status_code == 404


def test_the_case_page_shows_the_panel_and_receives_the_answer(
    reviewed_case: Case, staff_client: Any, resident_client: Client
) -> None:
    clerk = staff_client()
    page = clerk.get(f"/staff/cases/{reviewed_case.pk}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'id="corrections-panel-title"' in html
    assert f'action="/staff/cases/{reviewed_case.pk}/corrections/new/"' in html
    assert 'name="csrfmiddlewaretoken"' in html[html.index("corrections-form") :]
    correction_request(
        case=reviewed_case,
        actor=clerk.staff.user,
        fields=["children"],
        attachment_slots=[],
        message="お子さんの生年月日をご確認ください。",
        due_date=None,
    )
    app_id = reviewed_case.application_id
    form_url = f"/mypage/applications/{app_id}/correction/"
    # Adding a row of a repeating group keeps what was typed and saves nothing yet.
    r = resident_client.post(
        form_url,
        {
            "action": "add:children",
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
    assert r.status_code == 200
    html = r.content.decode()
    assert 'name="children-2-child_name__sei"' in html and "入力欄を1件追加しました。" in html
    assert ApplicationCorrection.objects.get().pending_answers == {}
    r = resident_client.post(
        form_url,
        {
            "action": "next",
            "children-rows": "2",
            "children-0-child_name__sei": "常陸",
            "children-0-child_name__mei": "一花",
            "children-0-child_birth": "令和2年5月1日",
            "children-0-living": "doukyo",
            "children-1-child_name__sei": "常陸",
            "children-1-child_name__mei": "二葉",
            "children-1-child_birth": "2023-06-01",
            "children-1-living": "doukyo",
        },
    )
    # Nobody lives apart: no document becomes necessary, so straight to the check page.
    assert r["Location"] == f"/mypage/applications/{app_id}/correction/check/"
    check = resident_client.get(f"/mypage/applications/{app_id}/correction/check/")
    assert "2020年4月1日" in check.content.decode() and "2020年5月1日" in check.content.decode()
    r = resident_client.post(
        f"/mypage/applications/{app_id}/correction/check/", {"declaration": "yes"}
    )
    assert r.status_code == 302
    # Opening the case page takes the answer in at once, without waiting for the poller.
    html = clerk.get(f"/staff/cases/{reviewed_case.pk}/").content.decode()
    reviewed_case.refresh_from_db()
    assert reviewed_case.status == CaseStatus.CORRECTED
    assert "回答済み" in html
    assert CaseCorrection.objects.get().received_at is not None


def test_an_overdue_round_says_so_to_both_sides(
    reviewed_case: Case, staff_client: Any, resident_client: Client
) -> None:
    clerk = staff_client()
    correction_request(
        case=reviewed_case,
        actor=clerk.staff.user,
        fields=["pension"],
        attachment_slots=[],
        message="年金を確認してください。",
        due_date=timezone.localdate() + dt.timedelta(days=3),
    )
    page = clerk.get(url(reviewed_case)).content.decode()
    assert "回答待ち" in page and "期限切れ" not in page
    past = timezone.localdate() - dt.timedelta(days=1)
    ApplicationCorrection.objects.update(due_date=past)
    CaseCorrection.objects.update(due_date=past)
    assert "回答待ち（期限切れ）" in clerk.get(url(reviewed_case)).content.decode()
    detail = resident_client.get(f"/mypage/applications/{reviewed_case.application_id}/")
    assert "期限を過ぎています。" in detail.content.decode()


def test_the_current_version_for_the_other_parts(reviewed_case: Case, staff_client: Any) -> None:
    from tsunagu.applications.corrections import (
        application_correction_save,
        application_correction_submit,
    )
    from tsunagu.casework.corrections.selectors import (
        case_current_answers,
        case_current_attachments,
    )
    from tsunagu.casework.corrections.services import correction_receive_pending

    submitted_files = case_current_attachments(case=reviewed_case)
    assert [f["name"] for f in submitted_files] == ["通帳.jpg"]
    assert case_current_answers(case=reviewed_case)["pension"] == "kousei"
    correction_request(
        case=reviewed_case,
        actor=staff_client().staff.user,
        fields=["pension"],
        attachment_slots=[],
        message="年金を確認してください。",
        due_date=None,
    )
    corr = ApplicationCorrection.objects.get()
    resident = corr.application.resident
    application_correction_save(correction=corr, resident=resident, values={"pension": "kokumin"})
    application_correction_submit(correction=corr, resident=resident, declared=True)
    # Not yet received: the back office still reads the submitted version.
    assert case_current_answers(case=reviewed_case)["pension"] == "kousei"
    correction_receive_pending()
    assert case_current_answers(case=reviewed_case)["pension"] == "kokumin"
    assert [f["sha256"] for f in case_current_attachments(case=reviewed_case)] == [
        f["sha256"] for f in submitted_files
    ]


@pytest.mark.parametrize(
    "message",
    [
        '<script>alert("x")</script>お手数ですが',
        "\u202e逆向き\u202c の文字",
        "改行\nを含む\r\nメッセージ",
        "😀 絵文字と ﾊﾝｶｸ",
    ],
)
def test_naughty_messages_are_shown_as_text(
    reviewed_case: Case,
    staff_client: Any,
    resident_client: Client,
    message: str,
) -> None:
    clerk = staff_client()
    r = clerk.post(url(reviewed_case), {"field_ids": ["pension"], "message": message})
    assert r.status_code == 302
    stored = ApplicationCorrection.objects.get().message
    assert stored == message.strip()
    for html in (
        resident_client.get(f"/mypage/applications/{reviewed_case.application_id}/"),
        clerk.get(url(reviewed_case, "1/")),
    ):
        text = html.content.decode()
        assert "<script>alert" not in text
        if "<script>" in message:
            assert "&lt;script&gt;alert" in text


def test_receiving_for_a_case_costs_one_query_when_nothing_is_pending(
    reviewed_case: Case, django_assert_num_queries: Any
) -> None:
    from tsunagu.casework.corrections.services import correction_receive_for_case

    with django_assert_num_queries(1):
        assert correction_receive_for_case(case=reviewed_case) == 0
