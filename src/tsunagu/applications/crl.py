"""Keeping the JPKI revocation lists (CRL/ARL) current.

The city lists where its CRLs come from in ``TSUNAGU_JPKI_CRL_SOURCES`` (https URLs of
its 署名検証者 service, or files another system drops); ``crl_refresh`` fetches each,
checks that it parses as a CRL, and replaces the copy in ``TSUNAGU_JPKI_CRL_DIR``
atomically. Signature verification reads that folder. Run it from the task worker
(``crl_refresh_task``) or cron (``tsunagu jpki refresh-crl``) more often than the CRLs'
nextUpdate; ``crl_status`` says which are stale.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from django.conf import settings

from tsunagu.core import jpki

MAX_CRL_BYTES = 50 * 1024 * 1024


class CrlFetchError(Exception):
    """A source could not be read or is not a CRL (the old copy stays)."""


@dataclass(frozen=True)
class CrlStatus:
    file: str
    issuer: str
    next_update: dt.datetime | None
    stale: bool


def _read(source: str, timeout: float) -> bytes:
    if source.startswith(("https://", "http://")):
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(source, timeout=timeout) as response:  # configured URL
                data: bytes = response.read(MAX_CRL_BYTES + 1)
        except OSError as err:
            raise CrlFetchError(f"{source}: {err}") from err
    else:
        try:
            data = Path(source).read_bytes()
        except OSError as err:
            raise CrlFetchError(f"{source}: {err}") from err
    if len(data) > MAX_CRL_BYTES:
        raise CrlFetchError(f"{source}: too large")
    return data


def _parse(data: bytes) -> x509.CertificateRevocationList:
    try:
        if b"-----BEGIN X509 CRL-----" in data:
            return x509.load_pem_x509_crl(data)
        return x509.load_der_x509_crl(data)
    except ValueError as err:
        raise CrlFetchError(f"not a CRL: {err}") from err


def crl_refresh(
    *, sources: list[str] | None = None, target_dir: str | Path | None = None, timeout: float = 20
) -> list[str]:
    """Fetch every source into the CRL folder; returns the problems (empty when all went
    well). A source that fails keeps its previous copy."""
    sources = settings.TSUNAGU_JPKI_CRL_SOURCES if sources is None else sources
    folder = Path(target_dir or settings.TSUNAGU_JPKI_CRL_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    problems = []
    for source in sources:
        try:
            data = _read(source, timeout)
            _parse(data)
        except CrlFetchError as err:
            problems.append(str(err))
            continue
        name = hashlib.sha256(source.encode()).hexdigest()[:16] + ".crl"
        tmp = folder / (name + ".tmp")
        tmp.write_bytes(data)
        tmp.replace(folder / name)
    return problems


def crl_status(
    *, folder: str | Path | None = None, now: dt.datetime | None = None
) -> list[CrlStatus]:
    """Each CRL in the folder with its nextUpdate; ``stale`` when it has passed."""
    folder = Path(folder or settings.TSUNAGU_JPKI_CRL_DIR)
    now = now or dt.datetime.now(dt.UTC)
    out = []
    for path in sorted(folder.glob("*")):
        if not path.is_file() or path.suffix not in {".crl", ".pem", ".der"}:
            continue
        try:
            crl = jpki.load_crls([path])[0]
        except ValueError:
            out.append(CrlStatus(path.name, "?", None, True))
            continue
        nxt = crl.next_update_utc
        out.append(CrlStatus(path.name, crl.issuer.rfc4514_string(), nxt, nxt is None or nxt < now))
    return out
