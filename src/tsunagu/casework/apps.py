from django.apps import AppConfig


class CaseworkConfig(AppConfig):
    name = "tsunagu.casework"
    label = "casework"
    verbose_name = "Back office: cases, status history and deadlines"
