from __future__ import annotations

import datetime as dt
import decimal
import functools
import hashlib
import json
import threading
import uuid
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser, User
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tsunagu.accounts.models import Resident
from tsunagu.audit.chain import GENESIS_HASH, SUMMARY_MAX_BYTES, normalise_summary
from tsunagu.audit.exceptions import AuditChainError, AuditImmutableError
from tsunagu.audit.models import HEAD_ID, AuditEvent, AuditHead
from tsunagu.audit.selectors import audit_events_for_object, audit_events_recent
from tsunagu.audit.services import audit_record
from tsunagu.audit.verify import audit_verify

from .helpers import Tamper, columns_and_params, forged_event, run_in_threads

pytestmark = pytest.mark.django_db


def resident() -> Resident:
    # Never saved: audit_record needs only its id and its str().
    return Resident(
        id=uuid.UUID(int=7), provider="demo", subject="s7", name_sei="常陸", name_mei="花子"
    )


def make_request(remote_addr: str = "203.0.113.9") -> Any:
    request = RequestFactory().post("/applications/1/submit", REMOTE_ADDR=remote_addr)
    request.request_id = "0123456789abcdef0123456789abcdef"  # type: ignore[attr-defined]  # as RequestIdMiddleware does
    request.user = AnonymousUser()
    return request


# --- the chain ---------------------------------------------------------------------------


def test_events_are_chained_in_gap_free_order() -> None:
    events = [audit_record(action="application.submit", obj_id=n) for n in range(3)]

    stored = list(AuditEvent.objects.order_by("seq"))
    assert [e.seq for e in stored] == [1, 2, 3]
    assert stored[0].prev_hash == GENESIS_HASH == "0" * 64
    assert stored[1].prev_hash == stored[0].hash
    assert stored[2].prev_hash == stored[1].hash
    assert [e.hash for e in stored] == [e.hash for e in events]
    assert all(e.compute_hash() == e.hash for e in stored)  # as read back from the database
    head = AuditHead.objects.get(pk=HEAD_ID)
    assert (head.seq, head.hash) == (3, stored[2].hash)


def test_hash_is_sha256_of_the_documented_canonical_form() -> None:
    audit_record(
        action="application.view_other",
        actor=resident(),
        request=make_request(),
        obj_type="application",
        obj_id="12",
        summary={"z": 1, "a": {"y": "漢字", "b": [True, None]}},
        role="担当者",
    )
    event = AuditEvent.objects.get()

    # Written out by hand from README.md / chain.py, independently of the code under test.
    payload = {
        "seq": 1,
        "occurred_at": event.occurred_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")
        + "+00:00",
        "actor_type": "resident",
        "actor_id": "00000000-0000-0000-0000-000000000007",
        "actor_label": "常陸 花子",
        "role": "担当者",
        "action": "application.view_other",
        "obj_type": "application",
        "obj_id": "12",
        "summary": {"a": {"b": [True, None], "y": "漢字"}, "z": 1},
        "request_id": "0123456789abcdef0123456789abcdef",
        "ip": "203.0.113.9",
        "prev_hash": "0" * 64,
    }
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert '"actor_label":"常陸 花子"' in text
    assert event.hash == hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_event_time_is_aware_utc() -> None:
    event = audit_record(action="auth.login")
    stored = AuditEvent.objects.get(seq=event.seq)
    assert stored.occurred_at.utcoffset() == dt.timedelta(0)
    assert abs(stored.occurred_at - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=1)


def test_append_takes_three_queries_and_locks_the_head(django_assert_num_queries: Any) -> None:
    audit_record(action="auth.login")  # creates the head row
    with django_assert_num_queries(3), CaptureQueriesContext(connection) as queries:
        audit_record(action="auth.login")
    if connection.features.has_select_for_update:
        assert "FOR UPDATE" in queries.captured_queries[0]["sql"]


# --- who, where --------------------------------------------------------------------------


def test_resident_actor() -> None:
    event = audit_record(action="application.submit", actor=resident())
    assert (event.actor_type, event.actor_id, event.actor_label) == (
        "resident",
        "00000000-0000-0000-0000-000000000007",
        "常陸 花子",
    )


def test_staff_actor_is_a_django_user() -> None:
    user = User(pk=42, username="tanaka", first_name="一郎", last_name="田中")
    event = audit_record(action="application.view_other", actor=user, role="担当者")
    assert (event.actor_type, event.actor_id, event.actor_label, event.role) == (
        "staff",
        "42",
        "一郎 田中",
        "担当者",
    )


def test_without_actor_or_request_the_system_acts() -> None:
    event = audit_record(action="application.expire")
    assert (event.actor_type, event.actor_id, event.actor_label) == ("system", "", "システム")
    assert (event.request_id, event.ip) == ("", None)


def test_request_gives_request_id_ip_and_logged_in_resident() -> None:
    request = make_request()
    request.resident = resident()
    event = audit_record(action="application.withdraw", request=request)
    assert (event.actor_type, event.actor_id) == ("resident", str(uuid.UUID(int=7)))
    assert event.request_id == "0123456789abcdef0123456789abcdef"
    assert event.ip == "203.0.113.9"


@pytest.mark.parametrize("has_attribute", [True, False])
def test_request_without_resident_is_anonymous(has_attribute: bool) -> None:
    request = make_request()
    if has_attribute:
        request.resident = None
    event = audit_record(action="auth.login_failed", request=request)
    assert (event.actor_type, event.actor_id, event.actor_label) == ("anonymous", "", "")


def test_request_with_logged_in_user_is_staff() -> None:
    request = make_request()
    request.user = User(pk=3, username="sato")
    event = audit_record(action="application.view_other", request=request)
    assert (event.actor_type, event.actor_id, event.actor_label) == ("staff", "3", "sato")


def test_explicit_actor_wins_over_the_request() -> None:
    request = make_request()
    request.resident = resident()
    event = audit_record(action="application.approve", request=request, actor=None)
    assert event.actor_type == "resident"
    event = audit_record(
        action="application.approve", request=request, actor=User(pk=5, username="kacho")
    )
    assert (event.actor_type, event.ip) == ("staff", "203.0.113.9")


@pytest.mark.parametrize(
    ("remote_addr", "stored"),
    [
        ("203.0.113.9", "203.0.113.9"),
        ("2001:DB8:0:0:0:0:0:1", "2001:db8::1"),
        ("fe80::1%eth0", "fe80::1"),
        ("::ffff:192.0.2.1", "::ffff:192.0.2.1"),
        ("", None),
        ("unknown", None),
        ("203.0.113.9, 10.0.0.1", None),
    ],
)
def test_ip_address_is_normalised(remote_addr: str, stored: str | None) -> None:
    event = audit_record(action="auth.login", request=make_request(remote_addr))
    assert event.ip == stored
    assert AuditEvent.objects.get(seq=event.seq).compute_hash() == event.hash


@pytest.mark.parametrize(
    "action",
    [
        "",
        "submit",
        "Application.submit",
        "application.",
        ".submit",
        "application..submit",
        "application submit",
        "application.submit;drop",
        "申請.提出",
        "a." + "b" * 100,
    ],
)
def test_malformed_action_is_refused(action: str) -> None:
    with pytest.raises(ValueError, match="dotted lowercase code"):
        audit_record(action=action)
    assert not AuditEvent.objects.exists()


def test_unknown_actor_type_is_refused() -> None:
    with pytest.raises(TypeError):
        audit_record(action="auth.login", actor="tanaka")  # type: ignore[arg-type]  # the point


def test_long_and_nul_text_is_cut_and_cleaned() -> None:
    event = audit_record(action="auth.login", obj_id="x" * 100, role="a\x00b")
    stored = AuditEvent.objects.get(seq=event.seq)
    assert (len(stored.obj_id), stored.role) == (64, "a\ufffdb")
    assert stored.compute_hash() == stored.hash


# --- summaries ---------------------------------------------------------------------------


def test_summary_values_become_plain_json() -> None:
    summary = {
        "status": ("draft", "submitted"),
        "date": dt.date(2026, 4, 1),
        "id": uuid.UUID(int=1),
        "fee": decimal.Decimal("300"),
        "text": "nul\x00",
    }
    event = audit_record(action="application.submit", summary=summary)
    assert AuditEvent.objects.get(seq=event.seq).summary == {
        "status": ["draft", "submitted"],
        "date": "2026-04-01",
        "id": "00000000-0000-0000-0000-000000000001",
        "fee": "300",
        "text": "nul\ufffd",
    }


@pytest.mark.parametrize(
    ("summary", "error"),
    [
        ({"ratio": 0.5}, TypeError),
        ({"nested": [{"x": 1e100}]}, TypeError),
        ({"blob": "x" * SUMMARY_MAX_BYTES}, ValueError),
        ({"nan": float("nan")}, ValueError),
        ({"obj": object()}, TypeError),
        (["not", "a", "mapping"], TypeError),
    ],
)
def test_unsuitable_summary_is_refused(summary: Any, error: type[Exception]) -> None:
    with pytest.raises(error):
        audit_record(action="application.submit", summary=summary)
    assert not AuditEvent.objects.exists()


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**30), 10**30) | st.text(max_size=12),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3)
    ),
    max_leaves=8,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(summary=st.dictionaries(st.text(max_size=8), json_values, max_size=4))
def test_any_json_summary_round_trips_through_the_database(summary: dict[str, Any]) -> None:
    event = audit_record(action="application.update", summary=summary)
    stored = AuditEvent.objects.get(seq=event.seq)
    assert stored.summary == normalise_summary(summary)
    assert stored.compute_hash() == stored.hash


# --- transactions ------------------------------------------------------------------------


def test_rolled_back_action_leaves_no_event_and_no_gap() -> None:
    class Refused(Exception):
        pass

    with pytest.raises(Refused), transaction.atomic():
        audit_record(action="application.submit", obj_id=1)
        raise Refused

    assert not AuditEvent.objects.exists()
    assert audit_record(action="application.submit", obj_id=2).seq == 1
    assert audit_verify().ok


def test_recording_joins_the_callers_transaction() -> None:
    with transaction.atomic():
        event = audit_record(action="application.submit")
        transaction.set_rollback(True)
    assert not AuditEvent.objects.filter(seq=event.seq).exists()


def test_missing_head_with_events_refuses_to_start_a_second_chain(tamper: Tamper) -> None:
    audit_record(action="auth.login")
    tamper.delete_head()
    with pytest.raises(AuditChainError), transaction.atomic():
        audit_record(action="auth.login")
    assert AuditEvent.objects.count() == 1


# --- append-only -------------------------------------------------------------------------


def test_orm_refuses_to_change_or_delete_events() -> None:
    event = audit_record(action="application.submit", summary={"n": 1})
    stored = AuditEvent.objects.get(seq=event.seq)
    stored.summary = {"n": 2}

    with pytest.raises(AuditImmutableError):
        stored.save()
    with pytest.raises(AuditImmutableError):
        stored.save(update_fields=["summary"])
    with pytest.raises(AuditImmutableError):
        stored.delete()
    with pytest.raises(AuditImmutableError):
        AuditEvent.objects.filter(seq=event.seq).update(summary={"n": 3})
    with pytest.raises(AuditImmutableError):
        AuditEvent.objects.all().delete()
    with pytest.raises(AuditImmutableError):
        AuditEvent.objects.bulk_update([stored], ["summary"])
    with pytest.raises(AuditImmutableError):
        AuditEvent.objects.update_or_create(seq=event.seq)
    with pytest.raises(AuditImmutableError):
        AuditEvent.objects.bulk_create([AuditEvent(seq=99)])

    assert list(AuditEvent.objects.values_list("seq", "summary")) == [(1, {"n": 1})]
    assert audit_verify().ok


@pytest.mark.skipif(connection.vendor != "postgresql", reason="database triggers: PostgreSQL")
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_auditevent SET summary = '{}'::jsonb",
        "DELETE FROM audit_auditevent",
        "DELETE FROM audit_audithead",
        "UPDATE audit_audithead SET seq = seq - 1",
        "UPDATE audit_audithead SET hash = repeat('f', 64)",
    ],
)
def test_postgresql_triggers_refuse_changes(sql: str) -> None:
    audit_record(action="auth.login")
    audit_record(action="auth.logout")
    with pytest.raises(DatabaseError, match="audit"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(sql)
    assert AuditEvent.objects.count() == 2
    assert audit_verify().ok


@pytest.mark.skipif(connection.vendor != "postgresql", reason="database triggers: PostgreSQL")
def test_postgresql_trigger_refuses_an_insert_that_does_not_extend_the_head() -> None:
    audit_record(action="auth.login")
    audit_record(action="auth.logout")
    forged = forged_event(seq=3, prev_hash=AuditEvent.objects.get(seq=1).hash)
    columns, params = columns_and_params(forged)
    placeholders = ", ".join(["%s"] * len(columns))
    with pytest.raises(DatabaseError, match="chain head"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO audit_auditevent ({', '.join(columns)}) VALUES ({placeholders})",  # noqa: S608 - test-only SQL
                params,
            )
    assert AuditEvent.objects.count() == 2


# --- concurrency -------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_parallel_writers_never_fork_the_chain(parallel_database: Any) -> None:
    writers, per_writer = 4, 15
    barrier = threading.Barrier(writers)

    def write(writer: int) -> list[int]:
        with parallel_database():
            barrier.wait(timeout=30)
            return [
                audit_record(action="test.parallel", obj_type="writer", obj_id=writer).seq
                for _ in range(per_writer)
            ]

    def check() -> tuple[Any, list[int], dict[str, int]]:
        with parallel_database():
            report = audit_verify()
            seqs = list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))
            per = {
                str(w): audit_events_for_object(obj_type="writer", obj_id=w).count()
                for w in range(writers)
            }
            return report, seqs, per

    seqs_by_writer = run_in_threads([functools.partial(write, w) for w in range(writers)])
    report, seqs, per = run_in_threads([check])[0]

    total = writers * per_writer
    assert sorted(s for seqs_ in seqs_by_writer for s in seqs_) == list(range(1, total + 1))
    assert seqs == list(range(1, total + 1))
    assert per == {str(w): per_writer for w in range(writers)}
    assert report.ok, report.problems
    assert report.count == total


# --- selectors ---------------------------------------------------------------------------


def test_events_for_object_oldest_first() -> None:
    audit_record(action="application.submit", obj_type="application", obj_id=12)
    audit_record(action="application.submit", obj_type="application", obj_id=13)
    audit_record(action="application.view_other", obj_type="application", obj_id="12")
    audit_record(action="resident.view", obj_type="resident", obj_id=12)

    events = audit_events_for_object(obj_type="application", obj_id=12)
    assert [(e.seq, e.action) for e in events] == [
        (1, "application.submit"),
        (3, "application.view_other"),
    ]


def test_recent_events_newest_first() -> None:
    for n in range(5):
        audit_record(action="auth.login", obj_id=n)
    assert [e.seq for e in audit_events_recent(limit=3)] == [5, 4, 3]
    assert list(audit_events_recent(limit=0)) == []
    with pytest.raises(ValueError):
        audit_events_recent(limit=-1)
