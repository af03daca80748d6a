from django.apps import AppConfig


class ExportsConfig(AppConfig):
    name = "tsunagu.casework.exports"
    label = "exports"
    verbose_name = "基幹システム連携: exports of decided cases to core systems (CSV, JSON, ZIP)"
