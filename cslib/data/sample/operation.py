"""The sample operation's constants: teams, channels, the change and its injected effect, the calendar.

Examples
--------
>>> [t.name for t in TEAMS if t.rollout]
['Billing', 'Technical', 'Orders']
>>> calendar()["day"].min() == START
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

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
FIRST_CONTACT_SATISFACTION = 0.55  # on the latent score, of resolving at the first contact
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


def calendar() -> pd.DataFrame:
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


@dataclass
class State:
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


def lognormal(rng: np.random.Generator, median, sigma, size) -> np.ndarray:
    """Lognormal durations around ``median`` (hours, or any unit)."""
    return median * np.exp(sigma * rng.standard_normal(size))
