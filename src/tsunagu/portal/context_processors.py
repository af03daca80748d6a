"""What every page's template can use (named in settings.TEMPLATES)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from tsunagu.portal.furigana import furigana_enabled
from tsunagu.portal.lang import current_lang, html_lang

StrOrPromise = str | Promise


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
        "staff_nav": staff_nav(request) if is_staff_page else [],
    }


# The staff menu: (url name, label, roles that may open it; None = every role). The same
# roles as the views' ``staff_required``: a link is shown only where it leads somewhere.
_STAFF_LINKS: tuple[tuple[str, StrOrPromise, frozenset[str] | None], ...] = (
    ("staff:home", gettext_lazy("職員トップ"), None),
    (
        "casework:inbox",
        gettext_lazy("案件一覧"),
        frozenset({"clerk", "chief", "section_head", "director"}),
    ),
    (
        "approvals:inbox",
        gettext_lazy("決裁"),
        frozenset({"clerk", "chief", "section_head", "director"}),
    ),
    ("counter:home", gettext_lazy("窓口受付"), frozenset({"clerk", "chief", "section_head"})),
    (
        "exports:home",
        gettext_lazy("基幹システムへの出力"),
        frozenset({"clerk", "chief", "section_head", "director", "admin"}),
    ),
    ("portal:yasashii_checker", gettext_lazy("やさしい日本語チェック"), None),
    ("audit:list", gettext_lazy("監査ログ"), frozenset({"auditor"})),
)


def staff_nav(request: HttpRequest) -> list[dict[str, Any]]:
    """The staff menu for the member of staff of this request (set by ``staff_required``;
    none on the login pages), with the current section marked."""
    profile = getattr(request, "staff", None)
    if profile is None:
        return []
    items = []
    for name, label, roles in _STAFF_LINKS:
        if roles is not None and profile.role not in roles:
            continue
        url = reverse(name)
        current = request.path == url if url == "/staff/" else request.path.startswith(url)
        items.append({"url": url, "label": label, "current": current})
    return items
