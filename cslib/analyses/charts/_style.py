"""The look the analysis charts share: colour-blind palette, the Axes to draw on, wrapped labels."""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.colors import to_rgb

from cslib._args import check_frame

if TYPE_CHECKING:
    from matplotlib.typing import ColorType

#: seaborn's colour-blind palette ("colorblind"), as RGB; written here so that drawing
#: a chart does not import seaborn
PALETTE: list[ColorType] = [
    to_rgb(c)
    for c in (
        "#0173B2",
        "#DE8F05",
        "#029E73",
        "#D55E00",
        "#CC78BC",
        "#CA9161",
        "#FBAFE4",
        "#949494",
        "#ECE133",
        "#56B4E9",
    )
]
GREY = "#8C8C8C"
GOOD, BAD, NEUTRAL = PALETTE[2], PALETTE[3], PALETTE[0]


def axes(ax: Axes | None) -> Axes:
    """``ax``, or the current Axes when none is given."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    return plt.gca()


def despine(ax: Axes, *, right: bool = True) -> None:
    """Hide the top spine, and the right one unless ``right`` is False (a second y axis on it).

    >>> from matplotlib.figure import Figure
    >>> ax = Figure().subplots()
    >>> despine(ax, right=False)
    >>> [s for s in ("top", "right", "left", "bottom") if ax.spines[s].get_visible()]
    ['right', 'left', 'bottom']
    """
    for side in ("left", "bottom"):
        ax.spines[side].set_visible(True)
    ax.spines["top"].set_visible(False)
    ax.spines["right"].set_visible(not right)


def wrap(labels, width: int = 14) -> list[str]:
    """Labels wrapped to lines of at most ``width`` characters."""
    return [textwrap.fill(str(s), width) for s in labels]


def checked(data: object, columns: list[str | None], where: str) -> pd.DataFrame:
    """``data`` as a DataFrame with ``columns``, as :func:`cslib._args.check_frame` checks it."""
    return check_frame(data, columns, where=where)
