from django.apps import AppConfig


class CorrectionsConfig(AppConfig):
    name = "tsunagu.casework.corrections"
    label = "corrections"
    verbose_name = "補正依頼 (corrections): what staff ask a resident to fix, and the resubmissions"

    def ready(self) -> None:
        from tsunagu.casework.corrections.panel import corrections_panel
        from tsunagu.casework.panels import CasePanel, panel_register

        panel_register(
            CasePanel(
                key="corrections",
                order=20,
                template="corrections/panel.html",
                context=corrections_panel,
            )
        )
