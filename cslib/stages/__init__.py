"""The four PDCA stages, one module each (:mod:`~cslib.stages.plan`,
:mod:`~cslib.stages.do`, :mod:`~cslib.stages.check`, :mod:`~cslib.stages.act`):
one function per notebook cell, each showing and saving its part of the report.
No stage imports another: what they share (the objectives' labels and control
charts, the adopting teams, the pooled weekly series, the tables' labels and
units) is in ``_shared``. :mod:`~cslib.stages.decision` holds the rules that turn
the evidence into adopt / adapt / abandon / wait, and :mod:`~cslib.stages.summary`
reads a run's findings back for the report's first screen."""
