"""Which before/after method fits the data: :func:`choose_method` (public via :mod:`cslib.stats.impact`)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from cslib._args import check_frame, frame_html, no_missing
from cslib.errors import ParameterError, Problem
from cslib.stats.impact._treated import _control

METHODS = ("did", "its", "two-period")


@dataclass(frozen=True)
class MethodChoice:
    """Which before/after method fits the data, and why.

    Attributes
    ----------
    method : {"did", "its", "two-period"}
    reason : str
    alternatives_rejected : tuple of (method, why)
    warning : str or None
        Set for the two-period fallback (trend and seasonality not controlled).
    n_before, n_after : int
        Periods before and after the change.
    has_control : bool
    """

    method: str
    reason: str
    alternatives_rejected: tuple[tuple[str, str], ...]
    warning: str | None
    n_before: int
    n_after: int
    has_control: bool

    def summary(self) -> pd.DataFrame:
        """One row: ``method``, ``reason``, ``warning``, ``n_before``, ``n_after``, ``has_control``."""
        return pd.DataFrame(
            [
                {
                    "method": self.method,
                    "reason": self.reason,
                    "warning": self.warning,
                    "n_before": self.n_before,
                    "n_after": self.n_after,
                    "has_control": self.has_control,
                }
            ]
        )

    table = property(summary)

    def _repr_html_(self) -> str:
        rej = pd.DataFrame(list(self.alternatives_rejected), columns=["method", "why not"])
        return frame_html(
            f"Method: {self.method}",
            [("Alternatives rejected", rej)],
            [self.reason, self.warning or ""],
        )


def method_rule(n_before: int, n_after: int, has_control: bool, min_periods: int = 8) -> str:
    """The method :func:`choose_method` picks for these counts of periods before and after the
    change, with a control group or without: DiD with one, else ITS with at least
    ``min_periods`` periods on each side, else two periods.

    >>> method_rule(20, 6, False), method_rule(20, 8, False), method_rule(6, 6, True)
    ('two-period', 'its', 'did')
    """
    if has_control:
        return "did"
    return "its" if n_before >= min_periods and n_after >= min_periods else "two-period"


def choose_method(
    data: pd.DataFrame,
    *,
    time: str,
    change: object = None,
    unit: str | None = None,
    first_treated: str | None = None,
    min_periods: int = 8,
) -> MethodChoice:
    """Choose between difference-in-differences, interrupted time series and two periods.

    A control group (units never or not yet treated, from ``first_treated``)
    → DiD; otherwise at least ``min_periods`` periods on each side of the
    change → ITS; otherwise a two-period comparison, with a warning.

    Parameters
    ----------
    data : pandas.DataFrame
        The KPI per period (and per unit for DiD).
    time : str
        Period column.
    change : scalar, optional
        First period after the change; defaults to the earliest ``first_treated``.
    unit, first_treated : str, optional
        Unit column and first-treated-period column (0 / missing = never).
    min_periods : int
        Periods needed on each side for an ITS.

    Returns
    -------
    MethodChoice

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"week": range(20), "aht": [5.0] * 20})
    >>> choose_method(df, time="week", change=10).method
    'its'
    """
    check_frame(data, [time, unit, first_treated], where="choose_method")
    no_missing(data, time)
    has_control, change = _control(data, unit, first_treated, change)
    tv = data[time]
    ch = pd.Timestamp(change) if pd.api.types.is_datetime64_any_dtype(tv) else change
    try:
        nb, na = int(tv[tv < ch].nunique()), int(tv[tv >= ch].nunique())
    except TypeError as exc:
        raise ParameterError(
            Problem(
                "change cannot be compared with the time column",
                column="change",
                values=(change,),
                fix=f"pass a value like those in '{time}'",
            )
        ) from exc
    if nb == 0 or na == 0:
        raise ParameterError(
            Problem(
                "the change lies outside the data range",
                column="change",
                values=(change,),
                fix=f"pass a '{time}' value after the first and no later than the last period",
            )
        )
    trend = (
        "two-period",
        "a plain before/after comparison would count any trend or seasonal "
        "pattern as an effect of the change",
    )
    method = method_rule(nb, na, has_control, min_periods)
    if method == "did":
        return MethodChoice(
            "did",
            "a control group is available (units never or not yet treated): "
            "difference-in-differences removes shocks common to all units",
            (
                (
                    "its",
                    "a single series cannot separate the change from anything else that happened "
                    "at the same time; the control units can",
                ),
                trend,
            ),
            None,
            nb,
            na,
            True,
        )
    if method == "its":
        return MethodChoice(
            "its",
            f"no control group, and {nb} periods before and {na} after (at least "
            f"{min_periods} each): interrupted time series allows for the trend before the change",
            (("did", "no control group (every unit got the change at the same time)"), trend),
            None,
            nb,
            na,
            False,
        )
    return MethodChoice(
        "two-period",
        f"no control group and only {nb} periods before and {na} after",
        (
            ("did", "no control group"),
            (
                "its",
                f"too few periods for a time series ({nb} before, {na} after; needs {min_periods} each)",
            ),
        ),
        "trend and seasonality are not controlled: treat the result as indicative",
        nb,
        na,
        False,
    )
