"""Every procedure of the real catalog can be found, filled, checked, submitted and
withdrawn by a resident through the real pages."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.applications.samples import sample_upload, step_post
from tests.conftest import login_as
from tsunagu.applications import engine
from tsunagu.applications.models import Application, Draft, Status
from tsunagu.procedures.loader import catalog

CODES = sorted(catalog().procedures)


def test_catalog_has_the_27_national_procedures() -> None:
    counts: dict[str, int] = {}
    for proc in catalog().procedures.values():
        counts[proc.category.value] = counts.get(proc.category.value, 0) + 1
    assert counts.get("kosodate") == 15
    assert counts.get("kaigo") == 11
    assert counts.get("hisaisha") == 1


@pytest.mark.django_db
@pytest.mark.parametrize("code", CODES)
def test_resident_applies_and_withdraws(client: Client, code: str) -> None:
    proc = catalog().procedures[code]
    login_as(client, "demo-0001")
    guide = client.get(f"/procedures/{code}/")
    assert guide.status_code == 200
    assert proc.names.ja in guide.content.decode()
    r = client.post(f"/procedures/{code}/start/")
    assert r.status_code == 302, r.content[:300]
    draft = Draft.objects.get(procedure_code=code)
    visited = 0
    url = r["Location"]
    while "/check/" not in url:
        visited += 1
        assert visited < 20, "the form does not end"
        page = client.get(url)
        assert page.status_code == 200, url
        if url.endswith("/attachments/"):
            draft.refresh_from_db()
            for spec in engine.visible_attachments(proc, engine.prune(proc, draft.answers)):
                up = client.post(
                    url,
                    {"action": f"upload:{spec.id}", f"file-{spec.id}": sample_upload(spec.kinds)},
                )
                assert up.status_code == 302, (spec.id, up.content.decode()[:2000])
            r = client.post(url, {"action": "next"})
        else:
            step_id = url.rstrip("/").rsplit("/", 1)[-1]
            r = client.post(url, step_post(proc.step(step_id)))  # type: ignore[arg-type]
        assert r.status_code == 302, (url, _errors(r))
        url = r["Location"]
    check = client.get(url)
    assert check.status_code == 200
    r = client.post(
        url, {"version": str(proc.version), "declaration": "yes", "confirm_duplicate": "yes"}
    )
    assert r.status_code == 302, _errors(r)
    assert r["Location"].endswith(("/sign/", "/done/")), r["Location"]
    if r["Location"].endswith("/sign/"):
        # Procedures that need the card's signature: sign with the demo card's PIN.
        assert proc.assurance.value == "card_signature"
        assert client.get(r["Location"]).status_code == 200
        r = client.post(r["Location"], {"pin": "ABC1234"})
        assert r.status_code == 302, _errors(r)
        assert "/done/" in r["Location"], r["Location"]
    app = Application.objects.get(procedure_code=code)
    if proc.assurance.value == "card_signature":
        assert app.signature.valid  # type: ignore[attr-defined]
        assert app.signature.mismatches == []  # type: ignore[attr-defined]
    assert app.receipt_number in client.get(r["Location"]).content.decode()
    r = client.post(f"/mypage/applications/{app.pk}/withdraw/", {"confirm": "yes"})
    app.refresh_from_db()
    assert app.status == Status.WITHDRAWN


def _errors(response: Any) -> str:
    html = response.content.decode()
    start = html.find('class="error-summary"')
    return html[start : start + 2000] if start >= 0 else html[:500]
