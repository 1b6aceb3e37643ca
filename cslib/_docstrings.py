"""Parameter descriptions shared by several functions, written once.

As in seaborn's ``_docstrings``: a :class:`DocstringComponents` holds named
numpy-docstring entries, and its :meth:`~DocstringComponents.fill` decorator
puts them into a function's docstring wherever a line holds just ``{name}``,
indented like that line. Further lines, indented as a description, add to the
entry (the columns one function needs, say). Other braces in the docstring are
left alone, so dict literals and doctests need no escaping.

:data:`TICKET_SCAN` describes the parameters of every function that scans
tickets in DuckDB: ``tickets``, ``start``/``end``, ``filters``, ``options``
and ``validate``.

Examples
--------
>>> @TICKET_SCAN.fill
... def volume(tickets, *, validate=True):
...     '''Tickets counted.
...
...     Parameters
...     ----------
...     {tickets}
...         Needs ``ticket_id``.
...     {validate}
...     '''
>>> import inspect
>>> print(inspect.getdoc(volume))  # doctest: +NORMALIZE_WHITESPACE
Tickets counted.
<BLANKLINE>
Parameters
----------
tickets : pandas.DataFrame or path
    Tickets in the data contract (see :mod:`cslib.data.schema`): a DataFrame
    (not modified) or a CSV / Parquet file that DuckDB scans in place.
    Needs ``ticket_id``.
validate : bool
    Check the tickets against the data contract first (recommended).
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable, Iterator, Mapping
from typing import TypeVar

__all__ = ["TICKET_SCAN", "DocstringComponents"]

F = TypeVar("F", bound=Callable)

#: a line of a docstring that holds only a placeholder, e.g. ``    {tickets}``
_PLACEHOLDER = re.compile(r"^([ \t]*)\{([A-Za-z_]\w*)\}[ \t]*$", re.MULTILINE)


class DocstringComponents(Mapping[str, str]):
    """Named entries of a numpy docstring, each written once for several functions.

    Parameters
    ----------
    entries : mapping of str to str
        Entry name → its text: the ``name : type`` line, then the description
        indented (the common indentation of the text is removed).

    Examples
    --------
    >>> docs = DocstringComponents({"alpha": '''
    ...     alpha : float
    ...         1 − confidence level.
    ...     '''})
    >>> print(docs["alpha"])
    alpha : float
        1 − confidence level.
    >>> sorted(docs | {"seed": "seed : int"})
    ['alpha', 'seed']
    """

    def __init__(self, entries: Mapping[str, str]) -> None:
        self._entries = {name: textwrap.dedent(text).strip("\n") for name, text in entries.items()}

    def __getitem__(self, name: str) -> str:
        return self._entries[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __or__(self, other: Mapping[str, str]) -> DocstringComponents:
        """These entries and ``other``'s (``other`` wins on a shared name)."""
        return DocstringComponents({**self._entries, **other})

    def __repr__(self) -> str:
        return f"DocstringComponents({', '.join(self._entries)})"

    def render(self, doc: str) -> str:
        """``doc`` with each placeholder line replaced by its entry, indented like the line.

        A placeholder of a name these components lack is a :class:`KeyError`,
        so a misspelt name cannot slip into the documentation.
        """

        def entry(match: re.Match) -> str:
            indent, name = match.groups()
            if name not in self._entries:
                raise KeyError(f"no docstring entry named {name!r}")
            return textwrap.indent(self._entries[name], indent)

        return _PLACEHOLDER.sub(entry, doc)

    def fill(self, func: F) -> F:
        """Decorator: render ``func``'s docstring (left as is when docstrings are stripped)."""
        if func.__doc__:
            func.__doc__ = self.render(func.__doc__)
        return func


#: the parameters of a scan of the tickets in DuckDB
TICKET_SCAN = DocstringComponents(
    {
        "tickets": """
            tickets : pandas.DataFrame or path
                Tickets in the data contract (see :mod:`cslib.data.schema`): a DataFrame
                (not modified) or a CSV / Parquet file that DuckDB scans in place.
            """,
        "start_end": """
            start, end : date-like, optional
                Only tickets created in this window (``end`` is a whole day: inclusive).
            """,
        "filters": """
            filters : mapping, optional
                Keep only tickets whose column has one of the given values, e.g.
                ``{"team": ["Billing"], "channel": "email"}``.
            """,
        "options": """
            options : cslib.data.tables.ReadOptions, optional
                How to read a tickets file (time zone, column mapping, encoding…), as
                the cycle file's ``data`` section gives them (``Cycle.read_options``).
            """,
        "validate": """
            validate : bool
                Check the tickets against the data contract first (recommended).
            """,
    }
)
