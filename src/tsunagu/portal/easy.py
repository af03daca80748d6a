"""The 「やさしい日本語」 content of a page: human-written first, automatic otherwise.

One switch, not two. The site already lets a visitor choose 日本語 / やさしい日本語 /
English in the header, and that choice (the Django language ``ja-easy``, kept in the
language cookie) *is* the 「やさしい日本語」 switch: it gives the interface's own texts from
the ``ja_Easy`` translation catalog, and it gives the page's content (procedure guides,
notices, alerts) in easy Japanese. For content, a human-written easy version always wins
(a procedure definition's ``easy`` texts); a text that has none is rewritten by the
engine (``tsunagu.yasashii.rewrite``) and marked 「（自動）」 on the page, with a note that
explains the mark (「自動で やさしい日本語に しています」). A second on/off switch that did
the same thing would only confuse: what would 「やさしい日本語」 on and English mean?

The furigana switch (``tsunagu.portal.furigana``) is independent and combines with
日本語 and やさしい日本語 alike.

Automatic rewrites are cached per text and day in the process (LRU; the day, because
``rewrite`` reads dates against the current year). A rewrite that would lose a fact
(a number, a date, a telephone number…) is never shown: the original text is.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import structlog
from django.utils import timezone

from tsunagu.portal.htmltext import map_text
from tsunagu.procedures.schema import Procedure, Text
from tsunagu.yasashii.rewrite import rewrite

EASY_LANG = "ja-easy"
AUTO_CACHE_SIZE = 4096
log = structlog.get_logger(__name__)
_JAPANESE = re.compile("[ぁ-ゖァ-ヺ一-龥々〆ヶ㐀-䶵豈-﫿]")


@dataclass(frozen=True, slots=True)
class EasyText:
    """A text to show, and whether the engine wrote it (then the page marks it)."""

    text: str
    automatic: bool


@lru_cache(maxsize=AUTO_CACHE_SIZE)
def _rewritten(text: str, today: date) -> str:
    result = rewrite(text, today=today)
    # The rewriter promises every fact survives; if one did not, show the original.
    return text if result.missing else result.text


def auto_easy(text: str) -> str:
    """``text`` rewritten into easy Japanese by the engine (cached), or ``text`` itself
    when there is nothing Japanese in it or nothing to change.

    Example: ``auto_easy("至急、避難してください。") == "すぐに、にげてください。"``.
    """
    if not _JAPANESE.search(text):
        return text
    try:
        return _rewritten(text, timezone.localdate())
    except Exception:
        # A reading aid must never break the page: show the text as written (not cached,
        # so the next request tries again).
        log.error("yasashii.auto_easy_failed", length=len(text), exc_info=True)
        return text


def easy_version(value: Text | str | None) -> EasyText:
    """The easy-Japanese version of a procedure text or a plain string.

    A ``Text`` with a human-written ``easy`` gives it; otherwise the Japanese is rewritten
    automatically (``automatic`` is True only when the rewrite changed something).
    Example: ``easy_version(Text(ja="至急", en="x", easy="すぐに")).text == "すぐに"``.
    """
    if value is None:
        return EasyText("", automatic=False)
    if isinstance(value, Text):
        if value.easy:
            return EasyText(value.easy, automatic=False)
        value = value.ja
    out = auto_easy(value)
    return EasyText(out, automatic=out != value)


def content_text(value: Text | str | None, lang: str) -> EasyText:
    """What a content text shows in the reading language ``lang``.

    In ``ja-easy`` it is ``easy_version(value)``; in ``ja`` and ``en`` the text of that
    language, never automatic. A plain string is shown as it is in every language.
    """
    if value is None:
        return EasyText("", automatic=False)
    if isinstance(value, str):
        return EasyText(value, automatic=False)
    if lang == EASY_LANG:
        return easy_version(value)
    return EasyText(value.get(lang), automatic=False)


def easy_html(markup: str) -> tuple[str, bool]:
    """An HTML fragment with the Japanese of each text node rewritten automatically, and
    whether anything changed. Markup, attributes, code and form values stay as they are.

    Each text node is rewritten on its own, so a sentence split by inline markup
    (``<strong>``) is rewritten in parts.
    Example: ``easy_html("<p>至急、避難してください。</p>")[0] == "<p>すぐに、にげてください。</p>"``.
    """
    changed = False

    def transform(text: str) -> str:
        nonlocal changed
        out = auto_easy(text)
        changed = changed or out != text
        return html.escape(out, quote=False)

    return map_text(markup, transform), changed


def guide_texts(procedure: Procedure) -> Iterable[Text | None]:
    """The definition's texts that the guide page shows as content (not its UI strings)."""
    yield procedure.names
    yield procedure.summary
    yield procedure.eligibility
    yield from procedure.prepare
    yield procedure.fee.note
    yield procedure.deadline
    yield procedure.visit
    yield procedure.proxy
    for question in procedure.eligibility_questions:
        yield question.question
        yield question.otherwise
    for attachment in procedure.attachments:
        yield attachment.label
        yield attachment.hint


def has_automatic(texts: Iterable[Text | None]) -> bool:
    """Whether any of ``texts`` would be shown rewritten automatically in やさしい日本語."""
    return any(text is not None and easy_version(text).automatic for text in texts)
