"""The demo "My Number Card" for signing without a card (demo login only).

A demo certificate authority (root and issuing CA, RSA-2048) and one software signing
certificate per resident are generated on first use into ``$TSUNAGU_VAR_DIR/demo-jpki/``
(git-ignored, 0600 keys) and reused afterwards. The certificates carry the resident's
4情報 in subjectAltName exactly as JPKI's do, so the platform verifies a demo signature
with the same code as a real one; the demo root is trusted only while the demo login is
enabled.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa

from tsunagu.devtools.jpki_ca import Issued, ca_name, issue_signing_certificate, make_ca
from tsunagu.devtools.pki_store import folder_lock, load_issued, save_issued

YEAR = dt.timedelta(days=365)
ERA_HEISEI_START = dt.date(1989, 1, 8)
ERA_REIWA_START = dt.date(2019, 5, 1)
ERA_SHOWA_START = dt.date(1926, 12, 25)


def _new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@functools.cache
def demo_ca(folder: Path) -> tuple[Issued, Issued]:
    """The demo root and issuing CA (created once, then read from ``folder``)."""
    with folder_lock(folder):
        return _demo_ca(folder)


def _demo_ca(folder: Path) -> tuple[Issued, Issued]:
    root, issuing = load_issued(folder, "root"), load_issued(folder, "issuing")
    if root is None or issuing is None:
        now = dt.datetime.now(dt.UTC)
        root = make_ca(
            ca_name("Tsunagu Demo Root"),
            _new_key(),
            None,
            not_before=now - YEAR,
            not_after=now + 20 * YEAR,
        )
        issuing = make_ca(
            ca_name("Tsunagu Demo Sign"),
            _new_key(),
            root,
            not_before=now - YEAR,
            not_after=now + 10 * YEAR,
        )
        save_issued(folder, "root", root)
        save_issued(folder, "issuing", issuing)
    return root, issuing


def demo_crls(folder: Path) -> list[x509.CertificateRevocationList]:
    """Fresh, empty revocation lists of the demo CAs (nothing is ever revoked in the demo).

    Issued once an hour (signing them on every verification would cost milliseconds).
    """
    hour = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)
    return _demo_crls(folder, hour)


@functools.lru_cache(maxsize=4)
def _demo_crls(folder: Path, now: dt.datetime) -> list[x509.CertificateRevocationList]:
    root, issuing = demo_ca(folder)
    out = []
    for ca in (issuing, root):
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(ca.cert.subject)
            .last_update(now - dt.timedelta(hours=1))
            .next_update(now + dt.timedelta(days=1))
        )
        out.append(builder.sign(ca.key, hashes.SHA256()))
    return out


def jpki_date_of_birth(day: dt.date) -> str:
    """JPKI's dateOfBirth: one era digit (1 明治 … 5 令和) and the Gregorian date."""
    if day >= ERA_REIWA_START:
        era = 5
    elif day >= ERA_HEISEI_START:
        era = 4
    elif day >= ERA_SHOWA_START:
        era = 3
    else:
        era = 2
    return f"{era}{day:%Y%m%d}"


def demo_card(folder: Path, *, card_id: str, personal: dict[str, str]) -> Issued:
    """The software signing card of one resident, reissued when their 4情報 changed."""
    safe = re.sub(r"[^A-Za-z0-9_-]", "_", card_id)
    cached = _cards.get((folder, safe))
    if cached is not None and cached[0] == personal:
        return cached[1]  # loading an RSA key from disk costs tens of milliseconds
    _root, issuing = demo_ca(folder)
    with folder_lock(folder):
        card = _demo_card(folder, safe, personal, issuing)
    _cards[(folder, safe)] = (dict(personal), card)
    return card


_cards: dict[tuple[Path, str], tuple[dict[str, str], Issued]] = {}


def _demo_card(folder: Path, safe: str, personal: dict[str, str], issuing: Issued) -> Issued:
    card = load_issued(folder / "cards", safe)
    if card is not None and _personal_of(card.cert) == personal:
        return card
    now = dt.datetime.now(dt.UTC)
    card = issue_signing_certificate(
        issuer=issuing,
        key=card.key if card is not None else _new_key(),
        personal=personal,
        serial=x509.random_serial_number(),
        not_before=now - dt.timedelta(days=1),
        not_after=now + 5 * YEAR,
    )
    save_issued(folder / "cards", safe, card)
    return card


def _personal_of(cert: x509.Certificate) -> dict[str, Any]:
    from tsunagu.core.jpki import read_signer

    signer = read_signer(cert)
    if signer is None:
        return {}
    return {
        "name": signer.name,
        "name_substitute": signer.name_substitute,
        "gender": signer.gender,
        "date_of_birth": signer.birth_date_raw,
        "address": signer.address,
        "address_substitute": signer.address_substitute,
    }
