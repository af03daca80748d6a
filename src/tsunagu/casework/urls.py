"""Staff pages of the back office: the inbox and the case page, mounted under /staff/."""

from django.urls import URLPattern, URLResolver, path

from tsunagu.casework import views

app_name = "casework"
urlpatterns: list[URLPattern | URLResolver] = [
    path("cases/", views.inbox, name="inbox"),
    path("cases/<uuid:case_id>/", views.case_detail, name="case"),
    path("cases/<uuid:case_id>/start-review/", views.case_start_review, name="start_review"),
    path("cases/<uuid:case_id>/assign/", views.case_assign, name="assign"),
    path("cases/<uuid:case_id>/notes/", views.case_note, name="note"),
    path("cases/<uuid:case_id>/withdraw/", views.case_withdraw, name="withdraw"),
    path("cases/<uuid:case_id>/my-number/", views.case_my_number, name="my_number"),
    path(
        "cases/<uuid:case_id>/attachments/<uuid:attachment_id>/",
        views.case_attachment,
        name="attachment",
    ),
]
