"""The public pages: home, the procedure finder, the guide of one procedure, and policies."""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from tsunagu.portal import easy, furigana, guide
from tsunagu.portal.lang import current_lang
from tsunagu.portal.search import find_procedures, partial_matches
from tsunagu.portal.taxonomy import (
    CategoryInfo,
    LifeEventInfo,
    category_info,
    life_event_info,
    taxonomy,
)
from tsunagu.procedures.loader import catalog
from tsunagu.procedures.schema import Procedure

MAX_QUERY_LENGTH = 100


def _categories_in_use(procedures: Sequence[Procedure]) -> list[tuple[CategoryInfo, int]]:
    """The categories that have procedures, each with how many."""
    return [
        (info, n)
        for info in taxonomy().categories.values()
        if (n := sum(p.category == info.code for p in procedures))
    ]


def _events_in_use(procedures: Sequence[Procedure]) -> list[LifeEventInfo]:
    return [
        info
        for info in taxonomy().life_events.values()
        if any(info.code in p.life_events for p in procedures)
    ]


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    procedures = catalog().ordered()
    return render(
        request,
        "portal/home.html",
        {
            "categories": _categories_in_use(procedures),
            "events": _events_in_use(procedures),
            "procedure_count": len(procedures),
        },
    )


@require_GET
def procedure_list(request: HttpRequest) -> HttpResponse:
    cat = catalog()
    procedures = cat.ordered()
    query = request.GET.get("q", "").strip()[:MAX_QUERY_LENGTH]
    category = category_info(request.GET.get("category", ""))
    event = life_event_info(request.GET.get("event", ""))
    results = find_procedures(
        catalog=cat,
        query=query,
        category=category.code.value if category else None,
        event=event.code.value if event else None,
    )
    # When nothing is found, say what would find something.
    unfiltered = 0
    partial: list[str] = []
    if not results and query:
        if category or event:
            unfiltered = len(find_procedures(catalog=cat, query=query))
        partial = partial_matches(catalog=cat, query=query)
    return render(
        request,
        "portal/procedure_list.html",
        {
            "query": query,
            "category": category,
            "event": event,
            "results": [(p, cat.departments.get(p.department)) for p in results],
            "all_categories": [info for info, _ in _categories_in_use(procedures)],
            "all_events": _events_in_use(procedures),
            "filtered": bool(query or category or event),
            "unfiltered_count": unfiltered,
            "partial_matches": partial,
        },
    )


@require_GET
def procedure_guide(request: HttpRequest, code: str) -> HttpResponse:
    cat = catalog()
    procedure = cat.procedures.get(code)
    if procedure is None:
        raise Http404
    return render(
        request,
        "portal/procedure_guide.html",
        {
            "proc": procedure,
            "department": cat.departments.get(procedure.department),
            "check": guide.eligibility_check(procedure=procedure, params=request.GET),
            "assurance_label": guide.ASSURANCE_LABELS[procedure.assurance],
            "pin_label": guide.PIN_LABELS.get(procedure.card_pin),
            "needs_card": guide.needs_card(procedure),
            # Whether some text is shown rewritten automatically (then the page explains
            # the 「（自動）」 mark); only in やさしい日本語.
            "auto_easy": current_lang() == easy.EASY_LANG
            and easy.has_automatic(easy.guide_texts(procedure)),
        },
    )


@require_GET
def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/accessibility.html")


@require_GET
def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/privacy.html")


@require_POST
def furigana_switch(request: HttpRequest) -> HttpResponse:
    """Turn the 「ふりがな」 switch on (``furigana=on``) or off, and go back to ``next``.

    A plain form in the header posts here, so it works without JavaScript; the choice is
    kept in a cookie for a year (it is a reading preference, not personal data).
    """
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    response = HttpResponseRedirect(target)
    if request.POST.get("furigana") == "on":
        response.set_cookie(
            furigana.COOKIE,
            "1",
            max_age=furigana.COOKIE_MAX_AGE,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )
    else:
        response.delete_cookie(furigana.COOKIE, samesite="Lax")
    return response
