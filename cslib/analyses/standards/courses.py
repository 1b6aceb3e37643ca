"""Standards and training: which criteria agents failed most before a course, and after it.

Each agent's first completion of the course comes from the training records
(:func:`cslib.analyses.training.training_dates`); the agent's evaluations are
split at that date. Only agents evaluated on both sides count, so the same
people stand behind the two shares. Criteria are ranked by how often they were
failed before. The change (after − before) is compared by
:func:`cslib.stats.impact.compare` with agents as clusters: an agent's checks
are not independent of each other. As with any before/after of one group,
other changes in the same weeks are not controlled.

Examples
--------
>>> import pandas as pd
>>> e = pd.DataFrame({"evaluation_id": ["1", "2", "3", "4"], "agent_id": ["a", "a", "b", "b"],
...                   "date": pd.to_datetime(["2026-03-01", "2026-05-01"] * 2), "criterion": "ownership",
...                   "met": [False, True, False, False]})
>>> t = pd.DataFrame({"agent_id": ["a", "b"], "course": "KB", "completed_at": pd.to_datetime(["2026-04-01"] * 2)})
>>> failed_around_course(e, t, course="KB")[["criterion", "agents", "failed_before", "failed_after"]].values.tolist()
[['ownership', 2, 1.0, 0.5]]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cslib._args import check_alpha, check_frame
from cslib.analyses.standards._common import Scorecard
from cslib.analyses.standards.scoring import scored
from cslib.analyses.training import training_dates
from cslib.errors import ParameterError
from cslib.stats.impact import compare

__all__ = ["failed_around_course"]

COLUMNS = [
    "criterion",
    "agents",
    "n_before",
    "failed_before",
    "n_after",
    "failed_after",
    "diff",
    "ci_low",
    "ci_high",
    "p_value",
]


def _around(evaluations: pd.DataFrame, dates: pd.Series) -> pd.DataFrame:
    """The evaluations of agents evaluated both before and after their course, with ``side``."""
    check_frame(evaluations, ["agent_id", "date"], where="failed_around_course")
    rows = evaluations.merge(dates.rename("_done"), left_on="agent_id", right_index=True)
    rows = rows.assign(
        side=np.where(pd.to_datetime(rows["date"]) < rows["_done"], "before", "after")
    )
    both = rows.groupby("agent_id")["side"].nunique()
    return rows[rows["agent_id"].isin(both.index[both == 2])].drop(columns="_done")


def failed_around_course(
    evaluations: pd.DataFrame,
    training: pd.DataFrame,
    *,
    course: str,
    scorecard: Scorecard = None,
    pass_mark: float = 1.0,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Per criterion, the share of checks failed by trained agents before and after their course.

    Parameters
    ----------
    evaluations : pandas.DataFrame
        The evaluations table with ``agent_id`` and ``date``.
    training : pandas.DataFrame
        The training records (``agent_id``, ``course``, ``completed_at``).
    course : str
        The course.
    scorecard, pass_mark
        As for :func:`~cslib.analyses.standards.scored`.
    alpha : float
        1 − confidence level of the intervals.

    Returns
    -------
    pandas.DataFrame
        One row per criterion, most failed before first: ``agents`` (evaluated on
        both sides), ``n_before``, ``failed_before``, ``n_after``,
        ``failed_after`` (shares of checks failed), ``diff`` (after − before),
        ``ci_low``, ``ci_high`` and ``p_value`` (agents as clusters; empty with
        fewer than two agents). No rows when no agent was evaluated on both sides.
    """
    alpha = check_alpha(alpha)
    rows = _around(evaluations, training_dates(training, course=course))
    if rows.empty:  # no agent evaluated on both sides of the course
        return pd.DataFrame(columns=COLUMNS)
    rows = scored(rows, scorecard=scorecard, pass_mark=pass_mark)
    out = []
    for criterion, part in rows.groupby("criterion", sort=True):
        failed = {s: part[part["side"] == s] for s in ("before", "after")}
        row = {"criterion": criterion, "agents": part["agent_id"].nunique()}
        for side, checks in failed.items():
            row |= {f"n_{side}": len(checks), f"failed_{side}": float((~checks["met"]).mean())}
        row["diff"] = row["failed_after"] - row["failed_before"]
        try:
            res = compare(
                *(1.0 - failed[s]["met"].astype(float).to_numpy() for s in ("before", "after")),
                kind="proportion",
                alpha=alpha,
                before_days=failed["before"]["agent_id"].to_numpy(),
                after_days=failed["after"]["agent_id"].to_numpy(),
            ).iloc[0]
            row |= {k: res[k] for k in ("ci_low", "ci_high", "p_value")}
        except ParameterError:  # fewer than two agents on a side
            pass
        out.append(row)
    frame = pd.DataFrame(out, columns=COLUMNS)
    return frame.sort_values("failed_before", ascending=False, kind="stable").reset_index(drop=True)
