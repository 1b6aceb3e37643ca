"""Checks of the numeric arguments the complaint analyses share."""

from __future__ import annotations

from cslib.errors import ParameterError, Problem


def share(value: float, name: str) -> float:
    """``value`` as a float when it is a share in (0, 1], else a :class:`ParameterError`."""
    if not (isinstance(value, int | float) and 0 < value <= 1):
        raise ParameterError(
            Problem(
                f"{name} must be a share between 0 and 1",
                column=name,
                values=(value,),
                fix=f"e.g. {name}=0.8",
            )
        )
    return float(value)


def positive(value: float, name: str) -> float:
    """``value`` as a float when it is a positive number, else a :class:`ParameterError`."""
    if not (isinstance(value, int | float) and value > 0):
        raise ParameterError(
            Problem(
                f"{name} must be a positive number",
                column=name,
                values=(value,),
                fix=f"e.g. {name}=30",
            )
        )
    return float(value)
