"""ID token validation (OpenID Connect Core §3.1.3.7), strict and complete.

Only ES256 and RS256 are accepted, each with a key of its own type from the provider's
JWKS: ``alg=none``, HMAC (HS256 with the public key as secret) and any other algorithm are
refused before a key is looked at. A token whose ``kid`` is not in the cached JWKS makes
the cache refresh once; the ID token arrives from the token endpoint over TLS, never from
the browser, so an attacker cannot make us refresh at will.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import threading
import time
from collections.abc import Callable
from typing import Any

from joserfc import jwk, jws
from joserfc.errors import JoseError

# alg -> the JWK key type it needs.
ALLOWED_ALGS = {"ES256": "EC", "RS256": "RSA"}
_AAL = re.compile(r"^aal([1-3])$")


class TokenError(Exception):
    """An ID token that must be refused; ``reason`` is a short code for the audit log."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class JwksCache:
    """The provider's keys, fetched on first use and again when an unknown kid appears.

    ``fetch`` returns a JWKS document (``{"keys": [...]}``); it may raise the HTTP
    client's errors, which the caller handles.
    """

    def __init__(self, fetch: Callable[[], dict[str, Any]]) -> None:
        self._fetch = fetch
        self._keys: list[dict[str, Any]] | None = None
        self._lock = threading.Lock()
        self.fetches = 0

    def _load(self) -> list[dict[str, Any]]:
        doc = self._fetch()
        self.fetches += 1
        keys = doc.get("keys")
        if not isinstance(keys, list):
            raise TokenError("jwks_invalid")
        return [k for k in keys if isinstance(k, dict)]

    def find(self, kid: str | None, alg: str) -> dict[str, Any]:
        """The JWK for ``kid`` usable with ``alg``; refreshes once on a miss."""
        with self._lock:
            if self._keys is None:
                self._keys = self._load()
            found = _match(self._keys, kid, alg)
            if found is None:
                self._keys = self._load()
                found = _match(self._keys, kid, alg)
        if found is None:
            raise TokenError("unknown_kid")
        return found


def _match(keys: list[dict[str, Any]], kid: str | None, alg: str) -> dict[str, Any] | None:
    usable = [
        k
        for k in keys
        if k.get("kty") == ALLOWED_ALGS[alg]
        and k.get("use", "sig") == "sig"
        and k.get("alg", alg) == alg
        and (alg != "ES256" or k.get("crv") == "P-256")
    ]
    if kid is None:
        # No kid is allowed only when the choice is unambiguous (Core §10.1).
        return usable[0] if len(usable) == 1 else None
    return next((k for k in usable if k.get("kid") == kid), None)


def _b64json(segment: str) -> dict[str, Any]:
    try:
        padded = segment + "=" * (-len(segment) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, binascii.Error, UnicodeError) as exc:
        raise TokenError("malformed") from exc
    if not isinstance(data, dict):
        raise TokenError("malformed")
    return data


def _number(claims: dict[str, Any], name: str) -> float:
    value = claims.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TokenError(f"{name}_missing")
    return float(value)


def acr_satisfies(acr: str, required: str) -> bool:
    """Whether the ``acr`` a provider reports meets ``required``.

    ``aalN`` values are ordered (``aal3`` satisfies ``aal2``); other values must match.

    >>> acr_satisfies("aal3", "aal2"), acr_satisfies("aal1", "aal3")
    (True, False)
    """
    want = _AAL.match(required)
    for value in acr.split():
        have = _AAL.match(value)
        if value == required or (want and have and int(have[1]) >= int(want[1])):
            return True
    return False


def access_token_hash(access_token: str) -> str:
    """``at_hash`` for an SHA-256 algorithm (ES256, RS256): left half, base64url."""
    digest = hashlib.sha256(access_token.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode("ascii")


def validate_id_token(
    token: str,
    *,
    keys: JwksCache,
    issuer: str,
    client_id: str,
    nonce: str,
    skew: int = 120,
    required_acr: str = "",
    access_token: str = "",
    now: float | None = None,
) -> dict[str, Any]:
    """Verify ``token`` and return its claims, or raise ``TokenError``.

    >>> validate_id_token(raw, keys=cache, issuer="https://op.example", client_id="RP1",
    ...                   nonce=pending_nonce, required_acr="aal3")  # doctest: +SKIP
    {'iss': 'https://op.example', 'sub': '...', ...}
    """
    parts = token.split(".") if isinstance(token, str) else []
    if len(parts) != 3:
        raise TokenError("malformed")
    header = _b64json(parts[0])
    alg = header.get("alg")
    if alg not in ALLOWED_ALGS:
        raise TokenError("alg_not_allowed")
    if "crit" in header:
        raise TokenError("crit_not_supported")
    kid = header.get("kid")
    if kid is not None and not isinstance(kid, str):
        raise TokenError("malformed")
    try:
        key = jwk.import_key(keys.find(kid, alg))
    except (JoseError, ValueError, TypeError) as exc:
        raise TokenError("jwks_invalid") from exc
    if isinstance(key, jwk.RSAKey) and key.raw_value.key_size < 2048:
        raise TokenError("key_too_weak")
    try:
        verified = jws.deserialize_compact(token, key, algorithms=[alg])
    except (JoseError, ValueError) as exc:
        raise TokenError("bad_signature") from exc
    try:
        claims = json.loads(verified.payload)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise TokenError("malformed") from exc
    if not isinstance(claims, dict):
        raise TokenError("malformed")

    now = time.time() if now is None else now
    if claims.get("iss") != issuer:
        raise TokenError("wrong_iss")
    aud = claims.get("aud")
    audiences = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []
    if client_id not in audiences:
        raise TokenError("wrong_aud")
    if (len(audiences) > 1 or "azp" in claims) and claims.get("azp") != client_id:
        raise TokenError("wrong_azp")
    if now - skew >= _number(claims, "exp"):
        raise TokenError("expired")
    if _number(claims, "iat") > now + skew:
        raise TokenError("iat_future")
    if "nbf" in claims and _number(claims, "nbf") > now + skew:
        raise TokenError("not_yet_valid")
    got_nonce = claims.get("nonce")
    if not isinstance(got_nonce, str) or not hmac.compare_digest(
        got_nonce.encode(), nonce.encode()
    ):
        raise TokenError("wrong_nonce")
    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub or len(sub) > 255:
        raise TokenError("sub_missing")
    if required_acr:
        acr = claims.get("acr")
        if not isinstance(acr, str) or not acr:
            raise TokenError("acr_missing")
        if not acr_satisfies(acr, required_acr):
            raise TokenError("acr_low")
    at_hash = claims.get("at_hash")
    if (
        access_token
        and at_hash is not None
        and not hmac.compare_digest(str(at_hash), access_token_hash(access_token))
    ):
        raise TokenError("wrong_at_hash")
    return claims
