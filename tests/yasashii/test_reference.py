"""How close ``analyze``'s score comes to the reference jReadability implementation.

The reference scores were recorded with ``data/record_jreadability.py`` (the MIT port
``jreadability`` 1.1.5 over UniDic 2.1.2, which counts as jreadability.net does). The
scorer here runs on SudachiPy, so word units and 語種 are approximations; these tests keep
the approximation from drifting. ``held_out`` are procedure-catalog sentences the scorer
was never adjusted on; ``corpus`` are the corpus sentences and their rewrites.
"""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

import pytest
import yaml

from tsunagu.yasashii.analysis import band, score

DATA: dict[str, Any] = yaml.safe_load(
    (Path(__file__).parent / "data" / "jreadability_reference.yaml").read_text("utf-8")
)


def agreement(items: list[dict[str, Any]]) -> tuple[float, float, float]:
    """(mean signed difference, mean absolute difference, share of equal bands)."""
    diffs = [score(i["text"]) - i["score"] for i in items]
    same = sum(band(score(i["text"])) == band(i["score"]) for i in items)
    return statistics.mean(diffs), statistics.mean(map(abs, diffs)), same / len(items)


@pytest.mark.parametrize(
    ("part", "max_bias", "max_mae", "min_same_band"),
    [("held_out", 0.15, 0.30, 0.70), ("corpus", 0.10, 0.30, 0.72)],
)
def test_scores_agree_with_the_reference(
    part: str, max_bias: float, max_mae: float, min_same_band: float
) -> None:
    items = DATA[part]
    assert len(items) >= 150
    bias, mae, same = agreement(items)
    assert abs(bias) <= max_bias
    assert mae <= max_mae
    assert same >= min_same_band


@pytest.mark.parametrize(
    "text",
    ["駅へ行きます。", "至急、避難してください。", "すぐに、にげてください。", "ご利用ください。"],
)
def test_short_sentences_score_exactly_as_the_reference(text: str) -> None:
    recorded = {
        "駅へ行きます。": 5.524,
        "至急、避難してください。": 5.303,
        "すぐに、にげてください。": 5.003,
        "ご利用ください。": 4.15,
    }
    assert score(text) == pytest.approx(recorded[text], abs=1e-3)
