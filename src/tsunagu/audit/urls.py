"""The audit screen for the 監査 role, mounted under /staff/audit/."""

from django.urls import URLPattern, URLResolver, path

from tsunagu.audit import views

app_name = "audit"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.audit_list, name="list"),
    path("verify/", views.audit_verify_page, name="verify"),
]
