"""Whether shares vary between periods more than sampling explains, and the chart that allows for it.

With large samples per period (a hundred checks a week and more), the binomial
limits of a p chart are narrow, and the ordinary week-to-week variation of a
stable process — other evaluators, another case mix, a short-staffed week — falls
outside them: the chart signals week after week although nothing changed.
Laney (2002) measures that extra variation by σz, the standard deviation of the
points' z-scores ``(p_i − p̄) / √(p̄(1 − p̄)/n_i)`` estimated from their mean
moving range (÷ 1.128, ranges of 3.267 × their mean or more screened out as on
the chart); his p′ chart multiplies each binomial sigma by σz.

:func:`share_chart` picks the p′ chart when σz > 1 (over-dispersion) and the p
chart otherwise, where a p′ chart would only narrow the limits. σz is measured
over the whole series: moving ranges barely notice a step, so a real shift does
not pass for over-dispersion. ``python benchmarks/standards_chart_bench.py``
measures the false signals of both charts on simulated stable series.

Laney, D. B. (2002). Improved control charts for attributes. *Quality
Engineering* 14(4), 531–537.

Examples
--------
Weekly checks met 80, 86, 78, 84 of 100: p̄ = 0.82, z = −0.52, 1.04, −1.04, 0.52,
mean moving range 1.7353, σz = 1.7353 / 1.128:

>>> round(sigma_z([80, 86, 78, 84], [100] * 4), 5)
1.53835
>>> share_chart([80, 86, 78, 84], [100] * 4)
'pp'
>>> SHARE_CHART_NAMES[share_chart([80, 81, 80, 79], [100] * 4)]
'p chart'
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from cslib.stats.spc.limits import D2, mean_moving_range

__all__ = ["SHARE_CHART_NAMES", "share_chart", "sigma_z"]

#: the share charts as the output names them
SHARE_CHART_NAMES = {"p": "p chart", "pp": "Laney p′ chart"}


def sigma_z(counts: Sequence[float], n: Sequence[float], *, screen_mr: bool = True) -> float:
    """Laney's σz: the spread of the points' z-scores, from their mean moving range.

    Parameters
    ----------
    counts, n : sequence of float
        Each period's count (checks met) and denominator (checks); periods with
        no denominator or a missing count are left out.
    screen_mr : bool
        Leave out moving ranges of 3.267 × their mean or more, as the chart does.

    Returns
    -------
    float
        σz: about 1 when the shares vary as binomial sampling alone makes them
        vary, above 1 with over-dispersion; NaN with fewer than two periods or a
        share of 0 or 1 throughout (no binomial spread to compare with).
    """
    y = np.asarray(counts, dtype=float)
    m = np.asarray(n, dtype=float)
    keep = np.isfinite(y) & np.isfinite(m) & (m > 0)
    y, m = y[keep], m[keep]
    if len(y) < 2:
        return float("nan")
    centre = y.sum() / m.sum()
    if centre <= 0 or centre >= 1:
        return float("nan")
    z = (y / m - centre) / np.sqrt(centre * (1 - centre) / m)
    return mean_moving_range(z, screen_mr) / D2


def share_chart(counts: Sequence[float], n: Sequence[float], *, screen_mr: bool = True) -> str:
    """The chart for these shares: ``"pp"`` (Laney p′) when σz > 1, else ``"p"``.

    Parameters are those of :func:`sigma_z`; the name to show is
    ``SHARE_CHART_NAMES[share_chart(...)]``.
    """
    s = sigma_z(counts, n, screen_mr=screen_mr)
    return "pp" if np.isfinite(s) and s > 1 else "p"
