"""The four PDCA stages, one module each (:mod:`~cslib.stages.plan`,
:mod:`~cslib.stages.do`, :mod:`~cslib.stages.check`, :mod:`~cslib.stages.act`):
one function per notebook cell, each showing and saving its part of the report.
No stage imports another: what they share (the objectives' labels and control
charts, the adopting teams, the pooled weekly series) is in ``_shared``."""
