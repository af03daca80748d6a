"""The callback view: the full flow with a recorded provider, and every failure path.

The provider's answers come from ``FakeProvider`` (a recorded exchange, no network); the
end-to-end tests against the real local provider process are in ``test_e2e.py``.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from joserfc import jwt

from tests.accounts.oidc.conftest import CLIENT_ID, ISSUER, ProviderKeys
from tsunagu.accounts.models import Resident
from tsunagu.accounts.oidc import keys as client_keys
from tsunagu.accounts.oidc.client import PermanentHttpError, RetryableHttpError
from tsunagu.accounts.oidc.plugin import SESSION_PENDING, OIDCPlugin
from tsunagu.accounts.plugins import registry
from tsunagu.accounts.selectors import SESSION_ASSURANCE, SESSION_RESIDENT
from tsunagu.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

AUTH = f"{ISSUER}/protocol/openid-connect/auth"
TOKEN = f"{ISSUER}/protocol/openid-connect/token"
USERINFO = f"{ISSUER}/protocol/openid-connect/userinfo"
CERTS = f"{ISSUER}/protocol/openid-connect/certs"


class FakeProvider:
    """Answers like the provider would, and records what we sent."""

    def __init__(self, keys: ProviderKeys) -> None:
        self.keys = keys
        self.nonce = ""
        self.token_error: Exception | None = None
        self.userinfo: dict[str, Any] = {
            "sub": "ppid-0001",
            "name": "常陸　花子",
            "address": "茨城県ひたちなか市東石川２丁目１０番１号",
            "birthdate": "19850315",
            "gender": "2",
        }
        self.id_token_claims: dict[str, Any] = {}
        self.token_requests: list[dict[str, str]] = []
        self.scope = "openid name address birthdate gender"

    def __call__(self, *, timeout: float) -> FakeProvider:  # the http_factory
        return self

    def get_json(self, url: str, *, bearer: str = "") -> dict[str, Any]:
        if url == CERTS:
            return self.keys.jwks()
        assert url == USERINFO and bearer == "at-0001"
        return self.userinfo

    def post_form(self, url: str, data: dict[str, str]) -> dict[str, Any]:
        assert url == TOKEN
        self.token_requests.append(data)
        if self.token_error is not None:
            raise self.token_error
        claims = {"nonce": self.nonce, **self.id_token_claims}
        return {
            "access_token": "at-0001",
            "token_type": "Bearer",
            "id_token": self.keys.token(**claims),
            "scope": self.scope,
        }


@pytest.fixture
def provider(
    settings: Any, provider_keys: ProviderKeys, monkeypatch: pytest.MonkeyPatch
) -> FakeProvider:
    settings.TSUNAGU_AUTH_PLUGINS = ["demo", "digital-auth-app"]
    settings.TSUNAGU_OIDC_PROVIDERS = {
        "digital-auth-app": {
            "issuer": ISSUER,
            "client_id": CLIENT_ID,
            "scope": "openid name address birthdate gender",
            "acr_values": "aal3 crl",
            "required_acr": "aal3",
            "authorize_url": AUTH,
            "token_url": TOKEN,
            "userinfo_url": USERINFO,
            "jwks_url": CERTS,
        }
    }
    fake = FakeProvider(provider_keys)
    plugin = registry.get("digital-auth-app")
    assert isinstance(plugin, OIDCPlugin)
    monkeypatch.setattr(plugin, "http_factory", fake)
    return fake


def _start(client: Client, provider: FakeProvider, next_url: str = "/apply/x/") -> dict[str, str]:
    response = client.get("/login/digital-auth-app/", {"next": next_url, "level": "mynumber_card"})
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == AUTH
    params = {k: v[0] for k, v in parse_qs(location.query).items()}
    provider.nonce = params["nonce"]
    return params


def _failures(reason: str) -> int:
    return AuditEvent.objects.filter(action="auth.login_failed", summary__reason=reason).count()


def _logged_in(client: Client) -> bool:
    return SESSION_RESIDENT in client.session


def test_authorization_request_is_standards_exact(client: Client, provider: FakeProvider) -> None:
    params = _start(client, provider)
    assert params["response_type"] == "code"
    assert params["client_id"] == CLIENT_ID
    assert params["scope"] == "openid name address birthdate gender"
    assert params["acr_values"] == "aal3 crl"
    assert params["code_challenge_method"] == "S256"
    assert len(params["code_challenge"]) == 43 and len(params["state"]) >= 32
    assert params["redirect_uri"] == "http://testserver/login/digital-auth-app/callback/"


def test_full_flow_logs_the_resident_in(client: Client, provider: FakeProvider) -> None:
    params = _start(client, provider)
    response = client.get(
        "/login/digital-auth-app/callback/", {"code": "c-0001", "state": params["state"]}
    )
    assert response.status_code == 302 and response["Location"] == "/apply/x/"
    resident = Resident.objects.get(provider="digital-auth-app", subject="ppid-0001")
    assert (resident.name_sei, resident.name_mei, resident.gender) == ("常陸", "花子", "female")
    assert set(resident.verified_fields) == {"name", "address", "birth_date", "gender"}
    assert client.session[SESSION_ASSURANCE] == "mynumber_card"
    # private_key_jwt with PKCE: the assertion is signed by our newest key for the token URL.
    (sent,) = provider.token_requests
    assert sent["code_verifier"] and sent["grant_type"] == "authorization_code"
    assert sent["client_assertion_type"] == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    key = client_keys.signing_key()
    assertion = jwt.decode(sent["client_assertion"], key.key, algorithms=[key.alg])
    assert assertion.header["kid"] == key.kid
    assert assertion.claims["iss"] == assertion.claims["sub"] == CLIENT_ID
    assert assertion.claims["aud"] == TOKEN and assertion.claims["exp"] - time.time() <= 60
    # The same callback again (a replayed code) finds no pending state.
    again = client.get(
        "/login/digital-auth-app/callback/", {"code": "c-0001", "state": params["state"]}
    )
    assert again.status_code == 400 and _failures("state_unknown") == 1


def test_sign_scope_granted_gives_card_signature(client: Client, provider: FakeProvider) -> None:
    provider.scope += " sign"
    params = _start(client, provider)
    client.get("/login/digital-auth-app/callback/", {"code": "c", "state": params["state"]})
    assert client.session[SESSION_ASSURANCE] == "card_signature"


def test_two_tabs_do_not_break_each_other(client: Client, provider: FakeProvider) -> None:
    first = _start(client, provider)
    first_nonce = provider.nonce
    _start(client, provider)
    assert len(client.session[SESSION_PENDING]) == 2
    provider.nonce = first_nonce
    response = client.get(
        "/login/digital-auth-app/callback/", {"code": "c", "state": first["state"]}
    )
    assert response.status_code == 302 and _logged_in(client)


@pytest.mark.parametrize(
    "query,reason",
    [
        ({}, "state_missing"),
        ({"state": "forged", "code": "c"}, "state_unknown"),
    ],
)
def test_unknown_state_is_refused(
    client: Client, provider: FakeProvider, query: dict[str, str], reason: str
) -> None:
    _start(client, provider)
    response = client.get("/login/digital-auth-app/callback/", query)
    assert response.status_code == 400
    page = response.content.decode()
    assert "ログインの有効期限が切れました" in page and 'href="/login/' in page
    assert _failures(reason) == 1 and not _logged_in(client)
    assert provider.token_requests == []


def test_cancelled_at_the_provider(client: Client, provider: FakeProvider) -> None:
    params = _start(client, provider, next_url="/apply/kodomo/")
    response = client.get(
        "/login/digital-auth-app/callback/", {"error": "access_denied", "state": params["state"]}
    )
    page = response.content.decode()
    assert response.status_code == 400 and "ログインを中止しました" in page
    assert 'href="/apply/kodomo/"' in page  # back to the procedure
    assert "/login/?next=%2Fapply%2Fkodomo%2F" in page  # back to the login page
    assert _failures("cancelled") == 1 and not _logged_in(client)


def test_expired_pending_login(client: Client, provider: FakeProvider) -> None:
    params = _start(client, provider)
    session = client.session
    session[SESSION_PENDING][params["state"]]["t"] -= 3600
    session.save()
    response = client.get(
        "/login/digital-auth-app/callback/", {"code": "c", "state": params["state"]}
    )
    assert response.status_code == 400 and _failures("state_expired") == 1


@pytest.mark.parametrize(
    "error,reason,status",
    [
        (RetryableHttpError("connection refused"), "provider_unavailable", 503),
        (PermanentHttpError("HTTP 400", status=400, error="invalid_grant"), "token_refused", 400),
    ],
)
def test_token_endpoint_failures(
    client: Client, provider: FakeProvider, error: Exception, reason: str, status: int
) -> None:
    provider.token_error = error
    params = _start(client, provider)
    response = client.get(
        "/login/digital-auth-app/callback/", {"code": "c", "state": params["state"]}
    )
    assert response.status_code == status
    assert _failures(reason) == 1 and not _logged_in(client)


@pytest.mark.parametrize(
    "claims,reason,text",
    [
        ({"acr": "aal2"}, "id_token_acr_low", "マイナンバーカードによる本人確認ができませんでした"),
        ({"exp": int(time.time()) - 600}, "id_token_expired", "ログインできませんでした"),
        ({"nonce": "replayed"}, "id_token_wrong_nonce", "ログインできませんでした"),
    ],
)
def test_bad_id_token_logs_nobody_in(
    client: Client, provider: FakeProvider, claims: dict[str, Any], reason: str, text: str
) -> None:
    provider.id_token_claims = claims
    params = _start(client, provider)
    response = client.get(
        "/login/digital-auth-app/callback/", {"code": "c", "state": params["state"]}
    )
    assert response.status_code == 400 and text in response.content.decode()
    assert _failures(reason) == 1 and not _logged_in(client)
    assert not Resident.objects.filter(provider="digital-auth-app").exists()


def test_userinfo_of_another_subject_is_refused(client: Client, provider: FakeProvider) -> None:
    provider.userinfo["sub"] = "ppid-9999"
    params = _start(client, provider)
    response = client.get(
        "/login/digital-auth-app/callback/", {"code": "c", "state": params["state"]}
    )
    assert response.status_code == 400 and _failures("userinfo_sub_mismatch") == 1
    assert not _logged_in(client)


def test_audit_summary_holds_codes_only(client: Client, provider: FakeProvider) -> None:
    provider.token_error = PermanentHttpError("HTTP 400", status=400, error="invalid_grant")
    params = _start(client, provider)
    client.get(
        "/login/digital-auth-app/callback/", {"code": "secret-code", "state": params["state"]}
    )
    event = AuditEvent.objects.get(action="auth.login_failed")
    assert event.summary == {
        "provider": "digital-auth-app",
        "reason": "token_refused",
        "detail": "invalid_grant",
    }


def test_provider_down_at_start_shows_a_page(client: Client, settings: Any) -> None:
    settings.TSUNAGU_AUTH_PLUGINS = ["digital-auth-app"]
    # Discovery on a closed local port: connection refused, a real retryable error.
    settings.TSUNAGU_OIDC_PROVIDERS = {
        "digital-auth-app": {"issuer": "http://127.0.0.1:9/realms/main", "client_id": CLIENT_ID}
    }
    response = client.get("/login/digital-auth-app/", {"next": "/mypage/"})
    assert response.status_code == 503
    assert "認証サービスにつながりません" in response.content.decode()
    assert _failures("provider_unavailable") == 1


def test_unconfigured_plugin_is_off(client: Client, settings: Any) -> None:
    settings.TSUNAGU_AUTH_PLUGINS = ["digital-auth-app"]
    settings.TSUNAGU_OIDC_PROVIDERS = {"digital-auth-app": {}}
    assert client.get("/login/digital-auth-app/").status_code == 404
    assert client.get("/login/digital-auth-app/callback/").status_code == 404
    plugin = registry._plugins["digital-auth-app"]
    assert "クライアントID（CLIENT_ID）が設定されていません" in plugin.check_config()


def test_check_config_reports_plain_http(settings: Any) -> None:
    settings.TSUNAGU_OIDC_PROVIDERS = {
        "oidc": {"issuer": "http://op.example", "client_id": "x", "scope": "profile"}
    }
    problems = registry._plugins["oidc"].check_config()
    assert any("発行者（ISSUER）のURLが正しくありません" in p for p in problems)
    assert "SCOPEに openid が含まれていません" in problems
