"""The per-objective verdict: :func:`verdict` (public via :mod:`cslib.stats.impact`).

The method comes from :func:`~cslib.stats.impact.method.choose_method`; the
outcome, the target and whether the change held are judged here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from cslib._args import check_alpha, check_frame, choice, frame_html
from cslib.errors import ParameterError, Problem
from cslib.stats.impact._estimates import _estimate, _series
from cslib.stats.impact._treated import _control
from cslib.stats.impact._wording import _sentence, _step_word
from cslib.stats.impact.compare import KINDS
from cslib.stats.impact.its import FAMILIES
from cslib.stats.impact.method import METHODS, MethodChoice, choose_method

OUTCOMES = ("improved", "worsened", "no detectable change")
#: fewest review points for the SPC "sustained" judgement
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
    positive: bool | None = None,
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
    positive : bool, optional
        Whether the KPI cannot be negative (durations, counts, rates): then the
        difference-in-differences effect is a ratio estimated on the log scale,
        so the level expected without the change stays above 0 and the change
        above −100 %. Default: when every value is above 0.

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
        picked = _forced(picked, method, unit, first_treated)
    name = kpi or y
    series = _series(data, y, time, unit, first_treated, picked.method, offset, n, family, kind)
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
    )
    outcome = _outcome(est["ci_low"], est["ci_high"], est["scale"], direction)
    target_met = _target(target, est, direction)
    sustained, why = (None, "not checked")
    if picked.method == "its" and est["details"].seasonality and family != "binomial":
        series = _seasonally_adjusted(series, est["details"], family)
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


def _seasonally_adjusted(series: pd.DataFrame, fit, family: str) -> pd.DataFrame:
    """The series without the ITS fit's seasonal component, so weekends are not read as signals."""
    seas = fit.fitted["seasonal"].to_numpy()
    adj = series["y"] - seas if family == "gaussian" else series["y"] * np.exp(-seas)
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
