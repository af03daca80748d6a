"""Staff pages of the counter (書かない窓口), mounted under /staff/."""

from django.urls import URLPattern, URLResolver, path

from tsunagu.casework.counter import views

app_name = "counter"
urlpatterns: list[URLPattern | URLResolver] = [
    path("counter/", views.home, name="home"),
    path("counter/new/", views.start, name="start"),
    path("counter/<uuid:visit_id>/", views.visit, name="visit"),
    path("counter/<uuid:visit_id>/confirm/", views.confirm, name="confirm"),
    path("counter/<uuid:visit_id>/<int:position>/<str:step_id>/", views.step, name="step"),
]
