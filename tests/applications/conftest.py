from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tsunagu.procedures.loader import catalog

FIXTURES = Path(__file__).parent / "fixtures" / "catalog"


@pytest.fixture
def test_catalog(settings: Any) -> Iterator[Any]:
    """Point the catalog at the small test procedure ``test-teate``."""
    settings.TSUNAGU_CATALOG_DIR = FIXTURES
    catalog.cache_clear()
    yield catalog()
    catalog.cache_clear()


@pytest.fixture
def proc(test_catalog: Any) -> Any:
    return test_catalog.procedures["test-teate"]
