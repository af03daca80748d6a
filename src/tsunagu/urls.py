"""Root URLconf: the public portal, resident login, and the front office."""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from django.views.decorators.http import require_GET


@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness probe and the benchmarks' hello-world floor: no database, no template."""
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("tsunagu.accounts.urls")),
    path("staff/", include("tsunagu.accounts.staff_urls")),
    path("", include("tsunagu.applications.urls")),
    path("", include("tsunagu.portal.urls")),
]
