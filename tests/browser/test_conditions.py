"""Conditional questions: the page shows them only when they apply (with JavaScript), and
questions decided on earlier pages are not asked at all."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.pages import log_in, new_context, press

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_conditional_question_follows_the_answer(browser: Any, live_server: Any) -> None:
    context = new_context(browser, base_url=live_server.url)
    page = context.new_page()
    log_in(page, "/procedures/jidou-teate-nintei/start/")
    press(page, "申請を始める")
    page.goto(page.url.replace("/seikyusha/", "/haigusha/"))
    assert page.locator('[name="has_spouse"]').count() == 2
    spouse_name = page.locator('[name="spouse_name__sei"]')
    assert not spouse_name.is_visible()  # nothing chosen yet
    page.locator('[name="has_spouse"][value="yes"]').check()
    assert spouse_name.is_visible()
    page.locator('[name="has_spouse"][value="no"]').check()
    assert not spouse_name.is_visible()
    context.close()


def test_answers_are_saved_in_the_background(browser: Any, live_server: Any) -> None:
    from tsunagu.applications.models import Draft

    context = new_context(browser, base_url=live_server.url)
    page = context.new_page()
    log_in(page, "/procedures/jidou-teate-nintei/start/")
    press(page, "申請を始める")
    page.goto(page.url.replace("/seikyusha/", "/haigusha/"))
    page.locator('[name="has_spouse"][value="no"]').check()
    page.wait_for_function(
        "document.querySelector('[data-autosave-status]').textContent.length > 0", timeout=10_000
    )
    assert Draft.objects.get().answers.get("has_spouse") is False
    context.close()


def test_switching_language_keeps_what_was_typed(browser: Any, live_server: Any) -> None:
    from tsunagu.applications.models import Draft

    context = new_context(browser, base_url=live_server.url)
    page = context.new_page()
    log_in(page, "/procedures/jidou-teate-nintei/start/")
    press(page, "申請を始める")
    page.goto(page.url.replace("/seikyusha/", "/haigusha/"))
    page.locator('[name="has_spouse"][value="no"]').check()
    with page.expect_navigation():
        page.get_by_role("button", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator('[name="has_spouse"][value="no"]').is_checked()
    assert Draft.objects.get().answers.get("has_spouse") is False
    context.close()
