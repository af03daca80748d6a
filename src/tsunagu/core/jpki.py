"""Verification of JPKI signatures (署名用電子証明書 of the My Number Card).

A pure library (no models, no network): given the signed bytes, the signature, the
signer's certificate and the configured trust anchors and CRLs, ``verify_signature``
answers whether the signature is valid, why not, and who signed (the 基本4情報 read from
the certificate). ``compare_with_applicant`` then flags differences between those 4情報
and the applicant's answers, for staff to look at.

What is checked (every failure becomes a ``Reason``; nothing raises for bad input):

- RSA PKCS#1 v1.5 with SHA-256 over exactly ``data``; the key is RSA of 2048 bits or more;
- the end-entity certificate is for signing (keyUsage digitalSignature or
  nonRepudiation) and carries the JPKI signing policy ``1.2.392.200149.8.5.1.1``;
- a chain from the certificate through the given intermediates to one of the trust
  anchors: each certificate signed by its issuer with matching names, each issuer a CA
  (basicConstraints, pathLen, keyCertSign), every certificate valid at ``at``, and no
  certificate with a critical extension this module does not understand;
- revocation of every certificate below the anchor against the configured CRLs: a CRL
  counts only if it is signed by the issuing CA and not past its nextUpdate at ``at``.
  No usable CRL for an issuer is a failure (``crl_unavailable``), never a silent pass.
  The newest usable CRL decides; any entry for the serial means revoked.

Trust anchors and CRLs are configuration: the J-LIS 署名用 root certificates (e.g.
``signca03.cer``) are loaded with ``load_trust_anchors``; a scheduled task copies the
J-LIS CRL (and ARL) files into a directory read by ``crl_load_dir``.

The 4情報 sit in subjectAltName ``otherName`` entries under ``1.2.392.200149.8.5.5``:
``.1`` 氏名, ``.2`` 氏名の代替文字, ``.3`` 性別, ``.4`` 生年月日 (``EYYYYMMDD``: one era digit,
then the Gregorian date), ``.5`` 住所, ``.6`` 住所の代替文字.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import ObjectIdentifier
from django.utils.translation import gettext_lazy as _

from tsunagu.core import japanese

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

PERSONAL_DATA_ARC = "1.2.392.200149.8.5.5"
OID_NAME = ObjectIdentifier(PERSONAL_DATA_ARC + ".1")
OID_NAME_SUBSTITUTE = ObjectIdentifier(PERSONAL_DATA_ARC + ".2")
OID_GENDER = ObjectIdentifier(PERSONAL_DATA_ARC + ".3")
OID_DATE_OF_BIRTH = ObjectIdentifier(PERSONAL_DATA_ARC + ".4")
OID_ADDRESS = ObjectIdentifier(PERSONAL_DATA_ARC + ".5")
OID_ADDRESS_SUBSTITUTE = ObjectIdentifier(PERSONAL_DATA_ARC + ".6")
POLICY_SIGN = ObjectIdentifier("1.2.392.200149.8.5.1.1")
MIN_RSA_BITS = 2048
_MAX_CHAIN = 8

MESSAGES: dict[str, StrOrPromise] = {
    "malformed_certificate": _("署名に使われた電子証明書を読み取れませんでした。"),
    "malformed_intermediate": _("認証局の証明書の一つを読み取れませんでした。"),
    "key_not_rsa": _("電子証明書の鍵の種類に対応していません（RSAの鍵が必要です）。"),
    "key_too_small": _("電子証明書の鍵が短すぎます（2048ビット以上が必要です）。"),
    "bad_signature": _(
        "署名が申請内容と一致しません。申請内容が変わったか、別の鍵で署名された可能性があります。"
    ),
    "key_usage": _("この電子証明書は署名に使うことができません。"),
    "wrong_policy": _("この電子証明書はマイナンバーカードの署名用電子証明書ではありません。"),
    "signer_data_missing": _("電子証明書から氏名などの基本4情報を読み取れませんでした。"),
    "expired": _("電子証明書の有効期限が切れています。"),
    "not_yet_valid": _("電子証明書の有効期間がまだ始まっていません。"),
    "revoked": _("電子証明書は失効しています。"),
    "untrusted": _("電子証明書の発行元を、信頼する認証局までたどれませんでした。"),
    "ca_invalid": _("電子証明書の発行元が、認証局として正しくありません。"),
    "ca_not_valid_now": _("認証局の証明書が有効期間の外です。"),
    "ca_revoked": _("認証局の証明書は失効しています。"),
    "crl_unavailable": _(
        "失効情報（CRL）がないため、電子証明書が失効していないかを確認できませんでした。"
    ),
    "crl_expired": _(
        "失効情報（CRL）の有効期限が切れているため、電子証明書が失効していないかを確認できませんでした。"
    ),
    "unknown_critical_extension": _(
        "電子証明書に、内容を確認できない必須の拡張項目が含まれています。"
    ),
    "internal_error": _("署名の確認中に予期しない問題が起きました。"),
}

MISMATCH_MESSAGES: dict[str, StrOrPromise] = {
    "name": _("電子証明書の氏名と、申請者の氏名が一致しません。"),
    "birth_date": _("電子証明書の生年月日と、申請者の生年月日が一致しません。"),
    "address": _("電子証明書の住所と、申請者の住所が一致しません。"),
    "gender": _("電子証明書の性別と、申請者の性別が一致しません。"),
}


@dataclass(frozen=True)
class Reason:
    """Why a signature is not valid: a stable ``code`` and a message for staff."""

    code: str
    message: StrOrPromise

    @classmethod
    def of(cls, code: str) -> Reason:
        return cls(code, MESSAGES[code])


@dataclass(frozen=True)
class Signer:
    """The 基本4情報 in the certificate, as written there (``birth_date`` parsed)."""

    name: str = ""
    name_substitute: str = ""
    gender: str = ""
    birth_date: date | None = None
    birth_date_raw: str = ""
    address: str = ""
    address_substitute: str = ""


@dataclass(frozen=True)
class CertificateInfo:
    """What staff need to see of the signer's certificate."""

    subject: str
    issuer: str
    serial_number: int
    not_before: datetime
    not_after: datetime
    sha256_fingerprint: str


@dataclass
class SignatureVerification:
    """The outcome of ``verify_signature``; ``valid`` is True only without any reason."""

    valid: bool
    reasons: list[Reason]
    signer: Signer | None
    certificate: CertificateInfo | None
    chain: list[str]
    checked_at: datetime
    policies: list[str] = field(default_factory=list)

    @property
    def reason_codes(self) -> list[str]:
        return [r.code for r in self.reasons]

    def as_json(self) -> dict[str, Any]:
        """A JSON-ready dict to store with the application (messages in the active language).

        Example: ``verify_signature(...).as_json()["valid"] is True``.
        """
        signer = self.signer
        cert = self.certificate
        return {
            "valid": self.valid,
            "reasons": [{"code": r.code, "message": str(r.message)} for r in self.reasons],
            "signer": None
            if signer is None
            else {
                "name": signer.name,
                "name_substitute": signer.name_substitute,
                "gender": signer.gender,
                "birth_date": signer.birth_date.isoformat() if signer.birth_date else None,
                "birth_date_raw": signer.birth_date_raw,
                "address": signer.address,
                "address_substitute": signer.address_substitute,
            },
            "certificate": None
            if cert is None
            else {
                "subject": cert.subject,
                "issuer": cert.issuer,
                # A string: serial numbers can exceed what JSON readers hold exactly.
                "serial_number": format(cert.serial_number, "X"),
                "not_before": cert.not_before.isoformat(),
                "not_after": cert.not_after.isoformat(),
                "sha256_fingerprint": cert.sha256_fingerprint,
            },
            "chain": list(self.chain),
            "policies": list(self.policies),
            "checked_at": self.checked_at.isoformat(),
        }


# ---------------------------------------------------------------- DER strings

_STRING_TAGS = {
    0x0C: "utf-8",  # UTF8String
    0x12: "ascii",  # NumericString
    0x13: "ascii",  # PrintableString
    0x14: "latin-1",  # TeletexString (in practice Latin-1)
    0x16: "ascii",  # IA5String
    0x1A: "ascii",  # VisibleString
    0x1C: "utf-32-be",  # UniversalString
    0x1E: "utf-16-be",  # BMPString
}


def _der_tlv(data: bytes) -> tuple[int, bytes]:
    """One DER tag and its content; ``ValueError`` unless ``data`` is exactly one TLV."""
    if len(data) < 2:
        raise ValueError("too short")
    tag, first = data[0], data[1]
    if first < 0x80:
        length, start = first, 2
    else:
        count = first & 0x7F
        if count == 0 or count > 4 or len(data) < 2 + count:
            raise ValueError("bad length")
        length, start = int.from_bytes(data[2 : 2 + count], "big"), 2 + count
    if start + length != len(data):
        raise ValueError("length does not match")
    return tag, data[start:]


def decode_der_string(data: bytes) -> str:
    """The text of a DER string value (UTF8String, PrintableString, BMPString, ...).

    An explicit ``[0]`` wrapper is unwrapped. Raises ``ValueError`` for anything else.
    Example: ``decode_der_string(b"\\x0c\\x03abc") == "abc"``.
    """
    tag, content = _der_tlv(data)
    if tag == 0xA0:  # [0] EXPLICIT around the string, as some encoders write it
        tag, content = _der_tlv(content)
    encoding = _STRING_TAGS.get(tag)
    if encoding is None:
        raise ValueError(f"not a string type: tag 0x{tag:02x}")
    return content.decode(encoding)


def parse_date_of_birth(raw: str) -> date | None:
    """The date of a JPKI ``dateOfBirth`` (``EYYYYMMDD``, also plain ``YYYYMMDD``).

    Example: ``parse_date_of_birth("419910514") == date(1991, 5, 14)``.
    """
    digits = unicodedata.normalize("NFKC", raw).strip()
    if not digits.isascii() or not digits.isdigit() or len(digits) not in (8, 9):
        return None
    ymd = digits[-8:]
    try:
        return date(int(ymd[:4]), int(ymd[4:6]), int(ymd[6:]))
    except ValueError:
        return None


def read_signer(cert: x509.Certificate) -> Signer | None:
    """The 4情報 of a JPKI signing certificate, or None if it carries no 氏名.

    Values that cannot be decoded are left empty.
    Example: ``read_signer(cert).name == "常陸　花子"``.
    """
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (x509.ExtensionNotFound, ValueError):
        return None
    values: dict[ObjectIdentifier, str] = {}
    for other in san.get_values_for_type(x509.OtherName):
        if other.type_id in values:
            continue
        try:
            values[other.type_id] = decode_der_string(other.value)
        except ValueError:
            continue
    if not values.get(OID_NAME):
        return None
    raw_birth = values.get(OID_DATE_OF_BIRTH, "")
    return Signer(
        name=values.get(OID_NAME, ""),
        name_substitute=values.get(OID_NAME_SUBSTITUTE, ""),
        gender=values.get(OID_GENDER, ""),
        birth_date=parse_date_of_birth(raw_birth),
        birth_date_raw=raw_birth,
        address=values.get(OID_ADDRESS, ""),
        address_substitute=values.get(OID_ADDRESS_SUBSTITUTE, ""),
    )


# ---------------------------------------------------------------- configuration


def _load_der_or_pem(path: Path, pem_marker: bytes) -> tuple[bytes, bool]:
    data = path.read_bytes()
    return data, pem_marker in data


def load_trust_anchors(paths: Iterable[str | Path]) -> list[x509.Certificate]:
    """The certificates in the given PEM or DER files (a PEM file may hold several).

    Raises ``ValueError`` for a file that is not a certificate: configuration errors
    should stop the start-up, not weaken verification.
    Example: ``load_trust_anchors(["/etc/tsunagu/jpki/signca03.cer"])``.
    """
    anchors: list[x509.Certificate] = []
    for p in paths:
        data, is_pem = _load_der_or_pem(Path(p), b"-----BEGIN CERTIFICATE-----")
        if is_pem:
            anchors.extend(x509.load_pem_x509_certificates(data))
        else:
            anchors.append(x509.load_der_x509_certificate(data))
    return anchors


def load_crls(paths: Iterable[str | Path]) -> list[x509.CertificateRevocationList]:
    """The CRLs in the given PEM or DER files. Raises ``ValueError`` for other files.

    Example: ``load_crls(["/var/lib/tsunagu/crl/sign.crl"])``.
    """
    crls: list[x509.CertificateRevocationList] = []
    for p in paths:
        data, is_pem = _load_der_or_pem(Path(p), b"-----BEGIN X509 CRL-----")
        if is_pem:
            crls.append(x509.load_pem_x509_crl(data))
        else:
            crls.append(x509.load_der_x509_crl(data))
    return crls


def crl_load_dir(path: str | Path) -> list[x509.CertificateRevocationList]:
    """Every CRL file (``*.crl``, ``*.pem``, ``*.der``) in a directory, sorted by name.

    A scheduled task copies the current J-LIS CRL and ARL into this directory; files
    that are not CRLs raise ``ValueError`` (a broken download must be noticed).
    Example: ``crl_load_dir("/var/lib/tsunagu/crl")``.
    """
    files = sorted(
        f
        for f in Path(path).iterdir()
        if f.is_file() and f.suffix.lower() in {".crl", ".pem", ".der"}
    )
    return load_crls(files)


# ---------------------------------------------------------------- verification


def _valid_at(cert: x509.Certificate, at: datetime) -> str | None:
    if at < cert.not_valid_before_utc:
        return "not_yet_valid"
    if at > cert.not_valid_after_utc:
        return "expired"
    return None


def _is_issuer_ca(issuer: x509.Certificate, below_cas: int) -> bool:
    """True if ``issuer`` may issue a certificate with ``below_cas`` CAs under it."""
    try:
        bc = issuer.extensions.get_extension_for_class(x509.BasicConstraints).value
    except x509.ExtensionNotFound:
        return False
    if not bc.ca or (bc.path_length is not None and below_cas > bc.path_length):
        return False
    try:
        ku = issuer.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return True
    return ku.key_cert_sign


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _build_chain(
    leaf: x509.Certificate,
    intermediates: list[x509.Certificate],
    anchors: list[x509.Certificate],
) -> tuple[list[x509.Certificate], bool]:
    """The path from ``leaf`` upwards, and whether it ends at an anchor.

    Candidates are matched by name and checked by signature, so a certificate that only
    claims an issuer's name is not accepted.
    """
    chain = [leaf]
    current = leaf
    unused = list(intermediates)
    while len(chain) <= _MAX_CHAIN:
        for anchor in anchors:
            if _issued_by(current, anchor):
                chain.append(anchor)
                return chain, True
        for cand in unused:
            if cand != current and _issued_by(current, cand):
                chain.append(cand)
                unused.remove(cand)
                current = cand
                break
        else:
            return chain, False
    return chain, False


def _revocation(
    cert: x509.Certificate,
    issuer: x509.Certificate,
    crls: list[x509.CertificateRevocationList],
    at: datetime,
) -> str | None:
    """None if ``cert`` is shown as not revoked by a usable CRL of ``issuer``, else a code."""
    issuer_key = issuer.public_key()
    signed = []
    for crl in crls:
        if crl.issuer != issuer.subject:
            continue
        try:
            if crl.is_signature_valid(issuer_key):  # type: ignore[arg-type]  # RSA/EC keys only; others raise
                signed.append(crl)
        except (TypeError, ValueError):
            continue
    if not signed:
        return "crl_unavailable"
    # A CRL issued after ``at`` still counts: newer revocation news is better news, and a
    # server clock slightly behind J-LIS' must not make a fresh CRL unusable.
    current = [c for c in signed if c.next_update_utc is not None and at <= c.next_update_utc]
    if not current:
        return "crl_expired"
    newest = max(current, key=lambda c: c.last_update_utc)
    if newest.get_revoked_certificate_by_serial_number(cert.serial_number) is not None:
        return "revoked"
    return None


def _check_end_entity(
    cert: x509.Certificate, data: bytes, signature: bytes, reasons: list[Reason]
) -> list[str]:
    """Key, signature, keyUsage and policy checks; returns the certificate's policy OIDs."""
    key = cert.public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        reasons.append(Reason.of("key_not_rsa"))
    elif key.key_size < MIN_RSA_BITS:
        reasons.append(Reason.of("key_too_small"))
    else:
        try:
            key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            reasons.append(Reason.of("bad_signature"))
    try:
        ku = cert.extensions.get_extension_for_class(x509.KeyUsage).value
        usable = ku.digital_signature or ku.content_commitment
    except x509.ExtensionNotFound:
        usable = False
    if not usable:
        reasons.append(Reason.of("key_usage"))
    try:
        cp = cert.extensions.get_extension_for_class(x509.CertificatePolicies).value
        policies = [p.policy_identifier.dotted_string for p in cp]
    except x509.ExtensionNotFound:
        policies = []
    if POLICY_SIGN.dotted_string not in policies:
        reasons.append(Reason.of("wrong_policy"))
    return policies


def _verify(
    data: bytes,
    signature: bytes,
    certificate_der: bytes,
    intermediates: list[bytes],
    trust_anchors: list[x509.Certificate],
    crls: list[x509.CertificateRevocationList],
    at: datetime,
    result: SignatureVerification,
) -> None:
    reasons = result.reasons
    try:
        leaf = x509.load_der_x509_certificate(certificate_der)
        # Parsing is lazy: touch the parts used below so a broken one fails here.
        leaf.extensions  # noqa: B018
        leaf.public_key()
    except (ValueError, TypeError):
        reasons.append(Reason.of("malformed_certificate"))
        return
    result.certificate = CertificateInfo(
        subject=leaf.subject.rfc4514_string(),
        issuer=leaf.issuer.rfc4514_string(),
        serial_number=leaf.serial_number,
        not_before=leaf.not_valid_before_utc,
        not_after=leaf.not_valid_after_utc,
        sha256_fingerprint=leaf.fingerprint(hashes.SHA256()).hex(),
    )
    result.signer = read_signer(leaf)
    if result.signer is None:
        reasons.append(Reason.of("signer_data_missing"))
    result.policies = _check_end_entity(leaf, data, signature, reasons)
    if code := _valid_at(leaf, at):
        reasons.append(Reason.of(code))

    parsed: list[x509.Certificate] = []
    for der in intermediates:
        try:
            parsed.append(x509.load_der_x509_certificate(der))
        except ValueError:
            reasons.append(Reason.of("malformed_intermediate"))
    chain, anchored = _build_chain(leaf, parsed, trust_anchors)
    result.chain = [c.subject.rfc4514_string() for c in chain]
    if not anchored:
        reasons.append(Reason.of("untrusted"))
        return
    # RFC 5280 §4.2: a certificate with a critical extension we do not understand is refused.
    if any(
        e.critical and isinstance(e.value, x509.UnrecognizedExtension)
        for c in chain
        for e in c.extensions
    ):
        reasons.append(Reason.of("unknown_critical_extension"))
    for below_cas, issuer in enumerate(chain[1:]):
        if not _is_issuer_ca(issuer, below_cas):
            reasons.append(Reason.of("ca_invalid"))
            return
        if _valid_at(issuer, at):
            reasons.append(Reason.of("ca_not_valid_now"))
    for position, (cert, issuer) in enumerate(itertools.pairwise(chain)):
        code = _revocation(cert, issuer, crls, at)
        if code == "revoked" and position > 0:
            code = "ca_revoked"
        if code:
            reasons.append(Reason.of(code))


def verify_signature(
    *,
    data: bytes,
    signature: bytes,
    certificate_der: bytes,
    intermediates: list[bytes],
    trust_anchors: list[x509.Certificate],
    crls: list[x509.CertificateRevocationList],
    at: datetime,
) -> SignatureVerification:
    """Verify a JPKI signature over exactly ``data``; never raises for bad input.

    ``at`` is the time the certificate chain and the CRLs must be valid at (aware).
    Example: ``verify_signature(data=b, signature=s, certificate_der=c, intermediates=[],
    trust_anchors=load_trust_anchors([...]), crls=crl_load_dir(d), at=now).valid``.
    """
    if at.tzinfo is None:
        raise ValueError("at must be an aware datetime")
    result = SignatureVerification(
        valid=False, reasons=[], signer=None, certificate=None, chain=[], checked_at=at
    )
    try:
        _verify(data, signature, certificate_der, intermediates, trust_anchors, crls, at, result)
    except Exception:  # never let a hostile certificate turn into a server error
        result.reasons.append(Reason.of("internal_error"))
    # The same code once is enough (e.g. several CAs out of their validity).
    unique: dict[str, Reason] = {}
    for reason in result.reasons:
        unique.setdefault(reason.code, reason)
    result.reasons = list(unique.values())
    result.valid = not result.reasons
    return result


# ---------------------------------------------------------------- applicant


@dataclass(frozen=True)
class Mismatch:
    """A difference between the certificate's 4情報 and the applicant's answer."""

    field: str  # "name", "birth_date", "address" or "gender"
    certificate_value: str
    applicant_value: str
    message: StrOrPromise


_SPACES = re.compile(r"\s+")
_KANJI_NUM_BEFORE_UNIT = re.compile("([〇零一二三四五六七八九十百千]+)(?=丁目|番地|番|号)")
_UNITS = re.compile(r"(\d+)(?:丁目|番地の?|番の?|号の?)")
_NO_BETWEEN_DIGITS = re.compile(r"(?<=\d)の(?=\d)")
_PREFECTURE = re.compile("^(東京都|北海道|京都府|大阪府|[^0-9]{2,3}?県)")
_GENDERS = {
    "1": "1",
    "m": "1",
    "male": "1",
    "男": "1",
    "男性": "1",
    "2": "2",
    "f": "2",
    "female": "2",
    "女": "2",
    "女性": "2",
}


def normalise_name(text: str) -> str:
    """A name for comparison: NFKC, no spaces.

    Example: ``normalise_name("常陸　花子") == normalise_name("常陸花子")``.
    """
    return _SPACES.sub("", japanese.nfkc(text))


def _kanji_digits(m: re.Match[str]) -> str:
    number = japanese.kanji_to_int(m.group(1))
    return m.group(1) if number is None else str(number)


def normalise_address(text: str) -> tuple[str, str]:
    """(prefecture, rest) of an address for comparison: NFKC, no spaces, and 丁目・番地・号
    written with kanji or full-width digits reduced to ``2-10-1``.

    Example: ``normalise_address("茨城県ひたちなか市東石川二丁目１０番地の１")
    == ("茨城県", "ひたちなか市東石川2-10-1")``.
    """
    s = _SPACES.sub("", japanese.nfkc(text))
    s = re.sub(f"[{japanese.HYPHENS}]", "-", s)
    s = _KANJI_NUM_BEFORE_UNIT.sub(_kanji_digits, s)
    s = _UNITS.sub(r"\1-", s)
    s = _NO_BETWEEN_DIGITS.sub("-", s)
    s = re.sub("-+", "-", s).rstrip("-")
    m = _PREFECTURE.match(s)
    return (m.group(1), s[m.end() :]) if m else ("", s)


def _address_equal(a: str, b: str) -> bool:
    (pa, ra), (pb, rb) = normalise_address(a), normalise_address(b)
    # One side may leave out the prefecture; when both give one it must agree.
    return ra == rb and (not pa or not pb or pa == pb)


def _as_date(value: date | str) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        pass
    try:
        return japanese.parse_date(value)
    except ValueError:
        return parse_date_of_birth(value)


def _gender_code(value: str) -> str:
    s = japanese.nfkc(value).strip().lower()
    return _GENDERS.get(s, s)


def compare_with_applicant(
    verification: SignatureVerification,
    *,
    name: str | None,
    birth_date: date | str | None,
    address: str | None,
    gender: str | None,
) -> list[Mismatch]:
    """The 4情報 where the certificate and the applicant differ; None means "not asked".

    Names and addresses match after normalisation (width, spaces, 丁目・番地 forms) or
    when they equal the certificate's 代替文字 form. Gender accepts "1"/"2", "男"/"女",
    "male"/"female". A mismatch is for staff to look at, not an error.
    Example: ``compare_with_applicant(v, name="常陸 花子", birth_date=date(1991, 5, 14),
    address="茨城県ひたちなか市東石川2-10-1", gender="female") == []``.
    """
    signer = verification.signer or Signer()
    out: list[Mismatch] = []

    def flag(field_name: str, cert_value: str, applicant_value: str) -> None:
        out.append(Mismatch(field_name, cert_value, applicant_value, MISMATCH_MESSAGES[field_name]))

    if name is not None:
        wanted = normalise_name(name)
        forms = {normalise_name(n) for n in (signer.name, signer.name_substitute) if n}
        if wanted not in forms:
            flag("name", signer.name, name)
    if birth_date is not None:
        given = _as_date(birth_date)
        if given is None or given != signer.birth_date:
            flag("birth_date", signer.birth_date_raw, str(birth_date))
    if address is not None:
        forms_a = [a for a in (signer.address, signer.address_substitute) if a]
        if not any(_address_equal(address, a) for a in forms_a):
            flag("address", signer.address, address)
    if gender is not None and (
        not signer.gender or _gender_code(gender) != _gender_code(signer.gender)
    ):
        flag("gender", signer.gender, gender)
    return out
