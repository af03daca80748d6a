"""Benchmark and quality figures of the easy-Japanese engine (``tsunagu.yasashii``).

Run by ``make bench`` (after the HTTP scenarios of bench/run.py) or on its own::

    .venv/bin/python bench/yasashii.py            # add --json for machine-readable output

Speed, in one process on one core (CPU time of this process, so other work on the
machine does not count): every corpus sentence goes through

  raw        SudachiPy's tokenizer alone, split mode C (the floor: nothing on top)
  analyze    tsunagu.yasashii.analyze(sentence)
  rewrite    tsunagu.yasashii.rewrite(sentence)
  ruby       tsunagu.yasashii.ruby(sentence)

one sentence per call, in rounds of one corpus pass per function (in rotating order)
until the slowest has used TSUNAGU_BENCH_YASASHII_SECONDS (default 3) of CPU; a rate is
that of the median round (the dictionary loads once per process, before a warm-up pass). It prints sentences per second and the ratios to the raw rate, with
the issue's targets (analyze ≥ 30 %, rewrite ≥ 10 %).

Quality, on the labelled corpus (tests/yasashii/data/corpus.yaml) and furigana list
(tests/yasashii/data/readings.yaml): readability gain, fact preservation, share of output
sentences over 40 characters, furigana reading accuracy. Figures only: it never fails
on timing.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
DATA = ROOT / "tests" / "yasashii" / "data"
TODAY = date(2026, 11, 25)  # the reference date of the corpus's dates

TARGET_ANALYZE = 0.30
TARGET_REWRITE = 0.10
TARGET_BAND_GAIN = 1.0
TARGET_LONG_SHARE = 0.05
TARGET_FURIGANA = 0.99


def _pass(fn: Callable[[str], object], sentences: list[str]) -> float:
    """CPU seconds of one pass of ``fn`` over ``sentences``, one sentence per call."""
    cpu0 = time.process_time()
    for s in sentences:
        fn(s)
    return time.process_time() - cpu0


def speed(sentences: list[str], seconds: float) -> dict[str, Any]:
    """Rates of the raw tokenizer, analyze, rewrite and ruby, and their ratios.

    A round runs one pass over the corpus of each function, in an order that rotates from
    round to round; rounds go on until the slowest function has used ``seconds`` of CPU
    (at least 5). The rate of a function is that of its median round, so that a burst of
    load from another process spoils one round, not the figures. (Timing the functions in
    turns sentence by sentence is not fair either: the first to meet a sentence pays for
    bringing its dictionary entries into the CPU caches.)
    """
    from tsunagu.yasashii import analyze, rewrite, ruby
    from tsunagu.yasashii._sudachi import dictionary, raw_tokenize

    t0 = time.perf_counter()
    dictionary()
    load_s = time.perf_counter() - t0
    functions: dict[str, Callable[[str], object]] = {
        "raw": raw_tokenize,
        "analyze": analyze,
        "rewrite": lambda s: rewrite(s, today=TODAY),
        "ruby": ruby,
    }
    for fn in functions.values():  # warm-up: lazy data, compiled patterns
        _pass(fn, sentences)
    names = list(functions)
    rounds: dict[str, list[float]] = {name: [] for name in names}
    while max(sum(r) for r in rounds.values()) < seconds or len(rounds["raw"]) < 5:
        shift = len(rounds["raw"]) % len(names)
        for name in names[shift:] + names[:shift]:
            rounds[name].append(_pass(functions[name], sentences))
    rates = {
        name: {
            "rounds": len(r),
            "sentences": len(r) * len(sentences),
            "cpu_s": sum(r),
            "median_round_s": statistics.median(r),
            "per_s": len(sentences) / statistics.median(r),
        }
        for name, r in rounds.items()
    }
    raw = rates["raw"]["per_s"]
    return {
        "dictionary_load_s": load_s,
        "rates": rates,
        "ratios": {k: v["per_s"] / raw for k, v in rates.items() if k != "raw"},
    }


def quality() -> dict[str, Any]:
    """Corpus figures and furigana accuracy."""
    from tsunagu.yasashii.quality import (
        agreement,
        evaluate,
        furigana_misses,
        load_corpus,
        load_readings,
        load_reference,
        reference_gain,
    )

    figures = evaluate(load_corpus(DATA / "corpus.yaml"), today=TODAY)
    reference = load_reference(DATA / "jreadability_reference.yaml")
    recorded = reference["corpus"][1::2]
    current = sum(r == o.output for (r, _), o in zip(recorded, figures.outcomes, strict=True))
    ref_score, ref_band, ref_harder = reference_gain(reference["corpus"])
    readings = load_readings(DATA / "readings.yaml")
    misses = furigana_misses(readings)
    return {
        "sentences": len(figures.outcomes),
        "mean_score_gain": figures.mean_score_gain,
        "mean_band_gain": figures.mean_band_gain,
        "harder_band": figures.harder_band,
        "lower_score": figures.lower_score,
        "facts_total": figures.facts_total,
        "facts_kept": figures.facts_kept,
        "fact_preservation": figures.fact_preservation,
        "output_sentences": figures.output_sentences,
        "long_sentences": figures.long_sentences,
        "long_share": figures.long_share,
        "furigana_items": len(readings),
        "furigana_correct": len(readings) - len(misses),
        "furigana_accuracy": (len(readings) - len(misses)) / len(readings),
        "furigana_misses": [[m.text, m.word, m.reading, markup] for m, markup in misses],
        "reference": {part: asdict(agreement(items)) for part, items in reference.items()},
        "reference_gain": {
            "mean_score_gain": ref_score,
            "mean_band_gain": ref_band,
            "harder_band": ref_harder,
            "rewrites_as_recorded": current,
        },
    }


def report(data: dict[str, Any]) -> None:
    """Print the figures (the bench's output)."""
    s, q = data["speed"], data["quality"]

    def verdict(ok: bool) -> str:
        return "met" if ok else "MISSED"

    print()
    print(
        f"Easy Japanese (tsunagu.yasashii) — {len(data['corpus'])} corpus sentences, one per "
        f"call, CPU time of one process (median round); dictionary loaded once in "
        f"{s['dictionary_load_s']:.2f} s"
    )
    print(f"{'function':<10} {'rounds':>7} {'CPU s':>7} {'sent/s':>9} {'ratio to raw':>13}")
    for name, r in s["rates"].items():
        ratio = "" if name == "raw" else f"{s['ratios'][name] * 100:12.1f}%"
        print(f"{name:<10} {r['rounds']:>7} {r['cpu_s']:>7.2f} {r['per_s']:>9.0f} {ratio:>13}")
    a, w = s["ratios"]["analyze"], s["ratios"]["rewrite"]
    print(f"  analyze ≥ {TARGET_ANALYZE:.0%} of raw: {verdict(a >= TARGET_ANALYZE)}")
    print(f"  rewrite ≥ {TARGET_REWRITE:.0%} of raw: {verdict(w >= TARGET_REWRITE)}")
    print()
    print(f"Quality on the corpus ({q['sentences']} sentences, tests/yasashii/data/corpus.yaml):")
    print(
        f"  readability gain: {q['mean_score_gain']:+.2f} jReadability, "
        f"{q['mean_band_gain']:+.2f} level bands on average (target ≥ +{TARGET_BAND_GAIN:.0f}: "
        f"{verdict(q['mean_band_gain'] >= TARGET_BAND_GAIN)}); "
        f"harder band: {q['harder_band']} (target 0: {verdict(q['harder_band'] == 0)}); "
        f"lower score within the band: {q['lower_score']}"
    )
    print(
        f"  facts kept: {q['facts_kept']}/{q['facts_total']} = {q['fact_preservation']:.1%} "
        f"(target 100 %: {verdict(q['fact_preservation'] == 1.0)})"
    )
    print(
        f"  output sentences over 40 characters: {q['long_sentences']}/{q['output_sentences']}"
        f" = {q['long_share']:.1%} (target < 5 %: {verdict(q['long_share'] < TARGET_LONG_SHARE)})"
    )
    print(
        f"  furigana: {q['furigana_correct']}/{q['furigana_items']} = "
        f"{q['furigana_accuracy']:.1%} (target ≥ 99 %: "
        f"{verdict(q['furigana_accuracy'] >= TARGET_FURIGANA)})"
    )
    for text, word, reading, markup in q["furigana_misses"]:
        print(f"    miss: {word} should be {reading} in {text}: {markup}")
    print()
    print("Scorer against recorded reference scores (jreadability 1.1.5 over UniDic 2.1.2,")
    print("tests/yasashii/data/jreadability_reference.yaml):")
    for part, a in q["reference"].items():
        print(
            f"  {part:<9} {a['items']:>4} texts: mean difference {a['bias']:+.3f}, "
            f"mean absolute {a['mean_abs']:.3f}, same band {a['same_band']:.1%}"
        )
    g = q["reference_gain"]
    print(
        f"  gain of the recorded rewrites by the reference: {g['mean_score_gain']:+.2f} "
        f"jReadability, {g['mean_band_gain']:+.2f} bands, harder band {g['harder_band']} "
        f"({g['rewrites_as_recorded']}/{q['sentences']} rewrites unchanged since recorded)"
    )


def main(*, write: bool = True, argv: list[str] | None = None) -> dict[str, Any]:
    """Measure, print, and return the figures (``--json``: print JSON instead)."""
    import yaml

    argv = sys.argv[1:] if argv is None else argv
    seconds = float(os.environ.get("TSUNAGU_BENCH_YASASHII_SECONDS", "3"))
    corpus = [e["text"] for e in yaml.safe_load((DATA / "corpus.yaml").read_text("utf-8"))]
    data = {"corpus": corpus, "speed": speed(corpus, seconds), "quality": quality()}
    if write and "--json" in argv:
        print(json.dumps({k: v for k, v in data.items() if k != "corpus"}, ensure_ascii=False))
    else:
        report(data)
    return {k: v for k, v in data.items() if k != "corpus"}


if __name__ == "__main__":
    main()
