"""Before/after impact estimates for the Check stage: honest answers to "did it work?".

Every difference is **after − before**. The module offers

* :func:`compare` — two-period comparisons (continuous, skewed durations,
  proportions, NPS), one tidy row each; :func:`compare_censored` and
  :func:`km_median` for durations with tickets still open (Kaplan–Meier);
* :func:`its` — interrupted time series (segmented regression with AR(1)
  errors, Poisson/binomial GLMs, seasonality, a Newey–West sensitivity fit);
* :func:`did` — difference-in-differences with staggered roll-out
  (group-time ATT(g,t) à la Callaway & Sant'Anna, simple/group/dynamic
  aggregations, placebo pre-periods, bootstrap and permutation inference, and
  a t interval pooled over units that holds with a few teams);
* :func:`compare_segments` and :func:`mix_decomposition` — many segments with
  adjusted p-values, mix-adjusted change, mix and rate effects;
* :func:`choose_method` and :func:`verdict` — the method and a calibrated,
  plain-English verdict per objective (for a KPI that cannot be negative, a
  ratio: on the log scale, or by Poisson quasi-likelihood where it has zeros).
* :func:`plan_power` — at Plan time, the smallest change the Check's method
  can detect over the planned review, and the review a target needs.

``docs/reference/methods.md`` describes the methods, their calibration and the
published numbers the tests reproduce.

Examples
--------
>>> from cslib.stats.impact import compare
>>> compare((48, 80), (56, 70), kind="proportion")[["diff", "ci_low", "ci_high"]].round(4).values.tolist()
[[0.2, 0.0524, 0.3339]]
"""

from __future__ import annotations

from cslib.stats.impact._medians import hodges_lehmann
from cslib.stats.impact.censored import compare_censored, km_median
from cslib.stats.impact.compare import KINDS, Moments, NpsCounts, compare
from cslib.stats.impact.did import DidResult, did
from cslib.stats.impact.its import ItsResult, its
from cslib.stats.impact.method import MethodChoice, choose_method
from cslib.stats.impact.power import PlanPower, plan_power
from cslib.stats.impact.segment_tables import adjust_pvalues
from cslib.stats.impact.segments import SegmentComparison, compare_segments, mix_decomposition
from cslib.stats.impact.verdict import Verdict, verdict

__all__ = [
    "KINDS",
    "DidResult",
    "ItsResult",
    "MethodChoice",
    "Moments",
    "NpsCounts",
    "PlanPower",
    "SegmentComparison",
    "Verdict",
    "adjust_pvalues",
    "choose_method",
    "compare",
    "compare_censored",
    "compare_segments",
    "did",
    "hodges_lehmann",
    "its",
    "km_median",
    "mix_decomposition",
    "plan_power",
    "verdict",
]
