from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from tsunagu.audit.chain import GENESIS_HASH, compute_hash
from tsunagu.audit.models import AuditEvent
from tsunagu.audit.services import audit_record
from tsunagu.audit.verify import ProblemKind, audit_verify

from .helpers import Tamper, forged_event

pytestmark = pytest.mark.django_db


def stored(seq: int) -> dict[str, Any]:
    return dict(AuditEvent.objects.values().get(seq=seq))


def test_empty_log_is_intact(db: None) -> None:
    report = audit_verify()
    assert (report.ok, report.count, report.problems) == (True, 0, [])
    assert report.summary() == "監査ログは正常です（0件）"


def test_intact_chain(chain: list[AuditEvent]) -> None:
    report = audit_verify()
    assert report.ok
    assert report.count == 5
    assert (report.head_seq, report.head_hash) == (5, chain[-1].hash)
    assert report.summary() == "監査ログは正常です（5件）"
    assert report.as_dict()["problems"] == []


def test_walk_streams_in_two_queries_whatever_the_size(
    chain: list[AuditEvent], django_assert_num_queries: Any
) -> None:
    for n in range(20):
        audit_record(action="auth.login", obj_id=n)
    with django_assert_num_queries(2):  # the events (one streamed query), the head
        assert audit_verify(chunk_size=3).ok


def _modify_summary(t: Tamper) -> None:
    t.update(3, summary={"status": ["draft", "approved"], "n": 3})


def _modify_time(t: Tamper) -> None:
    t.update(2, occurred_at=stored(2)["occurred_at"] - dt.timedelta(days=1))


def _modify_actor(t: Tamper) -> None:
    t.update(1, actor_type="staff", actor_id="99", actor_label="誰か")


def _modify_prev_hash(t: Tamper) -> None:
    t.update(4, prev_hash="f" * 64)


def _modify_hash(t: Tamper) -> None:
    t.update(2, hash="0" * 64)


def _replace_middle_with_rehash(t: Tamper) -> None:
    values = stored(3) | {"summary": {"status": ["draft", "rejected"]}}
    t.update(3, summary=values["summary"], hash=compute_hash(values))


def _replace_last_with_rehash(t: Tamper) -> None:
    values = stored(5) | {"action": "application.withdraw"}
    t.update(5, action=values["action"], hash=compute_hash(values))


def _delete_middle(t: Tamper) -> None:
    t.delete(3)


def _delete_first(t: Tamper) -> None:
    t.delete(1)


def _delete_two(t: Tamper) -> None:
    t.delete(2)
    t.delete(3)


def _delete_last(t: Tamper) -> None:
    t.delete(5)


def _delete_last_two(t: Tamper) -> None:
    t.delete(5)
    t.delete(4)


def _swap_adjacent(t: Tamper) -> None:
    t.swap(2, 3)


def _swap_apart(t: Tamper) -> None:
    t.swap(1, 4)


def _swap_contents_only(t: Tamper) -> None:
    t.swap(2, 3, fields=("action", "obj_id", "summary", "occurred_at"))


def _insert_forged_after_head(t: Tamper) -> None:
    t.insert(forged_event(seq=6, prev_hash=stored(5)["hash"]))


def _insert_forged_with_bad_link(t: Tamper) -> None:
    t.insert(forged_event(seq=6, prev_hash="a" * 64))


def _insert_forged_seq_zero(t: Tamper) -> None:
    t.insert(forged_event(seq=0, prev_hash=GENESIS_HASH))


def _forge_head_hash(t: Tamper) -> None:
    t.set_head(hash="e" * 64)


def _set_head_back(t: Tamper) -> None:
    t.set_head(seq=3, hash=stored(3)["hash"])


def _delete_head(t: Tamper) -> None:
    t.delete_head()


def _modify_and_delete(t: Tamper) -> None:
    t.update(2, role="課長")
    t.delete(4)


TAMPERING: list[tuple[Callable[[Tamper], None], list[tuple[str, int | None]]]] = [
    (_modify_summary, [("modified", 3)]),
    (_modify_time, [("modified", 2)]),
    (_modify_actor, [("modified", 1)]),
    (_modify_prev_hash, [("modified", 4)]),
    (_modify_hash, [("modified", 2), ("deleted", 3)]),
    (_replace_middle_with_rehash, [("deleted", 4)]),
    (_replace_last_with_rehash, [("forged_head", 5)]),
    (_delete_middle, [("deleted", 4)]),
    (_delete_first, [("deleted", 2)]),
    (_delete_two, [("deleted", 4)]),
    (_delete_last, [("deleted_tail", 5)]),
    (_delete_last_two, [("deleted_tail", 4)]),
    (_swap_adjacent, [("reordered", 2), ("reordered", 3)]),
    (_swap_apart, [("reordered", 1), ("reordered", 4)]),
    (_swap_contents_only, [("modified", 2), ("modified", 3)]),
    (_insert_forged_after_head, [("beyond_head", 6)]),
    (_insert_forged_with_bad_link, [("deleted", 6), ("beyond_head", 6)]),
    (_insert_forged_seq_zero, [("invalid_seq", 0)]),
    (_forge_head_hash, [("forged_head", 5)]),
    (_set_head_back, [("beyond_head", 4)]),
    (_delete_head, [("head_missing", None)]),
    (_modify_and_delete, [("modified", 2), ("deleted", 5)]),
]


@pytest.mark.parametrize("chunk_size", [2, 2000])
@pytest.mark.parametrize(
    ("tampering", "expected"), TAMPERING, ids=[t.__name__.strip("_") for t, _ in TAMPERING]
)
def test_tampering_is_found_and_named(
    chain: list[AuditEvent],
    tamper: Tamper,
    tampering: Callable[[Tamper], None],
    expected: list[tuple[str, int | None]],
    chunk_size: int,
) -> None:
    assert audit_verify().ok
    tampering(tamper)
    report = audit_verify(chunk_size=chunk_size)
    assert not report.ok
    assert [(p.kind.value, p.seq) for p in report.problems] == expected
    for problem in report.problems:
        if problem.seq is not None:
            assert f"seq {problem.seq}" in problem.message
    assert report.summary().startswith("監査ログに")


@pytest.mark.parametrize(
    ("tampering", "message"),
    [
        (_modify_summary, "seq 3 のイベントが改ざんされています（ハッシュが一致しません）"),
        (_delete_middle, "seq 4 の直前のイベントが削除されています（seq 3 がありません）"),
        (_delete_two, "seq 4 の直前のイベントが削除されています（seq 2〜3 がありません）"),
        (_replace_middle_with_rehash, "seq 4 の直前のイベントが削除されています（"),
        (_delete_last, "末尾のイベントが削除されています（seq 5 がありません）"),
        (_swap_adjacent, "seq 2 の位置に、本来 seq 3 のイベントがあります"),
        (_insert_forged_after_head, "seq 6 のイベントは記録の末尾（head）より後にあります"),
        (_forge_head_hash, "記録の末尾（head）が seq 5 のイベントと一致しません"),
        (_delete_head, "記録の末尾を示す情報（head）がありません"),
    ],
)
def test_problems_are_described_in_japanese(
    chain: list[AuditEvent], tamper: Tamper, tampering: Callable[[Tamper], None], message: str
) -> None:
    tampering(tamper)
    assert message in audit_verify().problems[0].message


def test_deleting_the_last_event_is_found_only_through_the_head(
    chain: list[AuditEvent], tamper: Tamper
) -> None:
    tamper.delete(5)
    problems = audit_verify().problems
    # The remaining events 1-4 form a valid chain; only the head still names event 5.
    assert [(p.kind, p.seq) for p in problems] == [(ProblemKind.DELETED_TAIL, 5)]


def test_appending_after_a_clean_verify_keeps_it_clean(chain: list[AuditEvent]) -> None:
    assert audit_verify().ok
    audit_record(action="auth.logout")
    assert audit_verify().count == 6


def test_report_is_machine_readable(chain: list[AuditEvent], tamper: Tamper) -> None:
    tamper.delete(3)
    data = audit_verify().as_dict()
    assert data["ok"] is False
    assert data["count"] == 4
    assert data["head_seq"] == 5
    assert data["problems"] == [
        {
            "kind": "deleted",
            "seq": 4,
            "message": "seq 4 の直前のイベントが削除されています（seq 3 がありません）",
        }
    ]


def test_problem_list_is_bounded(chain: list[AuditEvent], tamper: Tamper) -> None:
    for seq in range(1, 6):
        tamper.update(seq, role="改ざん")
    report = audit_verify(max_problems=2)
    assert [(p.kind.value, p.seq) for p in report.problems] == [("modified", 1), ("modified", 2)]
    assert report.truncated
    assert "以上" in report.summary()
