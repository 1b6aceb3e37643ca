"""Mapping files that clean: drop rules, constants, per-column missing markers, tolerated
negative durations, conflicting targets; and the built-in call-log adapter."""

from __future__ import annotations

import textwrap

import pandas as pd
import pytest

from cslib import metrics as kpi
from cslib.cycle.model import parse_cycle, validate_cycle
from cslib.data import adapters
from cslib.data import tables as io
from cslib.errors import ConfigError, DataError


def _write(path, text):
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def _opts(mapping, table="tickets"):
    m = mapping if isinstance(mapping, adapters.Mapping) else adapters.parse_mapping(mapping)
    return io.ReadOptions(mapping=m.for_table(table))


def _read(source, mapping):
    return io.read_table(source, "tickets", opts=_opts(mapping))


BASE = {"ticket_id": "Id", "created_at": "Opened"}


def test_drop_rules_leave_rows_out_and_count_them_by_reason(tmp_path):
    src = _write(
        tmp_path / "t.csv",
        """
        Id,Opened,Kind,Customer
        1,2026-01-05 09:00,call,C1
        2,2026-01-05 09:10,TEST,C2
        3,2026-01-05 09:20,Phantom,C3
        4,2025-12-31 23:59,call,C4
        5,2026-02-01 00:00,call,TESTER
        6,2026-01-31 23:59,test,C6
        """,
    )
    mapping = {
        "columns": {**BASE, "customer_id": "Customer"},
        "drop": [
            {"reason": "test calls", "where": {"Kind": ["test"]}},
            {"reason": "phantom calls", "where": {"Kind": "phantom"}},
            {
                "reason": "outside January",
                "where": {"created_at": {"before": "2026-01-01", "after": "2026-01-31"}},
            },
        ],
    }
    frame = _read(src, mapping)
    assert frame["ticket_id"].tolist() == ["1"]
    counts = adapters.cleaning(src, "tickets", opts=_opts(mapping))
    # row 6 is both a test call and in January: it counts under the first rule that drops it
    assert counts.to_dict("list") == {
        "step": ["dropped: test calls", "dropped: phantom calls", "dropped: outside January"],
        "rows": [2, 1, 2],
    }


def test_drop_rule_with_several_columns_needs_all_of_them(tmp_path):
    src = _write(
        tmp_path / "t.csv",
        "Id,Opened,Queue,Wait\n1,2026-01-05,Sales,3\n2,2026-01-05,Sales,30\n3,2026-01-05,Help,3\n",
    )
    mapping = {
        "columns": {**BASE, "wait_seconds": "Wait"},
        "drop": [
            {"reason": "sales blips", "where": {"Queue": "sales", "wait_seconds": {"below": 5}}}
        ],
    }
    assert _read(src, mapping)["ticket_id"].tolist() == ["2", "3"]


def test_dropped_rows_are_not_checked(tmp_path):
    src = _write(tmp_path / "t.csv", "Id,Opened,Kind\n1,2026-01-05,call\n2,not a date,test\n")
    mapping = {"columns": BASE, "drop": [{"reason": "test", "where": {"Kind": "test"}}]}
    assert _read(src, mapping)["ticket_id"].tolist() == ["1"]
    with pytest.raises(DataError, match="dates cannot be read"):
        _read(src, {"columns": BASE})


def test_constant_fills_a_contract_column_and_is_checked(tmp_path):
    src = _write(tmp_path / "t.csv", "Id,Opened\n1,2026-01-05\n2,2026-01-06\n")
    assert _read(src, {"columns": BASE, "constants": {"channel": "Phone"}})["channel"].tolist() == [
        "phone",
        "phone",
    ]
    with pytest.raises(DataError, match="no channel mapping: 'fax'"):
        _read(src, {"columns": BASE, "constants": {"channel": "fax"}})
    with pytest.raises(ConfigError, match="constants: channel also mapped"):
        adapters.parse_mapping(
            {"columns": {**BASE, "channel": "Via"}, "constants": {"channel": "phone"}}
        )


def test_missing_markers_apply_to_their_column_only(tmp_path):
    src = _write(
        tmp_path / "t.csv",
        "Id,Opened,Customer,Wait,Handle\n1,2026-01-05,0,0,0\n2,2026-01-05,C2,?,30\n",
    )
    columns = {
        **BASE,
        "customer_id": "Customer",
        "wait_seconds": "Wait",
        "handle_seconds": "Handle",
    }
    frame = _read(src, {"columns": columns, "missing": {"all": ["?"], "customer_id": ["0"]}})
    assert frame["customer_id"].isna().tolist() == [True, False]
    assert frame["wait_seconds"].tolist()[0] == 0.0 and pd.isna(frame["wait_seconds"][1])
    assert frame["handle_seconds"].tolist() == [0.0, 30.0]
    # a list still applies to every column
    everywhere = _read(src, {"columns": columns, "missing": ["0", "?"]})
    assert everywhere["handle_seconds"].isna().tolist() == [True, False]


def test_small_negative_durations_are_zeroed_and_counted_larger_ones_refused(tmp_path):
    src = _write(
        tmp_path / "t.csv",
        """
        Id,Opened,Closed,Wait
        1,2026-01-05 10:00:00,2026-01-05 09:59:58,-2
        2,2026-01-05 10:00:00,2026-01-05 11:00:00,5
        3,2026-01-05 10:00:00,2026-01-05 10:00:00,-0.5
        """,
    )
    mapping = {
        "columns": {**BASE, "resolved_at": "Closed", "wait_seconds": "Wait"},
        "tolerance": {"negative_seconds": 2},
    }
    frame = _read(src, mapping)
    assert frame["resolved_at"][0] == pd.Timestamp("2026-01-05 10:00:00")
    assert frame["wait_seconds"].tolist() == [0.0, 5.0, 0.0]
    counts = adapters.cleaning(src, "tickets", opts=_opts(mapping))
    assert dict(zip(counts["step"], counts["rows"], strict=True)) == {
        "resolved_at: a small negative duration set to zero": 1,
        "wait_seconds: a small negative duration set to zero": 2,
    }
    # without a tolerance, or beyond it, they stay errors
    with pytest.raises(DataError) as err:
        _read(src, {**mapping, "tolerance": {"negative_seconds": 1}})
    text = str(err.value)
    assert "resolved_at" in text and "wait_seconds" in text


def test_two_contract_columns_from_one_source_column_are_refused(tmp_path):
    _write(tmp_path / "t.csv", "Id,Opened,Reason\n1,2026-01-05,Billing\n")
    _write(
        tmp_path / "same.yaml",
        "columns: {ticket_id: Id, created_at: Opened, resolved_at: Opened}\n",
    )
    cycle = _write(
        tmp_path / "cycle.yaml",
        """
        title: t
        data: {tickets: {path: t.csv, mapping: same.yaml}}
        periods:
          baseline: {start: 2026-01-01, end: 2026-01-31}
          review: {start: 2026-02-01, end: 2026-02-28}
        change: {date: 2026-02-01}
        """,
    )
    _, problems = validate_cycle(cycle)
    assert [p.what for p in problems] == [
        "the mapping 'same.yaml' reads created_at and resolved_at from the same source column"
    ]
    assert "allow_same_source: [created_at, resolved_at]" in problems[0].fix
    shared = {
        "columns": {**BASE, "category": "Reason", "journey_stage": "Reason"},
        "allow_same_source": ["category", "journey_stage"],
    }
    frame = _read(tmp_path / "t.csv", shared)
    assert frame[["category", "journey_stage"]].iloc[0].tolist() == ["Billing", "Billing"]


def test_strict_drop_rule_naming_an_absent_column_is_reported(tmp_path):
    src = _write(tmp_path / "t.csv", "Id,Opened\n1,2026-01-05\n")
    mapping = {"columns": BASE, "drop": [{"reason": "tests", "where": {"Kind": "test"}}]}
    with pytest.raises(
        DataError, match=r"drops rows by a column the file does not have: 'tests' \(Kind\)"
    ):
        _read(src, mapping)


def test_drop_rule_needs_a_condition():
    with pytest.raises(ConfigError, match="say when the row is dropped"):
        adapters.parse_mapping({"columns": BASE, "drop": [{"reason": "x", "where": {"Kind": {}}}]})


def test_drop_rules_and_markers_add_up_over_an_adapter():
    extra = adapters.parse_mapping(
        {
            "drop": [{"reason": "test calls", "where": {"customer_id": "999"}}],
            "missing": {"customer_id": ["n/a"]},
        }
    )
    from cslib.data.adapters.model import merge

    m = merge(adapters.BUILTIN["call_log"], extra)
    assert [d.reason for d in m.drop] == ["phantom calls (no caller on the line)", "test calls"]
    assert m.missing_in("customer_id")[-1] == "n/a" and "0" in m.missing_in("customer_id")


# ------------------------------------------------------------------ the call log

CALLS = """
call_id,customer_id,q_start,ser_start,ser_exit,q_exit,outcome,server,queue
1,101,2026-01-05 09:00:00,2026-01-05 09:00:10,2026-01-05 09:05:10,,AGENT,ann,Retail
2,0,2026-01-05 09:01:00,2026-01-05 09:01:40,2026-01-05 09:08:20,,AGENT,bob,Retail
3,103,2026-01-05 09:02:00,2026-01-05 09:02:15,2026-01-05 09:06:15,,AGENT,ann,Business
4,104,2026-01-05 09:03:00,,,2026-01-05 09:04:00,HANG,,Retail
5,105,2026-01-05 09:04:00,,,2026-01-05 09:04:03,HANG,,Retail
6,106,2026-01-05 09:05:00,,,2026-01-05 09:05:00,PHANTOM,,Retail
7,999,2026-01-05 09:06:00,2026-01-05 09:06:01,2026-01-05 09:06:31,,AGENT,cat,Retail
8,107,2026-01-05 09:07:00,2026-01-05 09:07:30,2026-01-05 09:10:30,,AGENT,bob,Business
"""


def test_call_log_adapter_maps_a_call_detail_record(tmp_path):
    src = _write(tmp_path / "calls.csv", CALLS)
    frame = _read(src, adapters.BUILTIN["call_log"]).set_index("ticket_id")
    assert "6" not in frame.index  # the phantom call
    assert frame["channel"].unique().tolist() == ["phone"]
    assert frame.loc["1", ["wait_seconds", "handle_seconds"]].tolist() == [10.0, 300.0]
    assert frame.loc["4", "wait_seconds"] == 60.0 and pd.isna(frame.loc["4", "handle_seconds"])
    assert frame["abandoned"].tolist() == [False, False, False, True, True, False, False]
    assert pd.isna(frame.loc["2", "customer_id"])  # 0 marks an anonymous caller…
    assert frame.loc["2", "wait_seconds"] == 40.0  # …but not a zero elsewhere
    assert frame.loc["3", "team"] == "Business" and frame.loc["1", "agent_id"] == "ann"


def test_call_log_reproduces_the_published_definitions(tmp_path):
    """Threshold 0, test calls dropped by the mapping: by hand over the 6 real calls left
    (answered after 10, 40, 15 and 30 s, handled 300, 400, 240 and 180 s; abandoned after 60 and 3 s)."""
    _write(tmp_path / "calls.csv", CALLS)
    raw = {
        "title": "Phone",
        "data": {
            "tickets": {
                "path": "calls.csv",
                "adapter": "call_log",
                "mapping": {"drop": [{"reason": "test calls", "where": {"customer_id": "999"}}]},
            }
        },
        "periods": {
            "baseline": {"start": "2026-01-01", "end": "2026-01-31"},
            "review": {"start": "2026-02-01", "end": "2026-02-28"},
        },
        "change": {"date": "2026-02-01"},
        "definitions": {"short_abandon_seconds": 0, "service_level_over": "offered"},
    }
    cycle = parse_cycle(raw, base_dir=tmp_path)
    row = kpi.compute(
        cycle.path("tickets"),
        kpis=["abandon_rate", "service_level", "asa_seconds", "aht_seconds"],
        freq="all",
        options=cycle.read_options("tickets"),
        definitions=cycle.definitions.model_dump(),
        service_level_seconds=cycle.sla.service_level_seconds,
    ).iloc[0]
    assert row["abandon_rate"] == pytest.approx(2 / 6) and row["abandon_rate_n"] == 6
    assert row["service_level"] == pytest.approx(2 / 6)  # answered within 20 s: 10 s and 15 s
    assert row["asa_seconds"] == pytest.approx((10 + 40 + 15 + 30) / 4)
    assert row["aht_seconds"] == pytest.approx((300 + 400 + 240 + 180) / 4)
    counts = adapters.cleaning(cycle.path("tickets"), "tickets", opts=cycle.read_options("tickets"))
    assert counts["rows"].tolist() == [1, 1]  # the phantom call, the test call
    # with the default definitions the 3-second abandon is left out
    default = kpi.compute(
        cycle.path("tickets"),
        kpis=["abandon_rate"],
        freq="all",
        options=cycle.read_options("tickets"),
    ).iloc[0]
    assert default["abandon_rate"] == pytest.approx(1 / 5)


def test_validate_prints_the_rows_the_mapping_cleaned(tmp_path, cli):
    _write(
        tmp_path / "calls.csv",
        CALLS
        + "9,108,2026-02-02 09:00:00,2026-02-02 09:00:05,2026-02-02 09:03:05,,AGENT,ann,Retail\n",
    )
    cycle = _write(
        tmp_path / "cycle.yaml",
        """
        title: Phone
        data:
          tickets:
            path: calls.csv
            adapter: call_log
            mapping: {drop: [{reason: test calls, where: {customer_id: "999"}}]}
        periods:
          baseline: {start: 2026-01-01, end: 2026-01-31}
          review: {start: 2026-02-01, end: 2026-02-28}
        change: {date: 2026-02-01}
        definitions: {short_abandon_seconds: 0}
        objectives:
          - {id: O1, kpi: abandon_rate, direction: decrease, target: 0.1}
        """,
    )
    result = cli("validate", cycle)
    assert result.returncode == 0, result.stderr
    assert "tickets: rows the mapping cleaned" in result.stdout
    lines = [" ".join(line.replace("│", " ").split()) for line in result.stdout.splitlines()]
    assert "dropped: phantom calls (no caller on the line) 1" in lines
    assert "dropped: test calls 1" in lines


def test_a_column_on_top_replaces_the_adapters_constant_and_back(tmp_path):
    src = _write(tmp_path / "calls.csv", "call_id,q_start,medium\n1,2026-01-05 09:00,chat\n")
    m = adapters.resolve("tickets", adapter="call_log", columns={"channel": "medium"})
    assert _read(src, m)["channel"].tolist() == ["chat"]
    back = adapters.resolve(
        "tickets", adapter="zendesk", mapping={"constants": {"channel": "email"}}
    )
    assert "channel" not in back.columns and back.constants == {"channel": "email"}


def test_every_mapping_example_of_the_reference_page_is_valid():
    import re
    from pathlib import Path

    import yaml

    page = Path(__file__).resolve().parents[2] / "docs" / "mapping.md"
    blocks = re.findall(r"```yaml\n(.*?)```", page.read_text(encoding="utf-8"), flags=re.S)
    checked = 0
    for block in blocks:
        raw = yaml.safe_load(block)
        if not raw or "data" in raw:  # a comment, or a part of a cycle file
            continue
        adapters.parse_mapping(raw).for_table("evaluations" if "criteria" in raw else "tickets")
        checked += 1
    assert checked >= 12
