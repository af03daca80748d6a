"""Staff pages of this part of the back office, mounted under /staff/."""

from django.urls import URLPattern, URLResolver, path

from tsunagu.casework.notices import views

app_name = "notices"
urlpatterns: list[URLPattern | URLResolver] = [
    path("cases/<uuid:case_id>/notice/preview/", views.notice_preview, name="preview"),
    path("cases/<uuid:case_id>/notice/issue/", views.notice_issue, name="issue"),
    path("notices/<uuid:notice_id>/", views.notice_download, name="download"),
]
