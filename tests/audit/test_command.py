from __future__ import annotations

import io
import json
import uuid

import pytest
from django.core.management import CommandError, call_command

from tsunagu.accounts.models import Resident
from tsunagu.audit.models import AuditEvent
from tsunagu.audit.services import audit_record

from .helpers import Tamper

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("audit", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_verify_intact_log(chain: list[AuditEvent]) -> None:
    assert run("verify").strip() == "監査ログは正常です（5件）"


def test_verify_empty_log(db: None) -> None:
    assert run("verify").strip() == "監査ログは正常です（0件）"


def test_verify_can_print_the_last_hash(chain: list[AuditEvent]) -> None:
    assert f"最終ハッシュ（seq 5）: {chain[-1].hash}" in run("verify", "--show-hash")


def test_verify_prints_each_problem_and_exits_with_1(
    chain: list[AuditEvent], tamper: Tamper
) -> None:
    tamper.update(2, summary={"status": ["draft", "approved"]})
    tamper.delete(4)
    out = io.StringIO()

    with pytest.raises(CommandError) as raised:
        call_command("audit", "verify", stdout=out)

    assert raised.value.returncode == 1
    assert str(raised.value) == "監査ログに2件の問題があります（4件を検査）"
    assert out.getvalue().splitlines() == [
        "seq 2 のイベントが改ざんされています（ハッシュが一致しません）",
        "seq 5 の直前のイベントが削除されています（seq 4 がありません）",
    ]
    assert "正常" not in out.getvalue()


def test_verify_json(chain: list[AuditEvent], tamper: Tamper) -> None:
    assert json.loads(run("verify", "--json"))["ok"] is True
    tamper.delete(5)
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("audit", "verify", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["ok"] is False
    assert [(p["kind"], p["seq"]) for p in data["problems"]] == [("deleted_tail", 5)]


def test_tail_prints_latest_events_oldest_first(db: None) -> None:
    resident = Resident(id=uuid.UUID(int=3), name_sei="那珂", name_mei="湊")
    for n in range(1, 26):
        audit_record(
            action="application.submit",
            actor=resident,
            obj_type="application",
            obj_id=n,
            summary={"status": ["draft", "submitted"]},
        )

    lines = run("tail").splitlines()
    assert len(lines) == 20
    assert lines[0].startswith("#6 ")
    assert lines[-1].startswith("#25 ")
    assert "application.submit" in lines[-1]
    assert "resident:00000000-0000-0000-0000-000000000003（那珂 湊）" in lines[-1]
    assert "application:25" in lines[-1]
    assert '{"status": ["draft", "submitted"]}' in lines[-1]
    assert "+09:00" in lines[-1]  # shown in the city's time zone

    assert [line.split()[0] for line in run("tail", "-n", "3").splitlines()] == [
        "#23",
        "#24",
        "#25",
    ]


def test_tail_of_an_empty_log(db: None) -> None:
    assert run("tail").strip() == "監査ログにはまだイベントがありません。"


@pytest.mark.parametrize("args", [(), ("tail", "-n", "0"), ("tail", "-n", "x"), ("nope",)])
def test_bad_arguments_are_refused(db: None, args: tuple[str, ...]) -> None:
    with pytest.raises(CommandError):
        run(*args)
