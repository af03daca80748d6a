"""Decided cases of ``test-teate`` with real answers and files, and a registry of targets."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from tsunagu.accounts.models import Resident
from tsunagu.applications.models import Application, Attachment, Draft, HandoffOutbox
from tsunagu.casework.decisions import DecisionSummary
from tsunagu.casework.exports import selectors
from tsunagu.casework.exports.targets import ExportTarget, Registry
from tsunagu.casework.handoff import handoff_take_one
from tsunagu.casework.models import Case, CaseStatus
from tsunagu.core import crypto

_numbers = itertools.count(1)
PDF = b"%PDF-1.4\n% a test file\n%%EOF\n"
MY_NUMBER = "123456789018"
DECIDED_AT = dt.datetime(2026, 11, 20, 10, 30, tzinfo=dt.UTC)


def answers(*, sei: str = "常陸", children: int = 1) -> dict[str, Any]:
    """Answers of ``test-teate`` as the engine stores them."""
    return {
        "name": {"sei": sei, "mei": "花子"},
        "birth_date": "1990-04-01",
        "my_number": crypto.my_number_encrypt(MY_NUMBER),
        "pension": "kousei",
        "has_spouse": False,
        "children": [
            {
                "child_name": {"sei": "常陸", "mei": f"太郎{i}"},
                "child_birth": "2020-05-05",
                "living": "doukyo",
            }
            for i in range(1, children + 1)
        ],
        "consent_tax": True,
    }


@pytest.fixture
def targets() -> Registry:
    """A registry of one target for ``test-teate`` (the tests' own, per STYLE)."""
    reg = Registry()

    @reg.register("test-kikan")
    class TestKikan(ExportTarget):
        label = "テスト基幹システム"
        procedures = ("test-teate",)

    @reg.register("test-all")
    class TestAll(ExportTarget):
        label = "テスト汎用"
        include_rejected = True

    return reg


@pytest.fixture
def rejected() -> set[str]:
    """Receipt numbers that the fake decision says were rejected."""
    return set()


@pytest.fixture(autouse=True)
def decisions(monkeypatch: pytest.MonkeyPatch, rejected: set[str]) -> None:
    """Decisions as approvals' contract gives them (approvals is built separately)."""

    def fake(*, case: Case) -> DecisionSummary | None:
        if case.status not in (CaseStatus.APPROVED, CaseStatus.REJECTED):
            return None
        approved = case.receipt_number not in rejected
        return DecisionSummary(
            approved=approved,
            reason="" if approved else "所得が限度額を超えています。",
            decided_at=DECIDED_AT,
            amounts={"児童手当 月額": 10000} if approved else {},
        )

    monkeypatch.setattr(selectors, "decision_for", fake)


@pytest.fixture
def decided_case(resident: Resident, test_catalog: Any) -> Callable[..., Case]:
    """A case of ``test-teate`` through the real hand-off, with one PDF, then decided."""

    def make(
        *,
        sei: str = "常陸",
        status: str = CaseStatus.APPROVED,
        files: int = 1,
        children: int = 1,
    ) -> Case:
        now = timezone.now()
        data = answers(sei=sei, children=children)
        draft = Draft.objects.create(
            resident=resident,
            procedure_code="test-teate",
            procedure_version=1,
            answers=data,
            submitted_at=now,
        )
        for i in range(files):
            content = PDF + str(i).encode()
            Attachment.objects.create(
                draft=draft,
                slot="bankbook",
                file=ContentFile(content, name="x.pdf"),
                original_name=f"通帳{i + 1}.PDF",
                content_type="application/pdf",
                kind="pdf",
                size=len(content),
                sha256=hashlib.sha256(content).hexdigest(),
            )
        app = Application.objects.create(
            draft=draft,
            resident=resident,
            receipt_number=f"HN-E-{next(_numbers):06d}",
            procedure_code="test-teate",
            procedure_version=1,
            answers=data,
            submitted_at=now,
        )
        HandoffOutbox.objects.create(application=app)
        case, created = handoff_take_one(application_id=app.pk)
        assert created
        Case.objects.filter(pk=case.pk).update(status=status, decided_at=DECIDED_AT)
        case.refresh_from_db()
        return case

    return make
