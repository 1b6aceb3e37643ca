"""Charts as PNG images for reports: drawn once, cut to their content, in at most 256 colours.

Examples
--------
>>> from matplotlib.figure import Figure
>>> fig = Figure(figsize=(4, 3))
>>> _ = fig.subplots().plot([1, 3, 2])
>>> png(fig)[:4]
b'\\x89PNG'
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from PIL import Image

from cslib._lazy import lazy

if TYPE_CHECKING:
    from collections.abc import Iterator

    import matplotlib
    from matplotlib.figure import Figure
    from matplotlib.text import Text
else:
    matplotlib = lazy("matplotlib")

#: matplotlib settings under which charts are drawn: text as written, never mathtext
LITERAL: dict = {"text.parse_math": False}


def png(figure: Figure, *, dpi: int = 110, tight: bool = True) -> bytes:
    """The figure as PNG, every text drawn as written (a ``$`` in a label from the data is a dollar sign).

    With ``tight``, the margin around what is drawn is cut to matplotlib's ``savefig.pad_inches``,
    as ``bbox_inches="tight"`` does, but from the drawn pixels: the figure is drawn once instead of
    laid out a second time. When something reaches the figure's edge (it may lie partly outside),
    matplotlib's tight box is used, which widens the page to show it.

    >>> from matplotlib.figure import Figure
    >>> fig = Figure()
    >>> _ = fig.subplots().set_title("price $_$")
    >>> png(fig)[:4]
    b'\\x89PNG'
    """
    with matplotlib.rc_context(LITERAL):  # ticks made while drawing take it from here
        for text in _texts(figure):
            text.set_parse_math(False)
        drawn = _on_white(_drawn(figure, dpi))
        if tight:
            pad = round(matplotlib.rcParams["savefig.pad_inches"] * dpi)
            box = _inner_box(drawn, pad)
            drawn = drawn.crop(box) if box else _on_white(_drawn(figure, dpi, bbox_inches="tight"))
    return _palette(drawn)


def _texts(figure: Figure) -> Iterator[Text]:
    """Every text of the figure made so far. ``findobj`` would also make each axis place its
    ticks (a tenth of drawing a grid of charts), which drawing does again."""
    from matplotlib.axis import Axis
    from matplotlib.text import Text

    artists: list = [figure]
    while artists:
        artist = artists.pop()
        if isinstance(artist, Text):
            yield artist
        if isinstance(artist, Axis):
            made = vars(artist)  # ticks are made on first use: never here
            artists += [artist.label, artist.offsetText]
            artists += [*made.get("majorTicks", ()), *made.get("minorTicks", ())]
        else:
            artists += artist.get_children()


def _drawn(figure: Figure, dpi: int, **savefig) -> Image.Image:
    from matplotlib.layout_engine import ConstrainedLayoutEngine

    engine = figure.get_layout_engine()
    if isinstance(engine, ConstrainedLayoutEngine):  # laid out at the dpi it is saved at
        shown = figure.dpi
        figure.set_dpi(dpi)
        try:
            engine.execute(figure)
        finally:
            figure.set_dpi(shown)
    if engine is not None:
        # the layout is done (or tight_layout() did it): with an engine, savefig would lay the
        # figure out again, in a draw that renders nothing, before drawing it
        with matplotlib.rc_context(
            {"figure.autolayout": False, "figure.constrained_layout.use": False}
        ):
            figure.set_layout_engine(None)
    buf = io.BytesIO()  # stored uncompressed: it is decoded at once
    figure.savefig(buf, format="png", dpi=dpi, pil_kwargs={"compress_level": 0}, **savefig)
    return Image.open(buf)


def _on_white(drawn: Image.Image) -> Image.Image:
    drawn = drawn.convert("RGBA")
    return Image.alpha_composite(Image.new("RGBA", drawn.size, "white"), drawn).convert("RGB")


def _inner_box(drawn: Image.Image, pad: int) -> tuple[int, int, int, int] | None:
    """The box of every non-white pixel widened by ``pad``, or ``None`` when nothing is drawn
    or a drawn pixel touches the edge (a drawing may continue beyond it)."""
    from PIL import ImageChops

    box = ImageChops.difference(drawn, Image.new("RGB", drawn.size, "white")).getbbox()
    if box is None or box[0] == 0 or box[1] == 0 or box[2] == drawn.width or box[3] == drawn.height:
        return None
    left, top, right, bottom = box
    return (
        max(left - pad, 0),
        max(top - pad, 0),
        min(right + pad, drawn.width),
        min(bottom + pad, drawn.height),
    )


def _palette(flat: Image.Image) -> bytes:
    """The PNG with at most 256 colours: a chart's flat colours and anti-aliasing survive,
    and the file is about a third of the size, so a report of many charts stays light."""
    buf = io.BytesIO()
    # zlib's default level: within a few per cent of the smallest file, in a seventh of the time
    flat.quantize(256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
        buf, format="PNG", compress_level=6
    )
    return buf.getvalue()
