"""Input checks and HTML rendering shared by the statistics and the analyses.

Private module; the public names live in :mod:`cslib.stats.impact` and :mod:`cslib.analyses`.
"""

from __future__ import annotations

import html
import math
import numbers
from collections.abc import Sequence

import numpy as np
import pandas as pd

from cslib.errors import ParameterError, Problem


def values(x: object, name: str, *, allow_empty: bool = False) -> np.ndarray:
    """A 1-D float array from ``x`` with no missing values, or a ParameterError."""
    if isinstance(x, pd.DataFrame):
        raise ParameterError(
            Problem(
                "expected one column of values, got a table",
                column=name,
                values=tuple(x.columns),
                fix=f"pass a single column, e.g. {name}=df['value']",
            )
        )
    if isinstance(x, str | bytes) or x is None:
        raise ParameterError(
            Problem(
                "expected a sequence of numbers",
                column=name,
                values=(x,),
                fix="pass a list, an array or a pandas Series of numbers",
            )
        )
    try:
        arr = np.asarray(pd.Series(x).to_numpy(dtype=float, na_value=np.nan), dtype=float)
    except (TypeError, ValueError) as exc:
        bad = [v for v in pd.Series(x).tolist() if not _is_number(v)]
        raise ParameterError(
            Problem(
                "values are not numbers",
                column=name,
                values=tuple(bad[:5]),
                fix="convert the values to numbers (pd.to_numeric) before comparing",
            )
        ) from exc
    if arr.ndim != 1:
        arr = arr.ravel()
    if arr.size == 0 and not allow_empty:
        raise ParameterError(
            Problem(
                "no values (the input is empty)",
                column=name,
                fix="pass at least one value per period; check the period filter",
            )
        )
    nan = np.flatnonzero(~np.isfinite(arr))
    if nan.size:
        raise ParameterError(
            Problem(
                "missing or infinite values",
                column=name,
                rows=tuple(int(i) + 1 for i in nan[:5]),
                n_rows=int(nan.size),
                values=tuple(arr[nan[:5]]),
                fix="drop them (e.g. .dropna()) or fill them before comparing",
            )
        )
    return arr


def _is_number(v: object) -> bool:
    try:
        float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return True


def check_frame(data: object, columns: Sequence[str | None], *, where: str) -> pd.DataFrame:
    """Check that ``data`` is a non-empty DataFrame holding ``columns``."""
    if not isinstance(data, pd.DataFrame):
        raise ParameterError(
            Problem(
                f"{where} expects a pandas DataFrame as its first argument",
                values=(type(data).__name__,),
                fix="pass the KPI table as a DataFrame (one row per period)",
            )
        )
    wanted = [c for c in columns if c is not None]
    missing = [c for c in wanted if c not in data.columns]
    if missing:
        raise ParameterError(
            Problem(
                "column(s) not found in the data",
                column=", ".join(map(str, missing)),
                values=tuple(missing),
                fix=f"name existing columns; the data has {', '.join(map(str, data.columns))}",
            )
        )
    if len(data) == 0:
        raise ParameterError(
            Problem(
                f"{where}: the data has no rows", fix="check the filters applied before the call"
            )
        )
    return data


def numeric_column(data: pd.DataFrame, column: str) -> np.ndarray:
    """A column as floats, rejecting text and missing values with row numbers."""
    col = data[column]
    try:
        arr = col.to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError) as exc:
        texts = [v for v in col.tolist() if not _is_number(v)]
        raise ParameterError(
            Problem(
                "values are not numbers",
                column=column,
                values=tuple(texts[:5]),
                fix="convert the column with pd.to_numeric",
            )
        ) from exc
    bad = np.flatnonzero(~np.isfinite(arr))
    if bad.size:
        raise ParameterError(
            Problem(
                "missing or infinite values",
                column=column,
                rows=tuple(int(i) + 1 for i in bad[:5]),
                n_rows=int(bad.size),
                fix="drop or fill these rows first (the model needs a value for every period)",
            )
        )
    return arr


def no_missing(data: pd.DataFrame, column: str) -> None:
    """Reject missing values in a label column (time, unit, segment…)."""
    bad = np.flatnonzero(data[column].isna().to_numpy())
    if bad.size:
        raise ParameterError(
            Problem(
                "missing values",
                column=column,
                rows=tuple(int(i) + 1 for i in bad[:5]),
                n_rows=int(bad.size),
                fix="drop these rows or fill the column",
            )
        )


def share(value: object, name: str, *, example: float = 0.8) -> float:
    """``value`` as a float when it is a share in (0, 1], else a :class:`ParameterError`.

    >>> share(0.8, "threshold")
    0.8
    """
    if not (isinstance(value, int | float) and 0 < value <= 1):
        raise ParameterError(
            Problem(
                f"{name} must be a share between 0 and 1",
                column=name,
                values=(value,),
                fix=f"e.g. {name}={example:g}",
            )
        )
    return float(value)


def positive(value: object, name: str, *, example: float = 30, allow_zero: bool = False) -> float:
    """``value`` as a float when it is a finite number above zero (or, with ``allow_zero``, at
    least zero), else a :class:`ParameterError`.

    >>> positive(7, "days")
    7.0
    >>> positive(0, "calls", allow_zero=True)
    0.0
    """
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        number = float(value)
        if math.isfinite(number) and (number >= 0 if allow_zero else number > 0):
            return number
    raise ParameterError(
        Problem(
            f"{name} must be {'zero or ' if allow_zero else ''}a positive number",
            column=name,
            values=(value,),
            fix=f"e.g. {name}={example:g}",
        )
    )


def choice(value: object, allowed: Sequence[str], name: str) -> str:
    """Check that ``value`` is one of ``allowed``."""
    if value not in allowed:
        raise ParameterError(
            Problem(
                f"unknown {name}",
                column=name,
                values=(value,),
                fix=f"use one of {', '.join(repr(a) for a in allowed)}",
            )
        )
    return str(value)


def check_alpha(alpha: float) -> float:
    if not (isinstance(alpha, int | float) and 0 < alpha < 1):
        raise ParameterError(
            Problem(
                "alpha must lie strictly between 0 and 1",
                column="alpha",
                values=(alpha,),
                fix="use e.g. alpha=0.05 for 95 % intervals",
            )
        )
    return float(alpha)


def frame_html(
    title: str, frames: Sequence[tuple[str, pd.DataFrame]], notes: Sequence[str] = ()
) -> str:
    """Small HTML block: a heading, notes, then titled tables."""
    parts = [f"<div class='cslib-impact'><h4>{html.escape(title)}</h4>"]
    parts += [f"<p>{html.escape(n)}</p>" for n in notes if n]
    for name, frame in frames:
        if name:
            parts.append(f"<h5>{html.escape(name)}</h5>")
        parts.append(frame.to_html(index=False, float_format=lambda v: f"{v:.4g}", na_rep=""))
    parts.append("</div>")
    return "".join(parts)
