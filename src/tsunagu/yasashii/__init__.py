"""やさしい日本語 (easy Japanese) engine: analysis and furigana. Pure Python, no Django.

>>> from tsunagu.yasashii import analyze, ruby
>>> analyze("駅へ行きます。").sentences[0].length
7
"""

from tsunagu.yasashii.analysis import Finding, Report, SentenceReport, analyze, band
from tsunagu.yasashii.ruby import ruby

__all__ = ["Finding", "Report", "SentenceReport", "analyze", "band", "ruby"]
