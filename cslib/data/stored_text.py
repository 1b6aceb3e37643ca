"""Text columns a Parquet file stores already clean, which the typed view can take as they are.

Cleaning text (trimming spaces, empty text as missing, categories in lower case with
underscores) costs about a fifth of a KPI query over ten million tickets. Files written by a
system or by cslib itself mostly hold clean text already: their columns of few values are
checked once, over their distinct values, and then read as stored.
"""

from __future__ import annotations

from cslib.data.contract import parse_expr
from cslib.data.files import ReadOptions
from cslib.data.raw_sql import raw_types
from cslib.data.schema import TableSchema
from cslib.data.sql import ident

_TEXT_KINDS = ("category", "text")
#: the rows whose distinct values tell whether a text column is one of few values
HEAD_ROWS = 100_000
#: at most this many distinct values in those rows: a column worth checking for clean text
FEW_VALUES = 1_000


def text_rules(schema: TableSchema, opts: ReadOptions) -> str:
    """What :func:`clean_text` holds the text columns to: the SQL cleaning each text and
    category column stored as text, and which columns it checks."""
    exprs = [parse_expr(c, "VARCHAR", opts) for c in schema.columns if c.kind in _TEXT_KINDS]
    return f"{HEAD_ROWS} {FEW_VALUES}; " + "; ".join(exprs)


def clean_text(con, view: str, schema: TableSchema, opts: ReadOptions) -> frozenset[str]:
    """The text and category columns of few distinct values already as :func:`~cslib.data.contract.parse_expr` makes
    them (no surrounding spaces, no empty text, categories in lower case with underscores):
    the typed view can take them as they are.

    Only columns with at most :data:`FEW_VALUES` distinct values in their first
    :data:`HEAD_ROWS` rows are checked, over their distinct values (free text and ids are left
    to their cleaning).

    Examples
    --------
    >>> import duckdb
    >>> from cslib.data.schema import TICKETS
    >>> con = duckdb.connect()
    >>> _ = con.execute("CREATE VIEW raw AS SELECT * FROM (VALUES ('phone', 'Billing'), "
    ...                 "('Chat ', 'Returns')) v(channel, team)")
    >>> sorted(clean_text(con, "raw", TICKETS, ReadOptions()))
    ['team']
    """
    types = raw_types(con, view)
    texts = [c for c in schema.columns if c.kind in _TEXT_KINDS and types.get(c.name) == "VARCHAR"]
    if not texts:
        return frozenset()
    head = con.execute(
        f"SELECT {', '.join(f'approx_count_distinct({ident(c.name)})' for c in texts)} "
        f'FROM (SELECT * FROM "{view}" LIMIT {HEAD_ROWS})'
    ).fetchone()
    few = [c for c, n in zip(texts, head, strict=True) if n <= FEW_VALUES]
    if not few:
        return frozenset()
    same = con.execute(
        "SELECT "
        + ", ".join(
            f"(SELECT coalesce(bool_and({parse_expr(c, 'VARCHAR', opts)} IS NOT DISTINCT FROM "
            f'{ident(c.name)}), TRUE) FROM (SELECT DISTINCT {ident(c.name)} FROM "{view}"))'
            for c in few
        )
    ).fetchone()
    return frozenset(c.name for c, ok in zip(few, same, strict=True) if ok)
