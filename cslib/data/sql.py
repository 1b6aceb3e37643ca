"""Quoting for the SQL the library writes for DuckDB.

Examples
--------
>>> quote("O'Brien")
"'O''Brien'"
>>> print(ident("first reply"))
"first reply"
"""

from __future__ import annotations


def quote(text: object) -> str:
    """A SQL string literal of ``text``."""
    return "'" + str(text).replace("'", "''") + "'"


def ident(name: str) -> str:
    """A SQL identifier (a column or view name), quoted whatever characters it holds."""
    return '"' + name.replace('"', '""') + '"'
