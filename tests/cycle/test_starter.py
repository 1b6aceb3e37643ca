"""`cslib new --from EXPORT`: a raw export to a cycle file that validates, on the real exports (read in place)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from cslib.cycle.model import load_cycle
from cslib.cycle.starter import write_starter
from cslib.data.adapters import BUILTIN, sniff
from cslib.errors import ParameterError
from cslib.run import preflight

REAL = Path(__file__).resolve().parents[3] / "shared" / "realdata"
BALTIMORE = REAL / "baltimore_311" / "311_sample.csv"
pytestmark = pytest.mark.skipif(not REAL.is_dir(), reason="the shared real exports are not here")


@pytest.mark.parametrize(
    ("export", "adapter"),
    [
        (BALTIMORE, "baltimore311"),
        (REAL / "nyc_311" / "nyc311_export_2022-05-01_sample.csv", "nyc311"),
        (REAL / "servicenow_incident_log" / "incident_event_log.zip", "servicenow"),
        (REAL / "cfpb_complaints" / "complaints_sample.csv", "cfpb"),
    ],
)
def test_the_built_in_adapters_are_recognised_from_the_header(export, adapter):
    header = [str(c) for c in sniff.sample(export, rows=5).columns]
    assert sniff.recognise(header, hint=str(export))[0] == adapter


def test_a_generic_header_is_not_taken_for_an_adapter():
    assert sniff.recognise(["id", "created_at", "resolved_at", "status"]) is None


def test_a_recognised_export_gives_a_cycle_that_validates(tmp_path, cli):
    result = cli("new", "--from", BALTIMORE, "--out", tmp_path / "cycle.yaml")
    assert result.returncode == 0, result.stderr
    assert "baltimore311" in result.stdout and "It validates" in result.stdout
    cycle = load_cycle(tmp_path / "cycle.yaml")
    assert cycle.data["tickets"].adapter == "baltimore311"
    assert cycle.path("tickets").resolve() == BALTIMORE.resolve()  # read in place
    # the export's dates (Jan 2014 to Feb 2019) split at the start of the middle month
    assert str(cycle.periods.baseline.start) == "2014-01-01"
    assert str(cycle.change.date) == str(cycle.periods.review.start) == "2016-07-01"
    assert [o.kpi for o in cycle.objectives] == ["resolution_hours"]
    again = cli("new", "--from", BALTIMORE, "--out", tmp_path / "cycle.yaml")
    assert again.returncode == 2 and "exists already" in again.stderr and "--force" in again.stderr


def test_guesses_on_a_real_export_match_its_adapter():
    """Without the adapter, the guesses from Baltimore's header and values are the adapter's own choices."""
    guess = sniff.guess_mapping(sniff.sample(BALTIMORE))
    adapter = BUILTIN["baltimore311"].columns
    assert {c: s for c, s in guess.columns.items()} == {
        c: names[0] for c, names in adapter.items() if c in guess.columns
    }
    assert set(guess.columns) == set(adapter)
    assert guess.date_format == "%m/%d/%Y %I:%M:%S %p"
    assert guess.values["channel"]["Phone"] == "phone" and guess.values["status"]["Open"] == "open"


def call_log(path: Path) -> Path:
    """A contact centre's call log whose names no built-in adapter knows; dates day first."""
    start = pd.date_range("2026-01-05 08:00", "2026-06-26 17:00", freq="7h")
    pd.DataFrame(
        {
            "Call ID": [f"C{i:05d}" for i in range(len(start))],
            "Queue Entry": start.strftime("%d/%m/%Y %H:%M"),
            "Ended": (start + pd.Timedelta(minutes=9)).strftime("%d/%m/%Y %H:%M"),
            "Call Outcome": ["Answered", "Hung up"] * (len(start) // 2)
            + ["Answered"] * (len(start) % 2),
            "Agent": "A7",
            "Queue": ["Billing", "Moves"] * (len(start) // 2) + ["Billing"] * (len(start) % 2),
        }
    ).to_csv(path, index=False)
    return path


def test_an_unknown_export_gets_a_commented_mapping_and_a_cycle_that_validates(tmp_path):
    export = call_log(tmp_path / "call log.csv")
    written = write_starter(export, tmp_path / "cycles" / "cycle.yaml")
    assert (
        written.adapter is None and written.mapping == tmp_path / "cycles" / "call-log-mapping.yaml"
    )
    text = written.mapping.read_text(encoding="utf-8")
    mapping = yaml.safe_load(text)
    assert mapping["columns"] == {
        "ticket_id": "Call ID",
        "created_at": "Queue Entry",
        "resolved_at": "Ended",
        "status": "Call Outcome",
        "team": "Queue",
        "agent_id": "Agent",
    }
    assert mapping["dates"]["format"] == "%d/%m/%Y %H:%M"
    assert mapping["values"]["status"]["map"] == {"Answered": "resolved", "Hung up": "abandoned"}
    assert "  created_at: Queue Entry  # guessed: 'Queue Entry' contains 'entry'" in text
    assert "  # channel: <source column>" in text  # what is left to map, listed
    cycle, warnings = preflight.validated(written.cycle)
    assert cycle.data["tickets"].mapping == "call-log-mapping.yaml"
    assert str(cycle.change.date) == "2026-04-01" and set(warnings["level"]) == {"warning"}


def test_a_complaints_export_is_not_a_cycle_start():
    with pytest.raises(ParameterError, match="a complaints table"):
        write_starter(
            REAL / "cfpb_complaints" / "complaints_sample.csv", Path("/nonexistent/c.yaml")
        )
