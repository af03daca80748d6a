"""The staff menu shows each role the sections it can open, and nothing else."""

from __future__ import annotations

import re
from typing import Any

import pytest

pytestmark = pytest.mark.django_db

# The sections each role must see in the menu (labels), and must not.
EXPECTED = {
    "clerk": {"案件一覧", "決裁", "窓口受付", "基幹システムへの出力", "やさしい日本語チェック"},
    "director": {"案件一覧", "決裁", "基幹システムへの出力", "やさしい日本語チェック"},
    "admin": {"基幹システムへの出力", "やさしい日本語チェック"},
    "auditor": {"監査ログ", "やさしい日本語チェック"},
}
ALL = set().union(*EXPECTED.values())


def _menu(html: str) -> dict[str, str]:
    nav = re.search(r'<nav class="staff-nav".*?</nav>', html, re.S)
    assert nav, "no staff menu"
    return dict(
        (label, href) for href, label in re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', nav[0])
    )


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_each_role_sees_only_what_it_can_open(staff_client: Any, role: str) -> None:
    client = staff_client(role=role)
    menu = _menu(client.get("/staff/").content.decode())
    assert "職員トップ" in menu
    shown = set(menu) - {"職員トップ"}
    assert shown == EXPECTED[role]
    for label, href in menu.items():
        assert client.get(href).status_code == 200, (role, label, href)
    assert not (ALL - EXPECTED[role]) & shown


def test_no_menu_before_login_nor_on_public_pages(client: Any, staff_client: Any) -> None:
    assert 'class="staff-nav"' not in client.get("/staff/login/").content.decode()
    assert 'class="staff-nav"' not in staff_client(role="clerk").get("/").content.decode()
