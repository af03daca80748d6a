"""A real application of ``test-teate`` submitted through the pages, taken into a case
and put under review: the starting point of every correction."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.applications.test_flow import fill_all, start
from tests.browser.conftest import browser  # noqa: F401  # Chromium, for test_browser.py
from tsunagu.applications.models import Application
from tsunagu.casework.handoff import handoff_take_one
from tsunagu.casework.models import Case
from tsunagu.casework.services import case_start_review


@pytest.fixture
def reviewed_case(
    resident_client: Client, test_catalog: Any, django_capture_on_commit_callbacks: Any
) -> Case:
    """常陸 花子's application (card login) as a case 審査中 in こども政策課."""
    draft = start(resident_client)
    fill_all(resident_client, draft)
    with django_capture_on_commit_callbacks(execute=True):
        r = resident_client.post(
            f"/applications/{draft.pk}/check/", {"version": "1", "declaration": "yes"}
        )
    assert r.status_code == 302
    app = Application.objects.get()
    case, created = handoff_take_one(application_id=app.pk)
    assert created
    return case_start_review(case=case, actor=None)
