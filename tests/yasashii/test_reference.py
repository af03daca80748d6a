"""How close ``analyze``'s score comes to the reference jReadability implementation.

The reference scores were recorded with ``data/record_jreadability.py`` (the MIT port
``jreadability`` 1.1.5 over UniDic 2.1.2, which counts as jreadability.net does). The
scorer here runs on SudachiPy, so word units and 語種 are approximations; these tests keep
the approximation from drifting. ``held_out`` are procedure-catalog sentences the scorer
was never adjusted on; ``corpus`` are the corpus sentences and their rewrites.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tsunagu.yasashii.analysis import score
from tsunagu.yasashii.quality import agreement, load_reference, reference_gain

DATA = load_reference(Path(__file__).parent / "data" / "jreadability_reference.yaml")


@pytest.mark.parametrize(
    ("part", "max_bias", "max_mae", "min_same_band"),
    [("held_out", 0.15, 0.30, 0.75), ("corpus", 0.10, 0.30, 0.72)],
)
def test_scores_agree_with_the_reference(
    part: str, max_bias: float, max_mae: float, min_same_band: float
) -> None:
    found = agreement(DATA[part])
    assert found.items >= 150
    assert abs(found.bias) <= max_bias
    assert found.mean_abs <= max_mae
    assert found.same_band >= min_same_band


@pytest.mark.parametrize(
    ("text", "recorded"),
    [
        ("駅へ行きます。", 5.524),
        ("至急、避難してください。", 5.303),
        ("すぐに、にげてください。", 5.003),  # the verb にげる counts; する does not
        ("ご利用ください。", 4.15),
        ("使ってください。", 3.625),
    ],
)
def test_short_sentences_score_exactly_as_the_reference(text: str, recorded: float) -> None:
    assert score(text) == pytest.approx(recorded, abs=1e-3)


def test_reference_gain_of_the_recorded_rewrites() -> None:
    """The recorded rewrites are easier by the reference's own scores too."""
    mean_score, mean_band, harder = reference_gain(DATA["corpus"])
    assert mean_score > 0.4
    assert mean_band > 0.4
    assert harder <= 10
