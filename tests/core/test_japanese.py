"""Normalisers and the 和暦 parser."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tsunagu.core import japanese
from tsunagu.core.japanese import DateInputError

# ---------------------------------------------------------------- characters


@pytest.mark.parametrize(
    ("text", "unsafe"),
    [
        ("山田太郎", False),
        ("a\x00b", True),
        ("\ud800", True),
        ("abc\u202e", True),  # RIGHT-TO-LEFT OVERRIDE
        ("\u2066x\u2069", True),  # isolates
        ("\ufffe", True),
        ("\u200f", False),  # a right-to-left mark is harmless
        ("\t\n", False),
    ],
)
def test_has_unsafe_chars(text: str, unsafe: bool) -> None:
    assert japanese.has_unsafe_chars(text) is unsafe


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  山田　　太郎 ", "山田 太郎"),
        ("a\tb\nc", "a b c"),
        ("", ""),
        ("\u3000", ""),
    ],
)
def test_collapse_spaces(text: str, expected: str) -> None:
    assert japanese.collapse_spaces(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ｶﾞｽ代 ＡＢ", "ガス代 ＡＢ"),
        ("ﾊﾟﾋﾟﾌﾟ", "パピプ"),
        ("ｱｲｳ①", "アイウ①"),
        ("abc", "abc"),
    ],
)
def test_halfwidth_kana_to_fullwidth(text: str, expected: str) -> None:
    assert japanese.halfwidth_kana_to_fullwidth(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("３１２－８５０１", "3128501"),
        ("312ー8501", "3128501"),
        ("1234 5678 9018", "123456789018"),
        ("(029) 273.0111", "0292730111"),
        ("abc", "abc"),
    ],
)
def test_strip_separators(text: str, expected: str) -> None:
    assert japanese.strip_separators(text) == expected


# ---------------------------------------------------------------- katakana


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("やまだ", "ヤマダ"),
        ("ﾔﾏﾀﾞ ﾀﾛｳ", "ヤマダ\u3000タロウ"),
        ("ヤマダ　　タロウ", "ヤマダ\u3000タロウ"),
        ("じょ-じ", "ジョージ"),  # a hyphen after kana is a long vowel
        ("ジョ−ジ", "ジョージ"),  # U+2212 MINUS SIGN
        ("ｼﾞｮｰｼﾞ", "ジョージ"),
        ("ジョン･スミス", "ジョン・スミス"),
        ("ジョン·スミス", "ジョン・スミス"),  # U+00B7
        ("ジャン=ポール", "ジャン＝ポール"),
        ("ゔぁいおりん", "ヴァイオリン"),
        ("山田", "山田"),  # kept, is_katakana refuses it
        (" ヤマダ ", "ヤマダ"),
    ],
)
def test_to_katakana(text: str, expected: str) -> None:
    assert japanese.to_katakana(text) == expected


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("ヤマダ\u3000タロウ", True),
        ("ジョン・スミス", True),
        ("ヴァイオリン", True),
        ("ヤマダ太郎", False),
        ("yamada", False),
        ("やまだ", False),
        ("ヤマダ1", False),
        ("ｱｲｳ", False),  # half width: convert first
    ],
)
def test_is_katakana(text: str, ok: bool) -> None:
    assert japanese.is_katakana(text) is ok


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5", 5),
        ("一", 1),
        ("十", 10),
        ("十二", 12),
        ("二十", 20),
        ("三十一", 31),
        ("二〇二三", 2023),
        ("十十", None),
        ("百", None),
        ("", None),
        ("٣", None),  # other scripts' digits are not accepted
    ],
)
def test_kanji_to_int(text: str, expected: int | None) -> None:
    assert japanese.kanji_to_int(text) == expected


# ---------------------------------------------------------------- wareki


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2023-04-01", date(2023, 4, 1)),
        ("2023/4/1", date(2023, 4, 1)),
        ("2023.4.1", date(2023, 4, 1)),
        ("20230401", date(2023, 4, 1)),
        ("2023年4月1日", date(2023, 4, 1)),
        ("2023年4月1日（土）", date(2023, 4, 1)),
        ("2023/04/01 (土曜日)", date(2023, 4, 1)),
        ("西暦2023年4月1日", date(2023, 4, 1)),
        ("２０２３／０４／０１", date(2023, 4, 1)),
        ("２０２３－４－１", date(2023, 4, 1)),
        (" 2023 年 4 月 1 日 ", date(2023, 4, 1)),
        ("令和5年4月1日", date(2023, 4, 1)),
        ("令和５年４月１日", date(2023, 4, 1)),
        ("令和五年四月一日", date(2023, 4, 1)),
        ("R5.4.1", date(2023, 4, 1)),
        ("r05/04/01", date(2023, 4, 1)),
        ("Ｒ５．４．１", date(2023, 4, 1)),
        ("R050401", date(2023, 4, 1)),
        ("令5.4.1", date(2023, 4, 1)),
        ("令和元年5月1日", date(2019, 5, 1)),
        ("R1.5.1", date(2019, 5, 1)),
        ("㋿元年5月1日", date(2019, 5, 1)),
        ("H31.4.30", date(2019, 4, 30)),
        ("平成31年4月30日", date(2019, 4, 30)),
        ("㍻31年4月30日", date(2019, 4, 30)),
        ("H310430", date(2019, 4, 30)),
        ("平成元年1月8日", date(1989, 1, 8)),
        ("S64.1.7", date(1989, 1, 7)),
        ("昭和64年1月7日", date(1989, 1, 7)),
        ("昭和元年12月25日", date(1926, 12, 25)),
        ("大正15年12月25日", date(1926, 12, 25)),  # the shared day of 大正 and 昭和
        ("大正元年7月30日", date(1912, 7, 30)),
        ("明治45年7月30日", date(1912, 7, 30)),  # the shared day of 明治 and 大正
        ("M6.1.1", date(1873, 1, 1)),
        ("2024-02-29", date(2024, 2, 29)),
        ("2100-12-31", date(2100, 12, 31)),
    ],
)
def test_parse_date(text: str, expected: date) -> None:
    assert japanese.parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "code", "era", "other"),
    [
        ("平成31年5月1日", "era_after", "平成", "令和"),
        ("H31.5.1", "era_after", "平成", "令和"),
        ("平成32年1月1日", "era_after", "平成", "令和"),
        ("令和元年4月30日", "era_before", "令和", "平成"),
        ("昭和64年1月8日", "era_after", "昭和", "平成"),
        ("平成元年1月7日", "era_before", "平成", "昭和"),
        ("大正15年12月26日", "era_after", "大正", "昭和"),
        ("昭和元年12月24日", "era_before", "昭和", "大正"),
        ("明治45年7月31日", "era_after", "明治", "大正"),
        ("大正元年7月29日", "era_before", "大正", "明治"),
    ],
)
def test_era_boundaries(text: str, code: str, era: str, other: str) -> None:
    with pytest.raises(DateInputError) as info:
        japanese.parse_date(text)
    assert info.value.code == code
    assert info.value.era is not None and info.value.era.name == era
    assert info.value.other is not None and info.value.other.name == other


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "format"),
        ("きのう", "format"),
        ("23/4/1", "format"),  # a two-digit year is ambiguous
        ("2023-04", "format"),
        ("2023-04-01T00:00", "format"),
        ("令和", "format"),
        ("X5.4.1", "format"),
        ("R5.4", "format"),
        ("2023-13-01", "month"),
        ("2023-00-10", "month"),
        ("令和5年13月1日", "month"),
        ("2023-02-29", "day"),
        ("2023-04-31", "day"),
        ("2023-04-00", "day"),
        ("令和0年1月1日", "era_year"),
        ("R0.1.1", "era_year"),
        ("1872-12-31", "range"),  # the lunisolar calendar
        ("明治5年12月2日", "range"),
        ("2101-01-01", "range"),
        ("0000-01-01", "range"),
        ("R999.1.1", "format"),
    ],
)
def test_parse_date_errors(text: str, code: str) -> None:
    with pytest.raises(DateInputError) as info:
        japanese.parse_date(text)
    assert info.value.code == code


def test_day_error_names_the_date() -> None:
    with pytest.raises(DateInputError) as info:
        japanese.parse_date("2023年2月30日")
    assert (info.value.year, info.value.month, info.value.day) == (2023, 2, 30)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2023-04", (2023, 4)),
        ("2023/4", (2023, 4)),
        ("202304", (2023, 4)),
        ("2023年4月", (2023, 4)),
        ("２０２３年４月", (2023, 4)),
        ("令和5年4月", (2023, 4)),
        ("R5.4", (2023, 4)),
        ("R5/4", (2023, 4)),
        ("R0504", (2023, 4)),
        ("令和元年5月", (2019, 5)),
        ("平成31年4月", (2019, 4)),
        ("昭和64年1月", (1989, 1)),
        ("平成元年1月", (1989, 1)),  # 1989-01-08 to 31 are 平成
    ],
)
def test_parse_year_month(text: str, expected: tuple[int, int]) -> None:
    assert japanese.parse_year_month(text) == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("平成31年5月", "era_after"),
        ("令和元年4月", "era_before"),
        ("昭和64年2月", "era_after"),
        ("2023-13", "month"),
        ("2023年4月1日", "format"),
        ("令和0年4月", "era_year"),
        ("1800-01", "range"),
        ("2023", "format"),
    ],
)
def test_parse_year_month_errors(text: str, code: str) -> None:
    with pytest.raises(DateInputError) as info:
        japanese.parse_year_month(text)
    assert info.value.code == code


@pytest.mark.parametrize(
    ("d", "expected"),
    [
        (date(2023, 4, 1), "令和5年4月1日"),
        (date(2019, 5, 1), "令和元年5月1日"),
        (date(2019, 4, 30), "平成31年4月30日"),
        (date(1989, 1, 8), "平成元年1月8日"),
        (date(1989, 1, 7), "昭和64年1月7日"),
        (date(1926, 12, 25), "昭和元年12月25日"),
        (date(1912, 7, 30), "大正元年7月30日"),
        (date(1900, 1, 1), "明治33年1月1日"),
    ],
)
def test_to_wareki(d: date, expected: str) -> None:
    assert japanese.to_wareki(d) == expected


def test_to_wareki_in_a_given_era() -> None:
    meiji = japanese.ERAS[0]
    assert japanese.to_wareki(date(1912, 7, 30), meiji) == "明治45年7月30日"


@pytest.mark.parametrize(
    ("ym", "expected"),
    [((2023, 4), "令和5年4月"), ((2019, 4), "平成31年4月"), ((2019, 5), "令和元年5月"),
     ((1989, 1), "昭和64年1月")],
)  # fmt: skip
def test_to_wareki_year_month(ym: tuple[int, int], expected: str) -> None:
    assert japanese.to_wareki_year_month(*ym) == expected


# ---------------------------------------------------------------- properties

dates = st.dates(min_value=japanese.MIN_DATE, max_value=japanese.MAX_DATE)


@given(dates)
@settings(max_examples=200, deadline=None)
def test_every_notation_of_a_date_parses_back(d: date) -> None:
    era = japanese.era_of(d)
    ey = era.year_of(d)
    notations = [
        d.isoformat(),
        d.strftime("%Y%m%d"),
        f"{d.year}/{d.month}/{d.day}",
        f"{d.year}年{d.month}月{d.day}日",
        japanese.to_wareki(d),
        f"{era.letter}{ey}.{d.month}.{d.day}",
        f"{era.letter.lower()}{ey:02d}/{d.month:02d}/{d.day:02d}",
        japanese.nfkc(japanese.to_wareki(d)).translate(str.maketrans("0123456789", "０１２３４５６７８９")),
    ]  # fmt: skip
    for text in notations:
        assert japanese.parse_date(text) == d, text


@given(dates)
@settings(max_examples=200, deadline=None)
def test_every_month_parses_back(d: date) -> None:
    text = japanese.to_wareki_year_month(d.year, d.month)
    assert japanese.parse_year_month(text) == (d.year, d.month)
    assert japanese.parse_year_month(f"{d.year}-{d.month:02d}") == (d.year, d.month)


@given(st.text(max_size=40))
@settings(max_examples=200, deadline=None)
def test_date_parsers_raise_only_date_input_error(text: str) -> None:
    for parse in (japanese.parse_date, japanese.parse_year_month):
        try:
            parse(text)
        except DateInputError:
            pass


@given(st.text(alphabet="0123456789年月日元令和平成昭RHS./- ", max_size=16))
@settings(max_examples=200, deadline=None)
def test_date_parser_on_date_like_text(text: str) -> None:
    try:
        d = japanese.parse_date(text)
    except DateInputError:
        return
    assert japanese.MIN_DATE <= d <= japanese.MAX_DATE
    assert japanese.parse_date(d.isoformat()) == d


NORMALISERS: list[Callable[[str], str]] = [
    japanese.nfkc,
    japanese.collapse_spaces,
    japanese.halfwidth_kana_to_fullwidth,
    japanese.strip_separators,
    japanese.to_katakana,
]


@pytest.mark.parametrize("normalise", NORMALISERS, ids=lambda f: f.__name__)
@given(text=st.text(max_size=60))
@settings(max_examples=200, deadline=None)
def test_normalisers_are_idempotent(normalise: Callable[[str], str], text: str) -> None:
    once = normalise(text)
    assert normalise(once) == once


KANA_PIECES = [*"あいうえおがぱゃっゔーｱｲｳｰ･ァヴ・ 　", "ｶﾞ", "ﾊﾟ", "ｳﾞ"]


@given(st.lists(st.sampled_from(KANA_PIECES), max_size=20).map("".join))
@settings(max_examples=200, deadline=None)
def test_kana_input_becomes_katakana(text: str) -> None:
    assert japanese.is_katakana(japanese.to_katakana(text))
