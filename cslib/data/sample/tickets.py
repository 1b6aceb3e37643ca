"""The tickets of one month: arrivals, handling, queues, resolution, surveys.

Every random draw is taken in a fixed order from the generator's one
``numpy.random.Generator``, so the same seed gives the same tickets.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cslib.data.sample.operation import (
    AHT_FACTOR,
    AS_OF,
    CHANNEL_P,
    CHANNELS,
    CSAT_LIFT,
    FCR_LIFT,
    FIRST_CONTACT_SATISFACTION,
    JOURNEY,
    PRIORITIES,
    PRIORITY_P,
    RESOLUTION_FACTOR,
    SEGMENTS,
    START,
    TEAMS,
    State,
    lognormal,
)

#: relative arrivals per hour of the day: live channels in office hours, the others at any time
OFFICE_HOURS = np.array(
    [0, 0, 0, 0, 0, 0, 0, 1, 3, 6, 8, 8, 6, 7, 7, 6, 5, 4, 3, 2, 1, 1, 0, 0], float
)
ANY_HOUR = np.array(
    [1, 0.5, 0.3, 0.3, 0.4, 0.8, 1.5, 3, 5, 6, 6, 6, 5, 6, 6, 6, 5, 5, 4, 4, 3, 3, 2, 1.5]
)


def month_tickets(cells: pd.DataFrame, st: State) -> pd.DataFrame:
    """All tickets of the given day × team cells (one month).

    Besides the contract columns the frame carries ``_z`` (latent satisfaction),
    ``_treated`` and ``_first_contact`` for the complaints and feedback drawn from it.
    """
    rng = st.rng
    created, hour, team_idx, channel, live, load, outage = _arrivals(cells, rng)
    n = len(created)

    customer = np.minimum(
        (st.n_customers * rng.random(n) ** 1.7).astype(np.int64), st.n_customers - 1
    )
    cat_in_team = rng.integers(0, 4, n)
    priority = rng.choice(4, size=n, p=PRIORITY_P)
    priority = np.where(outage & (rng.random(n) < 0.3), 3, priority)
    agent, treated = _assigned(team_idx, created, st)
    wait, abandoned = _queue(channel, live, load, rng)

    response_h = _response_hours(hour, priority, live, wait, load, rng)

    # first-contact resolution, contacts and reopens
    base_fcr = np.array([0.62, 0.70, 0.72, 0.60])[channel]
    first_contact = rng.random(n) < base_fcr + FCR_LIFT * treated
    _repeat_contacts(team_idx, first_contact, customer, cat_in_team, rng)
    segment = st.customer_segment[customer]
    category = np.array(
        [TEAMS[t].categories[c] for t, c in zip(team_idx, cat_in_team, strict=True)], dtype=object
    )
    contacts = np.where(first_contact, 1, 2 + rng.poisson(0.6, n))
    reopens = np.where(first_contact, 0, (rng.random(n) < 0.35) * (1 + rng.poisson(0.2, n)))
    transfers = np.where(first_contact, 0, rng.poisson(0.5, n))

    resolution_h = response_h + _work_hours(
        created, priority, first_contact, outage, treated, live, rng
    )
    handle = (
        lognormal(rng, 1.0, 0.45, n)
        * np.array([300.0, 540.0, 420.0, 260.0])[channel]
        * contacts**0.7
    )
    handle *= np.where(treated, AHT_FACTOR, 1.0)

    first_response = created + (response_h * 3600).astype("timedelta64[s]")
    resolved = created + (resolution_h * 3600).astype("timedelta64[s]")
    status, resolved, answered, is_resolved, duplicate = _status(
        first_response, resolved, live, abandoned, rng
    )
    z, csat, nps, ces = _surveys(
        first_contact, resolution_h, treated, segment, contacts, is_resolved & ~duplicate, rng
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


def _arrivals(cells: pd.DataFrame, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """When tickets arrive, by which channel and for which team, in order of arrival.

    Returns created, hour, team index, channel index, live (chat or phone),
    the day's load and whether the day had an outage, one value per ticket.
    """
    cells = cells[cells["count"] > 0]
    n = int(cells["count"].sum())
    rep = np.repeat(np.arange(len(cells)), cells["count"].to_numpy())
    day = cells["day"].to_numpy()[rep]
    team_idx = cells["team"].to_numpy()[rep]
    load = cells["load"].to_numpy()[rep]
    outage = cells["outage"].to_numpy()[rep]

    channel = rng.choice(len(CHANNELS), size=n, p=CHANNEL_P)
    live = (channel == 1) | (channel == 2)  # chat and phone are answered live, in office hours
    hour = np.where(
        live,
        rng.choice(24, size=n, p=OFFICE_HOURS / OFFICE_HOURS.sum()),
        rng.choice(24, size=n, p=ANY_HOUR / ANY_HOUR.sum()),
    )
    created = day + (hour * 3600 + rng.integers(0, 3600, n)).astype("timedelta64[s]")
    order = np.argsort(created, kind="stable")
    return tuple(a[order] for a in (created, hour, team_idx, channel, live, load, outage))


def _assigned(
    team_idx: np.ndarray, created: np.ndarray, st: State
) -> tuple[np.ndarray, np.ndarray]:
    """A random agent of each ticket's team, and whether the change reaches the ticket.

    The change reaches a ticket when its team has gone live and its agent is trained.
    """
    team_agents = st.agents.groupby("team")["agent_id"].apply(list)
    agent = np.empty(len(team_idx), dtype=object)
    for t_idx, team in enumerate(TEAMS):
        mask = team_idx == t_idx
        agent[mask] = st.rng.choice(team_agents[team.name], size=int(mask.sum()))
    go_live = np.array(
        [np.datetime64(t.rollout) if t.rollout else np.datetime64("NaT") for t in TEAMS]
    )[team_idx]
    trained_on = np.array(
        [st.trained.get(a, np.datetime64("NaT")) for a in agent], dtype="datetime64[s]"
    )
    return agent, (created >= go_live) & (created >= trained_on)


def _queue(
    channel: np.ndarray, live: np.ndarray, load: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Seconds waited in the phone or chat queue (NaN for the other channels), and abandonment."""
    n = len(channel)
    queued = rng.random(n) < np.clip(0.3 * load**1.5, 0, 0.95)
    wait = queued * rng.exponential(np.where(channel == 2, 55.0, 70.0) * load**2) + rng.uniform(
        0, 4, n
    )
    patience = rng.exponential(900.0, n)
    abandoned = live & (patience < wait)
    return np.where(live, np.where(abandoned, patience, wait), np.nan), abandoned


def _response_hours(
    hour: np.ndarray,
    priority: np.ndarray,
    live: np.ndarray,
    wait: np.ndarray,
    load: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """Hours to the first response: live contacts when answered; otherwise a queue of hours, longer overnight."""
    n = len(hour)
    backlog_hours = lognormal(rng, 3.5, 0.9, n) * load * np.array([1.0, 1.0, 0.6, 0.3])[priority]
    overnight = np.where(hour >= 18, 24 - hour + 8, np.where(hour < 8, 8 - hour, 0))
    return np.where(live, wait / 3600, backlog_hours + overnight)


def _work_hours(
    created: np.ndarray,
    priority: np.ndarray,
    first_contact: np.ndarray,
    outage: np.ndarray,
    treated: np.ndarray,
    live: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """Hours of work after the first response until resolution (a few minutes when resolved live).

    Work grows slowly over the months for every team; the change shortens it.
    """
    n = len(created)
    months = (created - np.datetime64(START)).astype("timedelta64[D]").astype(float) / 30.4
    work = lognormal(rng, 16.0, 1.0, n) * np.array([1.3, 1.0, 0.6, 0.25])[priority]
    work *= np.where(first_contact, 0.6, 1.8) * (1 + 0.015 * months) * np.where(outage, 1.5, 1.0)
    work *= np.where(treated, RESOLUTION_FACTOR, 1.0)
    resolved_in_contact = live & first_contact & (rng.random(n) < 0.7)
    return np.where(resolved_in_contact, 0.15, work)


def _repeat_contacts(
    team_idx: np.ndarray,
    first_contact: np.ndarray,
    customer: np.ndarray,
    cat_in_team: np.ndarray,
    rng: np.random.Generator,
) -> None:
    """A customer not helped first time comes back about the same thing (changes the arrays in place)."""
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


def _status(
    first_response: np.ndarray,
    resolved: np.ndarray,
    live: np.ndarray,
    abandoned: np.ndarray,
    rng: np.random.Generator,
) -> tuple[np.ndarray, ...]:
    """Each ticket's status on the last day, some stuck or duplicates.

    Returns the status, the resolution time (a duplicate is resolved when first
    answered), and whether each ticket is answered, resolved and a duplicate.
    """
    n = len(resolved)
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
    return status, resolved, answered, is_resolved, duplicate


def _surveys(
    first_contact: np.ndarray,
    resolution_h: np.ndarray,
    treated: np.ndarray,
    segment: np.ndarray,
    contacts: np.ndarray,
    surveyed: np.ndarray,
    rng: np.random.Generator,
) -> tuple[np.ndarray, ...]:
    """Latent satisfaction, from the experience, and the CSAT, NPS and CES answers it gives.

    Only ``surveyed`` tickets answer, each survey at its own rate; an unanswered
    CSAT or CES is 0, an unanswered NPS is −1.
    """
    n = len(first_contact)
    z = (
        1.05
        + FIRST_CONTACT_SATISFACTION * first_contact
        - 0.35 * np.log1p(resolution_h / 8)
        + CSAT_LIFT * treated
        + rng.standard_normal(n)
    )
    z -= np.array([0.0, 0.1, 0.25])[segment]
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
    return z, csat, nps, ces
