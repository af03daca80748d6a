from django.apps import AppConfig


class CounterConfig(AppConfig):
    name = "tsunagu.casework.counter"
    label = "counter"
    verbose_name = "書かない窓口: applications filled in by a clerk at the counter"

    def ready(self) -> None:
        from tsunagu.casework.counter.panel import counter_panel
        from tsunagu.casework.panels import CasePanel, panel_register

        panel_register(
            CasePanel(key="counter", order=5, template="counter/panel.html", context=counter_panel)
        )
