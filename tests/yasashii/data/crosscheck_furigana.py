"""Cross-check ``ruby()``'s readings against UniDic on text it was never tuned on (by hand).

The labelled list (``readings.yaml``) was also used to find and fix reading errors, so
it overstates accuracy on new text. This script reads every sentence with kanji (and no
Latin letters or digits) of the procedure catalog's guide texts, spells each sentence in
kana twice, once from ``ruby()`` and once from UniDic's readings (MeCab with
``unidic-lite``), and prints the spans where the two differ, for a person to judge: a
difference is an error of either side, or a reading ``ruby()`` leaves out because the
text gives it in brackets (同意（どうい）). Needs the reference environment of
``record_jreadability.py``::

    PYTHONPATH=/tmp/jr/lib/python3.12/site-packages .venv/bin/python \\
        tests/yasashii/data/crosscheck_furigana.py
"""

from __future__ import annotations

import difflib
import html
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "src"))

from catalog_text import catalog_sentences  # noqa: E402
from fugashi import Tagger  # type: ignore[import-not-found]  # noqa: E402

from tsunagu.yasashii import ruby  # noqa: E402

_HIRAGANA = str.maketrans({chr(k): chr(k - 0x60) for k in range(ord("ァ"), ord("ヶ") + 1)})
_SEGMENT = re.compile(r"<ruby>(.*?)<rt>(.*?)</rt></ruby>|([^<]+)", re.S)
_KANJI = re.compile("[一-龥々]")


def sentences() -> list[str]:
    return catalog_sentences(
        lambda s: bool(_KANJI.search(s)) and not re.search("[a-zA-Z0-9０-９]", s)
    )


def ours(text: str) -> str:
    parts = []
    for m in _SEGMENT.finditer(ruby(text)):
        if m.group(3) is None:
            parts.append(html.unescape(m.group(2)))
        else:
            parts.append(html.unescape(m.group(3)).translate(_HIRAGANA))
    return "".join(parts).replace(" ", "")


def unidic(text: str, tagger: Tagger) -> str:
    parts = []
    for w in tagger(text):
        kana = w.feature.kana if _KANJI.search(w.surface) else None
        parts.append((kana or w.surface).translate(_HIRAGANA))
    return "".join(parts).replace(" ", "")


def main() -> None:
    tagger = Tagger()
    texts = sentences()
    same, kanji = 0, 0
    spans: Counter[tuple[str, str]] = Counter()
    example: dict[tuple[str, str], str] = {}
    for text in texts:
        kanji += len(_KANJI.findall(text))
        a, b = ours(text), unidic(text, tagger)
        if a == b:
            same += 1
            continue
        matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
        for op, i1, i2, j1, j2 in matcher.get_opcodes():
            if op != "equal":
                key = (a[max(0, i1 - 2) : i2 + 2], b[max(0, j1 - 2) : j2 + 2])
                spans[key] += 1
                example[key] = text
    print(f"{len(texts)} sentences, {kanji} kanji: the same kana spelling in {same}")
    print(f"{sum(spans.values())} differing spans (ruby() | UniDic):")
    for (a, b), n in spans.most_common():
        print(f"  {n:>3}  {a} | {b}    {example[(a, b)][:50]}")


if __name__ == "__main__":
    main()
