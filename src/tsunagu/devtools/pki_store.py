"""Files of the demo certificate hierarchies (``demo_jpki``, ``demo_eseal``): each
certificate and its key under one folder, written once and read by every process.

``<name>.crt`` holds the PEM certificate, ``<name>.key`` the PKCS#8 key (mode 0600,
written through a temporary file so a reader never sees half a key), and ``.lock``
serialises the processes (granian workers) that might create the hierarchy at once.
"""

from __future__ import annotations

import contextlib
import fcntl
from collections.abc import Iterator
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tsunagu.devtools.jpki_ca import Issued


def write_private(path: Path, data: bytes) -> None:
    """Write ``data`` readable by the owner only, replacing ``path`` in one step."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(data)
    tmp.chmod(0o600)
    tmp.replace(path)


def key_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def load_issued(folder: Path, name: str) -> Issued | None:
    """The certificate ``name`` and its key, or None while either file is missing."""
    cert_path, key_path = folder / f"{name}.crt", folder / f"{name}.key"
    if not (cert_path.exists() and key_path.exists()):
        return None
    key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)  # noqa: S101  # written by save_issued
    return Issued(x509.load_pem_x509_certificate(cert_path.read_bytes()), key)


def save_issued(folder: Path, name: str, issued: Issued) -> None:
    write_private(folder / f"{name}.key", key_pem(issued.key))
    (folder / f"{name}.crt").write_bytes(issued.pem)


@contextlib.contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    """An exclusive lock across processes, so that the hierarchy is created only once."""
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / ".lock").open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
