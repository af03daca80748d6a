from django.apps import AppConfig


class ExportsConfig(AppConfig):
    name = "tsunagu.casework.exports"
    label = "exports"
    verbose_name = "基幹システム連携: exports of decided cases to core systems (CSV, JSON, ZIP)"

    def ready(self) -> None:
        from tsunagu.casework.exports.panel import exports_panel
        from tsunagu.casework.panels import CasePanel, panel_register

        panel_register(
            CasePanel(key="exports", order=60, template="exports/panel.html", context=exports_panel)
        )
