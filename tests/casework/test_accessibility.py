"""The staff inbox, case page, My Number reveal and audit screen in Chromium; axe-core
(WCAG 2.1 A/AA) checks each page in the states staff see it, including with errors."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.db import connections
from django.test import Client
from django.utils import timezone
from playwright.sync_api import Browser, BrowserContext

from tests.browser.conftest import browser  # noqa: F401  # the fixture
from tests.browser.pages import Audit, new_context, press
from tests.conftest import staff_login, staff_make
from tsunagu.accounts.staff_models import StaffProfile
from tsunagu.casework.models import Case
from tsunagu.core.crypto import my_number_encrypt

pytestmark = pytest.mark.browser


def _logged_in(chromium: Browser, base_url: str, profile: StaffProfile) -> BrowserContext:
    """A browser context carrying a completed staff session (the login pages have their
    own browser-free tests)."""
    client = staff_login(Client(), profile)
    context = new_context(chromium, base_url=base_url)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": base_url,
            }
        ]
    )
    return context


def test_staff_pages_are_accessible(
    browser: Browser,  # noqa: F811  # the fixture imported above
    live_server: Any,
    new_case: Callable[..., Case],
) -> None:
    try:
        _walk(browser, live_server, new_case)
    finally:
        # The ORM calls made while Playwright runs use a connection of their own (its
        # greenlet): close it, or PostgreSQL cannot drop the test database afterwards.
        connections.close_all()


def _walk(chromium: Browser, live_server: Any, new_case: Callable[..., Case]) -> None:
    case = new_case(
        answers={
            "name": {"sei": "常陸", "mei": "花子"},
            "my_number": my_number_encrypt("123456789018"),
            "pension": "kousei",
        }
    )
    Case.objects.filter(pk=case.pk).update(due_date=timezone.localdate() - dt.timedelta(days=2))
    new_case()  # a second row, due later
    audit = Audit()
    page = _logged_in(chromium, live_server.url, staff_make("a11y-clerk")).new_page()

    page.goto("/staff/")
    audit.check(page, "staff home")
    page.goto("/staff/cases/")
    audit.check(page, "inbox")
    assert page.locator(".deadline--overdue").first.inner_text().endswith("期限超過")
    page.goto("/staff/cases/?q=ひたち&status=all&sort=-submitted")
    audit.check(page, "inbox, searched")
    page.goto("/staff/cases/?q=該当なし")
    audit.check(page, "inbox, nothing found")

    page.goto(f"/staff/cases/{case.pk}/")
    audit.check(page, "case page")
    page.locator("details summary").first.click()
    page.get_by_label("取下げの理由（申し出の方法と日時など）").fill("  ")  # blank: refused
    press(page, "取り下げる")
    audit.check(page, "case page, withdrawal refused")
    page.goto(f"/staff/cases/{case.pk}/")
    page.get_by_label("表示する理由（利用目的）").fill("所得の確認のため")
    press(page, "個人番号を表示")
    assert page.locator("#my-number").inner_text() == "1234 5678 9018"
    audit.check(page, "my number shown")

    auditor = _logged_in(chromium, live_server.url, staff_make("a11y-auditor", role="auditor"))
    audit_page = auditor.new_page()
    audit_page.goto("/staff/audit/")
    audit.check(audit_page, "audit log")
    audit_page.goto("/staff/audit/?since=2026-13-01")
    audit.check(audit_page, "audit log, bad date")
    audit_page.goto("/staff/audit/verify/")
    audit.check(audit_page, "audit verify")

    assert audit.problems == [], audit.report()
