"""A resident logs in with the My Number Card in a real browser, through the local OpenID
provider shaped like デジタル認証アプリ (a separate process), then applies and signs."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.pages import Audit, new_context, path_of, press
from tsunagu.accounts.models import Resident
from tsunagu.devtools.oidc_provider import ProviderProcess, start_provider

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CLIENT_ID = "RP00000001"


@pytest.fixture
def provider(live_server: Any, settings: Any) -> Iterator[ProviderProcess]:
    callback = f"{live_server.url}/login/digital-auth-app/callback/"
    with start_provider(
        redirect_uris=[callback],
        client_jwks_url=f"{live_server.url}/oidc/jwks.json",
        client_id=CLIENT_ID,
    ) as process:
        settings.TSUNAGU_AUTH_PLUGINS = ["digital-auth-app", "demo"]
        settings.TSUNAGU_OIDC_PROVIDERS = {
            "digital-auth-app": {
                "issuer": process.issuer,
                "client_id": CLIENT_ID,
                "redirect_uri": callback,
                "scope": "openid name address birthdate gender sign",
                "acr_values": "aal3 crl",
                "required_acr": "aal3",
                "sign": True,
            }
        }
        yield process


def test_card_login_in_a_browser_then_apply_and_sign(
    browser: Any, live_server: Any, provider: ProviderProcess
) -> None:
    context = new_context(browser, base_url=live_server.url)
    page = context.new_page()
    # A procedure that needs the card sends the resident to log in first.
    audit = Audit()
    page.goto("/procedures/risai-shomeisho/start/")
    assert path_of(page) == "/login/"
    audit.check(page, "login (card needed)")
    with page.expect_navigation():
        page.get_by_role("link", name="マイナンバーカードでログイン（デジタル認証アプリ）").click()
    # The provider's own page (another process): choose the person, type the PIN.
    assert page.url.startswith(provider.issuer)
    page.get_by_label("常陸", exact=False).first.check()
    page.locator("#pin").fill("1234")
    press(page, "ログインする")
    # Back on our site, logged in with the card's verified 4情報.
    assert path_of(page) == "/procedures/risai-shomeisho/start/"
    resident = Resident.objects.get(provider="digital-auth-app")
    assert resident.name_sei == "常陸" and resident.name_mei == "花子"
    assert set(resident.verified_fields) >= {"name", "address", "birth_date", "gender"}
    assert "常陸" in page.locator("header").inner_text()
    press(page, "申請を始める")
    assert "/steps/" in path_of(page)
    context.close()
    assert not audit.problems, audit.report()


def test_cancel_at_the_provider_ends_on_a_clear_page(
    browser: Any, live_server: Any, provider: ProviderProcess
) -> None:
    context = new_context(browser, base_url=live_server.url)
    page = context.new_page()
    page.goto("/login/digital-auth-app/?next=/mypage/&level=mynumber_card")
    press(page, "キャンセル")
    audit = Audit()
    audit.check(page, "login failed")
    assert not audit.problems, audit.report()
    text = page.locator("main").inner_text()
    assert "ログインを中止しました" in text
    assert page.get_by_role("link", name="ログイン画面に戻る").count() == 1
    assert not Resident.objects.filter(provider="digital-auth-app").exists()
    context.close()
