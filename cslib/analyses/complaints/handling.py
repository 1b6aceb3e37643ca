"""How complaints are handled: time to acknowledge and to resolve against the SLA, and outcomes.

Defaults follow UK practice (FCA DISP / ISO 10002 style): acknowledge promptly
(here within 24 hours) and send a final response within 8 weeks (56 days); both
are parameters.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from cslib._args import check_frame, positive

__all__ = ["handling_times", "outcomes"]


def handling_times(
    complaints: pd.DataFrame,
    *,
    acknowledge_hours: float = 24,
    resolve_days: float = 56,
    by: str | Sequence[str] | None = None,
    as_of: object = None,
) -> pd.DataFrame:
    """Time to acknowledge and to resolve against the complaint SLA.

    An open complaint already older than its target counts as missed; one
    still within its target is left out of the share (it may still make it).

    Parameters
    ----------
    complaints : pandas.DataFrame
        With ``received_at``, ``acknowledged_at``, ``resolved_at``.
    acknowledge_hours : float
        Acknowledgement target (default 24 hours).
    resolve_days : float
        Final-response target (default 56 days = 8 weeks).
    by : str or list of str, optional
        Group columns (``"team"``, ``"severity"``…).
    as_of : timestamp, optional
        When the data was extracted (default: the latest timestamp in it).

    Returns
    -------
    pandas.DataFrame
        One row per group (or one row ``"all"``): ``complaints``,
        ``acknowledge_hours_median``, ``acknowledge_hours_p90``,
        ``acknowledged_in_time`` (share), ``acknowledge_n``,
        ``resolve_days_median``, ``resolve_days_p90``, ``resolved_in_time``
        (share), ``resolve_n``, ``open``, ``open_overdue``.

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame({"received_at": pd.to_datetime(["2026-01-01", "2026-01-01"]),
    ...                   "acknowledged_at": pd.to_datetime(["2026-01-01 06:00", "2026-01-03 00:00"]),
    ...                   "resolved_at": pd.to_datetime(["2026-01-20", None])})
    >>> handling_times(c, as_of="2026-04-01")[["acknowledged_in_time", "resolved_in_time", "open_overdue"]].values.tolist()
    [[0.5, 0.5, 1.0]]
    """
    positive(acknowledge_hours, "acknowledge_hours")
    positive(resolve_days, "resolve_days")
    by_cols = [] if by is None else [by] if isinstance(by, str) else list(by)
    check_frame(
        complaints,
        ["received_at", "acknowledged_at", "resolved_at", *by_cols],
        where="handling_times",
    )
    f = complaints.copy()
    for c in ("received_at", "acknowledged_at", "resolved_at"):
        f[c] = pd.to_datetime(f[c])
    as_of = (
        pd.Timestamp(as_of)
        if as_of is not None
        else max(f[c].max() for c in ("received_at", "acknowledged_at", "resolved_at"))
    )
    ack_h = (f["acknowledged_at"] - f["received_at"]).dt.total_seconds() / 3600
    res_d = (f["resolved_at"] - f["received_at"]).dt.total_seconds() / 86400
    age_h = (as_of - f["received_at"]).dt.total_seconds() / 3600
    f["_ack_h"] = ack_h
    f["_res_d"] = res_d
    # in time: 1, missed: 0, undecided (open within target): NaN
    f["_ack_ok"] = np.where(
        ack_h.notna(),
        (ack_h <= acknowledge_hours).astype(float),
        np.where(age_h > acknowledge_hours, 0.0, np.nan),
    )
    f["_res_ok"] = np.where(
        res_d.notna(),
        (res_d <= resolve_days).astype(float),
        np.where(age_h / 24 > resolve_days, 0.0, np.nan),
    )
    f["_open"] = f["resolved_at"].isna()
    f["_overdue"] = f["_open"] & (age_h / 24 > resolve_days)

    def agg(g: pd.DataFrame) -> dict[str, object]:
        return {
            "complaints": len(g),
            "acknowledge_hours_median": g["_ack_h"].median(),
            "acknowledge_hours_p90": g["_ack_h"].quantile(0.9),
            "acknowledged_in_time": g["_ack_ok"].mean(),
            "acknowledge_n": int(g["_ack_ok"].notna().sum()),
            "resolve_days_median": g["_res_d"].median(),
            "resolve_days_p90": g["_res_d"].quantile(0.9),
            "resolved_in_time": g["_res_ok"].mean(),
            "resolve_n": int(g["_res_ok"].notna().sum()),
            "open": int(g["_open"].sum()),
            "open_overdue": int(g["_overdue"].sum()),
        }

    if by_cols:
        rows = [
            {**dict(zip(by_cols, k if isinstance(k, tuple) else (k,), strict=True)), **agg(g)}
            for k, g in f.groupby(by_cols, sort=True)
        ]
    else:
        rows = [{"group": "all", **agg(f)}]
    out = pd.DataFrame(rows)
    out.attrs.update(acknowledge_hours=acknowledge_hours, resolve_days=resolve_days)
    return out


def outcomes(
    complaints: pd.DataFrame, *, by: str | None = None, missing: str = "open"
) -> pd.DataFrame:
    """Outcomes of complaints (upheld, partly upheld, not upheld…) with compensation.

    Returns
    -------
    pandas.DataFrame
        One row per (group ×) outcome: ``outcome``, ``complaints``, ``share``
        (within the group), ``compensation_total``, ``compensation_mean``
        (when the column exists). Complaints without an outcome are ``missing``.

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame({"outcome": ["upheld", "upheld", None, "not upheld"], "compensation": [50.0, 0.0, None, 0.0]})
    >>> outcomes(c)[["outcome", "complaints", "compensation_total"]].values.tolist()
    [['upheld', 2, 50.0], ['not upheld', 1, 0.0], ['open', 1, 0.0]]
    """
    check_frame(complaints, ["outcome", by], where="outcomes")
    f = complaints.assign(
        outcome=complaints["outcome"].astype(object).where(complaints["outcome"].notna(), missing)
    )
    keys = [by, "outcome"] if by else ["outcome"]
    g = f.groupby(keys, sort=False)
    out = g.size().rename("complaints").reset_index()
    if "compensation" in f:
        comp = (
            g["compensation"].agg(compensation_total="sum", compensation_mean="mean").reset_index()
        )
        out = out.merge(comp, on=keys)
    out["share"] = out["complaints"] / (
        out.groupby(by)["complaints"].transform("sum") if by else out["complaints"].sum()
    )
    out["_open"] = out["outcome"] == missing
    out = out.sort_values(
        [*([by] if by else []), "_open", "complaints", "outcome"],
        ascending=[*([True] if by else []), True, False, True],
        kind="stable",
        ignore_index=True,
    )
    cols = [*keys, "complaints", "share"] + [
        c for c in ("compensation_total", "compensation_mean") if c in out
    ]
    return out[cols]
