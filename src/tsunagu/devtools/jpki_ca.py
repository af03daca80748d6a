"""A certificate authority shaped like JPKI's 署名用 hierarchy, for tests and the demo.

Never for production: J-LIS issues the real certificates. Test keys are made at test time
and never written anywhere; the demo signer (``demo_jpki``) keeps its own under var/. RSA-2048 key generation is slow, so
``jpki_test_ca()`` builds the hierarchy once per process and every test shares it:

- ``root``: self-signed root CA (RSA-2048), like J-LIS' 署名用認証局 root;
- ``issuing``: the CA that issues residents' signing certificates;
- ``wrong_root`` / ``wrong_issuing``: an unrelated hierarchy with the same names' shape;
- ``end_entity(...)``: signing certificates with the 4情報 as subjectAltName otherName
  entries (OIDs 1.2.392.200149.8.5.5.1-.6), keyUsage digitalSignature + nonRepudiation,
  policy 1.2.392.200149.8.5.1.1;
- ``crl(...)`` / ``arl(...)``: revocation lists of the issuing and the root CA.

All dates are relative to ``T0``, the fixed "now" tests verify at.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID, ObjectIdentifier

T0 = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)
ARC = "1.2.392.200149.8.5.5"
POLICY_SIGN = ObjectIdentifier("1.2.392.200149.8.5.1.1")
POLICY_AUTH = ObjectIdentifier("1.2.392.200149.8.5.1.3")

HANAKO = {
    "name": "常陸　花子",
    "name_substitute": "常陸　花子",
    "gender": "2",
    "date_of_birth": "419910514",
    "address": "茨城県ひたちなか市東石川２丁目１０番１号",
    "address_substitute": "茨城県ひたちなか市東石川２丁目１０番１号",
}
_OID_SUFFIX = {
    "name": 1,
    "name_substitute": 2,
    "gender": 3,
    "date_of_birth": 4,
    "address": 5,
    "address_substitute": 6,
}


def utf8_string(text: str) -> bytes:
    """DER UTF8String."""
    return der(0x0C, text.encode("utf-8"))


def der(tag: int, content: bytes) -> bytes:
    n = len(content)
    if n < 0x80:
        return bytes([tag, n]) + content
    size = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(size)]) + size + content


def rsa_key(bits: int = 2048) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def sign(key: rsa.RSAPrivateKey, data: bytes) -> bytes:
    """RSA PKCS#1 v1.5 with SHA-256, as the card signs."""
    return key.sign(data, padding.PKCS1v15(), hashes.SHA256())


def _name(*parts: tuple[ObjectIdentifier, str]) -> x509.Name:
    return x509.Name([x509.NameAttribute(oid, value) for oid, value in parts])


def _ca_name(label: str) -> x509.Name:
    return _name(
        (NameOID.COUNTRY_NAME, "JP"),
        (NameOID.ORGANIZATION_NAME, "JPKI"),
        (NameOID.ORGANIZATIONAL_UNIT_NAME, f"JPKI for digital signature ({label})"),
    )


@dataclass
class Issued:
    cert: x509.Certificate
    key: rsa.RSAPrivateKey

    @property
    def der(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.DER)

    @property
    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    def sign(self, data: bytes) -> bytes:
        return sign(self.key, data)


def _ca(
    subject: x509.Name,
    key: rsa.RSAPrivateKey,
    issuer: Issued | None,
    *,
    not_before: datetime,
    not_after: datetime,
    ca: bool = True,
) -> Issued:
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject if issuer is None else issuer.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
    )
    signer = key if issuer is None else issuer.key
    return Issued(builder.sign(signer, hashes.SHA256()), key)


def issue_signing_certificate(
    *,
    issuer: Issued,
    key: rsa.RSAPrivateKey,
    personal: dict[str, str],
    serial: int,
    not_before: datetime,
    not_after: datetime,
    digital_signature: bool = True,
    non_repudiation: bool = True,
    policy: ObjectIdentifier | None = POLICY_SIGN,
    raw_san: list[x509.GeneralName] | None = None,
    extra: x509.ExtensionType | None = None,
) -> Issued:
    """A signing certificate with the 4情報 as subjectAltName otherName entries."""
    san: list[x509.GeneralName] = [
        x509.OtherName(ObjectIdentifier(f"{ARC}.{_OID_SUFFIX[k]}"), utf8_string(v))
        for k, v in personal.items()
    ]
    builder = (
        x509.CertificateBuilder()
        .subject_name(
            _name(
                (NameOID.COUNTRY_NAME, "JP"),
                (NameOID.LOCALITY_NAME, "Ibaraki-ken"),
                (NameOID.LOCALITY_NAME, "Hitachinaka-shi"),
                # The CN of a JPKI certificate is an opaque value, not the name.
                (NameOID.COMMON_NAME, f"{serial:012d}A"),
            )
        )
        .issuer_name(issuer.cert.subject)
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(
            x509.KeyUsage(
                digital_signature=digital_signature,
                content_commitment=non_repudiation,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    )
    if raw_san is not None or san:
        builder = builder.add_extension(
            x509.SubjectAlternativeName(raw_san if raw_san is not None else san), False
        )
    if policy is not None:
        builder = builder.add_extension(
            x509.CertificatePolicies([x509.PolicyInformation(policy, None)]), False
        )
    if extra is not None:
        builder = builder.add_extension(extra, critical=True)
    return Issued(builder.sign(issuer.key, hashes.SHA256()), key)


def make_ca(
    subject: x509.Name,
    key: rsa.RSAPrivateKey,
    issuer: Issued | None,
    *,
    not_before: datetime,
    not_after: datetime,
) -> Issued:
    """A CA certificate (self-signed when ``issuer`` is None)."""
    return _ca(subject, key, issuer, not_before=not_before, not_after=not_after)


def ca_name(label: str) -> x509.Name:
    return _ca_name(label)


@dataclass
class JpkiTestCA:
    root: Issued
    issuing: Issued
    wrong_root: Issued
    wrong_issuing: Issued
    resident_key: rsa.RSAPrivateKey
    other_key: rsa.RSAPrivateKey
    _serial: int = field(default=0x1000)

    def end_entity(
        self,
        *,
        personal: dict[str, str] | None = None,
        key: rsa.RSAPrivateKey | None = None,
        issuer: Issued | None = None,
        not_before: datetime = T0 - 30 * DAY,
        not_after: datetime = T0 + 5 * 365 * DAY,
        digital_signature: bool = True,
        non_repudiation: bool = True,
        policy: ObjectIdentifier | None = POLICY_SIGN,
        raw_san: list[x509.GeneralName] | None = None,
        extra: x509.ExtensionType | None = None,
    ) -> Issued:
        """A resident's signing certificate (by default 常陸 花子's, by the issuing CA)."""
        self._serial += 1
        return issue_signing_certificate(
            issuer=issuer or self.issuing,
            key=key or self.resident_key,
            personal=HANAKO if personal is None else personal,
            serial=self._serial,
            not_before=not_before,
            not_after=not_after,
            digital_signature=digital_signature,
            non_repudiation=non_repudiation,
            policy=policy,
            raw_san=raw_san,
            extra=extra,
        )

    def crl(
        self,
        *,
        revoked: tuple[int, ...] = (),
        issuer: Issued | None = None,
        last_update: datetime = T0 - DAY,
        next_update: datetime = T0 + 2 * DAY,
        signing_key: rsa.RSAPrivateKey | None = None,
    ) -> x509.CertificateRevocationList:
        """A CRL of ``issuer`` (default: the issuing CA) revoking the given serials."""
        issuer = issuer or self.issuing
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(issuer.cert.subject)
            .last_update(last_update)
            .next_update(next_update)
        )
        for serial in revoked:
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder()
                .serial_number(serial)
                .revocation_date(last_update)
                .build()
            )
        return builder.sign(signing_key or issuer.key, hashes.SHA256())

    def arl(self, **kwargs: object) -> x509.CertificateRevocationList:
        """The root's revocation list (ARL), revoking no CA unless asked."""
        return self.crl(issuer=self.root, **kwargs)  # type: ignore[arg-type]  # test helper

    def crls(self) -> list[x509.CertificateRevocationList]:
        """Current CRL and ARL, revoking nothing."""
        return [self.crl(), self.arl()]


@cache
def jpki_test_ca() -> JpkiTestCA:
    """The shared hierarchy (built once per process: RSA-2048 keys take time)."""
    root_key, issuing_key = rsa_key(), rsa_key()
    root = _ca(
        _ca_name("Root"), root_key, None, not_before=T0 - 3650 * DAY, not_after=T0 + 3650 * DAY
    )
    issuing = _ca(
        _ca_name("Sub"), issuing_key, root, not_before=T0 - 1000 * DAY, not_after=T0 + 2000 * DAY
    )
    wrong_root_key, wrong_issuing_key = rsa_key(), rsa_key()
    wrong_root = _ca(
        _ca_name("Root"),
        wrong_root_key,
        None,
        not_before=T0 - 3650 * DAY,
        not_after=T0 + 3650 * DAY,
    )
    wrong_issuing = _ca(
        _ca_name("Sub"),
        wrong_issuing_key,
        wrong_root,
        not_before=T0 - 1000 * DAY,
        not_after=T0 + 2000 * DAY,
    )
    return JpkiTestCA(
        root=root,
        issuing=issuing,
        wrong_root=wrong_root,
        wrong_issuing=wrong_issuing,
        resident_key=rsa_key(),
        other_key=rsa_key(),
    )
