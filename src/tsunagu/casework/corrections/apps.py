from django.apps import AppConfig


class CorrectionsConfig(AppConfig):
    name = "tsunagu.casework.corrections"
    label = "corrections"
    verbose_name = "補正依頼 (corrections): what staff ask a resident to fix, and the resubmissions"
