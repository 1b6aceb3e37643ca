"""Statistics: run and control charts (:mod:`cslib.stats.spc`) and before/after
estimates (:mod:`cslib.stats.impact`). Numbers in, tidy frames and small results out."""
