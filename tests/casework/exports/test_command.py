"""``tsunagu exports``: the nightly job writes the file once; a quiet night writes none."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from tsunagu.audit.models import AuditEvent
from tsunagu.casework.exports.models import ExportRun
from tsunagu.casework.models import Case

pytestmark = pytest.mark.django_db


def _call(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("exports", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_run_writes_a_cp932_file_once_and_reports_what_it_held_back(
    decided_case: Callable[..., Case], tmp_path: Path
) -> None:
    ok = decided_case(sei="髙橋")
    odd = decided_case(sei="𠮷田")
    out_file = tmp_path / "jidou.csv"
    args = ["run", "--target", "csv-hanyou", "--procedure", "test-teate"]
    out, err = _call(*args, "--format", "csv", "--encoding", "cp932", "--out", str(out_file))
    rows = list(csv.DictReader(io.StringIO(out_file.read_bytes().decode("cp932"), newline="")))
    assert [r["receipt_number"] for r in rows] == [ok.receipt_number]
    assert "1 件を出力しました" in out
    assert f"{odd.receipt_number}: name.sei の「𠮷」（U+20BB7）" in err and "保留" in err
    run = ExportRun.objects.get()
    assert run.actor is None and run.target == "csv-hanyou"
    assert AuditEvent.objects.filter(action="export.run", obj_id=str(run.pk)).exists()
    # The next night: only the held-back case is left; with UTF-8 it goes.
    second = tmp_path / "second.csv"
    _call(*args, "--out", str(second))
    assert second.read_bytes().startswith(b"\xef\xbb\xbf")
    assert odd.receipt_number.encode() in second.read_bytes()
    # Then nothing is pending: no file, no error.
    third = tmp_path / "third.csv"
    out, _err = _call(*args, "--out", str(third))
    assert "出力する案件はありません" in out
    assert not third.exists()


def test_rerun_needs_a_reason_and_a_known_run(
    decided_case: Callable[..., Case], tmp_path: Path
) -> None:
    case = decided_case()
    _call(
        "run", "--target", "csv-hanyou", "--procedure", "test-teate", "--out", str(tmp_path / "a")
    )
    run = ExportRun.objects.get()
    with pytest.raises(CommandError, match="理由"):
        _call("rerun", "--run", str(run.pk), "--reason", " ", "--out", str(tmp_path / "b"))
    with pytest.raises(CommandError, match="ID"):
        _call("rerun", "--run", "nope", "--reason", "再送", "--out", str(tmp_path / "b"))
    _call(
        "rerun", "--run", str(run.pk), "--reason", "再送", "--case", case.receipt_number,
        "--out", str(tmp_path / "c"),
    )  # fmt: skip
    assert case.receipt_number.encode() in (tmp_path / "c").read_bytes()
    assert ExportRun.objects.filter(reexport=True, reexport_of=run).count() == 1


def test_unknown_target_or_procedure_is_refused(
    decided_case: Callable[..., Case], tmp_path: Path, settings: Any
) -> None:
    decided_case()
    with pytest.raises(CommandError, match="使えません"):
        _call("run", "--target", "nope", "--procedure", "test-teate", "--out", str(tmp_path / "x"))
    with pytest.raises(CommandError, match="受け付けません"):
        _call(
            "run", "--target", "hisaisha-shien", "--procedure", "test-teate",
            "--out", str(tmp_path / "x"),
        )  # fmt: skip
    settings.TSUNAGU_EXPORT_TARGETS = ["jidou-teate-kikan"]
    with pytest.raises(CommandError, match="使えません"):
        _call(
            "run", "--target", "csv-hanyou", "--procedure", "test-teate",
            "--out", str(tmp_path / "x"),
        )  # fmt: skip


def test_targets_lists_the_enabled_targets(settings: Any) -> None:
    settings.TSUNAGU_EXPORT_MY_NUMBER_TARGETS = ["jidou-teate-kikan"]
    out, _err = _call("targets")
    assert "jidou-teate-kikan\t児童手当システム\t個人番号あり" in out
    assert "hisaisha-shien\t被災者支援システム\t個人番号なし" in out
