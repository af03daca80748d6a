"""Quality figures of the rewriter on a labelled corpus (tests and ``make bench``).

A corpus entry is a sentence and the facts that must survive rewriting, written as in the
source (``tests/yasashii/data/corpus.yaml``). The figures:

* readability gain: jReadability score and level band (``analyze``) of each sentence
  before and after ``rewrite``; the target is one band easier on average, none harder;
* fact preservation: the share of labelled facts still in the output. A fact with a
  number, date, time, amount, telephone number, postal code or URL is compared in normal
  form (``facts``/``missing_facts``: 十リットル = 10リットル, 17時 = 午後5時); any other
  fact (a place, a proper noun, an official term) must appear as written;
* long sentences: the share of output sentences over 40 characters (target under 5 %).

>>> e = Entry("test", "至急、避難してください。", ())
>>> evaluate([e], today=date(2026, 11, 25)).facts_total
0
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from tsunagu.yasashii.analysis import BANDS, analyze, band, score, split_sentences
from tsunagu.yasashii.rewrite import facts, missing_facts, rewrite
from tsunagu.yasashii.ruby import ruby

LONG_OUTPUT = 40
_BAND_RANK = {name: rank for rank, (_, name) in enumerate(reversed(BANDS))}  # 0 = hardest


@dataclass(frozen=True, slots=True)
class Entry:
    """One corpus sentence and its labelled facts."""

    topic: str
    text: str
    facts: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Outcome:
    """What rewriting did to one entry."""

    entry: Entry
    output: str
    score_before: float
    score_after: float
    band_before: str
    band_after: str
    lost: tuple[str, ...]
    sentences: tuple[str, ...]

    @property
    def band_gain(self) -> int:
        """Level bands gained (negative: harder)."""
        return _BAND_RANK[self.band_after] - _BAND_RANK[self.band_before]


@dataclass(frozen=True, slots=True)
class Figures:
    """The corpus figures and each outcome."""

    outcomes: tuple[Outcome, ...]
    mean_score_gain: float
    mean_band_gain: float
    harder_band: int
    lower_score: int
    facts_total: int
    facts_kept: int
    output_sentences: int
    long_sentences: int

    @property
    def fact_preservation(self) -> float:
        return self.facts_kept / self.facts_total if self.facts_total else 1.0

    @property
    def long_share(self) -> float:
        return self.long_sentences / self.output_sentences if self.output_sentences else 0.0


def load_corpus(path: str | Path) -> list[Entry]:
    """The entries of a corpus file (a YAML list of ``topic``, ``text``, ``facts``)."""
    data: list[dict[str, Any]] = yaml.safe_load(Path(path).read_text("utf-8"))
    return [
        Entry(str(e["topic"]), str(e["text"]), tuple(str(f) for f in e.get("facts") or ()))
        for e in data
    ]


def lost_facts(labels: Iterable[str], output: str, *, today: date) -> tuple[str, ...]:
    """The labelled facts that ``output`` no longer contains.

    >>> lost_facts(["十リットル", "給水所", "17時"], "給水所で10リットル、午後5時", today=date(2026, 1, 1))
    ()
    """
    lost: list[str] = []
    for label in labels:
        found = facts(label, today=today)
        patterned = tuple(f for f in found if f.kind != "proper_noun")
        if patterned:
            if missing_facts(patterned, output, today=today):
                lost.append(label)
        elif label not in output:
            lost.append(label)
    return tuple(lost)


def evaluate(entries: Sequence[Entry], *, today: date) -> Figures:
    """Rewrite every entry and measure it (see the module docstring)."""
    outcomes: list[Outcome] = []
    for e in entries:
        result = rewrite(e.text, today=today)
        before, after = analyze(e.text), analyze(result.text)
        outcomes.append(
            Outcome(
                e,
                result.text,
                before.score,
                after.score,
                before.band,
                after.band,
                lost_facts(e.facts, result.text, today=today),
                tuple(s for _, s in split_sentences(result.text)),
            )
        )
    n = len(outcomes) or 1
    sentences = [s for o in outcomes for s in o.sentences]
    return Figures(
        outcomes=tuple(outcomes),
        mean_score_gain=sum(o.score_after - o.score_before for o in outcomes) / n,
        mean_band_gain=sum(o.band_gain for o in outcomes) / n,
        harder_band=sum(o.band_gain < 0 for o in outcomes),
        lower_score=sum(o.score_after < o.score_before for o in outcomes),
        facts_total=sum(len(o.entry.facts) for o in outcomes),
        facts_kept=sum(len(o.entry.facts) - len(o.lost) for o in outcomes),
        output_sentences=len(sentences),
        long_sentences=sum(len(s) > LONG_OUTPUT for s in sentences),
    )


@dataclass(frozen=True, slots=True)
class Agreement:
    """How ``analyze``'s scores compare with recorded reference scores."""

    items: int
    bias: float  # mean of (ours − reference)
    mean_abs: float  # mean of |ours − reference|
    same_band: float  # share of items in the same level band


def load_reference(path: str | Path) -> dict[str, list[tuple[str, float]]]:
    """The parts of a recorded reference file (``data/record_jreadability.py``): each a
    list of (text, reference score)."""
    data: dict[str, Any] = yaml.safe_load(Path(path).read_text("utf-8"))
    return {
        part: [(str(i["text"]), float(i["score"])) for i in items]
        for part, items in data.items()
        if isinstance(items, list)
    }


def agreement(items: Sequence[tuple[str, float]]) -> Agreement:
    """Compare ``analyze``'s score of each text with its reference score."""
    diffs, same = [], 0
    for text, reference in items:
        ours = score(text)
        diffs.append(ours - reference)
        same += band(ours) == band(reference)
    n = len(diffs) or 1
    return Agreement(len(diffs), sum(diffs) / n, sum(map(abs, diffs)) / n, same / n)


def reference_gain(pairs: Sequence[tuple[str, float]]) -> tuple[float, float, int]:
    """(mean score gain, mean band gain, sentences in a harder band) by the reference
    scores of a recorded corpus part, whose items alternate source and rewrite."""
    gains, bands = [], []
    for (_, before), (_, after) in zip(pairs[::2], pairs[1::2], strict=True):
        gains.append(after - before)
        bands.append(_BAND_RANK[band(after)] - _BAND_RANK[band(before)])
    n = len(gains) or 1
    return sum(gains) / n, sum(bands) / n, sum(b < 0 for b in bands)


@dataclass(frozen=True, slots=True)
class Reading:
    """A labelled furigana item: in ``text``, ``word`` must carry ``reading``."""

    text: str
    word: str
    reading: str


def load_readings(path: str | Path) -> list[Reading]:
    """The items of a labelled furigana file (a YAML list of ``[text, word, reading]``)."""
    data: list[list[str]] = yaml.safe_load(Path(path).read_text("utf-8"))
    return [Reading(str(t), str(w), str(r)) for t, w, r in data]


_SEGMENT = re.compile(r"<ruby>(.*?)<rt>(.*?)</rt></ruby>|([^<]+)", re.S)


def reading_of(markup: str, word: str) -> str | None:
    """The reading ``markup`` (of ``ruby()``) gives ``word`` at its first occurrence: the
    readings of the ``<ruby>`` bases that spell it, and the kana between them as written
    (in hiragana); None if the word starts or ends inside a ruby base.

    >>> reading_of("<ruby>申請<rt>しんせい</rt></ruby><ruby>書<rt>しょ</rt></ruby>を", "申請書")
    'しんせいしょ'
    >>> reading_of("ひたちなか<ruby>市役所<rt>しやくしょ</rt></ruby>", "ひたちなか市役所")
    'ひたちなかしやくしょ'
    """
    units: list[tuple[str, str]] = []  # (text, reading): a ruby base, or one plain character
    for m in _SEGMENT.finditer(markup):
        if m.group(3) is None:
            units.append((html.unescape(m.group(1)), html.unescape(m.group(2))))
        else:
            units.extend((c, c.translate(_HIRAGANA)) for c in html.unescape(m.group(3)))
    for i in range(len(units)):
        spelled, read = "", ""
        for text, reading in units[i:]:
            if not word.startswith(spelled + text):
                break
            spelled, read = spelled + text, read + reading
            if spelled == word:
                return read
    return None


_HIRAGANA = str.maketrans({chr(k): chr(k - 0x60) for k in range(ord("ァ"), ord("ヶ") + 1)})


def furigana_misses(items: Iterable[Reading]) -> list[tuple[Reading, str]]:
    """The items ``ruby()`` gets wrong, each with the markup it produced.

    >>> furigana_misses([Reading("額を冷やす", "額", "ひたい")])
    []
    """
    return [
        (item, markup)
        for item in items
        if reading_of(markup := ruby(item.text), item.word) != item.reading
    ]
