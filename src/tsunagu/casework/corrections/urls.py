"""Staff pages of corrections (補正依頼), mounted under /staff/."""

from django.urls import URLPattern, URLResolver, path

from tsunagu.casework.corrections import views

app_name = "corrections"
urlpatterns: list[URLPattern | URLResolver] = [
    path("cases/<str:case_id>/corrections/new/", views.correction_new, name="new"),
    path(
        "cases/<str:case_id>/corrections/<int:number>/",
        views.correction_detail,
        name="detail",
    ),
    path(
        "cases/<str:case_id>/corrections/<int:number>/files/<str:file_id>/",
        views.correction_file,
        name="file",
    ),
]
