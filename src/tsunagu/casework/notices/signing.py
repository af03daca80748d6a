"""The city's e-seal (eシール): PAdES signatures on notices, and their verification.

Signing uses pyHanko: a PAdES baseline signature (``ETSI.CAdES.detached``, SHA-256),
PAdES-B-T when a time-stamp authority is configured (the demo runs a local one). The key,
certificate and trust roots come from ``settings.TSUNAGU_ESEAL`` (see docs/notices.md);
with no key configured the DEMO e-seal of ``tsunagu.devtools.demo_eseal`` signs instead,
and its root is the only one trusted.

Verification is what any PDF reader does: the signed byte ranges' digest, the signature,
the chain up to a trusted root, and that the signature covers the whole file (nothing
appended after signing).
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from asn1crypto import keys as asn1_keys
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko.sign.timestamps.common_utils import set_tsp_headers
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

FIELD_NAME = "CityESeal"


class EsealNotConfigured(Exception):
    """The configured e-seal key, certificate or trust roots cannot be read."""


@dataclass(frozen=True)
class Eseal:
    signer: signers.SimpleSigner
    trust_roots: tuple[asn1_x509.Certificate, ...]
    timestamper: TimeStamper | None
    demo: bool
    subject: str


class UrllibTimeStamper(TimeStamper):
    """An RFC 3161 time-stamp authority over HTTP(S), with the standard library only."""

    def __init__(self, url: str, timeout: float = 10) -> None:
        self.url = url
        self.timeout = timeout
        super().__init__()  # type: ignore[no-untyped-call]  # pyHanko leaves it untyped

    async def async_request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        if not self.url.startswith(("https://", "http://")):
            raise EsealNotConfigured("TSUNAGU_ESEAL_TSA_URL must be an http(s) URL")
        request = urllib.request.Request(  # noqa: S310  # scheme checked above
            self.url, data=req.dump(), headers=set_tsp_headers({}), method="POST"
        )
        with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
            return tsp.TimeStampResp.load(response.read())


def _asn1_cert(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def _asn1_key(key: Any) -> asn1_keys.PrivateKeyInfo:
    return asn1_keys.PrivateKeyInfo.load(
        key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


def _signer_name(cert: asn1_x509.Certificate) -> str:
    """How staff read a signer: its common name, with the organisation if it differs."""
    names = cert.subject.native
    common = str(names.get("common_name") or "")
    org = str(names.get("organization_name") or "")
    if common and org and org not in common:
        return f"{common}（{org}）"
    return common or org or cert.subject.human_friendly


def _read_certs(path: str) -> list[asn1_x509.Certificate]:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise EsealNotConfigured(f"cannot read certificate file {path}: {exc}") from exc
    if b"-----BEGIN" in data:
        return [_asn1_cert(c) for c in x509.load_pem_x509_certificates(data)]
    return [_asn1_cert(x509.load_der_x509_certificate(data))]


def _store(*certs: asn1_x509.Certificate) -> SimpleCertificateStore:
    store: SimpleCertificateStore = SimpleCertificateStore.from_certs(certs)  # type: ignore[no-untyped-call]  # untyped
    return store


def _load_configured(
    key: str, cert: str, pkcs12: str, secret: bytes | None, chain: tuple[str, ...]
) -> signers.SimpleSigner | None:
    # pyHanko's loaders are untyped; they log and return None on a bad file or passphrase.
    if pkcs12:
        return signers.SimpleSigner.load_pkcs12(  # type: ignore[no-untyped-call, no-any-return]
            pkcs12, ca_chain_files=chain, passphrase=secret
        )
    return signers.SimpleSigner.load(  # type: ignore[no-untyped-call, no-any-return]
        key, cert, ca_chain_files=chain, key_passphrase=secret
    )


@functools.lru_cache(maxsize=4)
def _load(config: tuple[Any, ...]) -> Eseal:
    key, cert, pkcs12, passphrase, chain, roots, tsa_url, demo_dir, city = config
    timestamper: TimeStamper | None = UrllibTimeStamper(tsa_url) if tsa_url else None
    if not (key or pkcs12):
        from tsunagu.devtools.demo_eseal import demo_eseal

        demo = demo_eseal(Path(demo_dir), city)
        root = _asn1_cert(demo.root.cert)
        signer = signers.SimpleSigner(
            signing_cert=_asn1_cert(demo.eseal.cert),
            signing_key=_asn1_key(demo.eseal.key),
            cert_registry=_store(root),
        )
        if timestamper is None:
            timestamper = DummyTimeStamper(
                tsa_cert=_asn1_cert(demo.tsa.cert),
                tsa_key=_asn1_key(demo.tsa.key),
                certs_to_embed=_store(root),
            )
        return Eseal(
            signer=signer,
            trust_roots=(root,),
            timestamper=timestamper,
            demo=True,
            subject=_signer_name(_asn1_cert(demo.eseal.cert)),
        )
    secret = passphrase.encode("utf-8") if passphrase else None
    try:
        loaded = _load_configured(key, cert, pkcs12, secret, chain)
    except (OSError, ValueError) as exc:
        raise EsealNotConfigured(f"cannot load the e-seal key and certificate: {exc}") from exc
    if loaded is None or loaded.signing_cert is None:
        raise EsealNotConfigured("cannot load the e-seal key and certificate (see the log)")
    trust = tuple(c for path in roots for c in _read_certs(path))
    if not trust:
        raise EsealNotConfigured("TSUNAGU_ESEAL_TRUST_ROOTS names no root certificate")
    return Eseal(
        signer=loaded,
        trust_roots=trust,
        timestamper=timestamper,
        demo=False,
        subject=_signer_name(loaded.signing_cert),
    )


def eseal_current() -> Eseal:
    """The configured e-seal (read once per configuration), or the demo one.

    >>> eseal_current().demo  # doctest: +SKIP
    True
    """
    c = settings.TSUNAGU_ESEAL
    return _load(
        (
            c["key"],
            c["cert"],
            c["pkcs12"],
            c["passphrase"],
            tuple(c["chain"]),
            tuple(c["trust_roots"]),
            c["tsa_url"],
            str(c["demo_dir"]),
            settings.TSUNAGU_CITY["name_ja"],
        )
    )


def pdf_sign(pdf: bytes, *, reason: str, location: str) -> bytes:
    """``pdf`` with the city's PAdES signature over the whole file.

    >>> pdf_sign(pdf, reason="決定通知書", location="ひたちなか市")[:5]  # doctest: +SKIP
    b'%PDF-'
    """
    eseal = eseal_current()
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason,
        location=location,
        # Certify: a reader shows the document as issued by the city and unchanged since.
        certify=True,
        docmdp_permissions=fields.MDPPerm.NO_CHANGES,
    )
    out = signers.sign_pdf(writer, meta, signer=eseal.signer, timestamper=eseal.timestamper)
    data: bytes = out.getvalue()
    return data


@dataclass(frozen=True)
class NoticeVerification:
    """What verifying a notice's signature found; ``ok`` only if every check passed."""

    ok: bool
    signed: bool = False
    intact: bool = False
    valid: bool = False
    trusted: bool = False
    whole_file: bool = False
    timestamped: bool = False
    signer: str = ""
    signed_at: dt.datetime | None = None
    problems: tuple[str, ...] = field(default_factory=tuple)


def notice_verify(pdf_bytes: bytes) -> NoticeVerification:
    """Verify the e-seal signature of a notice against the configured trust roots.

    Never raises on bad input: a broken or unsigned file is reported as not ``ok``.

    >>> notice_verify(signed_pdf).ok  # doctest: +SKIP
    True
    """
    try:
        reader = PdfFileReader(io.BytesIO(pdf_bytes), strict=False)
        embedded = reader.embedded_signatures
    except Exception:  # any parse failure means "not a valid notice"
        return NoticeVerification(ok=False, problems=("PDFとして読み取れません。",))
    if not embedded:
        return NoticeVerification(ok=False, problems=("電子署名がありません。",))
    context = ValidationContext(
        trust_roots=list(eseal_current().trust_roots),
        allow_fetching=False,
        revocation_mode="soft-fail",
    )
    try:
        status = validate_pdf_signature(
            embedded[0], signer_validation_context=context, ts_validation_context=context
        )
    except Exception:  # a mangled signature cannot even be parsed
        return NoticeVerification(ok=False, signed=True, problems=("署名を検証できません。",))
    whole = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    problems: list[str] = []
    if not status.intact:
        problems.append("署名の後に文書が変更されています。")
    if not status.valid:
        problems.append("署名の値が正しくありません。")
    if not status.trusted:
        problems.append("署名した証明書が信頼できる発行元のものではありません。")
    if not whole:
        problems.append("署名の後に内容が追加されています。")
    timestamp = status.timestamp_validity
    signed_at = timestamp.timestamp if timestamp is not None else status.signer_reported_dt
    ok = status.bottom_line and whole and not problems
    return NoticeVerification(
        ok=ok,
        signed=True,
        intact=bool(status.intact),
        valid=bool(status.valid),
        trusted=bool(status.trusted),
        whole_file=whole,
        timestamped=timestamp is not None and bool(timestamp.valid and timestamp.trusted),
        signer=_signer_name(status.signing_cert),
        signed_at=signed_at,
        problems=tuple(problems),
    )
