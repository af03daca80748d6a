"""Sentences of the procedure catalog's guide texts, for the reference tools run by hand
(``record_jreadability.py``, ``crosscheck_furigana.py``): text the engine's scorer and
readings were never tuned on."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[3]
_SENTENCE = re.compile(r"[^。\n]{8,80}。")


def _strings(node: object) -> Iterator[str]:
    if isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)
    elif isinstance(node, str):
        yield node


def catalog_sentences(keep: Callable[[str], bool]) -> list[str]:
    """Every distinct sentence (8 to 80 characters, ending in 。) of the catalog's YAML
    strings for which ``keep`` is true, sorted."""
    found: set[str] = set()
    for path in sorted((ROOT / "src/tsunagu/procedures/catalog").glob("*.yaml")):
        for text in _strings(yaml.safe_load(path.read_text("utf-8"))):
            found.update(s.strip() for s in _SENTENCE.findall(text) if keep(s))
    return sorted(found)
