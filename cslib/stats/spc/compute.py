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
    limits; a trend of 7 points each higher (or lower) than the previous; 2 of 3
    consecutive points beyond 2/3 of the way to a limit on the same side (the
    near-limit points are flagged); a shift of 7 points on one side of the mean.
    The Anhøj runs analysis is still reported in ``summary()``.

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
import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from cslib.errors import ParameterError, Problem
from cslib.stats.spc.draw import spc_chart
from cslib.stats.spc.limits import LIMITS, Part
from cslib.stats.spc.rules import Runs, nhs_rules, runs_analysis, runs_limits

__all__ = ["CHARTS", "RULES", "SpcResult", "control_chart", "run_chart", "runs_limits"]

#: chart types understood by :func:`control_chart`
CHARTS = ("run", "i", "mr", "xbar", "s", "c", "u", "p", "pp", "up", "g", "t")
#: rule sets understood by :func:`control_chart`
RULES = ("anhoej", "nhs")
#: baselines shorter than this give trial limits
TRIAL_POINTS = 12

_NEEDS_N = ("p", "u", "pp", "up")
_SUBGROUPS = ("xbar", "s")
_NON_NEGATIVE = ("c", "u", "p", "pp", "up", "g")
_DIRECTIONS = ("increase", "decrease")
_SHOW = 5


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
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=96)
        png = base64.b64encode(buf.getvalue()).decode("ascii")
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
    screen_mr: bool = False,
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
    screen_mr : bool
        Drop moving ranges ≥ 3.267 × their mean before computing the limits
        (i, mr, t, pp and up charts).
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

    pieces, rows = [], []
    for p in range(1, len(starts) + 1):
        at = np.flatnonzero(part_no == p)
        piece, row = _analyse_part(
            points.iloc[at], p, baseline[at], excluded[at], chart, rules, screen_mr
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


# --------------------------------------------------------------------------- analysis


def _analyse_part(
    pts: pd.DataFrame,
    part_no: int,
    baseline: np.ndarray,
    excluded: np.ndarray,
    chart: str,
    rules: str,
    screen_mr: bool,
) -> tuple[pd.DataFrame, dict]:
    """Centre, limits and signals of one part."""
    y = pts["y"].to_numpy(dtype=float)
    finite = np.isfinite(y)
    usable = ~excluded & finite
    if chart == "mr":  # a moving range next to an excluded value carries its weight
        usable &= ~np.r_[False, excluded[:-1]]
    base = baseline & usable
    if not base.any():  # the part starts after the frozen baseline
        base = usable.copy()
    if base.sum() < 2:
        where = _show(pts.index[usable])
        raise ParameterError(
            Problem(
                f"part {part_no} has {int(base.sum())} usable point(s) for centre and limits "
                f"(positions {where or 'none'}); a chart needs at least 2",
                fix="start parts later, freeze a longer baseline, or exclude fewer points",
            )
        )
    n = pts["n"].to_numpy(dtype=float) if "n" in pts else None
    sd = pts["sd"].to_numpy(dtype=float) if "sd" in pts else None
    cl, lcl, ucl = LIMITS[chart](Part(y, n, sd, base, rules, screen_mr))

    with np.errstate(invalid="ignore"):
        sigma = (y > ucl) | (y < lcl)
    runs = runs_analysis(y, cl, ~excluded & finite)
    if chart == "mr":  # moving ranges are autocorrelated: no pattern rules (as qicharts2)
        runs = Runs(runs.n_useful, *([np.nan] * 4), False, np.zeros(len(y), bool))
    out = pts.copy()
    out["cl"], out["lcl"], out["ucl"] = cl, lcl, ucl
    out["sigma_signal"] = sigma
    out["runs_signal"] = runs.signal
    out["long_run"] = runs.long_run
    if rules == "nhs":
        use = ~excluded & finite if chart != "mr" else np.zeros(len(y), bool)
        flags = nhs_rules(y, cl, lcl, ucl, sigma, use)
        out["outside_limits"] = sigma
        out["trend"], out["two_of_three"], out["shift"] = (
            flags.trend,
            flags.two_of_three,
            flags.shift,
        )
        out["special_cause"] = flags.special_cause
        out["special_cause_rule"] = pd.Series(flags.rule, index=out.index, dtype=object)
        out["_direction"] = flags.direction
    else:
        out["special_cause"] = sigma | runs.long_run
        out["_direction"] = np.nan_to_num(np.sign(y - cl)).astype(int)
    n_base = int(base.sum())
    trial = n_base < TRIAL_POINTS
    out["part"] = part_no
    out["excluded"] = excluded
    out["baseline"] = base
    out["trial_limits"] = trial

    def constant(v: np.ndarray) -> float:
        return float(v[0]) if np.allclose(v, v[0], equal_nan=True, rtol=0, atol=0) else np.nan

    row = {
        "part": part_no,
        "n_obs": int((~excluded & finite).sum()),
        "n_baseline": n_base,
        "n_useful": runs.n_useful,
        "longest_run": runs.longest_run,
        "longest_run_max": runs.longest_run_max,
        "n_crossings": runs.n_crossings,
        "n_crossings_min": runs.n_crossings_min,
        "runs_signal": runs.signal,
        "sigma_signals": int(sigma.sum()),
        "cl": constant(cl),
        "lcl": constant(lcl),
        "ucl": constant(ucl),
        "trial_limits": trial,
        "note": (
            f"trial limits: centre and limits from {n_base} points (fewer than "
            f"{TRIAL_POINTS}); recompute them when more data arrive"
            if trial
            else ""
        ),
    }
    return out, row


def _variation(data: pd.DataFrame, improvement: str | None) -> pd.DataFrame:
    """Label each point improvement / concern / neutral / common cause."""
    sign = {"increase": 1, "decrease": -1}.get(improvement, 0)
    good = data["_direction"].to_numpy() * sign > 0
    variation = np.where(
        ~data["special_cause"].to_numpy(dtype=bool),
        "common cause",
        np.where(sign == 0, "neutral", np.where(good, "improvement", "concern")),
    )
    data = data.drop(columns="_direction")
    at = data.columns.get_loc("special_cause") + 1
    if "special_cause_rule" in data:
        at += 1
    data.insert(at, "variation", pd.Series(variation, index=data.index, dtype=object))
    return data


def _assurance(part: pd.DataFrame, target: float | None, improvement: str | None) -> object:
    """Will the process meet the target? Judged on the part's latest limits."""
    if target is None or improvement is None:
        return None
    lcl, ucl = part["lcl"].iloc[-1], part["ucl"].iloc[-1]
    if not (np.isfinite(lcl) and np.isfinite(ucl)):
        return None
    up = improvement == "increase"
    if target > ucl:  # every value falls short of (or passes) the target
        return "consistently fail" if up else "consistently pass"
    if target < lcl:
        return "consistently pass" if up else "consistently fail"
    return "inconsistent"


# --------------------------------------------------------------------------- inputs


def _fail(what: str, fix: str | None = None) -> ParameterError:
    return ParameterError(Problem(what, fix=fix))


def _show(items: Sequence[object]) -> str:
    items = list(items)
    text = ", ".join(str(_plain(i)) for i in items[:_SHOW])
    return text + (f" … {len(items)} in all" if len(items) > _SHOW else "")


def _plain(v: object) -> object:
    return v.item() if isinstance(v, np.generic) else v


def _choice(value: object, allowed: Sequence[str], name: str) -> str:
    key = value.lower() if isinstance(value, str) else value
    if key not in allowed:
        raise _fail(
            f"unknown {name} {value!r}",
            fix=f"use one of {', '.join(repr(a) for a in allowed)}",
        )
    return key


def _direction(value: object) -> str | None:
    if value is None or (isinstance(value, str) and value.lower() == "neutral"):
        return None
    return _choice(value, _DIRECTIONS, "improvement")


def _target(value: object) -> float | None:
    if value is None:
        return None
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise _fail(
            f"target={value!r} is not a number", fix="give the target as a number"
        ) from None
    if not np.isfinite(out):
        raise _fail(f"target={value!r} is not a finite number", fix="give a finite target or None")
    return out


def _numbers(values: object, name: str) -> np.ndarray:
    """A 1-D float array; NaN for missing values. Raises on text or 2-D input."""
    if values is None or isinstance(values, (str, bytes, dict)) or np.ndim(values) != 1:
        raise _fail(
            f"{name} must be a 1-D sequence of numbers, got {type(values).__name__}",
            fix=f"pass {name} as a list, numpy array or pandas Series",
        )
    raw = pd.Series(list(values) if not isinstance(values, pd.Series) else values.to_numpy())
    if raw.dtype == bool:
        raise _fail(
            f"{name} holds True/False values, not numbers", fix=f"convert {name} to numbers"
        )
    num = pd.to_numeric(raw, errors="coerce")
    bad = np.flatnonzero(num.isna().to_numpy() & raw.notna().to_numpy())
    if bad.size:
        raise _fail(
            f"{name} has values that are not numbers at positions {_show(bad)} "
            f"(values {_show(repr(raw.iloc[i]) for i in bad)})",
            fix=f"convert {name} to numbers; leave missing values as NaN and exclude them",
        )
    out = num.to_numpy(dtype=float, na_value=np.nan)
    if np.isinf(out).any():
        bad = np.flatnonzero(np.isinf(out))
        raise _fail(
            f"{name} has infinite values at positions {_show(bad)}",
            fix=f"drop or correct those values of {name}",
        )
    return out


def _labels(x: object, y: object, size: int) -> pd.Series | None:
    """x as a Series (dates parsed from date objects); the date index of y if x is None."""
    if x is None:
        if isinstance(y, pd.Series) and isinstance(y.index, (pd.DatetimeIndex, pd.PeriodIndex)):
            x = y.index
        else:
            return None
    if isinstance(x, (str, bytes)) or np.ndim(x) != 1:
        raise _fail(
            "x must be a 1-D sequence of labels (dates, periods, numbers)",
            fix="pass x as a list, array, Series or Index",
        )
    xs = x.reset_index(drop=True) if isinstance(x, pd.Series) else pd.Series(x)
    if len(xs) != size:
        raise _fail(
            f"x has {len(xs)} values but y has {size}", fix="give one x label per value of y"
        )
    missing = np.flatnonzero(xs.isna().to_numpy())
    if missing.size:
        raise _fail(
            f"x has missing labels at positions {_show(missing)}",
            fix="drop those rows or fill in their labels",
        )
    if xs.dtype == object and all(isinstance(v, dt.date) for v in xs):
        xs = pd.to_datetime(xs)
    return xs


def _points(chart: str, values: np.ndarray, xs: pd.Series | None, n: object) -> pd.DataFrame:
    """One row per chart point: x, y (plotted statistic) and n/count/sd where relevant."""
    size = len(values)
    labels = xs if xs is not None else pd.Series(np.arange(size))
    if chart in _NEEDS_N:
        sizes = _denominators(n, size, chart)
        finite = np.isfinite(values)
        _non_negative(values, chart)
        if chart in ("p", "pp"):
            over = np.flatnonzero(finite & (values > sizes))
            if over.size:
                raise _fail(
                    f"counts exceed their denominators n at positions {_show(over)} "
                    f"(counts {_show(values[over])}; n {_show(sizes[over])})",
                    fix="a p chart counts units with a property out of n units: check y and n",
                )
        return pd.DataFrame({"x": labels, "y": values / sizes, "count": values, "n": sizes})
    if n is not None:
        raise _fail(
            f"n is only used by p, pp, u and up charts, not by chart={chart!r}",
            fix="drop n, or choose chart='p' (proportions) or chart='u' (rates)",
        )
    if chart in _NON_NEGATIVE:
        _non_negative(values, chart)
    if chart == "t":
        bad = np.flatnonzero(values <= 0)
        if bad.size:
            raise _fail(
                f"times between events must be greater than 0 (positions {_show(bad)}; "
                f"values {_show(values[bad])})",
                fix="remove zero or negative times, or use chart='g' for counts between events",
            )
    if chart in _SUBGROUPS:
        return _subgroups(values, xs, chart)
    return pd.DataFrame({"x": labels, "y": values})


def _denominators(n: object, size: int, chart: str) -> np.ndarray:
    if n is None:
        raise _fail(
            f"chart={chart!r} needs n, the denominator of each count",
            fix="pass n= (e.g. tickets handled per period) with one value per y",
        )
    sizes = np.full(size, float(n)) if np.ndim(n) == 0 and not isinstance(n, str) else None
    if sizes is None:
        sizes = _numbers(n, "n")
    if len(sizes) != size:
        raise _fail(f"n has {len(sizes)} values but y has {size}", fix="give one n per value of y")
    bad = np.flatnonzero(~(sizes > 0))
    if bad.size:
        raise _fail(
            f"n must be greater than 0 (positions {_show(bad)}; values {_show(sizes[bad])})",
            fix="drop periods with no denominator (or exclude them after filling n)",
        )
    return sizes


def _non_negative(values: np.ndarray, chart: str) -> None:
    bad = np.flatnonzero(values < 0)
    if bad.size:
        raise _fail(
            f"chart={chart!r} needs counts of 0 or more; negative values at positions "
            f"{_show(bad)} (values {_show(values[bad])})",
            fix="correct the negative counts, or use chart='i' for measurements",
        )


def _subgroups(values: np.ndarray, xs: pd.Series | None, chart: str) -> pd.DataFrame:
    if xs is None:
        raise _fail(
            f"chart={chart!r} needs x: values that share an x form one subgroup",
            fix="pass x= (e.g. the day of each measurement), or use chart='i'",
        )
    missing = np.flatnonzero(np.isnan(values))
    if missing.size:
        raise _fail(
            f"y has missing values at positions {_show(missing)}",
            fix="drop the missing measurements before making an xbar/s chart",
        )
    frame = pd.DataFrame({"x": xs, "v": values})
    g = frame.groupby("x", sort=True)["v"]
    out = pd.DataFrame({"y": g.mean(), "n": g.size().astype(float), "sd": g.std(ddof=1)})
    single = out.index[out["n"] < 2]
    if len(single):
        raise _fail(
            f"subgroups need at least 2 values; x = {_show(single)} has only 1",
            fix="group more values per x, drop those subgroups, or use chart='i'",
        )
    if chart == "s":
        out["y"] = out["sd"]
    out = out.reset_index()
    return out


def _moving_ranges(points: pd.DataFrame, part_no: np.ndarray) -> pd.DataFrame:
    """MR chart: |difference from the previous value| within each part."""
    v = points["y"].to_numpy(dtype=float)
    mr = np.r_[np.nan, np.abs(np.diff(v))]
    mr[np.r_[True, part_no[1:] != part_no[:-1]]] = np.nan
    return pd.DataFrame({"x": points["x"], "y": mr, "value": v})


def _check_missing(points: pd.DataFrame, excluded: np.ndarray, chart: str) -> None:
    values = points["value" if chart == "mr" else "y"].to_numpy(dtype=float)
    bad = np.flatnonzero(np.isnan(values) & ~excluded)
    if bad.size:
        raise _fail(
            f"y has missing values (NaN) at positions {_show(bad)}",
            fix=f"drop those values, or exclude them with exclude=[{', '.join(map(str, bad[:_SHOW]))}]",
        )
    usable = int((~np.isnan(values) & ~excluded).sum())
    if usable < 2:
        raise _fail(
            f"only {usable} usable value(s) after exclusions and missing values; "
            "a chart needs at least 2",
            fix="provide more data points or exclude fewer",
        )


def _is_position(v: object) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


def _as_list(value: object) -> list[object]:
    if value is None:
        return []
    if isinstance(value, (str, bytes, dt.date, pd.Timestamp, pd.Period)) or np.ndim(value) == 0:
        return [value]
    return list(value)


def _cut(value: object, labels: pd.Series, has_x: bool, name: str, *, exact: bool = False) -> int:
    """Position of ``value``: itself if an int, else the first x on or after it (or equal to it)."""
    if _is_position(value):
        return int(value)
    if isinstance(value, (bool, np.bool_)) or value is None:
        raise _fail(
            f"{name}={value!r} is neither a position nor an x value",
            fix=f"give {name} as a 0-based position or an x value such as a date",
        )
    if not has_x:
        raise _fail(
            f"{name}={value!r} is not a 0-based position, and there is no x to look it up in",
            fix=f"pass an integer position, or pass x= (e.g. dates) to give {name} as an x value",
        )
    try:
        probe = value
        if pd.api.types.is_datetime64_any_dtype(labels.dtype):
            probe, tz = pd.Timestamp(value), labels.dt.tz
            if tz is not None and probe.tz is None:  # a plain date in x's time zone
                probe = probe.tz_localize(tz)
        elif isinstance(labels.dtype, pd.PeriodDtype):
            probe = pd.Period(value, freq=labels.dtype.freq)
        hits = np.asarray(labels == probe if exact else labels >= probe, dtype=bool)
    except (TypeError, ValueError):
        raise _fail(
            f"{name}={value!r} cannot be compared with the x values ({labels.dtype}, "
            f"e.g. {_plain(labels.iloc[0])!r})",
            fix=f"give {name} as a position or as a value of the same kind as x",
        ) from None
    found = np.flatnonzero(hits)
    if not found.size:
        where = "equals no x value" if exact else "is after the last x value"
        raise _fail(
            f"{name}={value!r} {where} (x runs from {_plain(labels.iloc[0])!r} "
            f"to {_plain(labels.iloc[-1])!r})",
            fix=f"give {name} within the range of x",
        )
    return int(found[0])


def _positions(value: object, labels: pd.Series, has_x: bool, name: str) -> list[int]:
    size = len(labels)
    out = [_cut(v, labels, has_x, name, exact=True) for v in _as_list(value)]
    bad = [p for p in out if not 0 <= p < size]
    if bad:
        raise _fail(
            f"{name} positions {_show(bad)} are out of range: the chart has {size} points "
            f"(positions 0 to {size - 1})",
            fix=f"give {name} as 0-based positions of the chart's points",
        )
    return out


def _part_starts(value: object, labels: pd.Series, has_x: bool) -> list[int]:
    size = len(labels)
    cuts = [(v, _cut(v, labels, has_x, "part")) for v in _as_list(value)]
    bad = [v if not _is_position(v) else p for v, p in cuts if not 0 < p < size]
    if bad:
        raise _fail(
            f"part {_show(repr(_plain(b)) for b in bad)} out of range: a new part must start "
            f"at a position from 1 to {size - 1} (the chart has {size} points)",
            fix="give the first position (or x value) of each new part after the first",
        )
    return [0, *sorted({p for _, p in cuts})]


def _freeze(value: object, labels: pd.Series, has_x: bool) -> int:
    size = len(labels)
    if value is None:
        return size
    if isinstance(value, (list, tuple, np.ndarray, pd.Series)):
        raise _fail(
            "freeze takes one position or x value, not a list",
            fix="give freeze as the number of baseline points, e.g. freeze=12",
        )
    k = _cut(value, labels, has_x, "freeze")
    if not 2 <= k <= size:
        raise _fail(
            f"freeze={_plain(value)!r} gives a baseline of {k} points; it must be from 2 "
            f"to {size} (the chart has {size} points)",
            fix="freeze=k uses the first k points as baseline; choose k within the data",
        )
    return k
