"""やさしい日本語 in Chromium: the staff checker (axe-core), and the two switches of a
public page used without JavaScript."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Browser, Page

from tests.browser.pages import Audit, new_context, path_of, submit, switch_language
from tests.conftest import staff_login, staff_make
from tsunagu.portal import easy
from tsunagu.procedures.loader import catalog

pytestmark = pytest.mark.browser

CODE = "jidou-teate-nintei"
NOTICE = (
    "本日、避難所の開設に伴い、ご不明な点がございましたら市役所（電話029-273-0111）まで"
    "お問い合わせください。令和8年12月1日15時までに申請書をご提出いただかない場合は、"
    "受付できないわけではありません。\nマイナンバーカードをご持参ください。"
)


def _button_names(page: Page) -> list[str]:
    """The accessible names of the page's buttons, as Chromium computes them."""
    cdp = page.context.new_cdp_session(page)
    tree = cdp.send("Accessibility.getFullAXTree")
    return [
        n["name"]["value"]
        for n in tree["nodes"]
        if n.get("role", {}).get("value") == "button" and "name" in n
    ]


def test_staff_checker_in_a_browser(browser: Browser, live_server: Any, screenshots: Path) -> None:
    # A member of staff with a completed login (password and TOTP), as the login pages
    # leave the session; its cookie goes into the browser.
    client = staff_login(Client(), staff_make("yasashii-browser"))
    session_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    context = new_context(browser, base_url=live_server.url)
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session_key, "url": live_server.url}]
    )
    page = context.new_page()
    audit = Audit()

    page.goto("/staff/yasashii/")
    assert page.locator("h1").inner_text() == "やさしい日本語チェック"
    audit.check(page, "checker")

    # Nothing pasted: the error is next to the field and in the summary, which has focus.
    submit(page, page.get_by_role("button", name="確かめる", exact=True))
    assert page.locator("#text-error").is_visible()
    assert page.evaluate("() => !!document.activeElement.closest('.error-summary')")
    audit.check(page, "checker with an error")

    page.get_by_label("確かめる文章").fill(NOTICE)
    submit(page, page.get_by_role("button", name="確かめる", exact=True))
    assert path_of(page) == "/staff/yasashii/"
    assert page.get_by_label("確かめる文章").input_value() == NOTICE
    result = page.locator("#result")
    assert result.is_visible()
    assert "（" in page.locator("#score-before").inner_text()
    assert "すべて残っています" in page.locator("#facts-status").inner_text()
    sentences = page.locator(".yasashii-sentence")
    assert sentences.count() == 3
    first = sentences.first
    assert first.locator("mark.yasashii-mark").count() >= 1
    # Each highlight says which problem it is in text, not by colour alone.
    assert "［1" in first.locator("mark.yasashii-mark").first.inner_text()
    assert "二重否定" in sentences.nth(1).inner_text()
    assert page.locator("#rewrite").inner_text().strip()
    audit.check(page, "checker with a result")
    page.screenshot(path=screenshots / "yasashii-checker.png", full_page=True)

    # The same check as JSON, from the page's own session and CSRF token.
    token = next(c["value"] for c in context.cookies() if c["name"] == settings.CSRF_COOKIE_NAME)
    response = page.request.post(
        "/staff/yasashii/api/", data={"text": NOTICE}, headers={"X-CSRFToken": token}
    )
    assert response.status == 200
    data = response.json()
    assert len(data["sentences"]) == 3
    assert data["rewrite"].split("\n")[0] in page.locator("#rewrite").inner_text()
    assert data["facts_preserved"] is True
    context.close()
    assert not audit.problems, audit.report()


def test_furigana_and_easy_japanese_without_javascript(browser: Browser, live_server: Any) -> None:
    proc = catalog().procedures[CODE]
    context = new_context(browser, base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()

    page.goto(f"/procedures/{CODE}/")
    assert page.locator("main ruby").count() == 0
    switch = page.get_by_role("button", name="ふりがな", exact=True)
    assert switch.get_attribute("aria-pressed") == "false"
    assert "オフ" in switch.inner_text()

    # On: furigana over the content, back on the same page.
    submit(page, switch)
    assert path_of(page) == f"/procedures/{CODE}/"
    switch = page.get_by_role("button", name="ふりがな", exact=True)
    assert switch.get_attribute("aria-pressed") == "true"
    assert "オン" in switch.inner_text()
    assert page.locator("main ruby").count() > 20
    assert page.locator("main h1 ruby rt").count() >= 1
    assert page.locator("header ruby").count() == 0
    # The readings are hidden from assistive technology: names stay as they are written
    # (asked of Chromium's own accessibility tree; Playwright's name puts spaces in ruby).
    assert page.locator(".button--start ruby rt[aria-hidden=true]").count() >= 1
    assert "申請を始める" in _button_names(page)
    # The text read without the readings is still the page's text.
    assert (
        page.evaluate(
            "() => { const h = document.querySelector('main h1').cloneNode(true);"
            " h.querySelectorAll('rt').forEach(r => r.remove()); return h.textContent.trim(); }"
        )
        == proc.names.ja
    )

    # It persists on the next page.
    page.goto("/procedures/")
    assert page.locator("main ruby").count() > 0

    # やさしい日本語: the procedure's own easy texts, and furigana still on.
    page.goto(f"/procedures/{CODE}/")
    switch_language(page, "やさしい日本語")
    assert (
        page.locator("main h1").evaluate(
            "h => { const c = h.cloneNode(true); c.querySelectorAll('rt').forEach(r => r.remove());"
            " return c.textContent.trim(); }"
        )
        == proc.names.easy
    )
    assert page.locator("main ruby").count() > 0
    if easy.has_automatic(easy.guide_texts(proc)):
        assert page.locator(".auto-easy__note").count() == 1
        assert page.locator(".auto-easy__mark").count() >= 1
    # It persists too.
    page.goto("/")
    assert page.locator(".lang-switch__current").inner_text().strip() == "やさしい日本語"

    # Off again.
    page.goto(f"/procedures/{CODE}/")
    submit(page, page.get_by_role("button", name="ふりがな", exact=True))
    assert page.locator("main ruby").count() == 0
    context.close()


def test_switches_pass_axe(browser: Browser, live_server: Any, screenshots: Path) -> None:
    """The guide page with both switches on is as accessible as without."""
    context = new_context(browser, base_url=live_server.url)
    page = context.new_page()
    audit = Audit()
    page.goto(f"/procedures/{CODE}/")
    submit(page, page.get_by_role("button", name="ふりがな", exact=True))
    audit.check(page, "guide with furigana")
    switch_language(page, "やさしい日本語")
    audit.check(page, "easy guide with furigana")
    page.screenshot(path=screenshots / "guide-easy-furigana.png", full_page=True)
    page.set_viewport_size({"width": 360, "height": 800})
    page.screenshot(path=screenshots / "guide-easy-furigana-phone.png")
    context.close()
    assert not audit.problems, audit.report()
