from django.apps import AppConfig


class ProceduresConfig(AppConfig):
    name = "tsunagu.procedures"
    label = "procedures"
    verbose_name = "Procedure catalog"
