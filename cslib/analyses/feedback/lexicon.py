"""Comment themes from a keyword lexicon: the lexicon as a table, and the themes of each comment.

A **lexicon** maps themes to RATER dimensions, root causes and keywords. The
default (:data:`DEFAULT_LEXICON`) suits a service desk; pass your own as a dict,
either in the same form ``{theme: {"dimension": …, "root_cause": …, "keywords":
[…]}}`` or flat ``{keyword: dimension}`` / ``{keyword: (dimension, root_cause)}``
(each dimension then is a theme). Keywords match whole words or phrases,
case-insensitively; a comment can carry several themes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import pandas as pd

from cslib._args import check_frame
from cslib.analyses.servqual import RATER
from cslib.errors import ParameterError, Problem

__all__ = ["DEFAULT_LEXICON", "lexicon_table", "tag"]

#: theme → RATER dimension, likely root cause and keywords (whole words or phrases)
DEFAULT_LEXICON: dict[str, dict[str, object]] = {
    "fixed first time": {
        "dimension": "reliability",
        "root_cause": "process",
        "keywords": (
            "first time",
            "fixed",
            "sorted",
            "stayed fixed",
            "came back",
            "came straight back",
            "chase",
            "call back",
            "different answer",
            "again",
            "still not",
            "right answer",
            "the answer was right",
        ),
    },
    "speed of response": {
        "dimension": "responsiveness",
        "root_cause": "capacity",
        "keywords": (
            "wait",
            "waited",
            "waiting",
            "on hold",
            "hold",
            "quick",
            "fast",
            "minutes",
            "days",
            "turnaround",
            "reply",
            "got back",
            "slow",
            "promised",
            "queue",
            "answered within",
        ),
    },
    "knowledge and confidence": {
        "dimension": "assurance",
        "root_cause": "people",
        "keywords": (
            "knew",
            "unsure",
            "confident",
            "advice",
            "explain",
            "explained",
            "explanation",
            "safe hands",
            "keep asking",
            "convinced",
            "what would happen next",
        ),
    },
    "care and attitude": {
        "dimension": "empathy",
        "root_cause": "people",
        "keywords": (
            "listened",
            "kind",
            "patient",
            "rude",
            "dismissive",
            "care",
            "cared",
            "just a number",
            "understood",
            "inconvenience",
            "polite",
            "friendly",
        ),
    },
    "tools and channels": {
        "dimension": "tangibles",
        "root_cause": "system",
        "keywords": (
            "app",
            "website",
            "web site",
            "chat",
            "form",
            "emails",
            "e-mails",
            "contact details",
            "crashed",
            "portal",
            "online",
            "letter",
        ),
    },
}


def lexicon_table(lexicon: Mapping | None = None) -> pd.DataFrame:
    """The lexicon as a table: one row per theme × keyword.

    Parameters
    ----------
    lexicon : mapping, optional
        ``{theme: {"dimension", "root_cause", "keywords"}}`` or flat
        ``{keyword: dimension}`` / ``{keyword: (dimension, root_cause)}``.
        Default :data:`DEFAULT_LEXICON`.

    Returns
    -------
    pandas.DataFrame
        ``theme``, ``dimension``, ``root_cause``, ``keyword``.
    """
    lexicon = DEFAULT_LEXICON if lexicon is None else lexicon
    if not isinstance(lexicon, Mapping) or not lexicon:
        raise ParameterError(
            Problem(
                "the lexicon must be a non-empty mapping",
                column="lexicon",
                values=(type(lexicon).__name__,),
                fix="pass {theme: {'dimension': 'reliability', 'root_cause': 'process', 'keywords': [...]}} or {keyword: dimension}",
            )
        )
    rows = []
    for key, spec in lexicon.items():
        if isinstance(spec, Mapping):
            words = spec.get("keywords")
            if isinstance(words, str) or not words:
                raise ParameterError(
                    Problem(
                        f"theme '{key}' needs a list of keywords",
                        column="lexicon",
                        values=(key,),
                        fix="give 'keywords': ['word', 'a phrase', ...]",
                    )
                )
            dim, cause = spec.get("dimension"), spec.get("root_cause")
            rows += [(str(key), dim, cause, str(w).lower()) for w in words]
        elif isinstance(spec, str):
            rows.append((spec.lower(), spec, None, str(key).lower()))
        elif isinstance(spec, tuple | list) and len(spec) == 2:
            rows.append((str(spec[0]).lower(), spec[0], spec[1], str(key).lower()))
        else:
            raise ParameterError(
                Problem(
                    f"cannot read the lexicon entry '{key}'",
                    column="lexicon",
                    values=(spec,),
                    fix="map a keyword to a dimension, or a theme to {'dimension', 'root_cause', 'keywords'}",
                )
            )
    out = pd.DataFrame(rows, columns=["theme", "dimension", "root_cause", "keyword"])
    dims = out["dimension"].dropna().astype(str).str.lower()
    bad = sorted(set(dims) - set(RATER))
    if bad:
        raise ParameterError(
            Problem(
                "unknown RATER dimension in the lexicon",
                column="lexicon",
                values=tuple(bad),
                fix=f"use one of {', '.join(RATER)}",
            )
        )
    out["dimension"] = out["dimension"].map(lambda d: d.lower() if isinstance(d, str) else d)
    return out


def _patterns(lex: pd.DataFrame) -> dict[str, re.Pattern]:
    out = {}
    for theme, g in lex.groupby("theme", sort=False):
        words = sorted(set(g["keyword"]), key=len, reverse=True)
        out[theme] = re.compile(
            r"(?<!\w)(?:" + "|".join(re.escape(w) for w in words) + r")(?!\w)", re.IGNORECASE
        )
    return out


def tag(
    feedback: pd.DataFrame, *, lexicon: Mapping | None = None, text: str = "text"
) -> pd.DataFrame:
    """Themes found in each comment (long format: one row per comment × theme).

    Returns
    -------
    pandas.DataFrame
        ``feedback_id``, ``theme``, ``dimension``, ``root_cause``, ``keyword``
        (the first match), then the other feedback columns (``date``,
        ``score``…). Comments without a theme are left out.
    """
    check_frame(feedback, ["feedback_id", text], where="feedback.tag")
    lex = lexicon_table(lexicon)
    meta = lex.drop_duplicates("theme").set_index("theme")
    texts = feedback[text].astype(object).fillna("").astype(str).to_numpy()
    rows = []
    for theme, pat in _patterns(lex).items():
        dimension, root_cause = meta.loc[theme, "dimension"], meta.loc[theme, "root_cause"]
        for i, s in enumerate(texts):
            m = pat.search(s)
            if m:
                rows.append((i, theme, dimension, root_cause, m.group(0).lower()))
    tags = pd.DataFrame(
        rows, columns=["_i", "theme", "dimension", "root_cause", "keyword"]
    ).sort_values(["_i", "theme"], kind="stable")
    base = feedback.reset_index(drop=True)
    out = tags.join(base, on="_i").drop(columns="_i").reset_index(drop=True)
    first = ["feedback_id", "theme", "dimension", "root_cause", "keyword"]
    return out[first + [c for c in out.columns if c not in first]]
