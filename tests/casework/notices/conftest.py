"""Decided cases with real answers (氏名, フリガナ, 住所), and the demo e-seal in a test folder."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from tsunagu.accounts.models import Resident
from tsunagu.applications.models import Application, Draft, HandoffOutbox
from tsunagu.casework.decisions import Approver, DecisionSummary
from tsunagu.casework.handoff import handoff_take_one
from tsunagu.casework.models import Case
from tsunagu.casework.services import case_decide, case_start_review, case_submit_for_approval
from tsunagu.procedures.loader import catalog

_numbers = itertools.count(1)

APPLICANT = {
    "name": {"sei": "常陸", "mei": "花子"},
    "kana_name": {"sei": "ヒタチ", "mei": "ハナコ"},
    "address": {
        "postal_code": "3128501",
        "line1": "茨城県ひたちなか市東石川２丁目１０番１号",
        "line2": "",
    },
}


@pytest.fixture(autouse=True)
def _demo_eseal(settings: Any, _worker_var_dir: Path) -> None:
    """Sign with the demo e-seal of this test process (created once, then reused)."""
    settings.TSUNAGU_ESEAL = {**settings.TSUNAGU_ESEAL, "demo_dir": _worker_var_dir / "eseal"}


def answers_for(code: str) -> dict[str, Any]:
    """Answers naming the applicant through the fields the definition prefills."""
    proc = catalog().procedures[code]
    out: dict[str, Any] = {}
    for spec in proc.all_fields().values():
        if spec.prefill == "profile.name":
            out[spec.id] = APPLICANT["name"]
        elif spec.prefill == "profile.kana_name":
            out[spec.id] = APPLICANT["kana_name"]
        elif spec.prefill == "profile.address":
            out[spec.id] = APPLICANT["address"]
    if code == "risai-shomeisho":
        out["house_address"] = APPLICANT["address"]
        out["disaster_name"] = "令和8年台風第10号"
        out["disaster_date"] = "2026-09-01"
    return out


def submit(resident: Resident, code: str, language: str = "ja") -> Application:
    proc = catalog().procedures[code]
    answers = answers_for(code)
    now = timezone.now()
    draft = Draft.objects.create(
        resident=resident,
        procedure_code=code,
        procedure_version=proc.version,
        answers=answers,
        submitted_at=now,
    )
    app = Application.objects.create(
        draft=draft,
        resident=resident,
        receipt_number=f"HN-N-{next(_numbers):06d}",
        procedure_code=code,
        procedure_version=proc.version,
        answers=answers,
        submitted_at=now,
        language=language,
    )
    HandoffOutbox.objects.create(application=app)
    return app


@pytest.fixture
def decided_case(resident: Resident) -> Callable[..., Case]:
    """``decided_case(approve=True, code="jidou-teate-nintei")``: a case taken through the
    real hand-off and decided through the real transitions."""

    def make(
        *, approve: bool = True, code: str = "jidou-teate-nintei", language: str = "ja"
    ) -> Case:
        app = submit(resident, code, language)
        case, _ = handoff_take_one(application_id=app.pk)
        case = case_start_review(case=case, actor=None)
        case = case_submit_for_approval(case=case, actor=None)
        reason = "" if approve else "所得が限度額を超えているため、支給の要件を満たしません。"
        return case_decide(case=case, actor=None, approve=approve, reason=reason)

    return make


def summary(**changes: Any) -> DecisionSummary:
    """A decision as the approvals part reports it."""
    base: dict[str, Any] = {
        "approved": True,
        "reason": "支給の要件を満たしています。",
        "decided_at": dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC),
        "amounts": {"児童手当 月額": 10000},
        "approvers": (
            Approver(
                role="chief", name="那珂 一郎", acted_at=dt.datetime(2026, 11, 19, tzinfo=dt.UTC)
            ),
            Approver(
                role="section_head",
                name="勝田 次郎",
                acted_at=dt.datetime(2026, 11, 20, tzinfo=dt.UTC),
                deputy_for="水戸 三郎",
            ),
        ),
    }
    base.update(changes)
    return DecisionSummary(**base)


def pdf_text(pdf: bytes) -> str:
    """The text of every page, as a reader's text extraction finds it."""
    import io

    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
