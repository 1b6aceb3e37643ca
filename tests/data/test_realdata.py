"""Real exports nobody on the project wrote: the adapters reproduce the sanity figures of
``../shared/realdata/README.md`` (computed independently of cslib).

The files are read in place, never written; the tests skip when they are absent.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from cslib.cycle.model import load_cycle, validate_cycle
from cslib.data import adapters
from cslib.data import tables as io
from cslib.metrics import engine as kpi

ROOT = Path(__file__).resolve().parents[2]
REAL = ROOT.parent / "shared" / "realdata"
BALTIMORE = REAL / "baltimore_311" / "311_sample.csv"
SERVICENOW = REAL / "servicenow_incident_log" / "incident_event_log.zip"
CFPB = REAL / "cfpb_complaints" / "complaints_sample.csv"
NYC_EXPORT = REAL / "nyc_311" / "nyc311_export_2022-05-01_sample.csv"
NYC_API = REAL / "nyc_311" / "nyc311_api_2024-04-15_sample.csv"
EXAMPLES = ROOT / "data" / "examples"


def _need(*paths):
    missing = [p for p in paths if not p.exists()]
    if missing:
        pytest.skip(f"real data not present: {missing[0]}")


def _read(path, adapter, table="tickets", timezone="UTC"):
    opts = io.ReadOptions(timezone=timezone, mapping=adapters.resolve(table, adapter=adapter))
    return io.read_table(path, table, opts=opts)


@pytest.fixture(scope="module")
def baltimore():
    _need(BALTIMORE)
    return _read(BALTIMORE, "baltimore311", timezone="America/New_York")


@pytest.fixture(scope="module")
def servicenow():
    _need(SERVICENOW)
    return _read(SERVICENOW, "servicenow")


# ------------------------------------------------------------------ Baltimore 311


def test_baltimore_closed_by_due_date_and_median_days(baltimore):
    assert len(baltimore) == 10_000 and baltimore["ticket_id"].is_unique
    closed = baltimore[baltimore["resolved_at"].notna()]
    assert len(closed) == 9_792
    with_due = closed[closed["sla_due_at"].notna()]
    share = (with_due["resolved_at"] <= with_due["sla_due_at"]).mean()
    assert round(share * 100, 1) == 83.6
    # the derived per-request flag gives the same figure
    assert round(closed["sla_met"].mean() * 100, 1) == 83.6
    days = (closed["resolved_at"] - closed["created_at"]).dt.total_seconds() / 86_400
    assert round(days.median(), 2) == 1.35


def test_baltimore_statuses_channels_teams(baltimore):
    status = baltimore["status"].value_counts()
    # "Closed (Duplicate)" (207) plus open/new duplicates (10) are duplicates, not resolutions
    assert status["duplicate"] == 217 and status["closed"] == 9_585
    assert baltimore["resolved_at"].isna().sum() == 208  # open requests have no CloseDate
    channel = baltimore["channel"].value_counts()
    assert channel["phone"] == 4_995 and channel["web"] == 2_572  # MethodReceived Phone, API + Web
    assert baltimore["team"].value_counts().index[0] == "Solid Waste"
    assert baltimore["category"].str.contains("Traffic Signal").any()


def test_baltimore_kpi_engine_uses_due_date(baltimore):
    # The KPI engine leaves duplicates out of resolutions and counts open requests past
    # their due date as missed, so its share differs slightly from the raw 83.6 %.
    out = kpi.compute(
        baltimore,
        kpis=["volume", "sla_resolution_met", "resolution_hours"],
        freq="M",
        timezone="America/New_York",
    )
    assert out["volume"].sum() == 10_000
    met = (out["sla_resolution_met"] * out["sla_resolution_met_n"]).sum() / out[
        "sla_resolution_met_n"
    ].sum()
    assert 0.80 < met < 0.84
    resolved = baltimore[baltimore["resolved_at"].notna() & (baltimore["status"] != "duplicate")]
    assert out["sla_resolution_met_n"].sum() >= resolved["sla_due_at"].notna().sum()


# --------------------------------------------------------------------- ServiceNow


def test_servicenow_event_log_collapses_to_incidents(servicenow):
    assert len(servicenow) == 24_918 and servicenow["ticket_id"].is_unique
    assert servicenow["ticket_id"].str.len().eq(7).all()  # "0000045": ids stay text
    assert set(servicenow["status"].unique()) <= {
        "closed",
        "resolved",
        "open",
        "new",
        "pending",
        "on_hold",
    }
    assert servicenow["channel"].value_counts().index[0] == "phone"
    assert set(servicenow["priority"].dropna()) == {"urgent", "high", "normal", "low"}
    assert servicenow["transfers"].max() > 0 and servicenow["reopens"].max() > 0
    assert servicenow["created_at"].min() >= pd.Timestamp(
        "2016-02-01"
    )  # day-first dates read as such


def test_servicenow_incidents_and_made_sla_per_month(servicenow):
    month = servicenow["created_at"].dt.to_period("M").astype(str)
    spring = servicenow[month.isin(["2016-03", "2016-04", "2016-05"])]
    by_month = spring.groupby(month[spring.index]).agg(
        n=("ticket_id", "size"), made_sla=("sla_met", "mean")
    )
    assert by_month["n"].tolist() == [8_995, 7_934, 7_508]
    assert (by_month["made_sla"] * 100).round(1).tolist() == [39.9, 76.7, 77.5]
    # the same counts through the KPI engine (one pass in DuckDB)
    out = kpi.compute(servicenow, kpis=["volume"], freq="M", start="2016-03-01", end="2016-05-31")
    assert out["volume"].tolist() == [8_995, 7_934, 7_508]


def test_servicenow_last_event_is_the_latest_update(tmp_path):
    _need(SERVICENOW)
    import zipfile

    with zipfile.ZipFile(SERVICENOW) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".csv"))
        with archive.open(name) as handle:
            header, *events = handle.read(200_000).decode("utf-8").splitlines()[:200]
    first = [
        e for e in events if e.split(",")[0] == events[0].split(",")[0]
    ]  # the log's first incident
    assert len(first) > 1
    csv = tmp_path / "events.csv"
    csv.write_text(
        header + "\n" + "\n".join(reversed(first)) + "\n", encoding="utf-8"
    )  # events out of order
    out = _read(csv, "servicenow")
    last = first[-1].split(",")  # the highest sys_mod_count
    assert len(out) == 1 and out["status"].iloc[0] == last[1].lower()
    assert out["sla_met"].iloc[0] == (last[6] == "true")
    assert out["resolved_at"].iloc[0] == pd.Timestamp("2016-02-29 11:29")


# --------------------------------------------------------------------- CFPB, NYC


def test_cfpb_timely_response():
    _need(CFPB)
    complaints = _read(CFPB, "cfpb", table="complaints")
    assert len(complaints) == 6_623 and complaints["complaint_id"].is_unique
    assert round(complaints["timely"].mean() * 100, 1) == 98.6
    assert complaints["received_at"].dt.year.value_counts().idxmax() == 2019
    assert complaints["received_at"].dt.hour.eq(0).all()  # dates only
    assert {"web", "phone", "letter"} <= set(complaints["channel"].dropna())


def test_nyc_portal_and_api_headers_map_alike():
    _need(NYC_EXPORT, NYC_API)
    export = _read(NYC_EXPORT, "nyc311", timezone="America/New_York")
    api = _read(NYC_API, "nyc311", timezone="America/New_York")
    assert (len(export), len(api)) == (924, 1_000)
    assert list(export.columns) == list(api.columns)
    for frame in (export, api):
        assert frame["created_at"].notna().all() and frame["ticket_id"].is_unique
        assert {"open", "closed"} <= set(frame["status"])
        assert frame["team"].notna().all()
    assert export["created_at"].min() == pd.Timestamp("2022-05-01 00:00:03")  # 12-hour clock, AM
    assert api["created_at"].dt.date.astype(str).str.startswith("2024-04").all()


# ------------------------------------------------------------------ example cycles


@pytest.mark.parametrize("name", ["baltimore311", "servicenow"])
def test_example_cycles_validate(name, cli):
    _need(BALTIMORE, SERVICENOW)
    cycle, problems = validate_cycle(EXAMPLES / f"{name}.yaml")
    assert problems == []
    assert cycle.read_options("tickets").mapping is not None
    result = cli("validate", EXAMPLES / f"{name}.yaml")
    assert result.returncode == 0, result.stderr
    assert "valid" in result.stdout and "resolution_hours" in result.stdout


def test_example_cycle_periods_bracket_the_servicenow_change(servicenow):
    cycle = load_cycle(EXAMPLES / "servicenow.yaml")
    before = servicenow["created_at"].between(
        pd.Timestamp(cycle.periods.baseline.start),
        pd.Timestamp(cycle.periods.baseline.end) + pd.Timedelta(days=1),
    )
    after = servicenow["created_at"].between(
        pd.Timestamp(cycle.periods.review.start),
        pd.Timestamp(cycle.periods.review.end) + pd.Timedelta(days=1),
    )
    assert (
        servicenow.loc[before, "sla_met"].mean()
        < 0.45
        < 0.75
        < servicenow.loc[after, "sla_met"].mean()
    )


def test_describe_lists_unmapped_columns():
    _need(BALTIMORE)
    opts = load_cycle(EXAMPLES / "baltimore311.yaml").read_options("tickets")
    table = adapters.describe(BALTIMORE, "tickets", opts=opts).set_index("column")
    assert (
        table.loc["created_at", "source"] == "CreatedDate"
        and table.loc["team", "source"] == "Agency"
    )
    assert table.loc["sla_met", "source"].startswith("on_or_before")
    assert not table.loc["first_response_at", "mapped"] and not table.loc["csat", "mapped"]
