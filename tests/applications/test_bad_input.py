"""Bad input never causes a 500, never saves half a step, and always gets a Japanese
message next to the field; tampered or replayed submissions change nothing."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.applications.samples import step_post
from tests.conftest import login_as
from tsunagu.applications import engine
from tsunagu.applications.models import Application, Draft, HandoffOutbox
from tsunagu.audit.models import AuditEvent
from tsunagu.procedures.loader import catalog

pytestmark = pytest.mark.django_db

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
NAUGHTY = [
    "",
    " ",
    "\u3000",
    "\x00",
    "\u202e逆順",
    "𠮷野家",
    "😀",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "９９９９９９９９９９９９９",
    "ｱｲｳｴｵ",
    "a" * 5000,
    "令和元年4月30日",
    "-1",
    "1e9",
    "NaN",
]
text = st.one_of(st.sampled_from(NAUGHTY), st.text(max_size=60))


def input_names(proc: Any, step: Any) -> list[str]:
    return [k for k in step_post(step) if k != "action"]


def error_messages(html: str) -> list[str]:
    return re.findall(
        r'class="field__error"[^>]*>\s*<span class="visually-hidden">[^<]*</span>([^<]*)</p>', html
    )


@pytest.fixture
def all_types(test_catalog: Any, client: Client) -> tuple[Client, Draft, Any]:
    login_as(client, "demo-0001")
    client.post("/procedures/test-all-types/start/")
    draft = Draft.objects.get(procedure_code="test-all-types")
    return client, draft, test_catalog.procedures["test-all-types"]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_any_step_input_is_handled(
    all_types: tuple[Client, Draft, Any], data: st.DataObject
) -> None:
    client, draft, proc = all_types
    step = proc.step("all")
    names = input_names(proc, step)
    post: dict[str, Any] = {
        "action": data.draw(
            st.sampled_from(
                [
                    "next",
                    "back",
                    "save",
                    "add:f_group",
                    "remove:f_group:0",
                    "lookup:f_address",
                    "bogus",
                ]
            )
        )
    }
    for name in data.draw(st.lists(st.sampled_from(names), unique=True, max_size=len(names))):
        post[name] = data.draw(text)
    post["f_group-rows"] = data.draw(st.sampled_from(["1", "2", "3", "99", "-1", "x", ""]))
    before = Draft.objects.get(pk=draft.pk).answers
    response = client.post(f"/applications/{draft.pk}/steps/all/", post)
    assert response.status_code in (200, 302, 400)
    after = Draft.objects.get(pk=draft.pk).answers
    if response.status_code == 400:
        assert after == before  # nothing of a refused step is stored
        messages = error_messages(response.content.decode())
        assert messages, "a refused step names its problems at the fields"
        assert all(JAPANESE.search(m) for m in messages), messages
    if response.status_code == 302:
        assert engine.validate_answers(proc, after) is not None


def test_invalid_utf8_is_handled(all_types: tuple[Client, Draft, Any]) -> None:
    client, draft, _proc = all_types
    body = b"action=next&f_name__sei=%ff%fe&f_text=%c3%28"
    response = client.generic(
        "POST",
        f"/applications/{draft.pk}/steps/all/",
        body,
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    assert Draft.objects.get(pk=draft.pk).answers == draft.answers


def test_every_type_accepts_valid_sample_input(all_types: tuple[Client, Draft, Any]) -> None:
    client, draft, proc = all_types
    response = client.post(f"/applications/{draft.pk}/steps/all/", step_post(proc.step("all")))
    assert response.status_code == 302, response.content.decode()[:2000]
    draft.refresh_from_db()
    assert engine.validate_answers(proc, draft.answers) == []


def _filled_draft(client: Client, code: str = "test-all-types") -> Draft:
    proc = catalog().procedures[code]
    draft = (
        Draft.objects.filter(procedure_code=code, submitted_at__isnull=True)
        .order_by("-created_at")
        .first()
    )
    if draft is None:
        client.post(f"/procedures/{code}/start/")
        draft = Draft.objects.filter(procedure_code=code, submitted_at__isnull=True).get()
    r = client.post(f"/applications/{draft.pk}/steps/all/", step_post(proc.step("all")))
    assert r.status_code == 302
    return draft


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    version=st.one_of(st.sampled_from(["1", "2", "0", "", "1.0", "-1"]), st.text(max_size=5)),
    declaration=st.one_of(st.sampled_from(["yes", "no", "", "YES"]), st.text(max_size=5)),
    extra=st.dictionaries(st.text(max_size=10), st.text(max_size=10), max_size=4),
)
def test_submission_endpoint_never_fails_or_half_saves(
    all_types: tuple[Client, Draft, Any], version: str, declaration: str, extra: dict[str, str]
) -> None:
    client, _draft, _proc = all_types
    draft = _filled_draft(client)
    apps_before = Application.objects.count()
    events_before = AuditEvent.objects.filter(action="application.submit").count()
    response = client.post(
        f"/applications/{draft.pk}/check/",
        {**extra, "version": version, "declaration": declaration},
    )
    assert response.status_code in (302, 400)
    if response.status_code == 400:
        assert Application.objects.count() == apps_before
        assert AuditEvent.objects.filter(action="application.submit").count() == events_before
    else:
        assert version == "1" and declaration == "yes"
        assert Application.objects.count() == apps_before + 1
        assert HandoffOutbox.objects.count() == apps_before + 1


def test_forged_answers_in_a_draft_are_refused(all_types: tuple[Client, Draft, Any]) -> None:
    client, draft, _proc = all_types
    _filled_draft(client)
    draft.refresh_from_db()
    for forged in (
        {"f_choice": "not-an-option"},
        {"f_my_number": "enc:v1:forged"},
        {"f_group": [{"g_text": "x"}] * 10},
        {"unknown": "x"},
        {"f_int": 10_000},
    ):
        Draft.objects.filter(pk=draft.pk).update(answers={**draft.answers, **forged})
        response = client.post(
            f"/applications/{draft.pk}/check/", {"version": "1", "declaration": "yes"}
        )
        assert response.status_code == 400, forged
        assert Application.objects.count() == 0


def test_double_submit_yields_one_application(all_types: tuple[Client, Draft, Any]) -> None:
    client, draft, _proc = all_types
    _filled_draft(client)
    first = client.post(f"/applications/{draft.pk}/check/", {"version": "1", "declaration": "yes"})
    second = client.post(f"/applications/{draft.pk}/check/", {"version": "1", "declaration": "yes"})
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Application.objects.count() == 1
    assert AuditEvent.objects.filter(action="application.submit").count() == 1


def test_another_residents_draft_cannot_be_submitted(all_types: tuple[Client, Draft, Any]) -> None:
    client, draft, _proc = all_types
    _filled_draft(client)
    intruder = Client()
    login_as(intruder, "demo-0002")
    for target in (str(draft.pk), str(uuid.uuid4()), "../../etc/passwd", "0"):
        r = intruder.post(f"/applications/{target}/check/", {"version": "1", "declaration": "yes"})
        assert r.status_code == 404
    assert Application.objects.count() == 0


@pytest.mark.parametrize(
    ("payload", "name", "message"),
    [
        (b"x" * (11 * 1024 * 1024), "big.jpg", "MB"),
        (b"<html><script>alert(1)</script></html>", "photo.jpg", ""),
        (b"PK\x03\x04" + b"\x00" * 100, "document.pdf", ""),
        (b"", "empty.png", ""),
    ],
)
def test_oversized_and_mislabelled_uploads_are_refused(
    resident_client: Client, test_catalog: Any, payload: bytes, name: str, message: str
) -> None:
    import io

    resident_client.post("/procedures/test-teate/start/")
    draft = Draft.objects.get(procedure_code="test-teate")
    upload = io.BytesIO(payload)
    upload.name = name
    r = resident_client.post(
        f"/applications/{draft.pk}/attachments/",
        {"action": "upload:bankbook", "file-bankbook": upload},
    )
    assert r.status_code == 400
    messages = error_messages(r.content.decode())
    assert messages and all(JAPANESE.search(m) for m in messages)
    assert message in messages[0]
    assert draft.attachments.count() == 0
