"""ID token validation: a valid token passes; each attack is refused with its reason."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from typing import Any

import pytest
from joserfc import jwk, jwt

from tests.accounts.oidc.conftest import CLIENT_ID, ISSUER, ProviderKeys
from tsunagu.accounts.oidc.tokens import (
    JwksCache,
    TokenError,
    access_token_hash,
    acr_satisfies,
    validate_id_token,
)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _validate(provider: ProviderKeys, token: str, **kwargs: Any) -> dict[str, Any]:
    options: dict[str, Any] = {
        "keys": JwksCache(provider.jwks),
        "issuer": ISSUER,
        "client_id": CLIENT_ID,
        "nonce": "n-0001",
        "required_acr": "aal3",
    }
    options.update(kwargs)
    return validate_id_token(token, **options)


def _refused(provider: ProviderKeys, token: str, reason: str, **kwargs: Any) -> None:
    with pytest.raises(TokenError) as info:
        _validate(provider, token, **kwargs)
    assert info.value.reason == reason


@pytest.mark.parametrize("alg,kid", [("ES256", "ec-1"), ("RS256", "rsa-1")])
def test_valid_token_passes(provider_keys: ProviderKeys, alg: str, kid: str) -> None:
    claims = _validate(provider_keys, provider_keys.token(alg=alg, kid=kid))
    assert claims["sub"] == "ppid-0001"


def test_alg_none_is_refused(provider_keys: ProviderKeys) -> None:
    header = _b64(json.dumps({"alg": "none", "kid": "ec-1"}).encode())
    payload = _b64(json.dumps(provider_keys.claims()).encode())
    _refused(provider_keys, f"{header}.{payload}.", "alg_not_allowed")


def test_hs256_signed_with_the_public_key_is_refused(provider_keys: ProviderKeys) -> None:
    # The classic confusion attack: the provider's public key used as an HMAC secret.
    # (Signed by hand: joserfc itself refuses to use a public key as an HMAC secret.)
    secret = provider_keys.rsa.as_pem(private=False)
    header = _b64(json.dumps({"alg": "HS256", "kid": "rsa-1"}).encode())
    payload = _b64(json.dumps(provider_keys.claims()).encode())
    mac = hmac.new(secret, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    token = f"{header}.{payload}.{_b64(mac)}"
    _refused(provider_keys, token, "alg_not_allowed")


def test_es256_header_with_an_rsa_kid_is_refused(provider_keys: ProviderKeys) -> None:
    # alg and key type must agree: an RSA key is never used for ES256 and vice versa.
    token = provider_keys.token(alg="ES256", kid="rsa-1")
    _refused(provider_keys, token, "unknown_kid")


def test_unknown_kid_refreshes_the_jwks_once_then_refuses(provider_keys: ProviderKeys) -> None:
    cache = JwksCache(provider_keys.jwks)
    _validate(provider_keys, provider_keys.token(), keys=cache)
    assert cache.fetches == 1
    with pytest.raises(TokenError, match="unknown_kid"):
        _validate(provider_keys, provider_keys.token(kid="ec-2"), keys=cache)
    assert cache.fetches == 2


def test_a_rotated_provider_key_is_found_after_one_refresh(provider_keys: ProviderKeys) -> None:
    cache = JwksCache(provider_keys.jwks)
    _validate(provider_keys, provider_keys.token(), keys=cache)
    provider_keys.ec = jwk.ECKey.generate_key("P-256", parameters={"kid": "ec-2"}, private=True)
    provider_keys.published = [provider_keys.ec]
    assert _validate(provider_keys, provider_keys.token(kid="ec-2"), keys=cache)["sub"]
    assert cache.fetches == 2


def test_bad_signature_is_refused(provider_keys: ProviderKeys) -> None:
    other = jwk.ECKey.generate_key("P-256", private=True)
    forged = jwt.encode({"alg": "ES256", "kid": "ec-1"}, provider_keys.claims(), other)
    _refused(provider_keys, forged, "bad_signature")
    # A payload changed after signing (the sub of another resident).
    header, _payload, sig = provider_keys.token().split(".")
    changed = _b64(json.dumps(provider_keys.claims(sub="ppid-9999")).encode())
    _refused(provider_keys, f"{header}.{changed}.{sig}", "bad_signature")


@dataclass(frozen=True)
class Seconds:
    """A claim time relative to the moment the test runs."""

    offset: int


@pytest.mark.parametrize(
    "overrides,reason",
    [
        ({"iss": "https://evil.example/api/realms/main"}, "wrong_iss"),
        ({"iss": None}, "wrong_iss"),
        ({"aud": "RP00000002"}, "wrong_aud"),
        ({"aud": [CLIENT_ID, "RP00000002"]}, "wrong_azp"),
        ({"aud": [CLIENT_ID, "RP00000002"], "azp": "RP00000002"}, "wrong_azp"),
        ({"exp": Seconds(-121)}, "expired"),
        ({"exp": None}, "exp_missing"),
        ({"iat": Seconds(+200)}, "iat_future"),
        ({"nonce": "n-other"}, "wrong_nonce"),
        ({"nonce": None}, "wrong_nonce"),
        ({"acr": None}, "acr_missing"),
        ({"acr": "aal2"}, "acr_low"),
        ({"sub": ""}, "sub_missing"),
    ],
)
def test_bad_claims_are_refused(
    provider_keys: ProviderKeys, overrides: dict[str, Any], reason: str
) -> None:
    # Times are relative to when the test runs, not to when it was collected (under
    # pytest-xdist that can be a minute earlier).
    now = int(time.time())
    claims = {k: now + v.offset if isinstance(v, Seconds) else v for k, v in overrides.items()}
    _refused(provider_keys, provider_keys.token(**claims), reason)


def test_clock_skew_is_allowed_within_the_limit(provider_keys: ProviderKeys) -> None:
    now = int(time.time())
    token = provider_keys.token(exp=now - 60, iat=now + 60)
    assert _validate(provider_keys, token, skew=120)["sub"] == "ppid-0001"
    _refused(provider_keys, token, "expired", skew=30)


def test_several_audiences_with_our_azp_pass(provider_keys: ProviderKeys) -> None:
    token = provider_keys.token(aud=[CLIENT_ID, "other"], azp=CLIENT_ID)
    assert _validate(provider_keys, token)["azp"] == CLIENT_ID


def test_acr_is_not_checked_when_not_required(provider_keys: ProviderKeys) -> None:
    assert _validate(provider_keys, provider_keys.token(acr=None), required_acr="")["sub"]


def test_at_hash_must_match_the_access_token(provider_keys: ProviderKeys) -> None:
    token = provider_keys.token(at_hash=access_token_hash("the-access-token"))
    assert _validate(provider_keys, token, access_token="the-access-token")["sub"]
    _refused(provider_keys, token, "wrong_at_hash", access_token="another-token")


@pytest.mark.parametrize("token", ["", "a.b", "a.b.c.d", "!!!.e30.x", "e30.e30.x"])
def test_malformed_tokens_are_refused(provider_keys: ProviderKeys, token: str) -> None:
    with pytest.raises(TokenError):
        _validate(provider_keys, token)


@pytest.mark.parametrize(
    "acr,required,ok",
    [
        ("aal3", "aal3", True),
        ("aal3", "aal2", True),
        ("aal2", "aal3", False),
        ("aal3 crl", "aal3", True),
        ("x", "y", False),
    ],
)
def test_acr_order(acr: str, required: str, ok: bool) -> None:
    assert acr_satisfies(acr, required) is ok
