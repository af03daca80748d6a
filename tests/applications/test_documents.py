"""Documents the city delivers: the resident's list, download (own only) and the mail."""

from __future__ import annotations

import hashlib
from typing import Any
from urllib.parse import quote

import pytest
from django.core import mail
from django.test import Client

from tests.casework.conftest import make_submission
from tsunagu.accounts.models import Resident
from tsunagu.applications.documents import application_document_add, send_document_email
from tsunagu.applications.models import Application, ApplicationDocument
from tsunagu.audit.models import AuditEvent

PDF = b"%PDF-1.7\n% a signed notice would be here\n%%EOF\n"


@pytest.fixture
def own_app(resident_client: Client, test_catalog: Any) -> Application:
    return make_submission(Resident.objects.get(subject="demo-0001"))


def deliver(app: Application, **changes: Any) -> ApplicationDocument:
    args: dict[str, Any] = {
        "application_id": app.pk,
        "kind": "kettei",
        "title": "決定通知書",
        "filename": "決定通知書.pdf",
        "content": PDF,
        **changes,
    }
    return application_document_add(**args)


def test_a_delivered_document_is_kept_as_given(
    own_app: Application, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        doc = deliver(own_app)
    assert doc.size == len(PDF)
    assert doc.sha256 == hashlib.sha256(PDF).hexdigest()
    with doc.file.open("rb") as fh:
        assert fh.read() == PDF
    # The stored name never carries a person's or a document's name.
    assert "決定" not in (doc.file.name or "")
    assert AuditEvent.objects.filter(action="application.document_add").exists()
    assert len(mail.outbox) == 1
    assert own_app.receipt_number in mail.outbox[0].subject


def test_no_mail_when_asked_not_to(
    own_app: Application, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        deliver(own_app, notify=False)
    assert mail.outbox == []


def test_the_mail_speaks_the_language_of_the_application(own_app: Application) -> None:
    Application.objects.filter(pk=own_app.pk).update(language="en")
    doc = deliver(own_app, notify=False)
    assert send_document_email.call(str(doc.pk)) is True
    assert "Hitachinaka City" in mail.outbox[-1].subject


def test_no_mail_without_an_address(own_app: Application) -> None:
    Resident.objects.filter(pk=own_app.resident_id).update(email="")
    doc = deliver(own_app, notify=False)
    assert send_document_email.call(str(doc.pk)) is False
    assert mail.outbox == []


def test_the_resident_downloads_their_document(
    resident_client: Client, own_app: Application
) -> None:
    doc = deliver(own_app)
    response = resident_client.get(f"/mypage/documents/{doc.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF  # type: ignore[attr-defined]
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    expected = quote(f"決定通知書_{own_app.receipt_number}.pdf")
    assert f"filename*=utf-8''{expected}" in disposition
    assert response["Cache-Control"] == "private, no-store"
    doc.refresh_from_db()
    assert doc.first_downloaded_at is not None
    # Only the first download is the moment the notice reached the resident.
    first = doc.first_downloaded_at
    resident_client.get(f"/mypage/documents/{doc.pk}/")
    doc.refresh_from_db()
    assert doc.first_downloaded_at == first
    assert AuditEvent.objects.filter(action="application.document_download").count() == 1


def test_the_application_page_lists_the_documents(
    resident_client: Client, own_app: Application
) -> None:
    page = resident_client.get(f"/mypage/applications/{own_app.pk}/").content.decode()
    assert "届いた書類" not in page
    doc = deliver(own_app)
    page = resident_client.get(f"/mypage/applications/{own_app.pk}/").content.decode()
    assert "届いた書類" in page
    assert f"/mypage/documents/{doc.pk}/" in page
    assert "決定通知書（PDF）をダウンロード" in page
    assert "未読" in page


@pytest.mark.parametrize(
    "document_id",
    ["00000000-0000-0000-0000-000000000000", "not-a-uuid", "1", "%00"],
)
def test_a_missing_document_is_not_found(resident_client: Client, document_id: str) -> None:
    assert resident_client.get(f"/mypage/documents/{document_id}/").status_code == 404


def test_another_residents_document_is_not_found(
    client: Client, other_resident: Resident, test_catalog: Any
) -> None:
    doc = deliver(make_submission(other_resident))
    from tests.conftest import login_as

    login_as(client, "demo-0001")
    assert client.get(f"/mypage/documents/{doc.pk}/").status_code == 404
    doc.refresh_from_db()
    assert doc.first_downloaded_at is None


def test_a_visitor_is_sent_to_login(client: Client, own_app: Application) -> None:
    doc = deliver(own_app)
    anonymous = Client()
    response = anonymous.get(f"/mypage/documents/{doc.pk}/")
    assert response.status_code == 302
    assert "/login/" in response["Location"]
