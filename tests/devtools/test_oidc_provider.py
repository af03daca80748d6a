"""The local OpenID provider, driven over HTTP as a separate process, like a relying party."""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import re
import secrets
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml
from joserfc import jwt
from joserfc.jwk import ECKey, KeySet, RSAKey

from tsunagu.devtools.oidc_provider import (
    ProviderProcess,
    load_people,
    pkce_challenge,
    start_provider,
)

CLIENT_ID = "RP00000001"
REDIRECT_URI = "http://127.0.0.1:8000/accounts/oidc/callback/"
RESIDENTS = Path(__file__).parents[2] / "src/tsunagu/accounts/demo/residents.yaml"


# -- the relying party's side: its keys served as a JWKS, and an HTTP client ------------------


class ClientKeys:
    """The relying party's keys; the JWKS it serves can change during a test."""

    def __init__(self) -> None:
        self.rsa = RSAKey.generate_key(2048, auto_kid=True)
        self.ec = ECKey.generate_key("P-256", auto_kid=True)
        self.published: list[RSAKey | ECKey] = [self.rsa, self.ec]

    def jwks(self) -> bytes:
        return json.dumps({"keys": [key.as_dict(private=False) for key in self.published]}).encode()


@pytest.fixture(scope="module")
def client_keys() -> Iterator[tuple[ClientKeys, str]]:
    keys = ClientKeys()

    class JwksHandler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = keys.jwks()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), JwksHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield keys, f"http://127.0.0.1:{server.server_address[1]}/jwks.json"
    server.shutdown()
    server.server_close()


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    @property
    def location_query(self) -> dict[str, str]:
        return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.headers["location"]).query))


def call(
    method: str, url: str, form: dict[str, str] | None = None, headers: dict[str, str] | None = None
) -> Response:
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.netloc, timeout=10)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    body = urllib.parse.urlencode(form).encode() if form is not None else None
    all_headers = dict(headers or {})
    if body is not None:
        all_headers["Content-Type"] = "application/x-www-form-urlencoded"
    connection.request(method, target, body=body, headers=all_headers)
    response = connection.getresponse()
    result = Response(
        response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    )
    connection.close()
    return result


def post_json(url: str, data: dict[str, Any]) -> Response:
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.netloc, timeout=10)
    connection.request(
        "POST", parts.path, body=json.dumps(data), headers={"Content-Type": "application/json"}
    )
    response = connection.getresponse()
    result = Response(response.status, dict(response.getheaders()), response.read())
    connection.close()
    return result


@dataclass
class RelyingParty:
    """Just enough of a relying party to walk the flow and break it on purpose."""

    provider: ProviderProcess
    keys: ClientKeys
    verifier: str = field(default_factory=lambda: secrets.token_urlsafe(48))
    state: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    nonce: str = field(default_factory=lambda: secrets.token_urlsafe(16))

    def url(self, name: str) -> str:
        return f"{self.provider.issuer}/protocol/openid-connect/{name}"

    def auth_params(self, **overrides: str | None) -> dict[str, str]:
        params: dict[str, str | None] = {
            "response_type": "code",
            "client_id": CLIENT_ID,
            "redirect_uri": REDIRECT_URI,
            "scope": "openid name address birthdate gender",
            "state": self.state,
            "nonce": self.nonce,
            "code_challenge": pkce_challenge(self.verifier),
            "code_challenge_method": "S256",
            "acr_values": "aal3 crl",
        }
        params.update(overrides)
        return {k: v for k, v in params.items() if v is not None}

    def authorize(self, **overrides: str | None) -> Response:
        return call(
            "GET", self.url("auth") + "?" + urllib.parse.urlencode(self.auth_params(**overrides))
        )

    def login(
        self, person: str = "demo-0001", pin: str = "1234", action: str = "login"
    ) -> Response:
        page = self.authorize()
        assert page.status == 200, page.text
        match = re.search(r'name="request_id" value="([^"]+)"', page.text)
        assert match
        return call(
            "POST",
            self.url("auth"),
            {"request_id": match.group(1), "person": person, "pin": pin, "action": action},
        )

    def code(self, person: str = "demo-0001") -> str:
        response = self.login(person)
        assert response.status == 302
        query = response.location_query
        assert query["state"] == self.state
        return query["code"]

    def assertion(self, key: RSAKey | ECKey | None = None, **overrides: Any) -> str:
        key = key or self.keys.rsa
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": CLIENT_ID,
            "sub": CLIENT_ID,
            "aud": self.url("token"),
            "jti": secrets.token_urlsafe(16),
            "iat": now,
            "exp": now + 60,
        }
        claims.update(overrides)
        alg = "RS256" if isinstance(key, RSAKey) else "ES256"
        return jwt.encode({"alg": alg, "kid": key.kid}, claims, key)

    def token(self, code: str, assertion: str | None = None, **overrides: str | None) -> Response:
        form: dict[str, str | None] = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "code_verifier": self.verifier,
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": assertion or self.assertion(),
        }
        form.update(overrides)
        return call("POST", self.url("token"), {k: v for k, v in form.items() if v is not None})

    def tokens(self, person: str = "demo-0001") -> dict[str, Any]:
        response = self.token(self.code(person))
        assert response.status == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    def userinfo(self, access_token: str) -> Response:
        return call(
            "GET", self.url("userinfo"), headers={"Authorization": f"Bearer {access_token}"}
        )

    def provider_keys(self) -> KeySet:
        return KeySet.import_key_set(call("GET", self.url("certs")).json())


def segments(token: str) -> tuple[dict[str, Any], dict[str, Any], bytes]:
    def part(value: str) -> bytes:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))

    header, payload, signature = token.split(".")
    return json.loads(part(header)), json.loads(part(payload)), part(signature)


@pytest.fixture(scope="module")
def provider(client_keys: tuple[ClientKeys, str]) -> Iterator[ProviderProcess]:
    with start_provider(
        redirect_uris=[REDIRECT_URI, "http://127.0.0.1:8000/other/"],
        client_jwks_url=client_keys[1],
        test_control=True,
    ) as running:
        yield running


@pytest.fixture
def rp(provider: ProviderProcess, client_keys: tuple[ClientKeys, str]) -> Iterator[RelyingParty]:
    yield RelyingParty(provider, client_keys[0])
    post_json(provider.base_url + "/_test/mode", {"mode": "reset"})


# -- the happy path ------------------------------------------------------------------------


def test_discovery_names_the_endpoints_and_the_digital_agency_rules(rp: RelyingParty) -> None:
    config = call("GET", rp.provider.issuer + "/.well-known/openid-configuration").json()

    assert rp.provider.issuer.endswith("/api/realms/main")
    assert config["issuer"] == rp.provider.issuer
    assert config["authorization_endpoint"] == rp.url("auth")
    assert config["token_endpoint"] == rp.url("token")
    assert config["userinfo_endpoint"] == rp.url("userinfo")
    assert config["jwks_uri"] == rp.url("certs")
    assert config["response_types_supported"] == ["code"]
    assert config["grant_types_supported"] == ["authorization_code"]
    assert config["code_challenge_methods_supported"] == ["S256"]
    assert config["token_endpoint_auth_methods_supported"] == ["private_key_jwt"]
    assert config["id_token_signing_alg_values_supported"] == ["ES256"]
    assert config["acr_values_supported"] == ["aal3", "crl"]
    assert {"openid", "name", "address", "birthdate", "gender"} <= set(config["scopes_supported"])


def test_jwks_publishes_one_p256_key_with_a_kid(rp: RelyingParty) -> None:
    keys = call("GET", rp.url("certs")).json()["keys"]

    assert len(keys) == 1
    assert keys[0]["kty"] == "EC" and keys[0]["crv"] == "P-256"
    assert keys[0]["kid"] and "d" not in keys[0]


def test_login_page_is_japanese_and_lists_the_test_people(rp: RelyingParty) -> None:
    page = rp.authorize()

    assert page.status == 200
    assert '<html lang="ja">' in page.text
    for text in (
        "デジタル認証アプリ（開発用）",
        "ログインする",
        "キャンセル",
        "常陸 花子",
        "1991-05-14",
    ):
        assert text in page.text
    assert '<label for="pin">' in page.text


def test_full_flow_gives_a_valid_es256_id_token_and_userinfo(rp: RelyingParty) -> None:
    tokens = rp.tokens()

    assert tokens["token_type"] == "Bearer"
    assert tokens["expires_in"] > 0
    token = jwt.decode(tokens["id_token"], rp.provider_keys(), algorithms=["ES256"])
    assert token.header["alg"] == "ES256"
    assert token.header["kid"] == rp.provider_keys().keys[0].kid
    claims = token.claims
    now = time.time()
    assert claims["iss"] == rp.provider.issuer
    assert claims["aud"] == CLIENT_ID
    assert claims["nonce"] == rp.nonce
    assert claims["acr"] == "aal3"
    assert now - 5 <= claims["iat"] <= now + 1
    assert claims["exp"] == claims["iat"] + 300
    assert claims["auth_time"] <= claims["iat"]

    info = rp.userinfo(tokens["access_token"])
    assert info.status == 200
    assert info.json() == {
        "sub": claims["sub"],
        "name": "常陸 花子",
        "address": "茨城県ひたちなか市東石川２丁目１０番１号",
        "birthdate": "1991-05-14",
        "gender": "2",
    }


def test_the_request_log_shows_what_the_relying_party_sent(rp: RelyingParty) -> None:
    rp.tokens()

    log = call("GET", rp.provider.base_url + "/_test/log").json()["requests"]
    token_request = next(e for e in log if e["path"].endswith("/token"))
    assert token_request["form"]["code_verifier"] == rp.verifier
    assert token_request["form"]["client_assertion"]
    authorize = next(e for e in log if e["method"] == "GET" and e["path"].endswith("/auth"))
    assert authorize["query"]["code_challenge_method"] == "S256"
    # Also served under the issuer path.
    assert call("GET", rp.provider.issuer + "/_test/log").status == 200


def test_sub_is_pairwise_and_stable(rp: RelyingParty) -> None:
    first = segments(rp.tokens("demo-0001")["id_token"])[1]["sub"]
    again = segments(rp.tokens("demo-0001")["id_token"])[1]["sub"]
    other = segments(rp.tokens("demo-0002")["id_token"])[1]["sub"]

    assert first == again
    assert first != other
    assert "demo-0001" not in first


def test_an_es256_client_assertion_is_accepted(rp: RelyingParty) -> None:
    response = rp.token(rp.code(), rp.assertion(rp.keys.ec))

    assert response.status == 200, response.text


def test_a_new_client_key_is_fetched_when_its_kid_is_unknown(rp: RelyingParty) -> None:
    rp.tokens()  # the provider now caches the client's JWKS
    new_key = RSAKey.generate_key(2048, auto_kid=True)
    rp.keys.published.append(new_key)
    try:
        response = rp.token(rp.code(), rp.assertion(new_key))
    finally:
        rp.keys.published.remove(new_key)

    assert response.status == 200, response.text


def test_people_are_the_demo_residents() -> None:
    residents = yaml.safe_load(RESIDENTS.read_text(encoding="utf-8"))
    expected = [
        (r["subject"], f"{r['name_sei']} {r['name_mei']}", str(r["birth_date"]), r["gender"], r["postal_code"], r["address"])
        for r in residents
    ]  # fmt: skip

    people = [
        (p.person_id, p.name, p.birthdate, p.gender, p.postal_code, p.address)
        for p in load_people()
    ]

    assert people == expected


# -- the authorization endpoint refuses -------------------------------------------------------


@pytest.mark.parametrize(
    ("override", "error"),
    [
        ({"state": None}, "invalid_request"),
        ({"nonce": None}, "invalid_request"),
        ({"code_challenge": None}, "invalid_request"),
        ({"code_challenge_method": None}, "invalid_request"),
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge": "short"}, "invalid_request"),
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"scope": "name address"}, "invalid_scope"),
    ],
)
def test_authorize_redirects_an_incomplete_request_with_an_error(
    rp: RelyingParty, override: dict[str, str | None], error: str
) -> None:
    response = rp.authorize(**override)

    assert response.status == 302
    assert response.headers["location"].startswith(REDIRECT_URI)
    assert response.location_query["error"] == error
    assert "code" not in response.location_query


@pytest.mark.parametrize(
    "override",
    [
        {"redirect_uri": "http://127.0.0.1:8000/accounts/oidc/callback/x"},
        {"redirect_uri": "https://attacker.invalid/cb"},
        {"redirect_uri": None},
        {"client_id": "RP99999999"},
    ],
)
def test_authorize_never_redirects_to_an_unregistered_place(
    rp: RelyingParty, override: dict[str, str | None]
) -> None:
    response = rp.authorize(**override)

    assert response.status == 400
    assert "location" not in response.headers
    assert 'role="alert"' in response.text


def test_cancel_returns_access_denied_with_the_state(rp: RelyingParty) -> None:
    response = rp.login(action="cancel")

    assert response.status == 302
    assert response.location_query == {
        "error": "access_denied",
        "error_description": "the user cancelled",
        "state": rp.state,
    }


def test_a_locked_card_returns_access_denied(rp: RelyingParty) -> None:
    response = rp.login(pin="0000")

    assert response.location_query["error"] == "access_denied"
    assert response.location_query["state"] == rp.state


@pytest.mark.parametrize("pin", ["", "12", "12345", "abcd"])
def test_a_malformed_pin_shows_the_page_again(rp: RelyingParty, pin: str) -> None:
    response = rp.login(pin=pin)

    assert response.status == 400
    assert 'role="alert"' in response.text
    assert "数字4桁" in response.text


# -- the token endpoint refuses ---------------------------------------------------------------


def test_a_wrong_verifier_is_invalid_grant(rp: RelyingParty) -> None:
    response = rp.token(rp.code(), code_verifier=secrets.token_urlsafe(48))

    assert (response.status, response.json()["error"]) == (400, "invalid_grant")


def test_a_missing_verifier_is_invalid_request(rp: RelyingParty) -> None:
    response = rp.token(rp.code(), code_verifier=None)

    assert (response.status, response.json()["error"]) == (400, "invalid_request")


def test_another_redirect_uri_is_invalid_grant(rp: RelyingParty) -> None:
    response = rp.token(rp.code(), redirect_uri="http://127.0.0.1:8000/other/")

    assert (response.status, response.json()["error"]) == (400, "invalid_grant")


def test_a_replayed_code_is_refused_and_revokes_its_token(rp: RelyingParty) -> None:
    code = rp.code()
    first = rp.token(code)
    assert first.status == 200
    assert first.headers["cache-control"] == "no-store"

    replay = rp.token(code)

    assert (replay.status, replay.json()["error"]) == (400, "invalid_grant")
    revoked = rp.userinfo(first.json()["access_token"])
    assert revoked.status == 401
    assert revoked.json()["error"] == "invalid_token"


def test_an_unknown_code_is_invalid_grant(rp: RelyingParty) -> None:
    response = rp.token("not-a-code")

    assert (response.status, response.json()["error"]) == (400, "invalid_grant")


def forged_assertion(rp: RelyingParty) -> str:
    """Signed by another key under the client's kid."""
    forger = RSAKey.generate_key(2048, parameters={"kid": rp.keys.rsa.kid or ""})
    return rp.assertion(forger)


@pytest.mark.parametrize(
    "make_assertion",
    [
        forged_assertion,
        lambda rp: rp.assertion(iss="RP99999999"),
        lambda rp: rp.assertion(sub="RP99999999"),
        lambda rp: rp.assertion(aud="https://elsewhere.invalid/token"),
        lambda rp: rp.assertion(exp=int(time.time()) - 120),
        lambda rp: rp.assertion(exp=int(time.time()) + 3600),
        lambda rp: rp.assertion(jti=None),
        lambda rp: "not.a.jwt",
    ],
    ids=["bad_signature", "iss", "sub", "aud", "expired", "too_long", "no_jti", "garbage"],
)
def test_a_bad_client_assertion_is_invalid_client(rp: RelyingParty, make_assertion: Any) -> None:
    response = rp.token(rp.code(), make_assertion(rp))

    assert (response.status, response.json()["error"]) == (401, "invalid_client")


def test_a_reused_client_assertion_is_invalid_client(rp: RelyingParty) -> None:
    assertion = rp.assertion()
    assert rp.token(rp.code(), assertion).status == 200

    response = rp.token(rp.code(), assertion)

    assert (response.status, response.json()["error"]) == (401, "invalid_client")


def test_a_missing_client_assertion_is_invalid_client(rp: RelyingParty) -> None:
    response = rp.token(rp.code(), client_assertion=None, client_assertion_type=None)

    assert (response.status, response.json()["error"]) == (401, "invalid_client")


def test_the_assertion_may_name_the_issuer_as_audience(rp: RelyingParty) -> None:
    response = rp.token(rp.code(), rp.assertion(aud=rp.provider.issuer))

    assert response.status == 200, response.text


def test_userinfo_requires_a_bearer_token(rp: RelyingParty) -> None:
    response = call("GET", rp.url("userinfo"))

    assert response.status == 401
    assert response.headers["www-authenticate"].startswith("Bearer")


# -- formats ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"birthdate_format": "compact"}, {"birthdate": "19910514"}),
        ({"birthdate_format": "iso"}, {"birthdate": "1991-05-14"}),
        ({"gender_format": "word"}, {"gender": "female"}),
        ({"gender_format": "code"}, {"gender": "2"}),
        ({"address_format": "string"}, {"address": "茨城県ひたちなか市東石川２丁目１０番１号"}),
        (
            {"address_format": "object"},
            {
                "address": {
                    "formatted": "茨城県ひたちなか市東石川２丁目１０番１号",
                    "postal_code": "3128501",
                    "region": "茨城県",
                    "locality": "ひたちなか市",
                    "street_address": "東石川２丁目１０番１号",
                    "country": "JP",
                }
            },
        ),
    ],
)
def test_userinfo_formats(
    client_keys: tuple[ClientKeys, str], options: dict[str, Any], expected: dict[str, Any]
) -> None:
    with start_provider(
        redirect_uris=[REDIRECT_URI], client_jwks_url=client_keys[1], **options
    ) as running:
        rp = RelyingParty(running, client_keys[0])
        info = rp.userinfo(rp.tokens()["access_token"]).json()

    assert {name: info[name] for name in expected} == expected


def test_userinfo_gives_only_the_requested_claims(rp: RelyingParty) -> None:
    page = rp.authorize(scope="openid birthdate")
    request_id = re.search(r'name="request_id" value="([^"]+)"', page.text)
    assert request_id
    login = call(
        "POST",
        rp.url("auth"),
        {"request_id": request_id.group(1), "person": "demo-0002", "pin": "1111"},
    )
    tokens = rp.token(login.location_query["code"]).json()

    assert set(rp.userinfo(tokens["access_token"]).json()) == {"sub", "birthdate"}


def test_a_male_resident_has_gender_code_1(rp: RelyingParty) -> None:
    info = rp.userinfo(rp.tokens("demo-0002")["access_token"]).json()

    assert (info["name"], info["gender"], info["birthdate"]) == ("那珂 一郎", "1", "1950-11-03")


def test_the_state_file_keeps_the_signing_key(
    client_keys: tuple[ClientKeys, str], tmp_path: Path
) -> None:
    state_file = tmp_path / "oidc.json"
    kids = []
    for _ in range(2):
        with start_provider(
            redirect_uris=[REDIRECT_URI], client_jwks_url=client_keys[1], state_file=state_file
        ) as running:
            kids.append(call("GET", running.issuer + "/protocol/openid-connect/certs").json())

    assert kids[0] == kids[1]
    assert state_file.stat().st_mode & 0o077 == 0


# -- test modes -------------------------------------------------------------------------------


def set_mode(rp: RelyingParty, mode: str) -> Response:
    response = post_json(rp.provider.base_url + "/_test/mode", {"mode": mode})
    assert response.status == 200, response.text
    return response


def id_token_after(rp: RelyingParty, mode: str) -> str:
    set_mode(rp, mode)
    token: str = rp.tokens()["id_token"]
    return token


def test_alg_none(rp: RelyingParty) -> None:
    header, claims, signature = segments(id_token_after(rp, "alg_none"))

    assert header["alg"] == "none"
    assert signature == b""
    assert claims["nonce"] == rp.nonce


def test_hs256_with_public_key(rp: RelyingParty) -> None:
    token = id_token_after(rp, "hs256_with_public_key")
    header, _, _ = segments(token)
    published = rp.provider_keys().keys[0]
    assert isinstance(published, ECKey)
    pem = published.as_pem(private=False)

    signing_input, _ = token.rsplit(".", 1)
    mac = hmac.new(pem, signing_input.encode(), hashlib.sha256).digest()

    assert header["alg"] == "HS256"
    assert header["kid"] == published.kid
    # It verifies when the published public key is (wrongly) used as an HMAC secret.
    assert segments(token)[2] == mac


def test_unknown_kid(rp: RelyingParty) -> None:
    header, _, _ = segments(id_token_after(rp, "unknown_kid"))

    assert header["alg"] == "ES256"
    assert header["kid"] not in {key.kid for key in rp.provider_keys()}


def test_bad_signature(rp: RelyingParty) -> None:
    token = id_token_after(rp, "bad_signature")
    header, _, _ = segments(token)

    assert header["kid"] in {key.kid for key in rp.provider_keys()}
    with pytest.raises(Exception, match="signature"):
        jwt.decode(token, rp.provider_keys(), algorithms=["ES256"])


@pytest.mark.parametrize(
    ("mode", "check"),
    [
        ("wrong_nonce", lambda c, rp: c["nonce"] != rp.nonce),
        ("wrong_aud", lambda c, rp: c["aud"] != CLIENT_ID),
        ("wrong_iss", lambda c, rp: c["iss"] != rp.provider.issuer),
        ("expired", lambda c, rp: c["exp"] < time.time()),
        ("iat_future", lambda c, rp: c["iat"] > time.time() + 500),
        ("missing_acr", lambda c, rp: "acr" not in c),
        ("low_acr", lambda c, rp: c["acr"] == "aal1"),
    ],
)
def test_claim_modes_sign_validly_but_break_one_claim(
    rp: RelyingParty, mode: str, check: Any
) -> None:
    token = jwt.decode(id_token_after(rp, mode), rp.provider_keys(), algorithms=["ES256"])

    assert check(token.claims, rp)


def test_a_mode_applies_to_the_next_token_only(rp: RelyingParty) -> None:
    id_token_after(rp, "wrong_nonce")

    claims = segments(rp.tokens()["id_token"])[1]

    assert claims["nonce"] == rp.nonce


def test_rs256_is_a_valid_alternative(rp: RelyingParty) -> None:
    token = id_token_after(rp, "rs256")

    decoded = jwt.decode(token, rp.provider_keys(), algorithms=["RS256"])
    assert decoded.header["alg"] == "RS256"
    assert decoded.claims["nonce"] == rp.nonce


def test_rotate_keys_publishes_both_and_signs_with_the_new(rp: RelyingParty) -> None:
    before = {key.kid for key in rp.provider_keys() if key.key_type == "EC"}
    set_mode(rp, "rotate_keys")
    after = [key.kid for key in rp.provider_keys() if key.key_type == "EC"]

    header, _, _ = segments(rp.tokens()["id_token"])

    assert len(after) == 2
    assert set(before) < set(after)
    assert header["kid"] == after[-1]
    assert header["kid"] not in before


def test_down_answers_503_until_reset(rp: RelyingParty) -> None:
    set_mode(rp, "down")
    discovery = rp.provider.issuer + "/.well-known/openid-configuration"

    assert call("GET", discovery).status == 503
    assert rp.token("any-code").status == 503
    assert call("GET", rp.url("auth")).status == 503

    set_mode(rp, "reset")
    assert call("GET", discovery).status == 200


def test_an_unknown_mode_is_refused(rp: RelyingParty) -> None:
    response = post_json(rp.provider.base_url + "/_test/mode", {"mode": "everything"})

    assert response.status == 400


def test_without_test_control_there_is_no_control_endpoint(
    client_keys: tuple[ClientKeys, str],
) -> None:
    with start_provider(redirect_uris=[REDIRECT_URI], client_jwks_url=client_keys[1]) as running:
        response = post_json(running.base_url + "/_test/mode", {"mode": "down"})

    assert response.status == 404
