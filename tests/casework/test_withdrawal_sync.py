"""A withdrawal on the resident's page reaches the back office and is never overwritten."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.applications.test_flow import fill_all, start
from tsunagu.applications.models import Application, Status
from tsunagu.applications.services import ApplicationWithdrawn, application_status_set
from tsunagu.casework.handoff import handoff_take_pending
from tsunagu.casework.models import CaseStatus
from tsunagu.casework.services import CaseTransitionRefused, case_start_review

pytestmark = pytest.mark.django_db


def _submitted(client: Client) -> Application:
    draft = start(client)
    fill_all(client, draft)
    client.post(f"/applications/{draft.pk}/check/", {"version": "1", "declaration": "yes"})
    return Application.objects.get()


def test_withdrawal_after_the_handoff_wins(resident_client: Client, test_catalog: Any) -> None:
    app = _submitted(resident_client)
    (case,) = handoff_take_pending()
    resident_client.post(f"/mypage/applications/{app.pk}/withdraw/", {"confirm": "yes"})
    with pytest.raises(CaseTransitionRefused):
        case_start_review(case=case, actor=None)
    case.refresh_from_db()
    app.refresh_from_db()
    assert case.status == CaseStatus.WITHDRAWN
    assert app.status == Status.WITHDRAWN


def test_withdrawal_before_the_handoff(resident_client: Client, test_catalog: Any) -> None:
    app = _submitted(resident_client)
    resident_client.post(f"/mypage/applications/{app.pk}/withdraw/", {"confirm": "yes"})
    (case,) = handoff_take_pending()
    case.refresh_from_db()
    assert case.status == CaseStatus.WITHDRAWN


def test_front_office_refuses_to_move_a_withdrawn_application(
    resident_client: Client, test_catalog: Any
) -> None:
    app = _submitted(resident_client)
    resident_client.post(f"/mypage/applications/{app.pk}/withdraw/", {"confirm": "yes"})
    with pytest.raises(ApplicationWithdrawn):
        application_status_set(application_id=app.pk, status=Status.IN_REVIEW)
