"""The OpenID callback and our JWKS (thin: the plugin does the work)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET

from tsunagu.accounts.oidc.failures import LoginFailed, login_failed_response
from tsunagu.accounts.oidc.keys import public_jwks
from tsunagu.accounts.oidc.plugin import OIDCPlugin
from tsunagu.accounts.plugins import registry
from tsunagu.accounts.services import resident_login


@require_GET
def callback(request: HttpRequest, plugin_id: str) -> HttpResponse:
    plugin = registry.get(plugin_id)
    if not isinstance(plugin, OIDCPlugin):
        raise Http404
    try:
        identity, next_url = plugin.finish(request)
    except LoginFailed as failure:
        return login_failed_response(request, provider=plugin_id, failure=failure)
    resident_login(request=request, identity=identity)
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = "/mypage/"
    return HttpResponseRedirect(next_url or "/mypage/")


@require_GET
def jwks(request: HttpRequest) -> JsonResponse:
    """Our public keys, for the provider to check our ``private_key_jwt`` assertions."""
    response = JsonResponse(public_jwks())
    response["Cache-Control"] = "public, max-age=300"
    return response
