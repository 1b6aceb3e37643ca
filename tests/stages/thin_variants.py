"""Thin-data variants of the sample operation: what a real export often looks like.

Each variant is a folder with a ``cycle.yaml`` and its tables, written once per test
session and reused by every test that asks for it:

* ``call-log`` — a bank-style phone call log: one channel, no team, segment, survey,
  complaints or comments; the centre is closed at night and on Sundays, so every call
  of those hours was abandoned (handle time 0); the objectives are the call centre's
  (abandonment, service level, speed of answer, handle time) and nobody is left out
  of the change;
* ``one-team`` — a single team that adopted the change (no comparison teams), one
  customer segment, only the baseline wave of the survey, and a root cause written
  ``price $_$`` (a formula to matplotlib);
* ``sample-100`` and ``sample-3000`` — ``cslib sample-data --tickets 100`` / ``3000``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

#: a root cause that matplotlib would read as a formula
DOLLARS = "price $_$"
#: the call centre's objectives of the call-log variant
CALL_OBJECTIVES = [
    {"id": "O1", "kpi": "abandon_rate", "direction": "decrease", "target": 0.05},
    {"id": "O2", "kpi": "service_level", "direction": "increase", "target": 0.8},
    {"id": "O3", "kpi": "asa_seconds", "direction": "decrease", "target": 30},
    {"id": "O4", "kpi": "aht_seconds", "direction": "decrease", "target": 500},
]


def _sample(root: Path, n_tickets: int) -> Path:
    from cslib.data.sample import write_sample

    out = root / f"sample-{n_tickets}"
    if not out.exists():
        write_sample(out, n_tickets=n_tickets)
    return out


def _edited(source: Path, out: Path, edit) -> Path:
    """A copy of the sample folder ``source`` in ``out`` with its cycle file changed by ``edit``."""
    shutil.copytree(source, out)
    cycle = yaml.safe_load((out / "cycle.yaml").read_text(encoding="utf-8"))
    edit(cycle, out)
    (out / "cycle.yaml").write_text(yaml.safe_dump(cycle, sort_keys=False), encoding="utf-8")
    return out


def call_log(tickets: pd.DataFrame) -> pd.DataFrame:
    """The phone tickets as a call log: closed before 08:00, from 20:00 and on Sundays (every call
    of those hours abandoned), abandoned calls with handle time 0, nothing but call columns."""
    calls = tickets[tickets["channel"] == "phone"].copy()
    at = calls["created_at"]
    closed = (at.dt.hour < 8) | (at.dt.hour >= 20) | (at.dt.day_of_week == 6)
    calls.loc[closed, "abandoned"] = True
    gone = calls["abandoned"].fillna(False).astype(bool)
    calls.loc[gone, "handle_seconds"] = 0.0
    calls.loc[gone, ["first_response_at", "resolved_at"]] = pd.NaT
    keep = ["ticket_id", "created_at", "first_response_at", "resolved_at", "channel"]
    keep += ["agent_id", "category", "wait_seconds", "handle_seconds", "abandoned"]
    return calls[keep]


def _call_log_cycle(cycle: dict, out: Path) -> None:
    call_log(pd.read_parquet(out / "tickets.parquet")).to_csv(out / "calls.csv", index=False)
    for path in cycle["data"].values():
        (out / path).unlink()
    cycle["data"] = {"tickets": "calls.csv"}
    cycle["scope"] = {"channels": ["phone"]}
    cycle["rollout"] = {}
    cycle["sla"] = {"service_level_seconds": 30}
    cycle["objectives"] = CALL_OBJECTIVES
    for o in cycle["objectives"]:
        o.update(deadline="2026-10-31", owner="Contact Centre Manager")
    cycle["change"]["description"] = "The whole centre adopted the change at once."


def _one_team_cycle(cycle: dict, out: Path) -> None:
    tickets = pd.read_parquet(out / "tickets.parquet")
    tickets = tickets[tickets["team"] == "Billing"].assign(segment="consumer")
    tickets.to_parquet(out / "tickets.parquet", index=False)
    survey = pd.read_csv(out / "survey.csv", parse_dates=["date"])
    survey[survey["date"] < "2026-06-01"].to_csv(out / "survey.csv", index=False)
    complaints = pd.read_csv(out / "complaints.csv")
    complaints.loc[complaints.index % 3 == 0, "root_cause"] = DOLLARS
    complaints.to_csv(out / "complaints.csv", index=False)
    cycle["scope"] = {"teams": ["Billing"], "segments": ["consumer"]}
    cycle["rollout"] = {"Billing": "2026-06-01"}


EDITS = {"call-log": _call_log_cycle, "one-team": _one_team_cycle}


@pytest.fixture(scope="session")
def thin_data(tmp_path_factory):
    """The cycle file of a variant by name (see :data:`VARIANTS`), written on first use."""
    root = tmp_path_factory.mktemp("thin")
    made: dict[str, Path] = {}

    def variant(name: str) -> Path:
        if name not in made:
            if name.startswith("sample-"):
                made[name] = _sample(root, int(name.split("-")[1])) / "cycle.yaml"
            else:
                made[name] = _edited(_sample(root, 3000), root / name, EDITS[name]) / "cycle.yaml"
        return made[name]

    return variant
