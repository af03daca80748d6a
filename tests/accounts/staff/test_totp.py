"""TOTP (RFC 6238): the Appendix B vectors, the drift window and replay refusal."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tsunagu.accounts.totp import hotp, otpauth_uri, secret_key, secret_new, totp, totp_match

SHA1_KEY = b"12345678901234567890"
SHA256_KEY = b"12345678901234567890123456789012"
SHA512_KEY = b"1234567890" * 6 + b"1234"

# RFC 6238 Appendix B (8 digits).
VECTORS = [
    (59, "94287082", "46119246", "90693936"),
    (1111111109, "07081804", "68084774", "25091201"),
    (1111111111, "14050471", "67062674", "99943326"),
    (1234567890, "89005924", "91819424", "93441116"),
    (2000000000, "69279037", "90698825", "38618901"),
    (20000000000, "65353130", "77737706", "47863826"),
]


@pytest.mark.parametrize(("now", "sha1", "sha256", "sha512"), VECTORS)
def test_rfc6238_appendix_b(now: int, sha1: str, sha256: str, sha512: str) -> None:
    assert totp(SHA1_KEY, now, digits=8) == sha1
    assert totp(SHA256_KEY, now, digits=8, digest="sha256") == sha256
    assert totp(SHA512_KEY, now, digits=8, digest="sha512") == sha512


# RFC 4226 Appendix D: HOTP underneath.
@pytest.mark.parametrize(
    ("counter", "expected"),
    [(0, "755224"), (1, "287082"), (2, "359152"), (3, "969429"), (9, "520489")],
)
def test_rfc4226_hotp(counter: int, expected: str) -> None:
    assert hotp(SHA1_KEY, counter) == expected


SECRET = base64.b32encode(SHA1_KEY).decode()


def test_six_digit_code_matches_its_step() -> None:
    now = 1111111111.0
    code = totp(SHA1_KEY, now)
    assert code == "050471"
    assert totp_match(secret_b32=SECRET, code=code, now=now) == int(now // 30)


@pytest.mark.parametrize(
    ("offset", "accepted"), [(-60, False), (-30, True), (0, True), (30, True), (60, False)]
)
def test_one_step_of_drift_either_way(offset: int, accepted: bool) -> None:
    now = 1234567890.0
    code = totp(SHA1_KEY, now + offset)
    assert (totp_match(secret_b32=SECRET, code=code, now=now) is not None) is accepted


def test_a_used_step_is_refused_and_earlier_ones_too() -> None:
    now = 1234567890.0
    code = totp(SHA1_KEY, now)
    step = totp_match(secret_b32=SECRET, code=code, now=now)
    assert step is not None
    assert totp_match(secret_b32=SECRET, code=code, now=now, last_step=step) is None
    earlier = totp(SHA1_KEY, now - 30)
    assert totp_match(secret_b32=SECRET, code=earlier, now=now, last_step=step) is None
    later = totp(SHA1_KEY, now + 30)
    assert totp_match(secret_b32=SECRET, code=later, now=now, last_step=step) == step + 1


@pytest.mark.parametrize(
    "code",
    ["", "12345", "1234567", "abcdef", "１２３４５６", "12 34", "-12345", "²²²²²²", "0" * 1000],
)
def test_malformed_codes_never_match(code: str) -> None:
    assert totp_match(secret_b32=SECRET, code=code, now=1234567890.0) is None


@given(st.text(max_size=20))
def test_arbitrary_text_never_raises(code: str) -> None:
    assert totp_match(secret_b32=SECRET, code=code, now=59.0) in {None, 1, 0, 2}


def test_secret_roundtrip_and_uri() -> None:
    secret = secret_new()
    assert len(secret_key(secret)) == 20
    uri = otpauth_uri(secret_b32=secret, account="sato taro", issuer="ひたちなか市")
    assert uri.startswith("otpauth://totp/")
    assert f"secret={secret}" in uri and "period=30" in uri and "digits=6" in uri
    assert " " not in uri
