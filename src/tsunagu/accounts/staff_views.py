"""Staff login pages (password or single sign-on, then TOTP) and ``staff_required``."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tsunagu.accounts.staff_models import StaffProfile, StaffRole
from tsunagu.accounts.staff_services import (
    LOCKOUT,
    MAX_FAILED_ATTEMPTS,
    staff_from_session,
    staff_logout,
    staff_next_url,
    staff_password_check,
    staff_pending,
    staff_second_factor,
    staff_sso_login,
    staff_totp_enrol,
    staff_totp_secret,
)
from tsunagu.accounts.totp import otpauth_uri
from tsunagu.accounts.views import safe_next
from tsunagu.audit.services import audit_record
from tsunagu.casework.selectors import CASE_ROLES, case_counts_for_staff
from tsunagu.procedures.selectors import department_get

View = Callable[..., HttpResponse]
HOME = "/staff/"
LOGIN = "/staff/login/"


def staff_required(*, roles: Iterable[str] | None = None) -> Callable[[View], View]:
    """Let a view through only for a fully logged-in member of staff (password and TOTP),
    set as ``request.staff``; with ``roles``, only for those roles.

    Without a staff session the browser goes to the staff login; a staff member of another
    role gets the same 404 as for a page that does not exist.

    >>> @staff_required(roles=[StaffRole.CHIEF, StaffRole.SECTION_HEAD])  # doctest: +SKIP
    ... def approve(request, case_id): ...
    """
    allowed = {str(r) for r in roles} if roles is not None else None

    def decorate(view: View) -> View:
        @functools.wraps(view)
        @never_cache
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            profile = staff_from_session(request)
            if profile is None:
                query = urlencode({"next": request.get_full_path()})
                return HttpResponseRedirect(f"{LOGIN}?{query}")
            if allowed is not None and profile.role not in allowed:
                raise Http404
            request.staff = profile  # type: ignore[attr-defined]  # request-scoped attribute
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


def _staff_next(request: HttpRequest) -> str:
    candidate = safe_next(request, default=HOME)
    return candidate if candidate.startswith(HOME) else HOME


def _failure_message() -> str:
    # One message for an unknown name, a wrong password or code, and a locked account.
    return _(
        "ログインできませんでした。入力した内容をご確認ください。"
        "%(count)d回続けて間違えると、%(minutes)d分間ログインできなくなります。"
    ) % {"count": MAX_FAILED_ATTEMPTS, "minutes": int(LOCKOUT.total_seconds() // 60)}


@never_cache
@require_http_methods(["GET", "POST"])
def login(request: HttpRequest) -> HttpResponse:
    if staff_from_session(request) is not None:
        return HttpResponseRedirect(HOME)
    error = ""
    username = ""
    if request.method == "POST":
        username = request.POST.get("username", "").strip()
        password = request.POST.get("password", "")
        if not username or not password:
            error = _("ユーザー名とパスワードを入力してください。")
        elif staff_password_check(
            request=request, username=username, password=password, next_url=_staff_next(request)
        ):
            return HttpResponseRedirect(f"{LOGIN}totp/")
        else:
            error = _failure_message()
    from tsunagu.accounts.oidc.staff import staff_oidc

    next_url = _staff_next(request)
    return render(
        request,
        "accounts/staff/login.html",
        {
            "error": error,
            "username": username,
            "next": next_url,
            "sso": staff_oidc() is not None,
            "sso_query": urlencode({"next": next_url}) if next_url != HOME else "",
        },
        status=400 if error else 200,
    )


@never_cache
@require_GET
def login_sso(request: HttpRequest) -> HttpResponse:
    """「庁内アカウントでログイン」: off to the city's identity provider."""
    from tsunagu.accounts.oidc.staff import staff_oidc

    plugin = staff_oidc()
    if plugin is None:
        raise Http404
    return plugin.start(request, _staff_next(request))


@never_cache
@require_GET
def login_sso_callback(request: HttpRequest) -> HttpResponse:
    """Back from the identity provider: map the identity to a member of staff."""
    from tsunagu.accounts.oidc.failures import LoginFailed
    from tsunagu.accounts.oidc.staff import claim_value, provider_mfa, staff_oidc

    plugin = staff_oidc()
    if plugin is None:
        raise Http404
    try:
        done = plugin.exchange(request)
    except LoginFailed as failure:
        return sso_failed_response(request, reason=failure.reason, detail=failure.detail)
    claim = str(getattr(settings, "TSUNAGU_STAFF_OIDC_CLAIM", "preferred_username"))
    next_url = done.next_url if done.next_url.startswith(HOME) else ""
    outcome = staff_sso_login(
        request=request,
        match="email" if claim == "email" else "username",
        value=claim_value(id_claims=done.id_claims, userinfo=done.userinfo),
        provider_mfa=provider_mfa(done.id_claims),
        next_url=next_url,
    )
    if outcome == "refused":
        return sso_failed_response(request, reason="unknown_account", audited=True)
    if outcome == "done":
        return HttpResponseRedirect(staff_next_url(request) or HOME)
    return HttpResponseRedirect(f"{LOGIN}totp/")


_SSO_UNAVAILABLE = {"provider_unavailable"}


def sso_failed_response(
    request: HttpRequest, *, reason: str, detail: str = "", audited: bool = False
) -> HttpResponse:
    """One page for every failed single sign-on, with the way back (and an audit event)."""
    code = "".join(c for c in reason if c.isalnum() or c == "_")[:64]
    if not audited:
        summary = {"step": "sso", "reason": code}
        if detail:
            summary["detail"] = "".join(c for c in detail.lower() if c.isalnum() or c == "_")[:64]
        audit_record(
            action="staff.login_failed", request=request, obj_type="staff", summary=summary
        )
    if code in _SSO_UNAVAILABLE:
        message = _(
            "庁内の認証サービスにつながりません。しばらく待ってから、もう一度お試しいただくか、"
            "ユーザー名とパスワードでログインしてください。"
        )
    elif code == "unknown_account":
        message = _(
            "この庁内アカウントでは、つなぐの職員としてログインできません。"
            "職員の登録や利用停止の状態については、システム管理者にお問い合わせください。"
        )
    else:
        message = _(
            "庁内アカウントでのログインを完了できませんでした。お手数ですが、もう一度お試しください。"
        )
    return render(
        request,
        "accounts/staff/login_sso_failed.html",
        {"message": message, "reason": code},
        status=503 if code in _SSO_UNAVAILABLE else 400,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def login_totp(request: HttpRequest) -> HttpResponse:
    profile = staff_pending(request)
    if profile is None:
        messages.warning(request, _("もう一度、ユーザー名とパスワードを入力してください。"))
        return HttpResponseRedirect(LOGIN)
    if not profile.totp_confirmed:
        return HttpResponseRedirect("/staff/totp/setup/")
    error = ""
    if request.method == "POST":
        code = request.POST.get("code", "")
        if not code.strip():
            error = _("確認コードを入力してください。")
        elif staff_second_factor(request=request, profile_id=profile.pk, code=code):
            return HttpResponseRedirect(staff_next_url(request) or HOME)
        else:
            error = _failure_message()
    return render(
        request, "accounts/staff/login_totp.html", {"error": error}, status=400 if error else 200
    )


@never_cache
@require_http_methods(["GET", "POST"])
def totp_setup(request: HttpRequest) -> HttpResponse:
    profile = staff_pending(request)
    if profile is None:
        messages.warning(request, _("もう一度、ユーザー名とパスワードを入力してください。"))
        return HttpResponseRedirect(LOGIN)
    if profile.totp_confirmed:
        return HttpResponseRedirect(f"{LOGIN}totp/")
    error = ""
    if request.method == "POST":
        code = request.POST.get("code", "")
        codes = staff_totp_enrol(request=request, profile_id=profile.pk, code=code)
        if codes is not None:
            staff_next_url(request)  # the recovery codes come first; then the home page
            return render(request, "accounts/staff/recovery_codes.html", {"codes": codes})
        error = _("確認コードを入力してください。") if not code.strip() else _failure_message()
    secret = staff_totp_secret(profile=profile)
    return render(
        request,
        "accounts/staff/totp_setup.html",
        {
            "error": error,
            "secret_groups": [secret[i : i + 4] for i in range(0, len(secret), 4)],
            "uri": otpauth_uri(
                secret_b32=secret,
                account=profile.user.get_username(),
                issuer=_("つなぐ 職員"),
            ),
        },
        status=400 if error else 200,
    )


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    staff_logout(request=request)
    messages.success(request, _("ログアウトしました。"))
    return HttpResponseRedirect(LOGIN)


@staff_required()
@require_http_methods(["GET"])
def home(request: HttpRequest) -> HttpResponse:
    profile: StaffProfile = request.staff  # type: ignore[attr-defined]  # set by staff_required
    counts = case_counts_for_staff(staff=profile)
    return render(
        request,
        "accounts/staff/home.html",
        {
            "profile": profile,
            "department": department_get(code=profile.department),
            "role_label": StaffRole(profile.role).label,
            "counts": counts,
            "case_count": counts.total,
            "sees_cases": profile.role in CASE_ROLES,
            "is_auditor": profile.role == StaffRole.AUDITOR,
        },
    )
