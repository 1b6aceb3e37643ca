"""Compliance with the service standards: the share of criterion checks met, per group.

Each criterion row of an evaluation is one check. Compliance is checks met ÷
checks, with a Wilson score interval (accurate near 0 % and 100 %, where
standards usually sit). Grouped by ``criterion`` each evaluation gives one
check per group, so the checks are independent as the interval assumes;
grouped by team, agent, channel, source or dimension an evaluation gives
several checks that tend to pass or fail together, so read those intervals as
a little optimistic (``n_evaluations`` shows how many evaluations stand behind
them).

Examples
--------
>>> import pandas as pd
>>> e = pd.DataFrame({"evaluation_id": ["e1", "e2", "e3", "e4"], "criterion": "greeting",
...                   "met": [True, True, True, False]})
>>> compliance(e)[["criterion", "n", "met", "compliance"]].values.tolist()
[['greeting', 4, 3, 0.75]]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from cslib._args import check_alpha
from cslib.analyses.standards._common import Scorecard, group_columns, wilson
from cslib.analyses.standards.scoring import scored

__all__ = ["compliance"]


def compliance(
    evaluations: pd.DataFrame,
    *,
    by: str | Sequence[str] | None = "criterion",
    scorecard: Scorecard = None,
    pass_mark: float = 1.0,
    target: float | None = None,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Share of criterion checks met per group, with Wilson intervals.

    Parameters
    ----------
    evaluations : pandas.DataFrame
        The evaluations table (see :func:`~cslib.analyses.standards.scored`).
    by : str or list of str, optional
        ``criterion`` (default), ``dimension``, ``team``, ``agent_id``,
        ``channel``, ``source``…, several at once, or none for one overall row.
        Rows without a value for ``by`` are left out.
    scorecard, pass_mark
        As for :func:`~cslib.analyses.standards.scored`; the scorecard supplies
        ``dimension`` and ``standard`` where the data does not.
    target : float, optional
        Compliance target (e.g. 0.9): adds ``against_target``, "meets" when the
        whole interval is at or above it, "below" when it is wholly below, and
        "not yet clear" otherwise.
    alpha : float
        1 − confidence level of the intervals.

    Returns
    -------
    pandas.DataFrame
        The ``by`` columns, ``standard`` (when grouped by criterion and known),
        ``n`` (checks), ``n_evaluations``, ``met``, ``compliance``, ``ci_low``,
        ``ci_high`` and ``against_target`` when a target is given.

    Examples
    --------
    >>> import pandas as pd
    >>> e = pd.DataFrame({"evaluation_id": ["e1", "e1", "e2", "e2"], "team": ["A", "A", "B", "B"],
    ...                   "criterion": ["greeting", "id_check"] * 2, "met": [True, False, True, True]})
    >>> compliance(e, by="team", target=0.5)[["team", "compliance", "against_target"]].values.tolist()
    [['A', 0.5, 'not yet clear'], ['B', 1.0, 'not yet clear']]
    """
    alpha = check_alpha(alpha)
    rows = scored(evaluations, scorecard=scorecard, pass_mark=pass_mark)
    columns = group_columns(by, rows, where="compliance")
    named = (
        {"standard": ("standard", "first")} if "criterion" in columns and "standard" in rows else {}
    )
    aggregations = {
        **named,
        "n": ("met", "size"),
        "n_evaluations": ("evaluation_id", "nunique"),
        "met": ("met", "sum"),
    }
    if columns:
        out = rows.groupby(columns, sort=True).agg(**aggregations).reset_index()
    else:
        out = rows.assign(_all=0).groupby("_all").agg(**aggregations).reset_index(drop=True)
    out["met"] = out["met"].astype(int)
    out["compliance"] = out["met"] / out["n"]
    low, high = wilson(out["met"].to_numpy(), out["n"].to_numpy(), alpha)
    out["ci_low"], out["ci_high"] = np.asarray(low, float), np.asarray(high, float)
    if target is not None:
        out["against_target"] = np.select(
            [out["ci_low"] >= target, out["ci_high"] < target],
            ["meets", "below"],
            "not yet clear",
        )
    return out
