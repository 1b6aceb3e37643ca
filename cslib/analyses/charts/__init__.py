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
>>> p = pd.DataFrame({"category": ["a", "b"], "count": [3, 1], "share": [0.75, 0.25],
...                   "cumulative_share": [0.75, 1.0], "rank": [1, 2], "vital_few": [True, False]})
>>> ax = pareto_chart(p, ax=Figure().subplots())
>>> [t.get_text() for t in ax.get_xticklabels()]
['a', 'b']
"""

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
