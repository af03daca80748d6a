"""Our client keys for ``private_key_jwt``: generated on first use, rotated by command.

Each key is one PEM file ``$VAR_DIR/oidc/keys/<created_ns>-<kid>.pem`` (0600, never
committed). The newest key signs; every key in the folder is published at our JWKS URL,
so that during a rollover the provider accepts assertions signed by either key.
``TSUNAGU_OIDC_KEY_ALG`` chooses ES256 (P-256, default) or RS256 (RSA-3072) for new keys.
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from django.conf import settings
from joserfc import jwk

_FILE = re.compile(r"^(?P<created>\d{19,})-(?P<kid>[A-Za-z0-9_-]{16,128})\.pem$")
SUPPORTED_ALGS = ("ES256", "RS256")


@dataclass(frozen=True)
class ClientKey:
    kid: str
    alg: str
    created_ns: int
    key: jwk.ECKey | jwk.RSAKey


def key_dir() -> Path:
    return Path(settings.VAR_DIR) / "oidc" / "keys"


def _new_key_alg() -> str:
    alg = str(getattr(settings, "TSUNAGU_OIDC_KEY_ALG", "ES256"))
    if alg not in SUPPORTED_ALGS:
        raise ValueError(f"TSUNAGU_OIDC_KEY_ALG must be one of {SUPPORTED_ALGS}, not {alg!r}")
    return alg


def _load(path: Path) -> ClientKey | None:
    match = _FILE.match(path.name)
    if match is None:
        return None
    pem = path.read_bytes()
    raw = serialization.load_pem_private_key(pem, password=None)
    key: jwk.ECKey | jwk.RSAKey
    if isinstance(raw, ec.EllipticCurvePrivateKey):
        alg, key = "ES256", jwk.ECKey.import_key(pem)
    elif isinstance(raw, rsa.RSAPrivateKey):
        alg, key = "RS256", jwk.RSAKey.import_key(pem)
    else:  # pragma: no cover - we only ever write EC and RSA keys
        return None
    return ClientKey(kid=match["kid"], alg=alg, created_ns=int(match["created"]), key=key)


def client_keys() -> list[ClientKey]:
    """All our keys, oldest first (without creating one)."""
    folder = key_dir()
    if not folder.is_dir():
        return []
    keys = [k for k in (_load(p) for p in folder.glob("*.pem")) if k is not None]
    return sorted(keys, key=lambda k: (k.created_ns, k.kid))


def key_rotate() -> ClientKey:
    """Create a new key, which signs from now on; older keys stay published.

    >>> key_rotate().kid  # doctest: +SKIP
    'pQ1r...'
    """
    alg = _new_key_alg()
    key: jwk.ECKey | jwk.RSAKey
    if alg == "ES256":
        key = jwk.ECKey.generate_key("P-256", private=True)
    else:
        key = jwk.RSAKey.generate_key(3072, private=True)
    kid = key.thumbprint()
    created = time.time_ns()
    folder = key_dir()
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)
    path = folder / f"{created}-{kid}.pem"
    # Created with 0600 from the start: the private key is never readable by others.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key.as_pem(private=True))
    return ClientKey(kid=kid, alg=alg, created_ns=created, key=key)


def key_retire(kid: str) -> None:
    """Stop publishing the key ``kid`` and delete it; the last key cannot be retired.

    >>> key_retire("pQ1r...")  # doctest: +SKIP
    """
    keys = client_keys()
    matches = [k for k in keys if k.kid == kid]
    if not matches:
        raise LookupError(kid)
    if len(keys) == 1:
        raise ValueError("the only key cannot be retired; rotate first")
    for path in key_dir().glob(f"*-{kid}.pem"):
        path.unlink()


def signing_key() -> ClientKey:
    """The newest key, generated on first use."""
    keys = client_keys()
    return keys[-1] if keys else key_rotate()


def public_jwks() -> dict[str, Any]:
    """Our JWKS document: public parts only, newest key first."""
    signing_key()
    out = []
    for k in reversed(client_keys()):
        entry: dict[str, Any] = dict(k.key.as_dict(private=False))
        entry.update({"kid": k.kid, "use": "sig", "alg": k.alg})
        out.append(entry)
    return {"keys": out}
