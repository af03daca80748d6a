"""A DEMO e-seal (eシール) of the city, for signing notices without a real certificate.

Never for production: a city signs its notices with the e-seal certificate it obtained
from a certification authority (``TSUNAGU_ESEAL_*``, see docs/notices.md). While none is
configured, ``make run`` and the tests sign with this demo instead. On first use it
generates into ``folder`` (``$TSUNAGU_VAR_DIR/demo-eseal/``, git-ignored, 0600 keys):

- ``root``: a self-signed root CA, named "DEMO" so that no one mistakes it for a real one;
- ``eseal``: the city's e-seal certificate (keyUsage digitalSignature + nonRepudiation),
  whose subject is the city (O) and says DEMO in its common name;
- ``tsa``: a time-stamping certificate (extendedKeyUsage timeStamping, critical) for the
  local time-stamp authority that makes the demo's signatures PAdES-B-T without a network.

Every later call reads the same files, so notices signed yesterday still verify today.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from tsunagu.devtools.jpki_ca import Issued
from tsunagu.devtools.pki_store import folder_lock, load_issued, save_issued

YEAR = dt.timedelta(days=365)
DEMO_MARK = "DEMO - not a real e-seal"


@dataclass(frozen=True)
class DemoEseal:
    """The demo hierarchy: the root to trust, the e-seal to sign with, the TSA."""

    root: Issued
    eseal: Issued
    tsa: Issued
    folder: Path

    @property
    def root_path(self) -> Path:
        return self.folder / "root.crt"


def _key_usage(*, sign: bool, ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=sign,
        content_commitment=sign,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def _issue(
    subject: x509.Name,
    issuer: Issued | None,
    *,
    ca: bool,
    lifetime: dt.timedelta,
    eku: x509.ObjectIdentifier | None = None,
) -> Issued:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject if issuer is None else issuer.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + lifetime)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(_key_usage(sign=not ca, ca=ca), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
    )
    if issuer is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()), False
        )
    if eku is not None:
        builder = builder.add_extension(x509.ExtendedKeyUsage([eku]), critical=True)
    signer = key if issuer is None else issuer.key
    return Issued(builder.sign(signer, hashes.SHA256()), key)


def _name(city: str, common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, city),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, DEMO_MARK),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


@functools.cache
def demo_eseal(folder: Path, city: str = "ひたちなか市") -> DemoEseal:
    """The demo root, e-seal and TSA of ``folder`` (created on first use, then read).

    >>> demo_eseal(Path("var/demo-eseal")).eseal.cert.subject.rfc4514_string()  # doctest: +SKIP
    'CN=ひたちなか市 eシール（デモ）,OU=DEMO - not a real e-seal,O=ひたちなか市,C=JP'
    """
    with folder_lock(folder):
        root, eseal, tsa = (load_issued(folder, n) for n in ("root", "eseal", "tsa"))
        if root is None or eseal is None or tsa is None:
            root = _issue(
                _name(city, "Tsunagu DEMO e-seal root CA"), None, ca=True, lifetime=20 * YEAR
            )
            eseal = _issue(
                _name(city, f"{city} eシール（デモ）"), root, ca=False, lifetime=5 * YEAR
            )
            tsa = _issue(
                _name(city, "Tsunagu DEMO time-stamp authority"),
                root,
                ca=False,
                lifetime=10 * YEAR,
                eku=ExtendedKeyUsageOID.TIME_STAMPING,
            )
            for name, issued in (("root", root), ("eseal", eseal), ("tsa", tsa)):
                save_issued(folder, name, issued)
    return DemoEseal(root=root, eseal=eseal, tsa=tsa, folder=folder)
