"""Method chooser and the per-objective verdict (public via :mod:`cslib.stats.impact`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from cslib._args import check_alpha, check_frame, choice, frame_html, no_missing, numeric_column
from cslib.errors import ParameterError, Problem
from cslib.stats.impact.compare import KINDS, compare
from cslib.stats.impact.did import did
from cslib.stats.impact.its import FAMILIES, its

METHODS = ("did", "its", "two-period")
OUTCOMES = ("improved", "worsened", "no detectable change")
#: fewest review points for the SPC "sustained" judgement
MIN_REVIEW = 5


@dataclass(frozen=True)
class MethodChoice:
    """Which before/after method fits the data, and why.

    Attributes
    ----------
    method : {"did", "its", "two-period"}
    reason : str
    alternatives_rejected : tuple of (method, why)
    warning : str or None
        Set for the two-period fallback (trend and seasonality not controlled).
    n_before, n_after : int
        Periods before and after the change.
    has_control : bool
    """

    method: str
    reason: str
    alternatives_rejected: tuple[tuple[str, str], ...]
    warning: str | None
    n_before: int
    n_after: int
    has_control: bool

    def summary(self) -> pd.DataFrame:
        """One row: ``method``, ``reason``, ``warning``, ``n_before``, ``n_after``, ``has_control``."""
        return pd.DataFrame(
            [
                {
                    "method": self.method,
                    "reason": self.reason,
                    "warning": self.warning,
                    "n_before": self.n_before,
                    "n_after": self.n_after,
                    "has_control": self.has_control,
                }
            ]
        )

    table = property(summary)

    def _repr_html_(self) -> str:
        rej = pd.DataFrame(list(self.alternatives_rejected), columns=["method", "why not"])
        return frame_html(
            f"Method: {self.method}",
            [("Alternatives rejected", rej)],
            [self.reason, self.warning or ""],
        )


def choose_method(
    data: pd.DataFrame,
    *,
    time: str,
    change: object = None,
    unit: str | None = None,
    first_treated: str | None = None,
    min_periods: int = 8,
) -> MethodChoice:
    """Choose between difference-in-differences, interrupted time series and two periods.

    A control group (units never or not yet treated, from ``first_treated``)
    → DiD; otherwise at least ``min_periods`` periods on each side of the
    change → ITS; otherwise a two-period comparison, with a warning.

    Parameters
    ----------
    data : pandas.DataFrame
        The KPI per period (and per unit for DiD).
    time : str
        Period column.
    change : scalar, optional
        First period after the change; defaults to the earliest ``first_treated``.
    unit, first_treated : str, optional
        Unit column and first-treated-period column (0 / missing = never).
    min_periods : int
        Periods needed on each side for an ITS.

    Returns
    -------
    MethodChoice

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"week": range(20), "aht": [5.0] * 20})
    >>> choose_method(df, time="week", change=10).method
    'its'
    """
    check_frame(data, [time, unit, first_treated], where="choose_method")
    no_missing(data, time)
    has_control, change = _control(data, unit, first_treated, change)
    tv = data[time]
    ch = pd.Timestamp(change) if pd.api.types.is_datetime64_any_dtype(tv) else change
    try:
        nb, na = int(tv[tv < ch].nunique()), int(tv[tv >= ch].nunique())
    except TypeError as exc:
        raise ParameterError(
            Problem(
                "change cannot be compared with the time column",
                column="change",
                values=(change,),
                fix=f"pass a value like those in '{time}'",
            )
        ) from exc
    if nb == 0 or na == 0:
        raise ParameterError(
            Problem(
                "the change lies outside the data range",
                column="change",
                values=(change,),
                fix=f"pass a '{time}' value after the first and no later than the last period",
            )
        )
    trend = (
        "two-period",
        "a plain before/after comparison would count any trend or seasonal "
        "pattern as an effect of the change",
    )
    if has_control:
        return MethodChoice(
            "did",
            "a control group is available (units never or not yet treated): "
            "difference-in-differences removes shocks common to all units",
            (
                (
                    "its",
                    "a single series cannot separate the change from anything else that happened "
                    "at the same time; the control units can",
                ),
                trend,
            ),
            None,
            nb,
            na,
            True,
        )
    if nb >= min_periods and na >= min_periods:
        return MethodChoice(
            "its",
            f"no control group, and {nb} periods before and {na} after (at least "
            f"{min_periods} each): interrupted time series allows for the trend before the change",
            (("did", "no control group (every unit got the change at the same time)"), trend),
            None,
            nb,
            na,
            False,
        )
    return MethodChoice(
        "two-period",
        f"no control group and only {nb} periods before and {na} after",
        (
            ("did", "no control group"),
            (
                "its",
                f"too few periods for a time series ({nb} before, {na} after; needs {min_periods} each)",
            ),
        ),
        "trend and seasonality are not controlled: treat the result as indicative",
        nb,
        na,
        False,
    )


def _control(data, unit, first_treated, change) -> tuple[bool, object]:
    if unit is None or first_treated is None:
        if change is None:
            raise ParameterError(
                Problem(
                    "no change date given",
                    column="change",
                    fix="pass change=<first period after the go-live>",
                )
            )
        return False, change
    ft = data[first_treated]
    never = ft.isna() | (ft == 0) if not pd.api.types.is_datetime64_any_dtype(ft) else ft.isna()
    cohorts = ft[~never].unique()
    if len(cohorts) == 0:
        raise ParameterError(
            Problem(
                "no unit is ever treated",
                column=first_treated,
                fix="set the go-live period of the treated units",
            )
        )
    if change is None:
        change = min(cohorts)
    return bool(never.any() or len(cohorts) > 1), change


@dataclass(frozen=True)
class Verdict:
    """The Check-stage answer for one objective.

    Attributes
    ----------
    outcome : {"improved", "worsened", "no detectable change"}
        "improved" only when the whole confidence interval lies on the better side.
    direction : {"lower", "higher"}
        Which way is better.
    estimate, ci_low, ci_high, p_value : float
        The effect (after − before, or a ratio when ``scale`` is a ratio).
    scale : str
        ``"difference"``, ``"ratio"`` or ``"odds_ratio"``.
    before, after : float
        Level before (for ITS/DiD: expected without the change) and after.
    relative, relative_ci_low, relative_ci_high : float
        The effect as a fraction of ``before`` (−0.18 = 18 % lower).
    target_met, sustained : bool or None
        None when no target is given / too few review points to judge.
    method, reason, warning : str
    alternatives_rejected : tuple of (method, why)
    sentence : str
        Plain-English summary a manager can act on.
    details : object
        The underlying result (:class:`ItsResult`, :class:`DidResult` or a frame).
    """

    kpi: str
    direction: str
    outcome: str
    estimate: float
    ci_low: float
    ci_high: float
    p_value: float
    scale: str
    before: float
    after: float
    relative: float
    relative_ci_low: float
    relative_ci_high: float
    target: object
    target_met: bool | None
    sustained: bool | None
    sustained_reason: str
    method: str
    reason: str
    alternatives_rejected: tuple[tuple[str, str], ...]
    warning: str | None
    n_before: int
    n_after: int
    sentence: str
    objective: str | None = None
    details: object = field(default=None, repr=False, compare=False)

    def summary(self) -> pd.DataFrame:
        """One row with every field except ``details`` (alternatives as text)."""
        row = {k: getattr(self, k) for k in self.__dataclass_fields__ if k != "details"}
        row["alternatives_rejected"] = "; ".join(
            f"{m}: {why}" for m, why in self.alternatives_rejected
        )
        return pd.DataFrame([row])

    table = property(summary)

    def _repr_html_(self) -> str:
        cols = [
            "outcome",
            "estimate",
            "ci_low",
            "ci_high",
            "relative",
            "target_met",
            "sustained",
            "method",
        ]
        rej = pd.DataFrame(list(self.alternatives_rejected), columns=["method", "why not"])
        return frame_html(
            f"Verdict: {self.kpi} — {self.outcome}",
            [("", self.summary()[cols]), ("Alternatives rejected", rej)],
            [self.sentence, self.reason, self.warning or ""],
        )


def verdict(
    data: pd.DataFrame,
    *,
    y: str,
    time: str,
    direction: str,
    change: object = None,
    unit: str | None = None,
    first_treated: str | None = None,
    kind: str = "continuous",
    family: str = "gaussian",
    offset: str | None = None,
    n: str | None = None,
    seasonality: str | None = "auto",
    target: float | str | None = None,
    kpi: str | None = None,
    units: str | None = None,
    objective: str | None = None,
    alpha: float = 0.05,
    min_periods: int = 8,
    method: str | None = None,
    sustained_check: bool = True,
) -> Verdict:
    """Did the KPI change after the change went live? A calibrated, plain-English answer.

    The method comes from :func:`choose_method` (or ``method=``); the outcome is
    "improved" / "worsened" only when the confidence interval excludes no change
    on that side. "Sustained" comes from an individuals control chart with a new
    part at the change: no signal in the worse direction in the review part.

    Parameters
    ----------
    data : pandas.DataFrame
        The KPI: one row per period (ITS, two periods) or per unit × period
        (DiD). Not modified.
    y, time : str
        KPI and period columns.
    direction : {"lower", "higher"}
        Which way is better.
    change : scalar, optional
        First period after the change (for DiD defaults to the first go-live).
    unit, first_treated : str, optional
        For DiD: unit column and first treated period (0 / missing = never).
    kind : {"continuous", "duration", "proportion", "nps"}
        Two-period fallback: how the per-period values are compared
        (``continuous`` = Welch on the period values).
    family, offset, n : optional
        Passed to :func:`its` (e.g. ``family="poisson", offset="tickets"``).
    seasonality : str or None
        Passed to :func:`its`; ``"auto"`` = day-of-week dummies for daily
        dates with at least three weeks, else none.
    target : float or str, optional
        A level to reach (e.g. ``22``) or a relative change (``"-15%"``).
    kpi, units, objective : str, optional
        Names used in the sentence (e.g. ``"Median resolution time"``, ``"hours"``).
    alpha : float
        1 − confidence level.
    min_periods : int
        Periods needed on each side for the ITS.
    method : {"did", "its", "two-period"}, optional
        Force a method instead of choosing.
    sustained_check : bool
        Run the SPC check (turn off for speed in simulations).

    Returns
    -------
    Verdict

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> t = np.arange(60)
    >>> rng = np.random.default_rng(3)
    >>> df = pd.DataFrame({"week": t, "hours": 26 - 4 * (t >= 30) + rng.normal(0, 1, 60)})
    >>> verdict(df, y="hours", time="week", change=30, direction="lower").outcome
    'improved'
    """
    choice(direction, ("lower", "higher"), "direction")
    choice(kind, KINDS, "kind")
    choice(family, FAMILIES, "family")
    alpha = check_alpha(alpha)
    check_frame(data, [y, time, unit, first_treated, offset, n], where="verdict")
    picked = choose_method(
        data,
        time=time,
        change=change,
        unit=unit,
        first_treated=first_treated,
        min_periods=min_periods,
    )
    if change is None:
        change = _control(data, unit, first_treated, None)[1]
    if method is not None:
        choice(method, METHODS, "method")
        if method == "did" and (unit is None or first_treated is None):
            raise ParameterError(
                Problem(
                    "difference-in-differences needs unit= and first_treated=",
                    column="method",
                    values=(method,),
                    fix="name the columns or drop method=",
                )
            )
        if method != picked.method:
            picked = MethodChoice(
                method,
                f"chosen by the caller (the chooser suggested {picked.method})",
                ((picked.method, "overridden by the caller"),),
                picked.warning if method == "two-period" else None,
                picked.n_before,
                picked.n_after,
                picked.has_control,
            )
    name = kpi or y
    series = _series(data, y, time, unit, first_treated, picked.method, offset, n, family, kind)
    raw = unit is None and data[time].duplicated().any()  # case-level rows: aggregate per period
    if picked.method == "did":
        est = _did_estimate(data, y, unit, time, first_treated, alpha)
    elif picked.method == "its":
        season = _auto_season(series["time"]) if seasonality == "auto" else seasonality
        if raw and offset is None and n is None:
            est = _its_estimate(series, "y", "time", change, family, None, None, season, alpha)
        else:
            est = _its_estimate(data, y, time, change, family, offset, n, season, alpha)
    else:
        cases = (
            pd.DataFrame({"time": data[time].to_numpy(), "y": numeric_column(data, y)})
            if raw
            else series
        )
        est = _two_period_estimate(cases, change, kind if raw else "continuous", alpha)
    outcome = _outcome(est["ci_low"], est["ci_high"], est["scale"], direction)
    target_met = _target(target, est, direction)
    sustained, why = (None, "not checked")
    if picked.method == "its" and est["details"].seasonality and family != "binomial":
        # chart the seasonally adjusted series, so weekends are not read as signals
        seas = est["details"].fitted["seasonal"].to_numpy()
        adj = series["y"] - seas if family == "gaussian" else series["y"] * np.exp(-seas)
        series = pd.DataFrame({"time": series["time"], "y": adj})
    if sustained_check:
        sustained, why = _sustained(series, change, direction, picked.method)
    step = _step_word(series["time"])
    sentence = _sentence(
        name, units, direction, outcome, est, target, target_met, sustained, picked, step, 1 - alpha
    )
    return Verdict(
        kpi=name,
        direction=direction,
        outcome=outcome,
        estimate=est["estimate"],
        ci_low=est["ci_low"],
        ci_high=est["ci_high"],
        p_value=est["p_value"],
        scale=est["scale"],
        before=est["before"],
        after=est["after"],
        relative=est["relative"],
        relative_ci_low=est["rel_low"],
        relative_ci_high=est["rel_high"],
        target=target,
        target_met=target_met,
        sustained=sustained,
        sustained_reason=why,
        method=est["method"],
        reason=picked.reason,
        alternatives_rejected=picked.alternatives_rejected,
        warning=picked.warning,
        n_before=picked.n_before,
        n_after=picked.n_after,
        sentence=sentence,
        objective=objective,
        details=est["details"],
    )


# --------------------------------------------------------------------------- estimates


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
        never = ft.isna() | (ft == 0) if not pd.api.types.is_datetime64_any_dtype(ft) else ft.isna()
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


def _did_estimate(data, y, unit, time, first_treated, alpha) -> dict[str, object]:
    ft = data[first_treated]
    never = ft.isna() | (ft == 0) if not pd.api.types.is_datetime64_any_dtype(ft) else ft.isna()
    control = "never" if never.any() else "notyet"
    res = did(
        data, y=y, unit=unit, time=time, first_treated=first_treated, control=control, alpha=alpha
    )
    agg = res.aggregate("simple").iloc[0]
    post = (~never) & (data[time] >= ft)
    after = float(data.loc[post, y].mean())
    before = after - float(agg["att"])
    return _pack(
        float(agg["att"]),
        float(agg["ci_low"]),
        float(agg["ci_high"]),
        float(agg["p_value"]),
        "difference",
        before,
        after,
        f"difference-in-differences (group-time ATT, {control}-treated controls, simple aggregation)",
        res,
    )


def _auto_season(t: pd.Series) -> str | None:
    if not pd.api.types.is_datetime64_any_dtype(t) or len(t) < 21:
        return None
    gaps = np.diff(np.sort(t.to_numpy())).astype("timedelta64[s]").astype(float)
    return "dow" if np.median(gaps) == 86400 else None


def _its_estimate(data, y, time, change, family, offset, n, season, alpha) -> dict[str, object]:
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
    # Newey-West intervals are too narrow in short autocorrelated series; the verdict's interval
    # spans both the HAC fit and the AR(1) sensitivity fit, so neither error model alone decides.
    ar = res.sensitivity.set_index("term").loc["average_effect"]
    lo = float(np.nanmin([s["ci_low"], ar["ci_low"]]))
    hi = float(np.nanmax([s["ci_high"], ar["ci_high"]]))
    p = float(np.nanmax([s["p_value"], ar["p_value"]]))
    what = (
        "interrupted time series ("
        + res.method
        + (f"; seasonality {season}" if season else "")
        + "; interval spanning the AR(1)-error fit too)"
    )
    return _pack(float(s["estimate"]), lo, hi, p, str(s["scale"]), cf, after, what, res)


def _two_period_estimate(series, change, kind, alpha) -> dict[str, object]:
    t = series["time"]
    ch = pd.Timestamp(change) if pd.api.types.is_datetime64_any_dtype(t) else change
    b, a = series["y"][t < ch].to_numpy(), series["y"][t >= ch].to_numpy()
    row = compare(b, a, kind=kind, alpha=alpha).iloc[0]
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


def _pack(est, lo, hi, p, scale, before, after, method, details) -> dict[str, object]:
    if scale == "difference":
        with np.errstate(divide="ignore", invalid="ignore"):
            rel = (est / before, lo / before, hi / before) if before else (np.nan,) * 3
    else:
        rel = (est - 1, lo - 1, hi - 1)
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


def _outcome(lo: float, hi: float, scale: str, direction: str) -> str:
    null = 0.0 if scale == "difference" else 1.0
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return "no detectable change"
    if hi < null:
        return "improved" if direction == "lower" else "worsened"
    if lo > null:
        return "improved" if direction == "higher" else "worsened"
    return "no detectable change"


def _target(target, est, direction) -> bool | None:
    if target is None:
        return None
    sign = -1 if direction == "lower" else 1
    if isinstance(target, str):
        m = re.fullmatch(r"\s*([+\-−]?\d+(?:\.\d+)?)\s*%\s*", target)
        if not m:
            raise ParameterError(
                Problem(
                    "target must be a level (a number) or a relative change like '-15%'",
                    column="target",
                    values=(target,),
                    fix="e.g. target=22 or target='-15%'",
                )
            )
        need = abs(float(m.group(1).replace("−", "-"))) / 100
        return bool(sign * est["relative"] >= need)
    if not isinstance(target, int | float) or not np.isfinite(target):
        raise ParameterError(
            Problem(
                "target must be a finite number or a relative change like '-15%'",
                column="target",
                values=(target,),
                fix="e.g. target=22",
            )
        )
    return bool(sign * (est["after"] - target) >= 0)


def _sustained(series, change, direction, method) -> tuple[bool | None, str]:
    from cslib.stats.spc.compute import control_chart  # SPC view of the review period

    t = series["time"]
    ch = pd.Timestamp(change) if pd.api.types.is_datetime64_any_dtype(t) else change
    note = ""
    if _step_word(t) == "days" and int((t >= ch).sum()) >= 21:
        # daily values are autocorrelated and weekly-patterned: chart weekly means, weeks
        # counted from the change so that no week straddles it
        week = np.floor((t - ch) / pd.Timedelta(days=7)).astype(int)
        series = series.groupby(week.to_numpy(), sort=True)["y"].mean().reset_index()
        series.columns = ["time", "y"]
        t, ch, note = series["time"], 0, " (weekly means)"
    k = int((t < ch).sum())
    n_review = len(t) - k
    if n_review < MIN_REVIEW or k < 2:
        return None, f"too few review points for a control chart ({n_review}; needs {MIN_REVIEW})"
    chart = control_chart(series["y"].to_numpy(), chart="i", part=[k])
    d = chart.data
    sigma, drift = _concerns(d[d["part"] == d["part"].max()], direction)
    # does the new level hold? centre and limits frozen on the first half of the review period
    review_y = series["y"].to_numpy()[k:]
    h = max(2, n_review // 2)
    held = control_chart(review_y, chart="i", freeze=h).data.iloc[h:]
    sigma_late, drift_late = _concerns(held, direction)
    what = []
    if sigma or sigma_late:
        what.append(f"{max(sigma, sigma_late)} point(s) beyond the limits on the worse side")
    if drift or drift_late:
        what.append("a run or trend back towards the worse side")
    if what:
        return False, f"control chart{note} of the review period shows " + " and ".join(what)
    return True, f"no signal in the worse direction in the review period{note} (new level holds)"


def _concerns(rows: pd.DataFrame, direction: str) -> tuple[int, bool]:
    """Signals in the worse direction: points beyond the limits, and a run drifting back."""
    worse = (rows["y"] > rows["cl"]) if direction == "lower" else (rows["y"] < rows["cl"])
    sigma = int((rows["sigma_signal"].astype(bool) & worse).sum())
    half = rows.iloc[len(rows) // 2 :]
    drift = bool(rows["runs_signal"].astype(bool).any()) and bool(
        ((half["y"] - half["cl"]).mean() > 0) == (direction == "lower")
    )
    return sigma, drift


# --------------------------------------------------------------------------- words


def _num(v: float) -> str:
    if not np.isfinite(v):
        return "n/a"
    a = abs(v)
    s = f"{v:,.0f}" if a >= 100 else f"{v:.1f}" if a >= 10 else f"{v:.2f}" if a >= 1 else f"{v:.3g}"
    return s.replace("-", "−")


def _pct(v: float) -> str:
    if not np.isfinite(v):
        return "n/a"
    return f"{100 * v:+.0f} %".replace("-", "−")


def _step_word(t: pd.Series) -> str:
    if pd.api.types.is_datetime64_any_dtype(t) and len(t) > 1:
        days = (
            float(np.median(np.diff(np.sort(t.to_numpy())).astype("timedelta64[s]").astype(float)))
            / 86400
        )
        for lo, hi, word in (
            (0.9, 1.1, "days"),
            (6.5, 7.5, "weeks"),
            (27, 32, "months"),
            (85, 95, "quarters"),
        ):
            if lo <= days <= hi:
                return word
    return "periods"


def _sentence(
    name, units, direction, outcome, est, target, target_met, sustained, picked, step, level
) -> str:
    u = f" {units}" if units else ""
    b, a = _num(est["before"]), _num(est["after"])
    rel = f"{_pct(est['relative'])}, {100 * level:.0f} % CI {_pct(est['rel_low'])} to {_pct(est['rel_high'])}"
    lower = est["after"] < est["before"]
    verb = "fell" if lower else "rose"
    Name = name[:1].upper() + name[1:]
    if picked.method == "two-period":
        move = f"{Name} {verb} from {b} to {a}{u} ({rel}) after the change"
    else:
        ref = "the trend before it" if picked.method == "its" else "the control teams"
        move = f"{Name} averaged {a}{u} after the change against {b} expected from {ref} ({rel})"
    if outcome == "improved":
        text = f"{move}; the improvement is statistically clear"
        if sustained is True:
            text += f" and has held for the {picked.n_after} {step} since."
        elif sustained is False:
            text += ", but the control chart shows signs of slipping back: keep watching it."
        else:
            text += "."
    elif outcome == "worsened":
        text = f"{move}; this deterioration is statistically clear: review the change."
    else:
        text = (
            f"{move}; the interval includes no change, so no improvement can be claimed yet "
            "(collect more data or revisit the change)."
        )
    if target_met is not None:
        goal = target if isinstance(target, str) else f"{_num(float(target))}{u}"
        text += f" The target ({goal}) was {'met' if target_met else 'not met'}."
    if picked.warning:
        text += f" Caution: {picked.warning}."
    del direction
    return text
