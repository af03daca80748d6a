"""Applications that need the card's signature: signed, verified, stored; refused otherwise."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from django.test import Client

from tests.conftest import login_as
from tsunagu.applications import services, signing
from tsunagu.applications.models import Application, ApplicationSignature, Draft
from tsunagu.devtools.jpki_ca import jpki_test_ca
from tsunagu.procedures.schema import Assurance

pytestmark = pytest.mark.django_db


def _ready(client: Client) -> Draft:
    login_as(client, "demo-0001")
    client.post("/procedures/test-sign/start/")
    draft = Draft.objects.get(procedure_code="test-sign")
    r = client.post(
        f"/applications/{draft.pk}/steps/applicant/",
        {"action": "next", "reason": "台風で住家が壊れたため"},
    )
    assert r.status_code == 302
    r = client.post(f"/applications/{draft.pk}/check/", {"version": "1", "declaration": "yes"})
    assert r["Location"] == f"/applications/{draft.pk}/sign/"
    draft.refresh_from_db()
    return draft


def test_resident_signs_and_the_platform_verifies(client: Client, test_catalog: Any) -> None:
    draft = _ready(client)
    page = client.get(f"/applications/{draft.pk}/sign/").content.decode()
    assert "署名用電子証明書の暗証番号" in page
    bad = client.post(f"/applications/{draft.pk}/sign/", {"pin": "12"})
    assert bad.status_code == 400 and "6〜16桁" in bad.content.decode()
    assert Application.objects.count() == 0
    r = client.post(f"/applications/{draft.pk}/sign/", {"pin": "ABC1234"})
    assert r.status_code == 302 and "/done/" in r["Location"]
    app = Application.objects.get()
    sig = ApplicationSignature.objects.get(application=app)
    assert sig.valid and sig.mismatches == []
    assert sig.verification["signer"]["name"] == "常陸　花子"
    assert sig.verification["signer"]["birth_date"] == "1991-05-14"
    assert "署名済み" in client.get(r["Location"]).content.decode()
    assert "署名済み" in client.get(f"/mypage/applications/{app.pk}/").content.decode()


def test_signature_procedure_cannot_skip_the_signature(client: Client, test_catalog: Any) -> None:
    draft = _ready(client)
    resident = draft.resident
    with pytest.raises(services.SubmissionRefused, match="電子署名が必要"):
        services.application_submit(
            draft=draft, resident=resident, assurance=Assurance.CARD_SIGNATURE, declared=True
        )
    assert Application.objects.count() == 0


def test_changed_after_signing_is_refused(client: Client, test_catalog: Any) -> None:
    draft = _ready(client)
    proc = services.draft_procedure(draft)
    plugin = signing.registry.active()
    assert plugin is not None
    signed = plugin.sign(
        resident=draft.resident, data=signing.signed_bytes(proc=proc, draft=draft), pin="ABC1234"
    )
    Draft.objects.filter(pk=draft.pk).update(answers={**draft.answers, "reason": "別の理由"})
    fresh = Draft.objects.get(pk=draft.pk)
    with pytest.raises(services.SubmissionRefused, match="署名した後に"):
        services.application_submit(
            draft=fresh,
            resident=fresh.resident,
            assurance=Assurance.CARD_SIGNATURE,
            declared=True,
            signed=signed,
        )
    assert Application.objects.count() == 0


def test_untrusted_certificate_is_refused(client: Client, test_catalog: Any) -> None:
    draft = _ready(client)
    proc = services.draft_procedure(draft)
    data = signing.signed_bytes(proc=proc, draft=draft)
    ca = jpki_test_ca()
    card = ca.end_entity()
    signed = signing.SignedData(
        data_sha256=hashlib.sha256(data).hexdigest(),
        signature=card.sign(data),
        certificate_der=card.der,
        intermediates_der=[ca.issuing.der],
    )
    with pytest.raises(services.SubmissionRefused, match="信頼する認証局"):
        services.application_submit(
            draft=draft,
            resident=draft.resident,
            assurance=Assurance.CARD_SIGNATURE,
            declared=True,
            signed=signed,
        )


def test_configured_root_is_trusted_and_a_different_person_is_flagged(
    client: Client, test_catalog: Any, settings: Any, tmp_path: Path
) -> None:
    draft = _ready(client)
    ca = jpki_test_ca()
    now = dt.datetime.now(dt.UTC)
    (tmp_path / "root.pem").write_bytes(ca.root.pem)
    crl_dir = tmp_path / "crl"
    crl_dir.mkdir()
    for i, crl in enumerate(
        [
            ca.crl(last_update=now - dt.timedelta(days=1), next_update=now + dt.timedelta(days=2)),
            ca.arl(last_update=now - dt.timedelta(days=1), next_update=now + dt.timedelta(days=2)),
        ]
    ):
        (crl_dir / f"{i}.crl").write_bytes(crl.public_bytes(serialization.Encoding.DER))
    settings.TSUNAGU_JPKI_TRUST_ANCHORS = [str(tmp_path / "root.pem")]
    settings.TSUNAGU_JPKI_CRL_DIR = str(crl_dir)
    proc = services.draft_procedure(draft)
    data = signing.signed_bytes(proc=proc, draft=draft)
    card = ca.end_entity(
        personal={
            "name": "那珂　一郎",
            "gender": "1",
            "date_of_birth": "319501103",
            "address": "茨城県ひたちなか市阿字ケ浦町１２３番地",
        }
    )
    signed = signing.SignedData(
        data_sha256=hashlib.sha256(data).hexdigest(),
        signature=card.sign(data),
        certificate_der=card.der,
        intermediates_der=[ca.issuing.der],
    )
    result = services.application_submit(
        draft=draft,
        resident=draft.resident,
        assurance=Assurance.CARD_SIGNATURE,
        declared=True,
        signed=signed,
    )
    sig = ApplicationSignature.objects.get(application=result.application)
    assert sig.valid
    assert {m["field"] for m in sig.mismatches} >= {"name", "birth_date"}


def test_a_change_after_the_declaration_sends_back_to_the_check_page(
    client: Client, test_catalog: Any
) -> None:
    draft = _ready(client)
    r = client.post(
        f"/applications/{draft.pk}/steps/applicant/", {"action": "next", "reason": "別の理由"}
    )
    assert r.status_code == 302
    r = client.get(f"/applications/{draft.pk}/sign/")
    assert r.status_code == 302 and r["Location"] == f"/applications/{draft.pk}/check/"
    r = client.post(f"/applications/{draft.pk}/sign/", {"pin": "ABC1234"})
    assert r["Location"] == f"/applications/{draft.pk}/check/"
    assert Application.objects.count() == 0


def test_the_back_office_receives_the_verified_signer(client: Client, test_catalog: Any) -> None:
    from tsunagu.applications.selectors import application_for_handoff

    draft = _ready(client)
    client.post(f"/applications/{draft.pk}/sign/", {"pin": "ABC1234"})
    payload = application_for_handoff(application_id=Application.objects.get().pk)
    assert payload["signature"]["valid"] is True
    assert payload["signature"]["signer"]["name"] == "常陸　花子"
    assert payload["signature"]["mismatches"] == []
