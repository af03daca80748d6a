"""Our client keys: generated on first use (0600), published public-only, rotated."""

from __future__ import annotations

import stat
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from tsunagu.accounts.oidc import keys


def test_first_use_generates_a_private_key_file_readable_only_by_us() -> None:
    assert keys.client_keys() == []
    key = keys.signing_key()
    files = list(keys.key_dir().glob("*.pem"))
    assert len(files) == 1 and key.kid in files[0].name
    assert stat.S_IMODE(files[0].stat().st_mode) == 0o600
    assert keys.signing_key().kid == key.kid  # loaded, not generated again


@pytest.mark.django_db
def test_jwks_url_publishes_public_keys_only(client: Client) -> None:
    response = client.get("/oidc/jwks.json")
    assert response.status_code == 200
    (entry,) = response.json()["keys"]
    assert entry["kty"] == "EC" and entry["alg"] == "ES256" and entry["use"] == "sig"
    assert "d" not in entry  # the private part
    assert entry["kid"] == keys.signing_key().kid


def test_rotation_publishes_both_keys_and_the_newest_signs() -> None:
    old = keys.signing_key()
    new = keys.key_rotate()
    assert keys.signing_key().kid == new.kid
    assert [k["kid"] for k in keys.public_jwks()["keys"]] == [new.kid, old.kid]
    keys.key_retire(old.kid)
    assert [k["kid"] for k in keys.public_jwks()["keys"]] == [new.kid]
    with pytest.raises(ValueError):
        keys.key_retire(new.kid)  # the last key
    with pytest.raises(LookupError):
        keys.key_retire("no-such-kid-0000000")


def test_rsa_keys_when_configured(settings: Any) -> None:
    settings.TSUNAGU_OIDC_KEY_ALG = "RS256"
    key = keys.signing_key()
    assert key.alg == "RS256"
    assert keys.public_jwks()["keys"][0]["kty"] == "RSA"
    assert "d" not in keys.public_jwks()["keys"][0]


def test_management_command_rotates_and_retires(capsys: pytest.CaptureFixture[str]) -> None:
    old = keys.signing_key()
    call_command("oidc", "rotate-key")
    assert "新しい鍵を作成しました" in capsys.readouterr().out
    assert len(keys.client_keys()) == 2
    call_command("oidc", "retire-key", old.kid)
    assert [k.kid for k in keys.client_keys()] != [old.kid]
    with pytest.raises(CommandError, match="その鍵はありません"):
        call_command("oidc", "retire-key", old.kid)
