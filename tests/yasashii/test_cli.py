"""``python -m tsunagu.yasashii``: round trips through a real process."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest


def run(*args: str, stdin: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "tsunagu.yasashii", *args],
        input=stdin.encode("utf-8"),
        capture_output=True,
        check=False,
        timeout=60,
    )


def test_analyze_json() -> None:
    result = run("analyze", "--json", stdin="ご記入ください。\n受理されました。")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout.decode("utf-8"))
    assert [s["text"] for s in data["sentences"]] == ["ご記入ください。", "受理されました。"]
    assert data["sentences"][0]["honorifics"][0]["text"] == "ご記入ください"
    assert data["sentences"][1]["passives"][0]["text"] == "受理され"
    assert data["band"] in {"上級後半", "上級前半", "中級後半", "中級前半", "初級後半", "初級前半"}


def test_analyze_text() -> None:
    result = run("analyze", stdin="指定緊急避難場所へ避難してください。")
    assert result.returncode == 0, result.stderr
    out = result.stdout.decode("utf-8")
    assert out.startswith("全体: ")
    assert "長い漢字の連続: 指定緊急避難場所" in out


def test_ruby() -> None:
    result = run("ruby", stdin="会議を行って<b>")
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode("utf-8") == (
        "<ruby>会議<rt>かいぎ</rt></ruby>を<ruby>行<rt>おこな</rt></ruby>って&lt;b&gt;"
    )


def test_ruby_min_grade() -> None:
    result = run("ruby", "--min-grade", "3", stdin="学校")
    assert result.stdout.decode("utf-8") == "学校"


@pytest.mark.parametrize("args", [(), ("simplify",), ("ruby", "--min-grade", "9")])
def test_usage_errors_exit_2(args: tuple[str, ...]) -> None:
    result = run(*args, stdin="字")
    assert result.returncode == 2
    assert b"usage:" in result.stderr
