"""Staff pages of notices: the case-page panel, preview, issue and download."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory

from tests.casework.notices.conftest import pdf_text
from tsunagu.audit.models import AuditEvent
from tsunagu.casework.models import Case, CaseStatus
from tsunagu.casework.notices.models import Notice
from tsunagu.casework.notices.panel import notice_panel
from tsunagu.casework.panels import _PANELS


@pytest.fixture
def approved(decided_case: Callable[..., Case]) -> Case:
    return decided_case()


def panel_html(case: Case, client: Any) -> str:
    request = RequestFactory().get("/")
    context = notice_panel(request, case, client.staff)
    assert context is not None
    return render_to_string("notices/panel.html", context, request=request)


def test_the_panel_is_registered_on_the_case_page() -> None:
    assert _PANELS["notices"].template == "notices/panel.html"


def test_a_decided_case_offers_a_preview_and_the_issue_button(
    approved: Case, staff_client: Any
) -> None:
    html = panel_html(approved, staff_client())
    assert "通知書を発行する" in html
    assert f"/staff/cases/{approved.pk}/notice/preview/" in html
    assert "csrfmiddlewaretoken" in html or "csrf" in html


def test_an_undecided_case_offers_no_button(
    decided_case: Callable[..., Case], staff_client: Any
) -> None:
    case = decided_case()
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.IN_REVIEW)
    case.refresh_from_db()
    html = panel_html(case, staff_client())
    assert "通知書を発行する" not in html
    assert "決定（承認または却下）の後に" in html


def test_a_director_sees_the_panel_but_cannot_issue(approved: Case, staff_client: Any) -> None:
    html = panel_html(approved, staff_client(role="director"))
    assert "通知書の見本" in html
    assert "通知書を発行する" not in html


def test_an_auditor_gets_no_panel(approved: Case, staff_client: Any) -> None:
    client = staff_client(role="auditor")
    assert notice_panel(RequestFactory().get("/"), approved, client.staff) is None


def test_issuing_from_the_page(approved: Case, staff_client: Any) -> None:
    client = staff_client()
    response = client.post(f"/staff/cases/{approved.pk}/notice/issue/")
    assert response.status_code == 302
    assert response["Location"].endswith(f"/staff/cases/{approved.pk}/#notices")
    notice = Notice.objects.get(case=approved)
    assert notice.issued_by == client.staff.user
    approved.refresh_from_db()
    assert approved.status == CaseStatus.NOTIFIED
    # The panel now lists the notice with its verification, and no button.
    html = panel_html(approved, client)
    assert "署名は有効" in html
    assert notice.document_number in html
    assert "通知書を発行する" not in html
    # Issuing again is refused with a message, not an error page.
    again = client.post(f"/staff/cases/{approved.pk}/notice/issue/", follow=False)
    assert again.status_code == 302
    assert Notice.objects.filter(case=approved).count() == 1


def test_issuing_needs_a_post(approved: Case, staff_client: Any) -> None:
    response = staff_client().get(f"/staff/cases/{approved.pk}/notice/issue/")
    assert response.status_code == 405
    assert not Notice.objects.exists()


def test_the_preview_is_a_pdf_download_and_is_audited(approved: Case, staff_client: Any) -> None:
    response = staff_client().get(f"/staff/cases/{approved.pk}/notice/preview/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert quote("見本_") in response["Content-Disposition"]
    assert "見本（未発行）" in pdf_text(response.content)
    assert AuditEvent.objects.filter(action="notice.preview").exists()


def test_the_issued_notice_downloads_as_signed(approved: Case, staff_client: Any) -> None:
    client = staff_client()
    client.post(f"/staff/cases/{approved.pk}/notice/issue/")
    notice = Notice.objects.get(case=approved)
    response = client.get(f"/staff/notices/{notice.pk}/")
    assert response.status_code == 200
    with notice.file.open("rb") as fh:
        assert response.content == fh.read()
    assert "filename*=utf-8''" in response["Content-Disposition"]
    assert AuditEvent.objects.filter(action="notice.download").exists()


@pytest.mark.parametrize(
    "path",
    [
        "/staff/cases/{case}/notice/preview/",
        "/staff/notices/{notice}/",
    ],
)
def test_another_department_gets_not_found(approved: Case, staff_client: Any, path: str) -> None:
    owner = staff_client()
    owner.post(f"/staff/cases/{approved.pk}/notice/issue/")
    notice = Notice.objects.get(case=approved)
    stranger = staff_client(department="kaigo_hoken")
    url = path.format(case=approved.pk, notice=notice.pk)
    assert stranger.get(url).status_code == 404
    assert owner.get(url).status_code in {200, 302}


def test_another_department_cannot_issue(approved: Case, staff_client: Any) -> None:
    response = staff_client(department="kaigo_hoken").post(
        f"/staff/cases/{approved.pk}/notice/issue/"
    )
    assert response.status_code == 404
    assert not Notice.objects.exists()


def test_an_unknown_notice_is_not_found(staff_client: Any) -> None:
    client = staff_client()
    assert client.get("/staff/notices/00000000-0000-0000-0000-000000000000/").status_code == 404


def test_a_resident_session_is_not_staff(approved: Case, resident_client: Any) -> None:
    response = resident_client.post(f"/staff/cases/{approved.pk}/notice/issue/")
    assert response.status_code == 302  # to the staff login
    assert "/staff/" in response["Location"]
    assert not Notice.objects.exists()


def test_the_case_page_shows_the_panel(approved: Case, staff_client: Any) -> None:
    response = staff_client().get(f"/staff/cases/{approved.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="notices"' in html
    assert "通知書を発行する" in html


def test_a_lost_file_is_reported_not_a_broken_page(approved: Case, staff_client: Any) -> None:
    client = staff_client()
    client.post(f"/staff/cases/{approved.pk}/notice/issue/")
    notice = Notice.objects.get(case=approved)
    notice.file.storage.delete(notice.file.name)
    html = panel_html(approved, client)
    assert "署名を確認できません" in html
    assert "ファイルが見つかりません" in html


def test_done_when_the_resident_downloads_a_signed_notice_that_verifies(
    resident_client: Any, staff_client: Any
) -> None:
    """The issue's acceptance: staff issue, the resident downloads, the signature verifies."""
    from tests.casework.notices.conftest import submit
    from tsunagu.accounts.models import Resident
    from tsunagu.applications.models import ApplicationDocument
    from tsunagu.casework.handoff import handoff_take_one
    from tsunagu.casework.notices.signing import notice_verify
    from tsunagu.casework.services import (
        case_decide,
        case_start_review,
        case_submit_for_approval,
    )

    app = submit(Resident.objects.get(subject="demo-0001"), "jidou-teate-nintei")
    case, _ = handoff_take_one(application_id=app.pk)
    case_submit_for_approval(case=case_start_review(case=case, actor=None), actor=None)
    case_decide(case=case, actor=None, approve=True)
    staff_client().post(f"/staff/cases/{case.pk}/notice/issue/")

    page = resident_client.get(f"/mypage/applications/{app.pk}/").content.decode()
    assert "届いた書類" in page
    document = ApplicationDocument.objects.get(application=app)
    response = resident_client.get(f"/mypage/documents/{document.pk}/")
    assert response.status_code == 200
    downloaded = b"".join(response.streaming_content)
    result = notice_verify(downloaded)
    assert result.ok, result.problems
    assert result.trusted and result.whole_file and result.timestamped
    assert "決定通知書" in pdf_text(downloaded)
