"""Every KPI on small hand-computed tables (docs/reference/kpis.md)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cslib import metrics as kpi
from cslib.errors import DataError, ParameterError

T = pd.Timestamp


def tickets(**cols) -> pd.DataFrame:
    n = len(next(iter(cols.values())))
    frame = pd.DataFrame({"ticket_id": [f"T{i}" for i in range(n)], **cols})
    for c in frame:
        if c.endswith("_at"):
            frame[c] = pd.to_datetime(frame[c])
    return frame


def one(frame: pd.DataFrame, **where) -> pd.Series:
    mask = np.ones(len(frame), bool)
    for k, v in where.items():
        mask &= (frame[k] == (T(v) if k == "period" else v)).to_numpy()
    assert mask.sum() == 1, f"expected one row for {where}"
    return frame[mask].iloc[0]


def test_volume_keeps_empty_periods_as_zero():
    t = tickets(created_at=["2026-04-01 09:00", "2026-04-01 10:00", "2026-04-03 11:00"])
    out = kpi.compute(t, kpis=["volume"], freq="D")
    assert out["period"].tolist() == [T("2026-04-01"), T("2026-04-02"), T("2026-04-03")]
    assert out["volume"].tolist() == [2, 0, 1]


def test_volume_calendar_can_be_widened_and_segmented():
    t = tickets(created_at=["2026-04-01 09:00", "2026-04-02 10:00"], team=["A", "B"])
    out = kpi.compute(t, kpis=["volume"], freq="D", by="team", start="2026-03-31", end="2026-04-02")
    assert len(out) == 3 * 2
    assert one(out, period="2026-03-31", team="A")["volume"] == 0
    assert one(out, period="2026-04-02", team="B")["volume"] == 1


def test_weeks_start_on_monday_and_months_on_the_first():
    t = tickets(
        created_at=["2026-04-01 09:00", "2026-04-05 23:00", "2026-04-06 00:30", "2026-05-02 08:00"]
    )
    weekly = kpi.compute(t, kpis=["volume"], freq="W")
    assert one(weekly, period="2026-03-30")["volume"] == 2  # Wed 1 Apr and Sun 5 Apr
    assert one(weekly, period="2026-04-06")["volume"] == 1
    monthly = kpi.compute(t, kpis=["volume"], freq="M")
    assert monthly["volume"].tolist() == [3, 1]


def test_first_response_median_p90_and_mean_ignore_unanswered():
    t = tickets(
        created_at=["2026-04-01 08:00"] * 4,
        first_response_at=["2026-04-01 09:00", "2026-04-01 10:00", "2026-04-01 14:00", None],
    )
    out = kpi.compute(t, kpis=["first_response_hours"])
    row = out.iloc[0]
    assert row["first_response_hours"] == 2.0  # median of 1, 2, 6
    assert row["first_response_hours_p90"] == pytest.approx(2 + 0.8 * 4)  # linear interpolation
    assert row["first_response_hours_n"] == 3
    mean = kpi.compute(t, kpis=["first_response_hours"], stat="mean").iloc[0]
    assert mean["first_response_hours"] == pytest.approx(3.0)


def test_segments_without_any_duration_get_no_median_not_an_error():
    """A team × channel cell whose tickets are all open has no median and no p90."""
    tickets = pd.DataFrame(
        {
            "ticket_id": ["a", "b", "c", "d"],
            "created_at": [T("2026-01-05 09:00")] * 4,
            "resolved_at": [T("2026-01-05 11:00"), pd.NaT, T("2026-01-05 13:00"), pd.NaT],
            "team": ["A", "A", "B", "B"],
            "channel": ["email", "chat", "email", "chat"],
        }
    )
    out = kpi.compute(tickets, kpis=["resolution_hours"], freq="D", by=("team", "channel"))
    out = out.set_index(["team", "channel"])
    assert out.loc[("A", "email"), "resolution_hours"] == 2.0
    assert out.loc[("B", "email"), "resolution_hours_p90"] == 4.0
    assert out.loc[("A", "chat")].isna()[["resolution_hours", "resolution_hours_p90"]].all()
    assert out.loc[("B", "chat"), "resolution_hours_n"] == 0


def test_resolution_excludes_open_duplicate_and_abandoned():
    t = tickets(
        created_at=["2026-04-01 00:00"] * 5,
        resolved_at=[
            "2026-04-01 10:00",
            "2026-04-02 00:00",
            None,
            "2026-04-01 01:00",
            "2026-04-01 00:10",
        ],
        status=["closed", "closed", "open", "duplicate", "abandoned"],
    )
    row = kpi.compute(t, kpis=["resolution_hours"]).iloc[0]
    assert row["resolution_hours"] == 17.0  # median of 10 and 24
    assert row["resolution_hours_n"] == 2


SLA = {
    "response": {"by": "channel", "hours": {"email": 4, "chat": 0.1}},
    "resolution": {"hours": 24},
}


def test_sla_response_counts_overdue_unanswered_as_missed_and_waits_for_the_rest():
    t = tickets(
        created_at=[
            "2026-04-01 08:00",
            "2026-04-01 08:00",
            "2026-04-01 08:00",
            "2026-04-01 20:00",
            "2026-04-01 08:00",
        ],
        first_response_at=["2026-04-01 09:00", "2026-04-01 13:00", None, None, "2026-04-01 08:03"],
        channel=["email", "email", "email", "email", "chat"],
    )
    # as of 22:00: the unanswered 08:00 ticket is 14 h old (missed); the 20:00 one is not yet due
    row = kpi.compute(t, kpis=["sla_response_met"], sla=SLA, as_of="2026-04-01 22:00").iloc[0]
    assert row["sla_response_met_n"] == 4
    assert row["sla_response_met"] == pytest.approx(2 / 4)  # 1 h email and 3 min chat met


def test_sla_resolution_uses_sla_due_at_when_given():
    t = tickets(
        created_at=["2026-04-01 00:00"] * 4,
        resolved_at=["2026-04-01 12:00", "2026-04-03 00:00", None, None],
        sla_due_at=["2026-04-01 06:00", None, "2026-04-02 00:00", "2026-04-10 00:00"],
    )
    row = kpi.compute(t, kpis=["sla_resolution_met"], sla=SLA, as_of="2026-04-05").iloc[0]
    # due 06:00 resolved 12:00 → missed; no due → 24 h target, resolved after 48 h → missed;
    # open past its due → missed; open and due later → excluded
    assert row["sla_resolution_met_n"] == 3
    assert row["sla_resolution_met"] == 0.0


def test_sla_without_targets_is_unavailable():
    t = tickets(created_at=["2026-04-01"], first_response_at=["2026-04-01 01:00"])
    with pytest.raises(DataError, match="SLA response target"):
        kpi.compute(t, kpis=["sla_response_met"])


def test_fcr_with_contacts_and_reopens():
    t = tickets(
        created_at=["2026-04-01"] * 5,
        resolved_at=["2026-04-02"] * 4 + [None],
        contacts=[1, 1, 2, 1, 1],
        reopens=[0, 1, 0, 0, 0],
    )
    row = kpi.compute(t, kpis=["fcr", "reopen_rate"]).iloc[0]
    assert row["fcr"] == pytest.approx(2 / 4)
    assert row["fcr_n"] == 4
    assert row["reopen_rate"] == pytest.approx(1 / 4)


def test_fcr_without_contacts_falls_back_to_reopens_and_transfers():
    t = tickets(
        created_at=["2026-04-01"] * 4,
        resolved_at=["2026-04-02"] * 4,
        reopens=[0, 1, 0, 0],
        transfers=[0, 0, 2, 0],
    )
    row = kpi.compute(t, kpis=["fcr"]).iloc[0]
    assert row["fcr"] == pytest.approx(2 / 4)


def test_backlog_is_the_stock_at_the_end_of_each_period():
    t = tickets(
        created_at=["2026-04-01 09:00", "2026-04-01 10:00", "2026-04-02 09:00", "2026-04-03 09:00"],
        resolved_at=["2026-04-01 12:00", "2026-04-03 08:00", None, "2026-04-03 10:00"],
    )
    out = kpi.compute(t, kpis=["backlog"])
    assert out["backlog"].tolist() == [1, 2, 1]


def test_backlog_by_segment():
    t = tickets(
        created_at=["2026-04-01 09:00", "2026-04-01 10:00", "2026-04-02 09:00"],
        resolved_at=[None, "2026-04-02 08:00", None],
        team=["A", "B", "B"],
    )
    out = kpi.compute(t, kpis=["backlog"], by="team")
    assert one(out, period="2026-04-02", team="A")["backlog"] == 1
    assert one(out, period="2026-04-02", team="B")["backlog"] == 1
    assert one(out, period="2026-04-01", team="B")["backlog"] == 1


def test_queue_kpis_exclude_short_abandons():
    t = tickets(
        created_at=["2026-04-01 09:00"] * 6,
        channel=["phone", "phone", "phone", "phone", "chat", "email"],
        abandoned=[False, False, True, True, False, None],
        wait_seconds=[10.0, 40.0, 60.0, 3.0, 20.0, None],
        handle_seconds=[300.0, 500.0, None, None, 400.0, 200.0],
    )
    row = kpi.compute(t, kpis=["abandon_rate", "service_level", "asa_seconds", "aht_seconds"]).iloc[
        0
    ]
    assert row["abandon_rate_n"] == 4  # the 3-second abandon is not offered
    assert row["abandon_rate"] == pytest.approx(1 / 4)
    assert row["service_level"] == pytest.approx(2 / 4)  # 10 s and 20 s
    assert row["asa_seconds"] == pytest.approx((10 + 40 + 20) / 3)
    assert row["aht_seconds"] == pytest.approx((300 + 500 + 400 + 200) / 4)


def test_survey_kpis_with_missing_answers_and_few_responses():
    t = tickets(
        created_at=["2026-04-01"] * 6,
        csat=pd.array([5, 4, 3, 1, None, None], dtype="Int64"),
        nps=pd.array([10, 9, 8, 6, 0, None], dtype="Int64"),
        ces=pd.array([7, 5, None, None, None, None], dtype="Int64"),
    )
    row = kpi.compute(t, kpis=["csat", "nps", "ces"], min_responses=5).iloc[0]
    assert row["csat"] == pytest.approx(2 / 4)  # top-2-box, not the mean rating
    assert row["csat_n"] == 4 and bool(row["csat_few"])
    assert row["nps"] == pytest.approx(100 * (2 / 5 - 2 / 5))
    assert row["nps_n"] == 5 and not bool(row["nps_few"])
    assert row["ces"] == pytest.approx(6.0)


def test_survey_kpi_is_missing_not_zero_in_a_period_without_answers():
    t = tickets(created_at=["2026-04-01", "2026-04-02"], csat=pd.array([5, None], dtype="Int64"))
    out = kpi.compute(t, kpis=["csat"])
    assert np.isnan(out["csat"].iloc[1]) and out["csat_n"].iloc[1] == 0


def test_complaint_rate_per_thousand_tickets():
    t = tickets(
        created_at=["2026-04-01"] * 4 + ["2026-04-02"] * 2, team=["A", "A", "B", "B", "A", "B"]
    )
    c = pd.DataFrame(
        {
            "complaint_id": ["K1", "K2"],
            "received_at": pd.to_datetime(["2026-04-01 12:00", "2026-04-02 12:00"]),
            "team": ["A", "A"],
        }
    )
    out = kpi.compute(t, kpis=["complaint_rate"], complaints=c, by="team")
    assert one(out, period="2026-04-01", team="A")["complaint_rate"] == pytest.approx(1 / 2 * 1000)
    assert one(out, period="2026-04-01", team="B")["complaint_rate"] == 0
    assert one(out, period="2026-04-02", team="A")["complaint_rate"] == pytest.approx(1000)


def test_the_complaints_are_checked_as_the_tickets_are():
    t = tickets(created_at=["2026-04-01"] * 2, team=["A", "A"])
    c = pd.DataFrame(
        {
            "complaint_id": ["K1", "K1"],  # one id twice: a contract problem
            "received_at": pd.to_datetime(["2026-04-01 12:00", "2026-04-01 13:00"]),
            "team": ["A", "A"],
        }
    )
    with pytest.raises(DataError, match="complaints"):
        kpi.compute(t, kpis=["complaint_rate"], complaints=c, by="team")
    # not checked again where the caller has checked them (a run's stages)
    out = kpi.compute(t, kpis=["complaint_rate"], complaints=c, by="team", validate=False)
    assert out["complaint_rate"].tolist() == [1000.0]


def test_complaint_rate_needs_the_segment_in_the_complaints_table():
    t = tickets(created_at=["2026-04-01"], channel=["email"])
    c = pd.DataFrame({"complaint_id": ["K1"], "received_at": pd.to_datetime(["2026-04-01"])})
    with pytest.raises(DataError, match="channel in the complaints table"):
        kpi.compute(t, kpis=["complaint_rate"], complaints=c, by="channel")


def test_repeat_contact_rate_same_customer_and_category_within_the_window():
    t = tickets(
        created_at=[
            "2026-04-01",
            "2026-04-05",
            "2026-04-02",
            "2026-04-20",
            "2026-04-03",
            "2026-04-25",
        ],
        customer_id=["c1", "c1", "c2", "c2", "c3", "c4"],
        category=["bill", "bill", "bill", "bill", "bill", "app"],
    )
    out = kpi.compute(t, kpis=["repeat_contact_rate"], repeat_days=7, as_of="2026-04-30")
    first = one(out, period="2026-04-01")
    assert first["repeat_contact_rate"] == 1.0  # c1 came back on the 5th
    assert one(out, period="2026-04-02")["repeat_contact_rate"] == 0.0  # 18 days later
    # the ticket of the 25th has no full 7-day window before the data ends: not counted
    assert one(out, period="2026-04-25")["repeat_contact_rate_n"] == 0


def test_cost_per_contact_needs_economics():
    t = tickets(created_at=["2026-04-01"] * 2, handle_seconds=[1800.0, 3600.0])
    with pytest.raises(DataError, match="economics.hourly_cost"):
        kpi.compute(t, kpis=["cost_per_contact"])
    row = kpi.compute(t, kpis=["cost_per_contact"], economics={"hourly_cost": 30}).iloc[0]
    assert row["cost_per_contact"] == pytest.approx(1.5 * 30 / 2)


def test_missing_columns_say_which_and_default_leaves_kpi_out():
    t = tickets(created_at=["2026-04-01"])
    with pytest.raises(DataError, match="missing resolved_at"):
        kpi.compute(t, kpis=["resolution_hours"])
    out = kpi.compute(t)
    assert "resolution_hours" not in out and "volume" in out
    avail = kpi.availability(t.columns).set_index("kpi")
    assert not avail.loc["csat", "available"] and avail.loc["csat", "missing"] == "csat"


def test_parameter_errors():
    t = tickets(created_at=["2026-04-01"])
    with pytest.raises(ParameterError, match="freq"):
        kpi.compute(t, freq="Q")
    with pytest.raises(ParameterError, match="unknown KPI"):
        kpi.compute(t, kpis=["happiness"])
    with pytest.raises(DataError, match="cannot segment by team"):
        kpi.compute(t, by="team")


def test_path_input_matches_dataframe_input(tmp_path):
    t = tickets(
        created_at=["2026-04-01 09:00", "2026-04-01 10:00", "2026-04-02 11:00"],
        resolved_at=["2026-04-01 13:00", None, "2026-04-02 12:00"],
        csat=pd.array([5, None, 2], dtype="Int64"),
    )
    t.to_csv(tmp_path / "t.csv", index=False)
    t.to_parquet(tmp_path / "t.parquet")
    a = kpi.compute(t)
    b = kpi.compute(tmp_path / "t.csv")
    c = kpi.compute(str(tmp_path / "t.parquet"))
    pd.testing.assert_frame_equal(a, b, check_dtype=False)
    pd.testing.assert_frame_equal(a, c, check_dtype=False)


def test_long_format():
    t = tickets(created_at=["2026-04-01"], csat=pd.array([5], dtype="Int64"))
    long = kpi.long_format(kpi.compute(t, kpis=["volume", "csat"]))
    assert set(long["kpi"]) == {"volume", "csat"}
    assert long.loc[long.kpi == "csat", "n"].item() == 1


def test_registry_covers_the_reference():
    from pathlib import Path

    ref = Path(__file__).resolve().parents[3] / "shared" / "reference" / "kpis.md"
    if not ref.exists():
        pytest.skip("reference not beside the project")
    import re

    names = re.findall(r"^\| `(\w+)`", ref.read_text(encoding="utf-8"), flags=re.M)
    assert names and set(names) == set(kpi.REGISTRY)
    for k in kpi.REGISTRY.values():
        assert k.better in ("higher", "lower", None) and k.unit and k.requires


def test_filters_dates_and_whole_range():
    t = tickets(
        created_at=[
            "2026-03-31 12:00",
            "2026-04-01 09:00",
            "2026-04-02 10:00",
            "2026-04-03 23:00",
            "2026-04-04 01:00",
        ],
        resolved_at=["2026-04-02 12:00", None, "2026-04-02 12:00", "2026-04-05 00:00", None],
        team=["A", "A", "B", "A", "A"],
    )
    out = kpi.compute(
        t,
        kpis=["volume", "resolution_hours", "backlog"],
        freq="all",
        filters={"team": "A"},
        start="2026-04-01",
        end="2026-04-03",
    )
    row = out.iloc[0]
    assert row["period"] == T("2026-04-01") and row["volume"] == 2  # 1 Apr and 3 Apr, team A only
    assert row["resolution_hours"] == pytest.approx(25.0)  # only the 3 Apr ticket is resolved
    # open at the end of 3 Apr: the 1 Apr ticket and the 3 Apr one (resolved on the 5th); 31 Mar was resolved on the 2nd
    assert row["backlog"] == 2
    daily = kpi.compute(
        t, kpis=["volume"], filters={"team": ["A", "B"]}, start="2026-04-01", end="2026-04-02"
    )
    assert daily["volume"].tolist() == [1, 1]


def test_cases_use_the_kpi_definitions():
    t = tickets(
        created_at=["2026-04-01 00:00"] * 4,
        resolved_at=["2026-04-01 10:00", "2026-04-02 00:00", None, "2026-04-01 01:00"],
        status=["closed", "closed", "open", "duplicate"],
        contacts=[1, 2, 1, 1],
        team=["A", "B", "A", "A"],
    )
    res = kpi.cases(t, "resolution_hours", by="team")
    assert res["value"].tolist() == [10.0, 24.0] and res["team"].tolist() == ["A", "B"]
    fcr = kpi.cases(t, "fcr", filters={"team": "A"})
    assert fcr["value"].tolist() == [
        1.0
    ]  # the duplicate is no resolution; the open one not resolved
    # the aggregate is the mean (or median) of the cases
    assert (
        kpi.compute(t, kpis=["fcr"], freq="all")["fcr"].item()
        == kpi.cases(t, "fcr")["value"].mean()
    )
    with pytest.raises(DataError, match="no per-ticket values"):
        kpi.cases(t, "backlog")


def test_sla_met_flag_from_the_source_system_wins():
    t = tickets(
        created_at=["2026-04-01 00:00"] * 3,
        resolved_at=["2026-04-01 05:00", "2026-04-03 00:00", "2026-04-01 01:00"],
        sla_met=pd.array([False, True, None], dtype="boolean"),
    )
    # without targets only the flag counts
    row = kpi.compute(t, kpis=["sla_resolution_met"]).iloc[0]
    assert row["sla_resolution_met_n"] == 2 and row["sla_resolution_met"] == 0.5
    # with a 24 h target the unflagged ticket is judged by it (1 h: met)
    row = kpi.compute(t, kpis=["sla_resolution_met"], sla={"resolution": {"hours": 24}}).iloc[0]
    assert row["sla_resolution_met_n"] == 3 and row["sla_resolution_met"] == pytest.approx(2 / 3)


def test_scan_names_required_columns_the_tickets_lack(tmp_path):
    path = tmp_path / "tickets.parquet"
    pd.DataFrame(
        {"ticket_id": ["1"], "created_at": pd.to_datetime(["2026-04-01"]), "team": ["A"]}
    ).to_parquet(path)
    with pytest.raises(ParameterError) as err:
        kpi.scan(path, require=["team", "agent_id", "nps"])
    problem = err.value.problems[0]
    assert problem.column == "agent_id, nps" and problem.file == str(path)
    assert "team" in problem.fix  # what the tickets do have


def queue_calls() -> pd.DataFrame:
    """Six calls: answered after 10, 40 and 20 s; abandoned after 60, 3 and 0 s."""
    return tickets(
        created_at=["2026-04-01 09:00"] * 6,
        channel=["phone"] * 6,
        abandoned=[False, False, False, True, True, True],
        wait_seconds=[10.0, 40.0, 20.0, 60.0, 3.0, 0.0],
        handle_seconds=[300.0, 500.0, 400.0, None, None, None],
    )


QUEUE_KPIS = ["abandon_rate", "service_level", "asa_seconds", "aht_seconds"]


@pytest.mark.parametrize(
    "definitions, offered, abandoned, sl_offered",
    [
        ({}, 4, 1, 4),  # the default: abandons within 5 s left out of both
        ({"short_abandon_seconds": 0}, 6, 3, 6),  # every abandon counts
        ({"short_abandon_seconds": 10}, 4, 1, 4),
        ({"short_abandon_seconds": 61}, 3, 0, 3),
        ({"service_level_over": "offered"}, 4, 1, 6),  # service level over every offered call
    ],
)
def test_short_abandon_threshold_and_service_level_denominator(
    definitions, offered, abandoned, sl_offered
):
    row = kpi.compute(queue_calls(), kpis=QUEUE_KPIS, definitions=definitions).iloc[0]
    assert row["abandon_rate_n"] == offered
    assert row["abandon_rate"] == pytest.approx(abandoned / offered)
    assert row["service_level_n"] == sl_offered
    assert row["service_level"] == pytest.approx(2 / sl_offered)  # answered within 20 s: 10 s, 20 s
    # ASA and AHT are over answered calls whatever the abandon definitions
    assert row["asa_seconds"] == pytest.approx((10 + 40 + 20) / 3)
    assert row["aht_seconds"] == pytest.approx((300 + 500 + 400) / 3)


def test_cases_follow_the_definitions():
    t = queue_calls()
    assert len(kpi.cases(t, "abandon_rate")) == 4
    assert len(kpi.cases(t, "abandon_rate", definitions={"short_abandon_seconds": 0})) == 6


def test_glossary_states_the_threshold():
    g = kpi.glossary({"short_abandon_seconds": 7.5}, service_level_seconds=30).set_index("kpi")
    assert "abandons within 7.5 s" in g.loc["abandon_rate", "definition"]
    assert g.loc["service_level", "definition"] == (
        "answered within 30 s ÷ offered queue contacts less abandons within 7.5 s"
    )
    over = kpi.glossary({"service_level_over": "offered"}).set_index("kpi")
    assert (
        over.loc["service_level", "definition"] == "answered within 20 s ÷ offered queue contacts"
    )


def test_backlog_leaves_out_tickets_closed_without_resolution_and_no_close_date():
    # 1 Apr: a cancelled and a duplicate request that were never given a close date are
    # not open; a cancelled one closed on 2 Apr was open until then; an open one without
    # a status and one still "open" count until resolved
    t = tickets(
        created_at=["2026-04-01 09:00"] * 5,
        resolved_at=[None, None, "2026-04-02 10:00", None, None],
        status=["cancelled", "duplicate", "cancelled", None, "open"],
    )
    daily = kpi.compute(t, kpis=["backlog"], end="2026-04-02")
    assert daily["backlog"].tolist() == [3, 2]
    stock = kpi.compute(t, kpis=["backlog"], freq="all", end="2026-04-01")
    assert stock["backlog"].tolist() == [3]


def test_sla_response_does_not_count_unanswered_tickets_closed_as_duplicate_or_cancelled():
    t = tickets(
        created_at=["2026-04-01 08:00"] * 4,
        first_response_at=["2026-04-01 09:00", None, None, None],
        status=["resolved", "duplicate", "cancelled", "open"],
        channel=["email"] * 4,
    )
    # as of 22:00 the open unanswered ticket is missed; the duplicate and cancelled ones wait for nobody
    row = kpi.compute(t, kpis=["sla_response_met"], sla=SLA, as_of="2026-04-01 22:00").iloc[0]
    assert row["sla_response_met_n"] == 2
    assert row["sla_response_met"] == pytest.approx(1 / 2)


def test_periods_keep_one_resolution_whether_the_calendar_is_given_as_dates_or_timestamps(
    sample_dir,
):
    import datetime as dt

    tickets = sample_dir / "tickets.parquet"
    found = {
        type(start).__name__: kpi.compute(
            tickets, kpis=["volume"], freq="W", by=["team"], start=start, end=end
        )
        for start, end in [
            (dt.date(2026, 1, 5), dt.date(2026, 5, 31)),
            (pd.Timestamp("2026-01-05"), pd.Timestamp("2026-05-31")),
        ]
    }
    assert {str(f["period"].dtype) for f in found.values()} == {"datetime64[us]"}
    pd.testing.assert_frame_equal(found["date"], found["Timestamp"])
