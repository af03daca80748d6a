"""Staff login pages (password, then TOTP) and the ``staff_required`` decorator."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

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
    staff_totp_enrol,
    staff_totp_secret,
)
from tsunagu.accounts.totp import otpauth_uri
from tsunagu.accounts.views import safe_next
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
    return render(
        request,
        "accounts/staff/login.html",
        {"error": error, "username": username, "next": _staff_next(request)},
        status=400 if error else 200,
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
