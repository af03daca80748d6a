from django.urls import path

from tsunagu.portal import staff_views, views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("procedures/", views.procedure_list, name="procedure_list"),
    path("procedures/<slug:code>/", views.procedure_guide, name="procedure_guide"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("privacy/", views.privacy, name="privacy"),
    path("furigana/", views.furigana_switch, name="furigana"),
    path("staff/yasashii/", staff_views.yasashii_checker, name="yasashii_checker"),
    path("staff/yasashii/api/", staff_views.yasashii_api, name="yasashii_api"),
]
