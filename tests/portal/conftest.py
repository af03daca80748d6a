"""The portal's tests read a small catalog of their own (fixtures/catalog)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_django import Settings

from tsunagu.procedures.loader import Catalog, catalog

FIXTURE_CATALOG = Path(__file__).parent / "fixtures" / "catalog"


@pytest.fixture(autouse=True)
def fixture_catalog(settings: Settings) -> Iterator[Catalog]:
    settings.TSUNAGU_CATALOG_DIR = FIXTURE_CATALOG
    catalog.cache_clear()
    yield catalog()
    catalog.cache_clear()
