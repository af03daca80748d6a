"""A procedure signed with the card is signed again after its correction."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.applications.test_signing import _ready
from tsunagu.applications import corrections, signing
from tsunagu.applications.models import Application, ApplicationCorrection, CorrectionSignature
from tsunagu.casework.corrections.services import correction_receive_pending, correction_request
from tsunagu.casework.handoff import handoff_take_one
from tsunagu.casework.services import case_start_review

pytestmark = pytest.mark.django_db


def test_the_corrected_version_is_signed_and_verified(
    client: Client, test_catalog: Any, staff_client: Any
) -> None:
    draft = _ready(client)
    r = client.post(f"/applications/{draft.pk}/sign/", {"pin": "ABC1234"})
    assert r.status_code == 302
    app = Application.objects.get()
    case, _created = handoff_take_one(application_id=app.pk)
    case = case_start_review(case=case, actor=None)
    clerk = staff_client(department="zeimu")
    correction_request(
        case=case,
        actor=clerk.staff.user,
        fields=["reason"],
        attachment_slots=[],
        message="理由を具体的に書いてください。",
        due_date=None,
    )
    base = f"/mypage/applications/{app.pk}/correction"
    r = client.post(f"{base}/", {"action": "next", "reason": "台風15号で屋根が飛ばされたため"})
    assert r["Location"] == f"{base}/check/"
    assert "署名へ進む" in client.get(f"{base}/check/").content.decode()
    # Without signing nothing is resubmitted: the check page sends to the signing page.
    r = client.post(f"{base}/check/", {"declaration": "yes"})
    assert r["Location"] == f"{base}/sign/"
    corr = ApplicationCorrection.objects.get()
    assert corr.answered_at is None
    with pytest.raises(corrections.CorrectionRefused, match="電子署名が必要です"):
        corrections.application_correction_submit(
            correction=corr, resident=app.resident, declared=True
        )
    # A signature over the first version does not fit the corrected one.
    proc = corrections.correction_procedure(corr)
    plugin = corrections.correction_signing_plugin(proc)
    assert plugin is not None
    stale = plugin.sign(
        resident=app.resident,
        data=signing.signed_bytes(proc=proc, draft=app.draft, answers=app.answers),
        pin="ABC1234",
    )
    with pytest.raises(corrections.CorrectionRefused, match="署名した後に補正の内容が変わりました"):
        corrections.application_correction_submit(
            correction=corr, resident=app.resident, declared=True, signed=stale
        )
    page = client.get(f"{base}/sign/").content.decode()
    assert "署名用電子証明書の暗証番号" in page
    bad = client.post(f"{base}/sign/", {"pin": "12"})
    assert bad.status_code == 400 and "6〜16桁" in bad.content.decode()
    r = client.post(f"{base}/sign/", {"pin": "ABC1234"})
    assert r.status_code == 302 and r["Location"] == f"/mypage/applications/{app.pk}/"
    sig = CorrectionSignature.objects.get()
    assert sig.valid and sig.mismatches == []
    corr.refresh_from_db()
    assert corr.answers_after is not None
    assert corr.answers_after["reason"] == "台風15号で屋根が飛ばされたため"
    assert corr.answers_before["reason"] == "台風で住家が壊れたため"
    # The back office receives the verified signer with the answer.
    assert len(correction_receive_pending()) == 1
    html = clerk.get(f"/staff/cases/{case.pk}/corrections/1/").content.decode()
    assert "署名を確認済み" in html and "常陸　花子" in html
    assert "台風15号で屋根が飛ばされたため" in html


def test_a_change_after_the_declaration_sends_back_to_the_check_page(
    client: Client, test_catalog: Any, staff_client: Any
) -> None:
    draft = _ready(client)
    client.post(f"/applications/{draft.pk}/sign/", {"pin": "ABC1234"})
    app = Application.objects.get()
    case, _created = handoff_take_one(application_id=app.pk)
    case = case_start_review(case=case, actor=None)
    correction_request(
        case=case,
        actor=staff_client(department="zeimu").staff.user,
        fields=["reason"],
        attachment_slots=[],
        message="理由を具体的に書いてください。",
        due_date=None,
    )
    base = f"/mypage/applications/{app.pk}/correction"
    client.post(f"{base}/", {"action": "next", "reason": "一度目"})
    client.post(f"{base}/check/", {"declaration": "yes"})
    client.post(f"{base}/", {"action": "next", "reason": "二度目"})
    r = client.post(f"{base}/sign/", {"pin": "ABC1234"})
    assert r.status_code == 302 and r["Location"] == f"{base}/check/"
    assert not CorrectionSignature.objects.exists()
