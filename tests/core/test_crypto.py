"""AES-256-GCM tokens for personal data, and the 個人番号 helpers."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tsunagu.core import crypto

KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))


def test_round_trip_with_the_configured_key() -> None:
    token = crypto.my_number_encrypt("123456789018")
    assert token.startswith("enc:v1:")
    assert "123456789018" not in token
    assert crypto.my_number_reveal(token) == "123456789018"


def test_every_token_is_different() -> None:
    tokens = {crypto.my_number_encrypt("123456789018") for _ in range(20)}
    assert len(tokens) == 20


def test_token_layout_is_nonce_ciphertext_tag() -> None:
    token = crypto.encrypt("abc", aad=b"x", key=KEY)
    body = token.removeprefix("enc:v1:")
    assert "=" not in body
    raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    assert len(raw) == 12 + 3 + 16


def test_mask_shows_only_the_last_four_digits() -> None:
    token = crypto.my_number_encrypt("123456789018")
    masked = crypto.my_number_mask(token)
    assert masked == "**** **** 9018"
    assert "12345678" not in masked


def test_wrong_key_raises_a_clear_error(settings: Any) -> None:
    token = crypto.my_number_encrypt("123456789018")
    settings.TSUNAGU_MYNUMBER_KEY = OTHER_KEY.hex()
    with pytest.raises(crypto.DecryptionError, match="altered, or the key"):
        crypto.my_number_reveal(token)


def test_other_associated_data_is_refused() -> None:
    token = crypto.encrypt("123456789018", aad=b"something-else")
    with pytest.raises(crypto.DecryptionError):
        crypto.my_number_reveal(token)


@pytest.mark.parametrize(
    "token",
    [
        "123456789018",
        "enc:v2:AAAA",
        "enc:v1:",
        "enc:v1:AAAA",  # too short for nonce and tag
        "enc:v1:!!!!" + "A" * 40,
        "enc:v1:" + "A" * 41,  # not a length base64 can produce
    ],
)
def test_malformed_tokens(token: str) -> None:
    with pytest.raises(crypto.MalformedToken):
        crypto.my_number_reveal(token)


def test_non_string_token_is_malformed() -> None:
    with pytest.raises(crypto.MalformedToken):
        crypto.my_number_reveal(12345)  # type: ignore[arg-type]  # the point of the test


@pytest.mark.parametrize("key", ["", "zz" * 32, "00" * 16, "00" * 33])
def test_bad_configured_key(settings: Any, key: str) -> None:
    settings.TSUNAGU_MYNUMBER_KEY = key
    with pytest.raises(crypto.KeyConfigError):
        crypto.check_config()
    with pytest.raises(crypto.KeyConfigError):
        crypto.my_number_encrypt("123456789018")


def test_explicit_key_must_be_32_bytes() -> None:
    with pytest.raises(crypto.KeyConfigError):
        crypto.encrypt("x", aad=b"a", key=b"short")


def test_check_config_accepts_the_test_key() -> None:
    crypto.check_config()


def test_is_token() -> None:
    assert crypto.is_token(crypto.my_number_encrypt("123456789018"))
    assert not crypto.is_token("123456789018")
    assert not crypto.is_token(None)


@given(st.text(max_size=200), st.binary(max_size=20))
@settings(max_examples=200, deadline=None)
def test_round_trip_property(text: str, aad: bytes) -> None:
    text = text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    assert crypto.decrypt(crypto.encrypt(text, aad=aad, key=KEY), aad=aad, key=KEY) == text


# One token for every example: encrypting anew draws a new random nonce, and hypothesis
# must see the same data when it replays an example.
_TOKEN = crypto.encrypt("123456789018", aad=b"mynumber", key=KEY)


@given(st.data())
@settings(max_examples=200, deadline=None)
def test_any_change_to_a_token_is_detected(data: st.DataObject) -> None:
    token = _TOKEN
    i = data.draw(st.integers(min_value=len("enc:v1:"), max_value=len(token) - 1))
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    new = data.draw(st.sampled_from(alphabet).filter(lambda c: c != token[i]))
    tampered = token[:i] + new + token[i + 1 :]
    with pytest.raises(crypto.CryptoError):
        crypto.decrypt(tampered, aad=b"mynumber", key=KEY)
