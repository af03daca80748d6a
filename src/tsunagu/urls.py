"""Root URLconf: the public portal, resident login, the front office and the staff side."""

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
    path("staff/", include("tsunagu.casework.urls")),
    path("staff/", include("tsunagu.casework.corrections.urls")),
    path("staff/", include("tsunagu.casework.approvals.urls")),
    path("staff/", include("tsunagu.casework.notices.urls")),
    path("staff/", include("tsunagu.casework.exports.urls")),
    path("staff/", include("tsunagu.casework.counter.urls")),
    path("staff/audit/", include("tsunagu.audit.urls")),
    path("", include("tsunagu.applications.urls")),
    path("", include("tsunagu.portal.urls")),
]
