"""Fixtures of the core tests: field specs, a fixed 個人番号 key, compiled catalogs."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.utils.translation import trans_real

from tsunagu.procedures.schema import FieldDef

LOCALE_DIR = Path(__file__).resolve().parents[2] / "src" / "tsunagu" / "core" / "locale"
TEST_KEY_HEX = "00" * 31 + "01"
OPTIONS = [
    {"value": "a", "label": {"ja": "選択肢A", "en": "Option A", "easy": "えらぶA"}},
    {"value": "b", "label": {"ja": "選択肢B", "en": "Option B"}},
    {"value": "c", "label": {"ja": "選択肢C", "en": "Option C"}},
]


def make_spec(type_: str, **extra: Any) -> FieldDef:
    """A FieldDef of the given type, with options for the choice types."""
    data: dict[str, Any] = {
        "id": "f",
        "type": type_,
        "label": {"ja": "項目", "en": "Item", "easy": "こうもく"},
    }
    if type_ in {"choice", "multi_choice"}:
        data["options"] = OPTIONS
    data.update(extra)
    return FieldDef.model_validate(data)


@pytest.fixture
def spec() -> Callable[..., FieldDef]:
    return make_spec


@pytest.fixture(autouse=True)
def _mynumber_key(settings: Any) -> None:
    settings.TSUNAGU_MYNUMBER_KEY = TEST_KEY_HEX


def _compile_catalogs() -> bool:
    """Build the core .mo files when missing or stale (``make`` does it for a full run)."""
    msgfmt = shutil.which("msgfmt")
    changed = False
    for po in LOCALE_DIR.glob("*/LC_MESSAGES/django.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        if msgfmt is None:
            return False
        subprocess.run([msgfmt, "--check", "-o", str(mo), str(po)], check=True)  # noqa: S603
        changed = True
    if changed:
        # Catalogs already loaded in this process would hide the new translations.
        trans_real._translations = {}
        trans_real._default = None
    return True


@pytest.fixture(scope="session")
def catalogs() -> None:
    if not _compile_catalogs():
        pytest.skip("msgfmt is not installed: translations cannot be compiled")
