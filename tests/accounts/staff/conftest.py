"""Staff fixtures: an account, and a client that went through the real login pages."""

from __future__ import annotations

import re
import time

import pytest
from django.test import Client

from tsunagu.accounts.staff_models import TOTP_SECRET_AAD, StaffProfile
from tsunagu.accounts.staff_services import staff_create
from tsunagu.accounts.totp import secret_key, totp
from tsunagu.core.crypto import decrypt

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _fresh_ip_counts() -> None:
    """Every test starts with no failed logins counted for its (shared) client address."""
    from django.core.cache import caches

    caches["default"].clear()


@pytest.fixture
def clerk(db: None) -> StaffProfile:
    return staff_create(
        username="sato", password=PASSWORD, department="kodomo_seisaku", role="clerk"
    )


def code_for(secret: str, offset: int = 0) -> str:
    """The current TOTP code of ``secret`` (``offset`` seconds from now)."""
    return totp(secret_key(secret), time.time() + offset)


def stored_secret(profile: StaffProfile) -> str:
    profile.refresh_from_db()
    return decrypt(profile.totp_secret, aad=TOTP_SECRET_AAD)


def enrol(
    client: Client, username: str = "sato", password: str = PASSWORD
) -> tuple[str, list[str]]:
    """Log in for the first time through the pages; return the secret and recovery codes."""
    r = client.post("/staff/login/", {"username": username, "password": password})
    assert r.status_code == 302 and r["Location"] == "/staff/login/totp/"
    r = client.get("/staff/totp/setup/")
    assert r.status_code == 200
    match = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', r.content.decode())
    assert match
    secret = match.group(1).replace(" ", "")
    r = client.post("/staff/totp/setup/", {"code": code_for(secret)})
    assert r.status_code == 200, r.content[:500]
    codes = re.findall(r"<code>([a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4})</code>", r.content.decode())
    return secret, codes


@pytest.fixture
def enrolled(clerk: StaffProfile) -> tuple[StaffProfile, str, list[str]]:
    """The clerk with TOTP set up (through the pages, on a client thrown away)."""
    secret, codes = enrol(Client())
    clerk.refresh_from_db()
    return clerk, secret, codes


@pytest.fixture
def staff_client(client: Client, enrolled: tuple[StaffProfile, str, list[str]]) -> Client:
    """A client logged in as the clerk with password and TOTP."""
    _profile, secret, _codes = enrolled
    r = client.post("/staff/login/", {"username": "sato", "password": PASSWORD})
    assert r.status_code == 302
    # The enrolment used the current step: the next one is still inside the window.
    r = client.post("/staff/login/totp/", {"code": code_for(secret, 30)})
    assert r.status_code == 302 and r["Location"] == "/staff/", r.content[:500]
    return client
