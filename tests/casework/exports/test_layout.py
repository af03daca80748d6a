"""The layout's pure parts: cells, ZIP paths, encodings (table-driven and properties)."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tsunagu.casework.exports.encode import csv_bytes, substitute, unencodable
from tsunagu.casework.exports.layout import cell, zip_path


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, "1"),
        (False, "0"),
        (None, ""),
        (12000, "12000"),
        (["a", "c"], "a;c"),
        ("常陸", "常陸"),
        ("", ""),
    ],
)
def test_cell(value: object, expected: str) -> None:
    assert cell(value) == expected


@pytest.mark.parametrize(
    ("receipt", "slot", "n", "name", "expected"),
    [
        ("HN-2026-000001-3", "bankbook", 1, "通帳.JPG", "files/HN-2026-000001-3/bankbook-1.jpg"),
        ("HN-2026-000001-3", "bankbook", 2, "no-extension", "files/HN-2026-000001-3/bankbook-2"),
        ("HN/../x", "a", 1, "../../etc/passwd.pdf", "files/HN_.._x/a-1.pdf"),
        ("HN-1", "a", 1, "evil.p/d\\f", "files/HN-1/a-1.pdf"),
    ],
)
def test_zip_path_never_leaves_its_folder(
    receipt: str, slot: str, n: int, name: str, expected: str
) -> None:
    assert zip_path(receipt, slot, n, name) == expected


@pytest.mark.parametrize(
    ("text", "bad"),
    [
        ("常陸花子", []),
        ("髙橋㈱①﨑", []),  # NEC / IBM extensions of CP932
        ("𠮷田", ["𠮷"]),
        ("😀と𠮷と😀", ["😀", "𠮷"]),
        ("ｶﾀｶﾅ～−", []),
    ],
)
def test_unencodable_in_cp932(text: str, bad: list[str]) -> None:
    assert unencodable(text) == bad
    assert not unencodable(substitute(text, "cp932"))


def test_em_dash_is_written_as_the_cp932_dash() -> None:
    data = csv_bytes(["a"], [{"a": "A—B"}], "cp932")
    assert data == "a\r\nA―B\r\n".encode("cp932")


@given(
    st.lists(
        st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=30),
        min_size=1,
        max_size=4,
    )
)
def test_utf8_csv_reads_back_the_same_cells(values: list[str]) -> None:
    columns = [f"c{i}" for i in range(len(values))]
    data = csv_bytes(columns, [dict(zip(columns, values, strict=True))], "utf-8-sig")
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    expected = [v.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\r\n") for v in values]
    assert rows == [columns, expected]
