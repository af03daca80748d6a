from django.apps import AppConfig


class ApprovalsConfig(AppConfig):
    name = "tsunagu.casework.approvals"
    label = "approvals"
    verbose_name = "電子決裁 (electronic approval): routes, decision drafts, approvals, returns, deputies, reopening"
