"""The ``digital-auth-app`` (デジタル認証アプリ) and generic ``oidc`` plugins.

Both run the same authorization code flow with PKCE (S256), ``state`` and ``nonce``, and
``private_key_jwt`` at the token endpoint; they differ only in settings and in what the
login vouches for.

Assurance (issue 3): a デジタル認証アプリ login is a card login with PIN, so it gives
``mynumber_card`` and vouches for the 4情報. When the provider granted the ``sign`` scope
the session gets ``card_signature``: the resident consented to the card's signing flow,
which the signing step of a procedure then runs; the level says the session may sign, not
that anything was signed. The generic plugin gives ``account`` and vouches for nothing.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import re
import secrets
import time
import unicodedata
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlencode

import yaml
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy

from tsunagu.accounts.oidc import keys as client_keys
from tsunagu.accounts.oidc.client import (
    OIDCHttpClient,
    OIDCHttpError,
    PermanentHttpError,
    ProviderMetadata,
    ProviderSettings,
    RetryableHttpError,
    provider_metadata,
)
from tsunagu.accounts.oidc.failures import LoginFailed, login_failed_response
from tsunagu.accounts.oidc.tokens import JwksCache, TokenError, validate_id_token
from tsunagu.accounts.plugins import AuthPlugin, Identity, registry
from tsunagu.procedures.schema import Assurance

SESSION_PENDING = "tsunagu.oidc.pending"
PENDING_TTL = 600  # seconds a resident has to finish at the provider
PENDING_MAX = 5  # logins started in other tabs that stay valid
FOUR_ITEMS = ("name", "address", "birth_date", "gender")
# Identity.verified marker: the provider's name had no space, so all of it is in 氏.
NAME_UNSPLIT = "name_unsplit"


# --- UserInfo mapping -------------------------------------------------------------


@functools.cache
def _gender_codes() -> dict[str, str]:
    path = Path(__file__).with_name("gender_codes.yaml")
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {str(k): str(v) for k, v in data.items()}


def split_name(name: str) -> tuple[str, str, bool]:
    """Split a full name at the first full- or half-width space: (氏, 名, split?).

    >>> split_name("常陸　花子"), split_name("常陸花子")
    (('常陸', '花子', True), ('常陸花子', '', False))
    """
    text = " ".join(name.replace("\u3000", " ").split())
    sei, sep, mei = text.partition(" ")
    return sei, mei, bool(sep)


def parse_birthdate(value: object) -> dt.date | None:
    """``YYYY-MM-DD`` (OIDC Core §5.1) or ``YYYYMMDD`` (seen in JP samples), else None.

    >>> parse_birthdate("1985-03-15") == parse_birthdate("19850315") == dt.date(1985, 3, 15)
    True
    """
    if not isinstance(value, str):
        return None
    text = unicodedata.normalize("NFKC", value).strip()
    match = re.fullmatch(r"(\d{4})-?(\d{2})-?(\d{2})", text)
    if match is None or ("-" in text and text.count("-") != 2):
        return None
    try:
        date = dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None
    return date if date.year >= 1800 else None


def parse_gender(value: object) -> str | None:
    """``male``/``female``/``unknown`` from "1"/"2"/"9", "male"/"female", "男"/"女".

    >>> parse_gender("2"), parse_gender("男"), parse_gender("other")
    ('female', 'male', None)
    """
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return None
    return _gender_codes().get(unicodedata.normalize("NFKC", value).strip().lower())


def parse_address(value: object) -> tuple[str, str] | None:
    """(postal code digits, address) from a string or an OIDC address object (§5.1.1).

    >>> parse_address({"postal_code": "312-8501", "region": "茨城県", "locality": "ひたちなか市"})
    ('3128501', '茨城県ひたちなか市')
    """
    if isinstance(value, str):
        text = value.strip()
        return ("", text) if text else None
    if not isinstance(value, dict):
        return None
    postal = re.sub(r"\D", "", unicodedata.normalize("NFKC", str(value.get("postal_code", ""))))
    formatted = value.get("formatted")
    if isinstance(formatted, str) and formatted.strip():
        text = " ".join(formatted.split())
    else:
        text = "".join(
            str(value[k]).strip()
            for k in ("region", "locality", "street_address")
            if isinstance(value.get(k), str)
        )
    if not text:
        return None
    return (postal if len(postal) == 7 else "", text)


def identity_from_claims(
    *, provider: str, claims: dict[str, Any], assurance: Assurance, card: bool
) -> Identity:
    """Map UserInfo claims to an ``Identity``; ``card`` marks the 4情報 as verified.

    Raises ``ValueError`` when there is no usable name or subject.

    >>> identity_from_claims(provider="digital-auth-app", card=True,
    ...     assurance=Assurance.MYNUMBER_CARD,
    ...     claims={"sub": "x", "name": "常陸 花子", "birthdate": "19850315"}).name_mei
    '花子'
    """
    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub:
        raise ValueError("sub")
    verified: list[str] = []
    family, given = claims.get("family_name"), claims.get("given_name")
    if isinstance(family, str) and family.strip():
        sei, mei, split = family.strip(), str(given or "").strip(), True
    elif isinstance(claims.get("name"), str):
        sei, mei, split = split_name(claims["name"])
    else:
        sei, mei, split = "", "", False
    if not sei:
        raise ValueError("name")
    verified.append("name")
    if not split:
        verified.append(NAME_UNSPLIT)
    birth = parse_birthdate(claims.get("birthdate"))
    if birth is not None:
        verified.append("birth_date")
    gender = parse_gender(claims.get("gender"))
    if gender is not None:
        verified.append("gender")
    address = parse_address(claims.get("address"))
    if address is not None:
        verified.append("address")
    email = claims.get("email")
    return Identity(
        provider=provider,
        subject=sub,
        assurance=assurance,
        name_sei=sei[:60],
        name_mei=mei[:60],
        birth_date=birth,
        gender=gender or "unknown",
        postal_code=address[0] if address else "",
        address=address[1] if address else "",
        email=email if isinstance(email, str) and claims.get("email_verified") is True else "",
        verified=tuple(v for v in verified if card or v == NAME_UNSPLIT),
    )


# --- the flow ---------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _pending(request: HttpRequest) -> dict[str, dict[str, Any]]:
    raw = request.session.get(SESSION_PENDING)
    now = time.time()
    if not isinstance(raw, dict):
        return {}
    return {
        k: v for k, v in raw.items() if isinstance(v, dict) and now - v.get("t", 0) < PENDING_TTL
    }


@dataclass(frozen=True)
class Exchanged:
    """A checked callback: the ID token's claims, UserInfo, the granted scopes."""

    id_claims: dict[str, Any]
    userinfo: dict[str, Any]
    granted: list[str]
    next_url: str
    level: str


Fail = Callable[..., Exception]


def callback_code(
    request: HttpRequest,
    entry: Mapping[str, Any],
    *,
    provider_id: str,
    issuer: str,
    fail: Fail,
    ttl: float = PENDING_TTL,
) -> str:
    """The authorization code of a provider's callback, after the checks every flow of
    ours shares (login, signing): the pending entry not expired and ours, no error, the
    RFC 9207 ``iss`` ours when given. Raises ``fail(reason, detail)``."""
    if time.time() - float(entry.get("t", 0)) >= ttl:
        raise fail("state_expired")
    if entry.get("p") != provider_id:
        raise fail("state_mismatch")
    error = request.GET.get("error", "")
    if error:
        raise fail("cancelled" if error == "access_denied" else "provider_error", error)
    # RFC 9207: when the provider names itself in the response, it must be ours.
    if "iss" in request.GET and request.GET["iss"] != issuer:
        raise fail("wrong_iss_param")
    code = request.GET.get("code", "")
    if not code:
        raise fail("code_missing")
    return code


def token_claims(
    plugin: OIDCPlugin,
    tokens: Mapping[str, Any],
    *,
    config: ProviderSettings,
    meta: ProviderMetadata,
    http: OIDCHttpClient,
    entry: Mapping[str, Any],
    fail: Fail,
) -> tuple[dict[str, Any], str]:
    """The validated ID token's claims and the access token of a token response (the
    nonce is the pending entry's). Raises ``fail(reason)``."""
    id_token, access_token = tokens.get("id_token"), tokens.get("access_token")
    if not isinstance(id_token, str) or not isinstance(access_token, str) or not access_token:
        raise fail("token_response_invalid")
    try:
        claims = validate_id_token(
            id_token,
            keys=plugin.jwks(meta.jwks_url, http),
            issuer=config.issuer,
            client_id=config.client_id,
            nonce=str(entry.get("n", "")),
            skew=config.skew,
            required_acr=config.required_acr,
            access_token=access_token,
        )
    except TokenError as exc:
        raise fail(f"id_token_{exc.reason}") from exc
    except RetryableHttpError as exc:
        raise fail("provider_unavailable") from exc
    except PermanentHttpError as exc:
        raise fail("id_token_jwks_invalid") from exc
    return claims, access_token


class OIDCPlugin(AuthPlugin):
    """Shared code of the OpenID plugins; subclasses set the id, label and assurance."""

    # Whether a login vouches for the 4情報 (the card) or for nothing.
    card: ClassVar[bool] = False

    def __init__(self) -> None:
        self._jwks: dict[str, JwksCache] = {}
        self.http_factory = OIDCHttpClient

    # configuration

    def config(self) -> ProviderSettings:
        return ProviderSettings.for_plugin(self.id)

    def check_config(self) -> list[str]:
        return self.config().problems()

    def enabled(self) -> bool:
        config = self.config()
        return bool(config.client_id and config.issuer) and not config.problems()

    def http(self) -> OIDCHttpClient:
        return self.http_factory(timeout=self.config().timeout)

    def jwks(self, url: str, http: OIDCHttpClient) -> JwksCache:
        cache = self._jwks.get(url)
        if cache is None:
            cache = self._jwks[url] = JwksCache(lambda: http.get_json(url))
        return cache

    def reset_caches(self) -> None:
        self._jwks.clear()

    # start

    def start(self, request: HttpRequest, next_url: str) -> HttpResponse:
        config = self.config()
        level = request.GET.get("level", "")
        level = level if level in {a.value for a in Assurance} else ""
        try:
            meta = provider_metadata(config, self.http())
        except OIDCHttpError as exc:
            reason = (
                "provider_unavailable"
                if isinstance(exc, RetryableHttpError)
                else "discovery_invalid"
            )
            return self.failure_response(
                request, LoginFailed(reason, next_url=next_url, level=level)
            )
        state, nonce, verifier = (secrets.token_urlsafe(32) for _ in range(3))
        redirect_uri = config.redirect_uri or self.callback_url(request)
        pending = _pending(request)
        while len(pending) >= PENDING_MAX:
            pending.pop(min(pending, key=lambda k: pending[k]["t"]))
        pending[state] = {
            "p": self.id,
            "n": nonce,
            "v": verifier,
            "next": next_url,
            "level": level,
            "r": redirect_uri,
            "t": time.time(),
        }
        request.session[SESSION_PENDING] = pending
        params = {
            "response_type": "code",
            "client_id": config.client_id,
            "redirect_uri": redirect_uri,
            "scope": " ".join(config.scopes),
            "state": state,
            "nonce": nonce,
            "code_challenge": _b64(hashlib.sha256(verifier.encode("ascii")).digest()),
            "code_challenge_method": "S256",
        }
        if config.acr_values:
            params["acr_values"] = config.acr_values
        sep = "&" if "?" in meta.authorize_url else "?"
        return HttpResponseRedirect(meta.authorize_url + sep + urlencode(params))

    def callback_url(self, request: HttpRequest) -> str:
        """Our callback URL when the settings name none (resident logins by default)."""
        return request.build_absolute_uri(
            reverse("accounts:oidc_callback", kwargs={"plugin_id": self.id})
        )

    def failure_response(self, request: HttpRequest, failure: LoginFailed) -> HttpResponse:
        """The page (and audit event) for a login that failed before leaving our site."""
        return login_failed_response(request, provider=self.id, failure=failure)

    # callback

    def finish(self, request: HttpRequest) -> tuple[Identity, str]:
        """Check the callback and return the identity and the ``next`` URL.

        Raises ``LoginFailed``; nothing is written to the session except the removal of
        the used pending state (so a replayed callback finds no state).
        """
        done = self.exchange(request)
        try:
            identity = identity_from_claims(
                provider=self.id,
                claims=done.userinfo,
                assurance=self.login_assurance(done.granted),
                card=self.card,
            )
        except ValueError as exc:
            raise LoginFailed(
                "userinfo_incomplete", next_url=done.next_url, level=done.level, detail=str(exc)
            ) from exc
        return identity, done.next_url

    def exchange(self, request: HttpRequest) -> Exchanged:
        """Check the callback, exchange the code, validate the ID token, fetch UserInfo.

        Raises ``LoginFailed``; the used pending state is removed from the session first.
        """
        state = request.GET.get("state", "")
        if not state:
            raise LoginFailed("state_missing")
        raw = request.session.get(SESSION_PENDING)
        entry = raw.get(state) if isinstance(raw, dict) else None
        # Single use: a replayed callback (or a second one for this state) finds nothing.
        request.session[SESSION_PENDING] = {
            k: v for k, v in _pending(request).items() if k != state
        }
        if not isinstance(entry, dict):
            raise LoginFailed("state_unknown")
        next_url, level = str(entry.get("next", "")), str(entry.get("level", ""))

        def fail(reason: str, detail: str = "") -> LoginFailed:
            return LoginFailed(reason, next_url=next_url, level=level, detail=detail)

        config = self.config()
        code = callback_code(request, entry, provider_id=self.id, issuer=config.issuer, fail=fail)

        http = self.http()
        try:
            meta = provider_metadata(config, http)
            tokens = http.post_form(meta.token_url, self._token_params(config, meta, code, entry))
        except RetryableHttpError as exc:
            raise fail("provider_unavailable") from exc
        except PermanentHttpError as exc:
            raise fail("token_refused", exc.error) from exc
        if str(tokens.get("token_type", "")).lower() != "bearer":
            raise fail("token_response_invalid")
        claims, access_token = token_claims(
            self, tokens, config=config, meta=meta, http=http, entry=entry, fail=fail
        )
        try:
            userinfo = http.get_json(meta.userinfo_url, bearer=access_token)
        except RetryableHttpError as exc:
            raise fail("provider_unavailable") from exc
        except PermanentHttpError as exc:
            raise fail("userinfo_refused", exc.error) from exc
        if userinfo.get("sub") != claims["sub"]:
            raise fail("userinfo_sub_mismatch")
        granted = str(tokens.get("scope", " ".join(config.scopes))).split()
        return Exchanged(
            id_claims=claims, userinfo=userinfo, granted=granted, next_url=next_url, level=level
        )

    def login_assurance(self, granted_scopes: list[str]) -> Assurance:
        return Assurance.ACCOUNT

    def _token_params(
        self, config: ProviderSettings, meta: ProviderMetadata, code: str, entry: dict[str, Any]
    ) -> dict[str, str]:
        return {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": str(entry.get("r", "")),
            "code_verifier": str(entry.get("v", "")),
            **client_authentication(config, meta),
        }


def client_authentication(config: ProviderSettings, meta: ProviderMetadata) -> dict[str, str]:
    """The ``private_key_jwt`` parameters of a token request (RFC 7523 §2.2): a fresh,
    one-minute assertion signed with our newest key, for this provider's token endpoint."""
    key = client_keys.signing_key()
    now = int(time.time())
    assertion = _sign(
        key,
        {
            "iss": config.client_id,
            "sub": config.client_id,
            "aud": meta.token_url,
            "jti": str(uuid.uuid4()),
            "iat": now,
            "exp": now + 60,
        },
    )
    return {
        "client_id": config.client_id,
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": assertion,
    }


def _sign(key: client_keys.ClientKey, claims: dict[str, Any]) -> str:
    from joserfc import jwt

    return jwt.encode({"alg": key.alg, "kid": key.kid, "typ": "JWT"}, claims, key.key)


@registry.register("digital-auth-app")
class DigitalAuthAppPlugin(OIDCPlugin):
    label = gettext_lazy("マイナンバーカードでログイン（デジタル認証アプリ）")
    assurance = Assurance.CARD_SIGNATURE
    card = True

    def login_assurance(self, granted_scopes: list[str]) -> Assurance:
        if "sign" in granted_scopes:
            return Assurance.CARD_SIGNATURE
        return Assurance.MYNUMBER_CARD


@registry.register("oidc")
class GenericOIDCPlugin(OIDCPlugin):
    label = gettext_lazy("外部のアカウントでログイン")
    assurance = Assurance.ACCOUNT
