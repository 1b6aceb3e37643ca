"""Power at Plan time: the smallest change the Check can detect, and the review it needs.

From the baseline's weekly KPI values — their spread, their week-to-week
autocorrelation and, through both, the volumes behind them — and the method the
Check will use (:func:`~cslib.stats.impact.method.choose_method` on the planned
periods), :func:`plan_power` gives the minimum detectable effect (MDE) at 80 %
power for the planned review and the review length that detects a target.
"Improved" needs the whole 95 % interval on the better side, so detection is a
one-sided test at 2.5 %.

The estimate's standard deviation, per method:

* **two periods** (weekly values before against after): the difference of two
  means of AR(1) weekly values, exactly ``σ √(w′Rw)`` with ``R_ij = φ^|i−j|``
  (the design effect of clustered weeks); the verdict's Welch interval on the
  weekly values assumes independent weeks, which the power allows for;
* **interrupted time series**: the segmented regression's average effect under
  AR(1) errors, ``√(c′(X′X)⁻¹X′ΣX(X′X)⁻¹c)`` around the baseline's trend; the
  verdict needs both its Newey–West and its AR(1) interval on the better side,
  counted as the expected larger of two estimates of one standard error, each
  varying like one with half the degrees of freedom (1 + 1/√(π df));
* **difference-in-differences** with few teams: each team's change (log scale
  for a KPI above 0) has the variance above computed from the team-specific
  weekly deviations (the week's mean over teams removed: shocks shared by all
  teams cancel); the effect's variance is that times ``1/n_treated +
  1/n_control`` and the verdict's t interval has ``teams − groups`` degrees of
  freedom.

Power is then the noncentral t probability of the verdict's statistic beyond its
critical value (Cohen 1988; for the design effect Kish 1965 and, for AR(1)
means, Bayley & Hammersley 1946; for DiD with few clusters Donald & Lang 2007).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from cslib._lazy import lazy
from cslib.stats.impact.method import method_rule

if TYPE_CHECKING:
    from scipy import optimize, stats
else:
    optimize = lazy("scipy.optimize")
    stats = lazy("scipy.stats")

#: the power the minimum detectable effect is stated at
POWER = 0.8
#: baseline weeks needed to estimate the spread and the autocorrelation
MIN_WEEKS = 6
#: the longest review searched for the weeks needed
MAX_WEEKS = 104
#: the autocorrelation used is kept below this (near 1 the weeks carry almost no information)
MAX_PHI = 0.9


@dataclass(frozen=True)
class Noise:
    """The baseline's week-to-week variation: ``sd`` of a week's value, lag-1 ``phi``, ``weeks`` used."""

    sd: float
    phi: float
    weeks: int


def weekly_noise(values, *, across_units: bool = False, detrend: bool = False) -> Noise:
    """Spread and AR(1) autocorrelation of weekly values (weeks along the last axis).

    Parameters
    ----------
    values : array-like
        One series (weeks), or units × weeks without missing values.
    across_units : bool
        Remove each week's mean over the units first (shocks every unit shares),
        as a difference-in-differences does; the spread is rescaled by G/(G−1).
    detrend : bool
        Deviations from each series' straight line (an ITS allows for the trend).

    Returns
    -------
    Noise
        ``phi`` is the pooled lag-1 autocorrelation with the usual small-sample
        correction (1 + 4φ)/T, clipped to 0…0.9.

    Examples
    --------
    >>> n = weekly_noise([10.0, 12.0, 10.0, 12.0, 10.0, 12.0, 10.0, 12.0])
    >>> round(n.sd, 3), n.phi, n.weeks
    (1.069, 0.0, 8)
    """
    x = np.atleast_2d(np.asarray(values, dtype=float))
    g, t = x.shape
    scale = 1.0
    if across_units and g > 1:
        x = x - x.mean(axis=0)
        scale = g / (g - 1)
    i = np.arange(t) - (t - 1) / 2
    r = x - x.mean(axis=1, keepdims=True)
    lost = 1
    if detrend and t > 2:
        r = r - np.outer(r @ i / (i @ i), i)
        lost = 2
    ss = float((r**2).sum())
    sd = np.sqrt(ss / (g * (t - lost)) * scale) if t > lost else np.nan
    phi = float((r[:, 1:] * r[:, :-1]).sum() / ss) if ss > 0 else 0.0
    phi = float(np.clip(phi + (1 + 4 * phi) / t, 0.0, MAX_PHI))
    return Noise(float(sd), phi, t)


def _ar1_corr(n: int, phi: float) -> np.ndarray:
    i = np.arange(n)
    return phi ** np.abs(i[:, None] - i[None, :])


def difference_sd(noise: Noise, n_before: int, n_after: int) -> float:
    """Standard deviation of (mean after − mean before) of AR(1) weekly values.

    Examples
    --------
    >>> round(difference_sd(Noise(2.0, 0.0, 10), 4, 4), 4)  # independent weeks: 2 √(1/4 + 1/4)
    1.4142
    """
    w = np.r_[np.full(n_before, -1.0 / n_before), np.full(n_after, 1.0 / n_after)]
    return noise.sd * float(np.sqrt(w @ _ar1_corr(w.size, noise.phi) @ w))


def its_sd(noise: Noise, n_before: int, n_after: int) -> float:
    """Standard deviation of an ITS average effect (level + slope change) under AR(1) errors.

    Examples
    --------
    >>> its_sd(Noise(1.0, 0.3, 20), 12, 12) > its_sd(Noise(1.0, 0.0, 20), 12, 12)
    True
    """
    n = n_before + n_after
    t = np.arange(n, dtype=float)
    post = t >= n_before
    X = np.column_stack([np.ones(n), t, post, (t - n_before) * post])
    c = np.array([0.0, 0.0, 1.0, float(np.mean(t[post] - n_before))])
    a = np.linalg.solve(X.T @ X, c)
    h = X @ a
    return noise.sd * float(np.sqrt(h @ _ar1_corr(n, noise.phi) @ h))


@dataclass(frozen=True)
class Design:
    """The Check's comparison: ``method`` (did / its / two-period), weeks before, and for DiD
    the adopting and comparison teams and the groups (cohorts + never adopting) they form."""

    method: str
    n_before: int
    n_treated: int = 1
    n_control: int = 0
    n_groups: int = 2


def _test(design: Design, noise: Noise, n_after: int) -> tuple[float, float, int]:
    """(sd of the estimate, the verdict's s.e. over that sd, degrees of freedom)."""
    nb = design.n_before
    if design.method == "did":
        sd = difference_sd(noise, nb, n_after) * np.sqrt(
            1 / design.n_treated + 1 / design.n_control
        )
        return sd, 1.0, design.n_treated + design.n_control - design.n_groups
    if design.method == "its":
        # "improved" needs both the Newey–West and the AR(1) interval on the better side: the
        # expected larger of two s.e. estimates, each varying like one from df / 2 degrees of
        # freedom (relative sd 1/√df: HAC and feasible-GLS errors vary more than plain ones)
        df = nb + n_after - 4
        return its_sd(noise, nb, n_after), 1 + 1 / np.sqrt(np.pi * max(df, 1)), df
    sd = difference_sd(noise, nb, n_after)
    welch = noise.sd * np.sqrt(1 / nb + 1 / n_after)  # the verdict's interval: independent weeks
    return sd, welch / sd, nb + n_after - 2


def power(effect: float, design: Design, noise: Noise, n_after: int, alpha: float = 0.05) -> float:
    """Probability that the verdict calls a true ``effect`` (on its scale) "improved".

    Examples
    --------
    >>> d = Design("two-period", 26)
    >>> round(power(0.0, d, Noise(1.0, 0.0, 26), 26), 3)  # no effect: the one-sided 2.5 %
    0.025
    """
    sd, ratio, df = _test(design, noise, n_after)
    if df < 1 or not sd > 0:
        return np.nan
    q = stats.t.ppf(1 - alpha / 2, df) * ratio
    return float(stats.nct.sf(q, df, abs(effect) / sd))


def mde(design: Design, noise: Noise, n_after: int, alpha: float = 0.05) -> float:
    """The effect (on the verdict's scale) detected with 80 % power after ``n_after`` weeks.

    Examples
    --------
    >>> round(mde(Design("two-period", 400), Noise(1.0, 0.0, 400), 400), 3)  # (1.96 + 0.84) √(2/400)
    0.198
    """
    sd, ratio, df = _test(design, noise, n_after)
    if df < 1 or not sd > 0:
        return np.nan
    q = stats.t.ppf(1 - alpha / 2, df) * ratio
    ncp = optimize.brentq(lambda d: stats.nct.sf(q, df, d) - POWER, 0.0, 100.0)
    return float(ncp * sd)


@dataclass(frozen=True)
class PlanPower:
    """What the Check can detect for one objective, planned from its baseline.

    Attributes
    ----------
    method : str
        The Check's method for the planned review (did / its / two-period).
    scale : {"ratio", "difference"}
        The verdict's scale: DiD on a KPI above 0 compares logs (a ratio).
    level : float
        The baseline level the changes are relative to.
    review_weeks, baseline_weeks : int
    mde : float
        Minimum detectable change at 80 % power, in the KPI's units, towards better.
    mde_relative : float
        The same as a fraction of ``level`` (−0.1 = a 10 % fall).
    target_change : float or None
        The change the target asks for (KPI units), None without a target.
    weeks_needed : int or None
        Review weeks for 80 % power at the target; None when no target, the target
        is no improvement, or it is not reached within ``MAX_WEEKS``.
    sd, phi : float
        The baseline's weekly spread (on the verdict's scale) and autocorrelation.
    note : str
        Why the power could not be estimated ("" when it could).
    """

    method: str
    scale: str
    level: float
    review_weeks: int
    baseline_weeks: int
    mde: float
    mde_relative: float
    target_change: float | None
    weeks_needed: int | None
    sd: float
    phi: float
    note: str = ""

    @property
    def detectable(self) -> bool | None:
        """Whether the target is detected with 80 % power within the planned review."""
        if self.weeks_needed is None:
            return None if self.target_change is None or self.note else False
        return self.weeks_needed <= self.review_weeks


def _unknown(level, review_weeks, weeks, target_change, note) -> PlanPower:
    nan = float("nan")
    return PlanPower(
        "", "", level, review_weeks, weeks, nan, nan, target_change, None, nan, nan, note
    )


def plan_power(
    baseline,
    *,
    level: float,
    direction: str,
    review_weeks: int,
    target: float | None = None,
    treated=None,
    n_groups: int = 2,
) -> PlanPower:
    """The minimum detectable effect for the planned review, and the weeks a target needs.

    Parameters
    ----------
    baseline : array-like
        The KPI's weekly values over the baseline: one series (the Check compares
        the series before and after) or teams × weeks (difference-in-differences;
        weeks with a missing team are left out).
    level : float
        The baseline level of the KPI (in the adopting teams).
    direction : {"lower", "higher"}
        Which way is better.
    review_weeks : int
        Weeks of the planned review (from the change to the review's end).
    target : float, optional
        The level to reach.
    treated : array of bool, optional
        For teams × weeks: which teams adopt the change (the others compare).
    n_groups : int
        For DiD: the adoption cohorts plus the never-adopting group.

    Returns
    -------
    PlanPower
        With a ``note`` instead of numbers when the baseline is too thin.

    Examples
    --------
    Twelve baseline weeks around 100 (weekly sd 4), a review of six weeks, a target of 94:

    >>> rng = np.random.default_rng(0)
    >>> p = plan_power(100 + rng.normal(0, 4, 12), level=100, direction="lower", review_weeks=6, target=94)
    >>> p.method, round(p.mde, 1), p.weeks_needed, p.detectable
    ('two-period', -5.2, 4, True)
    """
    x = np.asarray(baseline, dtype=float)
    change = None if target is None else float(target) - level
    control = treated is not None
    x = x[:, ~np.isnan(x).any(axis=0)] if control else x[~np.isnan(x)]
    weeks = int(x.shape[-1])
    if weeks < MIN_WEEKS:
        which = "with a value for every team" if control else "with a value"
        note = f"only {weeks} baseline week{'' if weeks == 1 else 's'} {which}; the power needs {MIN_WEEKS}"
        return _unknown(level, review_weeks, weeks, change, note)
    ratio = control and bool((x > 0).all()) and level > 0
    sign = -1.0 if direction == "lower" else 1.0
    if control:
        treated = np.asarray(treated, dtype=bool)
        nt, nc = int(treated.sum()), int((~treated).sum())
        if nt + nc - n_groups < 1 or min(nt, nc) < 1:
            note = f"{nt} adopting and {nc} comparison team(s) leave no spread to judge by"
            return _unknown(level, review_weeks, weeks, change, note)
        noises = {"did": weekly_noise(np.log(x) if ratio else x, across_units=True)}
        designs = {"did": Design("did", weeks, nt, nc, n_groups)}
    else:
        noises = {
            "its": weekly_noise(x, detrend=True),
            "two-period": weekly_noise(x),
        }
        designs = {m: Design(m, weeks) for m in noises}
    if not all(n.sd > 0 for n in noises.values()):
        return _unknown(level, review_weeks, weeks, change, "the baseline does not vary")

    def to_units(effect: float) -> float:  # an effect on the verdict's scale, in KPI units
        return level * np.expm1(sign * effect) if ratio else sign * effect

    wanted = None
    if change is not None and sign * change > 0:
        wanted = abs(np.log1p(change / level)) if ratio else abs(change)

    def method_for(n_after: int) -> str:
        return method_rule(weeks, n_after, control)

    method = method_for(review_weeks)
    found = mde(designs[method], noises[method], review_weeks)
    needed = None
    if wanted is not None:
        needed = next(
            (
                n
                for n in range(1, MAX_WEEKS + 1)
                if power(wanted, designs[m := method_for(n)], noises[m], n) >= POWER
            ),
            None,
        )
    shown = to_units(found)
    return PlanPower(
        method,
        "ratio" if ratio else "difference",
        level,
        review_weeks,
        weeks,
        float(shown),
        float(shown / level) if level else float("nan"),
        change,
        needed,
        noises[method].sd,
        noises[method].phi,
    )
