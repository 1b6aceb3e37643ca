"""The raw columns of a table as SQL text: their DuckDB types, their values as trimmed text and
ids without the characters that do not show, and timestamps written with a zone.

Shared by the data contract (:mod:`cslib.data.contract`), the key checks (:mod:`cslib.data.keys`)
and the adapters of known exports.

Examples
--------
>>> print(text("channel", "VARCHAR"))
NULLIF(TRIM("channel"), '')
"""

from __future__ import annotations

from cslib.data.sql import ident, quote

#: how a timestamp with a zone ends: Z, +01, +0100 or +01:00
AWARE = r"(Z|[+-]\d{2}(:?\d{2})?)$"
#: a zoned time without seconds (``00:30+01:00``, ``T00:30Z``), which DuckDB before 1.3 does not cast
NO_SECONDS = r"([T ]\d{1,2}:\d{2})(Z|[+-]\d{2}(:?\d{2})?)$"
#: characters that do not show (NUL, soft hyphen, zero-width space and joiners, word
#: joiner, byte-order mark), removed from ids before they are compared
INVISIBLE = r"[\x{0}\x{AD}\x{200B}-\x{200D}\x{2060}\x{FEFF}]"


def raw_types(con, view: str) -> dict[str, str]:
    """Column name → DuckDB type name (upper case) of a view."""
    rel = con.table(view)
    return {c: str(t).upper() for c, t in zip(rel.columns, rel.types, strict=True)}


def varchar(col: str, raw_type: str) -> str:
    """The column's values as text (a text column as it is)."""
    return ident(col) if raw_type == "VARCHAR" else f"CAST({ident(col)} AS VARCHAR)"


def text(col: str, raw_type: str) -> str:
    """The column's values as text without surrounding spaces (NULL where empty)."""
    return f"NULLIF(TRIM({varchar(col, raw_type)}), '')"


def id_text(col: str, raw_type: str) -> str:
    """An id as text, without the :data:`INVISIBLE` characters (an id of plain ASCII without
    NUL, as nearly all are, skips the regular expression: as many characters as bytes)."""
    value = varchar(col, raw_type)
    plain = f"strlen({value}) = length({value}) AND NOT contains({value}, chr(0))"
    clean = (
        f"CASE WHEN {plain} THEN {value} ELSE regexp_replace({value}, '{INVISIBLE}', '', 'g') END"
    )
    return f"NULLIF(TRIM({clean}), '')"


def aware(text: str) -> str:
    """SQL true when the text expression ``text`` is a timestamp with a zone (…Z, …+01:00)."""
    return f"({text} LIKE '%:%' AND regexp_matches({text}, '{AWARE}'))"


def zoned(text: str, timezone: str) -> str:
    """SQL for the zone-aware timestamp text ``text`` as local time in ``timezone`` (NULL where
    it cannot be read); a time without seconds gets them, so every DuckDB reads it.

    >>> import duckdb
    >>> duckdb.connect().execute(f"SELECT {zoned(quote('2026-03-29 00:30+01:00'), 'UTC')}").fetchone()[0]
    datetime.datetime(2026, 3, 28, 23, 30)
    """
    text = f"regexp_replace({text}, '{NO_SECONDS}', '\\1:00\\2')"
    return f"timezone({quote(timezone)}, TRY_CAST({text} AS TIMESTAMPTZ))"
