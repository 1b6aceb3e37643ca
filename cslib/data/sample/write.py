"""Write the sample operation: tickets month by month to Parquet, the other tables to CSV, and its cycle file.

Memory stays flat at any size: each month's tickets are generated, written and
dropped before the next.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from cslib.data.sample.evaluations import Quality, month_evaluations
from cslib.data.sample.operation import COURSE, DEFAULT_TICKETS, SEGMENT_P, State, calendar
from cslib.data.sample.responses import complaints, feedback, recovery, survey
from cslib.data.sample.staff import agents, training
from cslib.data.sample.tickets import month_tickets

#: the evaluations draw from a stream of their own, so the other tables do not depend on them
EVALUATION_STREAM = 7


#: the sample's tables written as CSV beside ``tickets.parquet``
CSV_TABLES = (
    "complaints",
    "survey",
    "survey_weights",
    "feedback",
    "training",
    "agents",
    "evaluations",
)


def _setup(n_tickets: int, seed: int) -> tuple[pd.DataFrame, State, pd.DataFrame]:
    """The calendar with each cell's ticket count, the generator's state, and the training records."""
    rng = np.random.default_rng(seed)
    cal = calendar()
    cal["count"] = rng.multinomial(n_tickets, (cal["weight"] / cal["weight"].sum()).to_numpy())
    n_customers = max(500, n_tickets // 3)
    segments = rng.choice(3, size=n_customers, p=SEGMENT_P)
    staff = agents(cal, rng)
    records = training(staff, rng)
    change = records[records.course == COURSE]
    trained = dict(
        zip(change.agent_id, change.completed_at.to_numpy().astype("datetime64[s]"), strict=True)
    )
    st = State(rng, n_customers, segments, staff, trained, width=max(6, len(str(n_tickets))))
    return cal, st, records


def _months(
    cal: pd.DataFrame, st: State, quality: Quality | None = None
) -> Iterator[tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]]:
    """Tickets, complaints and feedback month by month (memory stays flat at any size); given
    ``quality``, the month's evaluations are added to it."""
    feedback_id = 1
    for month, cells in cal.groupby(cal["day"].dt.to_period("M"), sort=True):
        tickets = month_tickets(cells, st)
        recovery(tickets, st)
        month_complaints = complaints(tickets, st)
        month_feedback = feedback(tickets, st, feedback_id)
        feedback_id += len(month_feedback)
        if quality is not None:
            month_evaluations(tickets, month.month, st, quality)
        yield (
            tickets.drop(columns=["_z", "_treated", "_first_contact"]),
            month_complaints,
            month_feedback,
        )


def generate_tickets(n_tickets: int = DEFAULT_TICKETS, *, seed: int = 42) -> pd.DataFrame:
    """Only the tickets of the sample operation, in memory (for tests and small sizes).

    Returns
    -------
    DataFrame
        Tickets in the data contract (see :data:`cslib.data.schema.TICKETS`).
    """
    cal, st, _ = _setup(n_tickets, seed)
    return pd.concat([t for t, _, _ in _months(cal, st)], ignore_index=True)


def write_tickets(path: str | Path, *, n_tickets: int = DEFAULT_TICKETS, seed: int = 42) -> Path:
    """Write only the tickets of the sample operation to Parquet, month by month (flat memory)."""
    cal, st, _ = _setup(n_tickets, seed)
    return _write_parquet(Path(path), (t for t, _, _ in _months(cal, st)))


def _write_parquet(path: Path, frames: Iterator[pd.DataFrame]) -> Path:
    """Frames of the same columns appended to one Parquet file (zstd, row groups of a million)."""
    writer = None
    try:
        for frame in frames:
            table = pa.Table.from_pandas(frame, preserve_index=False)
            if writer is None:
                writer = pq.ParquetWriter(path, table.schema, compression="zstd")
            writer.write_table(table, row_group_size=1_000_000)
    finally:
        if writer is not None:
            writer.close()
    return path


def write_sample(
    out: str | Path, *, n_tickets: int = DEFAULT_TICKETS, seed: int = 42
) -> dict[str, Path]:
    """Write the whole sample operation and its cycle file into ``out``.

    Tickets go to Parquet, written month by month so ten million tickets fit in a
    few hundred MB of memory; the other tables are small CSV files.

    Returns
    -------
    dict
        Table name → path written (plus ``cycle`` for cycle.yaml).
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    cal, st, records = _setup(n_tickets, seed)
    paths = {name: out / f"{name}.csv" for name in CSV_TABLES}
    paths["tickets"] = out / "tickets.parquet"
    complaint_frames, feedback_frames = [], []
    quality = Quality(np.random.default_rng((seed, EVALUATION_STREAM)))

    def tickets() -> Iterator[pd.DataFrame]:
        for month, comp, fb in _months(cal, st, quality):
            complaint_frames.append(comp)
            feedback_frames.append(fb)
            yield month

    _write_parquet(paths["tickets"], tickets())
    answers, weights = survey(st.rng)
    tables = {
        "complaints": pd.concat(complaint_frames, ignore_index=True),
        "feedback": pd.concat(feedback_frames, ignore_index=True),
        "survey": answers,
        "survey_weights": weights,
        "training": records,
        "agents": st.agents,
        "evaluations": quality.table(),
    }
    for name, frame in tables.items():
        frame.to_csv(paths[name], index=False, date_format="%Y-%m-%d %H:%M:%S", lineterminator="\n")
    paths["cycle"] = out / "cycle.yaml"
    paths["cycle"].write_text(CYCLE_YAML, encoding="utf-8")
    return paths


CYCLE_YAML = """\
# The improvement cycle of the sample operation: a plan in machine-readable form.
# Dates are ISO; paths are relative to this file.
title: Faster first-time resolution
organisation:
  name: Northwind Utilities customer service
  mission: Help every customer get on with their day - resolved first time, without effort.
  goals:
    - id: G1
      text: Resolve customers' issues at the first contact
    - id: G2
      text: Lift customer satisfaction to the top quartile of UK utilities
    - id: G3
      text: Keep cost to serve flat while volumes grow

timezone: Europe/London
data:
  tickets: tickets.parquet
  complaints: complaints.csv
  survey: survey.csv
  survey_weights: survey_weights.csv
  feedback: feedback.csv
  training: training.csv
  agents: agents.csv
  evaluations: evaluations.csv

scope:
  teams: [Billing, Technical, Orders, Accounts, Returns, Onboarding]
  channels: [email, chat, phone, web]
  segments: [consumer, small business, enterprise]

periods:
  baseline: {start: 2026-01-05, end: 2026-05-31}
  review: {start: 2026-06-01, end: 2026-10-31}
change:
  date: 2026-06-01
  name: Resolution knowledge base and first-contact coaching
  description: >-
    A searchable knowledge base of resolution steps, with coaching for agents on
    resolving at the first contact. Rolled out team by team; Accounts, Returns and
    Onboarding are not in this cycle and serve as the comparison group.
  course: Knowledge base and first-contact resolution   # the training course it brings in
rollout:
  Billing: 2026-06-01
  Technical: 2026-06-01
  Orders: 2026-07-06

sla:
  response: {by: channel, hours: {email: 8, web: 8, chat: 0.05, phone: 0.05}}
  resolution: {by: priority, hours: {urgent: 8, high: 24, normal: 48, low: 72}}
  service_level_seconds: 20

objectives:
  - id: O1
    kpi: resolution_hours
    statistic: median
    direction: decrease
    target: 14
    deadline: 2026-10-31
    owner: Head of Operations
    links_to: G1
  - id: O2
    kpi: fcr
    direction: increase
    target: 0.75
    deadline: 2026-10-31
    owner: Quality Lead
    links_to: G1
  - id: O3
    kpi: csat
    direction: increase
    target: 0.8
    deadline: 2026-10-31
    owner: Customer Experience Manager
    links_to: G2
  - id: O4
    kpi: aht_seconds
    direction: decrease
    target: 500
    deadline: 2026-10-31
    owner: Workforce Planning Lead
    links_to: G3
  - id: O5
    kpi: standard:ownership
    direction: increase
    target: 0.8
    deadline: 2026-10-31
    owner: Quality Lead
    links_to: G1

# The quality scorecard evaluators and mystery shoppers score contacts against
standards:
  target: 0.9             # compliance wanted on every criterion
  pass_mark: 0.8          # a scored criterion (empathy, 0-5) is met from 4 of 5
  criteria:
    - {criterion: greeting, dimension: assurance, weight: 1, standard: Greets the customer and gives their name}
    - {criterion: identity_check, dimension: assurance, weight: 2, critical: true, standard: Verifies identity before discussing the account}
    - {criterion: accurate_answer, dimension: reliability, weight: 3, standard: "Gives a correct, complete answer"}
    - {criterion: empathy, dimension: empathy, weight: 2, standard: Acknowledges the customer's situation}
    - {criterion: ownership, dimension: responsiveness, weight: 2, standard: Owns the issue until it is resolved}
    - {criterion: compliance_statement, dimension: assurance, weight: 1, critical: true, standard: Gives the required data-protection notice}
    - {criterion: next_steps, dimension: reliability, weight: 1, standard: Confirms what happens next and when}

stakeholders:
  - group: customers
    how: post-contact survey, SERVQUAL survey and comment review
    when: 2026-03-02
    learned: Being passed around and having to chase are the biggest frustrations.
  - group: staff
    how: team huddles and an agent workshop
    when: 2026-04-14
    learned: Agents lack a single place for resolution steps; answers depend on who you ask.
  - group: management
    how: operations board
    when: 2026-04-28
    learned: Agreed budget and a staggered roll-out with three comparison teams.

risks:
  - risk: Handle time rises while agents learn the knowledge base
    likelihood: 4
    impact: 2
    mitigation: Floor-walkers during the first two weeks of each go-live
    contingency: Pause new articles and bring in two agents from the comparison teams
    owner: Workforce Planning Lead
  - risk: Peak volumes (billing month-start, price-change letter) swamp the queues
    likelihood: 3
    impact: 4
    mitigation: Erlang-based staffing plan for peak hours
    contingency: Overtime roster and a call-back option on the phone line
    owner: Head of Operations
  - risk: Knowledge base articles go out of date
    likelihood: 3
    impact: 3
    mitigation: Every article has an owner and a review date
    contingency: Weekly content review in the quality meeting
    owner: Quality Lead

actions:
  - action: Build the knowledge base with the top 40 resolution articles
    owner: Quality Lead
    start: 2026-04-20
    end: 2026-05-22
    actual_start: 2026-04-20
    actual_end: 2026-05-29
    resources: 2 analysts for 5 weeks; knowledge-base licence
    cost: 18000
    status: done
  - action: Train agents of each team in the first-contact-resolution method
    owner: Training Manager
    start: 2026-05-11
    end: 2026-07-03
    actual_start: 2026-05-11
    actual_end: 2026-08-01
    resources: 3 hours per agent; 1 trainer
    cost: 9500
    status: done
  - action: Go live team by team (Billing and Technical, then Orders)
    owner: Head of Operations
    start: 2026-06-01
    end: 2026-07-06
    actual_start: 2026-06-01
    actual_end: 2026-07-06
    resources: team leaders' time
    cost: 2500
    status: done
  - action: Tell staff and stakeholders what changes and why
    owner: Customer Experience Manager
    start: 2026-05-18
    end: 2026-06-05
    actual_start: 2026-05-18
    actual_end: 2026-06-05
    resources: briefings, intranet article, customer-facing FAQ update
    cost: 500
    status: done
    communication: true

economics:
  currency: GBP
  cost_per_contact: 4.8
  hourly_cost: 32
  retained_customer_value: 420
"""
