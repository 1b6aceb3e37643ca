"""Centre lines and 3-sigma limits of each chart type (internal to :mod:`cslib.stats.spc`).

Every function works on one part of a chart and returns ``(cl, lcl, ucl)``,
arrays as long as the part. ``base`` masks the points the centre and limits
are computed from: in the baseline (``freeze``), not excluded, not missing.
Formulas follow qicharts2 (Anhøj) and, for the XmR chart under the NHS rules,
NHSRplotthedots (2.66 × mean moving range).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from cslib._lazy import lazy

if TYPE_CHECKING:
    from scipy import special
else:
    special = lazy("scipy.special")

#: d2 for moving ranges of two points: sigma = mean MR / 1.128
D2 = 1.128
#: D4 for moving ranges of two points: upper limit of the MR chart, and the screening cut-off
D4 = 3.267
#: NHS "Making Data Count" XmR constant (3 / d2, as the NHS publishes it)
NHS_XMR = 2.66
#: baselines shorter than this give trial limits
TRIAL_POINTS = 12


@dataclass(frozen=True)
class Part:
    """The values of one part that the limit functions need."""

    y: np.ndarray  # the plotted statistic (proportion, rate, mean, sd, moving range…)
    n: np.ndarray | None  # denominators (p, u) or subgroup sizes (xbar, s)
    sd: np.ndarray | None  # subgroup standard deviations (xbar)
    base: np.ndarray  # points the centre and limits come from
    rules: str  # "anhoej" or "nhs"
    screen_mr: bool

    @property
    def sizes(self) -> np.ndarray:
        """The denominators or subgroup sizes, which the charts that use them always have."""
        if self.n is None:
            raise ValueError("this chart needs denominators or subgroup sizes")
        return self.n

    @property
    def sds(self) -> np.ndarray:
        """The subgroup standard deviations, which the Xbar and S charts always have."""
        if self.sd is None:
            raise ValueError("this chart needs subgroup standard deviations")
        return self.sd


def c4(n: np.ndarray) -> np.ndarray:
    """Bias-correction constant c4(n) of the sample standard deviation."""
    n = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.sqrt(2 / (n - 1)) * np.exp(special.gammaln(n / 2) - special.gammaln((n - 1) / 2))


def a3(n: np.ndarray) -> np.ndarray:
    """A3 = 3 / (c4 · √n): Xbar limits from the mean subgroup standard deviation."""
    return 3 / (c4(n) * np.sqrt(n))


def b3(n: np.ndarray) -> np.ndarray:
    """B3 = max(0, 1 − 3·√(1 − c4²)/c4): lower S-chart limit factor."""
    c = c4(n)
    return np.maximum(0, 1 - 3 * np.sqrt(1 - c**2) / c)


def b4(n: np.ndarray) -> np.ndarray:
    """B4 = 1 + 3·√(1 − c4²)/c4: upper S-chart limit factor."""
    c = c4(n)
    return 1 + 3 * np.sqrt(1 - c**2) / c


def mean_moving_range(values: np.ndarray, screen: bool) -> float:
    """Mean moving range of consecutive values; screening drops MR ≥ D4 × mean MR, then recomputes."""
    return _screened_mean(np.abs(np.diff(values)), screen)


def _screened_mean(mr: np.ndarray, screen: bool) -> float:
    """Mean of moving ranges, optionally without those ≥ D4 × the mean (Nelson 1982)."""
    amr = mr.mean()
    keep = mr < D4 * amr
    if screen and keep.any():  # all-equal ranges (e.g. a flat series) are all kept
        amr = mr[keep].mean()
    return float(amr)


def _const(p: Part, value: float) -> np.ndarray:
    return np.full(len(p.y), value, dtype=float)


def _pooled_or_mean_sd(p: Part) -> float:
    """Mean subgroup sd for equal subgroups; pooled sd when sizes differ (Montgomery 6.29/6.31)."""
    n, sd = p.sizes[p.base], p.sds[p.base]
    if np.unique(n).size == 1:
        return float(sd.mean())
    return float(np.sqrt(np.sum((n - 1) * sd**2) / np.sum(n - 1)))


def _run(p: Part):
    cl = _const(p, float(np.median(p.y[p.base])))
    nan = _const(p, np.nan)
    return cl, nan, nan.copy()


def _i(p: Part):
    cl = float(p.y[p.base].mean())
    amr = mean_moving_range(p.y[p.base], p.screen_mr)
    half = (NHS_XMR if p.rules == "nhs" else 3 / D2) * amr
    return _const(p, cl), _const(p, cl - half), _const(p, cl + half)


def _mr(p: Part):
    amr = _screened_mean(p.y[p.base], p.screen_mr)
    return _const(p, amr), _const(p, 0.0), _const(p, D4 * amr)


def _t(p: Part):
    # I chart of y^(1/3.6) (Nelson's transform), back-transformed
    cl, lcl, ucl = _i(Part(p.y ** (1 / 3.6), None, None, p.base, p.rules, p.screen_mr))
    lcl = np.where(lcl > 0, np.abs(lcl) ** 3.6, 0.0)
    return cl**3.6, lcl, ucl**3.6


def _c(p: Part):
    cl = float(p.y[p.base].mean())
    half = 3 * np.sqrt(cl)
    return _const(p, cl), _const(p, max(cl - half, 0.0)), _const(p, cl + half)


def _rate_centre(p: Part) -> float:
    # sum of counts / sum of denominators, not the mean of the ratios
    return float(np.sum(p.y[p.base] * p.sizes[p.base]) / np.sum(p.sizes[p.base]))


def _laney(p: Part, cl: float, sigma: np.ndarray) -> np.ndarray:
    """Laney's sigma_z: the moving range of the baseline z-scores / 1.128."""
    with np.errstate(invalid="ignore", divide="ignore"):  # sigma is 0 when cl is 0
        z = (p.y[p.base] - cl) / sigma[p.base]
    return sigma * mean_moving_range(z, p.screen_mr) / D2


def _u(p: Part, prime: bool = False):
    cl = _rate_centre(p)
    sigma = np.sqrt(cl / p.sizes)
    if prime:
        sigma = _laney(p, cl, sigma)
    return _const(p, cl), np.maximum(cl - 3 * sigma, 0.0), cl + 3 * sigma


def _p(p: Part, prime: bool = False):
    cl = _rate_centre(p)
    sigma = np.sqrt(cl * (1 - cl) / p.sizes)
    if prime:
        sigma = _laney(p, cl, sigma)
    return _const(p, cl), np.maximum(cl - 3 * sigma, 0.0), np.minimum(cl + 3 * sigma, 1.0)


def _g(p: Part):
    mean = float(p.y[p.base].mean())
    half = 3 * np.sqrt(mean * (mean + 1))  # Montgomery p. 319
    # limits from the mean, centre line shown as the median (skewed distribution)
    cl = float(np.median(p.y[p.base]))
    return _const(p, cl), _const(p, max(mean - half, 0.0)), _const(p, mean + half)


def _xbar(p: Part):
    cl = float(np.sum(p.sizes[p.base] * p.y[p.base]) / np.sum(p.sizes[p.base]))
    half = a3(p.sizes) * _pooled_or_mean_sd(p)
    return _const(p, cl), cl - half, cl + half


def _s(p: Part):
    sbar = _pooled_or_mean_sd(p)
    return _const(p, sbar), b3(p.sizes) * sbar, b4(p.sizes) * sbar


LIMITS = {
    "run": _run,
    "i": _i,
    "mr": _mr,
    "t": _t,
    "c": _c,
    "u": _u,
    "up": lambda p: _u(p, prime=True),
    "p": _p,
    "pp": lambda p: _p(p, prime=True),
    "g": _g,
    "xbar": _xbar,
    "s": _s,
}
