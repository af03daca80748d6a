"""Exports: bytes and encodings, the once-per-target rule, re-export, ZIP contents."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from collections.abc import Callable
from typing import Any

import pytest

from tests.casework.exports.conftest import MY_NUMBER, PDF
from tsunagu.audit.models import AuditEvent
from tsunagu.casework.exports import selectors
from tsunagu.casework.exports.models import ExportedCase, ExportRun
from tsunagu.casework.exports.services import (
    ExportRefused,
    export_file,
    export_preview,
    export_rerun,
    export_run,
)
from tsunagu.casework.exports.storage import ExportFileError
from tsunagu.casework.exports.targets import Registry
from tsunagu.casework.models import Case, CaseStatus

pytestmark = pytest.mark.django_db


def _rows(data: bytes, encoding: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode(encoding), newline="")))


def _run(targets: Registry, **kwargs: Any) -> tuple[ExportRun, bytes]:
    kwargs.setdefault("target_id", "test-kikan")
    kwargs.setdefault("procedure_code", "test-teate")
    run = export_run(actor=None, targets=targets, **kwargs)
    return run, export_file(run=run, actor=None)


def test_utf8_csv_has_a_bom_crlf_and_the_documented_columns(
    decided_case: Callable[..., Case], targets: Registry
) -> None:
    case = decided_case(children=2)
    run, data = _run(targets, fmt="csv", encoding="utf-8-sig")
    assert data.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")
    header = data[3:].split(b"\r\n", 1)[0].decode()
    assert header.startswith(
        "receipt_number,procedure_code,procedure_version,submitted_at,decided_at,decision,"
    )
    (row,) = _rows(data, "utf-8-sig")
    assert row["receipt_number"] == case.receipt_number
    assert row["decision"] == "承認"
    assert row["decided_at"] == "2026-11-20T19:30:00+09:00"
    assert row["amount.児童手当 月額"] == "10000"
    assert row["name.sei"] == "常陸" and row["name.mei"] == "花子"
    assert row["children.2.child_name.mei"] == "太郎2"
    # Numbered up to the definition's max_items (5), empty beyond the answers.
    assert row["children.5.living"] == ""
    assert row["has_spouse"] == "0" and row["consent_tax"] == "1"
    assert row["attachment.bankbook.1.name"] == "通帳1.PDF"
    assert row["attachment.bankbook.1.sha256"] == hashlib.sha256(PDF + b"0").hexdigest()
    # The target is not configured for it: no 個人番号 column at all.
    assert not any("my_number" in k for k in row)
    assert MY_NUMBER.encode() not in data
    assert run.sha256 == hashlib.sha256(data).hexdigest()
    assert run.case_count == 1 and not run.my_number_included


def test_cp932_bytes(decided_case: Callable[..., Case], targets: Registry) -> None:
    decided_case(sei="髙橋")  # 髙 and ㈱ are in CP932 (IBM/NEC extensions)
    run, data = _run(targets, fmt="csv", encoding="cp932")
    assert not data.startswith(b"\xef\xbb\xbf")
    assert "髙橋".encode("cp932") in data
    assert "承認".encode("cp932") in data
    (row,) = _rows(data, "cp932")
    assert row["name.sei"] == "髙橋"
    assert run.encoding == "cp932" and run.encoding_problems == []


def test_a_character_cp932_lacks_is_reported_and_the_row_held_back(
    decided_case: Callable[..., Case], targets: Registry
) -> None:
    ok = decided_case(sei="常陸")
    odd = decided_case(sei="𠮷田")
    preview = export_preview(
        target_id="test-kikan", procedure_code="test-teate", encoding="cp932", targets=targets
    )
    assert preview.count == 2
    assert [(p.receipt_number, p.column, p.codepoint) for p in preview.problems] == [
        (odd.receipt_number, "name.sei", "U+20BB7")
    ]
    run, data = _run(targets, fmt="csv", encoding="cp932")
    assert [r["receipt_number"] for r in _rows(data, "cp932")] == [ok.receipt_number]
    assert run.encoding_problems == [
        {
            "receipt_number": odd.receipt_number,
            "column": "name.sei",
            "char": "𠮷",
            "codepoint": "U+20BB7",
            "action": "held",
        }
    ]
    # Held back, so still pending: UTF-8 can carry it.
    _, data2 = _run(targets, fmt="csv", encoding="utf-8-sig")
    assert [r["name.sei"] for r in _rows(data2, "utf-8-sig")] == ["𠮷田"]


def test_substitution_only_when_asked_and_recorded(
    decided_case: Callable[..., Case], targets: Registry
) -> None:
    decided_case(sei="𠮷田")
    with pytest.raises(ExportRefused):
        _run(targets, fmt="csv", encoding="cp932")
    assert not ExportRun.objects.exists()
    run, data = _run(targets, fmt="csv", encoding="cp932", allow_substitute=True)
    assert _rows(data, "cp932")[0]["name.sei"] == "〓田"
    assert run.encoding_problems[0]["action"] == "substituted"
    event = AuditEvent.objects.filter(action="export.run").latest("pk")
    assert event.summary["substituted"] == 1


def test_each_case_is_exported_once_per_target(
    decided_case: Callable[..., Case], targets: Registry
) -> None:
    first = decided_case()
    run1, _ = _run(targets)
    assert run1.case_count == 1
    with pytest.raises(ExportRefused, match="出力する案件はありません"):
        _run(targets)
    second = decided_case()
    _, data = _run(targets)
    assert [r["receipt_number"] for r in _rows(data, "utf-8-sig")] == [second.receipt_number]
    # Another target has its own "once".
    _, data3 = _run(targets, target_id="test-all")
    assert {r["receipt_number"] for r in _rows(data3, "utf-8-sig")} == {
        first.receipt_number,
        second.receipt_number,
    }
    assert ExportedCase.objects.filter(case=first, reexport=False).count() == 2


def test_rejected_and_undecided_cases(
    decided_case: Callable[..., Case], targets: Registry, rejected: set[str]
) -> None:
    no = decided_case(status=CaseStatus.REJECTED)
    rejected.add(no.receipt_number)
    decided_case(status=CaseStatus.IN_REVIEW)
    yes = decided_case()
    preview = export_preview(target_id="test-kikan", procedure_code="test-teate", targets=targets)
    assert [c.receipt_number for c, _s in preview.cases] == [yes.receipt_number]
    assert preview.rejected_skipped == 1
    _, data = _run(targets, target_id="test-all")
    rows = {r["receipt_number"]: r for r in _rows(data, "utf-8-sig")}
    assert rows[no.receipt_number]["decision"] == "却下"
    assert rows[no.receipt_number]["decision_reason"] == "所得が限度額を超えています。"
    assert set(rows) == {no.receipt_number, yes.receipt_number}


def test_reexport_of_a_run_and_of_one_case_is_deliberate_and_audited(
    decided_case: Callable[..., Case], targets: Registry
) -> None:
    a = decided_case()
    b = decided_case()
    run, _ = _run(targets)
    with pytest.raises(ExportRefused, match="理由"):
        export_rerun(run=run, actor=None, reason="  ", targets=targets)
    again = export_rerun(
        run=run, actor=None, reason="基幹システムの取込に失敗したため", targets=targets
    )
    assert again.reexport and again.reexport_of == run and again.case_count == 2
    one = export_rerun(run=run, actor=None, reason="1件だけ再送", case=b, targets=targets)
    assert [r["receipt_number"] for r in _rows(export_file(run=one, actor=None), "utf-8-sig")] == [
        b.receipt_number
    ]
    assert ExportedCase.objects.filter(case=a, target="test-kikan").count() == 2
    assert ExportedCase.objects.filter(case=b, target="test-kikan", reexport=True).count() == 2
    events = AuditEvent.objects.filter(action="export.reexport")
    assert events.count() == 2
    assert events.latest("pk").summary["reexport_of"] == str(run.pk)
    # A re-export does not make anything pending again.
    with pytest.raises(ExportRefused):
        _run(targets)


def test_my_number_only_for_a_target_configured_for_it(
    decided_case: Callable[..., Case], targets: Registry, settings: Any
) -> None:
    decided_case()
    settings.TSUNAGU_EXPORT_MY_NUMBER_TARGETS = ["test-kikan"]
    run, data = _run(targets)
    (row,) = _rows(data, "utf-8-sig")
    assert row["my_number"] == MY_NUMBER
    assert run.my_number_included
    event = AuditEvent.objects.get(action="export.run")
    assert event.summary["my_number"] == 1
    _, data_all = _run(targets, target_id="test-all")
    assert MY_NUMBER.encode() not in data_all


def test_zip_holds_csv_json_and_the_files_with_their_hashes(
    decided_case: Callable[..., Case], targets: Registry
) -> None:
    case = decided_case(files=2)
    _, data = _run(targets, fmt="zip", encoding="cp932")
    zf = zipfile.ZipFile(io.BytesIO(data))
    names = zf.namelist()
    first = f"files/{case.receipt_number}/bankbook-1.pdf"
    second = f"files/{case.receipt_number}/bankbook-2.pdf"
    assert names == ["cases.csv", "cases.json", first, second, "SHA256SUMS"]
    assert zf.read(first) == PDF + b"0" and zf.read(second) == PDF + b"1"
    sums = dict(
        reversed(line.split("  ", 1)) for line in zf.read("SHA256SUMS").decode().splitlines()
    )
    for name in names[:-1]:
        assert sums[name] == hashlib.sha256(zf.read(name)).hexdigest()
    (row,) = _rows(zf.read("cases.csv"), "cp932")
    assert row["attachment.bankbook.2.sha256"] == hashlib.sha256(zf.read(second)).hexdigest()
    doc = json.loads(zf.read("cases.json").decode("utf-8"))
    assert doc["layout_version"] == 1 and doc["count"] == 1
    (record,) = doc["cases"]
    assert record["answers"]["children"][0]["child_name"] == {"sei": "常陸", "mei": "太郎1"}
    assert "my_number" not in record["answers"]
    assert [a["path"] for a in record["attachments"]] == [first, second]


def test_json_is_utf8(decided_case: Callable[..., Case], targets: Registry) -> None:
    decided_case(sei="𠮷田")
    run, data = _run(targets, fmt="json", encoding="cp932")
    assert run.encoding == "utf-8"
    assert json.loads(data.decode("utf-8"))["cases"][0]["answers"]["name"]["sei"] == "𠮷田"


def test_a_stored_file_that_changed_is_refused(
    decided_case: Callable[..., Case], targets: Registry
) -> None:
    decided_case()
    run, _ = _run(targets)
    with run.file.open("rb") as fh:
        sealed = bytearray(fh.read())
    sealed[-1] ^= 1
    with open(run.file.path, "wb") as fh:
        fh.write(bytes(sealed))
    downloads = AuditEvent.objects.filter(action="export.download").count()
    with pytest.raises(ExportFileError):
        export_file(run=run, actor=None)
    assert AuditEvent.objects.filter(action="export.download").count() == downloads


def test_the_database_refuses_a_second_first_export_of_a_case(
    decided_case: Callable[..., Case],
    targets: Registry,
    monkeypatch: pytest.MonkeyPatch,
    settings: Any,
) -> None:
    case = decided_case()
    _run(targets)
    # As if another run had read the pending cases before this one recorded them.
    monkeypatch.setattr(
        selectors, "export_pending_cases", lambda **_kw: Case.objects.filter(pk=case.pk)
    )
    with pytest.raises(ExportRefused, match="同時に"):
        _run(targets)
    assert ExportRun.objects.count() == 1
    stored = list((settings.MEDIA_ROOT / "exports").iterdir())
    assert len(stored) == 1
