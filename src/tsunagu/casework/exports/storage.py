"""Export files at rest: AES-256-GCM, with a key derived from the deployment's key.

An export can carry 個人番号 in clear and always carries personal data, so the copy kept
for later downloads is encrypted like the 個人番号 itself. The key is derived (HKDF-SHA256)
from ``TSUNAGU_MYNUMBER_KEY`` with its own label, so a file key never opens a 個人番号
token and vice versa. Layout: ``TSGX1`` || nonce (12) || ciphertext+tag.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

from tsunagu.core import crypto

MAGIC = b"TSGX1"
_INFO = b"tsunagu.exports.file"
_NONCE = 12


class ExportFileError(Exception):
    """The stored file was altered or was sealed with another key."""


def _key() -> bytes:
    crypto.check_config()
    master = bytes.fromhex(settings.TSUNAGU_MYNUMBER_KEY)
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(master)


def file_seal(data: bytes, *, name: str) -> bytes:
    """Encrypt an export file; ``name`` (the stored name) is bound as associated data.

    Example: ``file_open(file_seal(b"x", name="a"), name="a") == b"x"``.
    """
    nonce = os.urandom(_NONCE)
    return MAGIC + nonce + AESGCM(_key()).encrypt(nonce, data, name.encode())


def file_open(sealed: bytes, *, name: str) -> bytes:
    """Decrypt a file made by ``file_seal`` under the same name; ``ExportFileError`` else."""
    if not sealed.startswith(MAGIC):
        raise ExportFileError("not an export file")
    body = sealed[len(MAGIC) :]
    try:
        return AESGCM(_key()).decrypt(body[:_NONCE], body[_NONCE:], name.encode())
    except InvalidTag as exc:
        raise ExportFileError("the export file was altered or sealed with another key") from exc
