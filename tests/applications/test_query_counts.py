"""The hot paths keep a fixed number of SQL queries (a regression adds one, the test fails)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.applications.samples import step_post
from tests.conftest import login_as
from tsunagu.applications import engine
from tsunagu.applications.models import Application, Draft, ReceiptSequence
from tsunagu.procedures.loader import catalog

pytestmark = pytest.mark.django_db

CODE = "jidou-teate-nintei"
# The form page: session, resident, draft (the definition is cached per process, and the
# funnel records a step once per journey, not on every view).
FORM_PAGE_QUERIES = 3
# The submission (the signing page of a signature procedure): session, resident, draft;
# the checks (attachments, duplicates) before the transaction; in it the draft lock,
# receipt number, application, draft, signature, status, outbox, funnel and the audit
# chain.
# In the steady state (the year's receipt counter exists); the savepoint pair stands for
# the BEGIN/COMMIT of production.
SUBMISSION_QUERIES = 18


def _ready_draft(client: Client) -> Draft:
    proc = catalog().procedures[CODE]
    login_as(client, "demo-0001")
    r = client.post(f"/procedures/{CODE}/start/")
    url = r["Location"]
    draft = Draft.objects.get(procedure_code=CODE)
    while "/check/" not in url:
        if url.endswith("/attachments/"):
            draft.refresh_from_db()
            later = [
                a.id for a in engine.visible_attachments(proc, draft.answers) if a.later_allowed
            ]
            r = client.post(url, {"action": "next", "later": later})
        else:
            step_id = url.rstrip("/").rsplit("/", 1)[-1]
            data = step_post(proc.step(step_id))  # type: ignore[arg-type]
            r = client.post(url, data)
        assert r.status_code == 302, r.content.decode()[:1500]
        url = r["Location"]
    return draft


def test_form_page_query_count(client: Client, django_assert_num_queries: Any) -> None:
    draft = _ready_draft(client)
    first_step = catalog().procedures[CODE].steps[0].id
    url = f"/applications/{draft.pk}/steps/{first_step}/"
    client.get(url)  # warm the per-process definition cache
    with django_assert_num_queries(FORM_PAGE_QUERIES):
        assert client.get(url).status_code == 200


def test_submission_query_count(client: Client) -> None:
    draft = _ready_draft(client)
    ReceiptSequence.objects.create(year=timezone.localtime().year, value=41)
    r = client.post(f"/applications/{draft.pk}/check/", {"version": "1", "declaration": "yes"})
    assert r["Location"] == f"/applications/{draft.pk}/sign/"
    with CaptureQueriesContext(connection) as ctx:
        r = client.post(r["Location"], {"pin": "ABC1234"})
    assert r.status_code == 302, r.content.decode()[:1500]
    assert Application.objects.get().receipt_number.split("-")[2] == "000042"
    assert Application.objects.get().signature.valid  # type: ignore[attr-defined]
    queries = [q["sql"] for q in ctx.captured_queries]
    assert len(queries) == SUBMISSION_QUERIES, "\n".join(queries)
