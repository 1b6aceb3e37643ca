"""cslib.stats.spc against the R reference packages, with their default arguments.

``shared/reference/oracles/spc_r`` (beside the checkout or a folder above it) holds the
outputs of qicharts2 0.8.1 (``qic()$data``) and NHSRplotthedots 0.2.2 (``ptd_spc()``);
see its README. Limits, signals and point
types are compared point by point. Random series are checked against the NHS
rules as NHSRplotthedots defines them (``_ptd_point_types`` below).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cslib.stats.spc.compute import control_chart
from cslib.stats.spc.rules import nhs_rules

# the shared references live beside the checkout (or a folder above it) and are read in place
_RELATIVE = Path("shared", "reference", "oracles", "spc_r")
ORACLES = next(
    (p / _RELATIVE for p in Path(__file__).resolve().parents if (p / _RELATIVE).is_dir()),
    _RELATIVE,
)
if not ORACLES.is_dir():
    pytest.skip("shared/reference/oracles/spc_r is not above the checkout", allow_module_level=True)
QIC = ORACLES / "qicharts2"
PTD = ORACLES / "nhsrplotthedots"

# value and denominator columns of the qicharts2 test-suite inputs (the B cases use y and n)
QIC_COLUMNS = {
    "A1": ("obs", None), "A2": ("obs", None), "A3": ("obs", None), "A4": ("obs", None),
    "A5": ("cost", None), "A6": ("cost", None), "A7": ("count", "size"),
    "A8": ("count", "size"), "A9": ("count", None), "A10": ("count", "size"),
    "A11": ("count", "meters"), "A12": ("hours", None),
}  # fmt: skip
QIC_CASES = sorted(p.name.removesuffix("_expected.csv") for p in QIC.glob("*_expected.csv"))

# NHSRplotthedots' special_cause_type for each cslib rule, (high or rising, low or falling)
PTD_TYPES = {
    "outside limits": ("Above UCL", "Below LCL"),
    "trend": ("7 Point Trend (Increasing)", "7 Point Trend (Decreasing)"),
    "two of three": ("2 in 3 Above CL", "2 in 3 Below CL"),
    "shift": ("7 Points Above CL", "7 Points Below CL"),
}


def _qic_call(case: str) -> tuple[dict, pd.DataFrame]:
    """The arguments of the qic() call behind a case, read from its input and output."""
    expected = pd.read_csv(QIC / f"{case}_expected.csv")
    data = pd.read_csv(QIC / f"{case}_input.csv")
    key, chart = case.split("_")[:2]
    y, n = QIC_COLUMNS.get(key, ("y", "n" if "n" in data else None))
    kwargs: dict = {"chart": chart}
    if chart in ("xbar", "s"):
        kwargs["x"] = data.iloc[:, 0]
    if n:
        kwargs["n"] = data[n]
    excluded = np.flatnonzero(~expected["include"].astype(bool))
    if excluded.size:
        kwargs["exclude"] = excluded.tolist()
    starts = np.flatnonzero(np.diff(expected["part"].to_numpy())) + 1
    if starts.size:  # qicharts2 ignores freeze when part is given
        kwargs["part"] = starts.tolist()
    elif not expected["baseline"].all():
        kwargs["freeze"] = int(expected["baseline"].sum())
    kwargs["y"] = data[y]
    return kwargs, expected


@pytest.mark.parametrize("case", QIC_CASES)
def test_qicharts2_limits_and_signals(case):
    kwargs, expected = _qic_call(case)
    res = control_chart(kwargs.pop("y"), **kwargs)
    data = res.data.reset_index(drop=True)
    scale = 50 if case.startswith("A11") else 1  # that case was run with multiply = 50
    for col in ("cl", "lcl", "ucl"):
        np.testing.assert_allclose(
            data[col] * scale, expected[col], rtol=1e-9, atol=1e-9, err_msg=col
        )
    assert data["sigma_signal"].tolist() == expected["sigma.signal"].tolist()
    assert data["runs_signal"].tolist() == expected["runs.signal"].tolist()
    if res.chart == "mr":  # cslib runs no pattern rules on moving ranges
        return
    summary = res.summary().set_index("part").loc[data["part"]]
    for ours, theirs in [
        ("n_useful", "n.useful"),
        ("longest_run", "longest.run"),
        ("longest_run_max", "longest.run.max"),
        ("n_crossings", "n.crossings"),
        ("n_crossings_min", "n.crossings.min"),
    ]:
        np.testing.assert_array_equal(summary[ours].to_numpy(float), expected[theirs], ours)


def test_i_chart_with_exclusions_screens_moving_ranges_by_default():
    kwargs, expected = _qic_call("B8_i_excl")
    y = kwargs.pop("y")
    assert control_chart(y, **kwargs).data["ucl"].iloc[0] == pytest.approx(64.103539878064)
    unscreened = control_chart(y, screen_mr=False, **kwargs).data["ucl"].iloc[0]
    assert unscreened == pytest.approx(65.319, abs=5e-4)  # what screen_mr=False still gives
    assert expected["ucl"].iloc[0] == pytest.approx(64.103539878064)


def test_mr_chart_centre_uses_every_moving_range_by_default():
    y = [1.0, 2, 1, 2, 10, 1, 2, 1, 2, 1, 2]
    mr = np.abs(np.diff(y))
    assert control_chart(y, chart="mr").summary()["cl"].iloc[0] == pytest.approx(mr.mean())
    screened = control_chart(y, chart="mr", screen_mr=True).summary()["cl"].iloc[0]
    assert screened == pytest.approx(mr[mr < 3.267 * mr.mean()].mean())


# --------------------------------------------------------------------------- NHSRplotthedots


def _ptd_cases() -> list[tuple[pd.Series, pd.DataFrame]]:
    meta = pd.read_csv(PTD / "nhs_meta.csv", dtype={"rebase": "string"})
    points = pd.read_csv(PTD / "nhs_points.csv")
    return [(row, points[points["case"] == row["case"]]) for _, row in meta.iterrows()]


def _ptd_types(res) -> list[str]:
    """cslib's rule and direction per point, named as NHSRplotthedots names them."""
    d = res.data
    up = {"increase": "improvement", "decrease": "concern"}[res.improvement]
    return [
        "Common Cause" if rule is None else PTD_TYPES[rule][0 if variation == up else 1]
        for rule, variation in zip(d["special_cause_rule"], d["variation"], strict=True)
    ]


@pytest.mark.parametrize(
    ("meta", "points"), _ptd_cases(), ids=lambda v: getattr(v, "kind", "points")
)
def test_nhsrplotthedots_cases(meta, points):
    kwargs = {"rules": "nhs", "improvement": meta["dir"], "screen_mr": bool(meta["screen"])}
    if meta["screen"]:  # screening is the default of both packages
        del kwargs["screen_mr"]
    if not pd.isna(meta["fix"]):
        kwargs["freeze"] = int(meta["fix"])
    if not pd.isna(meta["rebase"]):
        kwargs["part"] = [int(meta["rebase"])]
    if not pd.isna(meta["target"]):
        kwargs["target"] = float(meta["target"])
    res = control_chart(points["y"].to_numpy(), **kwargs)
    d = res.data
    np.testing.assert_allclose(d["cl"], points["mean_col"], rtol=1e-12)
    np.testing.assert_allclose(d["lcl"], points["lpl"], rtol=1e-12)
    np.testing.assert_allclose(d["ucl"], points["upl"], rtol=1e-12)
    assert _ptd_types(res) == points["type"].tolist()
    point_type = d["variation"].map(
        {
            "common cause": "common_cause",
            "improvement": "special_cause_improvement",
            "concern": "special_cause_concern",
        }  # fmt: skip
    )
    assert point_type.tolist() == points["point_type"].tolist()
    if not pd.isna(meta["assurance"]):
        got = res.summary()["assurance"].iloc[-1]
        assert got.replace("consistently ", "consistent_") == meta["assurance"]


def test_two_of_three_needs_all_three_points_on_one_side():
    # two points close to the lower limit, but the window's other point is above the mean
    y = np.array([60.8, 50.5, 49.6, 60.9])
    cl = np.full(4, 58.743)
    lcl = np.full(4, 47.714)
    flags = nhs_rules(y, cl, lcl, 2 * cl - lcl, np.zeros(4, bool), np.ones(4, bool))
    assert not flags.two_of_three.any()
    assert not flags.special_cause.any()


def test_points_outside_the_limits_are_not_close_to_them():
    y = np.array([6.0, 7, 8, 9, 10])
    cl, ucl = np.full(5, 5.82352941176471), np.full(5, 8.66086274509804)
    lcl = 2 * cl - ucl
    flags = nhs_rules(y, cl, lcl, ucl, (y > ucl) | (y < lcl), np.ones(5, bool))
    assert flags.rule.tolist() == [None, None, None, "outside limits", "outside limits"]
    assert not flags.two_of_three.any()


def test_point_between_a_falling_and_a_rising_trend_takes_the_rising_direction():
    y = np.array([9.0, 8, 7, 6, 5, 4, 3, 4, 5, 6, 7, 8, 9])
    cl = np.full(13, 6.0)
    flags = nhs_rules(y, cl, cl - 100, cl + 100, np.zeros(13, bool), np.ones(13, bool))
    assert set(flags.rule) == {"trend"}
    assert flags.direction.tolist() == [-1] * 6 + [1] * 7


def _ptd_point_types(y: np.ndarray) -> list[str]:
    """special_cause_type of each point as NHSRplotthedots defines it (one part, screened)."""
    n = len(y)
    mr = np.abs(np.diff(y))
    amr = mr[mr < 3.267 * mr.mean()].mean()
    mean = y.mean()
    upl, lpl = mean + 2.66 * amr, mean - 2.66 * amr
    side = np.sign(y - mean)
    outside = (y > upl) | (y < lpl)
    close = ~outside & ((y > mean + 2 / 3 * 2.66 * amr) | (y < mean - 2 / 3 * 2.66 * amr))
    trend, shift, two = np.zeros(n, bool), np.zeros(n, bool), np.zeros(n, bool)
    for start in range(n - 6):
        w = slice(start, start + 7)
        steps = np.sign(np.diff(y[w]))
        trend[w] |= bool((steps == 1).all() or (steps == -1).all())
        shift[w] |= bool(side[start] != 0 and (side[w] == side[start]).all())
    for start in range(n - 2):
        w = slice(start, start + 3)
        two[w] |= close[w] & (close[w].sum() >= 2) & (abs(side[w].sum()) == 3)
    types = []
    for i in range(n):
        high = side[i] > 0
        if outside[i]:
            types.append("Above UCL" if high else "Below LCL")
        elif trend[i]:
            nxt = i + 1 < n and trend[i + 1]
            rising = (y[i + 1] > y[i]) if nxt else (y[i] > y[i - 1])
            types.append(f"7 Point Trend ({'In' if rising else 'De'}creasing)")
        elif two[i]:
            types.append(f"2 in 3 {'Above' if high else 'Below'} CL")
        elif shift[i]:
            types.append(f"7 Points {'Above' if high else 'Below'} CL")
        else:
            types.append("Common Cause")
    return types


def test_random_series_match_the_nhsrplotthedots_definitions():
    rng = np.random.default_rng(20261201)
    seen: set[str] = set()
    for _ in range(250):
        n = int(rng.integers(8, 40))
        y = rng.normal(50, 5, n) + np.cumsum(rng.normal(0, 2, n))
        if rng.random() < 0.3:  # a steep stretch, for trends
            start = int(rng.integers(0, n - 7))
            y[start:] += np.sign(rng.normal()) * 4 * np.minimum(np.arange(n - start), 8)
        y = np.round(y, 1)
        expected = _ptd_point_types(y)
        res = control_chart(y, rules="nhs", improvement="increase")
        assert _ptd_types(res) == expected, y.tolist()
        seen.update(expected)
    assert seen == {"Common Cause", *(name for pair in PTD_TYPES.values() for name in pair)}
