"""Run charts and control charts with Anhøj or NHS "Making Data Count" rules.

The charts are computed in :mod:`~cslib.stats.spc.compute` from the limits of
:mod:`~cslib.stats.spc.limits` and the rules of :mod:`~cslib.stats.spc.rules`,
and drawn by :mod:`~cslib.stats.spc.draw`.
"""

from cslib.stats.spc.compute import CHARTS, RULES, SpcResult, control_chart, run_chart
from cslib.stats.spc.draw import spc_chart, spc_grid
from cslib.stats.spc.rules import runs_limits

__all__ = [
    "CHARTS",
    "RULES",
    "SpcResult",
    "control_chart",
    "run_chart",
    "runs_limits",
    "spc_chart",
    "spc_grid",
]
