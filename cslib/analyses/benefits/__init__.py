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

* :mod:`~cslib.analyses.benefits.estimates` — KPI changes in natural units
  from the Check verdicts (:func:`estimates_from_verdicts`);
* :mod:`~cslib.analyses.benefits.dual` — the simulation (:func:`dual_benefit`).

Examples
--------
>>> import pandas as pd
>>> est = pd.DataFrame({"kpi": ["aht_seconds", "fcr"], "estimate": [-30.0, 0.05], "ci_low": [-40.0, 0.03], "ci_high": [-20.0, 0.07]})
>>> res = dual_benefit(est, economics={"hourly_cost": 30, "cost_per_contact": 5}, volume=120_000, cost=20_000)
>>> res.business.set_index("component")["value"].round(0).to_dict()
{'handle time': 30000.0, 'contacts avoided': 30000.0, 'retention': 0.0}
"""

from cslib.analyses.benefits.dual import BenefitResult, dual_benefit
from cslib.analyses.benefits.dual import Z as Z
from cslib.analyses.benefits.estimates import estimates_from_verdicts

__all__ = ["BenefitResult", "dual_benefit", "estimates_from_verdicts"]
