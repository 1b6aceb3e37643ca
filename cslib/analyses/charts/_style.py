"""The look the analysis charts share: colour-blind palette, the Axes to draw on, wrapped labels."""

from __future__ import annotations

import textwrap

import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes

from cslib._args import check_frame

PALETTE = sns.color_palette("colorblind")
GREY = "#8C8C8C"
GOOD, BAD, NEUTRAL = PALETTE[2], PALETTE[3], PALETTE[0]


def axes(ax: Axes | None) -> Axes:
    """``ax``, or the current Axes when none is given."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    return plt.gca()


def wrap(labels, width: int = 14) -> list[str]:
    """Labels wrapped to lines of at most ``width`` characters."""
    return [textwrap.fill(str(s), width) for s in labels]


def checked(data: object, columns: list[str | None], where: str) -> pd.DataFrame:
    """``data`` as a DataFrame with ``columns``, as :func:`cslib._args.check_frame` checks it."""
    return check_frame(data, columns, where=where)
