"""Statistical warnings in plain words: caught around a fit, logged, and kept with its result.

A fit that did not converge, a perfectly separated proportion or a numerical
overflow changes how far its numbers can be trusted, so the warning must reach
the reader of the report, not only a console: :func:`_caught` collects the
warnings raised inside it, turns the statistical ones into a sentence for the
result's notes and logs them through ``logging.getLogger("cslib")``. Other
warnings (a library's deprecation notice) are passed on unchanged.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

log = logging.getLogger("cslib")


@cache
def plain_notes() -> dict[type[Warning], str]:
    """Warning category → what it means for the result, in plain words."""
    from scipy.stats import DegenerateDataWarning
    from statsmodels.tools.sm_exceptions import (
        ConvergenceWarning,
        HessianInversionWarning,
        PerfectSeparationWarning,
    )

    return {
        ConvergenceWarning: "the model fit did not converge, so its estimate and interval "
        "are not reliable",
        PerfectSeparationWarning: "the fitted share or rate reaches 0 % or 100 % in some periods "
        "(perfect separation: the effect runs off to infinity), so the effect and its interval "
        "are not reliable",
        HessianInversionWarning: "the model's information matrix could not be inverted (a "
        "singular fit: terms that cannot be told apart), so its interval is not reliable",
        DegenerateDataWarning: "the values barely vary, so the bootstrap interval is not reliable",
        RuntimeWarning: "a numerical problem in the calculation ({message}), so treat the "
        "result with caution",
    }


def _plain(w: warnings.WarningMessage) -> str | None:
    """The plain-words note of a caught warning, or None when it is not a statistical one."""
    for category, text in plain_notes().items():
        if issubclass(w.category, category):
            return text.format(message=str(w.message).strip().rstrip("."))
    return None


@contextmanager
def _caught(notes: list[str], where: str) -> Iterator[None]:
    """Collect the statistical warnings raised inside the block into ``notes`` (once each).

    Each new note is also logged at WARNING level, prefixed by ``where``; any
    other warning is re-issued as it was.

    Examples
    --------
    >>> from statsmodels.tools.sm_exceptions import ConvergenceWarning
    >>> notes = []
    >>> with _caught(notes, "its"):
    ...     warnings.warn("no convergence", ConvergenceWarning)
    >>> notes
    ['its: the model fit did not converge, so its estimate and interval are not reliable']
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    for w in caught:
        text = _plain(w)
        if text is None:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno, source=w.source)
            continue
        note = f"{where}: {text}"
        if note not in notes:
            notes.append(note)
            log.warning("%s", note)
