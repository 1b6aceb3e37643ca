"""Quoting for the SQL the library writes for DuckDB.

Examples
--------
>>> quote("O'Brien")
"'O''Brien'"
>>> print(ident("first reply"))
"first reply"
>>> print(file_literal("exports/tickets[1].csv"))
'exports/tickets[[]1].csv'
"""

from __future__ import annotations

import re


def quote(text: object) -> str:
    """A SQL string literal of ``text``."""
    return "'" + str(text).replace("'", "''") + "'"


def ident(name: str) -> str:
    """A SQL identifier (a column or view name), quoted whatever characters it holds."""
    return '"' + name.replace('"', '""') + '"'


def file_literal(path: object) -> str:
    """A SQL string literal naming exactly one file: DuckDB's glob characters (``* ? [``) escaped."""
    return quote(re.sub(r"([*?\[])", r"[\1]", str(path)))
