"""The approval pages in Chromium; axe-core (WCAG 2.1 A/AA) checks each in the states staff
see it: the draft form with its errors, a route with a 合議, the waiting list, deputies."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Browser, BrowserContext

from tests.browser.conftest import browser  # noqa: F401  # the fixture
from tests.browser.pages import Audit, new_context, press, press_value
from tests.conftest import staff_login
from tsunagu.accounts.staff_models import StaffProfile
from tsunagu.casework.models import Case, CaseStatus

pytestmark = pytest.mark.browser


def _logged_in(chromium: Browser, base_url: str, profile: StaffProfile) -> BrowserContext:
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


def test_approval_pages_are_accessible(
    browser: Browser,  # noqa: F811  # the fixture imported above
    live_server: Any,
    make_case: Callable[..., Case],
    people: dict[str, StaffProfile],
) -> None:
    case = make_case("risai-shomeisho")
    audit = Audit()
    clerk = _logged_in(browser, live_server.url, people["z_clerk"]).new_page()
    url = f"/staff/approvals/cases/{case.pk}/"

    clerk.goto(url)
    audit.check(clerk, "draft form")
    clerk.get_by_label("承認", exact=True).check()
    press(clerk, "保存して決裁に回す")  # no damage level: refused
    assert clerk.locator("#approval-damage-error").is_visible()
    audit.check(clerk, "draft form with errors")
    clerk.get_by_label("半壊", exact=True).check()
    clerk.get_by_label("金額1の名称").fill("被災者生活再建支援金")
    clerk.get_by_label("金額1（円）").fill("500000")
    press(clerk, "保存して決裁に回す")
    case.refresh_from_db()
    assert case.status == CaseStatus.APPROVING
    audit.check(clerk, "route under way")

    kiki = _logged_in(browser, live_server.url, people["kiki_chief"]).new_page()
    kiki.goto("/staff/approvals/")
    audit.check(kiki, "waiting list")
    kiki.goto(url)
    audit.check(kiki, "consultation")
    press_value(kiki, "consult_disagree")  # without a reason: refused
    assert kiki.locator("#approval-comment-error").is_visible()
    audit.check(kiki, "consultation refused")

    head = _logged_in(browser, live_server.url, people["head"]).new_page()
    head.goto("/staff/approvals/deputies/")
    audit.check(head, "deputies")
    press(head, "指定する")  # nothing chosen
    audit.check(head, "deputies with an error")

    assert audit.problems == [], audit.report()
