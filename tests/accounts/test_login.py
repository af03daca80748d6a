"""Resident login through the plugin registry; the demo plugin is off unless enabled."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.conftest import login_as
from tsunagu.accounts.models import Resident
from tsunagu.accounts.plugins import AuthPlugin, Registry
from tsunagu.audit.models import AuditEvent
from tsunagu.procedures.schema import Assurance

pytestmark = pytest.mark.django_db


def test_demo_login_is_off_unless_enabled(client: Client, settings: Any) -> None:
    settings.TSUNAGU_DEMO_AUTH = False
    assert client.get("/login/demo/").status_code == 404
    assert client.post("/login/demo/", {"subject": "demo-0001"}).status_code == 404
    assert "デモ用ログイン" not in client.get("/login/").content.decode()


def test_card_login_verifies_the_four_items_and_rotates_the_session(client: Client) -> None:
    client.get("/")
    client.cookies["tsunagu_session"] = "attacker-chosen"
    login_as(client, "demo-0001")
    assert client.cookies["tsunagu_session"].value != "attacker-chosen"
    resident = Resident.objects.get(subject="demo-0001")
    assert set(resident.verified_fields) == {"name", "address", "birth_date", "gender"}
    assert AuditEvent.objects.filter(action="auth.login", obj_id=str(resident.pk)).exists()
    assert "常陸" in client.get("/mypage/").content.decode()


def test_account_login_verifies_nothing(client: Client) -> None:
    login_as(client, "demo-0001", level="account")
    assert Resident.objects.get(subject="demo-0001").verified_fields == []


def test_logout_ends_the_session(client: Client) -> None:
    login_as(client, "demo-0001")
    assert client.get("/mypage/").status_code == 200
    assert client.post("/logout/").status_code == 302
    r = client.get("/mypage/")
    assert r.status_code == 302 and r["Location"].startswith("/login/")


def test_next_must_stay_on_this_site(client: Client) -> None:
    r = client.post(
        "/login/demo/",
        {"subject": "demo-0001", "level": "account", "next": "https://evil.example/"},
    )
    assert r["Location"] == "/mypage/"


def test_registry_is_typed_and_refuses_duplicates(settings: Any) -> None:
    registry = Registry()

    @registry.register("test-card")
    class CardPlugin(AuthPlugin):
        label = "テスト"
        assurance = Assurance.MYNUMBER_CARD

        def start(self, request: Any, next_url: str) -> Any:
            return None

    settings.TSUNAGU_AUTH_PLUGINS = ["test-card"]
    assert [p.id for p in registry.available()] == ["test-card"]
    settings.TSUNAGU_AUTH_PLUGINS = []
    assert registry.get("test-card") is None  # registered but not configured
    with pytest.raises(ValueError, match="registered twice"):
        registry.register("test-card")(CardPlugin)
