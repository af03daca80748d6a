"""Staff pages of this part of the back office, mounted under /staff/."""

from django.urls import URLPattern, URLResolver

app_name = "notices"
urlpatterns: list[URLPattern | URLResolver] = []
