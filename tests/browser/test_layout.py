"""Small screens and zoom: no horizontal scrolling, and targets big enough for a finger.

WCAG 2.1 1.4.10 (Reflow) asks for content at 320 CSS px without scrolling in two
directions: a 1280 px wide screen at 400 % zoom. Chromium's page zoom is emulated the way
the criterion defines it, as a 320 px wide viewport with four device pixels per CSS pixel.
The other width is a common small phone (360 px).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from tests.browser.pages import (
    TOUCH_PX,
    horizontal_overflow,
    log_in,
    new_context,
    press,
    small_targets,
    walk_to_check,
)
from tsunagu.procedures.loader import catalog

pytestmark = pytest.mark.browser

CODE = "jidou-teate-nintei"
PHONE = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2, "is_mobile": True}
ZOOM_400 = {"viewport": {"width": 320, "height": 256}, "device_scale_factor": 4}


def _layout_problems(page: Page, where: str) -> list[str]:
    """What stops ``page`` from working at its width: horizontal scrolling, small targets.

    ``scrollWidth <= clientWidth`` is the exact condition for "no horizontal scroll bar"
    (``window.innerWidth`` would also count a vertical scroll bar's width as room).
    """
    problems = []
    box = horizontal_overflow(page)
    if box["scrollWidth"] > box["clientWidth"]:
        problems.append(f"{where}: scrolls sideways: {box}")
    small = small_targets(page)
    if small:
        problems.append(f"{where}: controls lower than {TOUCH_PX} px: {small}")
    return problems


def test_small_screen_and_zoom(browser: Browser, live_server: Any, screenshots: Path) -> None:
    proc = catalog().procedures[CODE]
    phone = new_context(browser, base_url=live_server.url, has_touch=True, **PHONE)
    page = phone.new_page()
    log_in(page, f"/procedures/{CODE}/start/")
    press(page, "申請を始める")
    seen = walk_to_check(page, proc, rows=2)
    pages = {
        "guide": f"/procedures/{CODE}/",
        "group step": seen["jidou"],
        "check": seen["check"],
    }

    problems = []
    for name, path in pages.items():
        page.goto(path)
        problems += _layout_problems(page, f"{name} at 360 px")
    page.goto(pages["group step"])
    assert page.locator(".group-item").count() == 2
    page.screenshot(path=screenshots / "360-step-jidou.png", full_page=True)
    page.goto(pages["check"])
    page.screenshot(path=screenshots / "360-check.png", full_page=True)

    # The same pages at 400 % zoom, logged in as the same resident.
    zoomed = new_context(
        browser, base_url=live_server.url, storage_state=phone.storage_state(), **ZOOM_400
    )
    page = zoomed.new_page()
    for name, path in pages.items():
        page.goto(path)
        assert page.evaluate("window.innerWidth") == 320
        problems += _layout_problems(page, f"{name} at 400 % zoom")
    page.goto(pages["group step"])
    page.screenshot(path=screenshots / "zoom400-step-jidou.png")
    zoomed.close()
    phone.close()
    assert not problems, "\n".join(problems)
