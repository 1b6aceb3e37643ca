"""What the complaints are about, and whether they come back: the Pareto of causes and recurrence.

Examples
--------
>>> import pandas as pd
>>> c = pd.DataFrame({"complaint_id": list("abcde"), "category": ["delay", "delay", "delay", "fee", "tone"]})
>>> pareto(c)[["category", "count", "cumulative_share", "vital_few"]].values.tolist()
[['delay', 3, 0.6, True], ['fee', 1, 0.8, True], ['tone', 1, 1.0, False]]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cslib._args import check_frame, frame_html, positive, share
from cslib.errors import ParameterError, Problem

__all__ = ["Recurrence", "pareto", "recurrence"]


def pareto(
    complaints: pd.DataFrame,
    *,
    by: str = "category",
    weight: str | None = None,
    threshold: float = 0.8,
    missing: str = "(not recorded)",
) -> pd.DataFrame:
    """Pareto table: categories (or root causes) by frequency with the cumulative share.

    Rows are sorted by count (or ``weight`` total) descending, ties by name.
    ``vital_few`` marks the categories needed to reach ``threshold`` of the
    total: every row whose cumulative share *before* it is under the threshold.

    Parameters
    ----------
    complaints : pandas.DataFrame
        One row per complaint; not modified.
    by : str
        The column to rank: ``"category"`` or ``"root_cause"`` (any column works).
    weight : str, optional
        Sum this column instead of counting rows (e.g. ``"compensation"``).
    threshold : float
        The Pareto line, 0.8 for 80 %.
    missing : str
        Label of rows without a value.

    Returns
    -------
    pandas.DataFrame
        One row per value: ``<by>``, ``count`` (or the weight total),
        ``share``, ``cumulative_share``, ``rank``, ``vital_few``.

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame({"root_cause": ["people", "process", "process", None]})
    >>> pareto(c, by="root_cause")["root_cause"].tolist()
    ['process', '(not recorded)', 'people']
    """
    threshold = share(threshold, "threshold")
    check_frame(complaints, [by, weight], where="pareto")
    keys = complaints[by].astype(object).where(complaints[by].notna(), missing)
    if weight is None:
        counts = keys.value_counts()
    else:
        counts = pd.to_numeric(complaints[weight], errors="coerce").fillna(0).groupby(keys).sum()
    total = float(counts.sum())
    if total <= 0:
        raise ParameterError(
            Problem(
                "nothing to rank: the total is zero",
                column=weight or by,
                fix="check the filter or the weight column",
            )
        )
    out = pd.DataFrame({by: counts.index.astype(object), "count": counts.to_numpy()})
    out = out.sort_values(["count", by], ascending=[False, True], ignore_index=True)
    out["share"] = out["count"] / total
    out["cumulative_share"] = out["share"].cumsum()
    out["rank"] = np.arange(1, len(out) + 1)
    before = out["cumulative_share"] - out["share"]
    out["vital_few"] = before < threshold - 1e-12
    return out


# ------------------------------------------------------------------------ recurrence


@dataclass(frozen=True)
class Recurrence:
    """Result of :func:`recurrence`.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per root cause (then ``"all"``): ``root_cause``, ``complaints``,
        ``repeat_customer`` (complaints whose customer complained before within
        the window), ``repeat_customer_rate``, ``repeat_same_cause`` (same
        customer, same root cause), ``repeat_same_cause_rate``,
        ``cause_recurred`` (another complaint of this root cause within the
        window before), ``cause_recurred_rate``, ``median_days_between``.
    flags : pandas.DataFrame
        One row per complaint: ``complaint_id``, ``customer_id``, ``root_cause``,
        ``received_at``, ``days_since_customer``, ``days_since_cause``,
        ``repeat_customer``, ``repeat_same_cause``, ``cause_recurred``.
    days : float
    """

    table: pd.DataFrame
    flags: pd.DataFrame
    days: float

    def summary(self) -> pd.DataFrame:
        return self.table

    def _repr_html_(self) -> str:
        return frame_html(f"Complaint recurrence within {self.days:g} days", [("", self.table)])


def recurrence(
    complaints: pd.DataFrame, *, days: float = 30, cause: str = "root_cause"
) -> Recurrence:
    """Do complaints come back? Same customer, or same root cause, again within ``days``.

    Parameters
    ----------
    complaints : pandas.DataFrame
        With ``complaint_id``, ``received_at``, ``customer_id`` and the cause column.
    days : float
        The window.
    cause : str
        The column of the root cause (``"category"`` works too).

    Returns
    -------
    Recurrence
        ``.table`` per root cause with an ``"all"`` row and ``.flags`` per complaint.

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame({"complaint_id": ["k1", "k2", "k3"], "customer_id": ["c1", "c1", "c2"],
    ...                   "received_at": pd.to_datetime(["2026-01-01", "2026-01-11", "2026-03-01"]),
    ...                   "root_cause": ["process", "process", "process"]})
    >>> recurrence(c, days=30).flags["repeat_customer"].tolist()
    [False, True, False]
    """
    days = positive(days, "days")
    check_frame(
        complaints, ["complaint_id", "received_at", "customer_id", cause], where="recurrence"
    )
    f = complaints[["complaint_id", "customer_id", cause, "received_at"]].copy()
    f["received_at"] = pd.to_datetime(f["received_at"])
    f = f.sort_values(["received_at", "complaint_id"], ignore_index=True)
    day = pd.Timedelta(days=1)
    f["days_since_customer"] = f.groupby("customer_id", dropna=True)["received_at"].diff() / day
    f["days_since_customer_cause"] = (
        f.groupby(["customer_id", cause], dropna=True)["received_at"].diff() / day
    )
    f["days_since_cause"] = f.groupby(cause, dropna=True)["received_at"].diff() / day
    f["repeat_customer"] = (f["days_since_customer"] <= days).fillna(False).astype(bool)
    f["repeat_same_cause"] = (f["days_since_customer_cause"] <= days).fillna(False).astype(bool)
    f["cause_recurred"] = (f["days_since_cause"] <= days).fillna(False).astype(bool)
    f = f.drop(columns="days_since_customer_cause")

    def agg(g: pd.DataFrame) -> dict[str, object]:
        n = len(g)
        return {
            "complaints": n,
            "repeat_customer": int(g["repeat_customer"].sum()),
            "repeat_customer_rate": g["repeat_customer"].mean(),
            "repeat_same_cause": int(g["repeat_same_cause"].sum()),
            "repeat_same_cause_rate": g["repeat_same_cause"].mean(),
            "cause_recurred": int(g["cause_recurred"].sum()),
            "cause_recurred_rate": g["cause_recurred"].mean(),
            "median_days_between": float(g["days_since_cause"].median()),
        }

    rows = [{cause: k, **agg(g)} for k, g in f.groupby(cause, sort=True)]
    table = pd.DataFrame(rows).sort_values("complaints", ascending=False, ignore_index=True)
    total = agg(f)
    total["median_days_between"] = float(f["days_since_customer"].median())
    table = pd.concat([table, pd.DataFrame([{cause: "all", **total}])], ignore_index=True)
    return Recurrence(table=table, flags=f, days=days)
