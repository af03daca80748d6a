"""Staff pages of the back office: the inbox and the case page, mounted under /staff/."""

from django.urls import URLPattern, URLResolver

app_name = "casework"
urlpatterns: list[URLPattern | URLResolver] = []
