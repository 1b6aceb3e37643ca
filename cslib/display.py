"""Display objects for the notebooks: escaped HTML, tables and charts.

Every string that may come from data or the cycle file is HTML-escaped here,
so a comment containing ``<script>`` shows as text in notebooks and reports, and
every chart is drawn with its text as written, so a label such as ``price $_$``
shows its dollar signs instead of being read as a formula (matplotlib's mathtext).

Examples
--------
>>> Html.card("Cycle", {"title": "<b>Faster</b>"})._repr_html_()[:60]
'<div class="cslib-card"><h4>Cycle</h4><table><tr><th>title</'
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import math
import numbers
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from cslib._lazy import lazy
from cslib._png import LITERAL, png

if TYPE_CHECKING:
    import matplotlib
    from matplotlib.figure import Figure
else:
    matplotlib = lazy("matplotlib")

#: what a reader should never meet in a report's text, by name: the pattern that finds it
INTERNALS = {
    "None": r"\bNone\b",
    "NaN": r"\bNaN\b",
    "<NA>": r"<NA>",
    "True/False": r"\b(?:True|False)\b",
    # not the end of an id such as a run's 20261204-141316-0e66
    "scientific notation": r"(?<!\w-)\b\d+(?:\.\d+)?e[+-]?\d+\b",
}


def esc(value: object) -> str:
    """HTML-escaped text of any value (missing values as a dash)."""
    return MISSING if missing(value) else html.escape(str(value), quote=True)


@dataclass(frozen=True)
class Html:
    """A piece of HTML built from escaped parts; displays itself in notebooks."""

    markup: str

    def _repr_html_(self) -> str:
        return self.markup

    def __str__(self) -> str:
        return self.markup

    @classmethod
    def text(cls, *paragraphs: str | None, level: str = "p") -> Html:
        """Paragraphs of escaped text (empty or missing ones left out)."""
        return cls("".join(f"<{level}>{esc(plain(p))}</{level}>" for p in paragraphs if p))

    @classmethod
    def bullets(cls, items: Iterable[str], *, title: str | None = None) -> Html:
        head = f"<h4>{esc(title)}</h4>" if title else ""
        return cls(head + "<ul>" + "".join(f"<li>{esc(plain(i))}</li>" for i in items) + "</ul>")

    @classmethod
    def card(cls, title: str, fields: Mapping[str, object]) -> Html:
        """A titled two-column table of fields."""
        rows = "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in fields.items())
        return cls(f'<div class="cslib-card"><h4>{esc(title)}</h4><table>{rows}</table></div>')

    @classmethod
    def appendix(
        cls, summary: str, frames: Mapping[str, pd.DataFrame], columns: Columns | None = None
    ) -> Html:
        """Full tables in a closed ``<details>`` block, each under its title (empty frames left out)."""
        parts = [
            (f"<h5>{esc(title)}</h5>" if title else "") + table_html(frame, columns=columns)
            for title, frame in frames.items()
            if frame is not None and len(frame)
        ]
        return cls(details(summary, "".join(parts)) if parts else "")

    @classmethod
    def folded(cls, summary: str, *parts: object) -> Html:
        """Displayable parts (as :meth:`join` takes them) in a closed ``<details>`` block."""
        return cls(details(summary, cls.join(*parts).markup))

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


#: how a column is shown: ``{column: (label, unit)}``; the unit picks the format (see :func:`fmt`)
Columns = Mapping[str, tuple[str, str]]

#: labels of the statistical columns every analysis shares
COMMON_COLUMNS: dict[str, tuple[str, str]] = {
    "p_value": ("p-value", "p"),
    "p_adjusted": ("adjusted p-value", "p"),
    "adjust_method": ("adjustment", ""),
    "ci_low": ("95 % interval from", ""),
    "ci_high": ("95 % interval to", ""),
    "n_before": ("cases before", "count"),
    "n_after": ("cases after", "count"),
    "n": ("cases", "count"),
    "diff": ("difference", ""),
    "significant": ("significant", ""),
    "estimate": ("estimate", ""),
}
#: units shown in a column's header rather than in each cell
HEADER_UNITS = {"hours", "seconds", "minutes", "days", "points", "points (1–7)", "per 1,000"}
#: decimals of each unit at display precision (shares in percentage points)
DECIMALS = {"share": 1, "change": 0, "hours": 1, "minutes": 1, "seconds": 0, "days": 1}
DECIMALS |= {"points": 1, "points (1–7)": 2, "per 1,000": 1, "count": 0, "tickets": 0, "months": 1}
#: points of a rating scale, named in the table's caption (e.g. SERVQUAL gaps)
DECIMALS |= {"scale points": 2}
#: CSS pixels per inch a chart is shown at (it is drawn at ``Chart.dpi``, sharper than shown)
SHOWN_DPI = 64
#: columns in a table's body; the others are in its appendix
BODY_COLUMNS = 8
MISSING = "—"


def missing(value: object) -> bool:
    """True for None, NaN, NaT and pandas' NA (never for strings or containers)."""
    if value is None:
        return True
    if isinstance(value, str | list | tuple | dict | set):
        return False
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def number(value: float, digits: int = 3) -> str:
    """A number in fixed notation with about ``digits`` significant figures and thousands separators.

    >>> [number(v) for v in (17240.4, 0.000312, 12.345, 3.0, -0.5)]
    ['17,240', '0.0003', '12.3', '3', '-0.500']
    """
    value = float(value)
    if value == 0 or value.is_integer() or abs(value) >= 10 ** (digits - 1):
        return f"{value:,.0f}"
    magnitude = math.floor(math.log10(abs(value)))
    return f"{value:,.{min(4, digits - 1 - magnitude)}f}"


def fmt(value: object, unit: str = "", *, digits: int = 3) -> str:
    """One value as people read it: ``unit`` is a KPI unit, a currency code, ``"p"`` or ``"change"``.

    >>> [fmt(v, u) for v, u in ((0.7274, "share"), (1.2e-9, "p"), (0.0123, "p"), (17240.2, "GBP"))]
    ['72.7 %', '< 0.001', '0.012', '17,240 GBP']
    >>> [fmt(v) for v in (None, True, float("nan"), pd.Timestamp("2026-07-01"))]
    ['—', 'yes', '—', '01 Jul 2026']
    >>> fmt(-0.213, "change"), fmt(10.8333, "hours")
    ('-21 %', '10.8')
    """
    if missing(value):
        return MISSING
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, dt.datetime | dt.date | np.datetime64):
        stamp = pd.Timestamp(value)
        return stamp.strftime("%d %b %Y" if stamp == stamp.normalize() else "%d %b %Y %H:%M")
    if not isinstance(value, numbers.Real | Decimal):  # Decimal: a database NUMERIC
        return str(value)
    value = float(value)
    if unit == "p":
        return "< 0.001" if value < 0.001 else f"{value:.3f}"
    if unit in ("share", "change"):
        sign = "+" if unit == "change" else ""
        return f"{_unsigned_zero(value * 100, DECIMALS[unit]):{sign},.{DECIMALS[unit]}f} %"
    if unit in DECIMALS:
        return f"{_unsigned_zero(value, DECIMALS[unit]):,.{DECIMALS[unit]}f}"
    if len(unit) == 3 and unit.isupper():  # a currency code
        return f"{value:,.0f} {unit}"
    return number(value, digits)


#: short forms of units written after a number
SHORT_UNITS = {"hours": "h", "seconds": "s", "minutes": "min", "days": "days", "tickets": "tickets"}


def with_unit(value, unit: str) -> str:
    """A KPI value at display precision with its unit, as in sentences and mixed tables.

    >>> with_unit(10.84, "hours"), with_unit(0.7512, "share"), with_unit(41.3, "points")
    ('10.8 h', '75.1 %', '41.3 points')
    """
    text = fmt(value, unit)
    short = SHORT_UNITS.get(unit, unit if unit not in ("share", "") and len(unit) != 3 else "")
    return f"{text} {short}" if short and text != "—" else text


def difference(value, unit: str) -> str:
    """A signed difference between two values of one KPI, in its unit: shares in percentage points.

    >>> difference(0.0874, "share"), difference(-0.52, "hours"), difference(-55.2, "seconds")
    ('+8.7 points', '-0.5 h', '-55 s')
    >>> difference(1200, "GBP"), difference(0.0001, "share"), difference(None, "share")
    ('+1,200 GBP', '0.0 points', '—')
    """
    if missing(value):
        return MISSING
    value = float(value)
    if unit == "share":
        points = _unsigned_zero(100 * value, 1)
        return f"{points:+.1f} points" if points else "0.0 points"
    zero = not any(c in "123456789" for c in fmt(abs(value), unit))  # it rounds to nothing
    return ("" if zero else "+" if value > 0 else "-") + with_unit(abs(value), unit)


#: a number and the unit after it: kept on one line (a no-break space between them)
_NUMBER_UNIT = re.compile(
    r"(?<=\d) (?=(?:%|(?:h|s|min|GBP|EUR|USD|points?|months?|weeks?|days?|hours?|tickets)\b))"
)
#: the text between two tags of a page (never a tag's attributes)
_TEXT = re.compile(r">[^<]+<")


def units_kept(page: str) -> str:
    """The HTML ``page`` with a no-break space between each number and its unit, so a line never
    breaks inside "-30 %" or "14.5 h" (text only: tags and their attributes are left alone).

    >>> units_kept('<p title="5 %">from 14.5 h to 11.0 h: -30 % in 3 weeks, 2 agents</p>')
    '<p title="5 %">from 14.5\xa0h to 11.0\xa0h: -30\xa0% in 3\xa0weeks, 2 agents</p>'
    """
    return _TEXT.sub(lambda m: _NUMBER_UNIT.sub("\xa0", m.group(0)), page)


def counted(n: int, word: str, plural: str | None = None) -> str:
    """A count with its noun in the right number, as a sentence writes it.

    >>> counted(1, "run"), counted(3, "warning"), counted(2, "piece of evidence", "pieces of evidence")
    ('1 run', '3 warnings', '2 pieces of evidence')
    """
    return f"{n:,} {word if n == 1 else plural or word + 's'}"


def _unsigned_zero(value: float, decimals: int) -> float:
    """The value, or 0.0 when it rounds to zero (never "-0.0")."""
    return 0.0 if round(value, decimals) == 0 else value


def rounded(value: float, unit: str = "") -> float:
    """A number rounded as :func:`fmt` shows it (shares to a tenth of a percentage point).

    >>> rounded(10.24667361111111, "hours"), rounded(0.78912, "share"), rounded(1234.5678)
    (10.2, 0.789, 1235.0)
    """
    if unit in ("share", "change"):
        return round(float(value), DECIMALS[unit] + 2)
    if unit in DECIMALS:
        return round(float(value), DECIMALS[unit])
    if len(unit) == 3 and unit.isupper():
        return float(round(value))
    return float(number(value).replace(",", ""))


#: a p-value written in a sentence, and any number in scientific notation
P_IN_TEXT = re.compile(r"\bp = (\d+(?:\.\d+)?(?:e[+-]?\d+)?)")
SCIENTIFIC = re.compile(r"\b\d+(?:\.\d+)?e[+-]?\d+\b")


def plain(text: str) -> str:
    """A sentence with its p-values as :func:`fmt` writes them and no scientific notation.

    >>> plain("differs (adjusted p = 1.7e-55); weaker (p = 0.01234); 2.5e+04 tickets")
    'differs (adjusted p < 0.001); weaker (p = 0.012); 25,000 tickets'
    """
    text = P_IN_TEXT.sub(
        lambda m: "p " + (p if (p := fmt(float(m[1]), "p")).startswith("<") else "= " + p), text
    )
    return SCIENTIFIC.sub(lambda m: number(float(m[0])), text)


def header(column: str, columns: Columns | None = None) -> str:
    """A column's label with its unit when the cells do not show it (snake_case never shown).

    >>> header("resolution_hours", {"resolution_hours": ("Resolution time", "hours")})
    'Resolution time (hours)'
    >>> header("p_adjusted"), header("calls_peak")
    ('adjusted p-value', 'calls peak')
    """
    label, unit = (columns or {}).get(column) or COMMON_COLUMNS.get(column, (str(column), ""))
    label = label.replace("_", " ")
    return f"{label} ({unit})" if unit in HEADER_UNITS else label


def unit_of(column: str, columns: Columns | None = None) -> str:
    """The unit a column is formatted in: given, shared by every analysis, or a share by its name.

    >>> unit_of("p_value"), unit_of("volume_share"), unit_of("calls")
    ('p', 'share', '')
    """
    given = (columns or {}).get(column) or COMMON_COLUMNS.get(column)
    if given:
        return given[1]
    return "share" if "share" in str(column).split("_") else ""


def formatted(
    frame: pd.DataFrame, columns: Columns | None = None, *, digits: int = 3
) -> pd.DataFrame:
    """The frame as display strings: each column formatted by its unit, headers as labels."""
    out = {}
    for col in frame.columns:
        unit = unit_of(col, columns)
        out[header(col, columns)] = [fmt(v, unit, digits=digits) for v in frame[col]]
    return pd.DataFrame(out, index=frame.index, columns=list(out) or None)


def table_html(frame: pd.DataFrame, *, digits: int = 3, columns: Columns | None = None) -> str:
    """An escaped HTML table of :func:`formatted` values (display only; ``digits`` for plain numbers)."""
    shown = formatted(frame, columns, digits=digits)
    return shown.to_html(index=False, escape=True, na_rep=MISSING, border=0, classes="cslib-table")


def details(summary: str, markup: str) -> str:
    """A closed ``<details>`` block (opens without scripts) around ready markup, for the appendix."""
    return f'<details class="cslib-appendix"><summary>{esc(summary)}</summary><div class="cslib-wide">{markup}</div></details>'


def badge(symbol: str, colour: str, title: str) -> str:
    """A small round inline SVG icon with a symbol, its meaning as its title (no scripts).

    >>> badge("P", "#005eb8", "meets").startswith('<svg class="badge"')
    True
    """
    return (
        f'<svg class="badge" width="22" height="22" viewBox="0 0 22 22" role="img" aria-label="{esc(title)}">'
        f"<title>{esc(title)}</title>"
        f'<circle cx="11" cy="11" r="10" fill="{esc(colour)}"/>'
        f'<text x="11" y="15.5" font-size="13" font-weight="bold" text-anchor="middle" fill="#fff">{esc(symbol)}</text></svg>'
    )


@dataclass(frozen=True)
class Table:
    """A DataFrame shown readably; ``.data`` keeps the unrounded values.

    ``columns`` gives labels and units (see :func:`fmt`); ``body`` the columns of
    the visible table (default: the first ``BODY_COLUMNS``). When some columns are
    left out, the whole table follows in a closed ``<details>`` appendix. With
    ``folded`` (a summary line) the whole table is shown only on demand.

    >>> t = Table(pd.DataFrame({"fcr": [0.7512], "ok": [True]}), columns={"fcr": ("FCR", "share")})
    >>> "75.1 %" in t._repr_html_() and "<td>yes</td>" in t._repr_html_()
    True
    """

    data: pd.DataFrame
    caption: str | None = None
    digits: int = 3
    columns: Columns | None = None
    body: Sequence[str] | None = None
    folded: str | None = None

    def _repr_html_(self) -> str:
        cap = f"<p class='cslib-caption'>{esc(self.caption)}</p>" if self.caption else ""
        shown = list(self.body or self.data.columns[:BODY_COLUMNS])
        out = cap + table_html(self.data[shown], digits=self.digits, columns=self.columns)
        if len(shown) < len(self.data.columns):
            out += details(
                "All columns of this table",
                table_html(self.data, digits=self.digits, columns=self.columns),
            )
        return details(self.folded, out) if self.folded else out


@dataclass(frozen=True)
class Chart:
    """A matplotlib Figure shown as an embedded PNG (no pyplot state, no double display)."""

    figure: Figure
    dpi: int = 110

    def _repr_png_(self) -> bytes:
        return png(self.figure, dpi=self.dpi)

    def _repr_mimebundle_(self, include=None, exclude=None) -> tuple[dict, dict]:
        """The PNG with the width to show it at, so reports keep charts at reading size."""
        return {"image/png": self._repr_png_()}, {"image/png": {"width": self.width}}

    @property
    def width(self) -> int:
        """The width to show the chart at, in CSS pixels (``SHOWN_DPI`` per inch of the figure)."""
        return round(self.figure.get_figwidth() * SHOWN_DPI)

    @classmethod
    def of(cls, draw, *args, size: tuple[float, float] = (8, 4.2), **kwargs) -> Chart:
        """A chart from a plot function that draws into ``ax=`` (Axes in, Axes out)."""
        from matplotlib.figure import Figure

        with matplotlib.rc_context(LITERAL):
            fig = Figure(figsize=size)
            draw(*args, ax=fig.subplots(), **kwargs)
            fig.tight_layout()
        return cls(fig)

    def img(self) -> str:
        """An ``<img>`` tag with the PNG embedded, for HTML that mixes charts and tables."""
        png = base64.b64encode(self._repr_png_()).decode()
        return f'<img alt="chart" width="{self.width}" src="data:image/png;base64,{png}">'
