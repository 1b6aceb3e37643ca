"""A variant of the sample cycle with quality evaluations and a scorecard, written once per session.

About 1.5 % of the sample's tickets are evaluated on five criteria — greeting and
identity check (pass/fail, the identity check critical), accurate answer and
empathy (0–5 points, the accurate answer weighing 2) and ownership (pass/fail).
In the roll-out teams, from their go-live, the accurate answer and ownership
improve; evaluator ``Q4`` is lenient; thirty baseline tickets are scored by all
four evaluators (calibration). Ownership is met more often on tickets whose
customer was satisfied. Deterministic with the seed.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
EVALUATORS = ("Q1", "Q2", "Q3", "Q4")
#: the scorecard of the cycle file
SCORECARD = [
    {"criterion": "greeting", "dimension": "empathy", "standard": "Greet by name within 5 seconds"},
    {
        "criterion": "id_check",
        "dimension": "assurance",
        "critical": True,
        "standard": "Verify identity before account details",
    },
    {
        "criterion": "accurate_answer",
        "dimension": "reliability",
        "weight": 2,
        "standard": "Give the right answer first time",
    },
    {
        "criterion": "empathy",
        "dimension": "empathy",
        "standard": "Acknowledge the customer's situation",
    },
    {
        "criterion": "ownership",
        "dimension": "responsiveness",
        "standard": "Own the issue to resolution",
    },
]


def _checks(rng, ticket, after: bool, lean: float) -> list[dict]:
    """One evaluation's five criterion rows (``after``: in a roll-out team from its go-live)."""
    happy = ticket.csat >= 4 if pd.notna(ticket.csat) else False
    p_own = 0.55 + 0.2 * after + 0.1 * happy + lean
    p_answer = 0.6 + 0.2 * after + lean
    return [
        {"criterion": "greeting", "met": rng.random() < 0.93 + lean / 2},
        {"criterion": "id_check", "met": rng.random() < 0.95},
        {
            "criterion": "accurate_answer",
            "score": rng.binomial(5, min(p_answer, 0.97)),
            "max_score": 5,
        },
        {"criterion": "empathy", "score": rng.binomial(5, 0.8 + lean), "max_score": 5},
        {"criterion": "ownership", "met": rng.random() < min(p_own, 0.97)},
    ]


def evaluations(tickets: pd.DataFrame, rollout: dict, seed: int = 7) -> pd.DataFrame:
    """The evaluations table of the sampled tickets, with a calibration session."""
    rng = np.random.default_rng(seed)
    go = {team: pd.Timestamp(day) for team, day in rollout.items()}
    sampled = tickets.sample(frac=0.015, random_state=seed).sort_values("created_at")
    early = tickets[tickets["created_at"] < "2026-04-01"].sample(30, random_state=seed + 1)
    plan = [(t, rng.choice(EVALUATORS)) for t in sampled.itertuples()]
    plan += [(t, who) for t in early.itertuples() for who in EVALUATORS]
    rows = []
    for i, (t, who) in enumerate(plan):
        day = t.created_at.normalize() + pd.Timedelta(days=int(rng.integers(1, 4)))
        after = t.team in go and t.created_at >= go[t.team]
        for check in _checks(rng, t, after, 0.15 if who == "Q4" else 0.0):
            rows.append(
                {
                    "evaluation_id": f"QA{i:05d}",
                    "date": day.date().isoformat(),
                    "source": "qa",
                    "team": t.team,
                    "agent_id": t.agent_id,
                    "channel": t.channel,
                    "ticket_id": t.ticket_id,
                    "evaluator": who,
                    **check,
                }
            )
    return pd.DataFrame(rows)


def sample_cycle(*, absolute: bool = False) -> dict:
    """The sample cycle file without evaluations, standards or objectives on a standard
    (``absolute``: its data paths made absolute, for a cycle file written elsewhere)."""
    folder = ROOT / "data" / "sample"
    cycle = yaml.safe_load((folder / "cycle.yaml").read_text(encoding="utf-8"))
    cycle["data"].pop("evaluations", None)
    cycle.pop("standards", None)
    cycle["objectives"] = [
        o for o in cycle["objectives"] if not str(o["kpi"]).startswith("standard")
    ]
    if absolute:
        cycle["data"] = {k: str(folder / v) for k, v in cycle["data"].items()}
    return cycle


def write(out: Path) -> Path:
    """The sample cycle in ``out`` with ``evaluations.csv`` and a ``standards:`` section."""
    shutil.copytree(ROOT / "data" / "sample", out)
    cycle = sample_cycle()
    tickets = pd.read_parquet(out / "tickets.parquet")
    evaluations(tickets, cycle["rollout"]).to_csv(out / "evaluations.csv", index=False)
    cycle["data"]["evaluations"] = "evaluations.csv"
    cycle["standards"] = {"criteria": SCORECARD, "target": 0.85, "pass_mark": 0.8}
    (out / "cycle.yaml").write_text(yaml.safe_dump(cycle, sort_keys=False), encoding="utf-8")
    return out / "cycle.yaml"


@pytest.fixture(scope="session")
def standards_cycle(tmp_path_factory) -> Path:
    """The cycle file of the sample variant with evaluations."""
    return write(tmp_path_factory.mktemp("standards") / "cycle")
