"""The 「ふりがな」 switch: furigana over the kanji of a page's main content.

A visitor turns furigana on or off with a plain form in the header (no JavaScript); the
choice is kept in the cookie ``tsunagu_furigana`` for a year. The base template wraps the
page's ``<main>`` content in ``{% furigana_main %}``, which, when the visitor has turned
furigana on, passes the rendered HTML through ``furigana_html``.

Why a post-processor of the rendered content and not a filter on each text: every app's
pages extend the base template, and most of their Japanese is UI text from
``{% translate %}``; a filter would have to be added to every string of every template.
The post-processor sees only text nodes, never markup: start tags and attributes (form
values, URLs) are copied byte for byte, and a text node's characters are escaped again
when written back, so escaping is preserved and nothing new can become markup. Text in
``<script>``, ``<style>``, ``<textarea>``, ``<code>``, ``<pre>``, ``<kbd>``, ``<samp>``,
``<option>``, an existing ``<ruby>``, and in any element marked ``translate="no"``,
``data-furigana="off"`` or a ``lang`` other than Japanese is left alone.

Cost: the page's content is mostly static (guides, catalogs), so readings are cached per
text node in an in-process LRU (``ruby_cached``), and a whole fragment without a CSRF token
(the home page, the finder) is cached as well; a page then costs one HTML parse, or a
lookup. See docs/yasashii-portal.md for the measured figures.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache

from django.http import HttpRequest

from tsunagu.portal.htmltext import map_text
from tsunagu.yasashii import ruby

COOKIE = "tsunagu_furigana"
COOKIE_MAX_AGE = 365 * 24 * 3600

_KANJI = re.compile("[一-龥々〆ヶ㐀-䶵豈-﫿]")
RUBY_CACHE_SIZE = 8192
FRAGMENT_CACHE_SIZE = 64
FRAGMENT_CACHE_MAX_CHARS = 200_000
# A fragment with a form's CSRF token differs on every request: not worth a cache entry.
_CSRF_FIELD = 'name="csrfmiddlewaretoken"'


def furigana_enabled(request: HttpRequest) -> bool:
    """Whether the visitor has turned the 「ふりがな」 switch on (the cookie is ``1``)."""
    return request.COOKIES.get(COOKIE) == "1"


# The readings are for the eye. Hidden from assistive technology, a button or link keeps
# its accessible name (「申請を始める」, not 「申請しんせいを始はじめる」: WCAG 2.5.3) and a
# screen reader does not read every word twice.
RT = '<rt aria-hidden="true">'


@lru_cache(maxsize=RUBY_CACHE_SIZE)
def ruby_cached(text: str, min_grade: int | None = None) -> str:
    """``yasashii.ruby(text)`` with ``<rt aria-hidden="true">``, remembered for the process
    (LRU of ``RUBY_CACHE_SIZE`` texts).

    >>> ruby_cached("申請")
    '<ruby>申請<rt aria-hidden="true">しんせい</rt></ruby>'
    """
    # ruby() escapes all text, so "<rt>" in its output is always its own tag.
    return ruby(text, min_grade=min_grade).replace("<rt>", RT)


def furigana_html(markup: str, *, min_grade: int | None = None) -> str:
    """``markup`` (an HTML fragment) with ``<ruby>`` furigana over the kanji of its text.

    Markup, attributes and skipped elements are kept; text stays escaped.

    >>> furigana_html('<p class="x">申請</p><code>申請</code>')
    '<p class="x"><span class="furigana"><ruby>申請<rt aria-hidden="true">しんせい</rt></ruby></span></p><code>申請</code>'
    """
    if not _KANJI.search(markup):
        return markup
    if len(markup) <= FRAGMENT_CACHE_MAX_CHARS and _CSRF_FIELD not in markup:
        return _furigana_fragment(markup, min_grade)
    return _furigana(markup, min_grade)


@lru_cache(maxsize=FRAGMENT_CACHE_SIZE)
def _furigana_fragment(markup: str, min_grade: int | None) -> str:
    # A page whose main content has no per-request part (no CSRF token in it: the home
    # page, the finder) renders the same fragment every time: skip even the parse.
    return _furigana(markup, min_grade)


def _furigana(markup: str, min_grade: int | None) -> str:
    def annotate(text: str) -> str:
        if not _KANJI.search(text):
            return html.escape(text, quote=False)
        # One element per text node: inside a flex container (a .button) each <ruby> would
        # otherwise be a flex item of its own, and the accessible name would get spaces
        # between them (「申請 を 始 める」).
        return f'<span class="furigana">{ruby_cached(text, min_grade)}</span>'

    return map_text(markup, annotate)
