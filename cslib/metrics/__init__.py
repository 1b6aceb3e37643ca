"""KPIs: the registry of definitions and the DuckDB engine that computes them.

Examples
--------
>>> from cslib import metrics
>>> metrics.REGISTRY["fcr"].better
'higher'
"""

from cslib.metrics.engine import case_query, cases, compute, scan
from cslib.metrics.periods import long_format
from cslib.metrics.registry import KPI, REGISTRY, availability, glossary
from cslib.metrics.sla import sla_targets

__all__ = [
    "KPI",
    "REGISTRY",
    "availability",
    "case_query",
    "cases",
    "compute",
    "glossary",
    "long_format",
    "scan",
    "sla_targets",
]
