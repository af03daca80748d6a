"""Resident login and logout pages (thin: the plugins and services do the work)."""

from __future__ import annotations

import time

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from tsunagu.accounts.demo_plugin import LEVEL_CHOICES, demo_identity, demo_residents
from tsunagu.accounts.plugins import registry
from tsunagu.accounts.services import (
    resident_login,
    resident_logout,
    resident_logout_everywhere,
    session_touch,
)
from tsunagu.procedures.schema import Assurance


def safe_next(request: HttpRequest, default: str = "/mypage/") -> str:
    """The ``next`` parameter when it points into this site, else ``default``."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


def _level(request: HttpRequest) -> Assurance:
    try:
        return Assurance(request.GET.get("level") or request.POST.get("level") or "account")
    except ValueError:
        return Assurance.ACCOUNT


@require_http_methods(["GET"])
def login(request: HttpRequest) -> HttpResponse:
    level = _level(request)
    plugins = [p for p in registry.available() if p.assurance.rank >= level.rank]
    return render(
        request,
        "accounts/login.html",
        {"plugins": plugins, "next": safe_next(request), "level": level.value},
    )


@require_http_methods(["GET"])
def login_start(request: HttpRequest, plugin_id: str) -> HttpResponse:
    plugin = registry.get(plugin_id)
    if plugin is None:
        raise Http404
    return plugin.start(request, safe_next(request))


@require_http_methods(["GET", "POST"])
def demo_login(request: HttpRequest) -> HttpResponse:
    if registry.get("demo") is None:
        raise Http404
    error = ""
    if request.method == "POST":
        level = _level(request)
        identity = demo_identity(request.POST.get("subject", ""), level)
        if identity is None:
            error = _("ログインする住民を選んでください。")
        else:
            resident_login(request=request, identity=identity)
            return HttpResponseRedirect(safe_next(request))
    return render(
        request,
        "accounts/demo_login.html",
        {
            "residents": demo_residents(),
            "levels": LEVEL_CHOICES,
            "level": _level(request).value
            if request.GET.get("level") or request.POST.get("level")
            else Assurance.CARD_SIGNATURE.value,
            "next": safe_next(request),
            "error": error,
        },
        status=400 if error else 200,
    )


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    resident_logout(request=request)
    return HttpResponseRedirect("/")


@require_POST
def logout_everywhere(request: HttpRequest) -> HttpResponse:
    resident_logout_everywhere(request=request)
    messages.success(request, _("すべての端末からログアウトしました。"))
    return HttpResponseRedirect("/")


@require_POST
def session_keepalive(request: HttpRequest) -> JsonResponse:
    """Called by the idle-timeout warning's 「ログインを続ける」 button."""
    if getattr(request, "resident", None) is None:
        return JsonResponse({"active": False}, status=401)
    session_touch(request=request, now=time.time() + 60)  # force the write
    return JsonResponse({"active": True})
