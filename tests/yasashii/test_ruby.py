"""Furigana: labelled readings, okurigana, escaping, grades, and text preservation."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tsunagu.yasashii import analyze, ruby
from tsunagu.yasashii.lexicon import kanji_grades, load_data
from tsunagu.yasashii.quality import Reading, furigana_misses, load_readings, reading_of

READINGS = load_readings(Path(__file__).parent / "data" / "readings.yaml")
_RT = re.compile(r"<rt>.*?</rt>", re.S)
_TAG = re.compile(r"<[^>]*>")


def plain_text(markup: str) -> str:
    """What a reader without ruby support sees: the text with the readings removed."""
    return html.unescape(_TAG.sub("", _RT.sub("", markup)))


def test_the_labelled_list_is_large_enough() -> None:
    assert len(READINGS) >= 500
    assert len({(r.text, r.word) for r in READINGS}) == len(READINGS)  # no duplicates
    places = {"勝田", "那珂湊", "阿字ヶ浦", "馬渡", "東石川", "佐和", "高場", "平磯", "殿山",
              "部田野"}  # fmt: skip
    assert places <= {r.word for r in READINGS}
    assert {"額", "行"} <= {r.word for r in READINGS}


@pytest.mark.parametrize("item", READINGS, ids=lambda r: f"{r.text}:{r.word}")
def test_reading(item: Reading) -> None:
    markup = ruby(item.text)
    assert reading_of(markup, item.word) == item.reading, markup


def test_accuracy_at_least_99_percent() -> None:
    misses = furigana_misses(READINGS)
    assert 1 - len(misses) / len(READINGS) >= 0.99, misses


@pytest.mark.parametrize(
    ("markup", "word", "reading"),
    [
        ("<ruby>申請<rt>しんせい</rt></ruby><ruby>書<rt>しょ</rt></ruby>", "申請書", "しんせいしょ"),
        ("ひたちなか<ruby>市役所<rt>しやくしょ</rt></ruby>", "ひたちなか市役所", "ひたちなかしやくしょ"),
        ("<ruby>避難所<rt>ひなんじょ</rt></ruby>", "避難", None),  # inside a longer base
        ("<ruby>行<rt>い</rt></ruby>く", "行", "い"),
        ("センター", "センター", "せんたー"),
        ("", "字", None),
    ],
)  # fmt: skip
def test_reading_of(markup: str, word: str, reading: str | None) -> None:
    assert reading_of(markup, word) == reading


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("4月1日", "4<ruby>月<rt>がつ</rt></ruby><ruby>1日<rt>ついたち</rt></ruby>"),
        ("1日3回", "<ruby>1日<rt>いちにち</rt></ruby>3<ruby>回<rt>かい</rt></ruby>"),
        ("20日", "<ruby>20日<rt>はつか</rt></ruby>"),
        ("6日間", "<ruby>6日間<rt>むいかかん</rt></ruby>"),
        ("１４日", "<ruby>１４日<rt>じゅうよっか</rt></ruby>"),
        ("32日", "32<ruby>日<rt>にち</rt></ruby>"),
    ],
)
def test_days_in_digits(text: str, expected: str) -> None:
    assert ruby(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("会議を行って", "<ruby>会議<rt>かいぎ</rt></ruby>を<ruby>行<rt>おこな</rt></ruby>って"),
        ("学校へ行って", "<ruby>学校<rt>がっこう</rt></ruby>へ<ruby>行<rt>い</rt></ruby>って"),
        ("お申し込み", "お<ruby>申<rt>もう</rt></ruby>し<ruby>込<rt>こ</rt></ruby>み"),
        ("ひらがな", "ひらがな"),
        ("カタカナ", "カタカナ"),
        ("3月", "3<ruby>月<rt>がつ</rt></ruby>"),
        ("", ""),
    ],
)
def test_okurigana_stay_outside_the_ruby(text: str, expected: str) -> None:
    assert ruby(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ("A & B", "A &amp; B"),
        ('"引用"', "&quot;<ruby>引用<rt>いんよう</rt></ruby>&quot;"),
        ("'", "&#x27;"),
        ("<ruby>字</ruby>", "&lt;ruby&gt;<ruby>字<rt>じ</rt></ruby>&lt;/ruby&gt;"),
        ("&amp;", "&amp;amp;"),
    ],
)
def test_everything_is_escaped(text: str, expected: str) -> None:
    assert ruby(text) == expected


@pytest.mark.parametrize(
    ("text", "min_grade", "expected"),
    [
        # 学 and 校 are grade 1, 行 is grade 2, 勉 and 強 later.
        ("学校へ行く", 2, "学校へ<ruby>行<rt>い</rt></ruby>く"),
        ("学校へ行く", 3, "学校へ行く"),
        ("学校へ行く", 1, "<ruby>学校<rt>がっこう</rt></ruby>へ<ruby>行<rt>い</rt></ruby>く"),
        ("避難", 3, "<ruby>避難<rt>ひなん</rt></ruby>"),
        # 駅 is grade 3, 説 grade 4, 額 grade 5, 届 grade 6, 避 after primary school.
        ("駅へ", 4, "駅へ"),
        ("駅へ", 3, "<ruby>駅<rt>えき</rt></ruby>へ"),
        ("説明", 5, "説明"),
        ("金額", 6, "金額"),
        ("金額", 5, "<ruby>金額<rt>きんがく</rt></ruby>"),
        ("届け", 7, "届け"),
        ("届け", 6, "<ruby>届<rt>とど</rt></ruby>け"),
        ("避難", 7, "<ruby>避難<rt>ひなん</rt></ruby>"),
    ],
)
def test_min_grade(text: str, min_grade: int, expected: str) -> None:
    assert ruby(text, min_grade=min_grade) == expected


@pytest.mark.parametrize("min_grade", [0, -1, 8])
def test_min_grade_outside_the_shipped_table_is_refused(min_grade: int) -> None:
    with pytest.raises(ValueError, match="min_grade"):
        ruby("字", min_grade=min_grade)


def test_the_school_grade_table_is_complete() -> None:
    """学年別漢字配当表 (2017, in force since 2020): 1,026 kanji, each in one grade."""
    table = load_data("kanji_grades.yaml")
    sizes = {grade: len(chars) for grade, chars in table.items()}
    assert sizes == {1: 80, 2: 160, 3: 200, 4: 202, 5: 193, 6: 191}
    assert len(kanji_grades()) == 1026
    assert kanji_grades()["茨"] == 4  # a prefecture kanji added in the 2017 revision
    assert kanji_grades()["額"] == 5


NAUGHTY = [
    "\x00\x01\x7f",
    "\ufeff先頭",
    "𠮷野家",
    "👨‍👩‍👧‍👦と漢字",
    "ｶﾀｶﾅ半角",
    "々々々",
    "ヶヶ",
    "漢" * 10_000,
    "。" * 500,
    "a\u0301\u0308",
    "\u202e逆向き",
    "行って\n\n\t額",
]


@pytest.mark.parametrize("text", NAUGHTY)
def test_naughty_strings_keep_their_text(text: str) -> None:
    assert plain_text(ruby(text)) == text
    analyze(text)


@settings(max_examples=150, deadline=None)
@given(st.text())
def test_ruby_keeps_the_text_and_analyze_never_raises(text: str) -> None:
    assert plain_text(ruby(text)) == text
    report = analyze(text)
    assert all(text[s.start : s.start + s.length] == s.text for s in report.sentences)


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=st.sampled_from("漢字行額勝田那珂湊ヶ々かなカナー。！？「」<>&\n ")))
def test_ruby_on_japanese_like_text(text: str) -> None:
    assert plain_text(ruby(text)) == text
