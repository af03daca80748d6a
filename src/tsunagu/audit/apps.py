from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "tsunagu.audit"
    label = "audit"
    verbose_name = "Audit log"
