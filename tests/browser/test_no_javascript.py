"""Every citizen page works without JavaScript: a short procedure from start to receipt."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser

from tests.browser.pages import (
    fill,
    new_context,
    path_of,
    press,
    step_id_of,
    step_values,
)
from tsunagu.applications.models import Application
from tsunagu.procedures.loader import catalog

pytestmark = pytest.mark.browser

# 児童手当の寄附の申出: three short steps and no attachments.
CODE = "jidou-teate-kifu"


def test_works_without_javascript(browser: Browser, live_server: Any) -> None:
    proc = catalog().procedures[CODE]
    assert [s.id for s in proc.steps] == ["moushidesha", "kizuki", "gaku"]
    assert not proc.attachments
    context = new_context(browser, base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()

    page.goto(f"/procedures/{CODE}/")
    press(page, "申請を始める")
    assert path_of(page) == "/login/"
    page.get_by_role("link", name="デモ用ログイン（テスト住民を選ぶ）").click()
    page.wait_for_url("**/login/demo/**")
    page.get_by_label("常陸 花子", exact=False).check()
    page.locator("#level-card_signature").check()
    press(page, "ログインする")
    press(page, "申請を始める")

    assert step_id_of(page) == "moushidesha"
    fill(page, step_values(proc, "moushidesha"))
    press(page, "次へ進む")

    # A year before the allowance existed, and no month: the server says what is wrong.
    assert step_id_of(page) == "kizuki"
    page.locator('[name="kifu_fiscal_year"]').fill("1999")
    press(page, "次へ進む")
    assert step_id_of(page) == "kizuki"
    summary = page.locator(".error-summary")
    assert summary.is_visible()
    links = summary.get_by_role("link")
    assert links.count() == 2
    for href in [links.nth(i).get_attribute("href") for i in range(links.count())]:
        assert href and href.startswith("#")
        assert page.locator(href).count() == 1, href
    assert page.locator('[name="kifu_fiscal_year"]').input_value() == "1999"
    # The summary has the focus even without the script (the autofocus attribute).
    assert summary.evaluate("e => document.activeElement === e")

    fill(page, step_values(proc, "kizuki"))
    press(page, "次へ進む")
    assert step_id_of(page) == "gaku"

    # 前に戻る keeps what was entered on the earlier step.
    press(page, "前に戻る")
    assert step_id_of(page) == "kizuki"
    kizuki = step_values(proc, "kizuki")
    assert page.locator('[name="kifu_fiscal_year"]').input_value() == kizuki["kifu_fiscal_year"]
    for month in kizuki["kifu_months"]:
        assert page.locator(f'[name="kifu_months"][value="{month}"]').is_checked()
    press(page, "次へ進む")

    assert step_id_of(page) == "gaku"
    fill(page, step_values(proc, "gaku"))
    press(page, "次へ進む")

    assert path_of(page).endswith("/check/")
    page.locator("#declaration-input").check()
    press(page, "申請する")
    if path_of(page).endswith("/sign/"):
        page.locator("#pin").fill("ABC1234")
        press(page, "署名して申請する")
    assert path_of(page).endswith("/done/")
    receipt = page.locator(".receipt-number").inner_text().strip()
    assert receipt == Application.objects.get(procedure_code=CODE).receipt_number
    context.close()
