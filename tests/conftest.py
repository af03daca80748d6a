"""Fixtures shared by the whole suite."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from tsunagu.accounts.models import Resident
from tsunagu.accounts.oidc.keys import public_jwks
from tsunagu.accounts.staff_models import StaffProfile
from tsunagu.procedures.loader import catalog


@pytest.fixture(scope="session")
def _worker_var_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A var folder per test process (the demo signing CA is created there once)."""
    return tmp_path_factory.mktemp("var")


@pytest.fixture(autouse=True)
def _isolated_files(settings: Any, tmp_path: Path, _worker_var_dir: Path) -> None:
    """Uploaded files of a test go to its own temporary folder."""
    settings.MEDIA_ROOT = tmp_path / "files"
    settings.VAR_DIR = _worker_var_dir
    settings.TSUNAGU_DEMO_AUTH = True


@pytest.fixture(autouse=True)
def _japanese_by_default() -> Iterator[None]:
    """Each test starts in Japanese: a request with another language cookie activates that
    language for the thread, which must not leak into the next test."""
    translation.activate("ja")
    yield
    translation.activate("ja")


@pytest.fixture(autouse=True)
def _fresh_caches() -> Iterator[None]:
    from tsunagu.procedures.selectors import _pinned

    _pinned.cache_clear()
    yield
    _pinned.cache_clear()


@pytest.fixture
def resident(db: None) -> Resident:
    return Resident.objects.create(
        provider="demo",
        subject="test-0001",
        name_sei="常陸",
        name_mei="花子",
        kana_sei="ヒタチ",
        kana_mei="ハナコ",
        gender="female",
        postal_code="3128501",
        address="茨城県ひたちなか市東石川２丁目１０番１号",
        phone="090-1234-5678",
        email="hanako@example.jp",
    )


@pytest.fixture
def other_resident(db: None) -> Resident:
    return Resident.objects.create(
        provider="demo", subject="test-0002", name_sei="那珂", name_mei="一郎"
    )


def login_as(client: Client, subject: str, level: str = "card_signature") -> None:
    """Log a demo resident in through the real demo login page."""
    response = client.post("/login/demo/", {"subject": subject, "level": level, "next": "/mypage/"})
    assert response.status_code == 302, response.content[:500]


@pytest.fixture
def resident_client(client: Client, db: None) -> Client:
    """A client logged in as the demo resident 常陸 花子 with a card login."""
    login_as(client, "demo-0001")
    return client


@pytest.fixture
def procedures() -> dict[str, Any]:
    return catalog().procedures


STAFF_PASSWORD = "correct horse battery staple"


def staff_make(
    username: str, *, department: str = "kodomo_seisaku", role: str = "clerk", enrolled: bool = True
) -> StaffProfile:
    """A member of staff with TOTP already enrolled (the login pages have their own tests);
    with ``enrolled=False`` the first login enrols TOTP through the pages, as in real life."""
    from tsunagu.accounts.staff_services import staff_create

    profile = staff_create(
        username=username, password=STAFF_PASSWORD, department=department, role=role
    )
    if enrolled:
        profile.totp_confirmed = True
        profile.save(update_fields=["totp_confirmed"])
    return profile


def staff_login(client: Client, profile: StaffProfile) -> Client:
    """Put ``client`` in a completed staff session of ``profile`` (password and TOTP done),
    as the login pages leave it. For tests of the pages behind the login."""
    import time

    from tsunagu.accounts.staff_services import (
        SESSION_STAFF,
        SESSION_STAFF_LOGIN_AT,
        SESSION_STAFF_SEEN_AT,
    )

    session = client.session
    now = int(time.time())
    session[SESSION_STAFF] = profile.pk
    session[SESSION_STAFF_LOGIN_AT] = now
    session[SESSION_STAFF_SEEN_AT] = now
    session.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    return client


@pytest.fixture
def staff_client(db: None) -> Any:
    """A factory: ``staff_client(role="chief", department="kaigo_hoken")`` returns a fresh
    client logged in as a new member of staff of that role and department (the profile is
    ``client.staff``)."""
    counter = iter(range(1, 1000))

    def make(*, role: str = "clerk", department: str = "kodomo_seisaku") -> Client:
        profile = staff_make(
            f"{role}-{department}-{next(counter)}", department=department, role=role
        )
        client = staff_login(Client(), profile)
        client.staff = profile  # type: ignore[attr-defined]  # handy in tests
        return client

    return make


class _ClientJwksHandler(BaseHTTPRequestHandler):
    """Serves ``public_jwks()``: our client keys, as the OIDC provider fetches them."""

    def do_GET(self) -> None:
        body = json.dumps(public_jwks()).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def client_jwks_url() -> Iterator[str]:
    """The address of our client JWKS on a local HTTP server, for the local OIDC provider
    (``private_key_jwt`` client authentication), for one test module."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _ClientJwksHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/oidc/jwks.json"
    server.shutdown()
    server.server_close()
