"""書かない窓口: a clerk identifies a resident, fills procedures with them, and the
resident confirms; the applications enter the same pipeline as online ones."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.test import Client

from tests.applications.samples import sample_upload, step_post
from tsunagu.accounts.models import Resident
from tsunagu.applications import engine
from tsunagu.applications.models import Application, Channel, Draft
from tsunagu.audit.models import AuditEvent
from tsunagu.casework.counter.models import CounterItem, CounterVisit
from tsunagu.casework.counter.selectors import counter_procedures_for_event
from tsunagu.casework.handoff import handoff_take_one
from tsunagu.procedures.loader import catalog

pytestmark = pytest.mark.django_db

IDENTITY = {
    "identity_document": "driving_licence",
    "identity_note": "末尾 4321",
    "name__sei": "那珂",
    "name__mei": "湊子",
    "kana_name__sei": "ナカ",
    "kana_name__mei": "ミナトコ",
    "birth_date": "平成2年4月1日",
    "gender": "female",
    "address__postal_code": "311-1234",
    "address__line1": "茨城県ひたちなか市阿字ケ浦町１番地",
    "address__line2": "",
    "phone": "029-273-0111",
    "email": "",
}


def _errors(response: Any) -> str:
    html = response.content.decode()
    start = html.find('class="error-summary"')
    return html[start : start + 1500] if start >= 0 else html[:500]


def _start(client: Client, **extra: Any) -> CounterVisit:
    r = client.post("/staff/counter/new/", {**IDENTITY, **extra})
    assert r.status_code == 302, _errors(r)
    return CounterVisit.objects.get(pk=r["Location"].rstrip("/").rsplit("/", 1)[-1])


def _fill(client: Client, visit: CounterVisit, item: CounterItem) -> None:
    """Walk every page of one procedure of the visit with valid answers."""
    proc = catalog().procedures[item.procedure_code]
    page = client.get(f"/staff/counter/{visit.pk}/")
    url = f"/staff/counter/{visit.pk}/{item.position}/{proc.steps[0].id}/"
    assert url in page.content.decode()
    for _ in range(25):
        if url.rstrip("/").endswith(str(visit.pk)):
            return
        assert client.get(url).status_code == 200, url
        if url.endswith("/attachments/"):
            draft = Draft.objects.get(pk=item.draft_id)
            for spec in engine.visible_attachments(proc, engine.prune(proc, draft.answers)):
                up = client.post(
                    url,
                    {
                        "action": f"upload:{spec.id}",
                        f"file-{spec.id}": sample_upload(list(spec.kinds)),
                    },
                )
                assert up.status_code == 302, _errors(up)
            r = client.post(url, {"action": "next"})
        else:
            step_id = url.rstrip("/").rsplit("/", 1)[-1]
            data = step_post(proc.step(step_id))  # type: ignore[arg-type]
            r = client.post(url, data)
        assert r.status_code == 302, (url, _errors(r))
        url = r["Location"]
    raise AssertionError("the form does not end")


def test_a_birth_starts_every_related_procedure_and_the_resident_confirms(
    staff_client: Any,
) -> None:
    client = staff_client(role="clerk", department="shimin")
    births = {p.code for p in counter_procedures_for_event(event="birth")}
    assert "jidou-teate-nintei" in births and len(births) >= 2
    visit = _start(client, life_event="birth")
    assert {i.procedure_code for i in visit.items.all()} == births
    resident = Resident.objects.get(pk=visit.resident_id)
    # What the licence shows is verified and locked in every procedure's applicant block.
    assert resident.provider == "counter" and str(resident.birth_date) == "1990-04-01"
    assert set(resident.verified_fields) == {"name", "address", "birth_date"}
    assert Draft.objects.filter(resident=resident, channel=Channel.COUNTER).count() == len(births)

    for item in visit.items.all():
        _fill(client, visit, item)
    page = client.get(f"/staff/counter/{visit.pk}/confirm/")
    assert page.status_code == 200 and "那珂" in page.content.decode()
    printed = client.get(f"/staff/counter/{visit.pk}/confirm/?print=1")
    assert "ご署名" in printed.content.decode()

    r = client.post(f"/staff/counter/{visit.pk}/confirm/", {"how": "screen"})
    assert r.status_code == 400 and "チェックを入れてください" in r.content.decode()
    assert not Application.objects.filter(resident=resident).exists()
    r = client.post(f"/staff/counter/{visit.pk}/confirm/", {"how": "screen", "confirmed": "yes"})
    assert r.status_code == 302, _errors(r)

    apps = Application.objects.filter(resident=resident)
    assert apps.count() == len(births)
    assert {a.channel for a in apps} == {Channel.COUNTER}
    # The card signature of a card_signature procedure is replaced by the confirmation.
    visit.refresh_from_db()
    assert visit.confirmed_at is not None and visit.confirmation == "screen"
    assert all(i.receipt_number for i in visit.items.all())
    # Same pipeline: each becomes a case of its department, marked as a counter case.
    case, created = handoff_take_one(application_id=apps[0].pk)
    assert created and case.channel == "counter"
    events = AuditEvent.objects.filter(action__startswith="counter.").values_list(
        "action", flat=True
    )
    assert set(events) == {"counter.visit_start", "counter.visit_confirm"}
    # Confirming again changes nothing.
    again = client.post(
        f"/staff/counter/{visit.pk}/confirm/", {"how": "screen", "confirmed": "yes"}
    )
    assert again.status_code == 200
    assert Application.objects.filter(resident=resident).count() == len(births)


def test_bad_identity_input_is_reported_next_to_the_field(staff_client: Any) -> None:
    client = staff_client(role="clerk")
    r = client.post(
        "/staff/counter/new/",
        {**IDENTITY, "birth_date": "2月30日", "name__sei": "", "procedures": []},
    )
    html = r.content.decode()
    assert r.status_code == 400
    assert 'id="birth_date-error"' in html or "birth_date" in _errors(r)
    assert "手続きを1つ以上選ぶ" in html
    assert not CounterVisit.objects.exists()


def test_same_checks_as_online(staff_client: Any) -> None:
    client = staff_client(role="clerk")
    visit = _start(client, procedures=["ninshin-todokede"])
    item = visit.items.get()
    proc = catalog().procedures["ninshin-todokede"]
    first = proc.steps[0]
    r = client.post(f"/staff/counter/{visit.pk}/{item.position}/{first.id}/", {"action": "next"})
    assert r.status_code == 400
    assert "入力してください" in r.content.decode() or "選んでください" in r.content.decode()
    # Confirming an unfinished procedure is refused, with the reasons, and nothing is lost.
    r = client.post(f"/staff/counter/{visit.pk}/confirm/", {"how": "screen", "confirmed": "yes"})
    assert r.status_code == 400
    assert "受け付けられなかった" in r.content.decode()
    assert not Application.objects.exists()


@pytest.mark.parametrize("role", ["director", "admin", "auditor"])
def test_roles_without_counter_work_get_404(staff_client: Any, role: str) -> None:
    assert staff_client(role=role).get("/staff/counter/new/").status_code == 404


def test_another_departments_visit_looks_missing(staff_client: Any) -> None:
    own = staff_client(role="clerk", department="shimin")
    visit = _start(own, procedures=["ninshin-todokede"])
    other = staff_client(role="clerk", department="kaigo_hoken")
    forbidden = other.get(f"/staff/counter/{visit.pk}/")
    missing = other.get(f"/staff/counter/{uuid.uuid4()}/")
    assert forbidden.status_code == missing.status_code == 404
    assert own.get(f"/staff/counter/{visit.pk}/").status_code == 200


def test_the_case_page_panel_names_the_identity_document(staff_client: Any) -> None:
    from django.test import RequestFactory

    from tsunagu.casework.counter.panel import counter_panel
    from tsunagu.casework.models import Case

    client = staff_client(role="clerk")
    visit = _start(client, procedures=["ninshin-todokede"])
    item = visit.items.get()
    case = Case(application_id=uuid.uuid4(), channel="online")
    assert counter_panel(RequestFactory().get("/"), case, client.staff) is None
    case = Case(application_id=uuid.uuid4(), channel="counter")
    assert counter_panel(RequestFactory().get("/"), case, client.staff) is None
    item.application_id = case.application_id
    item.save()
    context = counter_panel(RequestFactory().get("/"), case, client.staff)
    assert context is not None and context["visit"] == visit
