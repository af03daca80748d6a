from django.apps import AppConfig


class CounterConfig(AppConfig):
    name = "tsunagu.casework.counter"
    label = "counter"
    verbose_name = "書かない窓口: applications filled in by a clerk at the counter"
