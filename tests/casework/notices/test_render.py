"""Notices render as PDF with embedded Japanese fonts, furigana and the legal text."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
from collections.abc import Callable
from typing import Any

import pytest
from pypdf import PdfReader
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics

from tests.casework.notices.conftest import summary
from tsunagu.casework.models import Case
from tsunagu.casework.notices.content import (
    NoticeKind,
    dates,
    notice_content,
    notice_kind,
    notice_pdf,
)
from tsunagu.casework.notices.render import (
    GOTHIC,
    NoticeFontMissing,
    RubyLine,
    _register_fonts,
    fonts_ready,
    pdf_from_markup,
    ruby_segments,
    xml_safe,
)


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def embedded_fonts(pdf: bytes) -> set[str]:
    """Base names of the fonts whose program is embedded in the file."""
    found = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            for desc_font in font.get("/DescendantFonts", [font]):
                descriptor = desc_font.get_object().get("/FontDescriptor")
                if descriptor is not None and "/FontFile2" in descriptor.get_object():
                    found.add(str(font["/BaseFont"]))
    return found


@pytest.mark.parametrize(
    ("code", "approved", "kind"),
    [
        ("jidou-teate-nintei", True, NoticeKind.KETTEI),
        ("jidou-teate-nintei", False, NoticeKind.KYAKKA),
        ("risai-shomeisho", True, NoticeKind.RISAI),
        ("risai-shomeisho", False, NoticeKind.KYAKKA),
    ],
)
def test_the_kind_follows_the_procedure_and_the_decision(
    code: str, approved: bool, kind: str
) -> None:
    assert notice_kind(procedure_code=code, approved=approved) == kind


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (dt.date(2026, 11, 25), "令和8年11月25日（2026年11月25日）"),
        (dt.date(2019, 5, 1), "令和元年5月1日（2019年5月1日）"),
        (dt.date(2019, 4, 30), "平成31年4月30日（2019年4月30日）"),
    ],
)
def test_dates_are_written_in_wareki_and_western_form(day: dt.date, expected: str) -> None:
    assert dates(day) == expected


def test_a_decision_notice_carries_its_content_and_the_kyouji(
    decided_case: Callable[..., Case],
) -> None:
    case = decided_case()
    content = notice_content(
        case=case, summary=summary(), document_number="HN8発第1号", issued_on=dt.date(2026, 11, 25)
    )
    pdf = notice_pdf(content)
    text = text_of(pdf)
    for expected in (
        "決定通知書",
        "HN8発第1号",
        "令和8年11月25日（2026年11月25日）",
        case.receipt_number,
        "児童手当",
        "常陸",
        "花子",
        "様",
        "ひたちなか市長",
        "承認",
        "10,000円",
        "支給の要件を満たしています。",
        "審査請求",
        "取消しを求める訴訟",
        "6か月以内",
        "那珂 一郎",
        "勝田 次郎（水戸 三郎 の代決）",
        "茨城県ひたちなか市東石川",
    ):
        assert expected in text, expected
    # Furigana: the addressee's name from their フリガナ, hard heading words from the engine.
    assert "ひたち" in text and "はなこ" in text
    assert "しんさ" in text and "せいきゅう" in text


def test_a_rejection_gives_its_reason_and_the_kyouji(decided_case: Callable[..., Case]) -> None:
    case = decided_case(approve=False)
    content = notice_content(
        case=case,
        summary=summary(approved=False, reason="所得が限度額を超えています。", amounts={}),
        document_number="HN8発第2号",
        issued_on=dt.date(2026, 11, 25),
    )
    text = text_of(notice_pdf(content))
    assert "却下通知書" in text
    assert "却下の理由" in text
    assert "所得が限度額を超えています。" in text
    assert "審査請求" in text
    assert "決定通知書" not in text


def test_a_risai_certificate_marks_the_damage_level(decided_case: Callable[..., Case]) -> None:
    case = decided_case(code="risai-shomeisho")
    content = notice_content(
        case=case,
        summary=summary(amounts={}, damage_level="daikibo_hankai"),
        document_number="HN8発第3号",
        issued_on=dt.date(2026, 11, 25),
    )
    text = text_of(notice_pdf(content))
    assert "罹災証明書" in text
    assert "■ 大規模半壊（該当）" in text
    # Every level is listed; only the decided one is marked (not by colour: ■ and 該当).
    for level in ("□ 全壊", "□ 中規模半壊", "□ 半壊", "□ 準半壊", "□ 準半壊に至らない"):
        assert level in text
    assert text.count("（該当）") == 1
    assert "令和8年台風第10号" in text
    assert "相違ないことを証明します" in text
    assert "りさいしょうめいしょ" in text


def test_the_japanese_fonts_are_embedded(decided_case: Callable[..., Case]) -> None:
    case = decided_case()
    content = notice_content(
        case=case, summary=summary(), document_number="X第1号", issued_on=dt.date(2026, 1, 5)
    )
    fonts = embedded_fonts(notice_pdf(content))
    # Subsets (ABCDEF+Name) of the configured TrueType fonts, with their programs inside.
    assert {f.split("+", 1)[-1] for f in fonts} == {"IPAexMincho", "IPAexGothic"}, fonts


def test_a_preview_is_marked_as_such(decided_case: Callable[..., Case]) -> None:
    case = decided_case()
    content = notice_content(
        case=case, summary=summary(), document_number="X第1号", issued_on=dt.date(2026, 1, 5)
    )
    assert "見本（未発行）" in text_of(notice_pdf(content, preview=True))
    assert "見本（未発行）" not in text_of(notice_pdf(content))


@pytest.mark.parametrize(
    "naughty",
    [
        "<script>alert(1)</script>",
        "A & B \"quoted\" 'single'",
        "制御\x01文字\x0b",
        "]]>",
        "髙橋 ① ｶﾅ",
    ],
)
def test_any_reason_text_renders_as_written(
    decided_case: Callable[..., Case], naughty: str
) -> None:
    case = decided_case()
    content = notice_content(
        case=case,
        summary=summary(reason=naughty),
        document_number="X第1号",
        issued_on=dt.date(2026, 1, 5),
    )
    text = text_of(notice_pdf(content))
    assert xml_safe(naughty)[:4] in text


def test_a_missing_font_is_a_clear_error(settings: Any, tmp_path: Any) -> None:
    _register_fonts.cache_clear()
    settings.TSUNAGU_NOTICE_FONTS = {"mincho": str(tmp_path / "nope.ttf"), "gothic": "x.ttf"}
    try:
        with pytest.raises(NoticeFontMissing, match="fonts-ipaexfont"):
            pdf_from_markup("<notice><p>本文</p></notice>", title="t")
    finally:
        _register_fonts.cache_clear()


def test_ruby_segments_keep_the_text_whole() -> None:
    pieces = ruby_segments("審査請求と取消訴訟について")
    assert "".join(base for base, _ in pieces) == "審査請求と取消訴訟について"
    assert any(reading for _, reading in pieces)


def test_an_unknown_element_in_a_template_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown element"):
        pdf_from_markup("<notice><blink>x</blink></notice>", title="t")


def test_an_addressee_without_a_name_is_the_applicant(decided_case: Callable[..., Case]) -> None:
    case = decided_case()
    content = notice_content(
        case=case, summary=summary(), document_number="X第1号", issued_on=dt.date(2026, 1, 5)
    )
    anonymous = dataclasses.replace(
        content, addressee=dataclasses.replace(content.addressee, name_ruby=())
    )
    assert "申請者 様" in text_of(notice_pdf(anonymous)).replace("\u3000", " ")


def test_a_long_heading_is_set_smaller_to_fit_the_page() -> None:
    fonts_ready()
    line = RubyLine(
        [("受給資格者の申出による学校給食費等の徴収等の変更等の申出" * 2, "")], font=GOTHIC, size=12
    )
    line.wrap(160 * mm, 100 * mm)
    assert line.size < 12
    assert pdfmetrics.stringWidth(line.segments[0][0], GOTHIC, line.size) <= 160 * mm
