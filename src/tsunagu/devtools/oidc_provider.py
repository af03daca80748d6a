"""A local OpenID Connect provider shaped like the Digital Agency's デジタル認証アプリ.

It runs standalone (stdlib ``http.server`` plus joserfc, no Django) so that the test suite
can drive it as a separate local HTTP process and an operator can see the real login flow
under ``make run`` without a My Number Card. What it enforces follows the published facts
of the real provider: authorization code flow only, PKCE S256, ``state`` and ``nonce``
required, ``private_key_jwt`` client authentication, ES256 ID tokens, a pairwise ``sub``.

Run it::

    python -m tsunagu.devtools.oidc_provider --host 127.0.0.1 --port 0 \\
        --issuer-path /api/realms/main --client-id RP00000001 \\
        --redirect-uri http://127.0.0.1:8000/accounts/oidc/digital-auth-app/callback/ \\
        --client-jwks-url http://127.0.0.1:8000/accounts/oidc/jwks.json \\
        --state-file var/dev-oidc-state.json

It prints one line ``READY <issuer>`` on stdout once it listens (with ``--port 0`` the port
is chosen by the system). Endpoints under the issuer:

- ``/.well-known/openid-configuration`` discovery;
- ``/protocol/openid-connect/certs`` the provider's JWKS (EC P-256, a ``kid`` each);
- ``/protocol/openid-connect/auth`` the login page (GET) and its form (POST);
- ``/protocol/openid-connect/token`` the token endpoint (POST, ``private_key_jwt``);
- ``/protocol/openid-connect/userinfo`` UserInfo (GET or POST with a Bearer token).

With ``--jpki-dir`` it also runs the signing flow (the デジタル認証アプリ 署名API, see
docs/digital-auth-app-signing.md): ``POST /api/sign-transactions`` registers a hash (a
client credentials token required), the authorization endpoint with ``scope=openid sign``
and ``sign_transaction_id`` shows a signing page, and ``GET /api/sign-transactions/<id>/result``
returns the signature and the certificate of a test card. The cards and their CA (shaped
like JPKI's) live in that folder: ``root.crt`` is the trust anchor, ``crl/`` the CRL and ARL.

With ``--test-control`` the provider also serves ``POST /_test/mode`` (JSON
``{"mode": ...}``) and ``GET /_test/log``, both at the root and under the issuer path; see
``TEST_MODES`` and docs/oidc-dev-provider.md. From Python, :func:`start_provider` starts the
process and waits until it is ready.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import html
import json
import re
import secrets
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
import uuid
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, Self

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, KeySet, RSAKey

PEOPLE_FILE = Path(__file__).with_name("oidc_people.json")

CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
CODE_LIFETIME = 60
ACCESS_TOKEN_LIFETIME = 300
ID_TOKEN_LIFETIME = 300
AUTH_REQUEST_LIFETIME = 600
MAX_ASSERTION_LIFETIME = 300
CLOCK_SKEW = 30
LOCKED_PIN = "0000"
SCOPES = ("openid", "name", "address", "birthdate", "gender", "sign")
USERINFO_SCOPES = ("name", "address", "birthdate", "gender")

#: The modes of ``POST /_test/mode``. One-shot modes change the next token response only;
#: ``rotate_keys`` acts at once, ``down`` lasts until ``reset``.
TEST_MODES = (
    "alg_none",
    "hs256_with_public_key",
    "unknown_kid",
    "bad_signature",
    "wrong_nonce",
    "wrong_aud",
    "wrong_iss",
    "expired",
    "iat_future",
    "missing_acr",
    "low_acr",
    "password_only",
    "rs256",
    "rotate_keys",
    "down",
    "reset",
    # Signing: the next signature is over another hash, or corrupted, or made with a
    # revoked or an expired certificate.
    "sign_wrong_hash",
    "sign_bad_signature",
    "sign_revoked",
    "sign_expired",
)
SIGN_MODES = ("sign_wrong_hash", "sign_bad_signature", "sign_revoked", "sign_expired")
SIGN_PIN_RE = re.compile(r"^[A-Za-z0-9]{6,16}$")
# DER prefix of DigestInfo{ sha256, NULL } (RFC 8017 §9.2).
SHA256_DIGEST_INFO = bytes.fromhex("3031300d060960864801650304020105000420")
SIGN_TRANSACTION_LIFETIME = 600

BirthdateFormat = Literal["iso", "compact"]
GenderFormat = Literal["code", "word"]
AddressFormat = Literal["string", "object"]

GENDER_CODES = {"male": "1", "female": "2", "other": "9"}
VERIFIER_RE = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")
CHALLENGE_RE = re.compile(r"^[A-Za-z0-9\-_]{43}$")
PIN_RE = re.compile(r"^[0-9]{4}$")


def b64url(data: bytes) -> str:
    """Base64url without padding, as JOSE writes it: ``b64url(b"\\xff") == "_w"``."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def pkce_challenge(verifier: str) -> str:
    """The S256 code challenge of a PKCE verifier (RFC 7636 appendix B).

    >>> pkce_challenge("dBjftJeZ4CVP-mJ0kXsWpbHQ4WUkl7IN0nGp4vObLnM")
    'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM'
    """
    return b64url(hashlib.sha256(verifier.encode("ascii")).digest())


@dataclass(frozen=True)
class Person:
    """A fictional card holder with the 4情報 the card carries."""

    person_id: str
    name: str
    name_kana: str
    birthdate: str
    gender: str
    postal_code: str
    region: str
    locality: str
    street_address: str
    # What a staff identity provider sends with the ``profile`` and ``email`` scopes.
    username: str = ""
    email: str = ""

    @property
    def address(self) -> str:
        return f"{self.region}{self.locality}{self.street_address}"


def load_people(path: Path = PEOPLE_FILE) -> list[Person]:
    """The built-in test people, e.g. ``load_people()[0].name == "常陸 花子"``."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return [Person(**row) for row in data["people"]]


@dataclass(frozen=True)
class Options:
    issuer_path: str
    client_id: str
    redirect_uris: tuple[str, ...]
    client_jwks_url: str
    state_file: Path | None = None
    test_control: bool = False
    birthdate_format: BirthdateFormat = "iso"
    gender_format: GenderFormat = "code"
    address_format: AddressFormat = "string"
    sub_salt: str = "tsunagu-dev-oidc"
    jpki_dir: Path | None = None


@dataclass
class AuthRequest:
    client_id: str
    redirect_uri: str
    state: str
    nonce: str
    scope: tuple[str, ...]
    code_challenge: str
    acr_values: str
    expires_at: float
    sign_transaction_id: str = ""


@dataclass
class AuthCode:
    client_id: str
    redirect_uri: str
    code_challenge: str
    nonce: str
    scope: tuple[str, ...]
    person_id: str
    auth_time: int
    expires_at: float
    used: bool = False
    access_tokens: list[str] = field(default_factory=list)
    sign_transaction_id: str = ""


@dataclass
class AccessToken:
    client_id: str
    person_id: str
    scope: tuple[str, ...]
    expires_at: float
    # "user" (a code exchange) or "client" (client credentials, no person).
    kind: str = "user"
    sign_transaction_id: str = ""


@dataclass
class SignTransaction:
    """A hash registered for signing, and once signed, what the result endpoint returns."""

    transaction_id: str
    client_id: str
    digest_info: bytes
    title: str
    expires_at: float
    result: dict[str, Any] | None = None


class DevCards:
    """Test signing cards of the people, under a CA shaped like JPKI's (``demo_jpki``).

    ``root.crt`` in the folder is the trust anchor; ``crl/issuing.crl`` and
    ``crl/root.crl`` are the CRL and ARL, rewritten on every revocation and hourly.
    """

    def __init__(self, folder: Path) -> None:
        from tsunagu.devtools.demo_jpki import demo_ca

        self.folder = folder
        self.root, self.issuing = demo_ca(folder)
        self.revoked: set[int] = set()
        self.crl_written = 0.0
        self.write_crls()

    @staticmethod
    def personal(person: Person) -> dict[str, str]:
        """The 4情報 as JPKI writes them (full-width space in the name, EYYYYMMDD)."""
        import datetime as dt

        from tsunagu.devtools.demo_jpki import jpki_date_of_birth

        name = person.name.replace(" ", "\u3000")
        return {
            "name": name,
            "name_substitute": name,
            "gender": GENDER_CODES[person.gender],
            "date_of_birth": jpki_date_of_birth(dt.date.fromisoformat(person.birthdate)),
            "address": person.address,
            "address_substitute": person.address,
        }

    def card(self, person: Person, *, variant: str = "") -> Any:
        """The person's card (``demo_jpki.Issued``); ``variant`` "revoked" or "expired"
        gives a fresh certificate for the same key, revoked or out of its validity."""
        import datetime as dt

        from cryptography import x509

        from tsunagu.devtools.demo_jpki import demo_card
        from tsunagu.devtools.jpki_ca import issue_signing_certificate

        card = demo_card(self.folder, card_id=person.person_id, personal=self.personal(person))
        if not variant:
            return card
        now = dt.datetime.now(dt.UTC)
        expired = variant == "expired"
        other = issue_signing_certificate(
            issuer=self.issuing,
            key=card.key,
            personal=self.personal(person),
            serial=x509.random_serial_number(),
            not_before=now - dt.timedelta(days=2000 if expired else 1),
            not_after=now - dt.timedelta(days=1) if expired else now + dt.timedelta(days=365),
        )
        if variant == "revoked":
            self.revoked.add(other.cert.serial_number)
            self.write_crls()
        return other

    def write_crls(self) -> None:
        """Write the CRL (with the revoked serials) and the ARL, fresh for a day."""
        import datetime as dt

        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization

        now = dt.datetime.now(dt.UTC)
        folder = self.folder / "crl"
        folder.mkdir(parents=True, exist_ok=True)
        for name, ca, serials in (
            ("issuing", self.issuing, sorted(self.revoked)),
            ("root", self.root, []),
        ):
            builder = (
                x509.CertificateRevocationListBuilder()
                .issuer_name(ca.cert.subject)
                .last_update(now - dt.timedelta(minutes=5))
                .next_update(now + dt.timedelta(days=1))
            )
            for serial in serials:
                builder = builder.add_revoked_certificate(
                    x509.RevokedCertificateBuilder()
                    .serial_number(serial)
                    .revocation_date(now - dt.timedelta(minutes=5))
                    .build()
                )
            crl = builder.sign(ca.key, hashes.SHA256())
            tmp = folder / f".{name}.crl.tmp"
            tmp.write_bytes(crl.public_bytes(serialization.Encoding.DER))
            tmp.replace(folder / f"{name}.crl")
        self.crl_written = time.time()

    def sign(self, person: Person, digest: bytes, mode: str | None) -> dict[str, str | list[str]]:
        """Sign ``digest`` (SHA-256) as the card does: PKCS#1 v1.5 over its DigestInfo."""
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding, utils

        if time.time() - self.crl_written > 3600:
            self.write_crls()
        variant = {"sign_revoked": "revoked", "sign_expired": "expired"}.get(mode or "", "")
        card = self.card(person, variant=variant)
        if mode == "sign_wrong_hash":
            digest = hashlib.sha256(b"another document" + digest).digest()
        signature = card.key.sign(digest, padding.PKCS1v15(), utils.Prehashed(hashes.SHA256()))
        if mode == "sign_bad_signature":
            raw = bytearray(signature)
            raw[len(raw) // 2] ^= 0x01
            signature = bytes(raw)
        b64 = base64.b64encode
        return {
            "hash": b64(SHA256_DIGEST_INFO + digest).decode("ascii"),
            "hash_algorithm": "SHA-256",
            "signature": b64(signature).decode("ascii"),
            "certificate": b64(card.der).decode("ascii"),
            "intermediate_certificates": [b64(self.issuing.der).decode("ascii")],
        }


class ProtocolError(Exception):
    """An RFC 6749 error answered as JSON by the token and UserInfo endpoints."""

    def __init__(self, error: str, description: str, status: HTTPStatus) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status


def _invalid_client(description: str) -> ProtocolError:
    return ProtocolError("invalid_client", description, HTTPStatus.UNAUTHORIZED)


def _invalid_grant(description: str) -> ProtocolError:
    return ProtocolError("invalid_grant", description, HTTPStatus.BAD_REQUEST)


def _invalid_request(description: str) -> ProtocolError:
    return ProtocolError("invalid_request", description, HTTPStatus.BAD_REQUEST)


class Provider:
    """The provider's state and rules; the HTTP handler only parses and renders."""

    def __init__(self, options: Options, people: list[Person]) -> None:
        self.options = options
        self.people = {person.person_id: person for person in people}
        self.base_url = ""
        self.lock = threading.RLock()
        self.auth_requests: dict[str, AuthRequest] = {}
        self.codes: dict[str, AuthCode] = {}
        self.access_tokens: dict[str, AccessToken] = {}
        self.used_jtis: dict[str, float] = {}
        self.client_keys: KeySet | None = None
        self.mode: str | None = None
        self.down = False
        self.log: list[dict[str, Any]] = []
        self.ec_keys: list[ECKey] = []
        self.rsa_key: RSAKey | None = None
        self.sign_transactions: dict[str, SignTransaction] = {}
        self.cards = DevCards(options.jpki_dir) if options.jpki_dir is not None else None
        self._load_or_create_keys()

    # -- keys ---------------------------------------------------------------------------

    def _load_or_create_keys(self) -> None:
        path = self.options.state_file
        if path is not None and path.exists():
            state = json.loads(path.read_text(encoding="utf-8"))
            self.ec_keys = [ECKey.import_key(key) for key in state["ec_keys"]]
            if state.get("rsa_key"):
                self.rsa_key = RSAKey.import_key(state["rsa_key"])
            return
        self.ec_keys = [self._new_ec_key()]
        self._save_keys()

    def _save_keys(self) -> None:
        path = self.options.state_file
        if path is None:
            return
        state = {
            "ec_keys": [key.as_dict(private=True) for key in self.ec_keys],
            "rsa_key": self.rsa_key.as_dict(private=True) if self.rsa_key else None,
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(state, indent=2), encoding="utf-8")
        path.chmod(0o600)

    @staticmethod
    def _new_ec_key() -> ECKey:
        key = ECKey.generate_key("P-256", auto_kid=True)
        return ECKey.import_key(
            key.as_dict(private=True), parameters={"alg": "ES256", "use": "sig"}
        )

    def _ensure_rsa_key(self) -> RSAKey:
        if self.rsa_key is None:
            key = RSAKey.generate_key(2048, auto_kid=True)
            self.rsa_key = RSAKey.import_key(
                key.as_dict(private=True), parameters={"alg": "RS256", "use": "sig"}
            )
            self._save_keys()
        return self.rsa_key

    def rotate_keys(self) -> None:
        """Publish a new signing key next to the old one and sign with the new one."""
        with self.lock:
            self.ec_keys = [*self.ec_keys[-1:], self._new_ec_key()]
            self._save_keys()

    @property
    def signing_key(self) -> ECKey:
        return self.ec_keys[-1]

    def jwks(self) -> dict[str, Any]:
        keys: list[Any] = [key.as_dict(private=False) for key in self.ec_keys]
        if self.rsa_key is not None:
            keys.append(self.rsa_key.as_dict(private=False))
        return {"keys": keys}

    # -- discovery ----------------------------------------------------------------------

    @property
    def issuer(self) -> str:
        return self.base_url + self.options.issuer_path

    def endpoint(self, name: str) -> str:
        return f"{self.issuer}/protocol/openid-connect/{name}"

    @property
    def sign_path(self) -> str:
        """``/api/sign-transactions`` next to ``/api/realms/main``, as at the Agency."""
        path = self.options.issuer_path
        base = path.split("/realms/", 1)[0] if "/realms/" in path else path
        return base + "/sign-transactions"

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": self.endpoint("auth"),
            "token_endpoint": self.endpoint("token"),
            "userinfo_endpoint": self.endpoint("userinfo"),
            "jwks_uri": self.endpoint("certs"),
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code"]
            + (["client_credentials"] if self.cards is not None else []),
            "subject_types_supported": ["pairwise"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            "token_endpoint_auth_signing_alg_values_supported": ["RS256", "ES256"],
            "id_token_signing_alg_values_supported": ["ES256"],
            "scopes_supported": list(SCOPES),
            "claims_supported": [
                "sub",
                "iss",
                "aud",
                "exp",
                "iat",
                "auth_time",
                "nonce",
                "acr",
                "amr",
                "name",
                "address",
                "birthdate",
                "gender",
            ],
            "acr_values_supported": ["aal3", "crl"],
            "claims_parameter_supported": False,
            "request_parameter_supported": False,
        } | (
            {"sign_transactions_endpoint": self.base_url + self.sign_path}
            if self.cards is not None
            else {}
        )

    # -- authorization ------------------------------------------------------------------

    def check_client_and_redirect(self, query: dict[str, str]) -> str | None:
        """The error shown on the provider's own page, or None when redirecting is safe."""
        if query.get("client_id") != self.options.client_id:
            return "client_id が登録されていません。"
        if query.get("redirect_uri") not in self.options.redirect_uris:
            return "redirect_uri が登録されたものと一致しません。"
        return None

    def begin_authorization(self, query: dict[str, str]) -> tuple[Literal["page", "redirect"], str]:
        """``("page", request_id)`` for the login page, or ``("redirect", url)`` for an
        error sent back to the relying party. Call after :meth:`check_client_and_redirect`."""
        redirect_uri = query["redirect_uri"]
        state = query.get("state", "")

        def fail(error: str, description: str) -> tuple[Literal["redirect"], str]:
            return ("redirect", error_redirect(redirect_uri, error, description, state))

        if query.get("response_type") != "code":
            return fail("unsupported_response_type", "response_type must be code")
        scope = tuple(query.get("scope", "").split())
        if "openid" not in scope:
            return fail("invalid_scope", "scope must contain openid")
        for name in ("state", "nonce", "code_challenge", "code_challenge_method"):
            if not query.get(name):
                return fail("invalid_request", f"{name} is required")
        if query["code_challenge_method"] != "S256":
            return fail("invalid_request", "code_challenge_method must be S256")
        if not CHALLENGE_RE.match(query["code_challenge"]):
            return fail("invalid_request", "code_challenge is not a S256 challenge")
        transaction_id = query.get("sign_transaction_id", "")
        # ``sign`` without a transaction is a login that consents to signing later.
        if transaction_id:
            with self.lock:
                tx = self.sign_transactions.get(transaction_id)
            if "sign" not in scope or self.cards is None:
                return fail("invalid_scope", "signing needs scope sign")
            if (
                tx is None
                or tx.client_id != query["client_id"]
                or tx.result is not None
                or tx.expires_at < time.time()
            ):
                return fail("invalid_request", "unknown or used sign_transaction_id")
        request_id = secrets.token_urlsafe(24)
        with self.lock:
            self.auth_requests[request_id] = AuthRequest(
                client_id=query["client_id"],
                redirect_uri=redirect_uri,
                state=state,
                nonce=query["nonce"],
                scope=scope,
                code_challenge=query["code_challenge"],
                acr_values=query.get("acr_values", ""),
                expires_at=time.time() + AUTH_REQUEST_LIFETIME,
                sign_transaction_id=transaction_id,
            )
        return ("page", request_id)

    def pending(self, request_id: str) -> AuthRequest | None:
        with self.lock:
            request = self.auth_requests.get(request_id)
        if request is None or request.expires_at < time.time():
            return None
        return request

    def finish_authorization(self, request_id: str, action: str, person_id: str, pin: str) -> str:
        """The redirect URL back to the relying party, or raises ValueError with a message
        for the login page."""
        with self.lock:
            request = self.pending(request_id)
            if request is None:
                raise LookupError
            if action == "cancel":
                del self.auth_requests[request_id]
                return error_redirect(
                    request.redirect_uri, "access_denied", "the user cancelled", request.state
                )
            if person_id not in self.people:
                raise ValueError("ログインする方を選んでください。")
            if request.sign_transaction_id:
                return self._finish_signing(request_id, request, person_id, pin)
            if not PIN_RE.match(pin):
                raise ValueError("利用者証明用電子証明書の暗証番号（数字4桁）を入力してください。")
            del self.auth_requests[request_id]
            if pin == LOCKED_PIN:
                return error_redirect(
                    request.redirect_uri, "access_denied", "the card PIN is locked", request.state
                )
            code = secrets.token_urlsafe(32)
            self.codes[code] = AuthCode(
                client_id=request.client_id,
                redirect_uri=request.redirect_uri,
                code_challenge=request.code_challenge,
                nonce=request.nonce,
                scope=request.scope,
                person_id=person_id,
                auth_time=int(time.time()),
                expires_at=time.time() + CODE_LIFETIME,
            )
        return add_query(request.redirect_uri, {"code": code, "state": request.state})

    def _finish_signing(
        self, request_id: str, request: AuthRequest, person_id: str, pin: str
    ) -> str:
        """Sign the transaction's hash with the person's card (caller holds the lock)."""
        if not SIGN_PIN_RE.match(pin):
            raise ValueError("署名用電子証明書の暗証番号（英数字6〜16桁）を入力してください。")
        tx = self.sign_transactions.get(request.sign_transaction_id)
        if tx is None or tx.result is not None or self.cards is None:
            raise LookupError
        del self.auth_requests[request_id]
        mode = self.mode if self.mode in SIGN_MODES else None
        if mode is not None:
            self.mode = None
        digest = tx.digest_info[len(SHA256_DIGEST_INFO) :]
        tx.result = {"sign_transaction_id": tx.transaction_id} | self.cards.sign(
            self.people[person_id], digest, mode
        )
        code = secrets.token_urlsafe(32)
        self.codes[code] = AuthCode(
            client_id=request.client_id,
            redirect_uri=request.redirect_uri,
            code_challenge=request.code_challenge,
            nonce=request.nonce,
            scope=request.scope,
            person_id=person_id,
            auth_time=int(time.time()),
            expires_at=time.time() + CODE_LIFETIME,
            sign_transaction_id=tx.transaction_id,
        )
        return add_query(request.redirect_uri, {"code": code, "state": request.state})

    # -- signing API --------------------------------------------------------------------

    def _bearer(self, authorization: str, kind: str) -> AccessToken:
        scheme, _, value = authorization.partition(" ")
        with self.lock:
            token = self.access_tokens.get(value.strip()) if scheme.lower() == "bearer" else None
        if token is None or token.expires_at < time.time() or token.kind != kind:
            raise ProtocolError(
                "invalid_token", "unknown or expired token", HTTPStatus.UNAUTHORIZED
            )
        return token

    def register_sign_transaction(self, authorization: str, raw_body: bytes) -> dict[str, Any]:
        """``POST /api/sign-transactions``: register a DigestInfo(SHA-256) to sign."""
        if self.cards is None:
            raise ProtocolError("not_found", "signing is not enabled", HTTPStatus.NOT_FOUND)
        token = self._bearer(authorization, "client")
        if "sign" not in token.scope:
            raise ProtocolError("insufficient_scope", "scope sign needed", HTTPStatus.FORBIDDEN)
        try:
            body = json.loads(raw_body or b"{}")
            digest_info = base64.b64decode(str(body["hash"]), validate=True)
        except (ValueError, KeyError, TypeError) as error:
            raise _invalid_request("hash must be base64") from error
        if body.get("hash_algorithm") != "SHA-256" or body.get("digest_info") is not True:
            raise _invalid_request("only SHA-256 with DigestInfo is supported")
        if len(digest_info) != len(SHA256_DIGEST_INFO) + 32 or not digest_info.startswith(
            SHA256_DIGEST_INFO
        ):
            raise _invalid_request("hash is not a SHA-256 DigestInfo")
        transaction_id = str(uuid.uuid4())
        with self.lock:
            self.sign_transactions[transaction_id] = SignTransaction(
                transaction_id=transaction_id,
                client_id=token.client_id,
                digest_info=digest_info,
                title=str(body.get("title", ""))[:100],
                expires_at=time.time() + SIGN_TRANSACTION_LIFETIME,
            )
        return {"sign_transaction_id": transaction_id}

    def sign_result(self, authorization: str, transaction_id: str) -> dict[str, Any]:
        """``GET /api/sign-transactions/<id>/result`` with the signing login's token."""
        token = self._bearer(authorization, "user")
        if token.sign_transaction_id != transaction_id:
            raise ProtocolError(
                "invalid_token", "the token is not for this transaction", HTTPStatus.FORBIDDEN
            )
        with self.lock:
            tx = self.sign_transactions.get(transaction_id)
        if tx is None or tx.result is None:
            raise ProtocolError("not_found", "no result", HTTPStatus.NOT_FOUND)
        return tx.result

    # -- token --------------------------------------------------------------------------

    def _fetch_client_keys(self) -> KeySet:
        url = self.options.client_jwks_url
        try:
            # The URL is the operator's own option (the relying party's JWKS).
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310
                data = json.loads(response.read())
            keys = KeySet.import_key_set(data)
        except (OSError, ValueError, JoseError) as error:
            raise _invalid_client(f"cannot fetch the client JWKS: {error}") from error
        self.client_keys = keys
        return keys

    def _client_key(self, kid: str | None) -> Any:
        keys = self.client_keys or self._fetch_client_keys()
        for attempt in range(2):
            try:
                return keys.get_by_kid(kid)
            except JoseError:
                if attempt == 0:
                    keys = self._fetch_client_keys()
        raise _invalid_client(f"no client key with kid {kid!r}")

    def authenticate_client(self, form: dict[str, str]) -> None:
        """Check a private_key_jwt client assertion (RFC 7523 §3, OIDC Core §9)."""
        if form.get("client_assertion_type") != CLIENT_ASSERTION_TYPE:
            raise _invalid_client("client_assertion_type must be jwt-bearer")
        assertion = form.get("client_assertion", "")
        if not assertion:
            raise _invalid_client("client_assertion is required")
        if form.get("client_id", self.options.client_id) != self.options.client_id:
            raise _invalid_client("unknown client_id")
        try:
            header = json.loads(base64.urlsafe_b64decode(pad(assertion.split(".")[0])))
        except (ValueError, IndexError) as error:
            raise _invalid_client("client_assertion is not a JWT") from error
        alg = header.get("alg") if isinstance(header, dict) else None
        if alg not in ("RS256", "ES256"):
            raise _invalid_client("client_assertion must be signed with RS256 or ES256")
        key = self._client_key(header.get("kid"))
        try:
            token = jwt.decode(assertion, key, algorithms=[alg])
        except (JoseError, ValueError) as error:
            raise _invalid_client(f"client_assertion signature: {error}") from error
        claims = token.claims
        client_id = self.options.client_id
        if claims.get("iss") != client_id or claims.get("sub") != client_id:
            raise _invalid_client("client_assertion iss and sub must be the client_id")
        audience = claims.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if not {self.endpoint("token"), self.issuer} & set(audiences):
            raise _invalid_client("client_assertion aud must be the token endpoint")
        now = time.time()
        exp = claims.get("exp")
        if not isinstance(exp, int | float) or exp <= now - CLOCK_SKEW:
            raise _invalid_client("client_assertion is expired")
        if exp > now + MAX_ASSERTION_LIFETIME + CLOCK_SKEW:
            raise _invalid_client("client_assertion lives longer than 5 minutes")
        jti = claims.get("jti")
        if not isinstance(jti, str) or not jti:
            raise _invalid_client("client_assertion jti is required")
        with self.lock:
            self.used_jtis = {j: e for j, e in self.used_jtis.items() if e > now - CLOCK_SKEW}
            if jti in self.used_jtis:
                raise _invalid_client("client_assertion jti was already used")
            self.used_jtis[jti] = float(exp)

    def client_credentials(self, form: dict[str, str]) -> dict[str, Any]:
        """The client credentials grant (signing only): a token to register transactions."""
        self.authenticate_client(form)
        scope = tuple(form.get("scope", "").split())
        if scope != ("sign",) or self.cards is None:
            raise ProtocolError("invalid_scope", "only scope sign", HTTPStatus.BAD_REQUEST)
        access_token = secrets.token_urlsafe(32)
        with self.lock:
            self.access_tokens[access_token] = AccessToken(
                client_id=self.options.client_id,
                person_id="",
                scope=scope,
                expires_at=time.time() + ACCESS_TOKEN_LIFETIME,
                kind="client",
            )
        return {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": ACCESS_TOKEN_LIFETIME,
            "scope": "sign",
        }

    def exchange_code(self, form: dict[str, str]) -> dict[str, Any]:
        """Answer a token request, or raise ProtocolError."""
        if form.get("grant_type") == "client_credentials":
            return self.client_credentials(form)
        if form.get("grant_type") != "authorization_code":
            raise ProtocolError(
                "unsupported_grant_type",
                "grant_type must be authorization_code",
                HTTPStatus.BAD_REQUEST,
            )
        self.authenticate_client(form)
        for name in ("code", "redirect_uri", "code_verifier"):
            if not form.get(name):
                raise _invalid_request(f"{name} is required")
        with self.lock:
            code = self.codes.get(form["code"])
            if code is None:
                raise _invalid_grant("unknown code")
            if code.used:
                # RFC 6749 §4.1.2: a replayed code revokes what it issued.
                for token in code.access_tokens:
                    self.access_tokens.pop(token, None)
                raise _invalid_grant("the code was already used")
            code.used = True
            if code.expires_at < time.time():
                raise _invalid_grant("the code has expired")
            if code.client_id != self.options.client_id:
                raise _invalid_grant("the code was issued to another client")
            if code.redirect_uri != form["redirect_uri"]:
                raise _invalid_grant("redirect_uri differs from the authorization request")
            verifier = form["code_verifier"]
            if not VERIFIER_RE.match(verifier) or not hmac.compare_digest(
                pkce_challenge(verifier), code.code_challenge
            ):
                raise _invalid_grant("code_verifier does not match the code_challenge")
            access_token = secrets.token_urlsafe(32)
            self.access_tokens[access_token] = AccessToken(
                client_id=code.client_id,
                person_id=code.person_id,
                scope=code.scope,
                expires_at=time.time() + ACCESS_TOKEN_LIFETIME,
                sign_transaction_id=code.sign_transaction_id,
            )
            code.access_tokens.append(access_token)
            mode, self.mode = self.mode, None
            id_token = self.id_token(code, mode)
        return {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": ACCESS_TOKEN_LIFETIME,
            "id_token": id_token,
            "scope": " ".join(code.scope),
        }

    def pairwise_sub(self, person_id: str) -> str:
        """The same person gives the same sub to the same client, another to others."""
        message = f"{self.options.client_id}\x00{person_id}".encode()
        return b64url(hmac.new(self.options.sub_salt.encode(), message, hashlib.sha256).digest())

    def id_token(self, code: AuthCode, mode: str | None) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": self.pairwise_sub(code.person_id),
            "aud": self.options.client_id,
            "exp": now + ID_TOKEN_LIFETIME,
            "iat": now,
            "auth_time": code.auth_time,
            "nonce": code.nonce,
            "acr": "aal3",
            "amr": ["sc", "pin", "mfa"],
            "azp": self.options.client_id,
        }
        if mode == "wrong_nonce":
            claims["nonce"] = secrets.token_urlsafe(16)
        elif mode == "wrong_aud":
            claims["aud"] = "RP99999999"
            claims["azp"] = "RP99999999"
        elif mode == "wrong_iss":
            claims["iss"] = "https://attacker.invalid/api/realms/main"
        elif mode == "expired":
            claims["iat"] = now - 900
            claims["exp"] = now - 600
        elif mode == "iat_future":
            claims["iat"] = now + 600
            claims["exp"] = now + 600 + ID_TOKEN_LIFETIME
        elif mode == "missing_acr":
            del claims["acr"]
        elif mode == "low_acr":
            claims["acr"] = "aal1"
        elif mode == "password_only":
            # A provider that used a single factor (staff single sign-on tests).
            claims["acr"] = "aal1"
            claims["amr"] = ["pwd"]

        key = self.signing_key
        if mode == "alg_none":
            header = {"alg": "none", "typ": "JWT", "kid": key.kid}
            return f"{b64url(_json(header))}.{b64url(_json(claims))}."
        if mode == "hs256_with_public_key":
            # The classic key-confusion attack: HMAC keyed with the published public key.
            secret = key.as_pem(private=False)
            header = {"alg": "HS256", "typ": "JWT", "kid": key.kid}
            signing_input = f"{b64url(_json(header))}.{b64url(_json(claims))}"
            mac = hmac.new(secret, signing_input.encode("ascii"), hashlib.sha256).digest()
            return f"{signing_input}.{b64url(mac)}"
        if mode == "unknown_kid":
            stranger = self._new_ec_key()
            return jwt.encode({"alg": "ES256", "kid": stranger.kid}, claims, stranger)
        if mode == "rs256":
            rsa_key = self._ensure_rsa_key()
            return jwt.encode({"alg": "RS256", "kid": rsa_key.kid}, claims, rsa_key)
        token = jwt.encode({"alg": "ES256", "kid": key.kid}, claims, key)
        if mode == "bad_signature":
            signing_input, signature = token.rsplit(".", 1)
            raw = bytearray(base64.urlsafe_b64decode(pad(signature)))
            raw[0] ^= 0xFF
            raw[-1] ^= 0xFF
            token = f"{signing_input}.{b64url(bytes(raw))}"
        return token

    # -- userinfo -----------------------------------------------------------------------

    def userinfo(self, access_token: str) -> dict[str, Any]:
        with self.lock:
            token = self.access_tokens.get(access_token)
        if token is None or token.expires_at < time.time() or token.kind != "user":
            raise ProtocolError(
                "invalid_token", "unknown or expired token", HTTPStatus.UNAUTHORIZED
            )
        person = self.people[token.person_id]
        claims: dict[str, Any] = {"sub": self.pairwise_sub(person.person_id)}
        if "name" in token.scope:
            claims["name"] = person.name
        if "address" in token.scope:
            claims["address"] = self.format_address(person)
        if "birthdate" in token.scope:
            claims["birthdate"] = self.format_birthdate(person)
        if "gender" in token.scope:
            claims["gender"] = self.format_gender(person)
        if "profile" in token.scope and person.username:
            claims["preferred_username"] = person.username
        if "email" in token.scope and person.email:
            claims["email"] = person.email
            claims["email_verified"] = True
        return claims

    def format_birthdate(self, person: Person) -> str:
        if self.options.birthdate_format == "compact":
            return person.birthdate.replace("-", "")
        return person.birthdate

    def format_gender(self, person: Person) -> str:
        if self.options.gender_format == "word":
            return person.gender
        return GENDER_CODES[person.gender]

    def format_address(self, person: Person) -> str | dict[str, str]:
        if self.options.address_format == "object":
            return {
                "formatted": person.address,
                "postal_code": person.postal_code,
                "region": person.region,
                "locality": person.locality,
                "street_address": person.street_address,
                "country": "JP",
            }
        return person.address

    # -- test control -------------------------------------------------------------------

    def set_mode(self, mode: str) -> None:
        if mode not in TEST_MODES:
            raise ValueError(mode)
        with self.lock:
            if mode == "reset":
                self.mode = None
                self.down = False
                self.log.clear()
            elif mode == "down":
                self.down = True
            elif mode == "rotate_keys":
                self.rotate_keys()
            else:
                self.mode = mode

    def record(self, entry: dict[str, Any]) -> None:
        with self.lock:
            self.log.append(entry)
            del self.log[:-500]


def _json(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def pad(segment: str) -> str:
    return segment + "=" * (-len(segment) % 4)


def add_query(url: str, params: dict[str, str]) -> str:
    """``url`` with ``params`` appended to its query, e.g.
    ``add_query("https://a/cb?x=1", {"code": "c"}) == "https://a/cb?x=1&code=c"``."""
    parts = urllib.parse.urlsplit(url)
    query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True) + list(params.items())
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


def error_redirect(redirect_uri: str, error: str, description: str, state: str) -> str:
    params = {"error": error, "error_description": description}
    if state:
        params["state"] = state
    return add_query(redirect_uri, params)


# -- HTML -------------------------------------------------------------------------------

PAGE_STYLE = """
body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;
line-height:1.7;color:#1a1a1a}
h1{font-size:1.5rem}fieldset{border:1px solid #767676;border-radius:.5rem;margin:1rem 0}
label{display:block;margin:.5rem 0}input[type=password]{font-size:1.25rem;width:8rem}
button{font-size:1rem;padding:.6rem 1.2rem;margin-right:1rem;border-radius:.4rem}
.primary{background:#0017c1;color:#fff;border:0}.error{color:#b00020;font-weight:bold}
.note{background:#fff4d6;padding:.5rem 1rem;border-radius:.4rem}
:focus-visible{outline:3px solid #f5a300;outline-offset:2px}
"""


def render_page(title: str, body: str) -> bytes:
    page = (
        '<!doctype html><html lang="ja"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{PAGE_STYLE}</style></head>"
        f"<body><main><h1>{html.escape(title)}</h1>{body}</main></body></html>"
    )
    return page.encode("utf-8")


def render_login(provider: Provider, request_id: str, error: str = "") -> bytes:
    pending = provider.pending(request_id)
    if pending is not None and pending.sign_transaction_id:
        return render_sign(provider, request_id, pending, error)
    rows = []
    for index, person in enumerate(provider.people.values()):
        gender = {"male": "男性", "female": "女性"}.get(person.gender, "その他")
        rows.append(
            f'<label><input type="radio" name="person" value="{html.escape(person.person_id)}"'
            f"{' checked' if index == 0 else ''}> {html.escape(person.name)}"
            f"（{html.escape(person.name_kana)}）　{html.escape(person.birthdate)}生　{gender}"
            f"<br><small>{html.escape(person.address)}</small></label>"
        )
    alert = f'<p class="error" role="alert">{html.escape(error)}</p>' if error else ""
    body = (
        '<p class="note">開発用の模擬画面です。本物のマイナンバーカードは使いません。</p>'
        f"{alert}"
        f'<form method="post" action="{html.escape(provider.endpoint("auth"))}">'
        f'<input type="hidden" name="request_id" value="{html.escape(request_id)}">'
        "<fieldset><legend>カードの持ち主（テスト用の住民）</legend>"
        f"{''.join(rows)}</fieldset>"
        '<label for="pin">利用者証明用電子証明書の暗証番号（数字4桁）</label>'
        '<input id="pin" name="pin" type="password" inputmode="numeric" autocomplete="off"'
        ' pattern="[0-9]{4}" maxlength="4" aria-describedby="pin-help">'
        '<p id="pin-help"><small>どの4桁でもログインできます。「0000」はロックされたカードを再現します。</small></p>'
        '<p><button class="primary" type="submit" name="action" value="login">ログインする</button>'
        '<button type="submit" name="action" value="cancel" formnovalidate>キャンセル</button></p>'
        "</form>"
    )
    return render_page("デジタル認証アプリ（開発用）", body)


def render_sign(provider: Provider, request_id: str, pending: AuthRequest, error: str) -> bytes:
    """The signing page: what is signed (its title and hash), whose card, the signing PIN."""
    with provider.lock:
        tx = provider.sign_transactions.get(pending.sign_transaction_id)
    title = tx.title if tx is not None else ""
    digest = tx.digest_info[len(SHA256_DIGEST_INFO) :].hex() if tx is not None else ""
    rows = []
    for index, person in enumerate(provider.people.values()):
        rows.append(
            f'<label><input type="radio" name="person" value="{html.escape(person.person_id)}"'
            f"{' checked' if index == 0 else ''}> {html.escape(person.name)}"
            f"（{html.escape(person.name_kana)}）</label>"
        )
    alert = f'<p class="error" role="alert">{html.escape(error)}</p>' if error else ""
    body = (
        '<p class="note">開発用の模擬画面です。本物のマイナンバーカードは使いません。'
        "テスト用の署名用電子証明書で署名します。</p>"
        f"{alert}"
        f"<p>署名する文書: {html.escape(title) or '（名称なし）'}</p>"
        f"<p><small>文書のハッシュ値（SHA-256）: <code>{html.escape(digest)}</code></small></p>"
        f'<form method="post" action="{html.escape(provider.endpoint("auth"))}">'
        f'<input type="hidden" name="request_id" value="{html.escape(request_id)}">'
        "<fieldset><legend>カードの持ち主（テスト用の住民）</legend>"
        f"{''.join(rows)}</fieldset>"
        '<label for="pin">署名用電子証明書の暗証番号（英数字6〜16桁）</label>'
        '<input id="pin" name="pin" type="password" autocomplete="off"'
        ' maxlength="16" aria-describedby="pin-help">'
        '<p id="pin-help"><small>英数字6〜16桁なら、どれでも署名できます。</small></p>'
        '<p><button class="primary" type="submit" name="action" value="login">署名する</button>'
        '<button type="submit" name="action" value="cancel" formnovalidate>キャンセル</button></p>'
        "</form>"
    )
    return render_page("デジタル認証アプリ（開発用）: 電子署名", body)


# -- HTTP -------------------------------------------------------------------------------


class ProviderServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], provider: Provider) -> None:
        super().__init__(address, Handler)
        self.provider = provider


class Handler(BaseHTTPRequestHandler):
    server: ProviderServer
    protocol_version = "HTTP/1.1"
    server_version = "TsunaguDevOIDC/1"

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the test log endpoint records requests instead."""

    @property
    def provider(self) -> Provider:
        return self.server.provider

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def _dispatch(self, method: str) -> None:
        provider = self.provider
        parts = urllib.parse.urlsplit(self.path)
        path = parts.path
        query = dict(urllib.parse.parse_qsl(parts.query))
        length = int(self.headers.get("Content-Length") or 0)
        raw_body = self.rfile.read(length) if length else b""
        control = path.removeprefix(provider.options.issuer_path)
        if provider.options.test_control and control.startswith("/_test/"):
            self._control(method, control, raw_body)
            return
        form: dict[str, str] = {}
        if self.headers.get_content_type() == "application/x-www-form-urlencoded":
            form = dict(urllib.parse.parse_qsl(raw_body.decode("utf-8", "replace")))
        if provider.options.test_control:
            provider.record(
                {
                    "time": time.time(),
                    "method": method,
                    "path": path,
                    "query": query,
                    "form": form,
                    "headers": {
                        name: self.headers[name]
                        for name in ("Authorization", "Content-Type", "Accept", "User-Agent")
                        if self.headers[name] is not None
                    },
                }
            )
        if provider.down:
            self._json({"error": "temporarily_unavailable"}, HTTPStatus.SERVICE_UNAVAILABLE)
            return
        prefix = provider.options.issuer_path
        route = path.removeprefix(prefix) if path.startswith(prefix + "/") else None
        sign_path = provider.sign_path
        authorization = self.headers.get("Authorization", "")
        try:
            if path == sign_path and method == "POST":
                self._json(
                    provider.register_sign_transaction(authorization, raw_body),
                    HTTPStatus.CREATED,
                    no_store=True,
                )
                return
            if path.startswith(sign_path + "/") and path.endswith("/result") and method == "GET":
                transaction_id = path[len(sign_path) + 1 : -len("/result")]
                self._json(provider.sign_result(authorization, transaction_id), no_store=True)
                return
            match (method, route):
                case ("GET", "/.well-known/openid-configuration"):
                    self._json(provider.discovery())
                case ("GET", "/protocol/openid-connect/certs"):
                    self._json(provider.jwks(), content_type="application/jwk-set+json")
                case ("GET", "/protocol/openid-connect/auth"):
                    self._authorize(query)
                case ("POST", "/protocol/openid-connect/auth"):
                    self._login(form)
                case ("POST", "/protocol/openid-connect/token"):
                    self._json(provider.exchange_code(form), no_store=True)
                case (_, "/protocol/openid-connect/userinfo"):
                    self._userinfo(form if method == "POST" else {})
                case _:
                    self._json({"error": "not_found"}, HTTPStatus.NOT_FOUND)
        except ProtocolError as error:
            headers = {}
            if error.status == HTTPStatus.UNAUTHORIZED:
                scheme = "Bearer" if error.error == "invalid_token" else "private_key_jwt"
                headers["WWW-Authenticate"] = f'{scheme} error="{error.error}"'
            self._json(
                {"error": error.error, "error_description": error.description},
                error.status,
                no_store=True,
                headers=headers,
            )

    def _authorize(self, query: dict[str, str]) -> None:
        provider = self.provider
        problem = provider.check_client_and_redirect(query)
        if problem is not None:
            self._error_page(problem)
            return
        kind, value = provider.begin_authorization(query)
        if kind == "redirect":
            self._redirect(value)
        else:
            self._html(render_login(provider, value))

    def _login(self, form: dict[str, str]) -> None:
        provider = self.provider
        request_id = form.get("request_id", "")
        try:
            location = provider.finish_authorization(
                request_id, form.get("action", "login"), form.get("person", ""), form.get("pin", "")
            )
        except LookupError:
            self._error_page("ログインの有効期限が切れました。元のサイトからやり直してください。")
            return
        except ValueError as error:
            self._html(render_login(provider, request_id, str(error)), HTTPStatus.BAD_REQUEST)
            return
        self._redirect(location)

    def _userinfo(self, form: dict[str, str]) -> None:
        authorization = self.headers.get("Authorization", "")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token:
            token = form.get("access_token", "")
        if not token:
            raise ProtocolError(
                "invalid_token", "a Bearer token is required", HTTPStatus.UNAUTHORIZED
            )
        self._json(self.provider.userinfo(token.strip()), no_store=True)

    def _control(self, method: str, route: str, raw_body: bytes) -> None:
        provider = self.provider
        if method == "POST" and route == "/_test/mode":
            try:
                mode = json.loads(raw_body or b"{}").get("mode", "")
                provider.set_mode(mode)
            except (ValueError, AttributeError):
                self._json(
                    {"error": "unknown mode", "modes": list(TEST_MODES)}, HTTPStatus.BAD_REQUEST
                )
                return
            self._json({"mode": provider.mode, "down": provider.down, "jwks": provider.jwks()})
        elif method == "GET" and route == "/_test/log":
            with provider.lock:
                entries = list(provider.log)
            self._json({"requests": entries})
        else:
            self._json({"error": "not_found"}, HTTPStatus.NOT_FOUND)

    # -- responses ----------------------------------------------------------------------

    def _send(
        self,
        status: HTTPStatus,
        body: bytes,
        content_type: str,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _json(
        self,
        data: Any,
        status: HTTPStatus = HTTPStatus.OK,
        *,
        content_type: str = "application/json",
        no_store: bool = False,
        headers: dict[str, str] | None = None,
    ) -> None:
        extra = dict(headers or {})
        if no_store:
            extra.update({"Cache-Control": "no-store", "Pragma": "no-cache"})
        self._send(status, _json(data), content_type, extra)

    def _html(self, body: bytes, status: HTTPStatus = HTTPStatus.OK) -> None:
        self._send(status, body, "text/html; charset=utf-8", {"Cache-Control": "no-store"})

    def _redirect(self, location: str) -> None:
        self._send(
            HTTPStatus.FOUND, b"", "text/plain", {"Location": location, "Cache-Control": "no-store"}
        )

    def _error_page(self, message: str) -> None:
        body = f'<p class="error" role="alert">{html.escape(message)}</p>'
        self._html(
            render_page("デジタル認証アプリ（開発用）: エラー", body), HTTPStatus.BAD_REQUEST
        )


# -- command line and process helper -------------------------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--issuer-path", default="/api/realms/main")
    parser.add_argument("--client-id", default="RP00000001")
    parser.add_argument("--redirect-uri", action="append", required=True, dest="redirect_uris")
    parser.add_argument("--client-jwks-url", required=True)
    parser.add_argument("--state-file", type=Path, help="keeps the signing keys across restarts")
    parser.add_argument(
        "--test-control", action="store_true", help="serve /_test/mode and /_test/log"
    )
    parser.add_argument("--birthdate-format", choices=("iso", "compact"), default="iso")
    parser.add_argument("--gender-format", choices=("code", "word"), default="code")
    parser.add_argument("--address-format", choices=("string", "object"), default="string")
    parser.add_argument(
        "--sub-salt", default="tsunagu-dev-oidc", help="HMAC key of the pairwise sub"
    )
    parser.add_argument(
        "--jpki-dir",
        type=Path,
        help="enables signing: the test cards' CA (root.crt) and CRLs (crl/) live here",
    )
    return parser.parse_args(argv)


def make_server(args: argparse.Namespace) -> ProviderServer:
    """A bound, not yet serving, provider for parsed command-line arguments."""
    issuer_path = "/" + args.issuer_path.strip("/") if args.issuer_path.strip("/") else ""
    options = Options(
        issuer_path=issuer_path,
        client_id=args.client_id,
        redirect_uris=tuple(args.redirect_uris),
        client_jwks_url=args.client_jwks_url,
        state_file=args.state_file,
        test_control=args.test_control,
        birthdate_format=args.birthdate_format,
        gender_format=args.gender_format,
        address_format=args.address_format,
        sub_salt=args.sub_salt,
        jpki_dir=args.jpki_dir,
    )
    provider = Provider(options, load_people())
    server = ProviderServer((args.host, args.port), provider)
    host, port = server.server_address[:2]
    display_host = f"[{host!s}]" if ":" in str(host) else str(host)
    provider.base_url = f"http://{display_host}:{port}"
    return server


def main(argv: Sequence[str] | None = None) -> None:
    server = make_server(parse_args(argv))
    sys.stdout.write(f"READY {server.provider.issuer}\n")
    sys.stdout.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


class ProviderProcess:
    """A running provider process; stop it with :meth:`stop` or use it as a context manager."""

    def __init__(
        self,
        process: subprocess.Popen[str],
        issuer: str,
        stderr: deque[str],
        readers: Sequence[threading.Thread] = (),
    ) -> None:
        self.process = process
        self.issuer = issuer
        self._stderr = stderr
        self._readers = readers

    @property
    def base_url(self) -> str:
        """Scheme, host and port: where ``/_test/...`` is served."""
        parts = urllib.parse.urlsplit(self.issuer)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def stderr(self) -> str:
        return "".join(self._stderr)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        # The readers end at the pipes' end of file; closing the pipes under them would race.
        for reader in self._readers:
            reader.join(timeout=2)
        for pipe in (self.process.stdout, self.process.stderr):
            if pipe is not None:
                pipe.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def start_provider(
    *,
    redirect_uris: Sequence[str],
    client_jwks_url: str,
    client_id: str = "RP00000001",
    host: str = "127.0.0.1",
    port: int = 0,
    issuer_path: str = "/api/realms/main",
    state_file: Path | str | None = None,
    test_control: bool = False,
    birthdate_format: BirthdateFormat = "iso",
    gender_format: GenderFormat = "code",
    address_format: AddressFormat = "string",
    sub_salt: str | None = None,
    jpki_dir: Path | str | None = None,
    python: str = sys.executable,
    timeout: float = 15.0,
) -> ProviderProcess:
    """Start the provider as a separate process and wait until it listens.

    >>> with start_provider(redirect_uris=["http://127.0.0.1:8000/cb"],
    ...                     client_jwks_url="http://127.0.0.1:8000/jwks") as provider:
    ...     provider.issuer  # doctest: +SKIP
    'http://127.0.0.1:41234/api/realms/main'
    """
    command = [
        python,
        "-m",
        "tsunagu.devtools.oidc_provider",
        "--host",
        host,
        "--port",
        str(port),
        "--issuer-path",
        issuer_path,
        "--client-id",
        client_id,
        "--client-jwks-url",
        client_jwks_url,
        "--birthdate-format",
        birthdate_format,
        "--gender-format",
        gender_format,
        "--address-format",
        address_format,
    ]
    for uri in redirect_uris:
        command += ["--redirect-uri", uri]
    if state_file is not None:
        command += ["--state-file", str(state_file)]
    if test_control:
        command.append("--test-control")
    if sub_salt is not None:
        command += ["--sub-salt", sub_salt]
    if jpki_dir is not None:
        command += ["--jpki-dir", str(jpki_dir)]
    # The command is built from our own arguments, never from a shell string.
    process = subprocess.Popen(  # noqa: S603
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8"
    )
    stderr: deque[str] = deque(maxlen=200)
    lines: deque[str] = deque()
    ready = threading.Event()

    def read_stdout() -> None:
        assert process.stdout is not None  # noqa: S101 - Popen was given stdout=PIPE
        for line in process.stdout:
            lines.append(line)
            if line.startswith("READY "):
                ready.set()
        ready.set()

    def read_stderr() -> None:
        assert process.stderr is not None  # noqa: S101 - Popen was given stderr=PIPE
        for line in process.stderr:
            stderr.append(line)

    readers = [
        threading.Thread(target=read_stdout, daemon=True),
        threading.Thread(target=read_stderr, daemon=True),
    ]
    for reader in readers:
        reader.start()
    ready.wait(timeout)
    issuer = next(
        (line.split(" ", 1)[1].strip() for line in lines if line.startswith("READY ")), ""
    )
    result = ProviderProcess(process, issuer, stderr, readers)
    if not issuer:
        result.stop()
        raise RuntimeError(f"the OpenID provider did not start:\n{result.stderr}")
    return result


if __name__ == "__main__":
    main()
