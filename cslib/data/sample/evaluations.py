"""The sample's quality evaluations: QA on about 2 % of tickets, quarterly mystery shops, calibration.

Every interaction has a true verdict per criterion of the scorecard
(:data:`CRITERIA`): met with the criterion's base rate, moved a little by the
agent's own skill, and — for the two criteria the change works on
(:data:`IMPROVED`) — raised by :data:`STANDARD_LIFT` once the interaction's team
has gone live and its agent has completed the course. Empathy is scored 0–5
and follows the customer's latent satisfaction (less the change's own lift), so
meeting it goes with higher CSAT on the same tickets. Evaluators see the truth with a little noise, except
:data:`LENIENT`, who passes about half of what was failed.

Calibration sessions have a few already evaluated tickets scored again by two
more evaluators, so agreement can be measured and the lenient evaluator shows.

Examples
--------
>>> [c.criterion for c in CRITERIA if c.critical]
['identity_check', 'compliance_statement']
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from cslib.data.sample.operation import (
    CSAT_LIFT,
    END,
    FIRST_CONTACT_SATISFACTION,
    TEAMS,
    State,
)


@dataclass(frozen=True)
class Criterion:
    """One standard of the sample's scorecard and how often it is met before the change."""

    criterion: str
    dimension: str
    weight: float
    critical: bool
    standard: str
    base: float | None  # share met before the change; None for empathy, which follows the mood


CRITERIA = (
    Criterion("greeting", "assurance", 1, False, "Greets the customer and gives their name", 0.93),
    Criterion(
        "identity_check",
        "assurance",
        2,
        True,
        "Verifies identity before discussing the account",
        0.95,
    ),
    Criterion("accurate_answer", "reliability", 3, False, "Gives a correct, complete answer", 0.72),
    Criterion("empathy", "empathy", 2, False, "Acknowledges the customer's situation", None),
    Criterion("ownership", "responsiveness", 2, False, "Owns the issue until it is resolved", 0.64),
    Criterion(
        "compliance_statement",
        "assurance",
        1,
        True,
        "Gives the required data-protection notice",
        0.92,
    ),
    Criterion("next_steps", "reliability", 1, False, "Confirms what happens next and when", 0.80),
)
#: the criteria the change improves, and by how much (share met, trained agents of live teams)
IMPROVED = ("accurate_answer", "ownership")
STANDARD_LIFT = 0.25
SCORED = "empathy"  # scored 0–5 (met from 4, the cycle's pass mark 0.8); the others pass/fail
QA_SHARE = 0.02
EVALUATORS = ("EV01", "EV02", "EV03", "EV04", "EV05")
LENIENT = "EV03"
SHOPPERS = ("MS01", "MS02")
#: the first day of each quarter's mystery-shop wave, and the shops per team in it
SHOP_WAVES = ("2026-02-16", "2026-05-11", "2026-08-10", "2026-10-12")
SHOPS_PER_TEAM = 5
SHOP_MOOD = 0.65  # a shopper's scripted contact: an ordinary customer's satisfaction
#: calibration sessions: the month, and how many of its evaluated tickets are scored again
CALIBRATION_MONTHS = (2, 4, 6, 8, 9, 10)
CALIBRATION_TICKETS = 8
SCORECARD = "contact quality v2"
#: what a QA evaluation takes from its ticket
HEAD = ("team", "agent_id", "channel", "ticket_id")
COLUMNS = (
    "evaluation_id", "date", "source", "team", "agent_id", "channel", "ticket_id", "evaluator",
    "scorecard", "criterion", "score", "max_score", "met",
)  # fmt: skip


@dataclass
class Quality:
    """The evaluations' own random stream (the other tables stay as they are) and what is written."""

    rng: np.random.Generator
    heads: list[pd.DataFrame] = field(default_factory=list)  # one row per evaluation
    seen: list[np.ndarray] = field(default_factory=list)  # evaluation × criterion, as recorded
    next_id: int = 1
    skill: dict = field(default_factory=dict)  # agent_id -> skill (standard normal)

    def table(self) -> pd.DataFrame:
        """Every evaluation row (evaluation × criterion), ordered by date and evaluation."""
        heads = pd.concat(self.heads, ignore_index=True)
        seen = np.vstack(self.seen).ravel()
        k = len(CRITERIA)
        out = heads.loc[heads.index.repeat(k)].reset_index(drop=True)
        out["date"] = out["date"].dt.date  # a day, written without a time
        out["scorecard"] = SCORECARD
        out["criterion"] = np.tile([c.criterion for c in CRITERIA], len(heads))
        scored = out["criterion"].to_numpy() == SCORED
        out["score"] = np.where(scored, seen, np.nan)
        out["max_score"] = np.where(scored, 5.0, np.nan)
        out["met"] = pd.array(seen.astype(bool), dtype="boolean")
        out.loc[scored, "met"] = pd.NA
        out = out[list(COLUMNS)]
        return out.sort_values(["date", "evaluation_id"], kind="stable", ignore_index=True)


def month_evaluations(tickets: pd.DataFrame, month: int, st: State, q: Quality) -> None:
    """QA evaluations of the tickets of ``month`` (1–12), its calibration session and any mystery-shop wave."""
    handled = tickets["agent_id"].notna().to_numpy() & (tickets["status"] != "abandoned").to_numpy()
    chosen = handled & (q.rng.random(len(tickets)) < QA_SHARE)
    picked = tickets.loc[chosen, [*HEAD, "created_at", "_treated", "_z"]].reset_index(drop=True)
    # the customer's satisfaction without the lift the change gives it (directly and through a
    # first-contact resolution): empathy is not what the change improves
    picked["_mood"] = (
        picked.pop("_z")
        - CSAT_LIFT * picked["_treated"]
        - FIRST_CONTACT_SATISFACTION * tickets.loc[chosen, "_first_contact"].to_numpy()
    )
    truth = _truth(picked, q)
    head = picked[list(HEAD)].assign(
        date=(
            picked["created_at"].dt.normalize()
            + pd.to_timedelta(q.rng.integers(1, 6, len(picked)), "D")
        ).clip(upper=END),
        source="qa",
        evaluator=q.rng.choice(EVALUATORS, size=len(picked)),
    )
    _record(q, head, truth)
    if month in CALIBRATION_MONTHS and len(picked):
        _calibrate(q, head, truth)
    for wave in SHOP_WAVES:
        if pd.Timestamp(wave).month == month:
            _shops(q, st, pd.Timestamp(wave))


def _truth(interactions: pd.DataFrame, q: Quality) -> np.ndarray:
    """True level per interaction × criterion: 1/0 for pass/fail criteria, 0–5 for empathy."""
    n = len(interactions)
    skill = np.array([_skill(q, a) for a in interactions["agent_id"]])
    treated = interactions["_treated"].to_numpy(bool)
    out = np.empty((n, len(CRITERIA)))
    for j, c in enumerate(CRITERIA):
        if c.criterion == SCORED:
            latent = 3.3 + 0.9 * interactions["_mood"].to_numpy(float) + 0.3 * skill
            out[:, j] = np.clip(np.round(latent + 0.6 * q.rng.standard_normal(n)), 0, 5)
            continue
        assert c.base is not None  # only the scored criterion has no base rate
        p = c.base + 0.03 * skill + (STANDARD_LIFT * treated if c.criterion in IMPROVED else 0)
        out[:, j] = q.rng.random(n) < np.clip(p, 0.02, 0.99)
    return out


def _skill(q: Quality, agent: str) -> float:
    if agent not in q.skill:
        q.skill[agent] = float(q.rng.standard_normal())
    return q.skill[agent]


def _seen(q: Quality, truth: np.ndarray, evaluators: np.ndarray) -> np.ndarray:
    """What the evaluators record: the truth with a few slips; the lenient one passes about half
    of the failed checks and adds a point to half of the scores."""
    n, k = truth.shape
    lenient = (evaluators == LENIENT)[:, None]
    slip = q.rng.random((n, k)) < 0.04
    kind = q.rng.random((n, k)) < 0.5
    scored = np.array([c.criterion == SCORED for c in CRITERIA])
    points = np.clip(truth + (lenient & kind) + slip * np.where(kind, 1, -1), 0, 5)
    passed = np.where(lenient, (truth == 1) | kind, (truth == 1) ^ slip)
    return np.where(scored, points, passed)


def _record(q: Quality, head: pd.DataFrame, truth: np.ndarray) -> None:
    """Evaluations of interactions, one per row of ``head`` (date, source, team, agent_id,
    channel, ticket_id, evaluator), each scoring every criterion."""
    seen = _seen(q, truth, head["evaluator"].to_numpy())
    prefix = np.where(head["source"] == "mystery_shop", "MS", "QA")
    ids = range(q.next_id, q.next_id + len(head))
    q.next_id += len(head)
    q.heads.append(
        head.assign(evaluation_id=[f"{p}{i:05d}" for p, i in zip(prefix, ids, strict=True)])
    )
    q.seen.append(seen)


def _calibrate(q: Quality, head: pd.DataFrame, truth: np.ndarray) -> None:
    """A few of the month's evaluated tickets scored again by two more evaluators, drawn from the
    other four, in a session three days after the month's last evaluation."""
    chosen = np.sort(
        q.rng.choice(len(head), size=min(CALIBRATION_TICKETS, len(head)), replace=False)
    )
    day = min(head["date"].max() + pd.Timedelta(days=3), END)
    again, rows = [], []
    for i in chosen:
        others = [e for e in EVALUATORS if e != head["evaluator"].iloc[i]]
        again += list(q.rng.choice(others, size=2, replace=False))
        rows += [i, i]
    _record(q, head.iloc[rows].assign(date=day, evaluator=again), truth[rows])


def _shops(q: Quality, st: State, start: pd.Timestamp) -> None:
    """A mystery-shop wave: shoppers contact each team during one week and score the contact."""
    rows = []
    staff = st.agents.groupby("team")["agent_id"].agg(list)
    for team in TEAMS:
        agents = staff[team.name]
        for _ in range(SHOPS_PER_TEAM):
            day = start + pd.Timedelta(days=int(q.rng.integers(0, 5)))
            agent = str(q.rng.choice(agents))
            trained = st.trained.get(agent)
            live = team.rollout is not None and day >= pd.Timestamp(team.rollout)
            rows.append(
                {
                    "team": team.name,
                    "agent_id": agent,
                    "channel": str(q.rng.choice(("phone", "chat", "email", "web"))),
                    "ticket_id": None,
                    "date": day,
                    "_treated": live and trained is not None and day >= pd.Timestamp(trained),
                    "_mood": SHOP_MOOD,
                }
            )
    shops = pd.DataFrame(rows)
    truth = _truth(shops, q)
    head = shops.drop(columns=["_treated", "_mood"]).assign(
        source="mystery_shop",
        evaluator=[SHOPPERS[i % len(SHOPPERS)] for i in range(len(shops))],
    )
    _record(q, head, truth)
