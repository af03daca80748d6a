"""The audit screen for the 監査 role, mounted under /staff/audit/."""

from django.urls import URLPattern, URLResolver

app_name = "audit"
urlpatterns: list[URLPattern | URLResolver] = []
