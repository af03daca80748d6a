"""``tsunagu demo load|banner``: demo residents and staff for ``make run``."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import authenticate
from django.core.management import call_command

from tsunagu.accounts.demo_plugin import demo_staff
from tsunagu.accounts.models import Resident
from tsunagu.accounts.staff_models import StaffProfile

pytestmark = pytest.mark.django_db


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


def test_load_is_idempotent_and_staff_must_still_enrol_totp() -> None:
    _run("load")
    _run("load")
    assert Resident.objects.filter(provider="demo").count() > 0
    profiles = StaffProfile.objects.select_related("user")
    assert profiles.count() == len(demo_staff())
    assert {p.role for p in profiles} >= {"clerk", "chief", "section_head", "auditor"}
    assert not any(p.totp_confirmed for p in profiles)
    path = Path(settings.VAR_DIR) / "demo-staff.json"
    password = json.loads(path.read_text(encoding="utf-8"))["password"]
    assert path.stat().st_mode & 0o077 == 0
    assert len(password) >= 18
    assert authenticate(username="kodomo-tantou", password=password) is not None


def test_banner_names_the_staff_and_their_password() -> None:
    _run("load")
    password = json.loads((Path(settings.VAR_DIR) / "demo-staff.json").read_text())["password"]
    banner = _run("banner", "--url", "http://127.0.0.1:8000/")
    assert "http://127.0.0.1:8000/staff/" in banner and password in banner
    assert all(m["username"] in banner for m in demo_staff())
