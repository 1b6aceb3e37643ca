"""The decision on a change: adopt, adapt, abandon, wait, or not ours to take (comparison group).

Per objective (:func:`decide`), from the Check's verdict:

- **adopt** — improved, met its target (or none was set) and held;
- **adapt** — improved but short of its target or not held;
- **wait** — no detectable change yet, but the 95 % interval still reaches a
  worthwhile improvement (``WORTHWHILE``): the data cannot tell yet;
- **abandon** — got worse, or no detectable change with an interval that rules
  a worthwhile improvement out;
- **not adopted here: comparison group** — the run's teams did not take up the
  change: their figures are the comparison, not a result to act on.

For the change as a whole (:func:`overall`), the first of :data:`RULES` that
applies; the report names the rule and lists them all.

Examples
--------
>>> overall(["adopt", "adopt"], ["improved", "improved"]).decision
'adopt'
>>> money = Money(net=-13261, low=-19743, high=-6840, chance=0.0, cost=20000, payback=float("inf"), currency="GBP", months=12)
>>> d = overall(["adopt", "adopt"], ["improved", "improved"], money=money)
>>> d.decision, d.rule
('adapt', 5)
>>> overall(["abandon"], ["no detectable change"], comparison=True).decision
'not adopted here: comparison group'
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

#: the smallest relative improvement worth waiting for when the interval still reaches it
WORTHWHILE = 0.05
#: a run whose teams did not adopt the change
COMPARISON = "not adopted here: comparison group"
#: the rules for the change as a whole, in the order :func:`overall` tries them (rule 1 first)
RULES = (
    "the run's teams are the comparison group: not adopted here",
    "nothing improved and something got worse: abandon",
    "nothing improved and the evidence is not in yet: wait",
    "nothing improved: abandon",
    "the service improved but the money says no (a positive return in under half of the "
    "simulations): adapt — keep what works, cut what it costs",
    "every objective is to be adopted: adopt",
    "otherwise (some improved, some fell short, held badly or got worse): adapt",
)


def decide(
    outcome: str,
    target_met: bool | None,
    sustained: bool | None,
    *,
    interval: tuple[float, float] | None = None,
    direction: str = "increase",
    comparison: bool = False,
) -> tuple[str, str]:
    """The decision and its reason, from the Check's verdict of one objective.

    ``interval`` is the 95 % interval of the relative change and ``direction`` the
    better direction (``increase`` or ``decrease``); ``comparison`` says the run's
    teams did not adopt the change.

    >>> decide("improved", True, True)
    ('adopt', 'improved, met its target and held: standardise it')
    >>> decide("no detectable change", None, None)[0]
    'abandon'
    >>> decide("no detectable change", None, None, interval=(-0.02, 0.09))[0]
    'wait'
    >>> decide("worsened", None, None, comparison=True)[0]
    'not adopted here: comparison group'
    """
    if comparison:
        return COMPARISON, "these teams did not adopt the change: they show what happens without it"
    if outcome == "improved":
        if target_met is not False and sustained is not False:
            return (
                "adopt",
                "improved, met its target and held: standardise it"
                if target_met
                else "improved and held (no target set): standardise it",
            )
        why = (
            "fell short of its target" if target_met is False else "did not hold through the review"
        )
        return "adapt", f"improved but {why}: keep the change and adjust how it is done"
    if outcome == "worsened":
        return "abandon", "got worse after the change: stop it or redesign it before trying again"
    if interval is not None and reaches_worthwhile(interval, direction):
        return (
            "wait",
            "no detectable change yet, but the interval still allows a worthwhile improvement: collect more data before deciding",
        )
    return (
        "abandon",
        "no detectable improvement: stop or rethink the change for this objective",
    )


def reaches_worthwhile(interval: tuple[float, float], direction: str) -> bool:
    """Does the interval of a relative change reach an improvement of ``WORTHWHILE``?

    >>> reaches_worthwhile((-0.12, 0.01), "decrease"), reaches_worthwhile((-0.03, 0.01), "decrease")
    (True, False)
    """
    low, high = interval
    if direction == "decrease":
        return not math.isnan(low) and low <= -WORTHWHILE
    return not math.isnan(high) and high >= WORTHWHILE


@dataclass(frozen=True)
class Money:
    """The business side of the dual benefit over ``months``: net benefit with its 95 % interval."""

    net: float
    low: float
    high: float
    #: share of the simulations with a positive net benefit
    chance: float
    cost: float
    payback: float
    currency: str
    months: float
    #: the benefit before costs over ``months``, with its 95 % interval (it recurs: so much a month)
    benefit: float = math.nan
    benefit_low: float = math.nan
    benefit_high: float = math.nan

    @property
    def monthly(self) -> tuple[float, float, float]:
        """The recurring saving a month, with its 95 % interval (the benefit spread over ``months``)."""
        m = self.months
        return self.benefit / m, self.benefit_low / m, self.benefit_high / m

    @property
    def says_no(self) -> bool:
        """A positive return in under half of the simulations."""
        return self.chance < 0.5


def money_of(totals: pd.DataFrame, *, currency: str, months: float) -> Money:
    """The :class:`Money` of the dual benefit's ``totals`` table (the ``benefits`` artefact)."""
    t = totals.set_index("item")
    net, gross = t.loc["net benefit"], t.loc["total benefit"]
    return Money(
        net=float(net["value"]),
        low=float(net["ci_low"]),
        high=float(net["ci_high"]),
        chance=float(net["p_positive"]),
        cost=float(t.loc["cost", "value"]),
        payback=float(t.loc["payback months", "value"]),
        currency=currency,
        months=months,
        benefit=float(gross["value"]),
        benefit_low=float(gross["ci_low"]),
        benefit_high=float(gross["ci_high"]),
    )


@dataclass(frozen=True)
class Decision:
    """The decision on the change, why, and the number of the rule that gave it (see the module)."""

    decision: str
    why: str
    rule: int


def overall(
    decisions: Sequence[str],
    verdicts: Sequence[str],
    *,
    money: Money | None = None,
    comparison: bool = False,
) -> Decision:
    """The decision for the change from each objective's decision and verdict and the dual benefit.

    The rules, in order, are the module's; ``money`` is None when the business
    side could not be valued (the decision then rests on the service alone).

    >>> overall(["abandon", "adopt"], ["worsened", "improved"]).decision
    'adapt'
    >>> overall(["wait", "abandon"], ["no detectable change"] * 2).decision
    'wait'
    """
    decisions, verdicts = list(decisions), list(verdicts)  # values, also of a pandas Series
    improved = "improved" in verdicts
    if comparison:
        return Decision(
            COMPARISON,
            "the teams of this run did not adopt the change: their figures show what happens without it",
            1,
        )
    if not improved and "worsened" in verdicts:
        return Decision("abandon", "no objective improved and at least one got worse", 2)
    if not improved and "wait" in decisions:
        return Decision(
            "wait",
            "no objective improved detectably yet, but the intervals still allow a worthwhile improvement: collect more data",
            3,
        )
    if not improved:
        return Decision("abandon", "no objective improved detectably", 4)
    if money is not None and money.says_no:
        return Decision(
            "adapt",
            "the service improved but the money says no: keep what works and cut what it costs",
            5,
        )
    if all(d == "adopt" for d in decisions):
        why = "every objective improved, met its target and held"
        return Decision("adopt", why + ("" if money else " (the money could not be valued)"), 6)
    return Decision(
        "adapt",
        "some objectives improved but not all met their target, held or improved: keep the change and adjust it",
        7,
    )
