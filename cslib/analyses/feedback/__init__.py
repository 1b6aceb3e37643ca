"""Qualitative feedback: comment themes from a keyword lexicon, their frequency and
sentiment before vs after, and representative verbatims safe to share.

* :mod:`~cslib.analyses.feedback.lexicon` — the lexicon and the themes of
  each comment (:func:`tag`);
* :mod:`~cslib.analyses.feedback.themes` — themes counted
  (:func:`theme_summary`) and compared before vs after (:func:`theme_change`);
* :mod:`~cslib.analyses.feedback.quotes` — representative comments
  (:func:`verbatims`).

Examples
--------
>>> import pandas as pd
>>> fb = pd.DataFrame({"feedback_id": ["f1", "f2"], "date": pd.to_datetime(["2026-03-01", "2026-07-01"]),
...                    "text": ["Kept on hold far too long.", "Kind and patient with me."], "score": [2, 5]})
>>> tag(fb)[["feedback_id", "theme", "dimension"]].values.tolist()
[['f1', 'speed of response', 'responsiveness'], ['f2', 'care and attitude', 'empathy']]
"""

from cslib.analyses.feedback.lexicon import DEFAULT_LEXICON, lexicon_table, tag
from cslib.analyses.feedback.quotes import Verbatims, verbatims
from cslib.analyses.feedback.themes import theme_change, theme_summary

__all__ = [
    "DEFAULT_LEXICON",
    "Verbatims",
    "lexicon_table",
    "tag",
    "theme_change",
    "theme_summary",
    "verbatims",
]
