"""Staff pages of this part of the back office, mounted under /staff/."""

from django.urls import URLPattern, URLResolver, path

from tsunagu.casework.exports import views

app_name = "exports"
urlpatterns: list[URLPattern | URLResolver] = [
    path("exports/", views.export_home, name="home"),
    path("exports/runs/<uuid:run_id>/", views.export_run_detail, name="run"),
    path("exports/runs/<uuid:run_id>/download/", views.export_download, name="download"),
    path("exports/runs/<uuid:run_id>/reexport/", views.export_reexport, name="reexport"),
]
