from django.apps import AppConfig


class ApprovalsConfig(AppConfig):
    name = "tsunagu.casework.approvals"
    label = "approvals"
    verbose_name = "電子決裁 (electronic approval): routes, decision drafts, approvals, returns, deputies, reopening"

    def ready(self) -> None:
        from tsunagu.casework.approvals.panel import approval_panel
        from tsunagu.casework.panels import CasePanel, panel_register

        panel_register(
            CasePanel(
                key="approvals",
                order=30,
                template="approvals/panel.html",
                context=approval_panel,
            )
        )
