from django.urls import path

from tsunagu.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("procedures/", views.procedure_list, name="procedure_list"),
    path("procedures/<slug:code>/", views.procedure_guide, name="procedure_guide"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("privacy/", views.privacy, name="privacy"),
]
