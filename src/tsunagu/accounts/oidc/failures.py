"""A failed OpenID login: one audit event and one clear Japanese page, never a 500."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from tsunagu.audit.services import audit_record


@dataclass(frozen=True)
class FailureKind:
    title: str | Promise
    message: str | Promise
    status: int


CANCELLED = FailureKind(
    _("ログインを中止しました"),
    _("ログインが取り消されました。続けるには、もう一度ログインしてください。"),
    400,
)
EXPIRED = FailureKind(
    _("ログインの有効期限が切れました"),
    _(
        "ログインを始めてから時間がたったか、別の画面で始めたログインのため、続けられませんでした。"
        "お手数ですが、もう一度ログインしてください。"
    ),
    400,
)
UNAVAILABLE = FailureKind(
    _("認証サービスにつながりません"),
    _("認証サービスが一時的に利用できません。しばらく待ってから、もう一度お試しください。"),
    503,
)
ASSURANCE = FailureKind(
    _("マイナンバーカードによる本人確認ができませんでした"),
    _(
        "この手続きには、マイナンバーカードと暗証番号による本人確認が必要です。"
        "お手数ですが、もう一度ログインしてください。"
    ),
    400,
)
REFUSED = FailureKind(
    _("ログインできませんでした"),
    _(
        "認証サービスからの応答を確認できなかったため、安全のためログインを中止しました。"
        "お手数ですが、もう一度ログインしてください。"
        "繰り返し表示される場合は、市役所へお問い合わせください。"
    ),
    400,
)

_KINDS = {
    "cancelled": CANCELLED,
    "state_missing": EXPIRED,
    "state_unknown": EXPIRED,
    "state_expired": EXPIRED,
    "state_mismatch": EXPIRED,
    "provider_unavailable": UNAVAILABLE,
    "id_token_acr_missing": ASSURANCE,
    "id_token_acr_low": ASSURANCE,
}


class LoginFailed(Exception):
    """Raised inside the flow; ``reason`` is a short code (``[a-z0-9_]``)."""

    def __init__(
        self, reason: str, *, next_url: str = "", level: str = "", detail: str = ""
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.next_url = next_url
        self.level = level
        # A second short code for the audit log (e.g. the OAuth error of the provider).
        self.detail = detail


_CODE = re.compile(r"[^a-z0-9_]")


def login_failed_record(*, request: HttpRequest, provider: str, failure: LoginFailed) -> None:
    """The ``auth.login_failed`` audit event: codes only, no token or personal data."""
    summary = {"provider": provider, "reason": _CODE.sub("", failure.reason)[:64]}
    if failure.detail:
        summary["detail"] = _CODE.sub("", failure.detail.lower())[:64]
    audit_record(action="auth.login_failed", request=request, obj_type="auth", summary=summary)


def login_failed_response(
    request: HttpRequest, *, provider: str, failure: LoginFailed
) -> HttpResponse:
    """Record the failure and render the page with a way back."""
    login_failed_record(request=request, provider=provider, failure=failure)
    kind = _KINDS.get(failure.reason, REFUSED)
    query = {"next": failure.next_url} if failure.next_url else {}
    if failure.level:
        query["level"] = failure.level
    login_url = reverse("accounts:login") + ("?" + urlencode(query) if query else "")
    return render(
        request,
        "accounts/oidc/failed.html",
        {
            "title": kind.title,
            "message": kind.message,
            "reason": failure.reason,
            "login_url": login_url,
            "next_url": failure.next_url,
        },
        status=kind.status,
    )
