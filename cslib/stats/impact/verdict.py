"""The per-objective verdict: :func:`verdict` (public via :mod:`cslib.stats.impact`).

The method comes from :func:`~cslib.stats.impact.method.choose_method`; the
outcome, the target and whether the change held are judged here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from cslib._args import check_alpha, check_frame, choice, frame_html
from cslib._lazy import lazy
from cslib.errors import ParameterError, Problem
from cslib.stats.impact._estimates import _estimate, _series
from cslib.stats.impact._treated import _control
from cslib.stats.impact._wording import _sentence, _step_word
from cslib.stats.impact.compare import KINDS
from cslib.stats.impact.its import FAMILIES
from cslib.stats.impact.method import METHODS, MethodChoice, choose_method

if TYPE_CHECKING:
    from scipy import stats
else:
    stats = lazy("scipy.stats")

OUTCOMES = ("improved", "worsened", "no detectable change")
#: fewest review points for the "sustained" judgement
MIN_REVIEW = 5


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
    notes : tuple of str
        Warnings of the fit in plain words (a fit that did not converge, perfect
        separation…): how far its numbers can be trusted.
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
    notes: tuple[str, ...] = ()
    details: object = field(default=None, repr=False, compare=False)

    def summary(self) -> pd.DataFrame:
        """One row with every field except ``details`` (alternatives and notes as text)."""
        row = {k: getattr(self, k) for k in self.__dataclass_fields__ if k != "details"}
        row["notes"] = "; ".join(self.notes)
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
            [self.sentence, self.reason, self.warning or "", *self.notes],
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
    positive: bool = False,
    still_open: str | None = None,
) -> Verdict:
    """Did the KPI change after the change went live? A calibrated, plain-English answer.

    The method comes from :func:`choose_method` (or ``method=``); the outcome is
    "improved" / "worsened" only when the confidence interval excludes no change
    on that side. "Sustained" unless the review period's second half is clearly
    worse than its first (a one-sided t test at 2.5 %, allowing for the
    baseline's autocorrelation): a permanent change is called sustained about
    97.5 % of the time.

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
        Judge whether the change held (turn off for speed in simulations).
    positive : bool
        Whether the KPI cannot be negative (durations, counts, rates, shares:
        :attr:`cslib.metrics.registry.KPI.positive` says so for a registered
        KPI). Then difference-in-differences and the interrupted time series
        estimate a ratio (on the log scale; with periods at 0, Poisson
        quasi-likelihood), so the level expected without the change stays above
        0 and the relative change above −100 %; "sustained" compares the review's
        halves on the log scale too.
    still_open : str, optional
        Case-level durations: a True/False column, True where the ticket was
        still open when the data ends and ``y`` holds its age. Its duration
        counts as at least its age: medians are Kaplan–Meier medians
        (:func:`~cslib.stats.impact.censored.compare_censored`).

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
    check_frame(data, [y, time, unit, first_treated, offset, n, still_open], where="verdict")
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
        picked = _forced(picked, method, unit, first_treated)
    name = kpi or y
    series = _series(
        data, y, time, unit, first_treated, picked.method, offset, n, family, kind, still_open
    )
    est = _estimate(
        data,
        series,
        picked.method,
        y=y,
        time=time,
        change=change,
        unit=unit,
        first_treated=first_treated,
        kind=kind,
        family=family,
        offset=offset,
        n=n,
        seasonality=seasonality,
        alpha=alpha,
        positive=positive,
        still_open=still_open,
    )
    outcome = _outcome(est["ci_low"], est["ci_high"], est["scale"], direction)
    target_met = _target(target, est, direction)
    sustained, why = (None, "not checked")
    if picked.method == "its" and est["details"].seasonality and family != "binomial":
        series = _seasonally_adjusted(series, est, family)
    if sustained_check:
        sustained, why = _sustained(series, change, direction, positive)
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
        notes=tuple(est.get("notes", ())),
        details=est["details"],
    )


def _forced(picked: MethodChoice, method: str, unit, first_treated) -> MethodChoice:
    """The method the caller asked for, with the chooser's suggestion as the alternative rejected."""
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
    if method == picked.method:
        return picked
    return MethodChoice(
        method,
        f"chosen by the caller (the chooser suggested {picked.method})",
        ((picked.method, "overridden by the caller"),),
        picked.warning if method == "two-period" else None,
        picked.n_before,
        picked.n_after,
        picked.has_control,
    )


def _seasonally_adjusted(series: pd.DataFrame, est, family: str) -> pd.DataFrame:
    """The series without the ITS fit's seasonal component, so weekends are not read as signals
    (a fit on the log scale has a multiplicative one)."""
    seas = est["details"].fitted["seasonal"].to_numpy()
    additive = family == "gaussian" and est["scale"] == "difference"
    adj = series["y"] - seas if additive else series["y"] * np.exp(-seas)
    return pd.DataFrame({"time": series["time"], "y": adj})


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


def _sustained(series, change, direction, positive: bool = False) -> tuple[bool | None, str]:
    """Whether the new level holds: the review period's later half against its earlier half.

    "Slipping back" needs the later half to be worse than the earlier one by more
    than chance allows (one-sided Welch t test at 2.5 %, the variance widened for the
    lag-1 autocorrelation of the baseline), so a permanent step is called sustained
    about 97.5 % of the time. Daily values are compared as weekly means counted from
    the change. For a KPI that cannot be negative (``positive``, every value above 0) the
    halves and the baseline's trend are compared on the log scale, as the effect is: a trend in a
    duration is a steady percentage, and a lower level has a smaller spread.
    """
    t = series["time"]
    ch = pd.Timestamp(change) if pd.api.types.is_datetime64_any_dtype(t) else change
    note = ""
    if _step_word(t) == "days" and int((t >= ch).sum()) >= 21:
        # daily values are autocorrelated and weekly-patterned: weekly means, weeks counted
        # from the change so that no week straddles it
        week = np.floor((t - ch) / pd.Timedelta(days=7)).astype(int)
        series = series.groupby(week.to_numpy(), sort=True)["y"].mean().reset_index()
        series.columns = ["time", "y"]
        t, ch, note = series["time"], 0, " (weekly means)"
    y = series["y"].to_numpy(dtype=float)
    ratio = positive and bool((y > 0).all())
    y = np.log(y) if ratio else y
    k = int((t < ch).sum())
    n_review = len(t) - k
    if n_review < MIN_REVIEW or k < 2:
        return None, f"too few review points to judge ({n_review}; needs {MIN_REVIEW})"
    h = n_review // 2
    early, late = y[k : k + h], y[k + h :]
    # the baseline's own trend would have moved the second half anyway: allowed for
    slope, slope_var, rho = _baseline_trend(y[:k])
    gap = n_review / 2  # points between the halves' centres
    change_ = late.mean() - early.mean() - slope * gap
    worse = change_ * (1 if direction == "lower" else -1)
    var_e, var_l = early.var(ddof=1) / early.size, late.var(ddof=1) / late.size
    se = np.sqrt((var_e + var_l) * (1 + rho) / (1 - rho) + gap**2 * slope_var)
    df = (var_e + var_l) ** 2 / (var_e**2 / (early.size - 1) + var_l**2 / (late.size - 1))
    p = float(stats.t.sf(worse / se, df)) if se > 0 else (0.0 if worse > 0 else 1.0)
    halves = f"the review period's second half{note} against its first"
    if p < 0.025:
        by = f"{abs(np.expm1(change_)):.1%}" if ratio else f"{abs(change_):.3g}"
        return False, f"{halves}: worse by {by} beyond the trend (p = {p:.3f})"
    return True, f"{halves}: no clear slip back (p = {p:.2f}); the new level holds"


def _baseline_trend(x: np.ndarray) -> tuple[float, float, float]:
    """The baseline's slope per point, its variance, and the lag-1 autocorrelation around
    it (clipped to 0…0.8); no trend and no autocorrelation from fewer than 8 points."""
    if x.size < 8:
        return 0.0, 0.0, 0.0
    i = np.arange(x.size) - (x.size - 1) / 2
    slope = float(i @ x / (i @ i))
    r = x - x.mean() - slope * i
    denom = float(r @ r)
    rho = float(np.clip(r[1:] @ r[:-1] / denom, 0.0, 0.8)) if denom > 0 else 0.0
    return slope, denom / (x.size - 2) / float(i @ i) * (1 + rho) / (1 - rho), rho
