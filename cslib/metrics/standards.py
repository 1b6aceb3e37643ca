"""Service standards as KPIs: ``standard:<criterion>`` and ``standard:overall``.

Quality evaluations (the ``evaluations`` table: one row per evaluation ×
criterion) give two kinds of KPI, read from the evaluations rather than the
tickets and dated by the evaluation's ``date``:

- ``standard:<criterion>`` — **compliance** with one criterion of the
  scorecard: checks of it met ÷ checks of it (a share, charted as a p chart).
  A pass/fail criterion is met when ``met`` is true; a scored one when
  ``score ÷ max_score`` reaches the cycle's ``standards.pass_mark``.
- ``standard:overall`` — the **quality score** QA teams report: the mean of the
  evaluations' weighted scores, each Σ weight × points ÷ Σ weight (points:
  ``score ÷ max_score``, or 1/0 for met/not met) and 0 when a critical
  criterion was failed (the auto-fail rule), as a share of full marks.

Weights and critical flags come from the data's own columns where given, else
from the scorecard the cycle declares, else weight 1 and not critical — as
:func:`cslib.analyses.standards.evaluation_scores` scores them.

Examples
--------
>>> standard_fields("standard:accurate_answer")["label"]
'Standard met: accurate answer'
>>> standard_fields("standard:overall")["kind"], standard_fields("fcr")
('mean', None)
"""

from __future__ import annotations

from typing import Any, TypeGuard

#: the names of the standards' KPIs start with this
PREFIX = "standard:"
#: ``standard:overall``: the mean evaluation score
OVERALL = "overall"


def is_standard(name: object) -> TypeGuard[str]:
    """True for ``standard:<criterion>`` and ``standard:overall`` (False for a non-string).

    >>> is_standard("standard:greeting"), is_standard("standard:"), is_standard("fcr")
    (True, False, False)
    """
    return isinstance(name, str) and name.startswith(PREFIX) and bool(criterion_of(name))


def criterion_of(name: str) -> str:
    """The criterion a standard KPI names (``overall`` for the quality score)."""
    return name[len(PREFIX) :].strip()


def standard_fields(name: str) -> dict[str, Any] | None:
    """What the registry's KPI entry of a standard KPI holds, or None for another name."""
    if not is_standard(name):
        return None
    common = {
        "name": name,
        "unit": "share",
        "better": "higher",
        "requires": (),
        "needs": ("evaluations",),
    }
    criterion = criterion_of(name)
    if criterion == OVERALL:
        return common | {
            "label": "Quality score (evaluations)",
            "kind": "mean",
            "definition": "mean evaluation score: Σ weight × points ÷ Σ weight per evaluation "
            "(points: score ÷ max_score, or 1 when met and 0 when not), 0 when a critical "
            "criterion is not met; as a share of full marks",
            "source": "contact-centre quality monitoring: a weighted scorecard with auto-fail "
            "on critical errors (as COPC's critical-error accuracy)",
        }
    return common | {
        "label": f"Standard met: {criterion.replace('_', ' ')}",
        "kind": "proportion",
        "definition": f"checks of '{criterion}' met ÷ checks of '{criterion}' in the evaluations "
        "(a scored criterion is met from the pass mark, a share of max_score)",
        "source": "the cycle's scorecard (standards:); compliance as in cslib.analyses.standards",
    }
