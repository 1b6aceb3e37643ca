"""Service standards at each stage of the cycle: quality evaluations and mystery shops as evidence.

Evaluations score interactions against the cycle's scorecard (its ``standards:``
section). Each stage has one cell, a function ``standards(wb)`` in the module of
its name, which the stage module shows as ``plan.standards(wb)``, ``do.standards(wb)``,
``check.standards(wb)`` and ``act.standards(wb)``:

* :mod:`~cslib.stages.standards.plan` — the baseline of compliance per criterion
  and the overall weighted score, the weakest criteria, too few evaluations
  behind a team's figure, evaluator agreement (kappa, ICC) and who scores high or low;
* :mod:`~cslib.stages.standards.do` — weekly compliance in the roll-out teams on a p chart;
* :mod:`~cslib.stages.standards.check` — compliance before and after beside the
  comparison teams, the link to training and to customer outcomes;
* :mod:`~cslib.stages.standards.act` — the standards to update and the new limits.

A cycle without an evaluations table gets one plain sentence in each cell.
"""
