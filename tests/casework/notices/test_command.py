"""tsunagu notices eseal|verify."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.casework.notices.test_signing import plain_pdf
from tsunagu.casework.notices.signing import pdf_sign


def test_eseal_names_the_demo_and_its_root() -> None:
    out = StringIO()
    call_command("notices", "eseal", stdout=out)
    assert "デモ用の電子公印です" in out.getvalue()
    assert "root.crt" in out.getvalue()


def test_verify_accepts_a_good_notice_and_refuses_a_tampered_one(tmp_path: Path) -> None:
    good = tmp_path / "good.pdf"
    good.write_bytes(pdf_sign(plain_pdf(), reason="r", location="l"))
    bad = tmp_path / "bad.pdf"
    data = bytearray(good.read_bytes())
    data[100] ^= 1
    bad.write_bytes(bytes(data))
    out = StringIO()
    call_command("notices", "verify", str(good), stdout=out)
    assert "有効" in out.getvalue()
    with pytest.raises(CommandError, match="1 件"):
        call_command("notices", "verify", str(good), str(bad), stdout=StringIO())
