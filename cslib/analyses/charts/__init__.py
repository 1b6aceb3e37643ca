"""Charts of the Plan and Act analyses: Axes in, Axes out.

Each function draws one result table of :mod:`cslib.analyses.servqual`,
:mod:`cslib.analyses.complaints`, :mod:`cslib.analyses.journey`, :mod:`cslib.analyses.risks_actions`,
:mod:`cslib.analyses.benefits`, :mod:`cslib.analyses.capacity` or :mod:`cslib.analyses.training` into the
``ax=`` it is given (or the current Axes) and returns that Axes. Nothing is
shown or saved here. Colours come from seaborn's colour-blind palette.

* :mod:`~cslib.analyses.charts.quality` — what customers experience: SERVQUAL
  gaps, the importance–performance grid, complaints, the recovery paradox, the journey;
* :mod:`~cslib.analyses.charts.operations` — the work and its return: risks,
  the action plan, staffing, training, benefits.

Examples
--------
>>> import pandas as pd
>>> from matplotlib.figure import Figure
>>> from cslib.analyses.charts import pareto_chart
>>> p = pd.DataFrame({"category": ["a", "b"], "count": [3, 1], "share": [0.75, 0.25],
...                   "cumulative_share": [0.75, 1.0], "rank": [1, 2], "vital_few": [True, False]})
>>> ax = pareto_chart(p, ax=Figure().subplots())
>>> [t.get_text() for t in ax.get_xticklabels()]
['a', 'b']
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cslib.analyses.charts._style import BAD as BAD
    from cslib.analyses.charts._style import GOOD as GOOD
    from cslib.analyses.charts._style import GREY as GREY
    from cslib.analyses.charts._style import NEUTRAL as NEUTRAL
    from cslib.analyses.charts._style import PALETTE as PALETTE
    from cslib.analyses.charts.operations import (
        action_gantt,
        benefit_waterfall,
        risk_matrix_chart,
        staffing_curve_chart,
        training_chart,
    )
    from cslib.analyses.charts.quality import (
        importance_performance_chart,
        journey_chart,
        pareto_chart,
        recovery_chart,
        servqual_gap_chart,
    )

#: each name → the module that holds it; imported on first use, so that importing
#: a stage does not load matplotlib and seaborn before it draws
HOME = {
    **dict.fromkeys(("BAD", "GOOD", "GREY", "NEUTRAL", "PALETTE"), "_style"),
    **dict.fromkeys(
        (
            "action_gantt",
            "benefit_waterfall",
            "risk_matrix_chart",
            "staffing_curve_chart",
            "training_chart",
        ),
        "operations",
    ),
    **dict.fromkeys(
        (
            "importance_performance_chart",
            "journey_chart",
            "pareto_chart",
            "recovery_chart",
            "servqual_gap_chart",
        ),
        "quality",
    ),
}

__all__ = [
    "action_gantt",
    "benefit_waterfall",
    "importance_performance_chart",
    "journey_chart",
    "pareto_chart",
    "recovery_chart",
    "risk_matrix_chart",
    "servqual_gap_chart",
    "staffing_curve_chart",
    "training_chart",
]


def __getattr__(name: str) -> object:
    if name not in HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{HOME[name]}"), name)
