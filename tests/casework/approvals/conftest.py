"""Cases of the approval tests' own small catalog: ``test-kessai`` (こども政策課: 起案 →
係長 → 課長), ``risai-shomeisho`` (税務課: 起案 → 係長 with 合議 of 生活安全課 and 市民課 →
課長) and ``test-noroute`` (no route in its definition)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.casework.conftest import make_submission
from tests.conftest import staff_make
from tsunagu.accounts.models import Resident
from tsunagu.accounts.staff_models import StaffProfile
from tsunagu.casework.handoff import handoff_take_one
from tsunagu.casework.models import Case, CaseStatus
from tsunagu.procedures.loader import catalog

FIXTURES = Path(__file__).parent / "fixtures" / "catalog"


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    """These tests make many staff accounts; their passwords are never checked here."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def test_catalog(settings: Any) -> Iterator[Any]:
    settings.TSUNAGU_CATALOG_DIR = FIXTURES
    catalog.cache_clear()
    yield catalog()
    catalog.cache_clear()


@pytest.fixture
def make_case(resident: Resident, test_catalog: Any) -> Callable[..., Case]:
    """A case through the real hand-off, placed in 審査中 (or ``status``)."""

    def make(procedure_code: str = "test-kessai", status: str = CaseStatus.IN_REVIEW) -> Case:
        app = make_submission(resident, procedure_code)
        case, created = handoff_take_one(application_id=app.pk)
        assert created
        Case.objects.filter(pk=case.pk).update(status=status)
        case.refresh_from_db()
        return case

    return make


@pytest.fixture
def people(db: None) -> dict[str, StaffProfile]:
    """Staff of the departments the routes touch, by a short name."""
    return {
        "clerk": staff_make("k-clerk", department="kodomo_seisaku", role="clerk"),
        "clerk2": staff_make("k-clerk2", department="kodomo_seisaku", role="clerk"),
        "chief": staff_make("k-chief", department="kodomo_seisaku", role="chief"),
        "head": staff_make("k-head", department="kodomo_seisaku", role="section_head"),
        "director": staff_make("k-director", department="kodomo_seisaku", role="director"),
        "admin": staff_make("k-admin", department="kodomo_seisaku", role="admin"),
        "auditor": staff_make("k-auditor", department="kodomo_seisaku", role="auditor"),
        "other_chief": staff_make("h-chief", department="hoiku_youchien", role="chief"),
        "other_head": staff_make("h-head", department="hoiku_youchien", role="section_head"),
        "z_clerk": staff_make("z-clerk", department="zeimu", role="clerk"),
        "z_chief": staff_make("z-chief", department="zeimu", role="chief"),
        "z_head": staff_make("z-head", department="zeimu", role="section_head"),
        "kiki_chief": staff_make("kiki-chief", department="kikikanri", role="chief"),
        "kiki_clerk": staff_make("kiki-clerk", department="kikikanri", role="clerk"),
        "shimin_head": staff_make("shimin-head", department="shimin", role="section_head"),
    }
