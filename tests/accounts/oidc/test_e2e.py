"""End to end against the real local provider process (tsunagu.devtools.oidc_provider).

The provider runs as a separate process. It checks our ``private_key_jwt`` assertions by
fetching our JWKS over HTTP, so the ``client_jwks_url`` fixture (tests/conftest.py)
serves ``public_jwks()`` from a small ``http.server`` thread on 127.0.0.1 (not ``live_server``: the JWKS is the only thing the
provider fetches from us, and the tests keep the fast, transaction-wrapped database). The
browser side is the Django test client for our pages and urllib for the provider's pages.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import urllib.parse
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from tsunagu.accounts.models import Resident
from tsunagu.accounts.oidc.keys import key_rotate, public_jwks
from tsunagu.accounts.selectors import SESSION_ASSURANCE, SESSION_RESIDENT
from tsunagu.audit.models import AuditEvent
from tsunagu.devtools.oidc_provider import ProviderProcess, start_provider

pytestmark = pytest.mark.django_db

CLIENT_ID = "RP00000001"
CALLBACK = "http://testserver/login/digital-auth-app/callback/"


@pytest.fixture(scope="module")
def op(client_jwks_url: str) -> Iterator[ProviderProcess]:
    with start_provider(
        redirect_uris=[CALLBACK],
        client_jwks_url=client_jwks_url,
        client_id=CLIENT_ID,
        test_control=True,
    ) as process:
        yield process


_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _mode(op: ProviderProcess, mode: str) -> None:
    # Only ever the local provider's URLs (http://127.0.0.1:<port>).
    request = urllib.request.Request(  # noqa: S310
        f"{op.base_url}/_test/mode",
        data=json.dumps({"mode": mode}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with _opener.open(request, timeout=5) as response:
        assert response.status == 200


@pytest.fixture
def daa(op: ProviderProcess, settings: Any) -> Iterator[ProviderProcess]:
    settings.TSUNAGU_AUTH_PLUGINS = ["digital-auth-app"]
    settings.TSUNAGU_OIDC_PROVIDERS = {
        "digital-auth-app": {
            "issuer": op.issuer,
            "client_id": CLIENT_ID,
            "scope": "openid name address birthdate gender",
            "acr_values": "aal3 crl",
            "required_acr": "aal3",
        }
    }
    _mode(op, "reset")
    yield op
    _mode(op, "reset")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _login_at_provider(client: Client, *, action: str = "login", next_url: str = "/mypage/") -> str:
    """Start at our login URL, log in on the provider's page; returns our callback URL."""
    start = client.get("/login/digital-auth-app/", {"next": next_url, "level": "mynumber_card"})
    assert start.status_code == 302, start.content[:300]
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect)
    with opener.open(start["Location"], timeout=5) as page:
        html = page.read().decode()
    request_id = re.search(r'name="request_id" value="([^"]+)"', html)
    assert request_id is not None, html[:500]
    form = urllib.parse.urlencode(
        {"request_id": request_id[1], "person": "demo-0001", "pin": "1234", "action": action}
    ).encode()
    action_url = re.search(r'<form method="post" action="([^"]+)"', html)
    assert action_url is not None
    try:
        login = urllib.request.Request(action_url[1], data=form, method="POST")  # noqa: S310
        opener.open(login, timeout=5)
    except urllib.error.HTTPError as redirect:
        assert redirect.code in (302, 303), redirect.read()[:300]
        location = redirect.headers["Location"]
        assert location.startswith(CALLBACK)
        return location
    raise AssertionError("the provider did not redirect back")


def _callback(client: Client, url: str) -> Any:
    parts = urllib.parse.urlsplit(url)
    return client.get(parts.path, dict(urllib.parse.parse_qsl(parts.query)))


def test_full_code_flow_logs_the_resident_in(client: Client, daa: ProviderProcess) -> None:
    response = _callback(client, _login_at_provider(client, next_url="/mypage/"))
    assert response.status_code == 302 and response["Location"] == "/mypage/"
    resident = Resident.objects.get(provider="digital-auth-app")
    assert (resident.name_sei, resident.name_mei) == ("常陸", "花子")
    assert resident.birth_date == dt.date(1991, 5, 14) and resident.gender == "female"
    assert resident.address.startswith("茨城県ひたちなか市")
    assert set(resident.verified_fields) == {"name", "address", "birth_date", "gender"}
    assert client.session[SESSION_ASSURANCE] == "mynumber_card"
    assert AuditEvent.objects.filter(action="auth.login").count() == 1


def test_replayed_callback_is_refused(client: Client, daa: ProviderProcess) -> None:
    url = _login_at_provider(client)
    assert _callback(client, url).status_code == 302
    other = Client()  # an attacker replaying the code in their own browser
    assert _callback(other, url).status_code == 400
    assert AuditEvent.objects.filter(
        action="auth.login_failed", summary__reason="state_unknown"
    ).exists()


def test_cancel_at_the_provider(client: Client, daa: ProviderProcess) -> None:
    response = _callback(client, _login_at_provider(client, action="cancel"))
    assert response.status_code == 400 and "ログインを中止しました" in response.content.decode()
    assert SESSION_RESIDENT not in client.session


@pytest.mark.parametrize(
    "mode,reason",
    [
        ("alg_none", "id_token_alg_not_allowed"),
        ("hs256_with_public_key", "id_token_alg_not_allowed"),
        ("unknown_kid", "id_token_unknown_kid"),
        ("bad_signature", "id_token_bad_signature"),
        ("wrong_nonce", "id_token_wrong_nonce"),
        ("wrong_aud", "id_token_wrong_aud"),
        ("wrong_iss", "id_token_wrong_iss"),
        ("expired", "id_token_expired"),
        ("iat_future", "id_token_iat_future"),
        ("low_acr", "id_token_acr_low"),
        ("missing_acr", "id_token_acr_missing"),
    ],
)
def test_attack_modes_are_refused(
    client: Client, daa: ProviderProcess, mode: str, reason: str
) -> None:
    url = _login_at_provider(client)
    _mode(daa, mode)
    response = _callback(client, url)
    assert response.status_code == 400, response.content[:300]
    assert SESSION_RESIDENT not in client.session
    assert not Resident.objects.filter(provider="digital-auth-app").exists()
    event = AuditEvent.objects.get(action="auth.login_failed")
    assert event.summary["reason"] == reason


def test_rs256_id_token_is_accepted(client: Client, daa: ProviderProcess) -> None:
    url = _login_at_provider(client)
    _mode(daa, "rs256")
    assert _callback(client, url).status_code == 302
    assert SESSION_RESIDENT in client.session


def test_provider_key_rotation_is_followed(client: Client, daa: ProviderProcess) -> None:
    assert _callback(client, _login_at_provider(client)).status_code == 302
    _mode(daa, "rotate_keys")
    second = Client()
    assert _callback(second, _login_at_provider(second)).status_code == 302
    assert SESSION_RESIDENT in second.session


def test_provider_down_at_the_token_endpoint(client: Client, daa: ProviderProcess) -> None:
    url = _login_at_provider(client)
    _mode(daa, "down")
    response = _callback(client, url)
    assert response.status_code == 503
    assert "認証サービスにつながりません" in response.content.decode()
    assert AuditEvent.objects.filter(summary__reason="provider_unavailable").exists()
    assert SESSION_RESIDENT not in client.session


def test_our_key_rotation_is_followed_by_the_provider(client: Client, daa: ProviderProcess) -> None:
    assert _callback(client, _login_at_provider(client)).status_code == 302
    old = public_jwks()["keys"][0]["kid"]
    new = key_rotate()
    second = Client()
    assert _callback(second, _login_at_provider(second)).status_code == 302
    # The provider fetched our JWKS again to find the new kid; both keys were published.
    assert [k["kid"] for k in public_jwks()["keys"]] == [new.kid, old]


def test_other_userinfo_formats(
    client: Client, daa: ProviderProcess, client_jwks_url: str, settings: Any
) -> None:
    with start_provider(
        redirect_uris=[CALLBACK],
        client_jwks_url=client_jwks_url,
        client_id=CLIENT_ID,
        birthdate_format="compact",
        gender_format="word",
        address_format="object",
    ) as other:
        settings.TSUNAGU_OIDC_PROVIDERS["digital-auth-app"]["issuer"] = other.issuer
        assert _callback(client, _login_at_provider(client)).status_code == 302
    resident = Resident.objects.get(provider="digital-auth-app")
    assert resident.birth_date == dt.date(1991, 5, 14) and resident.gender == "female"
    assert resident.postal_code == "3128501"
    assert resident.address == "茨城県ひたちなか市東石川２丁目１０番１号"
