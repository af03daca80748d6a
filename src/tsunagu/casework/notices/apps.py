from django.apps import AppConfig


class NoticesConfig(AppConfig):
    name = "tsunagu.casework.notices"
    label = "notices"
    verbose_name = "決定通知書 and certificates: PDF notices signed with the city's e-seal (PAdES)"
