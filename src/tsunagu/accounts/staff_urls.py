from django.urls import path

from tsunagu.accounts import staff_views

app_name = "staff"
urlpatterns = [
    path("", staff_views.home, name="home"),
    path("login/", staff_views.login, name="login"),
    path("login/totp/", staff_views.login_totp, name="login_totp"),
    path("login/sso/", staff_views.login_sso, name="login_sso"),
    path("login/sso/callback/", staff_views.login_sso_callback, name="login_sso_callback"),
    path("totp/setup/", staff_views.totp_setup, name="totp_setup"),
    path("logout/", staff_views.logout, name="logout"),
]
