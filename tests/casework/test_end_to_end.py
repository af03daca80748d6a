"""From a resident's real, card-signed 児童手当 application to the staff pages: the hand-off
fills the inbox's search columns, the case page shows the verified signer, a 個人番号 in
the answers is revealed once (audited), and the audit chain stays intact."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.applications.samples import sample_upload, step_post
from tests.conftest import login_as
from tsunagu.applications import engine
from tsunagu.applications.models import Application, Draft
from tsunagu.audit.models import AuditEvent
from tsunagu.audit.verify import audit_verify
from tsunagu.casework.handoff import handoff_take_pending
from tsunagu.casework.models import Case
from tsunagu.casework.selectors import case_my_numbers
from tsunagu.procedures.loader import catalog

pytestmark = pytest.mark.django_db

CODE = "jidou-teate-nintei"


def _apply(client: Client) -> Application:
    """Fill every step with valid sample input, attach the documents, confirm and sign."""
    proc = catalog().procedures[CODE]
    login_as(client, "demo-0001")
    r = client.post(f"/procedures/{CODE}/start/")
    draft = Draft.objects.get(procedure_code=CODE)
    url = r["Location"]
    for _ in range(20):
        if "/check/" in url:
            break
        client.get(url)
        if url.endswith("/attachments/"):
            draft.refresh_from_db()
            for spec in engine.visible_attachments(proc, engine.prune(proc, draft.answers)):
                client.post(
                    url,
                    {"action": f"upload:{spec.id}", f"file-{spec.id}": sample_upload(spec.kinds)},
                )
            r = client.post(url, {"action": "next"})
        else:
            step_id = url.rstrip("/").rsplit("/", 1)[-1]
            r = client.post(url, step_post(proc.step(step_id)))  # type: ignore[arg-type]
        assert r.status_code == 302, url
        url = r["Location"]
    r = client.post(
        url, {"version": str(proc.version), "declaration": "yes", "confirm_duplicate": "yes"}
    )
    if r["Location"].endswith("/sign/"):
        r = client.post(r["Location"], {"pin": "ABC1234"})
    assert "/done/" in r["Location"], r["Location"]
    return Application.objects.get(procedure_code=CODE)


def test_a_signed_application_reaches_the_staff_pages(staff_client: Any) -> None:
    app = _apply(Client())
    (case,) = handoff_take_pending()
    assert case.application_id == app.pk
    assert case.search_name and case.search_kana  # filled from the answers
    clerk = staff_client(department=case.department)

    inbox = clerk.get("/staff/cases/", {"q": case.applicant_kana[:2]}).content.decode()
    assert case.receipt_number in inbox
    hiragana = "".join(chr(ord(c) - 0x60) for c in case.search_kana[:3])
    assert case.receipt_number in clerk.get("/staff/cases/", {"q": hiragana}).content.decode()

    page = clerk.get(f"/staff/cases/{case.pk}/").content.decode()
    assert "署名を検証しました（有効）" in page
    assert "電子証明書の基本4情報が申請内容と一致しません" not in page
    assert app.receipt_number in page

    numbers = case_my_numbers(case=Case.objects.get(pk=case.pk))
    assert numbers, "児童手当 asks for 個人番号"
    assert any("." in e.key for e in numbers), [e.key for e in numbers]  # a child's, in a group
    for entry in numbers:
        assert entry.masked in page
    shown = clerk.post(
        f"/staff/cases/{case.pk}/my-number/",
        {"field": numbers[-1].key, "purpose": "所得の確認のため"},
    )
    assert shown.status_code == 200
    assert AuditEvent.objects.filter(action="case.my_number_reveal").count() == 1
    assert audit_verify().ok
