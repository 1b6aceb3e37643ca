"""SERVQUAL / RATER: service-quality gaps between what customers expect and perceive.

Each of 22 items is answered twice on a 1–7 scale, expectation (E) and
perception (P). Negatively worded items (``reversed``) are scored ``8 − answer``
before anything else. Then (see ``docs/reference/servqual.md``):

* item gap = P − E (negative = shortfall);
* a respondent's dimension gap = the mean of their item gaps in that dimension;
* the dimension gap = the mean of respondents' dimension gaps, with a t interval
  (mean ± t·sd/√n over respondents, who are the independent units);
* unweighted SERVQUAL score = mean of the five dimension gaps (per respondent,
  then averaged); weighted score = Σ dimension gap × points ÷ 100 with each
  respondent's own 100-point importance split.

Items map to dimensions through the data's ``dimension`` column, or else the
standard 1988 mapping (:data:`ITEM_DIMENSIONS`: Tangibles 1–4, Reliability 5–9,
Responsiveness 10–13, Assurance 14–17, Empathy 18–22), or a mapping passed as
``dimensions=``.

* :mod:`~cslib.analyses.servqual.answers` — the answers scored
  (:func:`scored`) and each respondent's gaps (:func:`respondent_gaps`);
* :mod:`~cslib.analyses.servqual.scores` — :func:`gaps` per dimension,
  :func:`item_gaps` and the overall :func:`score`;
* :mod:`~cslib.analyses.servqual.grid` — the :func:`importance_performance` grid;
* :mod:`~cslib.analyses.servqual.waves` — the :func:`change` between two waves.

Examples
--------
>>> import pandas as pd
>>> r = pd.DataFrame({"respondent_id": ["a", "a", "b", "b"], "item": [5, 6, 5, 6],
...                   "expectation": [7, 6, 6, 6], "perception": [5, 6, 5, 4]})
>>> gaps(r)[["dimension", "n", "gap"]].values.tolist()
[['reliability', 2, -1.25]]
"""

from cslib.analyses.servqual.answers import ITEM_DIMENSIONS, RATER, respondent_gaps
from cslib.analyses.servqual.answers import REQUIRED as REQUIRED
from cslib.analyses.servqual.answers import scored as scored
from cslib.analyses.servqual.grid import QUADRANTS as QUADRANTS
from cslib.analyses.servqual.grid import importance_performance
from cslib.analyses.servqual.scores import gaps, item_gaps, score
from cslib.analyses.servqual.waves import change

__all__ = [
    "RATER",
    "ITEM_DIMENSIONS",
    "change",
    "gaps",
    "importance_performance",
    "item_gaps",
    "respondent_gaps",
    "score",
]
