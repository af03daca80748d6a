"""Encryption at rest for personal data, first of all the 個人番号 (My Number).

AES-256-GCM with a random 96-bit nonce per value and associated data that names the kind
of value, so a token made for one purpose cannot be replayed as another. Tokens are text:
``enc:v1:<base64url(nonce || ciphertext || tag)>`` without padding. The key is 32 bytes,
given as 64 hex digits in ``settings.TSUNAGU_MYNUMBER_KEY`` (generated on first run).

Revealing a 個人番号 to staff is an audited act: callers of ``my_number_reveal`` must
record the audit event themselves (``tsunagu.audit``); this module does no logging of
plaintext and never puts plaintext into an exception.
"""

from __future__ import annotations

import base64
import binascii
import os
import re

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

PREFIX = "enc:v1:"
MY_NUMBER_AAD = b"mynumber"
_NONCE_BYTES = 12
_TAG_BYTES = 16
_B64URL = re.compile(r"[A-Za-z0-9_-]+")


class CryptoError(Exception):
    """Base class of this module's errors."""


class KeyConfigError(CryptoError):
    """The configured key is missing or is not 64 hex digits (32 bytes)."""


class MalformedToken(CryptoError):
    """The value is not a token of this module (wrong prefix, bad base64, too short)."""


class DecryptionError(CryptoError):
    """The token was altered, or was made with another key or for another purpose."""


def _key(key: bytes | None) -> bytes:
    if key is not None:
        if len(key) != 32:
            raise KeyConfigError("the key must be 32 bytes")
        return key
    configured = getattr(settings, "TSUNAGU_MYNUMBER_KEY", "")
    try:
        raw = bytes.fromhex(configured)
    except (TypeError, ValueError) as exc:
        raise KeyConfigError("TSUNAGU_MYNUMBER_KEY must be 64 hex digits") from exc
    if len(raw) != 32:
        raise KeyConfigError("TSUNAGU_MYNUMBER_KEY must be 64 hex digits (32 bytes)")
    return raw


def check_config() -> None:
    """Raise ``KeyConfigError`` unless the configured key is usable.

    Example: ``check_config()`` returns None with the generated ``var/secrets.json``.
    """
    _key(None)


def encrypt(plaintext: str, *, aad: bytes, key: bytes | None = None) -> str:
    """Encrypt text into a token; the same text gives a different token each time.

    Example: ``encrypt("123456789018", aad=b"mynumber").startswith("enc:v1:")``.
    """
    nonce = os.urandom(_NONCE_BYTES)
    sealed = AESGCM(_key(key)).encrypt(nonce, plaintext.encode("utf-8"), aad)
    return PREFIX + base64.urlsafe_b64encode(nonce + sealed).rstrip(b"=").decode("ascii")


def is_token(value: object) -> bool:
    """True if ``value`` has the shape of a token (it may still fail to decrypt).

    Example: ``is_token("enc:v1:AAAA") is True``; ``is_token("123456789018") is False``.
    """
    return isinstance(value, str) and value.startswith(PREFIX)


def _unpack(token: str) -> bytes:
    if not isinstance(token, str) or not token.startswith(PREFIX):
        raise MalformedToken("not an enc:v1 token")
    body = token[len(PREFIX) :]
    if not _B64URL.fullmatch(body):
        raise MalformedToken("the token is not base64url")
    try:
        data = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (binascii.Error, ValueError) as exc:
        raise MalformedToken("the token is not base64url") from exc
    # Only the canonical encoding is accepted, so any change to the text is detected.
    if base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii") != body:
        raise MalformedToken("the token is not canonical base64url")
    if len(data) < _NONCE_BYTES + _TAG_BYTES:
        raise MalformedToken("the token is too short")
    return data


def decrypt(token: str, *, aad: bytes, key: bytes | None = None) -> str:
    """Decrypt a token made by ``encrypt`` with the same key and associated data.

    Raises ``MalformedToken`` or ``DecryptionError`` (altered token, other key, other aad).
    Example: ``decrypt(encrypt("x", aad=b"a"), aad=b"a") == "x"``.
    """
    data = _unpack(token)
    try:
        plain = AESGCM(_key(key)).decrypt(data[:_NONCE_BYTES], data[_NONCE_BYTES:], aad)
    except InvalidTag as exc:
        raise DecryptionError(
            "the token cannot be decrypted: it was altered, or the key is not the one it "
            "was encrypted with"
        ) from exc
    try:
        return plain.decode("utf-8")
    except UnicodeDecodeError as exc:  # pragma: no cover  # only our own UTF-8 is sealed
        raise DecryptionError("the decrypted value is not text") from exc


def my_number_encrypt(number: str, *, key: bytes | None = None) -> str:
    """Encrypt a 個人番号 (12 digits) for storage.

    Example: ``my_number_encrypt("123456789018").startswith("enc:v1:")``.
    """
    return encrypt(number, aad=MY_NUMBER_AAD, key=key)


def my_number_reveal(token: str, *, key: bytes | None = None) -> str:
    """The 12 digits of a stored 個人番号, for an authorised and audited staff action.

    The caller records the audit event (who, which case, why) before showing the result.
    Raises ``MalformedToken`` / ``DecryptionError`` like ``decrypt``.
    Example: ``my_number_reveal(my_number_encrypt("123456789018")) == "123456789018"``.
    """
    return decrypt(token, aad=MY_NUMBER_AAD, key=key)


def my_number_mask(token: str, *, key: bytes | None = None) -> str:
    """The masked form shown on every screen: only the last 4 digits are visible.

    Raises like ``decrypt``, so a forged or foreign token is never shown as if valid.
    Example: ``my_number_mask(my_number_encrypt("123456789018")) == "**** **** 9018"``.
    """
    number = decrypt(token, aad=MY_NUMBER_AAD, key=key)
    return "**** **** " + number[-4:]
