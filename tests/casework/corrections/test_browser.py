"""A correction round in Chromium, through the pages, without JavaScript shortcuts: axe-core
(WCAG 2.1 A/AA) checks every page of both sides, in the state people see it."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.db import connections
from django.test import Client
from playwright.sync_api import Browser

from tests.browser.pages import Audit, focus_in_error_summary, jpeg_file, log_in, new_context, press
from tests.conftest import staff_login
from tsunagu.casework.corrections.models import CaseCorrection
from tsunagu.casework.models import Case, CaseStatus

pytestmark = pytest.mark.browser


def test_a_correction_round_is_accessible(
    browser: Browser, live_server: Any, reviewed_case: Case, staff_client: Any
) -> None:
    try:
        _walk(browser, live_server, reviewed_case, staff_client)
    finally:
        # The ORM calls of the walk run inside Playwright's greenlet, with a connection of
        # their own: close it, or PostgreSQL cannot drop the test database afterwards.
        connections.close_all()


def _walk(browser: Browser, live_server: Any, reviewed_case: Case, staff_client: Any) -> None:
    audit = Audit()
    clerk = staff_client()
    staff = new_context(browser, base_url=live_server.url)
    session = Client()
    staff_login(session, clerk.staff)
    staff.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": session.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    desk = staff.new_page()
    desk.goto(f"/staff/cases/{reviewed_case.pk}/")
    audit.check(desk, "case page with the corrections panel")
    desk.goto(f"/staff/cases/{reviewed_case.pk}/corrections/new/")
    audit.check(desk, "request form")
    press(desk, "補正を依頼する")
    assert focus_in_error_summary(desk)
    audit.check(desk, "request form with errors")
    desk.locator("#field-pension").check()
    desk.locator("#slot-bankbook").check()
    desk.locator("#f-message").fill("加入している年金の種類と、通帳の写しをご確認ください。")
    press(desk, "補正を依頼する")
    assert desk.url.endswith("/corrections/1/")
    audit.check(desk, "round waiting for the answer")

    resident = new_context(browser, base_url=live_server.url).new_page()
    app_path = f"/mypage/applications/{reviewed_case.application_id}/"
    log_in(resident, app_path)
    resident.goto(app_path)
    audit.check(resident, "application page with the request")
    resident.get_by_role("link", name="補正する内容を入力する").click()
    resident.wait_for_url("**/correction/")
    audit.check(resident, "correction form")
    resident.locator("#f-pension-other").check()
    press(resident, "次へ進む")
    assert focus_in_error_summary(resident)
    audit.check(resident, "correction form with errors")
    resident.locator("#f-pension-kokumin").check()
    press(resident, "次へ進む")
    resident.wait_for_url("**/correction/attachments/")
    audit.check(resident, "correction documents")
    resident.locator("#file-bankbook").set_input_files(jpeg_file("新しい通帳.jpg"))
    press(resident, "添付する")
    audit.check(resident, "correction documents with a new file")
    press(resident, "次へ進む")
    resident.wait_for_url("**/correction/check/")
    audit.check(resident, "correction check")
    resident.locator("#declaration-input").check()
    press(resident, "補正して再提出する")
    audit.check(resident, "application page after the correction")

    desk.goto(f"/staff/cases/{reviewed_case.pk}/corrections/1/")
    audit.check(desk, "round with the difference")
    assert CaseCorrection.objects.get().received_at is not None
    assert Case.objects.get(pk=reviewed_case.pk).status == CaseStatus.CORRECTED
    assert len(audit.pages) == 12
    assert not audit.problems, audit.report()
