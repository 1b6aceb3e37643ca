"""Service standards: quality evaluations and mystery shops as evidence.

Evaluators score sampled interactions against a scorecard of standards
(greeting, identity check, accurate answer, empathy, ownership, compliance
statements…); paid mystery shoppers do the same from the customer's side. The
evaluations table (one row per evaluation × criterion) follows the data
contract; the scorecard (criteria, RATER dimension, weight, critical flag, the
standard each measures) comes from the cycle file's ``standards:`` section.

* :mod:`~cslib.analyses.standards.scoring` — each check's verdict
  (:func:`scored`), each evaluation's weighted score with the critical-fail rule
  (:func:`evaluation_scores`) and its mean per group (:func:`mean_scores`);
* :mod:`~cslib.analyses.standards.compliance` — the share of checks met per
  criterion, dimension, team, agent, channel or source (:func:`compliance`);
* :mod:`~cslib.analyses.standards.agreement` — whether evaluators agree on the
  same interactions (:func:`agreement`, :func:`kappa`) and who scores high or low;
* :mod:`~cslib.analyses.standards.icc` — agreement on scored criteria, the
  intraclass correlation of Shrout & Fleiss (:func:`score_agreement`, :func:`icc_forms`);
* :mod:`~cslib.analyses.standards.change` — compliance before and after a change in
  the roll-out teams beside the comparison teams (:func:`compliance_change`);
* :mod:`~cslib.analyses.standards.courses` — the criteria agents failed most before
  and after a course (:func:`failed_around_course`);
* :mod:`~cslib.analyses.standards.sampling` — whether there are enough
  evaluations to trust each figure (:func:`sample_needed`,
  :func:`sampling_adequacy`);
* :mod:`~cslib.analyses.standards.outcomes` — CSAT, FCR… on the same tickets
  when a standard was met and when it was not (:func:`outcomes`).

Examples
--------
>>> import pandas as pd
>>> e = pd.DataFrame({"evaluation_id": ["e1", "e1", "e2", "e2"], "criterion": ["greeting", "id_check"] * 2,
...                   "met": [True, True, True, False]})
>>> compliance(e)[["criterion", "compliance"]].values.tolist()
[['greeting', 1.0], ['id_check', 0.5]]
"""

from cslib.analyses.standards.agreement import Agreement, agreement, kappa, landis_koch
from cslib.analyses.standards.change import BEYOND, compliance_change
from cslib.analyses.standards.compliance import compliance
from cslib.analyses.standards.courses import failed_around_course
from cslib.analyses.standards.icc import icc_forms, koo_li, score_agreement
from cslib.analyses.standards.outcomes import outcomes
from cslib.analyses.standards.sampling import SamplingAdequacy, sample_needed, sampling_adequacy
from cslib.analyses.standards.scoring import evaluation_scores, mean_scores, scored

__all__ = [
    "BEYOND",
    "Agreement",
    "SamplingAdequacy",
    "agreement",
    "compliance",
    "compliance_change",
    "failed_around_course",
    "icc_forms",
    "koo_li",
    "evaluation_scores",
    "kappa",
    "landis_koch",
    "mean_scores",
    "outcomes",
    "sample_needed",
    "sampling_adequacy",
    "score_agreement",
    "scored",
]
