"""The staff's やさしい日本語 checker: what is hard in a text, why, and an easier version.

``yasashii_check(text=...)`` puts the engine's analysis and rewrite side by side, sentence
by sentence: the spans that a rule flagged (with the reason and what to write instead),
the suggested rewrite, the jReadability score and level band before and after, and
whether every fact (numbers, dates, amounts, telephone numbers, URLs, proper nouns)
survived the rewrite. The staff page /staff/yasashii/ and the JSON API
/staff/yasashii/api/ show the same result (``CheckResult.to_dict``).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from tsunagu.yasashii import Finding, SentenceReport, analyze
from tsunagu.yasashii.rewrite import RewriteResult, SentenceRewrite, rewrite

MAX_CHARS = 10_000
# A sentence longer than this is flagged (the rewriter's own target for its output).
LONG_SENTENCE = 40
# Above this share of kanji a sentence is flagged (the guidelines suggest 20–30 %).
KANJI_RATIO = 0.3

# Why each kind of problem makes a text hard, for the staff who fix it.
REASONS: dict[str, tuple[Promise, Promise]] = {
    "honorific": (
        _("敬語"),
        _(
            "尊敬語・謙譲語は、日本語を学んでいる人や子どもにはわかりにくい表現です。"
            "「〜ます」「〜てください」の形で書きます。"
        ),
    ),
    "double_negative": (
        _("二重否定"),
        _(
            "「〜ないわけではない」のような二重否定は、意味を取り違えやすい表現です。肯定の形で書きます。"
        ),
    ),
    "passive": (
        _("受身"),
        _(
            "受身の形（〜される）では、だれがするのかがわかりにくくなります。する人を主語にして書きます。"
        ),
    ),
    "long_kanji_run": (
        _("漢字の連続"),
        _("漢字が6字以上続いています。言葉を分けるか、やさしい言葉に言い換えます。"),
    ),
    "loanword": (
        _("カタカナ語"),
        _("カタカナ語は、外国の人にも通じないことがあります。やさしい言葉があれば言い換えます。"),
    ),
    "difficult_word": (
        _("難しい言葉"),
        _(
            "小学校の低学年で習わない漢字や、役所でよく使う難しい言葉です。"
            "やさしい言葉に言い換えるか、説明をつけます。"
        ),
    ),
    "long_sentence": (
        _("長い文"),
        _("文が長いと、読みにくくなります。1つの文には1つのことだけを書きます。"),
    ),
    "kanji_ratio": (
        _("漢字が多い"),
        _("漢字が多いと、読めない人がいます。漢字は全体の3割くらいまでにします。"),
    ),
}
FACT_LABELS: dict[str, Promise] = {
    "url": _("URL"),
    "phone": _("電話番号"),
    "postal": _("郵便番号"),
    "date": _("日付"),
    "time": _("時刻"),
    "amount": _("金額"),
    "number": _("数"),
    "proper_noun": _("固有名詞"),
}
# Finding fields of the engine's SentenceReport and the kind each stands for.
FINDING_FIELDS = {
    "honorifics": "honorific",
    "double_negatives": "double_negative",
    "passives": "passive",
    "above_level": "difficult_word",
}
_LEVEL = re.compile(r"\d+")


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem of a sentence; ``start`` is None when it concerns the whole sentence."""

    number: int
    kind: str
    label: str
    text: str
    start: int | None
    reason: str
    hint: str


@dataclass(frozen=True, slots=True)
class Segment:
    """A stretch of a sentence, with the numbers of the problems it is part of."""

    text: str
    problems: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class SentenceCheck:
    number: int
    text: str
    segments: tuple[Segment, ...]
    problems: tuple[Problem, ...]
    rewrite: str
    rules: tuple[str, ...]
    score_before: float
    band_before: str
    score_after: float
    band_after: str


@dataclass(frozen=True, slots=True)
class FactCheck:
    """A fact of the input (a number, a date…) and whether the rewrite still has it."""

    kind: str
    label: str
    text: str
    kept: bool


@dataclass(frozen=True, slots=True)
class CheckResult:
    text: str
    rewrite: str
    rewriter: str
    sentences: tuple[SentenceCheck, ...]
    score_before: float
    band_before: str
    score_after: float
    band_after: str
    facts: tuple[FactCheck, ...]

    @property
    def facts_preserved(self) -> bool:
        return all(f.kept for f in self.facts)

    @property
    def problem_count(self) -> int:
        return sum(len(s.problems) for s in self.sentences)

    def to_dict(self) -> dict[str, Any]:
        """The JSON of the API: every field, plus ``facts_preserved`` and ``problem_count``."""
        data = dataclasses.asdict(self)
        data["facts_preserved"] = self.facts_preserved
        data["problem_count"] = self.problem_count
        return data


def _spans(sentence: SentenceReport) -> list[tuple[str, str, int | None, str]]:
    """``(kind, text, start, hint)`` of every problem, in reading order."""
    found: list[tuple[str, str, int | None, str]] = []
    for field in dataclasses.fields(sentence):
        value = getattr(sentence, field.name)
        if not isinstance(value, tuple) or not value or not isinstance(value[0], Finding):
            continue
        # Fields the engine may add later (e.g. difficult vocabulary) are shown by kind.
        default = FINDING_FIELDS.get(field.name)
        for f in value:
            found.append((default or f.kind, f.text, f.start, f.hint))
    for run in sentence.long_kanji_runs:
        found.append(("long_kanji_run", run, sentence.text.find(run), ""))
    for word in sentence.loanwords:
        found.append(("loanword", word, sentence.text.find(word), ""))
    found.sort(key=lambda p: p[2] if p[2] is not None and p[2] >= 0 else len(sentence.text))
    if sentence.length > LONG_SENTENCE:
        found.append(("long_sentence", sentence.text, None, str(_("2つ以上の文に分けます。"))))
    if sentence.kanji_ratio > KANJI_RATIO:
        found.append(
            (
                "kanji_ratio",
                sentence.text,
                None,
                str(_("ひらがなで書ける言葉は、ひらがなにします。")),
            )
        )
    return found


def _problems(sentence: SentenceReport) -> tuple[Problem, ...]:
    problems = []
    for number, (kind, text, start, hint) in enumerate(_spans(sentence), start=1):
        label, reason = REASONS.get(kind, (kind, ""))
        if kind == "difficult_word" and (level := _LEVEL.search(hint)):
            # The engine's hint is the word's level (レベル5), not a way to write it.
            hint = str(_("言葉のレベルは %(level)s です（1〜7。大きいほど難しい言葉です）。")) % {
                "level": level.group()
            }
        problems.append(
            Problem(
                number=number,
                kind=kind,
                label=str(label),
                text=text,
                start=start if start is not None and start >= 0 else None,
                reason=str(reason),
                hint=hint,
            )
        )
    return tuple(problems)


def _segments(text: str, problems: tuple[Problem, ...]) -> tuple[Segment, ...]:
    """``text`` cut into plain and flagged stretches; overlapping flags join into one."""
    spans = sorted(
        (p.start, min(p.start + len(p.text), len(text)), p.number)
        for p in problems
        if p.start is not None and p.text and p.start < len(text)
    )
    groups: list[tuple[int, int, list[int]]] = []
    for start, end, number in spans:
        if groups and start < groups[-1][1]:
            first, last, numbers = groups[-1]
            groups[-1] = (first, max(last, end), [*numbers, number])
        else:
            groups.append((start, end, [number]))
    segments: list[Segment] = []
    pos = 0
    for start, end, numbers in groups:
        if start > pos:
            segments.append(Segment(text[pos:start]))
        segments.append(Segment(text[start:end], tuple(sorted(numbers))))
        pos = end
    if pos < len(text):
        segments.append(Segment(text[pos:]))
    return tuple(segments)


def _rewrites_by_sentence(
    reports: tuple[SentenceReport, ...], result: RewriteResult
) -> list[SentenceRewrite | None]:
    """The rewrite of each analysed sentence, matched by its source text in order."""
    remaining = list(result.sentences)
    matched: list[SentenceRewrite | None] = []
    for report in reports:
        index = next((i for i, s in enumerate(remaining) if s.source == report.text), None)
        if index is None:
            matched.append(None)
        else:
            matched.append(remaining[index])
            remaining = remaining[index + 1 :]
    return matched


def yasashii_check(*, text: str) -> CheckResult:
    """Check ``text`` (at most ``MAX_CHARS`` characters; the caller enforces it).

    Example: ``yasashii_check(text="ご記入ください。").sentences[0].problems[0].label``
    is 「敬語」 and its ``rewrite`` is 「書いてください。」.
    """
    before = analyze(text)
    result = rewrite(text)
    after = analyze(result.text)
    sentences = []
    for number, (report, rewritten) in enumerate(
        zip(before.sentences, _rewrites_by_sentence(before.sentences, result), strict=True),
        start=1,
    ):
        problems = _problems(report)
        output = "".join(rewritten.output) if rewritten else report.text
        scored = analyze(output) if rewritten else None
        sentences.append(
            SentenceCheck(
                number=number,
                text=report.text,
                segments=_segments(report.text, problems),
                problems=problems,
                rewrite=output,
                rules=rewritten.rules if rewritten else (),
                score_before=report.score,
                band_before=report.band,
                score_after=scored.score if scored else report.score,
                band_after=scored.band if scored else report.band,
            )
        )
    missing = {(f.kind, f.value) for f in result.missing}
    facts = tuple(
        FactCheck(
            kind=f.kind,
            label=str(FACT_LABELS.get(f.kind, f.kind)),
            text=f.text,
            kept=(f.kind, f.value) not in missing,
        )
        for f in result.facts
    )
    return CheckResult(
        text=text,
        rewrite=result.text,
        rewriter=result.rewriter,
        sentences=tuple(sentences),
        score_before=before.score,
        band_before=before.band,
        score_after=after.score,
        band_after=after.band,
        facts=facts,
    )
