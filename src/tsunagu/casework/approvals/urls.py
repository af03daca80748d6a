"""Staff pages of this part of the back office, mounted under /staff/."""

from django.urls import URLPattern, URLResolver

app_name = "approvals"
urlpatterns: list[URLPattern | URLResolver] = []
