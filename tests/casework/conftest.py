"""Cases built from applications of the small test procedure ``test-teate``."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from tests.applications.conftest import FIXTURES
from tsunagu.accounts.models import Resident
from tsunagu.applications.models import Application, Draft, HandoffOutbox
from tsunagu.casework.handoff import handoff_take_one
from tsunagu.casework.models import Case
from tsunagu.procedures.loader import catalog

_numbers = itertools.count(1)


@pytest.fixture
def test_catalog(settings: Any) -> Iterator[Any]:
    """The catalog of the front office's tests (``test-teate``: 10 working days)."""
    settings.TSUNAGU_CATALOG_DIR = FIXTURES
    catalog.cache_clear()
    yield catalog()
    catalog.cache_clear()


def make_submission(
    resident: Resident,
    procedure_code: str = "test-teate",
    answers: dict[str, Any] | None = None,
) -> Application:
    """A submitted application with its outbox record, as ``application_submit`` leaves it
    (written directly: these tests are about the back office, not the form)."""
    now = timezone.now()
    answers = answers if answers is not None else {"pension": "kousei"}
    draft = Draft.objects.create(
        resident=resident,
        procedure_code=procedure_code,
        procedure_version=1,
        answers=answers,
        submitted_at=now,
    )
    app = Application.objects.create(
        draft=draft,
        resident=resident,
        receipt_number=f"T-{next(_numbers):06d}",
        procedure_code=procedure_code,
        procedure_version=1,
        answers=answers,
        submitted_at=now,
    )
    HandoffOutbox.objects.create(application=app)
    return app


@pytest.fixture
def clerk(db: None) -> User:
    return User.objects.create_user(username="clerk", password="unused-in-these-tests")


@pytest.fixture
def new_case(resident: Resident, test_catalog: Any) -> Callable[..., Case]:
    """Make a case through the real hand-off, optionally placed in a given status."""

    def make(
        status: str | None = None,
        procedure_code: str = "test-teate",
        answers: dict[str, Any] | None = None,
    ) -> Case:
        app = make_submission(resident, procedure_code, answers)
        case, created = handoff_take_one(application_id=app.pk)
        assert created
        if status is not None:
            Case.objects.filter(pk=case.pk).update(status=status)
            case.refresh_from_db()
        return case

    return make
