"""The active reading language, in the codes the procedure texts use."""

from __future__ import annotations

from tsunagu.core.fieldtypes import reading_lang

READING_LANGS = ("ja", "ja-easy", "en")


def current_lang() -> str:
    """The active language as ``ja``, ``ja-easy`` or ``en`` (for ``Text.get``).

    Example: inside ``translation.override("en-gb")`` this returns ``"en"``.
    """
    return reading_lang()


def html_lang(lang: str) -> str:
    """The value of the ``lang`` attribute: easy Japanese is still Japanese to a browser.

    Example: ``html_lang("ja-easy") == "ja"``.
    """
    return "en" if lang == "en" else "ja"
