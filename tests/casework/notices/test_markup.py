"""Whatever staff type and residents answered, a notice's template stays well-formed XML
that says exactly that text (no markup injection, no crash)."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

from hypothesis import given, settings
from hypothesis import strategies as st

from tsunagu.casework.notices.content import NoticeContent, Person
from tsunagu.casework.notices.render import markup_render, xml_safe


def content(text: str) -> NoticeContent:
    return NoticeContent(
        kind="kyakka",
        title="却下通知書",
        document_number="HN8発第1号",
        issued_on=dt.date(2026, 11, 25),
        city="ひたちなか市",
        mayor_line="ひたちなか市長",
        department="こども政策課",
        department_phone="029-273-0111",
        receipt_number="HN-2026-000001-1",
        procedure_name="児童手当",
        submitted_on=dt.date(2026, 11, 1),
        addressee=Person(name=xml_safe(text), name_ruby=((xml_safe(text), xml_safe(text)),)),
        approved=False,
        reason=xml_safe(text),
    )


@settings(max_examples=150, deadline=None)
@given(st.text())
def test_any_text_stays_text(text: str) -> None:
    markup = markup_render(
        "notices/pdf/kyakka.xml",
        {"n": content(text), "issued": "x", "submitted": "y", "amounts": [], "levels": []},
    )
    root = ET.fromstring(markup)  # noqa: S314  # our own template under test
    rows = {
        "".join(row.find("th").itertext()): "".join(row.find("td").itertext())  # type: ignore[union-attr]
        for row in root.iter("row")
    }
    assert rows["却下の理由"] == (xml_safe(text) or "—")
    name = root.find("addressee/r")
    assert name is not None
    assert "".join(name.itertext()) == xml_safe(text)
    # An attribute's line breaks and tabs read as spaces (XML attribute normalisation).
    assert name.get("rt") == xml_safe(text).replace("\n", " ").replace("\t", " ")
