"""Electronic signatures of applications (JPKI 署名用電子証明書).

A procedure whose assurance is ``card_signature`` is signed by the resident before it is
accepted: the canonical bytes of the application (``canonical.py``) are signed with the
signing certificate of their My Number Card, through a signing plugin; the platform then
verifies the signature itself (``tsunagu.core.jpki``) against the configured trust
anchors and revocation lists, and compares the certificate's 4情報 with the applicant.

Plugins register in ``registry``; the ``demo`` plugin signs with a software card (see
``tsunagu.devtools.demo_jpki``) and is available only with the demo login.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re
from abc import ABC
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from cryptography import x509
from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from tsunagu.accounts.models import Resident
from tsunagu.accounts.oidc.sign import SignFailed, sign_finish, sign_start
from tsunagu.applications import engine
from tsunagu.applications.canonical import application_canonical_bytes
from tsunagu.applications.models import Draft
from tsunagu.applications.selectors import draft_attachments
from tsunagu.core import jpki
from tsunagu.procedures.schema import Procedure


@dataclass(frozen=True)
class SignedData:
    """What a signing plugin returns: the signature and the certificates to verify it."""

    data_sha256: str
    signature: bytes
    certificate_der: bytes
    intermediates_der: list[bytes] = field(default_factory=list)

    def to_session(self) -> dict[str, Any]:
        b64 = base64.b64encode
        return {
            "data_sha256": self.data_sha256,
            "signature": b64(self.signature).decode(),
            "certificate": b64(self.certificate_der).decode(),
            "intermediates": [b64(d).decode() for d in self.intermediates_der],
        }

    @classmethod
    def from_session(cls, data: Any) -> SignedData | None:
        try:
            return cls(
                data_sha256=str(data["data_sha256"]),
                signature=base64.b64decode(data["signature"], validate=True),
                certificate_der=base64.b64decode(data["certificate"], validate=True),
                intermediates_der=[
                    base64.b64decode(d, validate=True) for d in data["intermediates"]
                ],
            )
        except (KeyError, TypeError, ValueError):
            return None


class SigningError(Exception):
    """The signing could not be done; ``message`` is shown to the resident."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# A redirect signing flow failed (``reason``, ``draft_id``, ``detail``): the one exception
# of the plugin interface, raised as it is by the デジタル認証アプリ flow too.
SigningFailed = SignFailed


@dataclass(frozen=True)
class SignCompletion:
    """A finished redirect signing flow: which draft, and what the provider returned."""

    draft_id: str
    signed: SignedData


class SigningPlugin(ABC):
    id: ClassVar[str]
    # Whether the resident types the signing PIN on our page (the demo); a real card signs
    # in the デジタル認証アプリ, which asks for the PIN itself.
    asks_pin: ClassVar[bool] = False
    # Whether signing leaves our site (``begin`` redirects, ``finish`` takes the callback)
    # instead of one ``sign`` call.
    redirects: ClassVar[bool] = False

    def enabled(self) -> bool:
        return True

    def sign(self, *, resident: Resident, data: bytes, pin: str) -> SignedData:
        """Sign ``data`` with the resident's signing certificate (in-process plugins)."""
        raise SigningError(_("この署名の方法では、この操作はできません。"))

    def begin(self, *, request: HttpRequest, draft: Draft, data: bytes, title: str) -> str:
        """Start a redirect flow for ``data``; return the URL to send the resident to."""
        raise SigningFailed("not_supported", draft_id=str(draft.pk))

    def finish(self, *, request: HttpRequest, resident: Resident) -> SignCompletion:
        """Take the provider's callback; raise ``SigningFailed``."""
        raise SigningFailed("not_supported")

    def trust(self) -> tuple[list[x509.Certificate], list[x509.CertificateRevocationList]]:
        """Extra trust anchors and CRLs this plugin brings (the demo CA); none by default."""
        return [], []


class Registry:
    def __init__(self) -> None:
        self._plugins: dict[str, SigningPlugin] = {}

    def register(self, plugin_id: str) -> Callable[[type[SigningPlugin]], type[SigningPlugin]]:
        def wrap(cls: type[SigningPlugin]) -> type[SigningPlugin]:
            cls.id = plugin_id
            self._plugins[plugin_id] = cls()
            return cls

        return wrap

    def active(self) -> SigningPlugin | None:
        plugin = self._plugins.get(settings.TSUNAGU_SIGNING_PLUGIN)
        return plugin if plugin is not None and plugin.enabled() else None


registry = Registry()

PIN_PATTERN = re.compile(r"^[A-Za-z0-9]{6,16}$")


@registry.register("demo")
class DemoSigning(SigningPlugin):
    """Signs with the demo resident's software card (demo login only)."""

    asks_pin = True

    def enabled(self) -> bool:
        return bool(settings.TSUNAGU_DEMO_AUTH)

    def folder(self) -> Path:
        return Path(settings.VAR_DIR) / "demo-jpki"

    def sign(self, *, resident: Resident, data: bytes, pin: str) -> SignedData:
        from tsunagu.devtools.demo_jpki import demo_ca, demo_card, jpki_date_of_birth

        if not PIN_PATTERN.match(pin):
            raise SigningError(
                _("署名用電子証明書の暗証番号は、英字（大文字）と数字を組み合わせた6〜16桁です。")
            )
        name = f"{resident.name_sei}　{resident.name_mei}".strip()
        address = f"{resident.address}{resident.address_building}"
        personal = {
            "name": name,
            "name_substitute": name,
            "gender": {"male": "1", "female": "2"}.get(resident.gender, "9"),
            "date_of_birth": jpki_date_of_birth(resident.birth_date or dt.date(1990, 1, 1)),
            "address": address,
            "address_substitute": address,
        }
        card = demo_card(
            self.folder(), card_id=f"{resident.provider}-{resident.subject}", personal=personal
        )
        _root, issuing = demo_ca(self.folder())
        return SignedData(
            data_sha256=hashlib.sha256(data).hexdigest(),
            signature=card.sign(data),
            certificate_der=card.der,
            intermediates_der=[issuing.der],
        )

    def trust(self) -> tuple[list[x509.Certificate], list[x509.CertificateRevocationList]]:
        from tsunagu.devtools.demo_jpki import demo_ca, demo_crls

        root, _issuing = demo_ca(self.folder())
        return [root.cert], demo_crls(self.folder())


@registry.register("digital-auth-app")
class DigitalAuthAppSigning(SigningPlugin):
    """Signs through the デジタル認証アプリ (``tsunagu.accounts.oidc.sign``): the resident
    signs in the app with the card's 署名用電子証明書 and its PIN; we get the signature and
    the certificate back and verify them ourselves, like any other.

    Configured by the ``digital-auth-app`` provider's settings (``TSUNAGU_DAA_*``, with
    ``TSUNAGU_DAA_SIGN_REDIRECT_URI``); chosen with ``TSUNAGU_SIGNING_PLUGIN=digital-auth-app``.
    """

    redirects = True

    def _provider(self) -> Any:
        from tsunagu.accounts.oidc.plugin import OIDCPlugin
        from tsunagu.accounts.plugins import registry as auth_registry

        # The provider's plugin object, whether or not it is offered for login here.
        plugin = auth_registry._plugins.get("digital-auth-app")
        return plugin if isinstance(plugin, OIDCPlugin) else None

    def enabled(self) -> bool:
        provider = self._provider()
        if provider is None:
            return False
        config = provider.config()
        return bool(config.client_id and config.issuer) and not config.problems()

    def begin(self, *, request: HttpRequest, draft: Draft, data: bytes, title: str) -> str:
        return sign_start(
            plugin=self._provider(),
            request=request,
            digest=hashlib.sha256(data).digest(),
            draft_id=str(draft.pk),
            redirect_uri=request.build_absolute_uri(
                reverse("applications:sign_callback", kwargs={"plugin_id": self.id})
            ),
            title=title,
        )

    def finish(self, *, request: HttpRequest, resident: Resident) -> SignCompletion:
        result = sign_finish(plugin=self._provider(), request=request)
        # A resident logged in through this provider must sign as themselves: the pairwise
        # sub of the signer is the one of the login (other logins rely on the 4情報 check).
        if resident.provider == "digital-auth-app" and result.subject != resident.subject:
            raise SigningFailed("signer_not_resident", draft_id=result.draft_id)
        return SignCompletion(
            draft_id=result.draft_id,
            signed=SignedData(
                data_sha256=result.digest.hex(),
                signature=result.signature,
                certificate_der=result.certificate_der,
                intermediates_der=result.intermediates_der,
            ),
        )


def trust_store() -> tuple[list[x509.Certificate], list[x509.CertificateRevocationList]]:
    """The configured JPKI trust anchors and CRLs, plus those of the active plugin."""
    anchors = jpki.load_trust_anchors(settings.TSUNAGU_JPKI_TRUST_ANCHORS)
    crl_dir = Path(settings.TSUNAGU_JPKI_CRL_DIR) if settings.TSUNAGU_JPKI_CRL_DIR else None
    crls = jpki.crl_load_dir(crl_dir) if crl_dir is not None and crl_dir.is_dir() else []
    plugin = registry.active()
    if plugin is not None:
        extra_anchors, extra_crls = plugin.trust()
        anchors += extra_anchors
        crls += extra_crls
    return anchors, crls


def signed_bytes(*, proc: Procedure, draft: Draft, answers: dict[str, Any] | None = None) -> bytes:
    """The canonical bytes of the application the draft would become."""
    return application_canonical_bytes(
        procedure_code=proc.code,
        procedure_version=proc.version,
        answers=answers if answers is not None else engine.prune(proc, draft.answers),
        attachments=[{"slot": a.slot, "sha256": a.sha256} for a in draft_attachments(draft=draft)],
    )


def signature_verify(*, data: bytes, signed: SignedData) -> jpki.SignatureVerification:
    anchors, crls = trust_store()
    return jpki.verify_signature(
        data=data,
        signature=signed.signature,
        certificate_der=signed.certificate_der,
        intermediates=signed.intermediates_der,
        trust_anchors=anchors,
        crls=crls,
        at=dt.datetime.now(dt.UTC),
    )


def signature_check(
    *,
    data: bytes,
    signed: SignedData | None,
    proc: Procedure,
    answers: dict[str, Any],
    resident: Resident,
    changed: str,
) -> tuple[str, dict[str, Any] | None, list[dict[str, str]] | None]:
    """Check a signature over ``data`` (the canonical bytes of what is submitted):
    (problem, verification as JSON, mismatches with the applicant). ``problem`` is empty
    when the signature is valid, else a message for the resident; ``changed`` is the one
    for content that changed after it was signed."""
    if signed is None:
        return _("この手続きは、マイナンバーカードでの電子署名が必要です。"), None, None
    if hashlib.sha256(data).hexdigest() != signed.data_sha256:
        return changed, None, None
    verification = signature_verify(data=data, signed=signed)
    if not verification.valid:
        reasons = "".join(str(r.message) for r in verification.reasons)
        return _("電子署名を確認できませんでした。%(reasons)s") % {"reasons": reasons}, None, None
    mismatches = applicant_mismatches(
        verification=verification, proc=proc, answers=answers, resident=resident
    )
    return "", verification.as_json(), mismatches


def applicant_mismatches(
    *,
    verification: jpki.SignatureVerification,
    proc: Procedure,
    answers: dict[str, Any],
    resident: Resident,
) -> list[dict[str, str]]:
    """Where the certificate's 4情報 differ from the applicant's (flagged to staff)."""
    wanted: dict[str, Any] = {}
    for f in engine.iter_fields(proc):
        key = (f.prefill or "").removeprefix("profile.")
        if (
            key in {"name", "birth_date", "address", "gender"}
            and key not in wanted
            and f.id in answers
        ):
            wanted[key] = answers[f.id]
    name = wanted.get("name")
    address = wanted.get("address")
    mismatches = jpki.compare_with_applicant(
        verification,
        name=f"{name['sei']}{name['mei']}" if isinstance(name, dict) else resident.full_name,
        birth_date=wanted.get("birth_date") or resident.birth_date,
        address=f"{address.get('line1', '')}{address.get('line2', '')}"
        if isinstance(address, dict)
        else f"{resident.address}{resident.address_building}",
        gender=wanted.get("gender") or resident.gender,
    )
    return [
        {
            "field": m.field,
            "certificate": m.certificate_value,
            "applicant": m.applicant_value,
            "message": str(m.message),
        }
        for m in mismatches
    ]
