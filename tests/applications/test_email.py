"""The confirmation mail goes through a real SMTP conversation after commit."""

from __future__ import annotations

import email
from email.header import decode_header, make_header
from typing import Any

import pytest
from django.test import Client

from tests.applications.test_flow import fill_all, start
from tests.smtp_sink import smtp_sink
from tsunagu.applications.models import Application

pytestmark = pytest.mark.django_db


def test_confirmation_mail_over_smtp(
    resident_client: Client,
    test_catalog: Any,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with smtp_sink() as sink:
        settings.MAILERS = {
            "default": {
                "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "OPTIONS": {"host": sink.host, "port": sink.port, "timeout": 5},
            }
        }
        draft = start(resident_client)
        fill_all(resident_client, draft)
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            resident_client.post(
                f"/applications/{draft.pk}/check/", {"version": "1", "declaration": "yes"}
            )
        assert sink.messages == []  # nothing leaves before the transaction commits
        for callback in callbacks:
            callback()
        app = Application.objects.get()
    assert len(sink.messages) == 1
    received = sink.messages[0]
    assert received.recipients == ["hanako.hitachi@example.jp"]
    message = email.message_from_bytes(received.data)
    subject = str(make_header(decode_header(message["Subject"])))
    assert app.receipt_number in subject
    body = message.get_payload(decode=True).decode(message.get_content_charset() or "utf-8")  # type: ignore[union-attr]
    assert "受付番号" in body and app.receipt_number in body
    assert "123456789018" not in body


def test_mail_speaks_the_language_the_resident_applied_in(
    resident_client: Client,
    test_catalog: Any,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from django.core import mail

    resident_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    draft = start(resident_client)
    fill_all(resident_client, draft)
    with django_capture_on_commit_callbacks(execute=True):
        resident_client.post(
            f"/applications/{draft.pk}/check/", {"version": "1", "declaration": "yes"}
        )
    app = Application.objects.get()
    assert app.language == "en"
    assert mail.outbox[0].subject.startswith("[Hitachinaka City] We have received your application")
    assert "Reference number: " + app.receipt_number in mail.outbox[0].body
    assert "Test allowance claim" in mail.outbox[0].body
