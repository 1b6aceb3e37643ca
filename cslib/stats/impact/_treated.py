"""Who is treated when: never-treated units, and whether a roll-out leaves a control group."""

from __future__ import annotations

import pandas as pd

from cslib.errors import ParameterError, Problem


def _never_treated(first_treated: pd.Series) -> pd.Series:
    """Units never treated: no first-treated period (or 0, unless the periods are dates)."""
    if pd.api.types.is_datetime64_any_dtype(first_treated):
        return first_treated.isna()
    return first_treated.isna() | (first_treated == 0)


def _control(data, unit, first_treated, change) -> tuple[bool, object]:
    """Whether there is a control group (never-treated units, or cohorts going live at different
    periods), and the change: the one given, else the first go-live."""
    if unit is None or first_treated is None:
        if change is None:
            raise ParameterError(
                Problem(
                    "no change date given",
                    column="change",
                    fix="pass change=<first period after the go-live>",
                )
            )
        return False, change
    ft = data[first_treated]
    never = _never_treated(ft)
    cohorts = ft[~never].unique()
    if len(cohorts) == 0:
        raise ParameterError(
            Problem(
                "no unit is ever treated",
                column=first_treated,
                fix="set the go-live period of the treated units",
            )
        )
    if change is None:
        change = min(cohorts)
    return bool(never.any() or len(cohorts) > 1), change
