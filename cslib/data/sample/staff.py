"""The sample operation's agents and their course completions.

Examples
--------
>>> import numpy as np
>>> from cslib.data.sample.operation import calendar
>>> cal = calendar()
>>> cal["count"] = 10
>>> sorted(agents(cal, np.random.default_rng(1))["team"].unique())[:2]
['Accounts', 'Billing']
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cslib.data.sample.operation import COURSE, TEAMS


def agents(cal: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Agents of each team (enough for the team's daily tickets), with their start dates."""
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


def training(agents: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
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
