"""What every page's template can use (named in settings.TEMPLATES)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from tsunagu.portal.furigana import furigana_enabled
from tsunagu.portal.lang import current_lang, html_lang


def portal(request: HttpRequest) -> dict[str, Any]:
    """``city``, ``city_name``, ``current_lang``, ``html_lang``, ``languages``, ``resident``,
    ``furigana_available`` and ``furigana``.

    ``languages`` lists ``(code, name)`` for the language switch (its やさしい日本語 is the
    easy-Japanese switch, see ``tsunagu.portal.easy``); ``resident`` is the logged-in
    resident that the accounts middleware set, or None. ``furigana_available`` says whether
    the page shows the 「ふりがな」 switch (public pages in Japanese), ``furigana`` whether
    the visitor has turned it on there.
    """
    city: dict[str, str] = settings.TSUNAGU_CITY
    lang = current_lang()
    is_staff_page = request.path.startswith("/staff/")
    furigana_available = lang != "en" and not is_staff_page
    return {
        "city": city,
        "city_name": city["name_en"] if lang == "en" else city["name_ja"],
        "current_lang": lang,
        "html_lang": html_lang(lang),
        "languages": settings.LANGUAGES,
        "resident": getattr(request, "resident", None),
        "session_idle_seconds": settings.TSUNAGU_SESSION_IDLE_MINUTES * 60,
        # Staff pages have their own login: the resident's account links are not shown.
        "is_staff_page": is_staff_page,
        "furigana_available": furigana_available,
        "furigana": furigana_available and furigana_enabled(request),
    }
