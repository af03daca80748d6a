"""Resident pages of this part of the back office (the resident's own application)."""

from django.urls import URLPattern, URLResolver

app_name = "notices_resident"
urlpatterns: list[URLPattern | URLResolver] = []
