"""Fixtures of the OpenID tests: our key folder per test, a provider key we sign with."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from joserfc import jwk, jwt

ISSUER = "https://op.example/api/realms/main"
CLIENT_ID = "RP00000001"


@pytest.fixture(autouse=True)
def _own_var_dir(settings: Any, tmp_path: Path) -> Iterator[None]:
    """Our client keys go to the test's own folder; the provider caches start empty."""
    from tsunagu.accounts.oidc.client import discovery_clear
    from tsunagu.accounts.oidc.plugin import OIDCPlugin
    from tsunagu.accounts.plugins import registry

    settings.VAR_DIR = tmp_path / "var"
    discovery_clear()
    for plugin_id in ("digital-auth-app", "oidc"):
        plugin = registry._plugins.get(plugin_id)  # the global plugin instances' caches
        if isinstance(plugin, OIDCPlugin):
            plugin.reset_caches()
    yield
    discovery_clear()


class ProviderKeys:
    """A fake provider's signing keys and the JWKS it publishes."""

    def __init__(self) -> None:
        self.ec = jwk.ECKey.generate_key("P-256", parameters={"kid": "ec-1"}, private=True)
        self.rsa = jwk.RSAKey.generate_key(2048, parameters={"kid": "rsa-1"}, private=True)
        self.published: list[jwk.ECKey | jwk.RSAKey] = [self.ec, self.rsa]

    def jwks(self) -> dict[str, Any]:
        return {"keys": [k.as_dict(private=False) for k in self.published]}

    def claims(self, **overrides: Any) -> dict[str, Any]:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": ISSUER,
            "aud": CLIENT_ID,
            "sub": "ppid-0001",
            "iat": now,
            "exp": now + 300,
            "nonce": "n-0001",
            "acr": "aal3",
        }
        claims.update(overrides)
        return {k: v for k, v in claims.items() if v is not None}

    def token(self, *, alg: str = "ES256", kid: str = "ec-1", **overrides: Any) -> str:
        key = self.ec if alg == "ES256" else self.rsa
        return jwt.encode({"alg": alg, "kid": kid}, self.claims(**overrides), key)


@pytest.fixture
def provider_keys() -> ProviderKeys:
    return ProviderKeys()
