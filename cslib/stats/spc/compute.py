"""Run charts and Shewhart control charts, with a choice of signal rules.

A chart separates *common-cause* variation (the noise of a stable process) from
*special-cause* variation (a signal that something changed). Two rule sets are
offered; choose one explicitly with ``rules=``, because they flag different points.

``rules="anhoej"`` (default; qicharts2, J. Anhøj)
    The centre line is the median on run charts and the mean on control charts
    (the median on G charts). Points on the centre line and excluded points are
    not *useful*. The runs rules signal a shift for the whole part when the
    longest run on one side of the centre is longer than
    ``round(log2(n_useful)) + 3`` or when the line is crossed fewer than
    ``qbinom(0.05, n_useful - 1, 0.5)`` times. Control charts add Shewhart's
    3-sigma rule per point (``sigma_signal``). A point is a special cause when it
    is outside the limits or belongs to an unusually long run (``long_run``).

``rules="nhs"`` (NHS "Making Data Count"; NHSRplotthedots)
    XmR limits are mean ± 2.66 × mean moving range (other chart types keep their
    3-sigma limits). Special causes, in order of precedence: a point outside the
    limits; a trend of 7 points each higher (or lower) than the previous; 2 or 3
    of 3 consecutive points, all on one side of the mean, close to a limit —
    beyond 2/3 of the way to it but not outside it (the close points are
    flagged); a shift of 7 points on one side of the mean.
    The Anhøj runs analysis is still reported in ``summary()``.

Moving ranges are screened by default, as qicharts2 (≥ 0.8) and NHSRplotthedots
do: moving ranges of 3.267 × their mean or more are left out and the mean moving
range recomputed from the rest before the limits of I, T, P′ and U′ charts are
computed (the centre line is unchanged). The MR chart's own centre line uses
every moving range, as in qicharts2. ``screen_mr=False`` keeps every range.

With ``improvement="increase"`` or ``"decrease"`` each point's ``variation`` is
``"improvement"``, ``"concern"`` or ``"common cause"`` (``"neutral"`` special
causes without a direction); with a ``target`` as well, each part gets an
assurance: ``"consistently pass"`` / ``"consistently fail"`` when the target lies
outside the limits, otherwise ``"inconsistent"``. Limits computed from fewer than
12 baseline points are *trial limits* (``trial_limits`` column and a note).

Positions are 0-based and count the chart's points (subgroups on Xbar/S charts).
``freeze``, ``part`` and ``exclude`` also take ``x`` values such as dates:
``part=change_date`` starts a new part at the first ``x`` on or after it.

Examples
--------
>>> res = control_chart([49.6, 47.6, 49.9, 51.3, 47.8, 51.2, 52.6, 52.4, 53.6, 52.1])
>>> row = res.summary().iloc[0]
>>> print(round(row["cl"], 2), round(row["ucl"], 4), row["runs_signal"])
50.81 55.8041 False
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from cslib import display
from cslib.stats.spc._inputs import (
    _check_missing,
    _choice,
    _direction,
    _labels,
    _moving_ranges,
    _numbers,
    _points,
    _target,
)
from cslib.stats.spc._parts import _analyse_part, _assurance, _variation
from cslib.stats.spc._positions import _freeze, _part_starts, _positions
from cslib.stats.spc.draw import spc_chart
from cslib.stats.spc.rules import runs_limits

__all__ = ["CHARTS", "RULES", "SpcResult", "control_chart", "run_chart", "runs_limits"]

#: chart types understood by :func:`control_chart`
CHARTS = ("run", "i", "mr", "xbar", "s", "c", "u", "p", "pp", "up", "g", "t")
#: rule sets understood by :func:`control_chart`
RULES = ("anhoej", "nhs")


# --------------------------------------------------------------------------- result


@dataclass(frozen=True, eq=False)
class SpcResult:
    """A run or control chart: per-point data, per-part summary, the rule set.

    Attributes
    ----------
    data : pandas.DataFrame
        One row per point (index = 0-based position). Columns: ``x``, ``y`` (the
        plotted statistic: the value, proportion, rate, subgroup mean or sd, or
        moving range), ``value`` (MR chart: the individual values), ``count`` and
        ``n`` (p/u charts: numerator and denominator), ``n`` and ``sd`` (xbar/s:
        subgroup size and sd), ``cl``, ``lcl``, ``ucl``, ``sigma_signal``,
        ``runs_signal`` (of the point's part), ``long_run`` (in a run longer than
        the Anhøj limit), under ``rules="nhs"`` the rule flags ``outside_limits``,
        ``trend``, ``two_of_three``, ``shift`` and ``special_cause_rule``, then
        ``special_cause``, ``variation``, ``part`` (1, 2, …), ``excluded``,
        ``baseline`` (used for centre and limits), ``trial_limits``.
    chart, rules : str
        Chart type and rule set.
    improvement : {"increase", "decrease"} or None
        Direction of improvement (None: neutral).
    target : float or None
        Target on the scale of ``y``.
    """

    data: pd.DataFrame = field(repr=False)
    chart: str
    rules: str
    improvement: str | None = None
    target: float | None = None
    _summary: pd.DataFrame = field(default=None, repr=False)  # type: ignore[assignment]

    def summary(self) -> pd.DataFrame:
        """One row per part.

        Returns
        -------
        pandas.DataFrame
            ``part``, ``x_start``, ``x_end``, ``n_obs`` (points not excluded),
            ``n_baseline``, ``n_useful``, ``longest_run``, ``longest_run_max``,
            ``n_crossings``, ``n_crossings_min``, ``runs_signal``,
            ``sigma_signals`` (count), ``special_causes`` (count), ``cl``, ``lcl``,
            ``ucl`` (NaN when they vary within the part), ``assurance``,
            ``trial_limits``, ``note``.
        """
        return self._summary.copy()

    @property
    def signal(self) -> bool:
        """True when any part has a runs signal or any point is a special cause."""
        return bool(self.data["runs_signal"].any() or self.data["special_cause"].any())

    def _repr_html_(self) -> str:
        from matplotlib.figure import Figure

        fig = Figure(figsize=(8, 3.6), layout="constrained")
        spc_chart(self, ax=fig.subplots())
        png = base64.b64encode(display.png(fig, dpi=96, tight=False)).decode("ascii")
        title = f"{self.chart.upper()} chart · {self.rules} rules"
        table = self.summary().to_html(index=False, na_rep="", float_format=lambda v: f"{v:.4g}")
        return (
            f"<div><strong>{title}</strong>{table}"
            f'<img src="data:image/png;base64,{png}" alt="{title}"/></div>'
        )


# --------------------------------------------------------------------------- public API


def run_chart(
    y: Sequence[float] | pd.Series,
    *,
    x: Sequence[object] | pd.Series | None = None,
    freeze: int | object | None = None,
    part: int | object | Sequence[object] | None = None,
    exclude: Sequence[object] | None = None,
    improvement: str | None = None,
    target: float | None = None,
) -> SpcResult:
    """Run chart with the Anhøj runs analysis (median centre line, no limits).

    Parameters are those of :func:`control_chart` with ``chart="run"``.

    Returns
    -------
    SpcResult
        See :func:`control_chart`; ``lcl`` and ``ucl`` are NaN.

    Examples
    --------
    >>> res = run_chart([17, 12, 27, 20, 20, 18, 22, 19, 19, 24, 17, 16, 24, 19, 19, 22,
    ...                  25, 19, 17, 6, 25, 17, 11, 14, 9, 11, 7, 13, 5, 5, 3, 5, 9, 4, 5, 9],
    ...                 freeze=24)
    >>> row = res.summary().iloc[0]
    >>> print(row["cl"], row["n_useful"], row["longest_run"], row["runs_signal"])
    19.0 31 15 True
    """
    return control_chart(
        y,
        x=x,
        chart="run",
        freeze=freeze,
        part=part,
        exclude=exclude,
        improvement=improvement,
        target=target,
    )


def control_chart(
    y: Sequence[float] | pd.Series,
    *,
    x: Sequence[object] | pd.Series | None = None,
    chart: str = "i",
    n: Sequence[float] | float | None = None,
    freeze: int | object | None = None,
    part: int | object | Sequence[object] | None = None,
    exclude: Sequence[object] | None = None,
    rules: str = "anhoej",
    screen_mr: bool | None = None,
    target: float | None = None,
    improvement: str | None = None,
) -> SpcResult:
    """Run or control chart of a sequence, with signals.

    Parameters
    ----------
    y : sequence of float
        Values in time order: measurements (run, i, mr, t, g, xbar, s) or counts
        (c; and the numerators of p, pp, u, up with ``n`` the denominators).
        A pandas Series indexed by dates supplies ``x`` when ``x`` is None.
    x : sequence, optional
        Label of each value (a date, a period). On xbar/s charts the values that
        share an ``x`` form one subgroup (subgroups in order of ``x``).
    chart : str
        ``"run"``, ``"i"`` (individuals), ``"mr"`` (moving range), ``"xbar"``,
        ``"s"``, ``"c"`` (counts), ``"u"`` (rates), ``"p"`` (proportions),
        ``"pp"`` / ``"up"`` (Laney P′ / U′), ``"g"`` (counts between events),
        ``"t"`` (time between events).
    n : sequence of float or float, optional
        Denominators of p, pp, u and up charts (a number applies to every point).
    freeze : int or x value, optional
        Baseline: centre and limits from the first ``freeze`` points (or the
        points before the first ``x`` on or after the value); signals are still
        sought over all points. A part without baseline points uses all its points.
        Integers are always 0-based positions; any other value (a date, a
        period, a string) is looked up in ``x``.
    part : int, x value or sequence of them, optional
        Start a new part at each position (or at the first ``x`` on or after each
        value); each part has its own centre, limits and runs analysis.
    exclude : sequence of int or x values, optional
        Points that get no weight in centre and limits, nor in the pattern rules;
        they still get a ``sigma_signal``. Missing values must be excluded.
    rules : {"anhoej", "nhs"}
        Signal rules (see the module docstring).
    screen_mr : bool, optional
        Leave out moving ranges ≥ 3.267 × their mean, then recompute the mean
        moving range from the rest, before computing the limits (i, t, pp and up
        charts; with ``True`` also the MR chart's centre line). The default,
        None, screens every chart type but the MR chart, as qicharts2 (≥ 0.8)
        and NHSRplotthedots do by default; ``False`` keeps every moving range.
    target : float, optional
        Target on the scale of the plotted statistic, for the assurance.
    improvement : {"increase", "decrease"}, optional
        Direction of improvement; None is neutral.

    Returns
    -------
    SpcResult
        ``.data`` one row per point, ``.summary()`` one row per part; see
        :class:`SpcResult` for the columns.

    Raises
    ------
    ParameterError
        Unknown chart or rules, lengths that differ, missing or invalid ``n``,
        negative counts, counts above ``n``, missing values not excluded, fewer
        than 2 usable points (in any part), ``freeze`` / ``part`` / ``exclude``
        out of range.

    Examples
    --------
    >>> res = control_chart([17, 12, 27, 20, 20, 18, 22, 19, 19, 24, 17, 16, 24, 19, 19, 22,
    ...                      25, 19, 17, 6, 25, 17, 11, 14, 9, 11, 7, 13, 5, 5, 3, 5, 9, 4,
    ...                      5, 9], chart="c", part=[24])
    >>> res.summary()[["part", "cl", "lcl", "ucl"]].round(2).values.tolist()
    [[1.0, 18.71, 5.73, 31.68], [2.0, 7.08, 0.0, 15.07]]
    """
    chart = _choice(chart, CHARTS, "chart")
    rules = _choice(rules, RULES, "rules")
    improvement = _direction(improvement)
    target = _target(target)
    values = _numbers(y, "y")
    xs = _labels(x, y, len(values))
    points = _points(chart, values, xs, n)
    size = len(points)
    labels = points["x"]
    has_x = xs is not None

    excluded = np.zeros(size, dtype=bool)
    excluded[_positions(exclude, labels, has_x, "exclude")] = True
    starts = _part_starts(part, labels, has_x)
    k = _freeze(freeze, labels, has_x)
    part_no = np.searchsorted(np.asarray(starts), np.arange(size), side="right")
    baseline = np.arange(size) < k

    if chart == "mr":
        points = _moving_ranges(points, part_no)
    _check_missing(points, excluded, chart)

    screen = chart != "mr" if screen_mr is None else bool(screen_mr)
    pieces, rows = [], []
    for p in range(1, len(starts) + 1):
        at = np.flatnonzero(part_no == p)
        piece, row = _analyse_part(
            points.iloc[at], p, baseline[at], excluded[at], chart, rules, screen
        )
        pieces.append(piece)
        rows.append(row)
    data = pd.concat(pieces)
    data = _variation(data, improvement)
    summary = pd.DataFrame(rows)
    summary.insert(1, "x_start", data.groupby("part")["x"].first().to_numpy())
    summary.insert(2, "x_end", data.groupby("part")["x"].last().to_numpy())
    summary.insert(
        summary.columns.get_loc("cl"),
        "special_causes",
        data.groupby("part")["special_cause"].sum().to_numpy(),
    )
    summary.insert(
        summary.columns.get_loc("trial_limits"),
        "assurance",
        [_assurance(g, target, improvement) for _, g in data.groupby("part")],
    )
    return SpcResult(data, chart, rules, improvement, target, summary)
