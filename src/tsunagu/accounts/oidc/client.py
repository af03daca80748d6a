"""The one HTTP client for OpenID providers, and the provider's settings and metadata.

Errors are split as STYLE.md asks: ``RetryableHttpError`` (timeouts, refused
connections, 5xx: the provider is down, try again later) and ``PermanentHttpError``
(4xx, a body that is not a JSON object: retrying will not help).
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from django.conf import settings

MAX_BODY = 1024 * 1024
DISCOVERY_TTL = 3600.0


class OIDCHttpError(Exception):
    """A failed exchange with the provider; ``status`` is 0 without an HTTP answer."""

    def __init__(self, message: str, *, status: int = 0, error: str = "") -> None:
        super().__init__(message)
        self.status = status
        # The OAuth ``error`` code of a 4xx answer (e.g. ``invalid_grant``), if any.
        self.error = error


class RetryableHttpError(OIDCHttpError):
    pass


class PermanentHttpError(OIDCHttpError):
    pass


class OIDCHttpClient:
    """JSON over HTTP(S) with urllib: timeouts always set, bodies bounded.

    >>> OIDCHttpClient(timeout=5).get_json("https://op.example/.well-known/openid-configuration")
    ... # doctest: +SKIP
    {'issuer': 'https://op.example', ...}
    """

    def __init__(self, *, timeout: float = 10.0) -> None:
        self.timeout = timeout
        # No proxy from the environment: the provider is reached directly or not at all.
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def get_json(self, url: str, *, bearer: str = "") -> dict[str, Any]:
        headers = {"Accept": "application/json"}
        if bearer:
            headers["Authorization"] = f"Bearer {bearer}"
        _check_scheme(url)
        request = urllib.request.Request(url, headers=headers, method="GET")  # noqa: S310 - scheme checked
        return self._send(request)

    def post_form(self, url: str, data: dict[str, str]) -> dict[str, Any]:
        _check_scheme(url)
        body = urllib.parse.urlencode(data).encode("ascii")
        request = urllib.request.Request(  # noqa: S310 - scheme checked
            url,
            data=body,
            headers={
                "Accept": "application/json",
                "Content-Type": "application/x-www-form-urlencoded",
            },
            method="POST",
        )
        return self._send(request)

    def post_json(self, url: str, data: dict[str, Any], *, bearer: str = "") -> dict[str, Any]:
        """POST a JSON object (the signing API), with a Bearer token when given."""
        _check_scheme(url)
        headers = {"Accept": "application/json", "Content-Type": "application/json"}
        if bearer:
            headers["Authorization"] = f"Bearer {bearer}"
        body = json.dumps(data, ensure_ascii=False).encode("utf-8")
        request = urllib.request.Request(  # noqa: S310 - scheme checked
            url, data=body, headers=headers, method="POST"
        )
        return self._send(request)

    def _send(self, request: urllib.request.Request) -> dict[str, Any]:
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                raw = response.read(MAX_BODY + 1)
                status = response.status
        except urllib.error.HTTPError as exc:
            status = exc.code
            raw = exc.read(MAX_BODY + 1) if exc.fp is not None else b""
            if status >= 500 or status == 429:
                raise RetryableHttpError(f"HTTP {status}", status=status) from exc
            raise PermanentHttpError(
                f"HTTP {status}", status=status, error=_oauth_error(raw)
            ) from exc
        except (TimeoutError, ConnectionError) as exc:
            raise RetryableHttpError(f"{type(exc).__name__}: {exc}") from exc
        except urllib.error.URLError as exc:
            raise RetryableHttpError(f"unreachable: {exc.reason}") from exc
        except OSError as exc:
            raise RetryableHttpError(f"{type(exc).__name__}: {exc}") from exc
        if len(raw) > MAX_BODY:
            raise PermanentHttpError("response too large", status=status)
        try:
            data = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise PermanentHttpError("response is not JSON", status=status) from exc
        if not isinstance(data, dict):
            raise PermanentHttpError("response is not a JSON object", status=status)
        return data


def _check_scheme(url: str) -> None:
    if urllib.parse.urlsplit(url).scheme not in {"http", "https"}:
        raise PermanentHttpError(f"not an HTTP URL: {url}")


def _oauth_error(raw: bytes) -> str:
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return ""
    error = data.get("error") if isinstance(data, dict) else None
    # Only a short code goes into the audit log, never free text from the provider.
    if isinstance(error, str) and error.replace("_", "").isalnum() and len(error) <= 64:
        return error
    return ""


@dataclass(frozen=True)
class ProviderSettings:
    """One provider's configuration (``settings.TSUNAGU_OIDC_PROVIDERS[plugin_id]``)."""

    issuer: str = ""
    client_id: str = ""
    redirect_uri: str = ""
    scope: str = "openid"
    acr_values: str = ""
    required_acr: str = ""
    authorize_url: str = ""
    token_url: str = ""
    userinfo_url: str = ""
    jwks_url: str = ""
    skew: int = 120
    timeout: float = 10.0
    sign: bool = False
    # The signing flow (applications.signing's ``digital-auth-app`` plugin): where the
    # provider sends the resident back after signing, and the sign-transactions endpoint
    # (default: discovery's ``sign_transactions_endpoint``, else derived from the issuer).
    sign_redirect_uri: str = ""
    sign_transactions_url: str = ""

    @classmethod
    def for_plugin(cls, plugin_id: str) -> ProviderSettings:
        raw: dict[str, Any] = dict(
            getattr(settings, "TSUNAGU_OIDC_PROVIDERS", {}).get(plugin_id, {})
        )
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in raw.items() if k in known})

    @property
    def scopes(self) -> list[str]:
        out = self.scope.split()
        if self.sign and "sign" not in out:
            out.append("sign")
        return out

    def problems(self) -> list[str]:
        """What is missing or invalid, in Japanese (for ``check_config``)."""
        out: list[str] = []
        if not self.client_id:
            out.append("クライアントID（CLIENT_ID）が設定されていません")
        if not self.issuer:
            out.append("発行者（ISSUER）が設定されていません")
        elif not _url_ok(self.issuer):
            out.append(f"発行者（ISSUER）のURLが正しくありません: {self.issuer}")
        for name, url in (
            ("AUTHORIZE_URL", self.authorize_url),
            ("TOKEN_URL", self.token_url),
            ("USERINFO_URL", self.userinfo_url),
            ("JWKS_URL", self.jwks_url),
            ("REDIRECT_URI", self.redirect_uri),
            ("SIGN_REDIRECT_URI", self.sign_redirect_uri),
            ("SIGN_TRANSACTIONS_URL", self.sign_transactions_url),
        ):
            if url and not _url_ok(url):
                out.append(f"{name}のURLが正しくありません（本番ではhttpsが必要です）: {url}")
        if "openid" not in self.scopes:
            out.append("SCOPEに openid が含まれていません")
        if self.skew < 0 or self.skew > 600:
            out.append("時刻のずれの許容値（CLOCK_SKEW）は0〜600秒にしてください")
        return out


def _url_ok(url: str) -> bool:
    parts = urllib.parse.urlsplit(url)
    if not parts.netloc or parts.fragment:
        return False
    if parts.scheme == "https":
        return True
    # Plain http only for a provider on this machine (the local test provider).
    return parts.scheme == "http" and parts.hostname in {"127.0.0.1", "localhost", "::1"}


@dataclass(frozen=True)
class ProviderMetadata:
    issuer: str
    authorize_url: str
    token_url: str
    userinfo_url: str
    jwks_url: str
    sign_transactions_url: str = ""


def sign_transactions_default(issuer: str) -> str:
    """Where the signing API lives when neither settings nor discovery say: next to the
    realms of a Keycloak-style issuer, as at the Digital Agency.

    >>> sign_transactions_default("https://sb-auth-and-sign.go.jp/api/realms/main")
    'https://sb-auth-and-sign.go.jp/api/sign-transactions'
    """
    base = issuer.split("/realms/", 1)[0] if "/realms/" in issuer else issuer.rstrip("/")
    return base + "/sign-transactions"


_discovery_lock = threading.Lock()
_discovery: dict[str, tuple[float, dict[str, Any]]] = {}


def discovery_clear() -> None:
    with _discovery_lock:
        _discovery.clear()


def provider_metadata(config: ProviderSettings, http: OIDCHttpClient) -> ProviderMetadata:
    """The endpoints: explicit settings win, the rest comes from discovery (cached 1 h).

    Raises ``OIDCHttpError`` when discovery is needed and fails, ``PermanentHttpError``
    when the discovery document names another issuer (OpenID Discovery §4.3).
    """
    doc: dict[str, Any] = {}
    explicit = (config.authorize_url, config.token_url, config.userinfo_url, config.jwks_url)
    if config.issuer and not all(explicit):
        url = config.issuer.rstrip("/") + "/.well-known/openid-configuration"
        now = time.monotonic()
        with _discovery_lock:
            cached = _discovery.get(url)
        if cached is not None and now - cached[0] < DISCOVERY_TTL:
            doc = cached[1]
        else:
            doc = http.get_json(url)
            if doc.get("issuer") != config.issuer:
                raise PermanentHttpError("discovery document names another issuer")
            with _discovery_lock:
                _discovery[url] = (now, doc)

    def pick(explicit_url: str, key: str) -> str:
        value = explicit_url or doc.get(key) or ""
        if not isinstance(value, str) or not _url_ok(value):
            raise PermanentHttpError(f"no usable {key}")
        return value

    return ProviderMetadata(
        issuer=config.issuer,
        authorize_url=pick(config.authorize_url, "authorization_endpoint"),
        token_url=pick(config.token_url, "token_endpoint"),
        userinfo_url=pick(config.userinfo_url, "userinfo_endpoint"),
        jwks_url=pick(config.jwks_url, "jwks_uri"),
        sign_transactions_url=_sign_url(config, doc),
    )


def _sign_url(config: ProviderSettings, doc: dict[str, Any]) -> str:
    value = config.sign_transactions_url or doc.get("sign_transactions_endpoint") or ""
    if not isinstance(value, str) or not value:
        value = sign_transactions_default(config.issuer) if config.issuer else ""
    return value if value and _url_ok(value) else ""
