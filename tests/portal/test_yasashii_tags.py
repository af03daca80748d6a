"""やさしい日本語 content and the template tags of ``{% load yasashii %}``."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.template import Context, Template, TemplateSyntaxError
from django.test import Client
from django.utils import translation
from django.utils.safestring import mark_safe

from tsunagu.portal import easy
from tsunagu.portal.furigana import RT
from tsunagu.procedures.schema import Text

GUIDE = "/procedures/jidou-teate-nintei/"
AUTO_MARK = '<span class="auto-easy__mark">（自動）</span>'
# A sentence the engine rewrites (至急 → すぐに, ご連絡ください → 連絡してください). Tests
# compare with the engine's own output, so that they follow its improvements.
HARD = "至急ご連絡ください。"


def easy_of(text: str) -> str:
    out = easy.auto_easy(text)
    assert out != text and "至急" not in out
    return out


def render(source: str, **context: object) -> str:
    return Template("{% load yasashii %}" + source).render(Context(context))


# ---------- easy.py ----------


def test_a_human_written_easy_version_wins() -> None:
    text = Text(ja=HARD, en="Call us.", easy="すぐ 電話して ください。")
    assert easy.easy_version(text) == easy.EasyText("すぐ 電話して ください。", automatic=False)


def test_without_one_the_engine_rewrites_and_says_so() -> None:
    text = Text(ja=HARD, en="Call us.")
    assert easy.easy_version(text) == easy.EasyText(easy_of(HARD), automatic=True)
    assert easy.easy_version(HARD).automatic


def test_nothing_to_change_is_not_automatic() -> None:
    assert easy.easy_version("ひらがな です。") == easy.EasyText("ひらがな です。", automatic=False)
    assert easy.easy_version("ABC") == easy.EasyText("ABC", automatic=False)
    assert easy.easy_version(None) == easy.EasyText("", automatic=False)


def test_content_text_follows_the_language() -> None:
    text = Text(ja=HARD, en="Call us.")
    assert easy.content_text(text, "ja") == easy.EasyText(HARD, False)
    assert easy.content_text(text, "en") == easy.EasyText("Call us.", False)
    assert easy.content_text(text, "ja-easy").automatic
    assert easy.content_text("市役所", "ja-easy") == easy.EasyText("市役所", False)


def test_a_rewrite_that_loses_a_fact_is_not_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    from tsunagu.yasashii.rewrite import Fact, RewriteResult

    lost = Fact("number", "3", "3")

    def lossy(text: str, *, today: date) -> RewriteResult:
        return RewriteResult("なにか", (), (lost,), (lost,))

    monkeypatch.setattr(easy, "rewrite", lossy)
    easy._rewritten.cache_clear()
    try:
        assert easy.auto_easy("3人で来てください。") == "3人で来てください。"
    finally:
        easy._rewritten.cache_clear()


def test_easy_html_rewrites_text_nodes_only() -> None:
    out, changed = easy.easy_html(
        f'<p title="至急">{HARD}</p><code>至急</code><input value="至急">'
    )
    assert changed
    assert out == f'<p title="至急">{easy_of(HARD)}</p><code>至急</code><input value="至急">'
    assert easy.easy_html("<p>ひらがな です。</p>") == ("<p>ひらがな です。</p>", False)


# ---------- The filters and tags ----------


def test_ruby_filter_and_tag() -> None:
    expected = f"<ruby>申請{RT}しんせい</rt></ruby>"
    assert render("{{ t|ruby }}", t="申請") == expected
    assert render("{% ruby t %}", t="申請") == expected
    # A string literal in a template is safe HTML to Django: its text nodes get ruby.
    assert render('{% ruby "申請" %}') == f'<span class="furigana">{expected}</span>'
    # Grade 1 kanji (月) stay bare from grade 2 on.
    assert render("{{ t|ruby:2 }}", t="月") == "月"
    assert render("{% ruby t min_grade=2 %}", t="月") == "月"
    assert render("{{ t|ruby }}", t="月") == f"<ruby>月{RT}つき</rt></ruby>"
    # A nonsense grade means every kanji.
    assert render('{{ t|ruby:"x" }}', t="月") == f"<ruby>月{RT}つき</rt></ruby>"
    assert render("{{ t|ruby }}", t=None) == ""
    with translation.override("ja-easy"):
        text = Text(ja="申請", en="apply", easy="申しこみ")
        assert render("{{ t|ruby }}", t=text) == f"<ruby>申{RT}もう</rt></ruby>しこみ"


def test_ruby_escapes_plain_text_and_keeps_safe_markup() -> None:
    assert render("{{ t|ruby }}", t="<b>字</b>") == f"&lt;b&gt;<ruby>字{RT}じ</rt></ruby>&lt;/b&gt;"
    safe = mark_safe('<a href="/x" title="字">字</a>')
    assert (
        render("{{ t|ruby }}", t=safe)
        == '<a href="/x" title="字"><span class="furigana"><ruby>字<rt aria-hidden="true">じ</rt></ruby></span></a>'
    )


def test_yasashii_filter_always_gives_the_easy_version() -> None:
    assert render("{{ t|yasashii }}", t=HARD) == easy_of(HARD)
    text = Text(ja="至急", en="x", easy="すぐに <b>")
    assert render("{{ t|yasashii }}", t=text) == "すぐに &lt;b&gt;"


def test_tr_easy_marks_automatic_text_in_easy_japanese_only() -> None:
    auto = Text(ja=HARD + "<b>", en="Call us.")
    human = Text(ja="至急", en="x", easy="すぐに")
    with translation.override("ja-easy"):
        out = render("{{ a|tr_easy }}|{{ h|tr_easy }}", a=auto, h=human)
        assert out == (
            f'<span class="auto-easy">{easy_of(HARD)}&lt;b&gt; {AUTO_MARK}</span>|すぐに'
        )
        assert "自動で やさしい日本語に しています" in render("{% auto_easy_note %}")
    with translation.override("ja"):
        assert render("{{ a|tr_easy }}", a=auto) == f"{HARD}&lt;b&gt;"
    with translation.override("en"):
        assert render("{{ a|tr_easy }}", a=auto) == "Call us."


def test_yasashii_block() -> None:
    source = "{% yasashii_block %}<p>{{ t }}</p>{% endyasashii_block %}"
    with translation.override("ja"):
        assert render(source, t=HARD) == f"<p>{HARD}</p>"
    with translation.override("ja-easy"):
        out = render(source, t=HARD + "<script>")
    assert out.startswith(f"<p>{easy_of(HARD)}&lt;script&gt;</p>")
    assert "（自動で やさしい日本語に しています）" in out
    with translation.override("ja"):
        forced = render("{% yasashii_block always %}至急{% endyasashii_block %}")
    assert forced.startswith("すぐに")
    with translation.override("ja-easy"):
        # Nothing changed: no mark.
        assert (
            render("{% yasashii_block %}ひらがな です。{% endyasashii_block %}")
            == "ひらがな です。"
        )


def test_tags_refuse_bad_arguments() -> None:
    with pytest.raises(TemplateSyntaxError):
        render("{% yasashii_block sometimes %}x{% endyasashii_block %}")
    with pytest.raises(TemplateSyntaxError):
        render("{% furigana_main x %}y{% endfurigana_main %}")


SHINSEI = f'<span class="furigana"><ruby>申請{RT}しんせい</rt></ruby></span>'


def test_furigana_main_follows_the_context() -> None:
    source = "{% furigana_main %}<p>{{ t }}</p>{% endfurigana_main %}"
    assert render(source, t="申請", furigana=False) == "<p>申請</p>"
    assert render(source, t="申請") == "<p>申請</p>"
    assert render(source, t="申請", furigana=True) == f"<p>{SHINSEI}</p>"
    banner = "{% furigana_block %}<p>{{ t }}</p>{% endfurigana_block %}"
    assert render(banner, t="申請", furigana=True) == f"<p>{SHINSEI}</p>"
    assert render(banner, t="申請", furigana=False) == "<p>申請</p>"


# ---------- The guide page in やさしい日本語 ----------


@pytest.mark.django_db
def test_guide_in_easy_japanese_uses_human_texts_and_marks_automatic_ones(client: Client) -> None:
    client.post("/i18n/setlang/", {"language": "ja-easy", "next": "/"})
    page = client.get(GUIDE).content.decode()
    # Human-written easy texts, as they are, without a mark.
    assert "ほかの 人は 申しこめません。" in page
    assert "生まれた日や ひっこした日の つぎの日から 15日以内" in page
    # The attachment hint has no easy version: rewritten, and marked.
    hint = easy.auto_easy("お子さんと別居している場合にご提出ください。")
    assert hint != "お子さんと別居している場合にご提出ください。"
    assert f'<span class="auto-easy">{hint} {AUTO_MARK}</span>' in page
    assert page.count('class="auto-easy__note"') == 1
    assert "ご提出ください" not in page


@pytest.mark.django_db
def test_guide_in_japanese_has_no_automatic_text(client: Client) -> None:
    page = client.get(GUIDE).content.decode()
    assert "お子さんと別居している場合にご提出ください。" in page
    assert "auto-easy" not in page


@pytest.mark.django_db
def test_easy_guide_with_furigana(client: Client) -> None:
    client.post("/i18n/setlang/", {"language": "ja-easy", "next": "/"})
    client.post("/furigana/", {"furigana": "on", "next": "/"})
    page = client.get(GUIDE).content.decode()
    main = page[page.index("<main") : page.index("</main>")]
    assert "<ruby>" in main
    assert re.search(
        r'<span class="auto-easy__mark"><span class="furigana">（<ruby>自動<rt aria-hidden="true">じどう</rt></ruby>）</span></span>',
        main,
    )


def test_a_failing_rewriter_shows_the_text_as_written(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(text: str, *, today: date) -> object:
        raise RuntimeError("rules gone")

    monkeypatch.setattr(easy, "rewrite", broken)
    easy._rewritten.cache_clear()
    try:
        assert easy.auto_easy("至急お越しください。") == "至急お越しください。"
        assert not easy.easy_version("至急お越しください。").automatic
    finally:
        easy._rewritten.cache_clear()
