"""What the sample's customers say: complaints (and their later NPS), feedback comments, the SERVQUAL survey.

Complaints and comments are drawn from the month's tickets; the survey is two
waves of respondents, before and after the change.

Examples
--------
>>> sorted(THEMES) == sorted(RATER)
True
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cslib.data.sample.operation import (
    AS_OF,
    IMPORTANCE,
    ITEM_DIMENSION,
    RATER,
    REVERSED_ITEMS,
    SEGMENT_P,
    SEGMENTS,
    SERVQUAL_GAPS,
    State,
    lognormal,
)


def recovery(frame: pd.DataFrame, st: State) -> None:
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


def complaints(frame: pd.DataFrame, st: State) -> pd.DataFrame:
    """Complaints about some of the month's tickets: more after reopens, long waits and poor experiences."""
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
    ack = received + pd.to_timedelta(lognormal(rng, 6, 1.0, n), unit="h")
    severity = rng.choice(3, size=n, p=(0.55, 0.35, 0.10))
    days_to_resolve = lognormal(rng, 5, 0.8, n) * (1 + 0.5 * severity)
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
            "outcome": np.where(open_, np.array(None, dtype=object), outcomes),
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


#: comments by theme (a SERVQUAL dimension): three positive, then three negative
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


def feedback(frame: pd.DataFrame, st: State, start_id: int) -> pd.DataFrame:
    """Comments left with a third of the CSAT answers, on a theme, in the answer's mood."""
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


def survey(rng: np.random.Generator, n_per_wave: int = 240) -> tuple[pd.DataFrame, pd.DataFrame]:
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
