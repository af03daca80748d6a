"""A resident signs an application with the My Number Card in a real browser: login and
signature both go through the local provider shaped like デジタル認証アプリ (a separate
process with a JPKI-shaped test card), and the resident's page ends with 署名済み."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.pages import Audit, new_context, path_of, press, staff_log_in
from tests.conftest import STAFF_PASSWORD, staff_make
from tsunagu.applications.models import Application, ApplicationSignature
from tsunagu.audit.models import AuditEvent
from tsunagu.casework.handoff import handoff_take_pending
from tsunagu.devtools.oidc_provider import ProviderProcess, start_provider
from tsunagu.procedures.loader import catalog

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CLIENT_ID = "RP00000001"
FIXTURES = Path(__file__).parents[1] / "applications" / "fixtures" / "catalog"


@pytest.fixture
def provider(live_server: Any, settings: Any, tmp_path: Path) -> Iterator[ProviderProcess]:
    jpki_dir = tmp_path / "dev-jpki"
    with start_provider(
        redirect_uris=[
            f"{live_server.url}/login/digital-auth-app/callback/",
            f"{live_server.url}/applications/sign/digital-auth-app/callback/",
        ],
        client_jwks_url=f"{live_server.url}/oidc/jwks.json",
        client_id=CLIENT_ID,
        jpki_dir=jpki_dir,
    ) as process:
        settings.TSUNAGU_CATALOG_DIR = FIXTURES
        catalog.cache_clear()
        settings.TSUNAGU_AUTH_PLUGINS = ["digital-auth-app"]
        settings.TSUNAGU_SIGNING_PLUGIN = "digital-auth-app"
        settings.TSUNAGU_JPKI_TRUST_ANCHORS = [str(jpki_dir / "root.crt")]
        settings.TSUNAGU_JPKI_CRL_DIR = str(jpki_dir / "crl")
        settings.TSUNAGU_OIDC_PROVIDERS = {
            "digital-auth-app": {
                "issuer": process.issuer,
                "client_id": CLIENT_ID,
                "scope": "openid name address birthdate gender",
                "sign": True,
                "acr_values": "aal3 crl",
                "required_acr": "aal3",
            }
        }
        yield process
    catalog.cache_clear()


def _login_and_declare(page: Any, provider: ProviderProcess, audit: Audit) -> None:
    page.goto("/procedures/test-sign/start/")
    assert path_of(page) == "/login/"
    with page.expect_navigation():
        page.get_by_role("link", name="マイナンバーカードでログイン（デジタル認証アプリ）").click()
    assert page.url.startswith(provider.issuer)
    page.get_by_label("常陸", exact=False).first.check()
    page.locator("#pin").fill("1234")
    press(page, "ログインする")
    assert path_of(page) == "/procedures/test-sign/start/"
    press(page, "申請を始める")
    page.locator('[name="reason"]').fill("台風で屋根が壊れたため")
    press(page, "次へ進む")
    page.get_by_label("上記の内容に誤りがないことを確認しました。").check()
    press(page, "申請する")
    assert path_of(page).endswith("/sign/")
    audit.check(page, "sign")


def test_sign_an_application_through_the_provider(
    browser: Any, live_server: Any, provider: ProviderProcess
) -> None:
    context = new_context(browser, base_url=live_server.url)
    page = context.new_page()
    audit = Audit()
    _login_and_declare(page, provider, audit)
    press(page, "署名へ進む")
    # The provider's signing page (another process): whose card, the signing PIN.
    assert page.url.startswith(provider.issuer)
    assert "電子署名" in page.locator("h1").inner_text()
    page.get_by_label("常陸", exact=False).first.check()
    page.locator("#pin").fill("ABCD1234")
    press(page, "署名する")
    assert path_of(page).endswith("/done/"), page.url
    assert "署名済み" in page.locator("main").inner_text()
    audit.check(page, "done")
    app = Application.objects.get()
    sig = ApplicationSignature.objects.get(application=app)
    assert sig.valid and sig.verification["signer"]["name"] == "常陸　花子"
    page.goto(f"/mypage/applications/{app.pk}/")
    assert "署名済み" in page.locator("main").inner_text()
    context.close()

    # Staff of the procedure's department see the verified signer on the case page.
    (case,) = handoff_take_pending()
    staff_make("suzuki", department=case.department, role="clerk", enrolled=False)
    staff_context = new_context(browser, base_url=live_server.url)
    staff_page = staff_context.new_page()
    staff_log_in(staff_page, "suzuki", STAFF_PASSWORD)
    staff_page.goto(f"/staff/cases/{case.pk}/")
    main = staff_page.locator("main").inner_text()
    assert "署名を検証しました（有効）" in main
    assert "常陸　花子" in main and app.receipt_number in main
    audit.check(staff_page, "case page with a signature")
    staff_context.close()
    assert not audit.problems, audit.report()


def test_cancelled_signature_keeps_the_draft(
    browser: Any, live_server: Any, provider: ProviderProcess
) -> None:
    context = new_context(browser, base_url=live_server.url)
    page = context.new_page()
    audit = Audit()
    _login_and_declare(page, provider, audit)
    press(page, "署名へ進む")
    press(page, "キャンセル")
    assert "署名を中止しました" in page.locator("main").inner_text()
    audit.check(page, "sign failed")
    assert not Application.objects.exists()
    assert AuditEvent.objects.filter(action="application.sign_failed").exists()
    # The way back leads to the signing page again, the answers kept.
    with page.expect_navigation():
        page.get_by_role("link", name="署名の画面に戻る").click()
    assert path_of(page).endswith("/sign/")
    context.close()
    assert not audit.problems, audit.report()
