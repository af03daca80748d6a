from django.urls import path

from tsunagu.applications import correction_views, documents_views, views

app_name = "applications"
urlpatterns = [
    path("procedures/<slug:code>/start/", views.start, name="start"),
    path("applications/<str:draft_id>/steps/<slug:step_id>/", views.step, name="step"),
    path("applications/<str:draft_id>/attachments/", views.attachments, name="attachments"),
    path("applications/<str:draft_id>/check/", views.check, name="check"),
    path("applications/<str:draft_id>/sign/", views.sign, name="sign"),
    path("applications/sign/<slug:plugin_id>/callback/", views.sign_callback, name="sign_callback"),
    path("applications/<str:draft_id>/discard/", views.draft_discard, name="discard"),
    path("mypage/", views.mypage, name="mypage"),
    path("mypage/applications/<str:application_id>/", views.application_detail, name="detail"),
    path("mypage/applications/<str:application_id>/done/", views.done, name="done"),
    path("mypage/applications/<str:application_id>/withdraw/", views.withdraw, name="withdraw"),
    path("files/<str:attachment_id>/", views.attachment_file, name="file"),
    path("mypage/documents/<str:document_id>/", documents_views.document_download, name="document"),
    path(
        "mypage/applications/<str:application_id>/correction/",
        correction_views.correction_form,
        name="correction",
    ),
    path(
        "mypage/applications/<str:application_id>/correction/attachments/",
        correction_views.correction_attachments,
        name="correction_attachments",
    ),
    path(
        "mypage/applications/<str:application_id>/correction/check/",
        correction_views.correction_check,
        name="correction_check",
    ),
    path(
        "mypage/applications/<str:application_id>/correction/sign/",
        correction_views.correction_sign,
        name="correction_sign",
    ),
    path(
        "correction-files/<str:file_id>/",
        correction_views.correction_file,
        name="correction_file",
    ),
]
