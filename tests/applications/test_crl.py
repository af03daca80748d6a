"""Refreshing the JPKI revocation lists from the configured sources."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from django.core.management import call_command
from django.core.management.base import CommandError

from tsunagu.applications.crl import crl_refresh, crl_status
from tsunagu.devtools.jpki_ca import jpki_test_ca


def test_refresh_copies_valid_crls_and_keeps_old_ones_on_failure(
    tmp_path: Path, settings: Any
) -> None:
    ca = jpki_test_ca()
    now = dt.datetime.now(dt.UTC)
    good = tmp_path / "source.crl"
    good.write_bytes(
        ca.crl(
            last_update=now - dt.timedelta(days=1), next_update=now + dt.timedelta(days=1)
        ).public_bytes(serialization.Encoding.DER)
    )
    broken = tmp_path / "broken.crl"
    broken.write_bytes(b"not a crl")
    target = tmp_path / "crl"
    settings.TSUNAGU_JPKI_CRL_DIR = str(target)
    assert crl_refresh(sources=[str(good)]) == []
    problems = crl_refresh(sources=[str(good), str(broken), str(tmp_path / "missing.crl")])
    assert len(problems) == 2
    status = crl_status()
    assert len(status) == 1 and not status[0].stale
    assert crl_status(now=now + dt.timedelta(days=2))[0].stale
    out = StringIO()
    call_command("jpki", "status", stdout=out)
    assert "有効" in out.getvalue()
    settings.TSUNAGU_JPKI_CRL_SOURCES = [str(broken)]
    with pytest.raises(CommandError):
        call_command("jpki", "refresh-crl", stdout=StringIO(), stderr=StringIO())
