"""Display objects for the notebooks: escaped HTML, tables and charts.

Every string that may come from data or the cycle file is HTML-escaped here,
so a comment containing ``<script>`` shows as text in notebooks and reports.

Examples
--------
>>> Html.card("Cycle", {"title": "<b>Faster</b>"})._repr_html_()[:60]
'<div class="cslib-card"><h4>Cycle</h4><table><tr><th>title</'
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pandas as pd
from matplotlib.figure import Figure


def esc(value: object) -> str:
    """HTML-escaped text of any value (missing values as an en dash)."""
    if value is None or (not isinstance(value, str | list | tuple | dict) and pd.isna(value)):
        return "–"
    return html.escape(str(value), quote=True)


@dataclass(frozen=True)
class Html:
    """A piece of HTML built from escaped parts; displays itself in notebooks."""

    markup: str

    def _repr_html_(self) -> str:
        return self.markup

    def __str__(self) -> str:
        return self.markup

    @classmethod
    def text(cls, *paragraphs: str, level: str = "p") -> Html:
        """Paragraphs of escaped text."""
        return cls("".join(f"<{level}>{esc(p)}</{level}>" for p in paragraphs if p))

    @classmethod
    def bullets(cls, items: Iterable[str], *, title: str | None = None) -> Html:
        head = f"<h4>{esc(title)}</h4>" if title else ""
        return cls(head + "<ul>" + "".join(f"<li>{esc(i)}</li>" for i in items) + "</ul>")

    @classmethod
    def card(cls, title: str, fields: Mapping[str, object]) -> Html:
        """A titled two-column table of fields."""
        rows = "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in fields.items())
        return cls(f'<div class="cslib-card"><h4>{esc(title)}</h4><table>{rows}</table></div>')

    @classmethod
    def join(cls, *parts: object) -> Html:
        """Concatenate displayable parts (Html, tables, results with ``_repr_html_``) and DataFrames (escaped tables)."""
        out = []
        for p in parts:
            if isinstance(p, pd.DataFrame):
                out.append(table_html(p))
            elif isinstance(p, Chart):
                out.append(p.img())
            elif hasattr(p, "_repr_html_"):
                out.append(p._repr_html_())
            elif p is not None:
                out.append(f"<p>{esc(p)}</p>")
        return cls("".join(out))


def table_html(frame: pd.DataFrame, *, digits: int = 3) -> str:
    """An escaped HTML table with numbers shown to ``digits`` significant figures (display only)."""
    shown = frame.copy()
    for col in shown.columns:
        if pd.api.types.is_float_dtype(shown[col]):
            shown[col] = shown[col].map(
                lambda v: (
                    "–"
                    if pd.isna(v)
                    else f"{v:,.{digits}g}"
                    if abs(v) < 10**digits
                    else f"{v:,.0f}"
                )
            )
        elif pd.api.types.is_datetime64_any_dtype(shown[col]):
            shown[col] = shown[col].dt.strftime("%Y-%m-%d").fillna("–")
    return shown.to_html(index=False, escape=True, na_rep="–", border=0, classes="cslib-table")


@dataclass(frozen=True)
class Table:
    """A DataFrame shown with display rounding; ``.data`` keeps the unrounded values."""

    data: pd.DataFrame
    caption: str | None = None
    digits: int = 3

    def _repr_html_(self) -> str:
        cap = f"<p class='cslib-caption'>{esc(self.caption)}</p>" if self.caption else ""
        return cap + table_html(self.data, digits=self.digits)


@dataclass(frozen=True)
class Chart:
    """A matplotlib Figure shown as an embedded PNG (no pyplot state, no double display)."""

    figure: Figure
    dpi: int = 110

    def _repr_png_(self) -> bytes:
        buf = io.BytesIO()
        self.figure.savefig(buf, format="png", dpi=self.dpi, bbox_inches="tight")
        return buf.getvalue()

    @classmethod
    def of(cls, draw, *args, size: tuple[float, float] = (8, 4.2), **kwargs) -> Chart:
        """A chart from a plot function that draws into ``ax=`` (Axes in, Axes out)."""
        fig = Figure(figsize=size)
        draw(*args, ax=fig.subplots(), **kwargs)
        fig.tight_layout()
        return cls(fig)

    def img(self) -> str:
        """An ``<img>`` tag with the PNG embedded, for HTML that mixes charts and tables."""
        return f'<img alt="chart" src="data:image/png;base64,{base64.b64encode(self._repr_png_()).decode()}">'
