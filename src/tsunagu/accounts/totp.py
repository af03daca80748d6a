"""Time-based one-time passwords (RFC 6238 over RFC 4226 HOTP), standard library only.

Staff use an authenticator app (SHA-1, 30-second steps, 6 digits: what every app
supports). A code is accepted one step early or late for clock drift, and a step that was
already used is refused, so a code seen over a shoulder cannot be replayed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
from urllib.parse import quote, urlencode

STEP_SECONDS = 30
DIGITS = 6
# Steps accepted either side of the current one (clock drift between phone and server).
DRIFT_STEPS = 1

_DIGESTS = {"sha1": hashlib.sha1, "sha256": hashlib.sha256, "sha512": hashlib.sha512}


def hotp(key: bytes, counter: int, *, digits: int = DIGITS, digest: str = "sha1") -> str:
    """The HOTP value of ``key`` at ``counter`` (RFC 4226, dynamic truncation).

    >>> hotp(b"12345678901234567890", 0)
    '755224'
    """
    mac = hmac.new(key, struct.pack(">Q", counter), _DIGESTS[digest]).digest()
    offset = mac[-1] & 0x0F
    value = struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10**digits).zfill(digits)


def time_step(now: float, *, step: int = STEP_SECONDS) -> int:
    """The RFC 6238 counter T for Unix time ``now``.

    >>> time_step(59)
    1
    """
    return int(now // step)


def totp(
    key: bytes, now: float, *, digits: int = DIGITS, digest: str = "sha1", step: int = STEP_SECONDS
) -> str:
    """The TOTP value of ``key`` at Unix time ``now``.

    >>> totp(b"12345678901234567890", 59, digits=8)
    '94287082'
    """
    return hotp(key, time_step(now, step=step), digits=digits, digest=digest)


def secret_new() -> str:
    """A fresh 160-bit secret in base32 without padding (what authenticator apps expect).

    >>> len(secret_new())
    32
    """
    return base64.b32encode(secrets.token_bytes(20)).decode("ascii").rstrip("=")


def secret_key(secret_b32: str) -> bytes:
    """The raw key of a base32 secret (spaces and case ignored, padding optional).

    >>> secret_key("GEZDGNBVGY3TQOJQ GEZDGNBVGY3TQOJQ")
    b'12345678901234567890'
    """
    clean = secret_b32.replace(" ", "").upper()
    return base64.b32decode(clean + "=" * (-len(clean) % 8))


def totp_match(
    *, secret_b32: str, code: str, now: float, last_step: int | None = None
) -> int | None:
    """The time step ``code`` belongs to (within ±1 step of ``now``), or None.

    Steps at or before ``last_step`` (the last one accepted for this secret) are refused:
    store the returned step and pass it next time, so each code works only once.

    >>> key = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
    >>> totp_match(secret_b32=key, code="287082", now=59)
    1
    >>> totp_match(secret_b32=key, code="287082", now=59, last_step=1) is None
    True
    """
    code = code.strip().replace(" ", "")
    if len(code) != DIGITS or not code.isascii() or not code.isdigit():
        return None
    key = secret_key(secret_b32)
    current = time_step(now)
    for candidate in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if candidate < 0 or (last_step is not None and candidate <= last_step):
            continue
        if hmac.compare_digest(hotp(key, candidate), code):
            return candidate
    return None


def otpauth_uri(*, secret_b32: str, account: str, issuer: str) -> str:
    """The ``otpauth://`` URI an authenticator app reads (Key Uri Format).

    >>> otpauth_uri(secret_b32="ABC", account="sato", issuer="City")
    'otpauth://totp/City:sato?secret=ABC&issuer=City&algorithm=SHA1&digits=6&period=30'
    """
    label = quote(f"{issuer}:{account}", safe=":@")
    query = urlencode(
        {
            "secret": secret_b32,
            "issuer": issuer,
            "algorithm": "SHA1",
            "digits": DIGITS,
            "period": STEP_SECONDS,
        },
        quote_via=quote,
    )
    return f"otpauth://totp/{label}?{query}"
