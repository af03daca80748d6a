"""The signing flow's pure parts: DigestInfo, endpoint defaults, and checking a result."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, utils
from hypothesis import given
from hypothesis import strategies as st

from tsunagu.accounts.oidc.client import sign_transactions_default
from tsunagu.accounts.oidc.sign import (
    SignFailed,
    _b64decode,
    _checked_result,
    digest_info,
)
from tsunagu.devtools.jpki_ca import jpki_test_ca

DIGEST = hashlib.sha256(b"canonical bytes").digest()
TX = "37a52ac8-b232-ebac-a454-04d68916489f"
ENTRY = {"x": TX, "h": DIGEST.hex(), "d": "draft-1"}


def _fail(reason: str, detail: str = "") -> SignFailed:
    return SignFailed(reason, draft_id="draft-1", detail=detail)


def _result(**overrides: Any) -> dict[str, Any]:
    b64 = base64.b64encode
    result: dict[str, Any] = {
        "sign_transaction_id": TX,
        "hash": b64(digest_info(DIGEST)).decode(),
        "hash_algorithm": "SHA-256",
        "signature": b64(b"\x01" * 256).decode(),
        "certificate": b64(b"\x30\x82").decode(),
        "intermediate_certificates": [],
    }
    result.update(overrides)
    return result


def test_prehashed_digest_info_signature_is_a_plain_sha256_signature() -> None:
    """Signing DigestInfo(H) as the card does = RSA PKCS#1 v1.5 SHA-256 over the data."""
    key = jpki_test_ca().resident_key
    data = b"canonical bytes"
    over_hash = key.sign(
        hashlib.sha256(data).digest(), padding.PKCS1v15(), utils.Prehashed(hashes.SHA256())
    )
    key.public_key().verify(over_hash, data, padding.PKCS1v15(), hashes.SHA256())
    assert digest_info(DIGEST).hex().startswith("3031300d060960864801650304020105000420")
    with pytest.raises(ValueError, match="32 bytes"):
        digest_info(b"short")


@pytest.mark.parametrize(
    ("issuer", "expected"),
    [
        (
            "https://auth-and-sign.go.jp/api/realms/main",
            "https://auth-and-sign.go.jp/api/sign-transactions",
        ),
        (
            "https://sb-auth-and-sign.go.jp/api/realms/main",
            "https://sb-auth-and-sign.go.jp/api/sign-transactions",
        ),
        ("https://op.example/", "https://op.example/sign-transactions"),
    ],
)
def test_sign_transactions_default(issuer: str, expected: str) -> None:
    assert sign_transactions_default(issuer) == expected


def test_a_result_that_answers_our_request() -> None:
    result = _checked_result(_result(), entry=ENTRY, subject="ppid", fail=_fail)
    assert result.digest == DIGEST and result.signature == b"\x01" * 256
    assert result.draft_id == "draft-1" and result.subject == "ppid"


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"sign_transaction_id": "another"}, "sign_transaction_mismatch"),
        ({"hash": base64.b64encode(digest_info(bytes(32))).decode()}, "hash_mismatch"),
        ({"hash": base64.b64encode(DIGEST).decode()}, "hash_mismatch"),  # without DigestInfo
        ({"hash": None}, "hash_mismatch"),
        ({"hash": "not base64 !"}, "hash_mismatch"),
        ({"signature": ""}, "sign_result_invalid"),
        ({"signature": 42}, "sign_result_invalid"),
        ({"certificate": "%%%"}, "sign_result_invalid"),
        ({"intermediate_certificates": "MII="}, "sign_result_invalid"),
        ({"intermediate_certificates": ["MII="] * 5}, "sign_result_invalid"),
        ({"intermediate_certificates": ["%%"]}, "sign_result_invalid"),
    ],
)
def test_a_result_that_does_not_answer_our_request(overrides: dict[str, Any], reason: str) -> None:
    with pytest.raises(SignFailed) as caught:
        _checked_result(_result(**overrides), entry=ENTRY, subject="ppid", fail=_fail)
    assert caught.value.reason == reason and caught.value.draft_id == "draft-1"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("AQID", b"\x01\x02\x03"),
        ("AQI", b"\x01\x02"),  # no padding
        ("-_8", b"\xfb\xff"),  # URL-safe
        ("+/8=", b"\xfb\xff"),
        ("", None),
        ("a b", None),
        (None, None),
    ],
)
def test_b64decode(text: Any, expected: bytes | None) -> None:
    assert _b64decode(text) == expected


@given(st.one_of(st.text(max_size=200), st.binary(max_size=50), st.integers(), st.none()))
def test_b64decode_never_raises(value: Any) -> None:
    out = _b64decode(value)
    assert out is None or isinstance(out, bytes)
