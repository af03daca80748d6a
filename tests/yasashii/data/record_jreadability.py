"""Record reference jReadability scores for ``test_reference.py`` (run by hand, not in CI).

The reference is the MIT Python port ``jreadability`` 1.1.5, which since its pull request
#2 counts as jreadability.net does (particles as the fifth term, 非自立可能 verbs not
counted), over UniDic 2.1.2 (``unidic-lite`` 1.0.8, through MeCab/fugashi). It is not a
dependency of Tsunagu: install it in a scratch environment of the same Python and run::

    python -m venv /tmp/jr && /tmp/jr/bin/pip install jreadability==1.1.5
    PYTHONPATH=/tmp/jr/lib/python3.12/site-packages .venv/bin/python \\
        tests/yasashii/data/record_jreadability.py

Two sets of sentences are recorded into ``jreadability_reference.yaml``:

* ``corpus``: each corpus sentence and its rewrite, as ``rewrite`` produced it when the
  file was recorded (the rewrite is stored, so the test stays valid when rules change);
* ``held_out``: 150 sentences drawn at random (seed 1) from the procedure catalog's
  guide texts, which the scorer was never adjusted on.
"""

from __future__ import annotations

import random
import re
import sys
from datetime import date
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "src"))

from catalog_text import catalog_sentences  # noqa: E402
from fugashi import Tagger  # type: ignore[import-not-found]  # noqa: E402
from jreadability import compute_readability  # type: ignore[import-not-found]  # noqa: E402

from tsunagu.yasashii import rewrite  # noqa: E402
from tsunagu.yasashii.quality import load_corpus  # noqa: E402

HERE = Path(__file__).resolve().parent


def sample() -> list[str]:
    return random.Random(1).sample(
        catalog_sentences(
            lambda s: bool(re.search("[ぁ-ん]", s)) and not re.search("[a-zA-Z]{3,}", s)
        ),
        150,
    )


def main() -> None:
    tagger = Tagger()

    def ref(text: str) -> float:
        return round(compute_readability(text, tagger), 3)

    corpus = []
    for entry in load_corpus(HERE / "corpus.yaml"):
        out = rewrite(entry.text, today=date(2026, 11, 25)).text
        corpus.append({"text": entry.text, "score": ref(entry.text)})
        corpus.append({"text": out, "score": ref(out)})
    held_out = [{"text": s, "score": ref(s)} for s in sample()]
    data = {
        "reference": "jreadability 1.1.5, unidic-lite 1.0.8 (UniDic 2.1.2), fugashi",
        "corpus": corpus,
        "held_out": held_out,
    }
    (HERE / "jreadability_reference.yaml").write_text(
        yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=200), "utf-8"
    )


if __name__ == "__main__":
    main()
