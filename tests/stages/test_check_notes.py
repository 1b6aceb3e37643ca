"""The Check prints a fit's warnings in plain words under the objective they concern."""

from __future__ import annotations

import html
import re
from types import SimpleNamespace

import numpy as np
import pandas as pd

from cslib.stages import check
from cslib.stats.impact import verdict


def test_a_separated_fit_is_named_under_its_objective(monkeypatch):
    t = np.arange(30)
    met = np.where(t >= 15, 50, np.random.default_rng(1).binomial(50, 0.9, 30))
    data = pd.DataFrame({"week": t, "met": met, "n": 50})
    v = verdict(
        data,
        y="met",
        n="n",
        family="binomial",
        time="week",
        change=15,
        direction="higher",
        sustained_check=False,
        kpi="First-contact resolution",
    )
    objective = SimpleNamespace(id="O1", kpi="fcr", statistic=None)
    wb = SimpleNamespace(
        holds_tickets=lambda period: True, cycle=SimpleNamespace(objectives=[objective])
    )
    monkeypatch.setattr(check, "verdicts", lambda wb: {"O1": v})
    rows = pd.DataFrame({"objective": ["O1"], "sentence": [v.sentence]})
    monkeypatch.setattr(check, "verdict_rows", lambda wb: rows)
    text = html.unescape(re.sub(r"<[^>]+>", " ", check.findings(wb)._repr_html_()))
    assert (
        "Caution — interrupted time series: the fitted share or rate reaches 0 % or 100 %" in text
    )
