from django.apps import AppConfig


class NoticesConfig(AppConfig):
    name = "tsunagu.casework.notices"
    label = "notices"
    verbose_name = "決定通知書 and certificates: PDF notices signed with the city's e-seal (PAdES)"

    def ready(self) -> None:
        from tsunagu.casework.notices.panel import notice_panel
        from tsunagu.casework.panels import CasePanel, panel_register

        panel_register(
            CasePanel(key="notices", order=50, template="notices/panel.html", context=notice_panel)
        )
