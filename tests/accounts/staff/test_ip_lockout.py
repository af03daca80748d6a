"""Per-address lockout of the staff login: many failures from one address block it."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client, RequestFactory

from tests.accounts.staff.conftest import PASSWORD, code_for
from tsunagu.accounts.staff_models import StaffProfile
from tsunagu.accounts.staff_services import (
    SESSION_STAFF,
    staff_client_address,
    staff_create,
    staff_ip_unblock,
)
from tsunagu.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

FAILURE = "ログインできませんでした。入力した内容をご確認ください。"


@pytest.fixture(autouse=True)
def _small_limits(settings: Any) -> None:
    settings.TSUNAGU_STAFF_IP_MAX_FAILURES = 4
    settings.TSUNAGU_STAFF_IP_WINDOW_MINUTES = 10
    settings.TSUNAGU_STAFF_IP_BLOCK_MINUTES = 30


def _post(client: Client, username: str, password: str, ip: str = "203.0.113.7") -> Any:
    return client.post(
        "/staff/login/", {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def _spray(client: Client, ip: str = "203.0.113.7") -> None:
    # One wrong password on each of several accounts: no account reaches its own limit.
    for name in ("sato", "suzuki", "takahashi", "nobody"):
        r = _post(client, name, "wrong password", ip)
        assert r.status_code == 400


def test_failures_across_accounts_block_the_address(
    client: Client, enrolled: tuple[StaffProfile, str, list[str]]
) -> None:
    staff_create(username="suzuki", password=PASSWORD, department="kodomo_seisaku", role="clerk")
    _spray(client)
    assert AuditEvent.objects.filter(action="staff.ip_block").count() == 1
    # Even the right password is refused from that address, with the same message...
    r = _post(client, "sato", PASSWORD)
    assert r.status_code == 400 and FAILURE in r.content.decode()
    assert "ip_blocked" in str(
        AuditEvent.objects.filter(action="staff.login_failed").last().summary  # type: ignore[union-attr]
    )
    # ...and the account itself was not locked by someone else's guesses.
    profile = StaffProfile.objects.get(user__username="sato")
    assert profile.locked_until is None
    # Another address logs in normally.
    other = Client()
    r = _post(other, "sato", PASSWORD, ip="198.51.100.9")
    assert r.status_code == 302 and r["Location"] == "/staff/login/totp/"


def test_second_factor_is_refused_from_a_blocked_address(
    client: Client, enrolled: tuple[StaffProfile, str, list[str]]
) -> None:
    _profile, secret, _codes = enrolled
    r = _post(client, "sato", PASSWORD)
    assert r.status_code == 302
    for _ in range(4):
        r = client.post("/staff/login/totp/", {"code": "000000"}, REMOTE_ADDR="203.0.113.7")
    r = client.post("/staff/login/totp/", {"code": code_for(secret, 30)}, REMOTE_ADDR="203.0.113.7")
    assert r.status_code == 400 and FAILURE in r.content.decode()
    assert SESSION_STAFF not in client.session


def test_the_block_ends_and_can_be_lifted(
    client: Client, enrolled: tuple[StaffProfile, str, list[str]], settings: Any
) -> None:
    _spray(client)
    assert _post(client, "sato", PASSWORD).status_code == 400
    staff_ip_unblock(address="203.0.113.7")
    assert AuditEvent.objects.filter(action="staff.ip_unblock").exists()
    assert _post(client, "sato", PASSWORD).status_code == 302


def test_failures_below_the_limit_do_not_block(
    client: Client, enrolled: tuple[StaffProfile, str, list[str]]
) -> None:
    for _ in range(3):
        assert _post(client, "nobody", "x").status_code == 400
    assert not AuditEvent.objects.filter(action="staff.ip_block").exists()
    assert _post(client, "sato", PASSWORD).status_code == 302


@pytest.mark.parametrize(
    ("remote", "expected"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
        ("2001:db8:1:2::ffff", "2001:db8:1:2::/64"),
        ("fe80::1%eth0", "fe80::/64"),
        ("", ""),
        ("not an address", ""),
    ],
)
def test_client_address(remote: str, expected: str) -> None:
    request = RequestFactory().get("/", REMOTE_ADDR=remote)
    assert staff_client_address(request) == expected


def test_one_ipv6_host_cannot_escape_by_changing_its_interface_id(
    client: Client, enrolled: tuple[StaffProfile, str, list[str]]
) -> None:
    for i in range(4):
        _post(client, "nobody", "x", ip=f"2001:db8:1:2::{i + 1}")
    assert _post(client, "sato", PASSWORD, ip="2001:db8:1:2::99").status_code == 400
