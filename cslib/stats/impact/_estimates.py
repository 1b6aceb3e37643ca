"""The effect behind a verdict, by difference-in-differences, interrupted time series or two periods.

Each estimate is packed the same way (:func:`_pack`): the effect and its interval,
the level before and after, the relative change and the underlying result.
"""

from __future__ import annotations

from typing import Any, NotRequired, TypedDict

import numpy as np
import pandas as pd

from cslib._args import numeric_column
from cslib.errors import ParameterError, Problem
from cslib.stats.impact._treated import _never_treated
from cslib.stats.impact.compare import compare
from cslib.stats.impact.did import did
from cslib.stats.impact.its import its


class Estimate(TypedDict):
    """An effect with its interval, the levels before and after, and the result behind it."""

    estimate: float
    ci_low: float
    ci_high: float
    p_value: float
    scale: str
    before: float
    after: float
    relative: float
    rel_low: float
    rel_high: float
    method: str
    details: Any
    notes: NotRequired[tuple[str, ...]]  # warnings of the fit, in plain words


def _estimate(
    data,
    series,
    method,
    *,
    y,
    time,
    change,
    unit,
    first_treated,
    kind,
    family,
    offset,
    n,
    seasonality,
    alpha,
    positive=None,
) -> Estimate:
    """The effect by ``method``; case-level rows (several per period) are compared as cases."""
    raw = unit is None and data[time].duplicated().any()  # case-level rows: aggregate per period
    if method == "did":
        return _did_estimate(data, y, unit, time, first_treated, alpha, positive)
    if method == "its":
        season = _auto_season(series["time"]) if seasonality == "auto" else seasonality
        if raw and offset is None and n is None:
            return _its_estimate(series, "y", "time", change, family, None, None, season, alpha)
        return _its_estimate(data, y, time, change, family, offset, n, season, alpha)
    cases = (
        pd.DataFrame({"time": data[time].to_numpy(), "y": numeric_column(data, y)})
        if raw
        else series
    )
    return _two_period_estimate(cases, change, kind if raw else "continuous", alpha, by_day=raw)


def _series(data, y, time, unit, first_treated, method, offset, n, family, kind) -> pd.DataFrame:
    """The series the SPC view and the two-period comparison use: one value per period."""
    yv = numeric_column(data, y)
    frame = pd.DataFrame({"time": data[time].to_numpy(), "y": yv})
    if offset is not None and family in ("poisson", "quasipoisson"):
        frame["y"] = yv / numeric_column(data, offset)
    elif n is not None and family == "binomial":
        trials = numeric_column(data, n)
        frame["y"] = (
            yv / trials if not ((yv <= 1).all() and not np.allclose(yv, np.round(yv))) else yv
        )
    if method == "did":
        ft = data[first_treated]
        never = _never_treated(ft)
        frame["treated"] = ~never.to_numpy()
        if frame[
            "treated"
        ].all():  # not-yet-treated controls only: use the latest cohort as control
            frame["treated"] = (ft != ft.max()).to_numpy()
        means = frame.groupby(["time", "treated"])["y"].mean().unstack("treated")
        gap = (means[True] - means[False]).dropna()
        return pd.DataFrame({"time": gap.index.to_numpy(), "y": gap.to_numpy()})
    grouped = frame.groupby("time", sort=True)["y"]
    if kind == "duration":
        out = grouped.median()
    elif kind == "nps":
        out = grouped.agg(lambda v: 100 * (np.mean(v >= 9) - np.mean(v <= 6)))
    else:
        out = grouped.mean()
    return pd.DataFrame({"time": out.index.to_numpy(), "y": out.to_numpy(dtype=float)})


def _did_estimate(data, y, unit, time, first_treated, alpha, positive) -> Estimate:
    """DiD effect with a t interval over teams; for a KPI that cannot be negative, on the log scale.

    On the log scale the effect is a ratio (after / expected without the change),
    so the expected level stays positive and the relative change above −100 %.
    """
    ft = data[first_treated]
    never = _never_treated(ft)
    control = "never" if never.any() else "notyet"
    values = numeric_column(data, y)
    ratio = bool((values > 0).all()) if positive is None else bool(positive)
    if ratio and not (values > 0).all():
        raise ParameterError(
            Problem(
                "a ratio-scale effect needs every value above 0",
                column=y,
                values=tuple(values[values <= 0][:3]),
                fix="pass positive=False to estimate a difference",
            )
        )
    frame = data.assign(**{y: np.log(values)}) if ratio else data
    res = did(
        frame,
        y=y,
        unit=unit,
        time=time,
        first_treated=first_treated,
        control=control,
        alpha=alpha,
        base_period="pre-mean",
    )
    agg = res.small_sample("simple").iloc[0]
    est, lo, hi = (float(agg[c]) for c in ("att", "ci_low", "ci_high"))
    post = ((~never) & (data[time] >= ft)).to_numpy()
    after = float(values[post].mean())
    if ratio:
        est, lo, hi = np.exp([est, lo, hi])
        before = after / est
    else:
        before = after - est
    what = (
        f"difference-in-differences (group-time ATT against the mean before the go-live, "
        f"{control}-treated controls, simple aggregation"
        + ("; ratio scale: effects on the log of a KPI that cannot be negative" if ratio else "")
        + f"; t interval with {int(agg['df'])} df from the spread of the teams' changes within "
        "cohorts: it keeps its error rate with a few teams, where a normal interval is too narrow)"
    )
    out = _pack(
        est,
        lo,
        hi,
        float(agg["p_value"]),
        "ratio" if ratio else "difference",
        before,
        after,
        what,
        res,
    )
    if not ratio and (values >= 0).all():  # a KPI that cannot be negative falls by 100 % at most
        if before > 0:
            out.update(rel_low=max(out["rel_low"], -1.0), rel_high=max(out["rel_high"], -1.0))
        else:  # no relative change from an expected level ≤ 0
            out.update(relative=np.nan, rel_low=np.nan, rel_high=np.nan)
    return out


def _auto_season(t: pd.Series) -> str | None:
    if not pd.api.types.is_datetime64_any_dtype(t) or len(t) < 21:
        return None
    gaps = np.diff(np.sort(t.to_numpy())).astype("timedelta64[s]").astype(float)
    return "dow" if np.median(gaps) == 86400 else None


def _its_estimate(data, y, time, change, family, offset, n, season, alpha) -> Estimate:
    res = its(
        data,
        y=y,
        time=time,
        change=change,
        family=family,
        offset=offset,
        n=n,
        seasonality=season,
        alpha=alpha,
    )
    s = res.summary().iloc[0]
    cf = float(s["counterfactual_mean"])
    if family != "gaussian":
        cf = float(res.fitted["counterfactual"][res.fitted["post"]].mean())
        if offset is not None:
            ex = data.sort_values(time)[offset].to_numpy(dtype=float)
            cf = float(
                np.mean(res.fitted["counterfactual"][res.fitted["post"]] / ex[res.fitted["post"]])
            )
        elif n is not None:
            tr = data.sort_values(time)[n].to_numpy(dtype=float)
            cf = float(
                np.mean(res.fitted["counterfactual"][res.fitted["post"]] / tr[res.fitted["post"]])
            )
    after = cf + float(s["estimate"]) if s["scale"] == "difference" else cf * float(s["estimate"])
    what = (
        "interrupted time series ("
        + res.method
        + (f"; seasonality {season}" if season else "")
        + ")"
    )
    lo, hi, p = (float(s[c]) for c in ("ci_low", "ci_high", "p_value"))
    out = _pack(float(s["estimate"]), lo, hi, p, str(s["scale"]), cf, after, what, res)
    out["notes"] = res.notes
    return out


def _two_period_estimate(series, change, kind, alpha, by_day=False) -> Estimate:
    """Before against after; cases (``by_day``) are clustered by their day, or week (:func:`_clusters`)."""
    t = series["time"]
    ch = pd.Timestamp(change) if pd.api.types.is_datetime64_any_dtype(t) else change
    b, a = series["y"][t < ch].to_numpy(), series["y"][t >= ch].to_numpy()
    days = _clusters(t, ch) if by_day else None
    row = compare(
        b,
        a,
        kind=kind,
        alpha=alpha,
        before_days=None if days is None else days[(t < ch).to_numpy()],
        after_days=None if days is None else days[(t >= ch).to_numpy()],
    ).iloc[0]
    what = "two-period comparison: " + str(row["method"])
    # durations: the ratio of medians, bootstrapped on the log scale, decides the outcome and
    # gives the relative change, which then cannot fall below −100 %
    ratio = kind == "duration" and np.isfinite(row["ratio"])
    effect = ("ratio", "ratio_ci_low", "ratio_ci_high") if ratio else ("diff", "ci_low", "ci_high")
    est = _pack(
        *(float(row[c]) for c in effect),
        float(row["p_value"]),
        "ratio" if ratio else "difference",
        float(row["before"]),
        float(row["after"]),
        what.replace("difference of medians", "ratio of medians") if ratio else what,
        row.to_frame().T,
    )
    if (b >= 0).all() and (a >= 0).all():  # a KPI that cannot be negative cannot fall by > 100 %
        est["rel_low"] = max(est["rel_low"], -1.0)
    return est


#: cases are clustered by week when a period has at least this many weeks, else by day
MIN_WEEKS = 4


def _clusters(t: pd.Series, change) -> np.ndarray:
    """The cluster of each case: its week (counted from the change) when both periods span
    ``MIN_WEEKS`` weeks, else its day (a date's day; any other time value as it is).

    Days next to each other share backlog and staffing, so whole weeks are the
    safer unit when there are enough of them.
    """
    if not pd.api.types.is_datetime64_any_dtype(t):
        return t.to_numpy()
    day = t.dt.floor("D")
    week = np.floor((day - pd.Timestamp(change).floor("D")) / pd.Timedelta(days=7)).to_numpy()
    weeks = (np.unique(week[week < 0]).size, np.unique(week[week >= 0]).size)
    return week.astype(int) if min(weeks) >= MIN_WEEKS else day.to_numpy()


def _pack(est, lo, hi, p, scale, before, after, method, details) -> Estimate:
    if scale == "difference":
        with np.errstate(divide="ignore", invalid="ignore"):
            rel = (est / before, lo / before, hi / before) if before else (np.nan,) * 3
    else:
        rel = (est - 1, lo - 1, hi - 1)
    rel = (rel[0], *sorted(rel[1:]))  # a level below 0 would reverse the bounds
    return {
        "estimate": est,
        "ci_low": lo,
        "ci_high": hi,
        "p_value": p,
        "scale": scale,
        "before": before,
        "after": after,
        "relative": float(rel[0]),
        "rel_low": float(rel[1]),
        "rel_high": float(rel[2]),
        "method": method,
        "details": details,
    }
