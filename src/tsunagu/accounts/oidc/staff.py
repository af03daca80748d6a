"""Staff single sign-on: the generic OpenID plugin's code with the staff settings.

The city's own identity provider (Entra ID, Keycloak, an LGWAN-side IdP ...) is configured
with ``TSUNAGU_STAFF_OIDC_*`` (``settings.TSUNAGU_OIDC_PROVIDERS["staff-oidc"]``). It is
never offered on the residents' login page: it is not in the residents' plugin registry.
A login maps the provider's identity to an existing ``StaffProfile`` by one claim (see
``accounts.staff_services.staff_sso_login``); it never creates staff.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from tsunagu.accounts.oidc.failures import LoginFailed
from tsunagu.accounts.oidc.plugin import GenericOIDCPlugin
from tsunagu.accounts.oidc.tokens import acr_satisfies

STAFF_PLUGIN_ID = "staff-oidc"
# RFC 8176 amr values that mean more than one factor (or a factor that is one on its own).
DEFAULT_MFA_AMR = ("mfa", "otp", "hwk", "sc", "fido", "swk")


class StaffOIDCPlugin(GenericOIDCPlugin):
    """The generic plugin, with the staff callback and the staff failure page."""

    id = STAFF_PLUGIN_ID

    def callback_url(self, request: HttpRequest) -> str:
        return request.build_absolute_uri(reverse("staff:login_sso_callback"))

    def failure_response(self, request: HttpRequest, failure: LoginFailed) -> HttpResponse:
        from tsunagu.accounts.staff_views import sso_failed_response

        return sso_failed_response(request, reason=failure.reason, detail=failure.detail)


_plugin = StaffOIDCPlugin()


def staff_oidc() -> StaffOIDCPlugin | None:
    """The staff provider, or None when it is not configured (no button, no URLs)."""
    return _plugin if _plugin.enabled() else None


def claim_value(*, id_claims: dict[str, Any], userinfo: dict[str, Any]) -> str:
    """The value of the configured claim (``TSUNAGU_STAFF_OIDC_CLAIM``), UserInfo first.

    An ``email`` counts only when the provider says it is verified.

    >>> claim_value(id_claims={}, userinfo={"preferred_username": "sato"})  # doctest: +SKIP
    'sato'
    """
    name = str(getattr(settings, "TSUNAGU_STAFF_OIDC_CLAIM", "preferred_username"))
    for source in (userinfo, id_claims):
        value = source.get(name)
        if isinstance(value, str) and value.strip():
            if name == "email" and source.get("email_verified") is not True:
                return ""
            return value.strip()[:254]
    return ""


def provider_mfa(id_claims: dict[str, Any]) -> bool:
    """Whether the ID token says the provider used several factors (``amr``), or reached
    ``TSUNAGU_STAFF_OIDC_MFA_ACR`` (``acr``).

    >>> provider_mfa({"amr": ["pwd", "otp"]}), provider_mfa({"amr": ["pwd"]})
    (True, False)
    """
    wanted = getattr(settings, "TSUNAGU_STAFF_OIDC_MFA_AMR", DEFAULT_MFA_AMR)
    amr = id_claims.get("amr")
    if isinstance(amr, list) and any(isinstance(a, str) and a in wanted for a in amr):
        return True
    required = str(getattr(settings, "TSUNAGU_STAFF_OIDC_MFA_ACR", ""))
    acr = id_claims.get("acr")
    return bool(required) and isinstance(acr, str) and acr_satisfies(acr, required)
