"""The dual benefit of a change, simulated: customer and business gains against the cost."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, SupportsFloat

import numpy as np
import pandas as pd

from cslib._args import check_frame, frame_html
from cslib._lazy import lazy
from cslib.analyses.benefits._inputs import (
    action_cost,
    check_sizes,
    checked_estimates,
    economics_of,
)
from cslib.errors import ParameterError, Problem

if TYPE_CHECKING:
    from scipy import stats
else:
    stats = lazy("scipy.stats")

__all__ = ["BenefitResult", "dual_benefit"]

#: the normal quantile of a two-sided 95 % interval
Z = 1.959963984540054  # stats.norm.ppf(0.975)
#: the business components in table order: name → unit of its quantity
COMPONENTS = {"handle time": "hours", "contacts avoided": "contacts", "retention": "customers"}

#: a component: name, driver KPI, quantity, unit, simulated quantities, value per unit
Component = tuple[str, str, float, str, np.ndarray, float]


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
    econ = economics_of(economics)
    total_cost = action_cost(cost)
    check_sizes(volume, months, repeat_contacts, n_draws)
    est = checked_estimates(estimates)
    comps = _components(
        est,
        econ,
        _sampler(est, n_draws, seed),
        volume=volume,
        customers=customers,
        repeat_contacts=repeat_contacts,
        kpis=(aht_kpi, fcr_kpi, retention_kpi),
    )
    business = _business(comps, drivers=(aht_kpi, fcr_kpi, retention_kpi))
    total_d = np.sum([qd * rate for *_, qd, rate in comps], axis=0) if comps else np.zeros(n_draws)
    customer = estimates[["kpi", "estimate", "ci_low", "ci_high"]].reset_index(drop=True)
    return BenefitResult(
        customer=customer,
        business=business,
        totals=_totals(float(business["value"].sum()), total_d, total_cost, months),
        currency=str(econ.get("currency", "GBP")),
    )


def _sampler(est: pd.DataFrame, n_draws: int, seed: int | None) -> Callable[[str], np.ndarray]:
    """Draws of a KPI's change from a normal matching its estimate and 95 % interval.

    A KPI is drawn once: every component it drives uses the same draws.
    """
    rng = np.random.default_rng(seed)
    draws: dict[str, np.ndarray] = {}

    def draw(k: str) -> np.ndarray:
        if k not in draws:
            r = est.loc[k]
            se = (float(r["ci_high"]) - float(r["ci_low"])) / (2 * Z)
            draws[k] = float(r["estimate"]) + se * rng.standard_normal(n_draws)
        return draws[k]

    return draw


def _rate(econ: dict[str, object], key: str, component: str) -> float:
    """The value per unit of a component, from the economics."""
    v = econ.get(key)
    if v is None:
        raise ParameterError(
            Problem(
                f"the {component} component needs economics.{key}",
                column=key,
                fix=f"add {key} to the cycle file's economics section",
            )
        )
    if not isinstance(v, SupportsFloat | str):
        raise ParameterError(
            Problem(
                f"economics.{key} is not a number",
                column=key,
                values=(type(v).__name__,),
                fix=f"give {key} as a number in the cycle file's economics section",
            )
        )
    return float(v)


def _components(
    est: pd.DataFrame,
    econ: dict[str, object],
    draw: Callable[[str], np.ndarray],
    *,
    volume: float,
    customers: float | None,
    repeat_contacts: float,
    kpis: tuple[str, str, str],
) -> list[Component]:
    """The components the estimates drive: handle time, contacts avoided, retention."""
    aht_kpi, fcr_kpi, retention_kpi = kpis
    comps: list[Component] = []
    if aht_kpi in est.index:
        rate = _rate(econ, "hourly_cost", "handle time")
        q = -float(est.loc[aht_kpi, "estimate"]) * volume / 3600
        qd = -draw(aht_kpi) * volume / 3600
        comps.append(("handle time", aht_kpi, q, "hours", qd, rate))
    if "contacts_avoided" in est.index:
        rate = _rate(econ, "cost_per_contact", "contacts avoided")
        q = float(est.loc["contacts_avoided", "estimate"])
        comps.append(
            ("contacts avoided", "contacts_avoided", q, "contacts", draw("contacts_avoided"), rate)
        )
    elif fcr_kpi in est.index:
        rate = _rate(econ, "cost_per_contact", "contacts avoided")
        q = float(est.loc[fcr_kpi, "estimate"]) * volume * repeat_contacts
        qd = draw(fcr_kpi) * volume * repeat_contacts
        comps.append(("contacts avoided", fcr_kpi, q, "contacts", qd, rate))
    if retention_kpi in est.index:
        if customers is None:
            raise ParameterError(
                Problem(
                    "the retention component needs the number of customers",
                    column="customers",
                    fix="pass customers= (customers in the period)",
                )
            )
        rate = _rate(econ, "retained_customer_value", "retention")
        q = float(est.loc[retention_kpi, "estimate"]) * customers
        comps.append(
            ("retention", retention_kpi, q, "customers", draw(retention_kpi) * customers, rate)
        )
    return comps


def _business(comps: list[Component], drivers: tuple[str, str, str]) -> pd.DataFrame:
    """One row per component, in :data:`COMPONENTS` order; a component without an estimate is 0."""
    rows = []
    for name, driver, q, unit, qd, rate in comps:
        vd = qd * rate
        rows.append(
            {
                "component": name,
                "driver": driver,
                "quantity": q,
                "unit": unit,
                **dict(zip(("quantity_ci_low", "quantity_ci_high"), _ci95(qd), strict=True)),
                "unit_value": rate,
                "value": q * rate,
                **dict(zip(("value_ci_low", "value_ci_high"), _ci95(vd), strict=True)),
            }
        )
    for (name, unit), driver in zip(COMPONENTS.items(), drivers, strict=True):
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
    order = {name: i for i, name in enumerate(COMPONENTS)}
    return pd.DataFrame(rows).sort_values(
        "component", key=lambda s: s.map(order), ignore_index=True
    )


def _ci95(x: np.ndarray) -> tuple[float, float]:
    """The 2.5 and 97.5 percentiles of the draws."""
    return float(np.percentile(x, 2.5)), float(np.percentile(x, 97.5))


def _totals(total: float, total_d: np.ndarray, total_cost: float, months: float) -> pd.DataFrame:
    """Total benefit, cost, net benefit, return on cost and payback, with their intervals."""
    net_d = total_d - total_cost
    monthly_d = total_d / months
    with np.errstate(divide="ignore"):
        payback_d = np.where(monthly_d > 0, total_cost / monthly_d, np.inf)
    payback = total_cost / (total / months) if total > 0 else np.inf
    return pd.DataFrame(
        [
            {
                "item": "total benefit",
                "value": total,
                **dict(zip(("ci_low", "ci_high"), _ci95(total_d), strict=True)),
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
                **dict(zip(("ci_low", "ci_high"), _ci95(net_d), strict=True)),
                "p_positive": float(np.mean(net_d > 0)),
            },
            {
                "item": "return on cost",
                "value": (total - total_cost) / total_cost if total_cost else np.nan,
                **dict(
                    zip(
                        ("ci_low", "ci_high"),
                        _ci95(net_d / total_cost) if total_cost else (np.nan, np.nan),
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
