"""Bytes of an export: CSV in UTF-8 with BOM or in Shift_JIS (CP932), JSON, ZIP.

CP932 cannot hold every character residents type (𠮷 and other JIS X 0213 characters,
emoji). Nothing is replaced silently: ``cp932_problems`` names each such character per
row, and the service either holds that row back or, when staff ask for it, writes 〓
(geta, the customary mark for a character to be fixed in the core system) and records it.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# The one JIS character whose Unicode mapping differs in CP932 and which Python's codec
# does not map itself: EM DASH (JIS X 0208 1-1-29) is HORIZONTAL BAR in CP932.
CP932_EQUIVALENTS = str.maketrans({"\u2014": "\u2015"})
GETA = "〓"
CRLF = "\r\n"
_NEWLINES = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class EncodingProblem:
    receipt_number: str
    column: str
    char: str

    @property
    def codepoint(self) -> str:
        return f"U+{ord(self.char):04X}"

    def as_dict(self, action: str) -> dict[str, str]:
        return {
            "receipt_number": self.receipt_number,
            "column": self.column,
            "char": self.char,
            "codepoint": self.codepoint,
            "action": action,
        }


def prepare_text(value: str, encoding: str) -> str:
    """A cell as written: line breaks as CRLF; for CP932 the JIS-equivalent characters."""
    value = _NEWLINES.sub(CRLF, value)
    return value.translate(CP932_EQUIVALENTS) if encoding == "cp932" else value


def unencodable(text: str, encoding: str = "cp932") -> list[str]:
    """The characters of ``text`` that ``encoding`` cannot hold, each once, in order.

    >>> unencodable("𠮷野家と㈱ひたちなか")
    ['𠮷']
    """
    out: list[str] = []
    for ch in text:
        if ch in out:
            continue
        try:
            ch.encode(encoding)
        except UnicodeEncodeError:
            out.append(ch)
    return out


def cp932_problems(
    receipt_number: str, cells: Mapping[str, str], columns: Sequence[str]
) -> list[EncodingProblem]:
    """Every character of one row's exported cells that CP932 cannot hold."""
    problems: list[EncodingProblem] = []
    for col in columns:
        text = prepare_text(cells.get(col, ""), "cp932")
        for ch in unencodable(text):
            problems.append(EncodingProblem(receipt_number, col, ch))
    return problems


def substitute(text: str, encoding: str) -> str:
    """``text`` with each character ``encoding`` cannot hold replaced by 〓."""
    bad = set(unencodable(text, encoding))
    return "".join(GETA if ch in bad else ch for ch in text) if bad else text


def csv_bytes(columns: Sequence[str], rows: Iterable[Mapping[str, str]], encoding: str) -> bytes:
    """A CSV file: header of column keys, CRLF line endings, quotes only where needed.

    The rows must already be encodable (see ``cp932_problems``); an unencodable character
    left here raises ``UnicodeEncodeError`` rather than being replaced.
    """
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator=CRLF, quoting=csv.QUOTE_MINIMAL)
    writer.writerow([prepare_text(c, encoding) for c in columns])
    for cells in rows:
        writer.writerow([prepare_text(cells.get(c, ""), encoding) for c in columns])
    return buf.getvalue().encode(encoding, errors="strict")


def json_bytes(document: Mapping[str, Any]) -> bytes:
    """JSON in UTF-8 (RFC 8259), not ASCII-escaped, keys in the documented order."""
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")


def zip_bytes(entries: Sequence[tuple[str, bytes]]) -> bytes:
    """A ZIP of ``entries`` plus ``SHA256SUMS`` (``sha256sum -c`` format) listing them.

    Entry names are UTF-8 (the ZIP's language-encoding flag is set for non-ASCII names).
    """
    buf = io.BytesIO()
    sums = "".join(f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in entries)
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries:
            zf.writestr(name, data)
        zf.writestr("SHA256SUMS", sums.encode("ascii"))
    return buf.getvalue()
