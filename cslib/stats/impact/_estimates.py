"""The effect behind a verdict, by difference-in-differences, interrupted time series or two periods.

Each estimate is packed the same way (:func:`_pack`): the effect and its interval,
the level before and after, the relative change and the underlying result.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NotRequired, TypedDict

import numpy as np
import pandas as pd

from cslib._args import numeric_column
from cslib._lazy import lazy
from cslib.errors import ParameterError, Problem
from cslib.stats.impact._km import km_median
from cslib.stats.impact._notes import _caught
from cslib.stats.impact._treated import _never_treated
from cslib.stats.impact.censored import compare_censored, open_note
from cslib.stats.impact.compare import compare
from cslib.stats.impact.did import did
from cslib.stats.impact.its import its

if TYPE_CHECKING:
    from scipy import stats
    from statsmodels.genmod import families, generalized_linear_model
else:
    # the models themselves, not all of statsmodels.api (a third of the import)
    families = lazy("statsmodels.genmod.families")
    generalized_linear_model = lazy("statsmodels.genmod.generalized_linear_model")
    stats = lazy("scipy.stats")


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
    positive=False,
    still_open=None,
) -> Estimate:
    """The effect by ``method``; case-level rows (several per period) are compared as cases."""
    raw = unit is None and data[time].duplicated().any()  # case-level rows: aggregate per period
    if method == "did":
        return _did_estimate(data, y, unit, time, first_treated, alpha, positive)
    if method == "its":
        season = _auto_season(series["time"]) if seasonality == "auto" else seasonality
        if raw and offset is None and n is None:
            return _its_estimate(
                series, "y", "time", change, family, None, None, season, alpha, positive
            )
        return _its_estimate(data, y, time, change, family, offset, n, season, alpha, positive)
    cases = (
        pd.DataFrame({"time": data[time].to_numpy(), "y": numeric_column(data, y)})
        if raw
        else series
    )
    if raw and still_open is not None:
        cases["open"] = data[still_open].to_numpy(dtype=bool)
    return _two_period_estimate(cases, change, kind if raw else "continuous", alpha, by_day=raw)


def _series(
    data, y, time, unit, first_treated, method, offset, n, family, kind, still_open=None
) -> pd.DataFrame:
    """The series the SPC view and the two-period comparison use: one value per period
    (of durations with tickets still open, Kaplan–Meier medians)."""
    yv = numeric_column(data, y)
    frame = pd.DataFrame({"time": data[time].to_numpy(), "y": yv})
    if kind == "duration" and still_open is not None and data[still_open].any():
        frame["open"] = data[still_open].to_numpy(dtype=bool)
        out = frame.groupby("time", sort=True)[["y", "open"]].apply(
            lambda g: km_median(g["y"], g["open"])
        )
        return pd.DataFrame({"time": out.index.to_numpy(), "y": out.to_numpy(dtype=float)})
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
    """DiD effect with a t interval over teams; for a KPI that cannot be negative, a ratio.

    On the log scale the effect is a ratio (after / expected without the change),
    so the expected level stays positive and the relative change above −100 %.
    A KPI that cannot be negative but has a period at 0 (no complaint in a
    team-month) has no log: its ratio comes from :func:`_did_poisson`.
    """
    ft = data[first_treated]
    never = _never_treated(ft)
    control = "never" if never.any() else "notyet"
    values = numeric_column(data, y)
    ratio = bool(positive)
    if ratio and (values < 0).any():
        raise ParameterError(
            Problem(
                "a KPI that cannot be negative has negative values",
                column=y,
                values=tuple(values[values < 0][:3]),
                fix="check the KPI's values, or pass positive=False to estimate a difference",
            )
        )
    if ratio and not (values > 0).all():
        return _did_poisson(data, y, unit, time, first_treated, never, alpha)
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
            out["rel_low"], out["rel_high"] = max(out["rel_low"], -1.0), max(out["rel_high"], -1.0)
        else:  # no relative change from an expected level ≤ 0
            out["relative"] = out["rel_low"] = out["rel_high"] = np.nan
    return out


def _did_poisson(data, y, unit, time, first_treated, never, alpha) -> Estimate:
    """Ratio DiD for a KPI with zeros: Poisson quasi-likelihood with team and period effects.

    E[y] = exp(team + period + δ · adopted): the mean, not each value, is on the
    log scale, so a period at 0 needs no shift (Wooldridge 2023, *Simple
    approaches to nonlinear difference-in-differences with panel data*). exp(δ)
    is the ratio after / expected without the change; its t interval uses the
    team-clustered (CR1) variance with G − 1 degrees of freedom.
    """
    frame = pd.DataFrame(
        {
            "y": numeric_column(data, y),
            "unit": data[unit].astype(str).to_numpy(),
            "time": data[time].astype(str).to_numpy(),
            "adopted": ((~never) & (data[time] >= data[first_treated])).to_numpy(float),
        }
    )
    X = pd.get_dummies(frame[["unit", "time"]], drop_first=True, dtype=float)
    X.insert(0, "adopted", frame["adopted"])
    X.insert(0, "const", 1.0)
    # the totals of adopting teams before and after, and of the others before and after the
    # first go-live: a ratio needs each above 0
    adopted, adopting = frame["adopted"].to_numpy() == 1, ~never.to_numpy()
    later = frame["time"].isin(frame["time"][adopted]).to_numpy()
    sides = (adopted, adopting & ~adopted, ~adopting & ~later, ~adopting & later)
    cells = [frame["y"][side].sum() for side in sides]
    groups = pd.factorize(frame["unit"])[0]
    g = int(groups.max()) + 1
    notes: list[str] = []
    with _caught(notes, "difference-in-differences (Poisson)"), np.errstate(all="ignore"):
        try:
            fit = generalized_linear_model.GLM(frame["y"], X, family=families.Poisson()).fit(
                cov_type="cluster", cov_kwds={"groups": groups}
            )
            delta, se = float(fit.params["adopted"]), float(fit.bse["adopted"])
        except (ValueError, ZeroDivisionError, np.linalg.LinAlgError):  # all 0, too few periods
            fit, delta, se = None, np.nan, np.nan
        if not (np.isfinite(delta) and se > 0 and min(cells) > 0):  # a group at 0: no ratio
            delta = se = np.nan
        q = float(stats.t.ppf(1 - alpha / 2, g - 1))
        est, lo, hi = np.exp([delta, delta - q * se, delta + q * se])
        p = float(2 * stats.t.sf(abs(delta / se), g - 1))
    after = float(frame["y"][adopted].mean())
    what = (
        "difference-in-differences on the ratio scale: Poisson quasi-likelihood with team and "
        "period effects (some periods are at 0, so the log of the mean, not of each value), "
        f"t interval with {g - 1} df from the team-clustered variance"
    )
    before = after / est if est > 0 else np.nan
    out = _pack(est, lo, hi, p, "ratio", before, after, what, fit)
    out["notes"] = tuple(notes)
    return out


def _auto_season(t: pd.Series) -> str | None:
    if not pd.api.types.is_datetime64_any_dtype(t) or len(t) < 21:
        return None
    gaps = np.diff(np.sort(t.to_numpy())).astype("timedelta64[s]").astype(float)
    return "dow" if np.median(gaps) == 86400 else None


def _its_estimate(
    data, y, time, change, family, offset, n, season, alpha, positive=False
) -> Estimate:
    """ITS effect; for a KPI that cannot be negative (``positive``), a ratio.

    A positive KPI is fitted on the log scale (its effect a ratio, its expected
    level above 0); when a period is at 0 it has no log, so the fit is a
    quasi-Poisson GLM instead: the log of the mean, not of each value.
    """
    yv = numeric_column(data, y)
    log = bool(positive) and family == "gaussian" and bool((yv > 0).all())
    if positive and family == "gaussian" and not log:
        family = "quasipoisson"
    res = its(
        data.assign(**{y: np.log(yv)}) if log else data,
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
    est, scale = float(s["estimate"]), str(s["scale"])
    lo, hi, p = (float(s[c]) for c in ("ci_low", "ci_high", "p_value"))
    if log:  # effects on the log scale: ratios
        est, lo, hi = np.exp([est, lo, hi])
        cf, scale = float(np.exp(res.fitted["counterfactual"][res.fitted["post"]]).mean()), "ratio"
    after = cf + est if scale == "difference" else cf * est
    what = (
        "interrupted time series ("
        + res.method
        + ("; on the log scale: a KPI that cannot be negative" if log else "")
        + (f"; seasonality {season}" if season else "")
        + ")"
    )
    out = _pack(est, lo, hi, p, scale, cf, after, what, res)
    out["notes"] = res.notes
    return out


def _two_period_estimate(series, change, kind, alpha, by_day=False) -> Estimate:
    """Before against after; cases (``by_day``) are clustered by their day, or week (:func:`_clusters`)."""
    t = series["time"]
    ch = pd.Timestamp(change) if pd.api.types.is_datetime64_any_dtype(t) else change
    b, a = series["y"][t < ch].to_numpy(), series["y"][t >= ch].to_numpy()
    days = _clusters(t, ch) if by_day else None
    kw = {
        "alpha": alpha,
        "before_days": None if days is None else days[(t < ch).to_numpy()],
        "after_days": None if days is None else days[(t >= ch).to_numpy()],
    }
    still_open = series["open"].to_numpy() if "open" in series and kind == "duration" else None
    if still_open is None:
        row = compare(b, a, kind=kind, **kw).iloc[0]
    else:
        ob, oa = still_open[(t < ch).to_numpy()], still_open[(t >= ch).to_numpy()]
        row = compare_censored(b, a, before_open=ob, after_open=oa, **kw).iloc[0]
    what = "two-period comparison: " + str(row["method"])
    if still_open is not None and still_open.any():
        what += ". " + open_note(int(still_open.sum()), still_open.size, "duration")
    # durations: the ratio of medians, bootstrapped on the log scale, decides the outcome and
    # gives the relative change, which then cannot fall below −100 %
    ratio = kind == "duration" and np.isfinite(row["ratio"])
    effect = ("ratio", "ratio_ci_low", "ratio_ci_high") if ratio else ("diff", "ci_low", "ci_high")
    centre, low, high = (float(row[c]) for c in effect)
    est = _pack(
        centre,
        low,
        high,
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
