"""Segment profiles computed from DuckDB aggregates agree with tests on the raw values."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from cslib.analyses import segments
from cslib.data.tables import read_table
from cslib.errors import ParameterError
from cslib.stats.impact._clustered import cluster_contrasts

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"


def tickets(n=900, seed=5):
    rng = np.random.default_rng(seed)
    seg = np.array(["consumer", "enterprise", "small business"])[rng.integers(0, 3, n)]
    created = pd.Timestamp("2026-03-01") + pd.to_timedelta(rng.integers(0, 60, n), unit="D")
    hours = np.round(rng.lognormal(np.where(seg == "enterprise", 2.5, 2.0), 1.0), 1)  # ties
    return pd.DataFrame(
        {
            "ticket_id": [f"T{i}" for i in range(n)],
            "created_at": created,
            "resolved_at": created + pd.to_timedelta(hours, unit="h"),
            "team": np.array(["Billing", "Orders"])[rng.integers(0, 2, n)],
            "segment": seg,
            "handle_seconds": rng.normal(np.where(seg == "consumer", 400, 460), 90).round(),
            "nps": pd.array(rng.integers(0, 11, n), dtype="Int64"),
        }
    )


def _cluster_robust(y, seg, week, name):
    """The segment-against-the-rest contrast and the Wald F test by statsmodels' cluster-robust
    OLS, rescaled from its CR1 factor G/(G−1)·(N−1)/(N−k) to G/(G−1) as cslib uses."""
    n = y.size
    dummy = (seg == name).astype(float)
    fit = sm.OLS(y, np.column_stack([np.ones(n), dummy])).fit(
        cov_type="cluster", cov_kwds={"groups": week}
    )
    se = fit.bse[1] * np.sqrt((n - 2) / (n - 1))
    g = np.unique(week).size
    levels = np.unique(seg)
    full = sm.OLS(y, np.column_stack([seg == v for v in levels]).astype(float)).fit(
        cov_type="cluster", cov_kwds={"groups": week}
    )
    q = levels.size - 1
    r = np.hstack([-np.ones((q, 1)), np.eye(q)])
    wald = full.wald_test(r, use_f=True, scalar=True).statistic * (n - 1) / (n - levels.size)
    return fit.params[1], se, g, wald * (g - q) / (g - 1)


def _weeks(created: pd.Series) -> np.ndarray:
    return created.dt.to_period("W").dt.start_time.to_numpy()


def test_duration_contrasts_and_test_are_cluster_robust_by_week():
    t = tickets()
    res = segments.segment_profile(t, kpis=["resolution_hours"])
    hours = (t["resolved_at"] - t["created_at"]).dt.total_seconds() / 3600
    logs = np.log(np.maximum(hours.to_numpy(), 1 / 60))
    seg = t["segment"].to_numpy()
    diff, se, g, f = _cluster_robust(logs, seg, _weeks(t["created_at"]), "enterprise")
    row = res.tests.iloc[0]
    assert row["test"] == "cluster-robust Wald F test (weeks as units; F(2, 8))"
    assert row["statistic"] == pytest.approx(f, rel=1e-9)
    c = res.contrasts.set_index("segment").loc["enterprise"]
    rest = hours[seg != "enterprise"]
    assert c["value"] == np.median(hours[seg == "enterprise"]) and c["rest"] == np.median(rest)
    assert c["diff"] == pytest.approx(np.exp(diff), rel=1e-10)
    half = stats.t.ppf(0.975, g - 1) * se
    assert c["ci_low"] == pytest.approx(np.exp(diff - half), rel=1e-9)
    assert c["p_value"] == pytest.approx(2 * stats.t.sf(abs(diff / se), g - 1), rel=1e-8)
    assert c["clusters"] == f"{g} weeks"
    assert c["better"] is False or not c["better"]  # enterprise takes longer


def test_mean_and_nps_contrasts_count_weeks():
    t = tickets()
    res = segments.segment_profile(t, kpis=["aht_seconds", "nps"])
    c = res.contrasts.set_index(["kpi", "segment"])
    seg, week = t["segment"].to_numpy(), _weeks(t["created_at"])
    aht = t["handle_seconds"].to_numpy(float)
    diff, se, g, _ = _cluster_robust(aht, seg, week, "consumer")
    assert c.loc[("aht_seconds", "consumer"), "diff"] == pytest.approx(diff)
    assert c.loc[("aht_seconds", "consumer"), "ci_high"] == pytest.approx(
        diff + stats.t.ppf(0.975, g - 1) * se
    )
    score = 100 * np.select([t["nps"] >= 9, t["nps"] <= 6], [1, -1], 0).astype(float)
    diff, se, g, f = _cluster_robust(score, seg, week, "consumer")
    nps = c.loc[("nps", "consumer")]
    assert nps["value"] == pytest.approx(score[seg == "consumer"].mean())
    assert nps["diff"] == pytest.approx(diff)
    assert nps["ci_low"] == pytest.approx(diff - stats.t.ppf(0.975, g - 1) * se)
    assert res.tests.set_index("kpi").loc["nps", "statistic"] == pytest.approx(f)


def _shocked_grid(rng, *, days=56, per_day=10, phi=0.4, shock_sd=0.3):
    """Counts and sums of three segments' values over weeks, no real difference between
    segments: each segment's tickets of a day share an AR(1) shock (its backlog)."""
    u = np.zeros((3, days))
    u[:, 0] = rng.normal(0, shock_sd, 3)
    for d in range(1, days):
        u[:, d] = phi * u[:, d - 1] + rng.normal(0, shock_sd * np.sqrt(1 - phi**2), 3)
    y = u[..., None] + rng.normal(0, 1, (3, days, per_day))
    week = np.arange(days) // 7
    n = np.stack([np.bincount(week, minlength=8) * per_day] * 3).astype(float)
    s = np.stack([np.bincount(week, y[i].sum(axis=1)) for i in range(3)])
    return n, s, y


def test_segment_flag_keeps_its_error_rate_when_days_share_shocks():
    """No segment differs, but each segment's tickets of a day share a shock: a segment is
    flagged against the rest (p < 0.05) at most 5 % + 2 Monte Carlo s.e. of the time when
    weeks are the units; a Welch test on the tickets flags it far more often."""
    rng = np.random.default_rng(17)
    sims, flagged, naive = 300, [], []
    for _ in range(sims):
        n, s, y = _shocked_grid(rng)
        flagged.append(cluster_contrasts(n, s, 0.05)["p_value"].iloc[0] < 0.05)
        naive.append(stats.ttest_ind(y[0].ravel(), y[1:].ravel(), equal_var=False).pvalue < 0.05)
    assert np.mean(flagged) <= 0.05 + 2 * np.sqrt(0.05 * 0.95 / sims)
    assert np.mean(naive) > 0.2


def test_a_parquet_file_gives_the_same_profile_with_filters_and_dates(tmp_path):
    t = tickets()
    path = tmp_path / "tickets.parquet"
    t.to_parquet(path)
    where = {"filters": {"team": ["Billing"]}, "start": "2026-03-10", "end": "2026-04-15"}
    from_file = segments.segment_profile(path, **where)
    kept = t[
        (t["team"] == "Billing")
        & (t["created_at"] >= "2026-03-10")
        & (t["created_at"] < "2026-04-16")
    ]
    from_frame = segments.segment_profile(kept)
    assert from_file.table["volume"].sum() == len(kept)
    pd.testing.assert_frame_equal(from_file.tests, from_frame.tests)
    pd.testing.assert_frame_equal(from_file.contrasts, from_frame.contrasts)


def test_segment_profile_finds_the_different_segment():
    rng = np.random.default_rng(2)
    n = 600
    seg = np.array(["a", "b", "c"])[np.arange(n) % 3]
    csat = np.where(seg == "c", rng.choice([1, 2, 5], n), rng.choice([4, 5], n))
    t = pd.DataFrame(
        {
            "ticket_id": [str(i) for i in range(n)],
            "created_at": pd.Timestamp("2026-04-01") + pd.to_timedelta(np.arange(n) % 10, "D"),
            "segment": seg,
            "csat": pd.array(csat, dtype="Int64"),
        }
    )
    res = segments.segment_profile(t, kpis=["csat"])
    assert bool(res.tests["significant"].item())
    assert res.tests["test"].item() == "cluster-robust Wald F test (days as units; F(2, 8))"
    c = res.contrasts.set_index("segment")
    assert c.loc["c", "differs"] and not c.loc["c", "better"]
    assert c.loc["a", "better"]  # a and b beat the rest (which includes c)
    assert c["adjust_method"].iloc[0].startswith("Holm")
    assert any("'c' is worse" in f for f in res.findings)
    assert "<table" in res._repr_html_()


def test_segment_profile_no_difference():
    rng = np.random.default_rng(3)
    n = 400
    t = pd.DataFrame(
        {
            "ticket_id": [str(i) for i in range(n)],
            "created_at": pd.Timestamp("2026-04-01") + pd.to_timedelta(np.arange(n) % 10, "D"),
            "channel": np.array(["email", "chat"])[np.arange(n) % 2],
            "csat": pd.array(rng.integers(1, 6, n), dtype="Int64"),
        }
    )
    res = segments.segment_profile(t, by="channel", kpis=["csat"])
    assert not res.contrasts["differs"].any()


def few():
    return pd.DataFrame(
        {
            "ticket_id": [str(i) for i in range(6)],
            "created_at": pd.Timestamp("2026-04-01 09:00"),
            "csat": pd.array([5, 5, 2, 3, 4, 5], dtype="Int64"),
            "segment": ["x", "y"] * 3,
        }
    )


@pytest.mark.parametrize(
    ("call", "column"),
    [
        (lambda: segments.segment_profile(few(), kpis=["volume"]), "kpis"),
        (lambda: segments.segment_profile(few(), adjust="bonferroni"), "adjust"),
    ],
)
def test_user_errors(call, column):
    with pytest.raises(ParameterError) as err:
        call()
    assert err.value.problems[0].column == column


def test_one_segment_is_profiled_and_says_there_is_nothing_to_compare():
    one = segments.segment_profile(few().assign(segment="x"))
    assert one.table["segment"].tolist() == ["x"] and one.table["volume"].item() == len(few())
    assert one.tests.empty and one.contrasts.empty
    assert one.findings == (
        "Every ticket has the same segment ('x'): there is no other segment to compare it with.",
    )
    assert "no other segment" in one._repr_html_()


def test_the_kpis_follow_the_settings_given():
    waits = [5.0, 15.0, 25.0, 35.0] * 10  # a quarter each within 10, 20, 30 s
    t = pd.DataFrame(
        {
            "ticket_id": [str(i) for i in range(40)],
            "created_at": pd.Timestamp("2026-04-01"),
            "channel": ["phone"] * 20 + ["chat"] * 20,
            "wait_seconds": waits,
            "abandoned": False,
        }
    )
    default = segments.segment_profile(t, by="channel", kpis=["service_level"])
    assert default.table["service_level"].tolist() == [0.5, 0.5]  # within 20 s
    at_30 = segments.segment_profile(
        t, by="channel", kpis=["service_level"], settings={"service_level_seconds": 30}
    )
    assert at_30.table["service_level"].tolist() == [0.75, 0.75]


def test_sample_segments_and_channels():
    t = read_table(SAMPLE / "tickets.parquet", "tickets")
    ch = segments.segment_profile(t, by="channel", kpis=["fcr", "csat"])
    # the sample's queue channels resolve at first contact more often than e-mail
    fcr = ch.contrasts[ch.contrasts.kpi == "fcr"].set_index("channel")
    assert fcr.loc["phone", "better"] and not fcr.loc["email", "better"]
    seg = segments.segment_profile(t, by="segment", kpis=["fcr", "nps"])
    assert set(seg.table["segment"]) == {"consumer", "small business", "enterprise"}


def test_profiles_by_several_columns_are_each_columns_profile():
    t = tickets().assign(channel=lambda f: np.where(np.arange(len(f)) % 3, "email", "chat"))
    t.loc[::7, "channel"] = None  # a ticket without a channel still counts by segment
    both = segments.segment_profiles(t, by=["segment", "channel"])
    for by in ("segment", "channel"):
        alone = segments.segment_profile(t, by=by)
        for part in ("table", "tests", "contrasts"):
            pd.testing.assert_frame_equal(getattr(both[by], part), getattr(alone, part))
        assert both[by].findings == alone.findings


def test_tickets_without_any_kpi_column_give_profiles_without_tests():
    from cslib.analyses.segments import segment_profiles

    t = pd.DataFrame(
        {
            "ticket_id": [str(i) for i in range(8)],
            "created_at": pd.Timestamp("2026-04-01"),
            "segment": ["a"] * 4 + ["b"] * 4,
            "channel": ["email", "chat"] * 4,
        }
    )
    profiles = segment_profiles(t, by=["segment", "channel"])
    assert {by: len(p.tests) for by, p in profiles.items()} == {"segment": 0, "channel": 0}
    assert profiles["segment"].table["volume"].tolist() == [4, 4]
