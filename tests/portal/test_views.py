"""The public pages, read as HTML the way a browser without JavaScript gets them."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.contrib.messages import constants as message_levels
from django.contrib.messages.storage.cookie import CookieStorage
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.utils import translation
from pytest_django import DjangoAssertNumQueries

from tsunagu.portal.context_processors import portal
from tsunagu.portal.taxonomy import taxonomy
from tsunagu.procedures.schema import Category, LifeEvent

pytestmark = pytest.mark.django_db

GUIDE = "/procedures/jidou-teate-nintei/"


def html_of(client: Client, url: str, data: dict[str, str] | None = None) -> str:
    response = client.get(url, data)
    assert response.status_code == 200, url
    return response.content.decode()


def text_of(html: str) -> str:
    """The visible text, tags removed and spaces collapsed."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def titles(html: str) -> list[str]:
    return [text_of(t).strip() for t in re.findall(r'<h3 class="card__title">(.*?)</h3>', html)]


# ---------- Base layout ----------


def test_base_layout_parts(client: Client) -> None:
    html = html_of(client, "/")
    assert '<html lang="ja">' in html
    assert re.search(r"<title>ホーム \| ひたちなか市 電子申請</title>", html)
    assert '<a class="skip-link" href="#main">本文へ移動</a>' in html
    assert '<main id="main"' in html
    assert "「つなぐ」" in html and "ひたちなか市 電子申請" in html
    # The footer: contact, accessibility statement and privacy links.
    assert 'href="tel:029-273-0111"' in html
    assert 'href="/accessibility/"' in html and 'href="/privacy/"' in html
    # The only script is the optional, deferred enhancement.
    assert re.findall(r"<script[^>]*>", html) == ['<script src="/static/portal/tsunagu.js" defer>']
    assert 'href="/static/portal/tsunagu.css"' in html


def test_language_switch_is_a_post_form_per_language(client: Client) -> None:
    # A browser sends the query percent-encoded; the form sends the resident back to it.
    html = html_of(client, "/procedures/", {"q": "介護"})
    forms = re.findall(r'<form class="lang-switch__form"(.*?)</form>', html, flags=re.S)
    assert len(forms) == 2  # the current language is shown as text, not as a button
    for form in forms:
        assert 'method="post" action="/i18n/setlang/"' in form
        assert 'name="csrfmiddlewaretoken"' in form
        assert '<input type="hidden" name="next" value="/procedures/?q=%E4%BB%8B%E8%AD%B7">' in form
    assert re.search(
        r'name="language" value="ja-easy">\s*<button[^>]*lang="ja">やさしい日本語', html
    )
    assert re.search(r'name="language" value="en">\s*<button[^>]*lang="en">English', html)
    assert '<span class="lang-switch__current" aria-current="true" lang="ja">日本語</span>' in html


def test_language_switch_changes_the_page_language(client: Client) -> None:
    response = client.post("/i18n/setlang/", {"language": "en", "next": GUIDE})
    assert response.status_code == 302
    assert response["Location"] == GUIDE
    html = html_of(client, GUIDE)
    assert '<html lang="en">' in html
    assert "<title>Child Allowance claim | Hitachinaka City Online Services</title>" in html
    assert "Start your application" in html
    assert "Skip to main content" in html
    assert '<span class="lang-switch__current" aria-current="true" lang="en">English</span>' in html
    # And back to Japanese.
    client.post("/i18n/setlang/", {"language": "ja", "next": "/"})
    assert '<html lang="ja">' in html_of(client, GUIDE)


def test_easy_japanese_keeps_lang_ja_and_uses_easy_texts(client: Client) -> None:
    client.post("/i18n/setlang/", {"language": "ja-easy", "next": "/"})
    html = html_of(client, GUIDE)
    assert '<html lang="ja">' in html
    assert "じどうてあてを もらうための 申しこみ" in html  # the procedure's own easy name
    assert "申しこみを はじめる" in html  # the portal's easy-Japanese catalog
    assert "本文へ すすむ" in html
    assert "サインの ための 暗証番号（アルファベットと すうじ 6〜16けた）" in html


def test_login_link_carries_the_current_path(client: Client) -> None:
    html = html_of(client, "/procedures/", {"q": "じどう"})
    assert (
        '<a href="/login/?next=/procedures/%3Fq%3D%25E3%2581%2598%25E3%2581%25A9%25E3%2581%2586">'
        in html
    )
    assert "ログアウト" not in html


def test_logged_in_header(resident_client: Client) -> None:
    html = html_of(resident_client, "/")
    assert re.search(r'<span class="account-nav__name">[^<]+ さん</span>', html)
    assert '<a href="/mypage/">マイページ</a>' in html
    logout = re.search(
        r'<form class="account-nav__form" method="post" action="/logout/">(.*?)</form>', html, re.S
    )
    assert logout and 'name="csrfmiddlewaretoken"' in logout.group(1)
    assert ">ログイン</a>" not in html


def test_messages_are_announced(rf: RequestFactory) -> None:
    request = rf.get("/")
    storage = CookieStorage(request)
    storage.add(message_levels.SUCCESS, "申請を受け付けました。")
    storage.add(message_levels.ERROR, "送信できませんでした。")
    request._messages = storage  # type: ignore[attr-defined]  # as MessageMiddleware does
    html = render_to_string("portal/base.html", request=request)
    region = re.search(r'<div class="messages" role="status">(.*?)</main>', html, re.S)
    assert region
    assert '<div class="notice notice--success">' in region.group(1)
    assert "申請を受け付けました。" in region.group(1)
    assert '<span class="visually-hidden">エラー：</span>送信できませんでした。' in region.group(1)


def test_context_processor(rf: RequestFactory) -> None:
    request = rf.get("/")
    with translation.override("ja-easy"):
        context = portal(request)
    assert context["current_lang"] == "ja-easy"
    assert context["html_lang"] == "ja"
    assert context["resident"] is None
    assert context["city"]["name_ja"] == "ひたちなか市"
    request.resident = "someone"  # type: ignore[attr-defined]  # set by the accounts middleware
    with translation.override("en"):
        context = portal(request)
    assert (context["current_lang"], context["city_name"], context["resident"]) == (
        "en",
        "Hitachinaka City",
        "someone",
    )


# ---------- Home ----------


def test_home(client: Client) -> None:
    html = html_of(client, "/")
    assert '<form class="search" role="search" method="get" action="/procedures/">' in html
    for category in ("kosodate", "kaigo", "hisaisha"):
        assert f'href="/procedures/?category={category}"' in html
    assert 'href="/procedures/?category=kurashi"' not in html  # no procedure in it
    for event in ("birth", "moving", "care_needed", "disaster", "pregnancy"):
        assert f'href="/procedures/?event={event}"' in html
    assert 'href="/procedures/?event=death"' not in html
    text = text_of(html)
    assert "利用者証明用電子証明書の暗証番号（数字4桁）" in text
    assert "署名用電子証明書の暗証番号（英数字6〜16桁）" in text
    assert 'href="/mypage/"' in html


def test_public_pages_need_no_database_query(
    client: Client, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    for url in ("/", "/procedures/", "/procedures/?q=じどう", GUIDE, "/accessibility/"):
        with django_assert_num_queries(0):
            assert client.get(url).status_code == 200


def test_every_category_and_life_event_has_labels() -> None:
    labels = taxonomy()
    assert set(labels.categories) == set(Category)
    assert set(labels.life_events) == set(LifeEvent)
    texts = [c.label for c in labels.categories.values()]
    texts += [c.description for c in labels.categories.values()]
    texts += [e.label for e in labels.life_events.values()]
    assert all(t.ja and t.en and t.easy for t in texts)


# ---------- Finder ----------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?q=じどうてあて", ["児童手当の認定請求"]),
        ("?q=ｼﾞﾄﾞｳ", ["児童手当の認定請求"]),
        ("?q=Child+allowance", ["児童手当の認定請求"]),
        ("?category=kaigo", ["要介護・要支援認定の申請"]),
        ("?category=kosodate", ["児童手当の認定請求", "妊娠の届出"]),
        ("?event=disaster", ["罹災証明書の発行申請"]),
        ("?event=birth&category=kosodate", ["児童手当の認定請求"]),
        (
            "?category=nonsense",
            [
                "児童手当の認定請求",
                "妊娠の届出",
                "要介護・要支援認定の申請",
                "罹災証明書の発行申請",
            ],
        ),
    ],
)
def test_finder(client: Client, query: str, expected: list[str]) -> None:
    assert titles(html_of(client, "/procedures/" + query)) == expected


def test_finder_card_shows_department_category_login_and_time(client: Client) -> None:
    html = html_of(client, "/procedures/?q=介護")
    card = text_of(re.search(r'<li class="card">(.*?)</li>', html, re.S).group(1))  # type: ignore[union-attr]
    assert "分野 介護" in card
    assert "担当 介護保険課" in card
    assert "ログイン マイナンバーカード" in card
    assert "所要時間 約10分" in card
    assert 'href="/procedures/kaigo-nintei/"' in html


def test_finder_keeps_the_filters_in_the_form(client: Client) -> None:
    html = html_of(client, "/procedures/?q=じどう&category=kosodate&event=birth")
    assert 'name="q" type="search" maxlength="100" value="じどう"' in html
    assert '<option value="kosodate" selected>' in html
    assert '<option value="birth" selected>' in html
    assert "1件の手続きが見つかりました" in html
    assert '<a href="/procedures/">条件をすべて解除する</a>' in html


def test_finder_not_found_offers_ways_on(client: Client) -> None:
    html = html_of(client, "/procedures/?q=じどう ぺんぎん")
    text = text_of(html)
    assert "見つかりませんでした" in text
    assert "「じどう ぺんぎん」に当てはまる手続きは見つかりませんでした。" in text
    assert 'href="/procedures/?q=%E3%81%98%E3%81%A9%E3%81%86">「じどう」で探す</a>' in html
    assert 'href="/procedures/?category=kaigo"' in html
    assert "029-273-0111" in text
    assert titles(html) == []


def test_finder_not_found_because_of_filters(client: Client) -> None:
    html = html_of(client, "/procedures/?q=じどう&category=kaigo")
    assert "見つかりませんでした" in html
    assert re.search(
        r'<a href="/procedures/\?q=%E3%81%98%E3%81%A9%E3%81%86">分野と出来事の条件を外すと、1件見つかります</a>',
        html,
    )


def test_finder_escapes_the_query(client: Client) -> None:
    html = html_of(client, "/procedures/?q=<script>alert(1)</script>")
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# ---------- Guide ----------


def test_guide_page_content(client: Client) -> None:
    html = html_of(client, GUIDE)
    text = text_of(html)
    assert "<title>児童手当の認定請求 | ひたちなか市 電子申請</title>" in html
    assert "高校生年代までの子どもを育てている方に、児童手当を支給します。" in text
    # Login and the exact PIN.
    assert "マイナンバーカードでログインし、申請の内容に電子署名をします" in text
    assert "署名用電子証明書の暗証番号（英数字6〜16桁）" in text
    assert "5回続けて間違えるとロックされます" in text
    assert "利用者証明用電子証明書の暗証番号（数字4桁）" not in text
    # Documents to prepare, with when they are needed and whether they can follow later.
    assert "請求者名義の銀行口座の情報" in text
    assert "通帳の写し （必須） あとから提出することもできます（申請だけ先に送れます）。" in text
    assert "別居監護申立書 （該当する方のみ）" in text
    assert "PDF・JPEG・PNG・HEIC、1ファイル10MBまで、3ファイルまで" in text
    # Key facts.
    assert "所要時間 約15分" in text
    assert "手数料 無料" in text
    assert "申請の期限 出生日や転入した日の翌日から15日以内" in text
    assert "標準処理期間 申請が届いてから30日" in text
    assert "窓口に行く必要 ありません。オンラインで手続きが終わります。" in text
    assert "担当 こども政策課 電話 029-273-0111" in text
    assert "代理人による申請はできません。" in text
    assert "児童手当法第7条" in text
    # The start button posts to the front office.
    start = re.search(r'<form method="post" action="([^"]+)">(.*?)</form>', html, re.S)
    assert start
    assert start.group(1) == "/procedures/jidou-teate-nintei/start/"
    assert 'name="csrfmiddlewaretoken"' in start.group(2)
    assert "申請を始める" in start.group(2)
    assert "ボタンを押すと、ログインの画面に進みます。" in text


def test_guide_page_for_the_four_digit_pin_and_a_visit(client: Client) -> None:
    text = text_of(html_of(client, "/procedures/kaigo-nintei/"))
    assert "マイナンバーカードでログインします。" in text
    assert "利用者証明用電子証明書の暗証番号（数字4桁）" in text
    assert "3回続けて間違えるとロックされます" in text
    assert "署名用電子証明書の暗証番号" not in text
    assert "窓口に行く必要 申請のあと、認定調査員がご自宅を訪問して聞き取りをします。" in text
    # The division has no number of its own: the city's is shown.
    assert "担当 介護保険課 電話 029-273-0111" in text


def test_guide_page_without_login_and_with_a_fee(client: Client) -> None:
    text = text_of(html_of(client, "/procedures/risai-shomeisho/"))
    assert "ログイン ログインが必要です。マイナンバーカードがなくても申請できます。" in text
    assert "暗証番号" not in text
    assert "手数料 300円 2通目からは1通300円です。" in text
    assert "標準処理期間 定めはありません。" in text
    assert "申請の期限 決まった期限はありません。" in text
    assert "JPEG・PNG・HEIC、1ファイル10MBまで、10ファイルまで" in text
    none = text_of(html_of(client, "/procedures/ninshin-todokede/"))
    assert "ログインせずに申請できます。" in none
    assert "ボタンを押すと、ログインの画面に進みます。" not in none


def test_guide_eligibility_form_is_a_plain_get_form(client: Client) -> None:
    html = html_of(client, GUIDE)
    assert re.search(
        r'<form method="get" action="/procedures/jidou-teate-nintei/#eligibility"', html
    )
    assert '<input type="hidden" name="check" value="1">' in html
    assert 'type="radio" id="q_lives_here-yes" name="q_lives_here" value="yes">' in html
    assert "この手続きで申請できます" not in html
    assert "error-summary" not in html


def test_guide_eligibility_yes(client: Client) -> None:
    html = html_of(client, GUIDE + "?check=1&q_lives_here=yes&q_civil_servant=no")
    assert '<div class="notice notice--success" id="eligibility-result">' in html
    assert "この手続きで申請できます" in html
    assert 'value="yes" checked>' in html and 'value="no" checked>' in html


def test_guide_eligibility_otherwise(client: Client) -> None:
    html = html_of(client, GUIDE + "?check=1&q_lives_here=yes&q_civil_servant=yes")
    text = text_of(html)
    assert "この手続きでは申請できない可能性があります" in text
    assert "公務員の方は、勤務先に申請してください。" in text
    assert "住民登録のある市区町村に申請してください。" not in text
    assert "この手続きで申請できます" not in text


def test_guide_eligibility_unanswered(client: Client) -> None:
    html = html_of(client, GUIDE + "?check=1&q_lives_here=yes&q_civil_servant=maybe")
    summary = re.search(r'<div class="error-summary"(.*?)</div>', html, re.S)
    assert summary
    assert 'tabindex="-1" autofocus' in summary.group(1)
    assert '<a href="#q_civil_servant-yes">公務員ですか</a>' in summary.group(1)
    assert "ひたちなか市に住民登録がありますか" not in summary.group(1)
    assert '<div class="field field--error">' in html
    assert (
        '<span class="visually-hidden">エラー：</span>「はい」か「いいえ」を選んでください' in html
    )


def test_guide_in_english(client: Client) -> None:
    client.cookies["tsunagu_lang"] = "en"
    html = html_of(client, GUIDE + "?check=1&q_lives_here=no&q_civil_servant=no")
    text = text_of(html)
    assert "Child Allowance claim" in text
    assert "the PIN of the signature certificate (6 to 16 letters and numbers)" in text
    assert "Please apply to the municipality where you are registered." in text
    assert "PDF, JPEG, PNG, HEIC, up to 10 MB per file, up to 3 files" in text
    assert "Handled by Children's Policy Division" in text
    assert "児童手当法第7条" in text  # the law's name stays Japanese, marked as such
    assert '<li lang="ja">児童手当法第7条</li>' in html


def test_guide_unknown_code_is_404(client: Client) -> None:
    response = client.get("/procedures/no-such-thing/")
    assert response.status_code == 404
    html = response.content.decode()
    assert '<h1 class="page-title">ページが見つかりません</h1>' in html
    assert '<a class="skip-link" href="#main">本文へ移動</a>' in html  # the full layout
    assert 'href="/procedures/"' in html


# ---------- Policies ----------


@pytest.mark.parametrize(
    ("url", "title", "phrase"),
    [
        ("/accessibility/", "アクセシビリティ方針", "JIS X 8341-3:2016"),
        (
            "/privacy/",
            "プライバシーポリシー",
            "個人番号は、番号法で定められた手続きにだけ使います。",
        ),
    ],
)
def test_policy_pages(client: Client, url: str, title: str, phrase: str) -> None:
    html = html_of(client, url)
    assert f'<h1 class="page-title">{title}</h1>' in html
    assert f"<title>{title} | ひたちなか市 電子申請</title>" in html
    assert phrase in html
    client.cookies["tsunagu_lang"] = "en"
    assert "ひたちなか" not in text_of(html_of(client, url)).replace("Hitachinaka", "")
