"""The dual benefit of a change: what customers gained and what the business gained, against its cost.

Customer side: the KPI changes with their confidence intervals, as the Check
stage estimated them.

Business side, per year (or whatever period ``volume`` and ``customers`` cover):

* **handle time** — hours saved = −Δ handle time (seconds per contact) ×
  contacts ÷ 3600, valued at ``hourly_cost`` (a rise in handle time is a cost);
* **contacts avoided** — each extra first-contact resolution avoids
  ``repeat_contacts`` further contacts: Δ FCR × contacts × ``repeat_contacts``,
  valued at ``cost_per_contact`` (or pass a ``contacts_avoided`` row);
* **retention** — Δ retention share × ``customers`` customers retained, valued at
  ``retained_customer_value`` (needs a row named by ``retention_kpi``).

Uncertainty is propagated by simulation: each KPI change is drawn from a
normal distribution matching its estimate and 95 % interval (se = width ÷
(2 × 1.96)); a KPI used by several components uses the same draw, so their
errors are correlated. Intervals are the 2.5 and 97.5 percentiles of the
draws; central values use the point estimates. Net benefit = total − cost;
payback = cost ÷ monthly benefit.

Examples
--------
>>> import pandas as pd
>>> est = pd.DataFrame({"kpi": ["aht_seconds", "fcr"], "estimate": [-30.0, 0.05], "ci_low": [-40.0, 0.03], "ci_high": [-20.0, 0.07]})
>>> res = dual_benefit(est, economics={"hourly_cost": 30, "cost_per_contact": 5}, volume=120_000, cost=20_000)
>>> res.business.set_index("component")["value"].round(0).to_dict()
{'handle time': 30000.0, 'contacts avoided': 30000.0, 'retention': 0.0}
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from cslib._args import check_frame, frame_html
from cslib.errors import ParameterError, Problem

__all__ = ["BenefitResult", "dual_benefit", "estimates_from_verdicts"]

Z = float(stats.norm.ppf(0.975))


def estimates_from_verdicts(verdicts: object) -> pd.DataFrame:
    """KPI changes in natural units from Check verdicts (or their summaries).

    Ratios (``scale`` ``"ratio"``) become differences with the level before:
    before × (ratio − 1). Odds ratios cannot be turned into a difference and are left out.

    Returns
    -------
    pandas.DataFrame
        ``kpi``, ``estimate``, ``ci_low``, ``ci_high``, ``before``.
    """
    if isinstance(verdicts, pd.DataFrame):
        frame = verdicts
    else:
        items = verdicts.values() if isinstance(verdicts, Mapping) else verdicts
        frame = pd.concat(
            [v.summary() if hasattr(v, "summary") else pd.DataFrame([dict(v)]) for v in items],
            ignore_index=True,
        )
    check_frame(frame, ["kpi", "estimate", "ci_low", "ci_high"], where="estimates_from_verdicts")
    rows = []
    for r in frame.to_dict("records"):
        scale = str(r.get("scale", "difference"))
        if scale == "odds_ratio":
            continue
        if scale == "ratio":
            b = float(r.get("before", np.nan))
            rows.append(
                {
                    "kpi": r["kpi"],
                    "estimate": b * (r["estimate"] - 1),
                    "ci_low": b * (r["ci_low"] - 1),
                    "ci_high": b * (r["ci_high"] - 1),
                    "before": b,
                }
            )
        else:
            rows.append(
                {
                    "kpi": r["kpi"],
                    "estimate": r["estimate"],
                    "ci_low": r["ci_low"],
                    "ci_high": r["ci_high"],
                    "before": r.get("before", np.nan),
                }
            )
    out = pd.DataFrame(rows, columns=["kpi", "estimate", "ci_low", "ci_high", "before"])
    finite = np.isfinite(out[["estimate", "ci_low", "ci_high"]].to_numpy(dtype=float)).all(axis=1)
    return out[finite].reset_index(
        drop=True
    )  # a verdict without an interval carries no usable estimate


@dataclass(frozen=True)
class BenefitResult:
    """Result of :func:`dual_benefit`.

    Attributes
    ----------
    customer : pandas.DataFrame
        The KPI changes: ``kpi``, ``estimate``, ``ci_low``, ``ci_high``.
    business : pandas.DataFrame
        One row per component (``handle time``, ``contacts avoided``,
        ``retention``): ``driver`` (the KPI), ``quantity`` (hours, contacts,
        customers), ``unit``, ``quantity_ci_low``, ``quantity_ci_high``,
        ``unit_value``, ``value``, ``value_ci_low``, ``value_ci_high``.
    totals : pandas.DataFrame
        Rows ``total benefit``, ``cost``, ``net benefit``, ``return on cost``
        (net ÷ cost), ``payback months`` with ``value``, ``ci_low``, ``ci_high``,
        and ``p_positive`` (share of draws with a positive net benefit) on the
        net row.
    currency : str
    """

    customer: pd.DataFrame
    business: pd.DataFrame
    totals: pd.DataFrame
    currency: str

    def summary(self) -> pd.DataFrame:
        return self.totals

    table = property(summary)

    def waterfall(self) -> pd.DataFrame:
        """Steps of a waterfall chart: components, minus cost, to the net benefit.

        ``step``, ``value``, ``start``, ``end``, ``ci_low``, ``ci_high``, ``kind``
        (``gain``, ``loss``, ``cost``, ``net``).
        """
        rows, level = [], 0.0
        for r in self.business.itertuples():
            rows.append(
                {
                    "step": r.component,
                    "value": r.value,
                    "start": level,
                    "end": level + r.value,
                    "ci_low": r.value_ci_low,
                    "ci_high": r.value_ci_high,
                    "kind": "gain" if r.value >= 0 else "loss",
                }
            )
            level += r.value
        t = self.totals.set_index("item")
        cost = float(t.loc["cost", "value"])
        rows.append(
            {
                "step": "cost of actions",
                "value": -cost,
                "start": level,
                "end": level - cost,
                "ci_low": -cost,
                "ci_high": -cost,
                "kind": "cost",
            }
        )
        net = t.loc["net benefit"]
        rows.append(
            {
                "step": "net benefit",
                "value": net["value"],
                "start": 0.0,
                "end": net["value"],
                "ci_low": net["ci_low"],
                "ci_high": net["ci_high"],
                "kind": "net",
            }
        )
        return pd.DataFrame(rows)

    def _repr_html_(self) -> str:
        t = self.totals.set_index("item")
        net = t.loc["net benefit"]
        note = (
            f"Net benefit {net['value']:,.0f} {self.currency} (95 % interval {net['ci_low']:,.0f} to {net['ci_high']:,.0f}); "
            f"positive in {100 * net['p_positive']:.0f} % of simulations."
        )
        return frame_html(
            "Dual benefit",
            [("Customer", self.customer), ("Business", self.business), ("Totals", self.totals)],
            [note],
        )


def _econ(economics: object) -> dict[str, object]:
    if economics is None:
        return {}
    if hasattr(economics, "model_dump"):
        return economics.model_dump()
    if isinstance(economics, Mapping):
        return dict(economics)
    raise ParameterError(
        Problem(
            "economics must be a mapping or the cycle's economics section",
            column="economics",
            values=(type(economics).__name__,),
            fix="pass cycle.economics or {'hourly_cost': 32, ...}",
        )
    )


def _cost(cost: object) -> float:
    if isinstance(cost, int | float) and not isinstance(cost, bool):
        value = float(cost)
    elif hasattr(cost, "actions"):
        value = float(sum(a.cost or 0 for a in cost.actions if a.status != "dropped"))
    elif isinstance(cost, list | tuple):
        value = float(
            sum((a.get("cost") or 0) if isinstance(a, Mapping) else (a.cost or 0) for a in cost)
        )
    else:
        raise ParameterError(
            Problem(
                "cost must be a number, the cycle, or its list of actions",
                column="cost",
                values=(cost,),
                fix="pass cost=30500 or cost=cycle",
            )
        )
    if not np.isfinite(value) or value < 0:
        raise ParameterError(
            Problem(
                "cost must be zero or more",
                column="cost",
                values=(value,),
                fix="check the actions' costs",
            )
        )
    return value


def dual_benefit(
    estimates: pd.DataFrame,
    *,
    economics: object,
    volume: float,
    cost: object,
    customers: float | None = None,
    retention_kpi: str = "retention",
    aht_kpi: str = "aht_seconds",
    fcr_kpi: str = "fcr",
    repeat_contacts: float = 1.0,
    months: float = 12,
    n_draws: int = 20_000,
    seed: int | None = 0,
) -> BenefitResult:
    """Customer and business benefit of the change, with intervals, against the cost of the actions.

    Parameters
    ----------
    estimates : pandas.DataFrame
        KPI changes (after − before) in natural units: ``kpi``, ``estimate``,
        ``ci_low``, ``ci_high`` (95 %). :func:`estimates_from_verdicts` builds it
        from Check verdicts. A row ``contacts_avoided`` (contacts per period) is
        used as is instead of the FCR rule.
    economics : mapping or Economics
        ``hourly_cost``, ``cost_per_contact``, ``retained_customer_value``, ``currency``.
    volume : float
        Contacts in the period the benefit is counted for (e.g. a year).
    cost : float, Cycle or list of actions
        Cost of the actions (dropped actions excluded).
    customers : float, optional
        Customers in the period, for the retention component.
    retention_kpi, aht_kpi, fcr_kpi : str
        Names of the rows that drive each component.
    repeat_contacts : float
        Contacts avoided per extra first-contact resolution.
    months : float
        Length of the period in months (for the payback).
    n_draws : int
        Simulation draws.
    seed : int, optional
        Seed of the simulation.

    Returns
    -------
    BenefitResult
    """
    check_frame(estimates, ["kpi", "estimate", "ci_low", "ci_high"], where="dual_benefit")
    econ = _econ(economics)
    total_cost = _cost(cost)
    for name, v in (("volume", volume), ("months", months), ("repeat_contacts", repeat_contacts)):
        if not (isinstance(v, int | float) and v > 0):
            raise ParameterError(
                Problem(
                    f"{name} must be a positive number",
                    column=name,
                    values=(v,),
                    fix=f"e.g. {name}=12",
                )
            )
    if not (isinstance(n_draws, int) and n_draws >= 100):
        raise ParameterError(
            Problem(
                "n_draws must be a whole number of at least 100",
                column="n_draws",
                values=(n_draws,),
                fix="e.g. n_draws=20000",
            )
        )
    est = estimates.drop_duplicates("kpi", keep="last").set_index("kpi")
    nums = (
        est[["estimate", "ci_low", "ci_high"]].apply(pd.to_numeric, errors="coerce").astype(float)
    )
    missing = nums.index[~np.isfinite(nums.to_numpy()).all(axis=1)]
    if len(missing):
        raise ParameterError(
            Problem(
                "estimates without a number or an interval",
                column="estimate",
                values=tuple(missing),
                fix="drop those KPIs or give their 95 % interval (estimates_from_verdicts drops them)",
            )
        )
    est[["estimate", "ci_low", "ci_high"]] = nums
    bad = est[(est["ci_low"] > est["estimate"]) | (est["ci_high"] < est["estimate"])]
    if len(bad):
        raise ParameterError(
            Problem(
                "an estimate lies outside its interval",
                column="ci_low, ci_high",
                values=tuple(bad.index),
                fix="pass differences (after − before) with their 95 % interval",
            )
        )
    rng = np.random.default_rng(seed)
    draws: dict[str, np.ndarray] = {}

    def draw(k: str) -> np.ndarray:
        if k not in draws:
            r = est.loc[k]
            se = (float(r["ci_high"]) - float(r["ci_low"])) / (2 * Z)
            draws[k] = float(r["estimate"]) + se * rng.standard_normal(n_draws)
        return draws[k]

    def need(key: str, component: str) -> float:
        v = econ.get(key)
        if v is None:
            raise ParameterError(
                Problem(
                    f"the {component} component needs economics.{key}",
                    column=key,
                    fix=f"add {key} to the cycle file's economics section",
                )
            )
        return float(v)

    comps = []
    sims = []
    if aht_kpi in est.index:
        rate = need("hourly_cost", "handle time")
        q = -float(est.loc[aht_kpi, "estimate"]) * volume / 3600
        qd = -draw(aht_kpi) * volume / 3600
        comps.append(("handle time", aht_kpi, q, "hours", qd, rate))
    if "contacts_avoided" in est.index:
        rate = need("cost_per_contact", "contacts avoided")
        comps.append(
            (
                "contacts avoided",
                "contacts_avoided",
                float(est.loc["contacts_avoided", "estimate"]),
                "contacts",
                draw("contacts_avoided"),
                rate,
            )
        )
    elif fcr_kpi in est.index:
        rate = need("cost_per_contact", "contacts avoided")
        q = float(est.loc[fcr_kpi, "estimate"]) * volume * repeat_contacts
        comps.append(
            (
                "contacts avoided",
                fcr_kpi,
                q,
                "contacts",
                draw(fcr_kpi) * volume * repeat_contacts,
                rate,
            )
        )
    if retention_kpi in est.index:
        if customers is None:
            raise ParameterError(
                Problem(
                    "the retention component needs the number of customers",
                    column="customers",
                    fix="pass customers= (customers in the period)",
                )
            )
        rate = need("retained_customer_value", "retention")
        comps.append(
            (
                "retention",
                retention_kpi,
                float(est.loc[retention_kpi, "estimate"]) * customers,
                "customers",
                draw(retention_kpi) * customers,
                rate,
            )
        )
    rows = []
    for name, driver, q, unit, qd, rate in comps:
        vd = qd * rate
        sims.append(vd)
        rows.append(
            {
                "component": name,
                "driver": driver,
                "quantity": q,
                "unit": unit,
                "quantity_ci_low": float(np.percentile(qd, 2.5)),
                "quantity_ci_high": float(np.percentile(qd, 97.5)),
                "unit_value": rate,
                "value": q * rate,
                "value_ci_low": float(np.percentile(vd, 2.5)),
                "value_ci_high": float(np.percentile(vd, 97.5)),
            }
        )
    for name, driver, unit in (
        ("handle time", aht_kpi, "hours"),
        ("contacts avoided", fcr_kpi, "contacts"),
        ("retention", retention_kpi, "customers"),
    ):
        if name not in {r["component"] for r in rows}:
            rows.append(
                {
                    "component": name,
                    "driver": f"{driver} (no estimate)",
                    "quantity": 0.0,
                    "unit": unit,
                    "quantity_ci_low": 0.0,
                    "quantity_ci_high": 0.0,
                    "unit_value": np.nan,
                    "value": 0.0,
                    "value_ci_low": 0.0,
                    "value_ci_high": 0.0,
                }
            )
    order = {"handle time": 0, "contacts avoided": 1, "retention": 2}
    business = pd.DataFrame(rows).sort_values(
        "component", key=lambda s: s.map(order), ignore_index=True
    )
    total_d = np.sum(sims, axis=0) if sims else np.zeros(n_draws)
    total = float(business["value"].sum())
    net_d = total_d - total_cost
    monthly_d = total_d / months
    with np.errstate(divide="ignore"):
        payback_d = np.where(monthly_d > 0, total_cost / monthly_d, np.inf)
    payback = total_cost / (total / months) if total > 0 else np.inf

    def ci(x: np.ndarray) -> tuple[float, float]:
        return float(np.percentile(x, 2.5)), float(np.percentile(x, 97.5))

    totals = pd.DataFrame(
        [
            {
                "item": "total benefit",
                "value": total,
                **dict(zip(("ci_low", "ci_high"), ci(total_d), strict=True)),
                "p_positive": float(np.mean(total_d > 0)),
            },
            {
                "item": "cost",
                "value": total_cost,
                "ci_low": total_cost,
                "ci_high": total_cost,
                "p_positive": np.nan,
            },
            {
                "item": "net benefit",
                "value": total - total_cost,
                **dict(zip(("ci_low", "ci_high"), ci(net_d), strict=True)),
                "p_positive": float(np.mean(net_d > 0)),
            },
            {
                "item": "return on cost",
                "value": (total - total_cost) / total_cost if total_cost else np.nan,
                **dict(
                    zip(
                        ("ci_low", "ci_high"),
                        ci(net_d / total_cost) if total_cost else (np.nan, np.nan),
                        strict=True,
                    )
                ),
                "p_positive": np.nan,
            },
            # payback is infinite in draws without a benefit: percentiles of observed values, no interpolation
            {
                "item": "payback months",
                "value": payback,
                "ci_low": float(np.quantile(payback_d, 0.025, method="inverted_cdf")),
                "ci_high": float(np.quantile(payback_d, 0.975, method="inverted_cdf")),
                "p_positive": np.nan,
            },
        ]
    )
    customer = estimates[["kpi", "estimate", "ci_low", "ci_high"]].reset_index(drop=True)
    return BenefitResult(
        customer=customer,
        business=business,
        totals=totals,
        currency=str(econ.get("currency", "GBP")),
    )
