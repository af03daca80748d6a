"""Rewrite the text of an HTML fragment without touching its markup.

``map_text(markup, transform)`` copies start tags (with their attributes) byte for byte,
and replaces each text node by ``transform(text)``, where ``text`` is the node's
characters (entities decoded) and the result must be HTML (escaped). Text that must not
change is copied back escaped: the contents of ``SKIP_ELEMENTS`` (code, form values, raw
text, existing ruby) and of any element marked ``translate="no"``, ``data-furigana="off"``
or with a ``lang`` other than Japanese. The furigana switch and the automatic easy
Japanese of ``{% yasashii_block %}`` both use it.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from html.parser import HTMLParser

SKIP_ELEMENTS = frozenset(
    {
        "script",
        "style",
        "textarea",
        "code",
        "pre",
        "kbd",
        "samp",
        "var",
        "option",
        "optgroup",
        "select",
        "ruby",
        "rt",
        "rp",
        "title",
        "svg",
        "math",
        "template",
    }
)
VOID_ELEMENTS = frozenset(
    {
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "source",
        "track",
        "wbr",
    }
)


def _skips(tag: str, attrs: list[tuple[str, str | None]]) -> bool:
    if tag in SKIP_ELEMENTS:
        return True
    for name, raw in attrs:
        value = (raw or "").strip().lower()
        if name == "translate" and value == "no":
            return True
        if name == "data-furigana" and value == "off":
            return True
        if name == "lang" and value and not value.startswith("ja"):
            return True
    return False


class _TextMapper(HTMLParser):
    """Copies HTML through, replacing each eligible text node by ``transform(text)``."""

    def __init__(self, transform: Callable[[str], str]) -> None:
        super().__init__(convert_charrefs=True)
        self.transform = transform
        self.out: list[str] = []
        # The element being skipped and how deep the same tag is nested inside it. An
        # element that marks its content must have an end tag (a span, a div, a p with
        # its </p>); the parser does not infer omitted end tags.
        self._skip_tag: str | None = None
        self._skip_depth = 0

    def _start(self, tag: str, attrs: list[tuple[str, str | None]], closed: bool) -> None:
        self.out.append(self.get_starttag_text() or "")
        if closed or tag in VOID_ELEMENTS:
            return
        if self._skip_tag is not None:
            if tag == self._skip_tag:
                self._skip_depth += 1
        elif _skips(tag, attrs):
            self._skip_tag, self._skip_depth = tag, 1

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._start(tag, attrs, closed=False)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._start(tag, attrs, closed=True)

    def handle_endtag(self, tag: str) -> None:
        self.out.append(f"</{tag}>")
        if tag == self._skip_tag:
            self._skip_depth -= 1
            if self._skip_depth == 0:
                self._skip_tag = None

    def handle_data(self, data: str) -> None:
        if self.cdata_elem in self.CDATA_CONTENT_ELEMENTS:
            # Raw text (script, style): the parser did not decode it, so it goes back as is.
            self.out.append(data)
        elif self._skip_tag is not None:
            self.out.append(html.escape(data, quote=False))
        else:
            self.out.append(self.transform(data))

    def handle_comment(self, data: str) -> None:
        self.out.append(f"<!--{data}-->")

    def handle_decl(self, decl: str) -> None:
        self.out.append(f"<!{decl}>")

    def unknown_decl(self, data: str) -> None:
        self.out.append(f"<![{data}]>")

    def handle_pi(self, data: str) -> None:
        self.out.append(f"<?{data}>")


def map_text(markup: str, transform: Callable[[str], str]) -> str:
    """``markup`` with every eligible text node replaced by ``transform(text)`` (HTML).

    >>> map_text('<p title="a">a &amp; b</p><code>a</code>', lambda t: t.upper())
    '<p title="a">A & B</p><code>a</code>'

    (``transform`` must escape what it returns; this one does not, to show that the text
    it gets is decoded.)
    """
    parser = _TextMapper(transform)
    parser.feed(markup)
    parser.close()
    return "".join(parser.out)
