"""The cycle file: valid files load; every mistake names its key path and the fix."""

from __future__ import annotations

import pytest
import yaml

from cslib.cycle.model import load_cycle, parse_cycle
from cslib.errors import ConfigError


def minimal(**extra) -> dict:
    return {
        "title": "t",
        "data": {"tickets": "tickets.csv"},
        "periods": {
            "baseline": {"start": "2026-01-01", "end": "2026-03-31"},
            "review": {"start": "2026-04-01", "end": "2026-06-30"},
        },
        "change": {"date": "2026-04-01"},
        **extra,
    }


def error_of(raw) -> str:
    with pytest.raises(ConfigError) as info:
        parse_cycle(raw, source="cycle.yaml")
    return str(info.value)


def test_sample_cycle_loads(sample_dir):
    cycle = load_cycle(sample_dir / "cycle.yaml")
    assert cycle.timezone == "Europe/London" and cycle.treated_teams() == [
        "Billing",
        "Technical",
        "Orders",
    ]
    assert cycle.path("tickets") == sample_dir / "tickets.parquet"
    assert [o.kpi for o in cycle.objectives] == [
        "resolution_hours",
        "fcr",
        "csat",
        "aht_seconds",
        "standard:ownership",
    ]


def test_unknown_key_names_its_path():
    msg = error_of(
        minimal(objectives=[{"id": "O1", "kpi": "fcr", "direction": "increase", "tagret": 0.8}])
    )
    assert "cycle.yaml: objectives[0].tagret: unknown key 'tagret'" in msg


def test_bad_dates_and_order():
    assert "not a date: '2026-13-01'" in error_of(minimal(change={"date": "2026-13-01"}))
    raw = minimal()
    raw["periods"]["review"]["start"] = "2026-03-01"
    assert "review period starts" in error_of(raw)


def test_unknown_kpi_and_table_and_zone():
    msg = error_of(
        minimal(
            objectives=[{"id": "O1", "kpi": "happiness", "direction": "increase"}],
            timezone="Mars/Olympus",
        )
    )
    assert "objectives[0].kpi: unknown KPI 'happiness'" in msg and "unknown time zone" in msg
    assert "unknown table" in error_of(
        {**minimal(), "data": {"tickets": "t.csv", "calls": "c.csv"}}
    )


def test_all_problems_at_once():
    raw = minimal(risks=[{"risk": "x", "likelihood": 9, "impact": 0}])
    del raw["title"]
    msg = error_of(raw)
    assert msg.startswith("3 problems in cycle.yaml")
    assert "title: required key missing" in msg


def test_yaml_syntax_error_names_the_line(tmp_path):
    path = tmp_path / "cycle.yaml"
    path.write_text("title: x\ndata:\n  tickets: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML at line"):
        load_cycle(path)
    with pytest.raises(ConfigError, match="cycle file not found"):
        load_cycle(tmp_path / "missing.yaml")


def test_table_options_and_mapping(tmp_path):
    cycle = parse_cycle(
        minimal(
            data={
                "tickets": {
                    "path": "export.csv",
                    "encoding": "latin-1",
                    "columns": {"ticket_id": "Number"},
                }
            }
        ),
        base_dir=tmp_path,
    )
    opts = cycle.read_options("tickets")
    assert opts.encoding == "latin-1" and opts.columns == (("ticket_id", "Number"),)
    assert cycle.path("tickets") == tmp_path / "export.csv"
    yaml.safe_dump(cycle.model_dump(mode="json"))  # the model serialises back to YAML
