"""Adapters: built-in mappings, the generic mapping file, event logs, joins, derived columns."""

from __future__ import annotations

import textwrap

import pandas as pd
import pytest

from cslib.cycle.model import validate_cycle
from cslib.data import adapters
from cslib.data import tables as io
from cslib.errors import ConfigError, DataError


def _write(path, text):
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def _read(source, mapping, table="tickets", timezone="UTC", **kw):
    m = mapping if isinstance(mapping, adapters.Mapping) else adapters.parse_mapping(mapping, **kw)
    return io.read_table(
        source, table, opts=io.ReadOptions(timezone=timezone, mapping=m.for_table(table))
    )


def _cycle(path, data: str, extra: str = ""):
    return _write(
        path,
        f"""
        title: Mapped export
        timezone: Europe/London
        data:
        {textwrap.indent(textwrap.dedent(data).strip(), "  ")}
        periods:
          baseline: {{start: 2026-01-01, end: 2026-01-31}}
          review: {{start: 2026-02-01, end: 2026-02-28}}
        change: {{date: 2026-02-01}}
        {extra}
        """,
    )


@pytest.mark.parametrize("name", sorted(adapters.BUILTIN))
def test_builtins_fit_their_contract(name):
    m = adapters.BUILTIN[name]
    table = m.table or "tickets"
    assert m.for_table(table).table == table
    assert not m.strict  # exports vary: absent columns are unmapped, not errors


def test_mapping_file_end_to_end(tmp_path):
    src = _write(
        tmp_path / "export.csv",
        """
        Case;Opened;Closed;State;Origin;Due;Level;Handle (min);Queue
        A-1;31/01/2026 09:00;31/01/2026 10:30;Solved;Web Form;01/02/2026;P1;1.234,5;Billing
        A-2;01/02/2026 23:30;;Waiting;Telephone;03/02/2026;P3;?;Billing
        A-3;02/02/2026 08:00;05/02/2026 08:00;Solved;Telephone;03/02/2026;P2;12,0;Tech
        """,
    )
    _write(
        tmp_path / "mapping.yaml",
        """
        name: acme
        table: tickets
        columns:
          ticket_id: Case
          created_at: [Opened, Created]
          resolved_at: Closed
          status: State
          channel: Origin
          sla_due_at: Due
          priority: Level
          team: Queue
        missing: ["?"]
        dates:
          format: "%d/%m/%Y %H:%M"
          columns: {sla_due_at: "%d/%m/%Y"}
          timezone: UTC
        numbers: {thousands: ".", decimal: ","}
        values:
          status: {map: {Solved: resolved, Waiting: pending}}
          channel: {Web Form: web, Telephone: phone}
          priority: {map: {P1: urgent, P2: high}, default: normal}
        derived:
          sla_met: {on_or_before: [resolved_at, sla_due_at]}
          handle_seconds: {seconds_from_minutes: ["Handle (min)"]}
        """,
    )
    cycle = _cycle(
        tmp_path / "cycle.yaml",
        "tickets: {path: export.csv, mapping: mapping.yaml, delimiter: ';'}",
    )
    parsed, problems = validate_cycle(cycle)
    assert problems == []
    out = io.read_table(src, "tickets", opts=parsed.read_options("tickets"))
    assert out["ticket_id"].tolist() == ["A-1", "A-2", "A-3"]
    # naive source times in UTC, converted to the cycle's Europe/London (winter: same clock)
    assert out["created_at"].iloc[0] == pd.Timestamp("2026-01-31 09:00")
    assert out["status"].tolist() == ["resolved", "pending", "resolved"]
    assert out["channel"].tolist() == ["web", "phone", "phone"]
    assert out["priority"].tolist() == ["urgent", "normal", "high"]  # P3 → the default
    assert (
        out["sla_met"].tolist()[0] is True
        and pd.isna(out["sla_met"].iloc[1])
        and out["sla_met"].tolist()[2] is False
    )
    assert out["handle_seconds"].iloc[0] == pytest.approx(1234.5 * 60) and pd.isna(
        out["handle_seconds"].iloc[1]
    )


def test_source_time_zone_is_converted(tmp_path):
    src = _write(tmp_path / "t.csv", "id,opened\n1,2026-07-01 12:00\n")
    out = _read(
        src,
        {
            "columns": {"ticket_id": "id", "created_at": "opened"},
            "dates": {"timezone": "America/New_York"},
        },
        timezone="Europe/London",
    )
    assert out["created_at"].iloc[0] == pd.Timestamp("2026-07-01 17:00")


def test_unmapped_labels_are_listed_with_how_to_map_them(tmp_path):
    src = _write(
        tmp_path / "t.csv",
        "id,opened,via\n1,2026-01-05 10:00,Phone\n2,2026-01-05 11:00,Carrier pigeon\n3,2026-01-05 12:00,Fax machine\n4,2026-01-06 09:00,Carrier pigeon\n",
    )
    mapping = {
        "columns": {"ticket_id": "id", "created_at": "opened", "channel": "via"},
        "values": {"channel": {"Phone": "phone"}},
    }
    with pytest.raises(DataError) as err:
        _read(src, mapping)
    text = str(err.value)
    assert "2 labels with no channel mapping" in text
    assert "'Carrier pigeon' (2 rows)" in text and "'Fax machine' (1 rows)" in text
    assert (
        "values: {channel: {map: {'Carrier pigeon': email}}}" in text
        and "values.channel.default" in text
    )
    assert "rows 3, 4 … 3 rows in all" in text  # the first row of each label
    # the mapping says where unknown labels go: then they are not errors
    out = _read(
        src, {**mapping, "values": {"channel": {"map": {"Phone": "phone"}, "default": None}}}
    )
    assert out["channel"].tolist()[0] == "phone" and out["channel"].iloc[1:].isna().all()


def test_labels_already_in_the_vocabulary_need_no_map(tmp_path):
    src = _write(
        tmp_path / "t.csv", "id,opened,via\n1,2026-01-05 10:00,Phone\n2,2026-01-05 11:00,Walk In\n"
    )
    out = _read(src, {"columns": {"ticket_id": "id", "created_at": "opened", "channel": "via"}})
    assert out["channel"].tolist() == ["phone", "walk_in"]


def test_unreadable_dates_name_the_mapping_format(tmp_path):
    src = _write(tmp_path / "t.csv", "id,opened\n1,05/01/2026 10:00\n2,2026-01-05 10:00\n")
    with pytest.raises(DataError) as err:
        _read(
            src,
            {
                "columns": {"ticket_id": "id", "created_at": "opened"},
                "dates": {"format": "%d/%m/%Y %H:%M"},
            },
        )
    text = str(err.value)
    assert (
        "column 'created_at ← opened': dates cannot be read with the format '%d/%m/%Y %H:%M'"
        in text
    )
    assert "row 3" in text and "'2026-01-05 10:00'" in text and "dates.columns.created_at" in text
    # a list of formats is tried in turn
    out = _read(
        src,
        {
            "columns": {"ticket_id": "id", "created_at": "opened"},
            "dates": {"format": ["%d/%m/%Y %H:%M", "%Y-%m-%d %H:%M"]},
        },
    )
    assert out["created_at"].tolist() == [pd.Timestamp("2026-01-05 10:00")] * 2


def test_strict_mapping_names_missing_source_columns(tmp_path):
    src = _write(tmp_path / "t.csv", "id,opened\n1,2026-01-05 10:00\n")
    with pytest.raises(DataError) as err:
        _read(src, {"columns": {"ticket_id": "id", "created_at": "opened", "team": "Queue"}})
    assert "maps team from a column the file does not have (no column 'Queue')" in str(err.value)
    out = _read(
        src,
        {"columns": {"ticket_id": "id", "created_at": "opened", "team": "Queue"}, "strict": False},
    )
    assert "team" not in out


def test_header_names_match_loosely(tmp_path):
    src = _write(tmp_path / "t.csv", "Unique Key,Created Date\n1,2026-01-05 10:00\n")
    out = _read(src, {"columns": {"ticket_id": "unique_key", "created_at": "created_date"}})
    assert out["ticket_id"].tolist() == ["1"]


def test_mapping_errors_name_their_key(tmp_path):
    with pytest.raises(ConfigError, match="unknown key 'colums'"):
        adapters.parse_mapping({"colums": {}})
    with pytest.raises(ConfigError, match="not in the tickets contract"):
        adapters.parse_mapping({"table": "tickets", "columns": {"ticket_number": "Id"}})
    with pytest.raises(ConfigError, match="'telephone' is not a channel the contract knows"):
        adapters.parse_mapping({"table": "tickets", "values": {"channel": {"Phone": "telephone"}}})
    with pytest.raises(ConfigError, match="unknown operation 'before'"):
        adapters.parse_mapping({"derived": {"sla_met": {"before": ["a", "b"]}}})
    with pytest.raises(ConfigError, match="unknown adapter 'zendsk'"):
        adapters.resolve("tickets", adapter="zendsk")
    with pytest.raises(ConfigError, match="is for the complaints table"):
        adapters.resolve("tickets", adapter="cfpb")
    with pytest.raises(ConfigError, match="mapping file not found"):
        adapters.resolve("tickets", mapping="nope.yaml", base_dir=tmp_path)


def test_event_log_keeps_the_last_event(tmp_path):
    src = _write(
        tmp_path / "log.csv",
        """
        number,ident_state,sys_mod_count,made_sla,opened_at,resolved_at,category,category,contact_type,priority,reopen_count,reassignment_count
        INC2,Active,1,true,02/3/2016 10:00,?,53,9,Phone,2,0,1
        INC1,New,0,true,01/3/2016 09:00,?,42,7,Email,3,0,0
        INC1,Resolved,10,false,01/3/2016 09:00,03/3/2016 17:45,42,7,Email,3,1,2
        INC1,Active,9,true,01/3/2016 09:00,?,42,7,Email,3,0,2
        """,
    )
    out = _read(src, adapters.BUILTIN["servicenow"]).set_index("ticket_id")
    assert out.loc["INC1", "status"] == "resolved"  # sys_mod_count 10 beats 9 (not text order)
    assert (
        not out.loc["INC1", "sla_met"]
        and out.loc["INC1", "reopens"] == 1
        and out.loc["INC1", "transfers"] == 2
    )
    assert out.loc["INC1", "resolved_at"] == pd.Timestamp("2016-03-03 17:45")  # day-first
    assert out.loc["INC1", "category"] == "42" and out.loc["INC2", "priority"] == "high"
    assert pd.isna(out.loc["INC2", "resolved_at"])  # "?" is missing


def test_collapsed_event_logs_stay_with_their_connection(tmp_path):
    """Two event logs open at once under the same view name: each connection reads its own."""
    opts = io.ReadOptions(mapping=adapters.BUILTIN["servicenow"].for_table("tickets"))
    header = "number,ident_state,sys_mod_count,opened_at\n"
    logs = [
        _write(tmp_path / f"log{i}.csv", header + f"INC{i},Active,1,01/3/2016 09:00\n")
        for i in (1, 2)
    ]
    first, view = io.open_table(logs[0], "tickets", opts=opts)
    second, _ = io.open_table(logs[1], "tickets", opts=opts)
    assert first.execute(f"SELECT ticket_id FROM {view}").fetchall() == [("INC1",)]
    assert second.execute(f"SELECT ticket_id FROM {view}").fetchall() == [("INC2",)]
    second.close()
    assert first.execute(f"SELECT ticket_id FROM {view}").fetchall() == [("INC1",)]
    first.close()


def test_duplicated_header_needs_the_adapter(tmp_path):
    src = _write(
        tmp_path / "t.csv", "number,opened_at,category,category\nINC1,01/3/2016 09:00,42,7\n"
    )
    with pytest.raises(DataError, match="duplicated column names"):
        io.read_table(
            src,
            "tickets",
            opts=io.ReadOptions(columns=(("ticket_id", "number"), ("created_at", "opened_at"))),
        )
    assert _read(src, adapters.BUILTIN["servicenow"])["category"].tolist() == ["42"]


def test_zendesk_tickets_with_metrics_and_ratings(tmp_path):
    _write(
        tmp_path / "tickets.csv",
        """
        id,created_at,status,priority,via.channel,group_id,assignee_id,requester_id,type
        101,2026-03-02T09:00:00Z,solved,high,email,7,55,9001,question
        102,2026-03-02T10:00:00Z,open,normal,web,7,56,9002,incident
        103,2026-03-03T11:00:00Z,hold,-,voice,8,,9001,problem
        """,
    )
    _write(
        tmp_path / "metrics.csv",
        """
        id,ticket_id,reopens,group_stations,reply_time_in_minutes.calendar,solved_at,updated_at
        1,101,0,1,30,2026-03-02T15:00:00Z,2026-03-02T15:00:00Z
        2,102,1,3,90,,2026-03-03T09:00:00Z
        """,
    )
    _write(
        tmp_path / "ratings.csv",
        """
        id,ticket_id,score,comment,created_at,updated_at
        1,101,offered,,2026-03-02T15:05:00Z,2026-03-02T15:05:00Z
        2,101,good,Quick and kind,2026-03-02T15:05:00Z,2026-03-03T08:00:00Z
        3,102,bad,Still waiting - call me on 07700 900123,2026-03-03T10:00:00Z,2026-03-03T10:00:00Z
        """,
    )
    cycle = _cycle(
        tmp_path / "cycle.yaml",
        "tickets: {path: tickets.csv, adapter: zendesk, join: {metrics: metrics.csv, ratings: ratings.csv}}",
    )
    parsed, problems = validate_cycle(cycle)
    assert problems == []
    out = io.read_table(
        parsed.path("tickets"), "tickets", opts=parsed.read_options("tickets")
    ).set_index("ticket_id")
    assert out.loc["101", "status"] == "resolved" and out.loc["103", "status"] == "on_hold"
    assert out.loc["101", "channel"] == "email" and out.loc["103", "channel"] == "phone"
    assert pd.isna(out.loc["103", "priority"])  # "-" is missing
    assert out.loc["101", "resolved_at"] == pd.Timestamp("2026-03-02 15:00")  # UTC → London, winter
    assert out.loc["101", "first_response_at"] == pd.Timestamp(
        "2026-03-02 09:30"
    )  # created + 30 minutes
    assert out.loc["102", "transfers"] == 2 and out.loc["102", "reopens"] == 1
    assert (
        out.loc["101", "csat"] == 5
        and out.loc["102", "csat"] == 1
        and pd.isna(out.loc["103", "csat"])
    )
    assert out.loc["101", "comment"] == "Quick and kind"  # the latest rating of the ticket
    # without the joined exports the metrics columns are simply unavailable
    alone = _cycle(tmp_path / "alone.yaml", "tickets: {path: tickets.csv, adapter: zendesk}")
    parsed, problems = validate_cycle(alone)
    table = adapters.describe(
        parsed.path("tickets"), "tickets", opts=parsed.read_options("tickets")
    ).set_index("column")
    assert (
        problems == []
        and not table.loc["reopens", "mapped"]
        and table.loc["status", "source"] == "status"
    )


def test_zendesk_full_csv_export(tmp_path):
    src = _write(
        tmp_path / "export.csv",
        """
        Id,Requester id,Group,Status,Priority,Via,Ticket type,Created at,Solved at,Reopens,Group stations,First reply time in minutes,Satisfaction Score
        7,11,Support,Closed,Normal,Web Form,Question,2026-03-02 09:00,2026-03-02 12:00,0,2,15,Good
        8,12,Support,Pending,Urgent,Mail,Incident,2026-03-02 10:00,,1,1,,Unoffered
        """,
    )
    out = _read(src, adapters.BUILTIN["zendesk"]).set_index("ticket_id")
    assert out.loc["7", "channel"] == "web" and out.loc["8", "channel"] == "email"
    assert out.loc["7", "status"] == "closed" and out.loc["8", "priority"] == "urgent"
    assert out.loc["7", "first_response_at"] == pd.Timestamp("2026-03-02 09:15") and pd.isna(
        out.loc["8", "first_response_at"]
    )
    assert (
        out.loc["7", "transfers"] == 1
        and out.loc["7", "csat"] == 5
        and pd.isna(out.loc["8", "csat"])
    )


def test_freshdesk_export(tmp_path):
    src = _write(
        tmp_path / "fd.csv",
        """
        Ticket ID,Subject,Status,Priority,Source,Type,Agent,Group,Created time,Due by Time,Resolved time,Closed time,Initial response time,Resolution status,Contact ID
        1,Refund,Closed,Medium,Portal,Question,Ann,Billing,2026-03-02 09:00:00,2026-03-03 09:00:00,,2026-03-02 18:00:00,2026-03-02 09:20:00,Within SLA,c1
        2,Broken,Resolved,Urgent,Chat,Incident,Bob,Tech,2026-03-02 10:00:00,2026-03-02 14:00:00,2026-03-02 16:00:00,,2026-03-02 10:05:00,SLA Violated,c2
        3,Hello,Waiting on Customer,Low,Phone,,,Tech,2026-03-02 11:00:00,2026-03-04 11:00:00,,,,,c1
        """,
    )
    out = _read(src, adapters.BUILTIN["freshdesk"]).set_index("ticket_id")
    assert out["status"].tolist() == ["closed", "resolved", "pending"]
    assert out["priority"].tolist() == ["normal", "urgent", "low"]
    assert out["channel"].tolist() == ["web", "chat", "phone"]
    assert out.loc["1", "resolved_at"] == pd.Timestamp(
        "2026-03-02 18:00"
    )  # closed time when never resolved
    assert out.loc["2", "resolved_at"] == pd.Timestamp("2026-03-02 16:00")
    assert out["sla_met"].tolist()[:2] == [True, False] and pd.isna(out.loc["3", "sla_met"])


def test_freshdesk_api_codes(tmp_path):
    src = _write(
        tmp_path / "fd.csv",
        "id,created_at,status,priority,source,due_by\n5,2026-03-02T09:00:00Z,4,1,7,2026-03-03T09:00:00Z\n",
    )
    out = _read(src, adapters.BUILTIN["freshdesk"])
    assert out[["status", "priority", "channel"]].iloc[0].tolist() == ["resolved", "low", "chat"]


def test_adapter_plus_mapping_file_and_columns_override(tmp_path):
    _write(
        tmp_path / "sr.csv",
        "ServiceRequestNum,CreatedDate,SRStatus,MethodReceived,Agency\n1,01/05/2026 09:00:00 AM,Closed,Carrier Pigeon,Parks\n2,01/05/2026 01:00:00 PM,Reopened,Phone,Parks\n",
    )
    cycle = _cycle(tmp_path / "cycle.yaml", "tickets: {path: sr.csv, adapter: baltimore311}")
    _, problems = validate_cycle(cycle)
    text = "\n".join(map(str, problems))
    assert (
        "label with no channel mapping: 'Carrier Pigeon'" in text
        and "label with no status mapping: 'Reopened'" in text
    )
    _write(
        tmp_path / "extra.yaml",
        "values:\n  channel: {Carrier Pigeon: letter}\n  status: {Reopened: open}\ncolumns:\n  team: Agency\n",
    )
    cycle = _cycle(
        tmp_path / "cycle.yaml",
        "tickets: {path: sr.csv, adapter: baltimore311, mapping: extra.yaml}",
    )
    parsed, problems = validate_cycle(cycle)
    assert problems == []
    out = io.read_table(parsed.path("tickets"), "tickets", opts=parsed.read_options("tickets"))
    assert out["channel"].tolist() == ["letter", "phone"] and out["status"].tolist() == [
        "closed",
        "open",
    ]
    assert out["created_at"].tolist() == [
        pd.Timestamp("2026-01-05 09:00"),
        pd.Timestamp("2026-01-05 13:00"),
    ]


def test_inline_mapping_and_cli_exit_2(tmp_path, cli):
    _write(tmp_path / "t.csv", "Ref,When,How\nX1,2026-01-05 10:00,Owl\n")
    cycle = _cycle(
        tmp_path / "cycle.yaml",
        "tickets: {path: t.csv, mapping: {columns: {ticket_id: Ref, created_at: When, channel: How}}}",
    )
    result = cli("validate", cycle)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "label with no channel mapping: 'Owl'" in result.stderr


def test_derived_operations(tmp_path):
    src = _write(
        tmp_path / "t.csv",
        "id,opened,wait_min,handled_h,flag,a,b\n1,2026-01-05 10:00,2,0.5,Yes,x,\n2,2026-01-05 11:00,,1,no,,y\n",
    )
    out = _read(
        src,
        {
            "columns": {"ticket_id": "id", "created_at": "opened"},
            "derived": {
                "first_response_at": {"add_hours": ["created_at", "handled_h"]},
                "wait_seconds": {"seconds_from_minutes": ["wait_min"]},
                "handle_seconds": {"seconds_from_hours": ["handled_h"]},
                "abandoned": {"equals": ["flag", "yes"]},
                "category": {"concat": ["a", "b"]},
                "segment": {"coalesce": ["a", "b"]},
                "contacts": {"minus": [3, 1]},
            },
        },
    )
    assert out["first_response_at"].tolist() == [
        pd.Timestamp("2026-01-05 10:30"),
        pd.Timestamp("2026-01-05 12:00"),
    ]
    assert out["wait_seconds"].iloc[0] == 120 and pd.isna(out["wait_seconds"].iloc[1])
    assert out["handle_seconds"].tolist() == [1800, 3600]
    assert out["abandoned"].tolist() == [True, False]
    assert out["category"].tolist() == ["x", "y"] and out["segment"].tolist() == ["x", "y"]
    assert out["contacts"].tolist() == [2, 2]


def test_parquet_timestamps_pass_through(tmp_path):
    frame = pd.DataFrame(
        {
            "Ref": ["a", "b"],
            "Opened": pd.to_datetime(["2026-01-05 10:00", "2026-01-06 11:00"]),
            "Mins": [1.5, 2.0],
        }
    )
    frame.to_parquet(tmp_path / "t.parquet")
    out = _read(
        tmp_path / "t.parquet",
        {
            "columns": {"ticket_id": "Ref", "created_at": "Opened"},
            "dates": {"format": "%d/%m/%Y"},
            "derived": {"first_response_at": {"add_minutes": ["created_at", "Mins"]}},
        },
    )
    assert out["created_at"].tolist() == frame["Opened"].tolist()
    assert out["first_response_at"].iloc[0] == pd.Timestamp("2026-01-05 10:01:30")


def test_zip_with_several_tables_is_refused(tmp_path):
    import zipfile

    with zipfile.ZipFile(tmp_path / "two.zip", "w") as archive:
        archive.writestr("a.csv", "ticket_id,created_at\n1,2026-01-01\n")
        archive.writestr("b.csv", "ticket_id,created_at\n1,2026-01-01\n")
    with pytest.raises(DataError, match="holds 2 tables"):
        io.read_table(tmp_path / "two.zip", "tickets")
    (tmp_path / "bad.zip").write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(DataError, match="zip archive cannot be read"):
        io.read_table(tmp_path / "bad.zip", "tickets")
    with zipfile.ZipFile(tmp_path / "one.zip", "w") as archive:
        archive.writestr("t.csv", "ticket_id,created_at\n1,2026-01-01\n")
    assert len(io.read_table(tmp_path / "one.zip", "tickets")) == 1


def test_added_hours_are_elapsed_time_across_a_summer_time_change(tmp_path):
    # clocks go forward at 01:00 in London on 29 March: two hours after 00:30 it is 03:30
    src = _write(tmp_path / "t.csv", "id,opened\n1,2026-03-29 00:30\n2,2026-10-25 00:30\n")
    mapping = {
        "columns": {"ticket_id": "id", "created_at": "opened"},
        "derived": {"first_response_at": {"add_hours": ["created_at", 2]}},
    }
    out = _read(src, mapping, timezone="Europe/London")
    assert out["first_response_at"].tolist() == [
        pd.Timestamp("2026-03-29 03:30"),
        pd.Timestamp("2026-10-25 01:30"),  # back at 02:00: 01:30 comes round a second time
    ]


def test_date_formats_mixing_utc_offsets_and_local_times(tmp_path):
    # "Z" and "+02:00" are instants; a time without either is the mapping's (here the cycle's) zone
    src = _write(
        tmp_path / "t.csv",
        "id,opened\n1,2026-04-01T09:00:00Z\n2,2026-04-01T09:00:00+0200\n3,2026-04-01 09:00:00\n",
    )
    formats = ["%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%d %H:%M:%S"]
    mapping = {"columns": {"ticket_id": "id", "created_at": "opened"}, "dates": {"format": formats}}
    out = _read(src, mapping, timezone="Europe/London")
    assert out["created_at"].tolist() == [
        pd.Timestamp("2026-04-01 10:00"),  # 09:00 UTC is 10:00 in London's summer time
        pd.Timestamp("2026-04-01 08:00"),
        pd.Timestamp("2026-04-01 09:00"),
    ]


def test_added_hours_without_an_amount_is_a_missing_argument(tmp_path):
    src = _write(tmp_path / "t.csv", "id,opened\n1,2026-03-29 00:30\n")
    mapping = {
        "columns": {"ticket_id": "id", "created_at": "opened"},
        "derived": {"first_response_at": {"add_hours": ["created_at"]}},
    }
    with pytest.raises(DataError, match="a second argument, which is missing"):
        _read(src, mapping, timezone="UTC")
