"""Notices as PDF: a Django template per kind, drawn with reportlab in an embedded font.

A notice's template (``notices/pdf/<kind>.xml``) writes a small XML document; this module
draws it on A4 with the city's Japanese TrueType fonts (IPAex 明朝 and ゴシック by default,
embedded as subsets so that every reader shows the same glyphs). The elements are:

``<right>``/``<left>``/``<p>`` lines and paragraphs, ``<title>``/``<heading>`` with
furigana over hard words (``tsunagu.yasashii.ruby``), ``<r rt="...">`` an explicit reading
(the addressee's name, from the フリガナ they gave), ``<table>``/``<row>``/``<th>``/``<td>``,
``<box>`` a framed section (教示), ``<small>`` notes and ``<space/>``.
"""

from __future__ import annotations

import functools
import html
import re
import xml.etree.ElementTree as ET  # parses only our own templates' output
from collections.abc import Iterable
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

MINCHO = "TsunaguMincho"
GOTHIC = "TsunaguGothic"
_RUBY = re.compile(r"<ruby>(.*?)<rt>(.*?)</rt></ruby>", re.S)
# Characters XML 1.0 cannot carry (a stray control character in a typed reason).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class NoticeFontMissing(Exception):
    """The Japanese font a notice is drawn with is not installed."""


@functools.cache
def _register_fonts(mincho: str, gothic: str) -> None:
    for name, path in ((MINCHO, mincho), (GOTHIC, gothic)):
        if not Path(path).is_file():
            raise NoticeFontMissing(
                f"The Japanese font for notices is missing: {path}. Install Debian's "
                "fonts-ipaexfont (apt-get install fonts-ipaexfont) or set "
                "TSUNAGU_NOTICE_FONT_MINCHO / TSUNAGU_NOTICE_FONT_GOTHIC to TrueType fonts."
            )
        pdfmetrics.registerFont(TTFont(name, path))


def fonts_ready() -> None:
    """Register the configured fonts, or raise ``NoticeFontMissing`` with what to install."""
    _register_fonts(
        settings.TSUNAGU_NOTICE_FONTS["mincho"], settings.TSUNAGU_NOTICE_FONTS["gothic"]
    )


def xml_safe(text: str) -> str:
    """``text`` without the characters an XML document cannot hold.

    >>> xml_safe("理由\\x01です")
    '理由です'
    """
    # XML reads CR and CRLF as LF anyway: say so now, so the notice says what is kept.
    return _NOT_XML.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def ruby_segments(text: str, *, min_grade: int | None = 3) -> list[tuple[str, str]]:
    """``text`` cut into (base, reading) pieces, with readings over hard kanji words.

    >>> ruby_segments("決定通知書")  # doctest: +SKIP
    [('決定', 'けってい'), ('通知書', '')]
    """
    try:
        from tsunagu.yasashii.ruby import ruby

        marked = ruby(text, min_grade=min_grade)
    except Exception:  # furigana are a help: a notice is issued without them
        return [(text, "")]
    out: list[tuple[str, str]] = []
    pos = 0
    for m in _RUBY.finditer(marked):
        if m.start() > pos:
            out.append((html.unescape(marked[pos : m.start()]), ""))
        out.append((html.unescape(m.group(1)), html.unescape(m.group(2))))
        pos = m.end()
    if pos < len(marked):
        out.append((html.unescape(marked[pos:]), ""))
    return out


class RubyLine(Flowable):  # type: ignore[misc]  # reportlab is untyped
    """One line of text with furigana drawn over some of its pieces."""

    def __init__(
        self,
        segments: list[tuple[str, str]],
        *,
        font: str,
        size: float,
        align: str = "left",
        space_after: float = 2 * mm,
    ) -> None:
        super().__init__()
        self.segments = segments
        self.font = font
        self.size = size
        self.align = align
        self.space_after = space_after
        self.ruby_size = size * 0.5

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.avail = avail_width
        # A line never wraps (the readings must stay over their words): a long one, such
        # as a procedure's full legal name, is set smaller until it fits.
        base = "".join(b for b, _ in self.segments)
        while self.size > 7 and pdfmetrics.stringWidth(base, self.font, self.size) > avail_width:
            self.size -= 0.5
        self.ruby_size = self.size * 0.5
        self.height = self.size * 1.25 + self.ruby_size * 1.3 + self.space_after
        return avail_width, self.height

    def draw(self) -> None:
        base = "".join(b for b, _ in self.segments)
        width = pdfmetrics.stringWidth(base, self.font, self.size)
        x0 = {
            "center": (self.avail - width) / 2,
            "right": self.avail - width,
        }.get(self.align, 0)
        y = self.space_after + self.size * 0.25
        canvas = self.canv
        # The base text first and in one piece, so that text extraction reads it whole.
        canvas.setFont(self.font, self.size)
        canvas.drawString(x0, y, base)
        canvas.setFont(self.font, self.ruby_size)
        x = x0
        for piece, reading in self.segments:
            w = pdfmetrics.stringWidth(piece, self.font, self.size)
            if reading:
                canvas.drawCentredString(x + w / 2, y + self.size * 1.05, reading)
            x += w


@dataclass
class _Styles:
    body: ParagraphStyle
    small: ParagraphStyle
    cell: ParagraphStyle
    head: ParagraphStyle
    right: ParagraphStyle
    box_title: ParagraphStyle
    items: dict[str, Any] = field(default_factory=dict)


def _styles() -> _Styles:
    body = ParagraphStyle(
        "body", fontName=MINCHO, fontSize=10.5, leading=17, wordWrap="CJK", alignment=TA_LEFT
    )
    return _Styles(
        body=body,
        small=ParagraphStyle("small", parent=body, fontSize=8.5, leading=13),
        cell=ParagraphStyle("cell", parent=body, fontSize=10, leading=14),
        head=ParagraphStyle("head", parent=body, fontName=GOTHIC, fontSize=10, leading=14),
        right=ParagraphStyle("right", parent=body, alignment=TA_RIGHT),
        box_title=ParagraphStyle(
            "box_title", parent=body, fontName=GOTHIC, alignment=TA_CENTER, fontSize=10.5
        ),
    )


def _markup(text: str) -> str:
    """reportlab paragraph markup of plain text (escaped; line breaks kept)."""
    return html.escape(text.strip(), quote=False).replace("\n", "<br/>")


def _text(el: ET.Element) -> str:
    return "".join(el.itertext())


def _segments(el: ET.Element, *, auto: bool) -> list[tuple[str, str]]:
    """The pieces of a line: explicit ``<r rt>`` readings, and automatic ones if ``auto``."""
    out: list[tuple[str, str]] = []

    def plain(text: str | None) -> None:
        if text:
            out.extend(ruby_segments(text) if auto else [(text, "")])

    plain(el.text)
    for child in el:
        if child.tag == "r":
            out.append((_text(child), child.get("rt", "")))
        else:
            plain(_text(child))
        plain(child.tail)
    return out


def _flowables(root: ET.Element, styles: _Styles, width: float) -> Iterable[Flowable]:
    for el in root:
        tag = el.tag
        if tag == "title":
            yield Spacer(1, 4 * mm)
            yield RubyLine(
                _segments(el, auto=True), font=GOTHIC, size=18, align="center", space_after=6 * mm
            )
        elif tag == "heading":
            yield RubyLine(
                _segments(el, auto=el.get("ruby") != "no"),
                font=GOTHIC,
                size=12,
                align=el.get("align", "left"),
            )
        elif tag == "addressee":
            yield RubyLine(_segments(el, auto=False), font=MINCHO, size=13, space_after=3 * mm)
        elif tag == "right":
            yield Paragraph(_markup(_text(el)), styles.right)
        elif tag in {"left", "p"}:
            yield Paragraph(_markup(_text(el)), styles.body)
        elif tag == "small":
            yield Paragraph(_markup(_text(el)), styles.small)
        elif tag == "space":
            yield Spacer(1, float(el.get("mm", "4")) * mm)
        elif tag == "table":
            yield _table(el, styles, width)
        elif tag == "box":
            inner = list(_flowables(el, styles, width - 8 * mm))
            title = el.get("title")
            rows = ([[Paragraph(_markup(title), styles.box_title)]] if title else []) + [
                [f] for f in inner
            ]
            box = Table(rows, colWidths=[width])
            box.setStyle(
                TableStyle(
                    [
                        ("BOX", (0, 0), (-1, -1), 0.8, colors.black),
                        ("LEFTPADDING", (0, 0), (-1, -1), 4 * mm),
                        ("RIGHTPADDING", (0, 0), (-1, -1), 4 * mm),
                        ("TOPPADDING", (0, 0), (-1, -1), 1.2 * mm),
                        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.2 * mm),
                    ]
                )
            )
            yield Spacer(1, 3 * mm)
            yield box
        else:
            raise ValueError(f"unknown element <{tag}> in a notice template")


def _table(el: ET.Element, styles: _Styles, width: float) -> Table:
    rows = []
    for row in el.findall("row"):
        cells = []
        for cell in row:
            style = styles.head if cell.tag == "th" else styles.cell
            cells.append(Paragraph(_markup(_text(cell)), style))
        rows.append(cells)
    first = width * float(el.get("key", "0.3"))
    table = Table(rows, colWidths=[first, width - first])
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("BACKGROUND", (0, 0), (0, -1), colors.Color(0.93, 0.93, 0.93)),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5 * mm),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5 * mm),
            ]
        )
    )
    return table


def _page_marks(text: str) -> Any:
    """A footer on every page (the document number), and a watermark on a preview."""

    def draw(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(MINCHO, 8)
        canvas.drawRightString(A4[0] - 20 * mm, 12 * mm, text)
        canvas.restoreState()

    return draw


def _preview_mark(footer: Any) -> Any:
    def draw(canvas: Any, doc: Any) -> None:
        footer(canvas, doc)
        canvas.saveState()
        canvas.setFont(GOTHIC, 60)
        canvas.setFillColor(colors.Color(0.8, 0.1, 0.1, alpha=0.25))
        canvas.translate(A4[0] / 2, A4[1] / 2)
        canvas.rotate(35)
        canvas.drawCentredString(0, 0, "見本（未発行）")
        canvas.restoreState()

    return draw


def pdf_from_markup(markup: str, *, title: str, footer: str = "", preview: bool = False) -> bytes:
    """Draw the XML of a notice template on A4 pages; returns the PDF.

    >>> pdf_from_markup("<notice><p>本文です。</p></notice>", title="通知")[:5]  # doctest: +SKIP
    b'%PDF-'
    """
    fonts_ready()
    root = ET.fromstring(markup)  # noqa: S314  # our template, values autoescaped, no DTD
    buf = BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=22 * mm,
        rightMargin=22 * mm,
        topMargin=20 * mm,
        bottomMargin=20 * mm,
        title=title,
        author=settings.TSUNAGU_CITY["name_ja"],
        subject=title,
        creator="Tsunagu",
        lang="ja-JP",
    )
    styles = _styles()
    story = list(_flowables(root, styles, doc.width))
    marks = _page_marks(footer)
    first = _preview_mark(marks) if preview else marks
    doc.build(story, onFirstPage=first, onLaterPages=first)
    return buf.getvalue()


def markup_render(template: str, context: dict[str, Any]) -> str:
    """The XML of a notice from its template, always in Japanese (the legal text)."""
    with translation.override("ja"):
        return render_to_string(template, context)
