"""やさしい日本語 (easy Japanese) engine: analysis, rewriting and furigana. Pure Python, no
Django.

>>> from tsunagu.yasashii import analyze, ruby
>>> analyze("駅へ行きます。").sentences[0].length
7
"""

from tsunagu.yasashii.analysis import Finding, Report, SentenceReport, analyze, band
from tsunagu.yasashii.lexicon import USER_DICT_ENV, use_user_dictionary
from tsunagu.yasashii.rewrite import Rewriter, RewriteResult, RewriterRegistry, rewrite
from tsunagu.yasashii.ruby import ruby

__all__ = [
    "USER_DICT_ENV",
    "Finding",
    "Report",
    "RewriteResult",
    "Rewriter",
    "RewriterRegistry",
    "SentenceReport",
    "analyze",
    "band",
    "rewrite",
    "ruby",
    "use_user_dictionary",
]
