from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.core import checks


class ProceduresConfig(AppConfig):
    name = "tsunagu.procedures"
    label = "procedures"
    verbose_name = "Procedure catalog"

    def ready(self) -> None:
        checks.register(check_catalog, "tsunagu")


def check_catalog(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Refuse to start with a catalog that does not validate (every problem is listed)."""
    from tsunagu.procedures.loader import CatalogError, load_catalog

    try:
        load_catalog()
    except CatalogError as err:
        return [
            checks.Error(str(problem), id="tsunagu.E001", hint="tsunagu procedures check")
            for problem in err.problems
        ]
    return []
