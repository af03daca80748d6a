"""The デジタル認証アプリ signing flow: a hash signed with the card's 署名用電子証明書.

What is public of the Digital Agency's flow (``shared/reference/japan.md`` §2.1 and the
integrators' guides): the relying party registers a *sign transaction* with the hash to be
signed, using an access token from the client credentials grant (``private_key_jwt``);
it sends the resident to the authorization endpoint with ``scope=openid sign`` and the
``sign_transaction_id``; the resident signs in the app with the signing PIN; the relying
party exchanges the code (PKCE, ``private_key_jwt``) and fetches the result (signature
value and signing certificate) with that access token. Where formats are not public this
module follows the login flow's conventions; every assumption is in
``docs/digital-auth-app-signing.md``.

The hash is registered over the back channel, never through the browser, so nobody on the
way can swap the document. We send the SHA-256 hash wrapped in a DER ``DigestInfo``
(RFC 8017 §9.2), so the card's RSA signature is a standard PKCS#1 v1.5 SHA-256 signature
over the application's canonical bytes, verified by ``tsunagu.core.jpki`` exactly like any
other. The result is checked against what we asked for: the same transaction and the same
hash, or nothing is accepted.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from django.http import HttpRequest

from tsunagu.accounts.oidc.client import (
    OIDCHttpError,
    PermanentHttpError,
    ProviderMetadata,
    RetryableHttpError,
    provider_metadata,
)
from tsunagu.accounts.oidc.plugin import (
    OIDCPlugin,
    callback_code,
    client_authentication,
    token_claims,
)

SESSION_SIGN_PENDING = "tsunagu.oidc.sign_pending"
PENDING_TTL = 600  # seconds a resident has to sign in the app
PENDING_MAX = 3
# DER prefix of DigestInfo{ sha256, NULL } (RFC 8017 §9.2, note 1).
SHA256_DIGEST_INFO = bytes.fromhex("3031300d060960864801650304020105000420")
MAX_CERTIFICATES = 4
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


class SignFailed(Exception):
    """The signing flow failed; ``reason`` is a short code (``[a-z0-9_]``) for the audit
    log and the page, ``draft_id`` the draft being signed when known."""

    def __init__(self, reason: str, *, draft_id: str = "", detail: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.draft_id = draft_id
        self.detail = detail


@dataclass(frozen=True)
class SignResult:
    """What the provider returned, checked against our request (not yet verified)."""

    draft_id: str
    digest: bytes  # the SHA-256 hash of the canonical bytes we registered
    signature: bytes
    certificate_der: bytes
    intermediates_der: list[bytes]
    subject: str  # the ID token's ``sub`` of the person who signed


def digest_info(digest: bytes) -> bytes:
    """The DER DigestInfo of a SHA-256 hash.

    >>> digest_info(bytes(32)).hex()[:38]
    '3031300d060960864801650304020105000420'
    """
    if len(digest) != 32:
        raise ValueError("a SHA-256 digest has 32 bytes")
    return SHA256_DIGEST_INFO + digest


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(value: object) -> bytes | None:
    """Standard or URL-safe base64, with or without padding; None if it is not base64."""
    if not isinstance(value, str) or not value or len(value) > 64 * 1024:
        return None
    text = value.strip().replace("-", "+").replace("_", "/")
    text += "=" * (-len(text) % 4)
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


def _pending(request: HttpRequest) -> dict[str, dict[str, Any]]:
    raw = request.session.get(SESSION_SIGN_PENDING)
    now = time.time()
    if not isinstance(raw, dict):
        return {}
    return {
        k: v for k, v in raw.items() if isinstance(v, dict) and now - v.get("t", 0) < PENDING_TTL
    }


def _metadata(plugin: OIDCPlugin, draft_id: str = "") -> ProviderMetadata:
    try:
        meta = provider_metadata(plugin.config(), plugin.http())
    except RetryableHttpError as exc:
        raise SignFailed("provider_unavailable", draft_id=draft_id) from exc
    except OIDCHttpError as exc:
        raise SignFailed("discovery_invalid", draft_id=draft_id) from exc
    if not meta.sign_transactions_url:
        raise SignFailed("sign_endpoint_missing", draft_id=draft_id)
    return meta


def sign_start(
    *,
    plugin: OIDCPlugin,
    request: HttpRequest,
    digest: bytes,
    draft_id: str,
    redirect_uri: str,
    title: str = "",
) -> str:
    """Register the hash as a sign transaction and return the authorization URL to send
    the resident to. Raises ``SignFailed``; the session keeps the pending transaction.
    ``redirect_uri`` is the signing callback (``sign_redirect_uri`` of the settings wins).

    >>> sign_start(plugin=daa, request=request, digest=sha256(data).digest(),
    ...            draft_id=str(draft.pk), redirect_uri=callback_url)  # doctest: +SKIP
    'https://auth-and-sign.go.jp/api/realms/main/protocol/openid-connect/auth?...'
    """
    config = plugin.config()
    redirect_uri = config.sign_redirect_uri or redirect_uri
    meta = _metadata(plugin, draft_id)
    http = plugin.http()
    try:
        # The client credentials grant: a token that may register sign transactions.
        grant = http.post_form(
            meta.token_url,
            {"grant_type": "client_credentials", "scope": "sign"}
            | client_authentication(config, meta),
        )
        token = grant.get("access_token")
        if not isinstance(token, str) or not token:
            raise SignFailed("client_token_invalid", draft_id=draft_id)
        body: dict[str, Any] = {
            "hash": base64.b64encode(digest_info(digest)).decode("ascii"),
            "hash_algorithm": "SHA-256",
            "digest_info": True,
        }
        if title:
            body["title"] = title[:100]
        registered = http.post_json(meta.sign_transactions_url, body, bearer=token)
    except RetryableHttpError as exc:
        raise SignFailed("provider_unavailable", draft_id=draft_id) from exc
    except PermanentHttpError as exc:
        raise SignFailed("sign_transaction_refused", draft_id=draft_id, detail=exc.error) from exc
    transaction_id = registered.get("sign_transaction_id")
    if not isinstance(transaction_id, str) or not _UUID.match(transaction_id):
        raise SignFailed("sign_transaction_invalid", draft_id=draft_id)

    state, nonce, verifier = (secrets.token_urlsafe(32) for _ in range(3))
    pending = _pending(request)
    while len(pending) >= PENDING_MAX:
        pending.pop(min(pending, key=lambda k: pending[k]["t"]))
    pending[state] = {
        "p": plugin.id,
        "n": nonce,
        "v": verifier,
        "x": transaction_id,
        "d": draft_id,
        "h": digest.hex(),
        "r": redirect_uri,
        "t": time.time(),
    }
    request.session[SESSION_SIGN_PENDING] = pending
    params = {
        "response_type": "code",
        "client_id": config.client_id,
        "redirect_uri": redirect_uri,
        "scope": "openid sign",
        "state": state,
        "nonce": nonce,
        "code_challenge": _b64url(hashlib.sha256(verifier.encode("ascii")).digest()),
        "code_challenge_method": "S256",
        "sign_transaction_id": transaction_id,
    }
    if config.acr_values:
        params["acr_values"] = config.acr_values
    sep = "&" if "?" in meta.authorize_url else "?"
    return meta.authorize_url + sep + urlencode(params)


def sign_finish(*, plugin: OIDCPlugin, request: HttpRequest) -> SignResult:
    """Check the callback, exchange the code and fetch the signature; raise ``SignFailed``.

    The pending transaction is removed first, so a replayed callback finds nothing.
    """
    state = request.GET.get("state", "")
    if not state:
        raise SignFailed("state_missing")
    raw = request.session.get(SESSION_SIGN_PENDING)
    entry = raw.get(state) if isinstance(raw, dict) else None
    request.session[SESSION_SIGN_PENDING] = {
        k: v for k, v in _pending(request).items() if k != state
    }
    if not isinstance(entry, dict):
        raise SignFailed("state_unknown")
    draft_id = str(entry.get("d", ""))

    def fail(reason: str, detail: str = "") -> SignFailed:
        return SignFailed(reason, draft_id=draft_id, detail=detail)

    config = plugin.config()
    code = callback_code(
        request, entry, provider_id=plugin.id, issuer=config.issuer, fail=fail, ttl=PENDING_TTL
    )

    meta = _metadata(plugin, draft_id)
    http = plugin.http()
    try:
        tokens = http.post_form(
            meta.token_url,
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": str(entry.get("r", "")),
                "code_verifier": str(entry.get("v", "")),
            }
            | client_authentication(config, meta),
        )
    except RetryableHttpError as exc:
        raise fail("provider_unavailable") from exc
    except PermanentHttpError as exc:
        raise fail("token_refused", exc.error) from exc
    claims, access_token = token_claims(
        plugin, tokens, config=config, meta=meta, http=http, entry=entry, fail=fail
    )

    transaction_id = str(entry.get("x", ""))
    url = f"{meta.sign_transactions_url.rstrip('/')}/{quote(transaction_id, safe='')}/result"
    try:
        result = http.get_json(url, bearer=access_token)
    except RetryableHttpError as exc:
        raise fail("provider_unavailable") from exc
    except PermanentHttpError as exc:
        raise fail("sign_result_refused", exc.error) from exc
    return _checked_result(result, entry=entry, subject=str(claims["sub"]), fail=fail)


def _checked_result(
    result: dict[str, Any], *, entry: dict[str, Any], subject: str, fail: Any
) -> SignResult:
    """The result, only if it answers exactly our request."""
    if result.get("sign_transaction_id") != entry.get("x"):
        raise fail("sign_transaction_mismatch")
    digest = bytes.fromhex(str(entry.get("h", "")))
    returned = _b64decode(result.get("hash"))
    # The provider must have signed the hash we registered, and say so.
    if returned is None or not hmac.compare_digest(returned, digest_info(digest)):
        raise fail("hash_mismatch")
    signature = _b64decode(result.get("signature"))
    certificate = _b64decode(result.get("certificate"))
    if signature is None or certificate is None:
        raise fail("sign_result_invalid")
    raw_chain = result.get("intermediate_certificates", [])
    if not isinstance(raw_chain, list) or len(raw_chain) > MAX_CERTIFICATES:
        raise fail("sign_result_invalid")
    chain = [_b64decode(c) for c in raw_chain]
    if any(c is None for c in chain):
        raise fail("sign_result_invalid")
    return SignResult(
        draft_id=str(entry.get("d", "")),
        digest=digest,
        signature=signature,
        certificate_der=certificate,
        intermediates_der=[c for c in chain if c is not None],
        subject=subject,
    )
