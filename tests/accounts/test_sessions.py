"""Resident sessions: idle and absolute timeouts, logout everywhere; drafts survive."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.test import Client

from tests.conftest import login_as
from tsunagu.accounts.selectors import SESSION_LOGIN_AT, SESSION_SEEN_AT
from tsunagu.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def _age_session(client: Client, key: str, seconds: int) -> None:
    session = client.session
    session[key] = int(time.time()) - seconds
    session.save()


def test_idle_session_ends_with_a_message(client: Client, settings: Any) -> None:
    settings.TSUNAGU_SESSION_IDLE_MINUTES = 30
    login_as(client, "demo-0001")
    assert client.get("/mypage/").status_code == 200
    _age_session(client, SESSION_SEEN_AT, 31 * 60)
    r = client.get("/mypage/", follow=True)
    html = r.content.decode()
    assert "ログイン" in html and "一定時間操作がなかったため" in html
    assert AuditEvent.objects.filter(action="auth.session_expired").exists()


def test_activity_keeps_the_session(client: Client) -> None:
    login_as(client, "demo-0001")
    _age_session(client, SESSION_SEEN_AT, 29 * 60)
    assert client.get("/mypage/").status_code == 200
    assert client.session[SESSION_SEEN_AT] >= int(time.time()) - 5  # touched
    assert client.get("/mypage/").status_code == 200


def test_absolute_timeout(client: Client, settings: Any) -> None:
    settings.TSUNAGU_SESSION_ABSOLUTE_HOURS = 12
    login_as(client, "demo-0001")
    _age_session(client, SESSION_LOGIN_AT, 12 * 3600 + 1)
    r = client.get("/mypage/")
    assert r.status_code == 302 and r["Location"].startswith("/login/")


def test_logout_everywhere_ends_other_devices(client: Client) -> None:
    phone = Client()
    login_as(phone, "demo-0001")
    login_as(client, "demo-0001")
    assert phone.get("/mypage/").status_code == 200
    client.post("/logout/everywhere/")
    r = phone.get("/mypage/")
    assert r.status_code == 302
    assert client.get("/mypage/").status_code == 302


def test_keepalive(client: Client) -> None:
    assert client.post("/session/keepalive/").status_code == 401
    login_as(client, "demo-0001")
    _age_session(client, SESSION_SEEN_AT, 28 * 60)
    r = client.post("/session/keepalive/")
    assert r.json() == {"active": True}
    assert client.session[SESSION_SEEN_AT] >= int(time.time())


def test_session_cookie_flags(client: Client) -> None:
    r = client.post(
        "/login/demo/", {"subject": "demo-0001", "level": "account", "next": "/mypage/"}
    )
    cookie = r.cookies["tsunagu_session"]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"


def test_draft_survives_an_idle_logout(client: Client) -> None:
    from tsunagu.applications.models import Draft

    login_as(client, "demo-0001")
    client.post("/procedures/ninshin-todokede/start/")
    draft = Draft.objects.get()
    _age_session(client, SESSION_SEEN_AT, 3600)
    client.get("/mypage/")
    login_as(client, "demo-0001")
    assert str(draft.pk) in client.get("/mypage/").content.decode()
