"""The ``demo`` authentication plugin: pick a fictional test resident.

Off unless ``TSUNAGU_DEMO_AUTH=1`` (``make run`` sets it). It lets an operator try every
procedure, including those that need the My Number Card, without a card: the chosen
assurance is what the real plugins would give.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import yaml
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy

from tsunagu.accounts.plugins import AuthPlugin, Identity, registry
from tsunagu.procedures.schema import Assurance

LEVEL_CHOICES = [
    (Assurance.ACCOUNT.value, gettext_lazy("アカウントでログイン（本人確認なし）")),
    (Assurance.MYNUMBER_CARD.value, gettext_lazy("マイナンバーカードでログイン")),
    (
        Assurance.CARD_SIGNATURE.value,
        gettext_lazy("マイナンバーカードでログインし、電子署名もする"),
    ),
]


DEMO_FILE = Path(__file__).parent / "demo" / "residents.yaml"


@functools.cache
def demo_residents() -> list[dict[str, Any]]:
    with DEMO_FILE.open(encoding="utf-8") as fh:
        data: list[dict[str, Any]] = yaml.safe_load(fh)
    return data


@functools.cache
def demo_staff() -> list[dict[str, str]]:
    """The demo staff accounts of ``make run`` (``demo/staff.yaml``)."""
    with (Path(__file__).parent / "demo" / "staff.yaml").open(encoding="utf-8") as fh:
        data: list[dict[str, str]] = yaml.safe_load(fh)
    return data


def demo_staff_password() -> str:
    """The demo staff's password: generated once per installation into
    ``$TSUNAGU_VAR_DIR/demo-staff.json``, never a password shipped in the code."""
    path = Path(settings.VAR_DIR) / "demo-staff.json"
    if path.exists():
        return str(json.loads(path.read_text(encoding="utf-8"))["password"])
    password = "-".join(secrets.token_urlsafe(6) for _ in range(3))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"password": password}), encoding="utf-8")
    path.chmod(0o600)
    return password


def demo_identity(subject: str, assurance: Assurance) -> Identity | None:
    """The identity of one demo resident at the chosen assurance level, or None."""
    row = next((r for r in demo_residents() if r["subject"] == subject), None)
    if row is None:
        return None
    birth = row["birth_date"]
    card = assurance.rank >= Assurance.MYNUMBER_CARD.rank
    return Identity(
        provider="demo",
        subject=row["subject"],
        assurance=assurance,
        name_sei=row["name_sei"],
        name_mei=row["name_mei"],
        kana_sei=row["kana_sei"],
        kana_mei=row["kana_mei"],
        birth_date=birth if isinstance(birth, dt.date) else dt.date.fromisoformat(str(birth)),
        gender=row["gender"],
        postal_code=row["postal_code"],
        address=row["address"],
        phone=row["phone"],
        email=row["email"],
        # A card login vouches for the 4情報; an account login for nothing.
        verified=("name", "address", "birth_date", "gender") if card else (),
    )


@registry.register("demo")
class DemoPlugin(AuthPlugin):
    label = gettext_lazy("デモ用ログイン（テスト住民を選ぶ）")
    assurance = Assurance.CARD_SIGNATURE

    def enabled(self) -> bool:
        return bool(settings.TSUNAGU_DEMO_AUTH)

    def check_config(self) -> list[str]:
        if not settings.DEBUG and settings.TSUNAGU_DEMO_AUTH and not settings.ALLOWED_HOSTS:
            return ["デモ用ログインが本番設定で有効になっています"]
        return []

    def start(self, request: HttpRequest, next_url: str) -> HttpResponse:
        return HttpResponseRedirect(
            reverse("accounts:demo_login") + "?" + urlencode({"next": next_url})
        )
