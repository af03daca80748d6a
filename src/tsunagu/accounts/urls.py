from django.urls import path

from tsunagu.accounts import views
from tsunagu.accounts.oidc import views as oidc_views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login, name="login"),
    path("login/demo/", views.demo_login, name="demo_login"),
    path("login/<slug:plugin_id>/", views.login_start, name="login_start"),
    path("login/<slug:plugin_id>/callback/", oidc_views.callback, name="oidc_callback"),
    path("oidc/jwks.json", oidc_views.jwks, name="oidc_jwks"),
    path("logout/", views.logout, name="logout"),
    path("logout/everywhere/", views.logout_everywhere, name="logout_everywhere"),
    path("session/keepalive/", views.session_keepalive, name="session_keepalive"),
]
