"""Staff single sign-on through the generic OpenID plugin, against the real local provider
process: the identity maps to an existing member of staff by one claim, TOTP is still asked
unless the provider's MFA is trusted by configuration, and nobody is ever created."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from tests.accounts.staff.conftest import PASSWORD, code_for, enrol
from tsunagu.accounts.selectors import SESSION_RESIDENT
from tsunagu.accounts.staff_models import StaffProfile
from tsunagu.accounts.staff_services import SESSION_STAFF, SESSION_STAFF_PENDING, staff_create
from tsunagu.audit.models import AuditEvent
from tsunagu.devtools.oidc_provider import ProviderProcess, start_provider

pytestmark = pytest.mark.django_db

CLIENT_ID = "RP00000001"
CALLBACK = "http://testserver/staff/login/sso/callback/"


@pytest.fixture(scope="module")
def _op(client_jwks_url: str) -> Iterator[ProviderProcess]:
    with start_provider(
        redirect_uris=[CALLBACK],
        client_jwks_url=client_jwks_url,
        client_id=CLIENT_ID,
        test_control=True,
    ) as process:
        yield process


_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _mode(op: ProviderProcess, mode: str) -> None:
    request = urllib.request.Request(  # noqa: S310 - the local provider only
        f"{op.base_url}/_test/mode",
        data=json.dumps({"mode": mode}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with _opener.open(request, timeout=5) as response:
        assert response.status == 200


@pytest.fixture
def idp(_op: ProviderProcess, settings: Any, tmp_path: Path) -> Iterator[ProviderProcess]:
    from tsunagu.accounts.oidc.client import discovery_clear
    from tsunagu.accounts.oidc.staff import _plugin

    settings.VAR_DIR = tmp_path / "var"
    settings.TSUNAGU_OIDC_PROVIDERS = {
        **settings.TSUNAGU_OIDC_PROVIDERS,
        "staff-oidc": {
            "issuer": _op.issuer,
            "client_id": CLIENT_ID,
            "scope": "openid profile email",
        },
    }
    settings.TSUNAGU_STAFF_OIDC_CLAIM = "preferred_username"
    settings.TSUNAGU_STAFF_OIDC_TRUST_MFA = False
    discovery_clear()
    _plugin.reset_caches()
    _mode(_op, "reset")
    yield _op
    _mode(_op, "reset")
    discovery_clear()


@pytest.fixture
def hanako_staff(db: None) -> tuple[StaffProfile, str]:
    """常陸 花子 of the provider is also a clerk here, with TOTP set up."""
    profile = staff_create(
        username="hitachi.hanako", password=PASSWORD, department="kodomo_seisaku", role="clerk"
    )
    secret, _codes = enrol(Client(), username="hitachi.hanako")
    profile.refresh_from_db()
    return profile, secret


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _sso(client: Client, *, action: str = "login", person: str = "demo-0001", nxt: str = "") -> Any:
    """Press 「庁内アカウントでログイン」, log in at the provider, come back."""
    start = client.get("/staff/login/sso/", {"next": nxt} if nxt else {})
    assert start.status_code == 302, start.content[:300]
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect)
    with opener.open(start["Location"], timeout=5) as page:
        html = page.read().decode()
    request_id = re.search(r'name="request_id" value="([^"]+)"', html)
    action_url = re.search(r'<form method="post" action="([^"]+)"', html)
    assert request_id is not None and action_url is not None
    form = urllib.parse.urlencode(
        {"request_id": request_id[1], "person": person, "pin": "1234", "action": action}
    ).encode()
    try:
        opener.open(urllib.request.Request(action_url[1], data=form, method="POST"), timeout=5)  # noqa: S310
    except urllib.error.HTTPError as redirect:
        location = str(redirect.headers["Location"])
    else:
        raise AssertionError("no redirect")
    assert location.startswith(CALLBACK)
    parts = urllib.parse.urlsplit(location)
    return client.get(parts.path, dict(urllib.parse.parse_qsl(parts.query)))


def test_button_only_when_configured(client: Client, settings: Any) -> None:
    settings.TSUNAGU_OIDC_PROVIDERS = {**settings.TSUNAGU_OIDC_PROVIDERS, "staff-oidc": {}}
    assert "庁内アカウントでログイン" not in client.get("/staff/login/").content.decode()
    assert client.get("/staff/login/sso/").status_code == 404
    assert client.get("/staff/login/sso/callback/").status_code == 404


def test_button_on_the_login_page(client: Client, idp: ProviderProcess) -> None:
    page = client.get("/staff/login/").content.decode()
    assert "庁内アカウントでログイン" in page and 'href="/staff/login/sso/"' in page


def test_sso_then_totp_by_default(
    client: Client, idp: ProviderProcess, hanako_staff: tuple[StaffProfile, str]
) -> None:
    profile, secret = hanako_staff
    r = _sso(client, nxt="/staff/")
    # The provider did use several factors (amr mfa), but by default TOTP is still asked.
    assert r.status_code == 302 and r["Location"] == "/staff/login/totp/"
    assert SESSION_STAFF not in client.session
    assert client.session[SESSION_STAFF_PENDING] == profile.pk
    assert client.get("/staff/").status_code == 302
    r = client.post("/staff/login/totp/", {"code": code_for(secret, 30)})
    assert r.status_code == 302 and r["Location"] == "/staff/"
    assert client.session[SESSION_STAFF] == profile.pk
    assert SESSION_RESIDENT not in client.session
    assert AuditEvent.objects.filter(action="staff.sso", obj_id=str(profile.pk)).exists()
    login = AuditEvent.objects.filter(action="staff.login").last()
    assert login is not None and login.summary["method"] == "totp"


def test_trusted_provider_mfa_replaces_totp(
    client: Client, idp: ProviderProcess, hanako_staff: tuple[StaffProfile, str], settings: Any
) -> None:
    profile, _secret = hanako_staff
    settings.TSUNAGU_STAFF_OIDC_TRUST_MFA = True
    r = _sso(client)
    assert r.status_code == 302 and r["Location"] == "/staff/"
    assert client.session[SESSION_STAFF] == profile.pk
    login = AuditEvent.objects.filter(action="staff.login").last()
    assert login is not None and login.summary["method"] == "sso_mfa"
    assert client.get("/staff/").status_code == 200


def test_trusted_mfa_but_the_provider_used_one_factor(
    client: Client, idp: ProviderProcess, hanako_staff: tuple[StaffProfile, str], settings: Any
) -> None:
    settings.TSUNAGU_STAFF_OIDC_TRUST_MFA = True
    _mode(idp, "password_only")
    r = _sso(client)
    assert r.status_code == 302 and r["Location"] == "/staff/login/totp/"
    assert SESSION_STAFF not in client.session


def test_unknown_identity_is_refused_and_nobody_is_created(
    client: Client, idp: ProviderProcess, hanako_staff: tuple[StaffProfile, str]
) -> None:
    users = get_user_model().objects.count()
    r = _sso(client, person="demo-0002")  # 那珂 一郎: no staff account here
    assert r.status_code == 400
    assert "この庁内アカウントでは、つなぐの職員としてログインできません" in r.content.decode()
    assert 'href="/staff/login/"' in r.content.decode()
    assert get_user_model().objects.count() == users
    assert SESSION_STAFF not in client.session and SESSION_STAFF_PENDING not in client.session
    event = AuditEvent.objects.filter(action="staff.login_failed").last()
    assert event is not None and event.summary == {"step": "sso", "reason": "unknown"}


def test_mapping_by_verified_email(
    client: Client, idp: ProviderProcess, settings: Any, db: None
) -> None:
    profile = staff_create(
        username="h-hitachi", password=PASSWORD, department="kodomo_seisaku", role="chief"
    )
    get_user_model().objects.filter(pk=profile.user.pk).update(
        email="Hitachi.Hanako@city.example.jp"
    )
    settings.TSUNAGU_STAFF_OIDC_CLAIM = "email"
    r = _sso(client)
    # Not enrolled yet: the SSO leads to the TOTP enrolment, as a first password login does.
    assert r.status_code == 302 and r["Location"] == "/staff/login/totp/"
    assert client.get("/staff/login/totp/")["Location"] == "/staff/totp/setup/"
    assert client.session[SESSION_STAFF_PENDING] == profile.pk


def test_locked_account_is_refused(
    client: Client, idp: ProviderProcess, hanako_staff: tuple[StaffProfile, str], settings: Any
) -> None:
    profile, _secret = hanako_staff
    settings.TSUNAGU_STAFF_OIDC_TRUST_MFA = True
    StaffProfile.objects.filter(pk=profile.pk).update(
        locked_until=timezone.now() + timezone.timedelta(minutes=10)
    )
    r = _sso(client)
    assert r.status_code == 400 and SESSION_STAFF not in client.session


def test_cancel_at_the_provider(client: Client, idp: ProviderProcess) -> None:
    r = _sso(client, action="cancel")
    assert r.status_code == 400
    event = AuditEvent.objects.filter(action="staff.login_failed").last()
    assert event is not None and event.summary["reason"] == "cancelled"


def test_forged_id_token_is_refused(
    client: Client, idp: ProviderProcess, hanako_staff: tuple[StaffProfile, str], settings: Any
) -> None:
    settings.TSUNAGU_STAFF_OIDC_TRUST_MFA = True
    _mode(idp, "wrong_nonce")
    r = _sso(client)
    assert r.status_code == 400 and SESSION_STAFF not in client.session
    event = AuditEvent.objects.filter(action="staff.login_failed").last()
    assert event is not None and event.summary["reason"] == "id_token_wrong_nonce"


def test_provider_down(client: Client, idp: ProviderProcess) -> None:
    _mode(idp, "down")
    from tsunagu.accounts.oidc.client import discovery_clear

    discovery_clear()
    r = client.get("/staff/login/sso/")
    assert r.status_code == 503 and "庁内の認証サービスにつながりません" in r.content.decode()
