"""The back office end to end in Chromium (issue 4's "done when").

A resident applies and signs through the pages; the hand-off makes the case (as the
poller of ``make run`` would); members of staff log in with password and TOTP (enrolled
on their first login, through the pages) and take the case through review, a correction
round, the approval route (with a 差戻し, and for the 罹災証明書 the 合議 of 生活安全課)
and the signed notice; the resident downloads the PDF from their page and its e-seal
signature verifies. axe-core (WCAG 2.1 A/AA) checks every staff page on the way, and the
resident's pages of the correction and the notice.

Each person has a browser context of their own, as on separate machines.
"""

from __future__ import annotations

import io
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pytest
from django.core import mail
from django.db import connections
from playwright.sync_api import Browser, BrowserContext, Page
from pypdf import PdfReader

from tests.browser.pages import (
    Audit,
    apply_and_sign,
    new_context,
    path_of,
    press,
    staff_log_in,
    staff_log_in_again,
    submit,
)
from tests.conftest import STAFF_PASSWORD, staff_make
from tsunagu.applications.models import Application, ApplicationDocument
from tsunagu.audit.models import AuditEvent
from tsunagu.audit.verify import audit_verify
from tsunagu.casework.approvals.selectors import decision_summary
from tsunagu.casework.decisions import DAMAGE_LEVELS
from tsunagu.casework.handoff import handoff_take_pending
from tsunagu.casework.models import Case, CaseStatus
from tsunagu.casework.notices.signing import notice_verify
from tsunagu.procedures.loader import catalog

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@dataclass
class Desk:
    """A member of staff at their own browser, logged in through the real pages."""

    page: Page
    context: BrowserContext
    username: str
    secret: str  # the TOTP key of their authenticator


def _staff(browser: Browser, base_url: str, audit: Audit, username: str, **kw: str) -> Desk:
    """A new member of staff (TOTP not yet enrolled) who logs in: password, then the
    first-login enrolment with a code computed from the key the page shows."""
    staff_make(username, enrolled=False, **kw)
    context = new_context(browser, base_url=base_url)
    page = context.new_page()
    secret = staff_log_in(page, username, STAFF_PASSWORD)
    assert len(secret) >= 16
    assert path_of(page).startswith("/staff/"), page.url
    audit.check(page, f"{username}: after login")
    return Desk(page=page, context=context, username=username, secret=secret)


def _log_out_and_in_again(desk: Desk, browser: Browser, base_url: str, audit: Audit) -> Desk:
    """Log out from the staff home page, then log in again on a fresh browser (as the next
    morning): password and the code of the authenticator."""
    page = desk.page
    page.goto("/staff/")
    submit(page, page.get_by_role("main").get_by_role("button", name="ログアウト", exact=True))
    page.goto("/staff/approvals/")
    assert path_of(page) == "/staff/login/", page.url  # the session is gone
    desk.context.close()
    context = new_context(browser, base_url=base_url)
    page = context.new_page()
    staff_log_in_again(page, desk.username, STAFF_PASSWORD, desk.secret)
    assert path_of(page) == "/staff/", page.url
    audit.check(page, f"{desk.username}: staff home after a TOTP login")
    return Desk(page=page, context=context, username=desk.username, secret=desk.secret)


def _resident(browser: Browser, base_url: str) -> Page:
    return new_context(browser, base_url=base_url).new_page()


def _find_in_inbox(desk: Desk, audit: Audit, receipt: str) -> None:
    """Search the department's inbox by 受付番号, take the case and open it."""
    page = desk.page
    page.goto("/staff/cases/")
    audit.check(page, f"{desk.username}: inbox")
    page.get_by_label("受付番号・申請者の氏名").fill(receipt)
    press(page, "この条件で表示する")
    rows = page.get_by_role("table").get_by_role("row")
    assert rows.count() == 2, rows.all_inner_texts()  # the header and the one case
    audit.check(page, f"{desk.username}: inbox searched by receipt number")
    # The clerk takes the case; the inbox comes back with the same search.
    take = page.get_by_role("button", name=re.compile(rf"^自分の担当にする\s*（{receipt}）$"))
    submit(page, take)
    assert page.get_by_label("受付番号・申請者の氏名").input_value() == receipt
    assert desk.username in rows.nth(1).inner_text()
    audit.check(page, f"{desk.username}: inbox after taking the case")
    with page.expect_navigation():
        page.get_by_role("link", name=receipt, exact=True).click()
    assert re.fullmatch(r"/staff/cases/[0-9a-f-]{36}/", path_of(page)), page.url
    assert page.locator("#assignee-name").inner_text().strip() == desk.username
    audit.check(page, f"{desk.username}: case page")


def _status(page: Page) -> str:
    return page.locator("#case-summary .tag").first.inner_text().strip()


def _draft_and_send(desk: Desk, audit: Audit, *, reason: str, **values: str) -> None:
    """On the case page's 決裁 section: 承認, the reason, optional damage level and amount,
    then 保存して決裁に回す."""
    page = desk.page
    form = page.locator("#approval-draft-form")
    form.get_by_label("承認", exact=True).check()
    if "damage" in values:
        form.get_by_label(values["damage"], exact=True).check()
    form.get_by_label("理由").fill(reason)
    if "amount" in values:
        form.get_by_label("金額1の名称").fill(values["amount_label"])
        form.get_by_label("金額1（円）").fill(values["amount"])
    press(page, "保存して決裁に回す")
    assert page.locator(".error-summary").count() == 0, page.locator("main").inner_text()
    assert _status(page) == "決裁中"
    audit.check(page, f"{desk.username}: route under way")


def _open_from_approvals(desk: Desk, audit: Audit, receipt: str) -> None:
    """The approver's list of cases waiting for them, then the case's approval page."""
    page = desk.page
    page.goto("/staff/approvals/")
    audit.check(page, f"{desk.username}: cases waiting for approval")
    with page.expect_navigation():
        page.get_by_role("link", name=receipt, exact=True).click()
    assert path_of(page).startswith("/staff/approvals/cases/"), page.url
    audit.check(page, f"{desk.username}: approval page")


def _act(desk: Desk, audit: Audit, receipt: str, button: str, comment: str = "") -> None:
    _open_from_approvals(desk, audit, receipt)
    page = desk.page
    if comment:
        page.get_by_label("コメント").fill(comment)
    press(page, button)
    assert page.locator(".error-summary").count() == 0, page.locator("main").inner_text()
    assert page.locator(".messages").count() == 1
    audit.check(page, f"{desk.username}: after {button}")


def _issue_notice(desk: Desk, audit: Audit, case: Case) -> None:
    page = desk.page
    page.goto(f"/staff/cases/{case.pk}/")
    assert _status(page) == "承認"
    audit.check(page, f"{desk.username}: decided case")
    press(page, "通知書を発行する")
    assert _status(page) == "通知済"
    notices = page.get_by_role("region", name="通知書")
    assert "署名は有効" in notices.inner_text()
    audit.check(page, f"{desk.username}: notice issued")


def _download(page: Page, audit: Audit, app: Application, title: str) -> bytes:
    """The resident downloads the notice from their application's page."""
    page.goto(f"/mypage/applications/{app.pk}/")
    audit.check(page, "resident: application with the notice")
    link = page.get_by_role("link", name=f"{title}（PDF）をダウンロード")
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename == f"{title}_{app.receipt_number}.pdf"
    path = download.path()
    assert path is not None
    data = path.read_bytes()
    assert data.startswith(b"%PDF-")
    return data


def _verified(pdf: bytes) -> str:
    """The notice's e-seal signature is valid, trusted and covers the whole file; returns
    the PDF's text."""
    # pyHanko's synchronous validation starts an event loop of its own, which it cannot do
    # in this thread, where Playwright's loop is running: verify in a thread of its own.
    with ThreadPoolExecutor(max_workers=1) as pool:
        check = pool.submit(notice_verify, pdf).result()
    assert check.ok, check.problems
    assert check.signed and check.intact and check.valid and check.trusted
    assert check.whole_file and check.timestamped
    assert check.signer
    return "\n".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf)).pages)


# ---------------------------------------------------------------- 児童手当


def test_jidou_teate_from_application_to_signed_notice(browser: Browser, live_server: Any) -> None:
    try:
        _jidou_teate(browser, live_server.url)
    finally:
        # The ORM calls of the test run inside Playwright's greenlet, with a connection of
        # their own: close it, or PostgreSQL cannot drop the test database afterwards.
        connections.close_all()


def _jidou_teate(browser: Browser, base_url: str) -> None:
    audit = Audit()
    proc = catalog().procedures["jidou-teate-nintei"]
    assert proc.department == "kodomo_seisaku"

    # The resident applies and signs with the card; the hand-off makes the case.
    resident = _resident(browser, base_url)
    receipt = apply_and_sign(resident, proc)
    app = Application.objects.get(receipt_number=receipt)
    (case,) = handoff_take_pending()
    assert case.application_id == app.pk and case.status == CaseStatus.RECEIVED

    # The clerk logs in with TOTP, finds the case by its receipt number, starts review.
    clerk = _staff(browser, base_url, audit, "k-tanaka", department="kodomo_seisaku")
    _find_in_inbox(clerk, audit, receipt)
    desk = clerk.page
    assert _status(desk) == "受付"
    press(desk, "審査を開始する")
    assert _status(desk) == "審査中"
    audit.check(desk, "clerk: case in review")

    # A correction of one field (職業), with a message.
    message = "職業の欄に、お勤め先での職種（例：会社員）をご記入ください。"
    panel = desk.get_by_role("region", name="補正依頼")
    panel.get_by_text("申請者に補正を依頼する", exact=True).click()
    form = desk.locator("#corrections-form")
    form.get_by_label("職業", exact=True).check()
    form.get_by_label("申請者へのメッセージ").fill(message)
    press(desk, "補正を依頼する")
    assert re.fullmatch(r"/staff/cases/[0-9a-f-]{36}/corrections/1/", path_of(desk)), desk.url
    assert desk.locator("#correction-state").inner_text().strip() == "回答待ち"
    audit.check(desk, "clerk: correction round waiting")

    # The resident sees the request, changes that field only, signs and resubmits.
    resident.goto(f"/mypage/applications/{app.pk}/")
    request = resident.get_by_role("region", name="補正（修正）のお願い")
    assert message in request.inner_text() and "職業" in request.inner_text()
    audit.check(resident, "resident: application with the request")
    with resident.expect_navigation():
        request.get_by_role("link", name="補正する内容を入力する").click()
    assert path_of(resident).endswith("/correction/")
    occupation = resident.get_by_label("職業", exact=True)
    assert occupation.input_value() == "テスト"
    assert resident.locator('[name="pension"]').count() == 0  # not asked: not editable
    audit.check(resident, "resident: correction form")
    occupation.fill("会社員")
    press(resident, "次へ進む")
    assert path_of(resident).endswith("/correction/check/"), resident.url
    audit.check(resident, "resident: correction check")
    resident.get_by_label("補正した内容に誤りがないことを確認しました。").check()
    press(resident, "署名へ進む")
    assert path_of(resident).endswith("/correction/sign/"), resident.url
    audit.check(resident, "resident: correction signature")
    resident.get_by_label("署名用電子証明書の暗証番号").fill("ABC1234")
    press(resident, "署名して再提出する")
    assert path_of(resident) == f"/mypage/applications/{app.pk}/", resident.url
    assert "補正の履歴" in resident.locator("main").inner_text()
    audit.check(resident, "resident: application after the correction")

    # The clerk sees the answer and the difference.
    desk.reload()
    assert "回答済み" in desk.locator("#correction-state").inner_text()
    desk.goto(f"/staff/cases/{case.pk}/")
    assert _status(desk) == "補正済"
    audit.check(desk, "clerk: case corrected")
    with desk.expect_navigation():
        desk.get_by_role("link", name="1回目の補正を見る").click()
    diff = desk.locator("#correction-diff")
    row = diff.get_by_role("row").filter(has=desk.get_by_role("rowheader", name="職業"))
    assert row.get_by_role("cell").all_inner_texts() == ["テスト", "会社員"]
    assert "署名を確認済み" in desk.locator("#correction-signature").inner_text()
    audit.check(desk, "clerk: correction with the difference")
    with desk.expect_navigation():
        desk.get_by_role("link", name="案件のページへ戻る").click()

    # The clerk drafts the approval with an amount and sends it on the route.
    _draft_and_send(
        clerk,
        audit,
        reason="支給要件を満たしているため。",
        amount_label="児童手当 月額",
        amount="15000",
    )

    # The 係長 returns it once, with a comment.
    chief = _staff(browser, base_url, audit, "k-suzuki", department="kodomo_seisaku", role="chief")
    comment = "理由に、所得の確認をしたことも書いてください。"
    _act(chief, audit, receipt, "起案者に差し戻す", comment)
    assert Case.objects.get(pk=case.pk).status == CaseStatus.IN_REVIEW

    # The clerk sees the comment, redrafts and sends again.
    desk.goto(f"/staff/cases/{case.pk}/")
    assert _status(desk) == "審査中"
    assert comment in desk.get_by_role("region", name="決裁").inner_text()
    audit.check(desk, "clerk: draft returned")
    _draft_and_send(
        clerk,
        audit,
        reason="支給要件を満たし、所得の確認も済んでいるため。",
        amount_label="児童手当 月額",
        amount="15000",
    )

    # 係長 (logged in again with a TOTP code) and 課長 approve: the case is decided.
    chief = _log_out_and_in_again(chief, browser, base_url, audit)
    _act(chief, audit, receipt, "承認する")
    head = _staff(
        browser, base_url, audit, "k-sato", department="kodomo_seisaku", role="section_head"
    )
    _act(head, audit, receipt, "承認する")
    summary = decision_summary(case=Case.objects.get(pk=case.pk))
    assert summary is not None and summary.approved
    assert summary.amounts == {"児童手当 月額": 15000}
    assert [a.role for a in summary.approvers] == ["clerk", "chief", "section_head"]

    # The clerk issues the notice; the resident downloads it and it verifies.
    _issue_notice(clerk, audit, case)
    pdf = _download(resident, audit, app, "決定通知書")
    text = _verified(pdf)
    assert "決定通知書" in text and receipt in text and "常陸　花子　様" in text, text
    assert "児童手当 月額\n15,000円" in text, text
    assert "所得の確認も済んでいるため。" in text, text  # the second draft, not the returned one
    assert ApplicationDocument.objects.get(application=app).first_downloaded_at is not None
    assert AuditEvent.objects.filter(action="approval.return").count() == 1
    # The resident was told by mail of the request and of the notice (never its content).
    subjects = [m.subject for m in mail.outbox if m.to == [app.resident.email]]
    assert any("補正" in s for s in subjects), subjects
    assert any("書類が届きました" in s and receipt in s for s in subjects), subjects
    assert audit_verify().ok

    for context in (resident.context, clerk.context, chief.context, head.context):
        context.close()
    assert len(audit.pages) >= 20, audit.pages
    assert not audit.problems, audit.report()


# ---------------------------------------------------------------- 罹災証明書


def test_risai_shomeisho_with_a_consultation_to_a_verified_certificate(
    browser: Browser, live_server: Any
) -> None:
    try:
        _risai_shomeisho(browser, live_server.url)
    finally:
        connections.close_all()  # as above


def _risai_shomeisho(browser: Browser, base_url: str) -> None:
    audit = Audit()
    proc = catalog().procedures["risai-shomeisho"]
    department = proc.department
    consulted = [s.consult for s in proc.approval_route if s.consult]
    assert consulted == [["kikikanri"]], consulted

    resident = _resident(browser, base_url)
    receipt = apply_and_sign(resident, proc, uploads=("photos",))
    app = Application.objects.get(receipt_number=receipt)
    (case,) = handoff_take_pending()
    assert case.department == department

    # The clerk of the procedure's department reviews and drafts with a damage level.
    clerk = _staff(browser, base_url, audit, "z-kato", department=department)
    _find_in_inbox(clerk, audit, receipt)
    press(clerk.page, "審査を開始する")
    assert _status(clerk.page) == "審査中"
    audit.check(clerk.page, "clerk: case in review")
    _draft_and_send(
        clerk, audit, reason="現地調査の結果、損害割合が20%以上40%未満のため。", damage="半壊"
    )

    # 合議: 生活安全課's 係長 agrees; the department's 係長 approves (in parallel).
    kiki = _staff(browser, base_url, audit, "kiki-ito", department="kikikanri", role="chief")
    _open_from_approvals(kiki, audit, receipt)
    assert "合議が届いています" in kiki.page.get_by_role("region", name="決裁").inner_text()
    _act(kiki, audit, receipt, "合議に同意する", "被害認定の結果に同意します。")
    assert path_of(kiki.page) == "/staff/approvals/"  # the case is no longer theirs to see
    chief = _staff(browser, base_url, audit, "z-yamada", department=department, role="chief")
    _act(chief, audit, receipt, "承認する")
    head = _staff(
        browser, base_url, audit, "z-kobayashi", department=department, role="section_head"
    )
    _act(head, audit, receipt, "承認する")
    summary = decision_summary(case=Case.objects.get(pk=case.pk))
    assert summary is not None and summary.approved and summary.damage_level == "hankai"

    # The certificate is issued, downloaded by the resident, verified, and says 半壊.
    _issue_notice(clerk, audit, case)
    text = _verified(_download(resident, audit, app, "罹災証明書"))
    assert "罹災証明書" in text and receipt in text and "常陸　花子" in text, text
    # Every level is listed; only the decided one is marked.
    assert re.search(r"■\s*半壊（該当）", text), text
    assert text.count("■") == 1 and text.count("□") == len(DAMAGE_LEVELS) - 1, text
    assert AuditEvent.objects.filter(action="approval.consult_agree").count() == 1
    assert audit_verify().ok

    for context in (resident.context, clerk.context, kiki.context, chief.context, head.context):
        context.close()
    assert not audit.problems, audit.report()
