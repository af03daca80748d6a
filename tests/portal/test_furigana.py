"""The 「ふりがな」 switch: the HTML transform, its safety, the switch, and the pages."""

from __future__ import annotations

import html
import re

import pytest
from django.test import Client
from hypothesis import given, settings
from hypothesis import strategies as st

from tsunagu.portal.furigana import COOKIE, RT, furigana_html
from tsunagu.portal.htmltext import map_text

GUIDE = "/procedures/jidou-teate-nintei/"
_RT = re.compile(r"<rt[^>]*>.*?</rt>", re.S)
_TAG = re.compile(r"<[^>]*>")

NAUGHTY = [
    "<script>alert(1)</script>",
    "申請<img src=x onerror=alert(1)>",
    '"><svg onload=alert(1)>',
    "&lt;b&gt;太字&lt;/b&gt;",
    "&amp;lt;",
    "'; DROP TABLE residents; --",
    "\u202e申請\u202d",
    "𠮷野家",
    "申請\x00届出",
    "<ruby>字</ruby>",
    "]]><!--",
    "漢" * 5000,
]


def plain_text(markup: str) -> str:
    """What a reader without ruby support sees: the text with the readings removed."""
    return html.unescape(_TAG.sub("", _RT.sub("", markup)))


# ---------- The transform ----------


def test_text_gets_ruby_and_markup_is_kept() -> None:
    out = furigana_html('<p class="lead" title="申請">申請の前に</p>')
    assert (
        out
        == '<p class="lead" title="申請"><span class="furigana"><ruby>申請<rt aria-hidden="true">しんせい</rt></ruby>の<ruby>前<rt aria-hidden="true">まえ</rt></ruby>に</span></p>'
    )


@pytest.mark.parametrize(
    "markup",
    [
        "<script>var s = '申請';</script>",
        "<style>.x::after { content: '申請'; }</style>",
        "<textarea name=t>申請 &lt;b&gt;</textarea>",
        "<code>申請</code>",
        "<pre>申請</pre>",
        "<select><option>申請</option></select>",
        "<ruby>漢字<rt>かんじ</rt></ruby>",
        '<span lang="en">申請</span>',
        '<span translate="no">申請</span>',
        '<div data-furigana="off"><p>申請</p><div>届出</div></div>',
        '<input value="申請" placeholder="届出">',
        '<a href="/procedures/?q=申請" aria-label="申請">x</a>',
        "<!-- 申請 -->",
    ],
)
def test_what_is_left_alone(markup: str) -> None:
    assert furigana_html(markup) == markup


def test_skipping_ends_with_the_element() -> None:
    out = furigana_html('<div data-furigana="off"><div>申請</div></div><p>申請</p>')
    assert out == (
        '<div data-furigana="off"><div>申請</div></div><p><span class="furigana"><ruby>申請<rt aria-hidden="true">しんせい</rt></ruby></span></p>'
    )


def test_escaped_text_stays_escaped() -> None:
    out = furigana_html("<p>&lt;script&gt;申請&lt;/script&gt; &amp; 届出</p>")
    assert "<script>" not in out
    assert out.startswith(
        f'<p><span class="furigana">&lt;script&gt;<ruby>申請{RT}しんせい</rt></ruby>&lt;/script&gt; &amp; '
    )


def test_no_kanji_means_no_change() -> None:
    markup = '<p class="x">ひらがな &amp; カタカナ<br/>abc</p>'
    assert furigana_html(markup) is markup


@pytest.mark.parametrize("text", NAUGHTY)
def test_naughty_text_cannot_become_markup(text: str) -> None:
    # As Django renders a variable: escaped, inside an element.
    out = furigana_html(f"<p>{html.escape(text)}</p>")
    assert plain_text(out) == text.replace("\x00", "\x00")
    # Every tag in the output is one of ours.
    assert set(re.findall(r"</?([a-zA-Z0-9]+)", out)) <= {"p", "span", "ruby", "rt"}


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=40))
def test_the_text_read_without_ruby_is_the_text(text: str) -> None:
    out = furigana_html(f'<div title="{html.escape(text)}">{html.escape(text)}</div>')
    assert plain_text(out) == html.unescape(html.escape(text))
    assert out.startswith(f'<div title="{html.escape(text)}">')


def test_map_text_gives_decoded_text_and_keeps_attributes_byte_for_byte() -> None:
    seen: list[str] = []

    def keep(text: str) -> str:
        seen.append(text)
        return html.escape(text, quote=False)

    markup = "<P CLASS='a'  data-x=\"&amp;\">a &amp; b<br>c</P>"
    out = map_text(markup, keep)
    assert seen == ["a & b", "c"]
    assert out == "<P CLASS='a'  data-x=\"&amp;\">a &amp; b<br>c</p>"


# ---------- The switch ----------


@pytest.mark.django_db
def test_switch_sets_the_cookie_and_returns_to_the_page(client: Client) -> None:
    response = client.post("/furigana/", {"furigana": "on", "next": f"{GUIDE}?check=1"})
    assert response.status_code == 302
    assert response["Location"] == f"{GUIDE}?check=1"
    cookie = response.cookies[COOKIE]
    assert cookie.value == "1"
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert int(cookie["max-age"]) >= 300 * 24 * 3600

    response = client.post("/furigana/", {"furigana": "off", "next": GUIDE})
    assert response.cookies[COOKIE].value == ""
    assert response.cookies[COOKIE]["max-age"] == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "", "javascript:alert(1)"]
)
def test_switch_never_leaves_the_site(client: Client, target: str) -> None:
    response = client.post("/furigana/", {"furigana": "on", "next": target})
    assert response["Location"] == "/"


@pytest.mark.django_db
def test_switch_needs_a_post_with_csrf() -> None:
    client = Client(enforce_csrf_checks=True)
    assert client.get("/furigana/").status_code == 405
    assert client.post("/furigana/", {"furigana": "on", "next": "/"}).status_code == 403


def _switch(html_text: str) -> str:
    form = re.search(r'<form class="furigana-switch"(.*?)</form>', html_text, re.S)
    assert form, "no furigana switch"
    return form.group(1)


@pytest.mark.django_db
def test_header_has_the_switch_as_a_plain_form(client: Client) -> None:
    page = client.get("/procedures/", {"q": "介護"}).content.decode()
    form = _switch(page)
    assert 'method="post" action="/furigana/"' in form
    assert 'name="csrfmiddlewaretoken"' in form
    assert '<input type="hidden" name="next" value="/procedures/?q=%E4%BB%8B%E8%AD%B7">' in form
    assert '<input type="hidden" name="furigana" value="on">' in form
    assert 'aria-pressed="false"' in form and "オフ" in form
    assert "<ruby>" not in page


@pytest.mark.django_db
def test_with_the_switch_on_the_main_content_has_ruby(client: Client) -> None:
    client.post("/furigana/", {"furigana": "on", "next": GUIDE})
    page = client.get(GUIDE).content.decode()
    form = _switch(page)
    assert 'aria-pressed="true"' in form and "オン" in form
    assert '<input type="hidden" name="furigana" value="off">' in form
    main = page[page.index("<main") : page.index("</main>")]
    assert f"<ruby>申請{RT}しんせい</rt></ruby>" in main
    # The header, the title and attributes stay without ruby.
    head = page[: page.index("<main")]
    assert "<ruby>" not in head
    assert "<rt" not in re.sub(r"<main.*", "", page, flags=re.S)
    assert not re.search(r'="[^"]*<ruby>', page)
    # And it persists on the next page.
    assert "<ruby>" in client.get("/").content.decode()


@pytest.mark.django_db
def test_furigana_in_easy_japanese_and_not_in_english(client: Client) -> None:
    client.post("/furigana/", {"furigana": "on", "next": "/"})
    client.post("/i18n/setlang/", {"language": "ja-easy", "next": "/"})
    assert "<ruby>" in client.get(GUIDE).content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get(GUIDE).content.decode()
    assert "<ruby>" not in page
    assert 'class="furigana-switch"' not in page


@pytest.mark.django_db
def test_staff_pages_have_no_switch(staff_client: object) -> None:
    client = staff_client()  # type: ignore[operator]
    client.cookies[COOKIE] = "1"
    page = client.get("/staff/yasashii/").content.decode()
    assert 'class="furigana-switch"' not in page
    assert "<ruby>" not in page


@pytest.mark.django_db
def test_a_query_echoed_on_the_page_stays_escaped_with_furigana(client: Client) -> None:
    client.cookies[COOKIE] = "1"
    page = client.get("/procedures/", {"q": '<script>alert("申請")</script>'}).content.decode()
    assert "<script>alert" not in page
    assert "&lt;script&gt;" in page
    # The search box's value is an attribute: no ruby inside it.
    assert re.search(r'value="&lt;script&gt;alert\(&quot;申請&quot;\)&lt;/script&gt;"', page)


@pytest.mark.django_db
def test_a_failing_furigana_never_breaks_the_page(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tsunagu.portal.templatetags import yasashii as tags

    def broken(markup: str, **_: object) -> str:
        raise RuntimeError("dictionary gone")

    monkeypatch.setattr(tags, "furigana_html", broken)
    client.cookies[COOKIE] = "1"
    response = client.get(GUIDE)
    assert response.status_code == 200
    assert "<ruby>" not in response.content.decode()
    assert "申請" in response.content.decode()


@pytest.mark.django_db
def test_the_accessibility_statement_explains_the_switches(client: Client) -> None:
    page = client.get("/accessibility/").content.decode()
    assert '<h2 id="yasashii">ふりがなと やさしい日本語</h2>' in page
    assert "「（自動）」" in page


def test_a_fragment_without_a_csrf_token_is_cached_whole() -> None:
    from tsunagu.portal.furigana import _furigana_fragment

    _furigana_fragment.cache_clear()
    static = "<p>手続きを探す</p>"
    assert furigana_html(static) == furigana_html(static)
    assert _furigana_fragment.cache_info().hits == 1
    with_token = '<form><input name="csrfmiddlewaretoken" value="x"></form><p>手続き</p>'
    assert "<ruby>" in furigana_html(with_token)
    assert _furigana_fragment.cache_info().currsize == 1
