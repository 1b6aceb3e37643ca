"""Keys that must not repeat (a ticket's id, a survey's respondent × item) and ids holding
characters that do not show: the checks of a table's identifiers, in DuckDB.

:func:`cslib.data.contract.contract_problems` counts each key's distinct values in its one pass
over the table (:func:`keys` gives the SQL); only a key found repeated is looked at again
(:func:`duplicate_keys`), for the rows and values to name.
"""

from __future__ import annotations

from cslib.data.raw_sql import INVISIBLE, id_text, raw_types, text, varchar
from cslib.data.schema import TableSchema
from cslib.errors import Problem


def invisible_ids(con, raw: str, schema: TableSchema) -> dict[str, int]:
    """Id column → how many of its values held :data:`INVISIBLE` characters (columns with none left out)."""
    types = raw_types(con, raw)
    ids = [c.name for c in schema.columns if c.kind == "id" and c.name in types]
    if not ids:
        return {}
    counts = con.execute(
        "SELECT "
        + ", ".join(
            f"count(*) FILTER (WHERE regexp_matches({varchar(c, types[c])}, '{INVISIBLE}'))"
            for c in ids
        )
        + f' FROM "{raw}"'
    ).fetchone()
    return {c: int(n) for c, n in zip(ids, counts, strict=True) if n}


def keys(
    schema: TableSchema, types: dict[str, str]
) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    """Each key that must not repeat (a unique column, the table's key): its columns and the SQL
    of their values compared as text (ids without what does not show)."""
    found: list[tuple[str, ...]] = [
        (c.name,) for c in schema.columns if c.unique and c.name in types
    ]
    if schema.key and len(schema.key) > 1 and all(k in types for k in schema.key):
        found.append(schema.key)
    return [
        (key, tuple((id_text if schema[k].kind == "id" else text)(k, types[k]) for k in key))
        for key in found
    ]


def duplicate_keys(con, raw: str, keys: list, name: str) -> list[Problem]:
    """A problem per key of ``keys`` (:func:`keys`, found repeated), naming rows and values."""
    problems = []
    for key, texts in keys:
        cols = ", ".join(texts)
        sql = (
            f'SELECT {cols}, count(*) AS n, list(_row ORDER BY _row)[1:5] AS rows FROM "{raw}" '
            f"GROUP BY ALL HAVING count(*) > 1 ORDER BY min(_row)"
        )
        dupes = con.execute(f"SELECT *, sum(n) OVER () AS total FROM ({sql}) LIMIT 5").fetchall()
        if dupes:
            rows = tuple(r for d in dupes for r in d[len(key) + 1])[:5]
            values = tuple(d[0] if len(key) == 1 else tuple(d[: len(key)]) for d in dupes)
            problems.append(
                Problem(
                    f"duplicate {' × '.join(key)}",
                    file=name,
                    column=", ".join(key),
                    rows=rows,
                    n_rows=int(dupes[0][-1]),
                    values=values,
                    fix=f"each {' × '.join(key)} must appear once: remove repeated rows or give them distinct ids",
                )
            )
    return problems
