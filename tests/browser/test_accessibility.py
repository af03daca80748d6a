"""A resident applies for 児童手当 in Chromium; axe-core (WCAG 2.1 A/AA) checks every page.

Every page the resident sees is checked, in the state they see it: with an error
summary, after adding a row, after attaching a file, after withdrawing. The guide page,
a form step and the check page are checked in English and やさしい日本語 as well.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page

from tests.browser.pages import (
    Audit,
    fill,
    focus_in_error_summary,
    jpeg_file,
    new_context,
    path_of,
    press,
    step_id_of,
    step_values,
    submit,
    switch_language,
    with_row,
)
from tsunagu.applications.models import Application, Status
from tsunagu.procedures.loader import catalog

pytestmark = pytest.mark.browser

CODE = "jidou-teate-nintei"


def _in_other_languages(page: Page, audit: Audit, label: str, shots: Path) -> None:
    """Check the page in English and やさしい日本語 (screenshots for a human reader)."""
    for name, code in (("English", "en"), ("やさしい日本語", "easy")):
        switch_language(page, name)
        audit.check(page, f"{label} ({name})")
        page.screenshot(path=shots / f"{label.replace(' ', '-')}-{code}.png", full_page=True)
    switch_language(page, "日本語")


def test_complete_application_is_accessible(
    browser: Browser, live_server: Any, screenshots: Path
) -> None:
    proc = catalog().procedures[CODE]
    audit = Audit()
    context = new_context(browser, base_url=live_server.url)
    page = context.new_page()

    # Home -> finder -> guide, as a resident who knows only the reading of the name.
    page.goto("/")
    audit.check(page, "home")
    page.locator("#home-q").fill("じどうてあて")
    press(page, "探す")
    assert "/procedures/?" in page.url
    audit.check(page, "finder results")
    page.get_by_role("link", name=proc.names.ja, exact=True).click()
    page.wait_for_url(f"**/procedures/{CODE}/")
    audit.check(page, "guide")
    _in_other_languages(page, audit, "guide", screenshots)

    # 申請を始める -> login -> demo login (常陸 花子, card with signature) -> start page.
    submit(page, page.locator(".button--start"))
    assert "/login/" in page.url
    audit.check(page, "login")
    page.get_by_role("link", name="デモ用ログイン（テスト住民を選ぶ）").click()
    page.wait_for_url("**/login/demo/**")
    audit.check(page, "demo login")
    page.get_by_label("常陸 花子", exact=False).check()
    page.locator("#level-card_signature").check()
    press(page, "ログインする")
    page.wait_for_url(f"**/procedures/{CODE}/start/")
    audit.check(page, "start")
    press(page, "申請を始める")

    # Step 1 (請求者), first with a wrong 個人番号: the error summary takes the focus.
    assert step_id_of(page) == "seikyusha"
    audit.check(page, "step seikyusha")
    absent = fill(page, step_values(proc, "seikyusha", my_number="1234 5678 9012"))
    # The 4情報 verified by the card are shown, not asked.
    assert {name.split("__")[0] for name in absent} == {"name", "birth_date", "gender", "address"}
    press(page, "次へ進む")
    summary = page.locator(".error-summary")
    assert summary.is_visible()
    assert "個人番号" in summary.inner_text() or "マイナンバー" in summary.inner_text()
    assert focus_in_error_summary(page), page.evaluate("document.activeElement.outerHTML")
    assert page.title().startswith("エラー：")
    audit.check(page, "step seikyusha with an error")
    # The summary's link leads to the field.
    summary.get_by_role("link").first.click()
    assert page.evaluate("document.activeElement.name") == "my_number"
    fill(page, step_values(proc, "seikyusha"))
    press(page, "次へ進む")

    # Step 2 (配偶者), at its top: the #f-my_number of the summary link stays behind.
    assert step_id_of(page) == "haigusha"
    assert urlsplit(page.url).fragment == ""
    audit.check(page, "step haigusha")
    fill(page, step_values(proc, "haigusha"))
    press(page, "次へ進む")

    # Step 3 (支給要件児童): two children, the second added with the button.
    assert step_id_of(page) == "jidou"
    audit.check(page, "step jidou")
    _in_other_languages(page, audit, "step jidou", screenshots)
    children = step_values(proc, "jidou")
    fill(page, children)
    press(page, "お子さんを追加する")
    assert page.locator(".group-item").count() == 2
    assert page.locator('[name="children-0-child_name__sei"]').input_value() != ""
    audit.check(page, "step jidou after adding a child")
    fill(page, with_row(children, "children", 1))
    press(page, "次へ進む")

    # Step 4 (振込先): an account of one's own (not the 公金受取口座), so that the bank
    # book must be attached; the question is the one the attachment's condition reads.
    assert step_id_of(page) == "furikomi"
    audit.check(page, "step furikomi")
    bank_book = next(a for a in proc.attachments if a.id == "bank_book")
    assert bank_book.when is not None and bank_book.when.field and bank_book.when.equals is False
    fill(page, step_values(proc, "furikomi", **{bank_book.when.field: "no"}))
    press(page, "次へ進む")

    # Step 5 (同意).
    assert step_id_of(page) == "doui"
    audit.check(page, "step doui")
    fill(page, step_values(proc, "doui"))
    press(page, "次へ進む")

    # Attachments: a photo of the bank book.
    assert path_of(page).endswith("/attachments/")
    audit.check(page, "attachments")
    page.locator("#file-bank_book").set_input_files(jpeg_file())
    submit(page, page.locator('button[value="upload:bank_book"]'))
    assert "通帳.jpg" in page.locator("#slot-bank_book").inner_text()
    audit.check(page, "attachments after an upload")
    press(page, "次へ進む")

    # Check, in three languages, then submit.
    assert path_of(page).endswith("/check/")
    assert urlsplit(page.url).fragment == ""
    check_text = page.locator("main").inner_text()
    assert "お子さん 2" in check_text and "通帳.jpg" in check_text
    audit.check(page, "check")
    _in_other_languages(page, audit, "check", screenshots)
    page.locator("#declaration-input").check()
    press(page, "申請する")

    # The card's signature: a wrong PIN first (an error), then the right one.
    assert path_of(page).endswith("/sign/")
    audit.check(page, "sign")
    page.locator("#pin").fill("12")
    press(page, "署名して申請する")
    assert focus_in_error_summary(page)
    audit.check(page, "sign error")
    page.locator("#pin").fill("ABC1234")
    press(page, "署名して申請する")

    # Done: the receipt number; then my page, the application, and withdrawal.
    assert path_of(page).endswith("/done/")
    receipt = page.locator(".receipt-number").inner_text().strip()
    app = Application.objects.get(procedure_code=CODE)
    assert receipt == app.receipt_number
    audit.check(page, "done")
    page.get_by_role("link", name="マイページへ", exact=True).click()
    page.wait_for_url("**/mypage/")
    audit.check(page, "my page")
    page.get_by_role("link", name=receipt).click()
    page.wait_for_url(f"**/mypage/applications/{app.pk}/")
    audit.check(page, "application detail")
    page.locator("#confirm").check()
    press(page, "取り下げる")
    assert "申請を取り下げました" in page.locator(".messages").inner_text()
    audit.check(page, "application detail after withdrawal")
    app.refresh_from_db()
    assert app.status == Status.WITHDRAWN

    context.close()
    assert len(audit.pages) >= 24, audit.pages
    assert not audit.problems, audit.report()


def test_the_audit_reports_violations(browser: Browser) -> None:
    """The zero above means something: the same audit flags a page with known faults."""
    context = new_context(browser)
    page = context.new_page()
    page.set_content(
        "<html><head><title>x</title></head><body><main>"
        '<img src="data:,"><label>氏名</label><input name="sei">'
        '<p style="color:#999">薄い文字</p></main></body></html>'
    )
    audit = Audit()
    audit.check(page, "faulty page")
    context.close()
    found = audit.report()
    for rule in ("html-has-lang", "image-alt", "label", "color-contrast"):
        assert f" {rule} (" in found, found
