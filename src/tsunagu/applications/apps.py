from django.apps import AppConfig


class ApplicationsConfig(AppConfig):
    name = "tsunagu.applications"
    label = "applications"
    verbose_name = "Front office: drafts and applications"
