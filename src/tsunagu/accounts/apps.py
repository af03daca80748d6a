from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "tsunagu.accounts"
    label = "accounts"
    verbose_name = "Residents and staff"

    def ready(self) -> None:
        # Register the built-in authentication plugins.
        from tsunagu.accounts import demo_plugin  # noqa: F401
        from tsunagu.accounts.oidc import plugin  # noqa: F401
