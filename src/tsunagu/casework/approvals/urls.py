"""Staff pages of this part of the back office, mounted under /staff/."""

from django.urls import URLPattern, URLResolver, path

from tsunagu.casework.approvals import views

app_name = "approvals"
urlpatterns: list[URLPattern | URLResolver] = [
    path("approvals/", views.inbox, name="inbox"),
    path("approvals/cases/<uuid:case_id>/", views.case_page, name="case"),
    path("approvals/cases/<uuid:case_id>/draft/", views.draft, name="draft"),
    path("approvals/cases/<uuid:case_id>/start/", views.start, name="start"),
    path("approvals/cases/<uuid:case_id>/act/", views.act, name="act"),
    path("approvals/cases/<uuid:case_id>/reopen/", views.reopen, name="reopen"),
    path("approvals/deputies/", views.deputies, name="deputies"),
    path(
        "approvals/deputies/<int:assignment_id>/revoke/",
        views.deputy_revoke,
        name="deputy_revoke",
    ),
]
