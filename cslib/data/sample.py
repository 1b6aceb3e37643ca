"""A seeded synthetic customer-service operation with a known improvement in it.

Six teams handle tickets by e-mail, chat, phone and web from January to October
2026. On their go-live dates three teams adopt a change — a resolution knowledge
base with first-contact-resolution coaching — whose effect is injected with a
known size (:data:`INJECTED_EFFECTS`); the other three teams are untouched
controls. The effect reaches a ticket when its team has gone live *and* its agent
has completed the training, so training can be tied to outcomes.

The operation has weekly seasonality, a month-start billing peak, a network
outage in March, a price-change letter in September, slow growth, and a slow
drift in resolution times common to all teams (so naive before/after
comparisons mislead and the control teams matter).

Tables (data contract of :mod:`cslib.data.schema`): tickets (Parquet), complaints,
SERVQUAL survey and importance weights, feedback comments, training records and
agents (CSV), plus the cycle file ``cycle.yaml`` of the improvement.

Examples
--------
>>> from cslib.data.sample import generate_tickets
>>> t = generate_tickets(n_tickets=2_000, seed=1)
>>> len(t), sorted(t.channel.unique())
(2000, ['chat', 'email', 'phone', 'web'])
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

START = pd.Timestamp("2026-01-05")  # a Monday
END = pd.Timestamp("2026-10-31")  # last day with tickets
AS_OF = END + pd.Timedelta(hours=23, minutes=59)
DEFAULT_TICKETS = 45_000
CHANGE = "resolution knowledge base and first-contact coaching"
COURSE = "Knowledge base and first-contact resolution"


@dataclass(frozen=True)
class Team:
    name: str
    share: float
    rollout: str | None
    categories: tuple[str, ...]


TEAMS = (
    Team(
        "Billing",
        0.22,
        "2026-06-01",
        ("invoice query", "payment failed", "refund request", "price change"),
    ),
    Team(
        "Technical",
        0.22,
        "2026-06-01",
        ("connection fault", "app error", "device setup", "service outage"),
    ),
    Team(
        "Orders",
        0.18,
        "2026-07-06",
        ("order status", "delivery delay", "wrong item", "order change"),
    ),
    Team(
        "Accounts", 0.14, None, ("login problem", "update details", "close account", "data request")
    ),
    Team("Returns", 0.12, None, ("return label", "refund status", "damaged item", "exchange")),
    Team("Onboarding", 0.12, None, ("new account", "plan choice", "first setup", "welcome pack")),
)
JOURNEY = {
    "plan choice": "buy", "order status": "buy", "order change": "buy", "delivery delay": "receive",
    "wrong item": "receive", "damaged item": "receive", "new account": "join", "welcome pack": "join",
    "first setup": "join", "device setup": "join", "login problem": "use", "app error": "use",
    "connection fault": "use", "service outage": "use", "update details": "use", "data request": "use",
    "invoice query": "pay", "payment failed": "pay", "price change": "pay", "refund request": "pay",
    "return label": "return", "refund status": "return", "exchange": "return", "close account": "leave",
}  # fmt: skip
CHANNELS = ("email", "chat", "phone", "web")
CHANNEL_P = (0.34, 0.24, 0.28, 0.14)
SEGMENTS = ("consumer", "small business", "enterprise")
SEGMENT_P = (0.68, 0.24, 0.08)
PRIORITIES = ("low", "normal", "high", "urgent")
PRIORITY_P = (0.30, 0.52, 0.15, 0.03)
WEEKDAY = (1.25, 1.12, 1.05, 1.0, 0.95, 0.5, 0.35)

#: The change's true effect on a ticket handled after go-live by a trained agent.
INJECTED_EFFECTS = {
    "resolution_hours": "work time × 0.78 (−22 %)",
    "fcr": "+0.10 probability of resolving at the first contact",
    "csat": "+0.35 on the latent satisfaction score; with the faster, first-time resolution about +10 points top-2-box",
    "aht_seconds": "× 1.05 for the same number of contacts (+5 %, more thorough first contacts); fewer repeat contacts offset it per ticket",
    "first_response_hours": "no effect (a control KPI: the change does not touch queues)",
}
RESOLUTION_FACTOR = 0.78
FCR_LIFT = 0.10
CSAT_LIFT = 0.35
AHT_FACTOR = 1.05

RATER = ("tangibles", "reliability", "responsiveness", "assurance", "empathy")
ITEM_DIMENSION = {
    i: d
    for d, items in zip(
        RATER, (range(1, 5), range(5, 10), range(10, 14), range(14, 18), range(18, 23)), strict=True
    )
    for i in items
}
REVERSED_ITEMS = (11, 19)
#: mean perception − expectation per dimension, baseline wave then review wave
SERVQUAL_GAPS = {
    "tangibles": (-0.4, -0.4),
    "reliability": (-1.3, -0.9),
    "responsiveness": (-1.1, -0.7),
    "assurance": (-0.6, -0.6),
    "empathy": (-0.8, -0.7),
}
IMPORTANCE = {
    "tangibles": 11,
    "reliability": 32,
    "responsiveness": 22,
    "assurance": 19,
    "empathy": 16,
}


# --------------------------------------------------------------------- calendar


def _calendar() -> pd.DataFrame:
    """Relative intensity of tickets per day × team."""
    days = pd.date_range(START, END, freq="D")
    rows = []
    for t_idx, team in enumerate(TEAMS):
        f = np.asarray([WEEKDAY[d.weekday()] for d in days]) * team.share
        f *= 1 + 0.01 * (days - START).days / 30.4  # growth of 1 % a month
        if team.name == "Billing":
            f *= np.where(days.day <= 3, 1.6, 1.0)
            f *= np.where((days >= "2026-09-14") & (days <= "2026-09-25"), 1.5, 1.0)
        if team.name == "Accounts":
            f *= np.where((days >= "2026-09-14") & (days <= "2026-09-25"), 1.2, 1.0)
        outage = (days >= "2026-03-17") & (days <= "2026-03-19")
        f *= np.where(outage, 3.0 if team.name == "Technical" else 1.2, 1.0)
        if team.name in ("Orders", "Returns"):
            f *= 1 + 0.25 * np.cos(2 * np.pi * (days.day_of_year - 10) / 365)
        rows.append(pd.DataFrame({"day": days, "team": t_idx, "weight": f, "outage": outage}))
    cal = pd.concat(rows, ignore_index=True)
    cal["load"] = cal["weight"] / cal.groupby("team")["weight"].transform("mean")
    return cal


# ---------------------------------------------------------------------- tickets


@dataclass
class _State:
    """What the generator carries from one month to the next."""

    rng: np.random.Generator
    n_customers: int
    customer_segment: np.ndarray
    agents: pd.DataFrame
    trained: dict  # agent_id -> completion date of the change course
    next_ticket: int = 1
    next_complaint: int = 1
    width: int = 6
    recovered: pd.DataFrame | None = None  # customer_id, resolved_at, delta (later NPS)


def _agents(cal: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    per_day = cal.groupby("team")["weight"].sum() / cal["weight"].sum()
    rows = []
    n_total = max(1, int(round(cal["count"].sum() / len(cal.day.unique()))))
    number = 1
    for t_idx, team in enumerate(TEAMS):
        n = max(6, int(np.ceil(n_total * per_day[t_idx] / 14)))
        for _ in range(n):
            start = pd.Timestamp("2019-01-01") + pd.Timedelta(days=int(rng.integers(0, 2500)))
            rows.append({"agent_id": f"A{number:04d}", "team": team.name, "start_date": start})
            number += 1
    return pd.DataFrame(rows)


def _training(agents: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Course completions: the change course before go-live (a few late), other courses for all."""
    rows = []
    go_live = {t.name: pd.Timestamp(t.rollout) for t in TEAMS if t.rollout}
    for a in agents.itertuples():
        if a.team in go_live:
            late = rng.random() < 0.15
            offset = int(rng.integers(1, 29)) if late else -int(rng.integers(1, 22))
            rows.append(
                {
                    "agent_id": a.agent_id,
                    "course": COURSE,
                    "completed_at": go_live[a.team] + pd.Timedelta(days=offset),
                    "competency": "resolve at first contact",
                    "team": a.team,
                }
            )
        if rng.random() < 0.6:
            day = pd.Timestamp("2026-04-06") + pd.Timedelta(days=int(rng.integers(0, 40)))
            rows.append(
                {
                    "agent_id": a.agent_id,
                    "course": "Complaint handling (HEAT)",
                    "completed_at": day,
                    "competency": "handle complaints",
                    "team": a.team,
                }
            )
        if rng.random() < 0.4:
            day = pd.Timestamp("2026-02-02") + pd.Timedelta(days=int(rng.integers(0, 200)))
            rows.append(
                {
                    "agent_id": a.agent_id,
                    "course": "Systems refresher",
                    "completed_at": day,
                    "competency": "use the CRM",
                    "team": a.team,
                }
            )
    return pd.DataFrame(rows).sort_values(["completed_at", "agent_id"], ignore_index=True)


def _hours(rng, median, sigma, size):
    return median * np.exp(sigma * rng.standard_normal(size))


def _month_tickets(cells: pd.DataFrame, st: _State) -> pd.DataFrame:
    """All tickets of the given day × team cells (one month)."""
    rng = st.rng
    cells = cells[cells["count"] > 0]
    n = int(cells["count"].sum())
    rep = np.repeat(np.arange(len(cells)), cells["count"].to_numpy())
    day = cells["day"].to_numpy()[rep]
    team_idx = cells["team"].to_numpy()[rep]
    load = cells["load"].to_numpy()[rep]
    outage = cells["outage"].to_numpy()[rep]

    channel = rng.choice(len(CHANNELS), size=n, p=CHANNEL_P)
    live = (channel == 1) | (channel == 2)  # chat and phone are answered live, in office hours
    office = np.array(
        [0, 0, 0, 0, 0, 0, 0, 1, 3, 6, 8, 8, 6, 7, 7, 6, 5, 4, 3, 2, 1, 1, 0, 0], float
    )
    anytime = np.array(
        [1, 0.5, 0.3, 0.3, 0.4, 0.8, 1.5, 3, 5, 6, 6, 6, 5, 6, 6, 6, 5, 5, 4, 4, 3, 3, 2, 1.5]
    )
    hour = np.where(
        live,
        rng.choice(24, size=n, p=office / office.sum()),
        rng.choice(24, size=n, p=anytime / anytime.sum()),
    )
    created = day + (hour * 3600 + rng.integers(0, 3600, n)).astype("timedelta64[s]")
    order = np.argsort(created, kind="stable")
    created, hour, team_idx, channel, live, load, outage = (
        a[order] for a in (created, hour, team_idx, channel, live, load, outage)
    )

    customer = np.minimum(
        (st.n_customers * rng.random(n) ** 1.7).astype(np.int64), st.n_customers - 1
    )
    cat_in_team = rng.integers(0, 4, n)
    priority = rng.choice(4, size=n, p=PRIORITY_P)
    priority = np.where(outage & (rng.random(n) < 0.3), 3, priority)

    # agents: a random agent of the ticket's team
    team_agents = st.agents.groupby("team")["agent_id"].apply(list)
    agent = np.empty(n, dtype=object)
    for t_idx, team in enumerate(TEAMS):
        mask = team_idx == t_idx
        agent[mask] = rng.choice(team_agents[team.name], size=int(mask.sum()))

    # does the change reach this ticket? team live and agent trained
    go_live = np.array(
        [np.datetime64(t.rollout) if t.rollout else np.datetime64("NaT") for t in TEAMS]
    )[team_idx]
    trained_on = np.array(
        [st.trained.get(a, np.datetime64("NaT")) for a in agent], dtype="datetime64[s]"
    )
    treated = (created >= go_live) & (created >= trained_on)

    # queue (phone/chat): wait and abandonment
    queued = rng.random(n) < np.clip(0.3 * load**1.5, 0, 0.95)
    wait = queued * rng.exponential(np.where(channel == 2, 55.0, 70.0) * load**2) + rng.uniform(
        0, 4, n
    )
    patience = rng.exponential(900.0, n)
    abandoned = live & (patience < wait)
    wait = np.where(live, np.where(abandoned, patience, wait), np.nan)

    # first response: live contacts when answered; otherwise a queue of hours, longer overnight
    backlog_hours = _hours(rng, 3.5, 0.9, n) * load * np.array([1.0, 1.0, 0.6, 0.3])[priority]
    overnight = np.where(hour >= 18, 24 - hour + 8, np.where(hour < 8, 8 - hour, 0))
    response_h = np.where(live, wait / 3600, backlog_hours + overnight)

    # first-contact resolution, contacts and reopens
    base_fcr = np.array([0.62, 0.70, 0.72, 0.60])[channel]
    first_contact = rng.random(n) < base_fcr + FCR_LIFT * treated

    # repeat contacts: a customer not helped first time comes back about the same thing
    for t_idx in range(len(TEAMS)):
        idx = np.flatnonzero(team_idx == t_idx)
        if len(idx) < 2:
            continue
        back = np.maximum(
            np.arange(len(idx)) - rng.integers(1, max(2, len(idx) // 10), len(idx)), 0
        )
        src = idx[back]
        follow = (back < np.arange(len(idx))) & (
            rng.random(len(idx)) < np.where(first_contact[src], 0.02, 0.12)
        )
        customer[idx[follow]], cat_in_team[idx[follow]] = (
            customer[src[follow]],
            cat_in_team[src[follow]],
        )
    segment = st.customer_segment[customer]
    category = np.array(
        [TEAMS[t].categories[c] for t, c in zip(team_idx, cat_in_team, strict=True)], dtype=object
    )
    contacts = np.where(first_contact, 1, 2 + rng.poisson(0.6, n))
    reopens = np.where(first_contact, 0, (rng.random(n) < 0.35) * (1 + rng.poisson(0.2, n)))
    transfers = np.where(first_contact, 0, rng.poisson(0.5, n))

    # resolution: work time after the first response
    months = (created - np.datetime64(START)).astype("timedelta64[D]").astype(float) / 30.4
    work = _hours(rng, 16.0, 1.0, n) * np.array([1.3, 1.0, 0.6, 0.25])[priority]
    work *= np.where(first_contact, 0.6, 1.8) * (1 + 0.015 * months) * np.where(outage, 1.5, 1.0)
    work *= np.where(treated, RESOLUTION_FACTOR, 1.0)
    resolved_in_contact = live & first_contact & (rng.random(n) < 0.7)
    resolution_h = response_h + np.where(resolved_in_contact, 0.15, work)

    handle = (
        _hours(rng, 1.0, 0.45, n) * np.array([300.0, 540.0, 420.0, 260.0])[channel] * contacts**0.7
    )
    handle *= np.where(treated, AHT_FACTOR, 1.0)

    first_response = created + (response_h * 3600).astype("timedelta64[s]")
    resolved = created + (resolution_h * 3600).astype("timedelta64[s]")
    as_of = np.datetime64(AS_OF)
    stuck = rng.random(n) < 0.004
    duplicate = (rng.random(n) < 0.01) & ~live
    resolved = np.where(duplicate, first_response, resolved)
    is_resolved = (resolved <= as_of) & ~stuck & ~abandoned
    answered = (first_response <= as_of) & ~abandoned

    status = np.where(
        is_resolved,
        np.where(resolved > as_of - np.timedelta64(4, "D"), "resolved", "closed"),
        np.where(answered, "pending", "open"),
    )
    status = np.where(stuck & answered, "on_hold", status)
    status = np.where(duplicate & is_resolved, "duplicate", status)
    status = np.where(abandoned, "abandoned", status)

    # surveys after resolution; satisfaction depends on the experience
    z = (
        1.05
        + 0.55 * first_contact
        - 0.35 * np.log1p(resolution_h / 8)
        + CSAT_LIFT * treated
        + rng.standard_normal(n)
    )
    z -= np.array([0.0, 0.1, 0.25])[segment]
    surveyed = is_resolved & ~duplicate
    csat = np.where(
        surveyed & (rng.random(n) < 0.22), np.digitize(z, [-1.2, -0.5, 0.3, 1.1]) + 1, 0
    )
    nps = np.where(
        surveyed & (rng.random(n) < 0.12),
        np.clip(np.round(7.0 + 1.7 * z + 0.8 * rng.standard_normal(n)), 0, 10),
        -1,
    )
    ces = np.where(
        surveyed & (rng.random(n) < 0.15),
        np.clip(np.round(4.9 + 0.9 * z - 0.4 * (contacts - 1)), 1, 7),
        0,
    )

    ids = np.arange(st.next_ticket, st.next_ticket + n)
    st.next_ticket += n
    frame = pd.DataFrame(
        {
            "ticket_id": [f"T{i:0{st.width}d}" for i in ids],
            "created_at": created.astype("datetime64[us]"),
            "first_response_at": pd.Series(first_response.astype("datetime64[us]")).where(answered),
            "resolved_at": pd.Series(resolved.astype("datetime64[us]")).where(is_resolved),
            "status": status,
            "channel": np.asarray(CHANNELS, dtype=object)[channel],
            "team": np.asarray([t.name for t in TEAMS], dtype=object)[team_idx],
            "agent_id": agent,
            "customer_id": [f"C{c:07d}" for c in customer],
            "segment": np.asarray(SEGMENTS, dtype=object)[segment],
            "category": category,
            "priority": np.asarray(PRIORITIES, dtype=object)[priority],
            "journey_stage": [JOURNEY[c] for c in category],
            "reopens": pd.array(np.where(abandoned, 0, reopens), dtype="int64"),
            "transfers": pd.array(np.where(abandoned, 0, transfers), dtype="int64"),
            "contacts": pd.array(contacts, dtype="int64"),
            "handle_seconds": np.where(abandoned, np.nan, np.round(handle)),
            "wait_seconds": np.round(wait),
            "abandoned": pd.array(np.where(live, abandoned, pd.NA), dtype="boolean"),
            "csat": pd.array(np.where(csat > 0, csat, pd.NA), dtype="Int64"),
            "nps": pd.array(np.where(nps >= 0, nps, pd.NA), dtype="Int64"),
            "ces": pd.array(np.where(ces > 0, ces, pd.NA), dtype="Int64"),
        }
    )
    frame["_z"] = z
    frame["_treated"] = treated
    frame["_first_contact"] = first_contact
    return frame


def _recovery(frame: pd.DataFrame, st: _State) -> None:
    """Later NPS of customers after a complaint, resolved well or poorly (the recovery paradox)."""
    if st.recovered is None or st.recovered.empty or frame["nps"].notna().sum() == 0:
        return
    asked = frame.loc[frame["nps"].notna(), ["customer_id", "created_at"]].reset_index()
    done = st.recovered.sort_values("resolved_at")
    joined = pd.merge_asof(
        asked.sort_values("created_at"),
        done,
        left_on="created_at",
        right_on="resolved_at",
        by="customer_id",
        direction="backward",
    )
    joined = joined.dropna(subset=["delta"])
    if len(joined):
        idx = joined["index"].to_numpy()
        frame.loc[idx, "nps"] = (
            (frame.loc[idx, "nps"].astype(float) + joined["delta"].to_numpy())
            .clip(0, 10)
            .round()
            .astype("Int64")
        )


COMPLAINT_TYPES = {
    "delay": ("process", "people"),
    "staff attitude": ("people", "communication"),
    "wrong information": ("communication", "people"),
    "billing error": ("system", "process"),
    "product fault": ("third party", "system"),
    "policy": ("policy", "communication"),
}


def _complaints(frame: pd.DataFrame, st: _State) -> pd.DataFrame:
    rng = st.rng
    hours = (
        frame["resolved_at"].fillna(pd.Timestamp(AS_OF)) - frame["created_at"]
    ).dt.total_seconds() / 3600
    p = (
        0.011
        * np.where(frame["reopens"] > 0, 3.0, 1.0)
        * np.where(hours > 72, 2.0, 1.0)
        * np.where(frame["_z"] < -0.5, 2.5, 1.0)
    )
    p = np.where(frame["status"].isin(["abandoned"]), 0.004, p)
    chosen = rng.random(len(frame)) < p
    picked = frame[chosen].reset_index(drop=True)
    wait_hours = hours.to_numpy()[chosen]
    n = len(picked)
    if n == 0:
        return pd.DataFrame()
    kinds = list(COMPLAINT_TYPES)
    kind = rng.choice(len(kinds), size=n, p=(0.34, 0.16, 0.16, 0.14, 0.1, 0.1))
    cause_pick = rng.random(n) < 0.7
    root = [COMPLAINT_TYPES[kinds[k]][0 if c else 1] for k, c in zip(kind, cause_pick, strict=True)]
    received = picked["created_at"] + pd.to_timedelta(
        np.minimum(wait_hours, 24 * rng.uniform(0.5, 10, n)), unit="h"
    )
    ack = received + pd.to_timedelta(_hours(rng, 6, 1.0, n), unit="h")
    severity = rng.choice(3, size=n, p=(0.55, 0.35, 0.10))
    days_to_resolve = _hours(rng, 5, 0.8, n) * (1 + 0.5 * severity)
    resolved = received + pd.to_timedelta(days_to_resolve * 24, unit="h")
    outcome = rng.choice(4, size=n, p=(0.45, 0.25, 0.25, 0.05))
    outcomes = np.array(["upheld", "partly upheld", "not upheld", "withdrawn"], dtype=object)[
        outcome
    ]
    comp = np.where(
        (outcome <= 1) & (severity >= 1),
        np.round(rng.uniform(10, 150, n) * (severity + 1) / 2),
        0.0,
    )
    open_ = (resolved > pd.Timestamp(AS_OF)).to_numpy()
    ids = np.arange(st.next_complaint, st.next_complaint + n)
    st.next_complaint += n
    out = pd.DataFrame(
        {
            "complaint_id": [f"K{i:06d}" for i in ids],
            "received_at": received.dt.floor("s").to_numpy(),
            "ticket_id": picked["ticket_id"].to_numpy(),
            "customer_id": picked["customer_id"].to_numpy(),
            "channel": picked["channel"].to_numpy(),
            "team": picked["team"].to_numpy(),
            "category": np.array(kinds, dtype=object)[kind],
            "root_cause": root,
            "severity": np.array(["low", "medium", "high"], dtype=object)[severity],
            "acknowledged_at": ack.dt.floor("s").where(ack <= pd.Timestamp(AS_OF)).to_numpy(),
            "resolved_at": resolved.dt.floor("s").where(~open_).to_numpy(),
            "outcome": np.where(open_, None, outcomes),
            "compensation": np.where(open_, np.nan, comp),
        }
    )
    # well resolved (quick and upheld) → slightly more loyal later; poorly → much less
    well = (days_to_resolve <= 7) & (outcome <= 1)
    delta = np.where(well, 1.0, -2.5)
    rec = pd.DataFrame(
        {
            "customer_id": out["customer_id"],
            "resolved_at": pd.to_datetime(resolved.to_numpy()).astype("datetime64[us]"),
            "delta": delta,
        }
    )[~open_]
    st.recovered = (
        rec if st.recovered is None else pd.concat([st.recovered, rec], ignore_index=True)
    )
    return out


THEMES = {
    "reliability": (
        (
            "Sorted first time, thank you.",
            "They fixed it properly and it has stayed fixed.",
            "The answer was right and I didn't need to call back.",
        ),
        (
            "I had to chase this three times before anyone fixed it.",
            "Told it was sorted but the problem came straight back.",
            "Got a different answer every time I asked.",
        ),
    ),
    "responsiveness": (
        ("Quick reply, much appreciated.", "Answered within minutes.", "Very fast turnaround."),
        (
            "Waited days for a reply.",
            "Kept on hold far too long.",
            "Nobody got back to me when promised.",
        ),
    ),
    "assurance": (
        (
            "The agent clearly knew what they were doing.",
            "Confident, clear explanation of my bill.",
            "Felt in safe hands.",
        ),
        (
            "The agent seemed unsure and had to keep asking someone.",
            "Not convinced the advice was right.",
            "Didn't explain what would happen next.",
        ),
    ),
    "empathy": (
        (
            "Really listened to my situation.",
            "Kind and patient with me.",
            "They understood why this mattered to me.",
        ),
        (
            "Felt like just a number.",
            "Nobody seemed to care about the inconvenience.",
            "Rude and dismissive.",
        ),
    ),
    "tangibles": (
        (
            "The app made it easy to follow my case.",
            "Clear emails with all the details.",
            "Website chat was easy to use.",
        ),
        (
            "The website is confusing and the form kept failing.",
            "Couldn't find the contact details anywhere.",
            "The app crashed while I was explaining.",
        ),
    ),
}


def _feedback(frame: pd.DataFrame, st: _State, start_id: int) -> pd.DataFrame:
    rng = st.rng
    rated = frame[frame["csat"].notna()]
    rated = rated[rng.random(len(rated)) < 0.35]
    n = len(rated)
    if n == 0:
        return pd.DataFrame()
    themes = list(THEMES)
    weights = np.array([0.34, 0.26, 0.14, 0.16, 0.10])
    theme = rng.choice(len(themes), size=n, p=weights)
    positive = (rated["csat"].to_numpy(dtype=float) >= 4) ^ (rng.random(n) < 0.08)
    pick = rng.integers(0, 3, n)
    text = [
        THEMES[themes[t]][0 if pos else 1][k]
        for t, pos, k in zip(theme, positive, pick, strict=True)
    ]
    contact = rng.random(n) < 0.02
    text = [
        f"{s} You can reach me on {c.lower()}@example.com or 07700 900{int(i) % 1000:03d}."
        if m
        else s
        for s, m, c, i in zip(text, contact, rated["customer_id"], range(n), strict=True)
    ]
    return pd.DataFrame(
        {
            "feedback_id": [f"F{start_id + i:06d}" for i in range(n)],
            "date": (rated["resolved_at"] + pd.Timedelta(hours=2)).to_numpy(),
            "text": text,
            "channel": rated["channel"].to_numpy(),
            "team": rated["team"].to_numpy(),
            "score": rated["csat"].to_numpy(),
            "customer_id": rated["customer_id"].to_numpy(),
            "ticket_id": rated["ticket_id"].to_numpy(),
        }
    )


def _survey(rng: np.random.Generator, n_per_wave: int = 240) -> tuple[pd.DataFrame, pd.DataFrame]:
    """SERVQUAL answers (22 items × E and P) in a baseline and a review wave, with importance points."""
    rows, weights = [], []
    waves = (("2026-03-02", 0), ("2026-09-07", 1))
    rid = 1
    for start, wave in waves:
        for _ in range(n_per_wave):
            date = pd.Timestamp(start) + pd.Timedelta(days=int(rng.integers(0, 21)))
            segment = SEGMENTS[rng.choice(3, p=SEGMENT_P)]
            person_e = rng.normal(0, 0.4)
            person_p = rng.normal(0, 0.5)
            for item, dim in ITEM_DIMENSION.items():
                e = np.clip(np.round(6.1 + person_e + rng.normal(0, 0.6)), 1, 7)
                p = np.clip(
                    np.round(e + SERVQUAL_GAPS[dim][wave] + person_p + rng.normal(0, 0.8)), 1, 7
                )
                rev = item in REVERSED_ITEMS
                rows.append(
                    (
                        f"R{rid:04d}",
                        item,
                        int(8 - e if rev else e),
                        int(8 - p if rev else p),
                        date,
                        dim,
                        rev,
                        segment,
                    )
                )
            points = rng.dirichlet(np.array(list(IMPORTANCE.values()), float) / 4)
            pts = np.floor(points * 100).astype(int)
            pts[np.argmax(pts)] += 100 - pts.sum()
            weights += [(f"R{rid:04d}", d, int(v)) for d, v in zip(RATER, pts, strict=True)]
            rid += 1
    survey = pd.DataFrame(
        rows,
        columns=[
            "respondent_id",
            "item",
            "expectation",
            "perception",
            "date",
            "dimension",
            "reversed",
            "segment",
        ],
    )
    return survey, pd.DataFrame(weights, columns=["respondent_id", "dimension", "points"])


# -------------------------------------------------------------------- top level


def _setup(n_tickets: int, seed: int) -> tuple[pd.DataFrame, _State, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    cal = _calendar()
    cal["count"] = rng.multinomial(n_tickets, (cal["weight"] / cal["weight"].sum()).to_numpy())
    n_customers = max(500, n_tickets // 3)
    segments = rng.choice(3, size=n_customers, p=SEGMENT_P)
    agents = _agents(cal, rng)
    training = _training(agents, rng)
    change = training[training.course == COURSE]
    trained = dict(
        zip(change.agent_id, change.completed_at.to_numpy().astype("datetime64[s]"), strict=True)
    )
    st = _State(rng, n_customers, segments, agents, trained, width=max(6, len(str(n_tickets))))
    return cal, st, training


def _months(
    cal: pd.DataFrame, st: _State
) -> Iterator[tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]]:
    """Tickets, complaints and feedback month by month (memory stays flat at any size)."""
    feedback_id = 1
    for _, cells in cal.groupby(cal["day"].dt.to_period("M"), sort=True):
        tickets = _month_tickets(cells, st)
        _recovery(tickets, st)
        complaints = _complaints(tickets, st)
        feedback = _feedback(tickets, st, feedback_id)
        feedback_id += len(feedback)
        yield tickets.drop(columns=["_z", "_treated", "_first_contact"]), complaints, feedback


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
    cal, st, training = _setup(n_tickets, seed)
    paths = {
        name: out / f"{name}.csv"
        for name in ("complaints", "survey", "survey_weights", "feedback", "training", "agents")
    }
    paths["tickets"] = out / "tickets.parquet"
    complaints, feedback = [], []

    def tickets() -> Iterator[pd.DataFrame]:
        for month, comp, fb in _months(cal, st):
            complaints.append(comp)
            feedback.append(fb)
            yield month

    _write_parquet(paths["tickets"], tickets())
    survey, weights = _survey(st.rng)
    tables = {
        "complaints": pd.concat(complaints, ignore_index=True),
        "feedback": pd.concat(feedback, ignore_index=True),
        "survey": survey,
        "survey_weights": weights,
        "training": training,
        "agents": st.agents,
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
