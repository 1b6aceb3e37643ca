"""Segment profiles computed from DuckDB aggregates agree with tests on the raw values."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from cslib.analyses import segments
from cslib.data.tables import read_table
from cslib.errors import ParameterError
from cslib.stats.impact import compare

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


def test_duration_tests_equal_scipy_and_numpy():
    t = tickets()
    res = segments.segment_profile(t, kpis=["resolution_hours"])
    hours = (t["resolved_at"] - t["created_at"]).dt.total_seconds() / 3600
    groups = {s: hours[t["segment"] == s].to_numpy() for s in sorted(t["segment"].unique())}
    kw = stats.kruskal(*groups.values())
    row = res.tests.iloc[0]
    assert row["test"] == "Kruskal–Wallis"
    assert row["statistic"] == pytest.approx(kw.statistic, rel=1e-10)
    assert row["p_value"] == pytest.approx(kw.pvalue, rel=1e-8)
    c = res.contrasts.set_index("segment").loc["enterprise"]
    rest = np.concatenate([v for s, v in groups.items() if s != "enterprise"])
    assert c["value"] == np.median(groups["enterprise"]) and c["rest"] == np.median(rest)
    ref = compare(np.log(rest), np.log(groups["enterprise"]), kind="continuous").iloc[0]
    assert c["diff"] == pytest.approx(np.exp(ref["diff"]), rel=1e-10)
    assert c["ci_low"] == pytest.approx(np.exp(ref["ci_low"]), rel=1e-10)
    assert c["p_value"] == pytest.approx(ref["p_value"], rel=1e-8)
    assert c["better"] is False or not c["better"]  # enterprise takes longer


def test_mean_and_nps_contrasts_pool_the_rest_exactly():
    t = tickets()
    res = segments.segment_profile(t, kpis=["aht_seconds", "nps"])
    c = res.contrasts.set_index(["kpi", "segment"])
    seg = t["segment"] == "consumer"
    aht = compare(t.loc[~seg, "handle_seconds"], t.loc[seg, "handle_seconds"], kind="continuous")
    assert c.loc[("aht_seconds", "consumer"), "diff"] == pytest.approx(aht["diff"].item())
    assert c.loc[("aht_seconds", "consumer"), "ci_high"] == pytest.approx(aht["ci_high"].item())
    assert c.loc[("aht_seconds", "consumer"), "p_value"] == pytest.approx(aht["p_value"].item())
    nps = compare(t.loc[~seg, "nps"], t.loc[seg, "nps"], kind="nps")
    assert c.loc[("nps", "consumer"), "value"] == pytest.approx(nps["after"].item())
    assert c.loc[("nps", "consumer"), "ci_low"] == pytest.approx(nps["ci_low"].item())
    counts = pd.crosstab(t["segment"], pd.cut(t["nps"].astype(int), [-1, 6, 8, 10]))
    chi = stats.chi2_contingency(counts.to_numpy(), correction=False)
    nps_test = res.tests.set_index("kpi").loc["nps"]
    assert nps_test["statistic"] == pytest.approx(chi.statistic)


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


@settings(max_examples=20, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from("abc"), st.integers(0, 6)),
        min_size=6,
        max_size=60,
    )
)
def test_kruskal_wallis_in_sql_matches_scipy(rows):
    frame = pd.DataFrame(rows, columns=["segment", "ces"])
    t = pd.DataFrame(
        {
            "ticket_id": [str(i) for i in range(len(frame))],
            "created_at": pd.Timestamp("2026-04-01"),
            "segment": frame["segment"],
            "ces": pd.array(frame["ces"].clip(1, 7), dtype="Int64"),
        }
    )
    groups = [g["ces"].to_numpy(float) for _, g in t.groupby("segment")]
    if len(groups) < 2 or t["ces"].nunique() < 2:
        return
    row = segments.segment_profile(t, kpis=["ces"], min_n=1).tests.iloc[0]
    ref = stats.kruskal(*groups)
    assert row["statistic"] == pytest.approx(ref.statistic, rel=1e-9, abs=1e-12)
    assert row["p_value"] == pytest.approx(ref.pvalue, rel=1e-8, abs=1e-12)


def test_segment_profile_finds_the_different_segment():
    rng = np.random.default_rng(2)
    n = 600
    seg = np.array(["a", "b", "c"])[np.arange(n) % 3]
    csat = np.where(seg == "c", rng.choice([1, 2, 5], n), rng.choice([4, 5], n))
    t = pd.DataFrame(
        {
            "ticket_id": [str(i) for i in range(n)],
            "created_at": pd.Timestamp("2026-04-01"),
            "segment": seg,
            "csat": pd.array(csat, dtype="Int64"),
        }
    )
    res = segments.segment_profile(t, kpis=["csat"])
    assert bool(res.tests["significant"].item())
    assert res.tests["test"].item() == "chi-square test of homogeneity"
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
            "created_at": pd.Timestamp("2026-04-01"),
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
