"""Criterion columns: a QA tool's export with one row per evaluation and one column per criterion.

Quality tools (Zendesk QA, MaestroQA, …) export an evaluation per row, each
criterion of the scorecard in a column of its own. The mapping's ``criteria`` key
turns those columns into the long ``evaluations`` table, one row per evaluation
× criterion::

    criteria:
      columns:                  # source column: criterion (a list: each column's name is its criterion)
        Greeting: greeting
        Identity check: id_check
        Empathy (0-5): empathy
      prefix: "Q: "             # or every column whose name starts with it (the criterion is the rest)
      cells: score              # what a cell holds: score (points, the default) or met (pass/fail)
      max_score: {empathy: 5, greeting: 1, id_check: 1}   # or one number for every criterion

The other columns of a row (evaluation id, date, agent, evaluator…) are mapped
under ``columns`` as usual and repeated on each of its criteria; ``criterion``,
the cell (``score`` or ``met``) and ``max_score`` are mapped by this key. An empty
cell, or one of the mapping's ``missing`` markers (``N/A``), means the criterion did
not apply and gives no row; labels in cells translate under ``values`` (``score:
{Yes: 1, No: 0}``). Errors name the file's row, as for any mapped table.

Examples
--------
>>> c = Criteria.model_validate({"columns": ["Greeting", "Identity check"], "max_score": 1})
>>> c.columns, contract_columns(c)["criterion"]
({'Greeting': 'greeting', 'Identity check': 'identity_check'}, ['criterion (column name)'])
>>> found_columns(Criteria(prefix=["Q: "]), ["id", "Q: Greeting", "Q: Tone of voice"])
{'Q: Greeting': 'greeting', 'Q: Tone of voice': 'tone_of_voice'}
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from cslib.data import sql

#: the input columns the criterion columns become (a file's own names never look like these)
CRITERION = "criterion (column name)"
CELL = "criterion (cell)"
MAX_SCORE = "criterion (max_score)"
_CELL = "__criterion_cell"


def criterion_name(column: str) -> str:
    """A column's name as a criterion: lower case, words joined by ``_``.

    >>> criterion_name(" Empathy (0-5) ")
    'empathy_0_5'
    """
    return re.sub(r"[^0-9a-z]+", "_", column.strip().lower()).strip("_")


class Criteria(BaseModel):
    """The ``criteria`` key of a mapping: the columns that each hold one criterion."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    columns: dict[str, str] = {}
    prefix: list[str] = []
    cells: Literal["score", "met"] = "score"
    max_score: float | dict[str, float] | None = None

    @field_validator(
        "columns", mode="before", json_schema_input_type=list[str] | dict[str, str] | str
    )
    @classmethod
    def _columns(cls, v: Any) -> Any:
        if isinstance(v, str):
            v = [v]
        if isinstance(v, list):
            return {str(c): criterion_name(str(c)) for c in v}
        return {str(k): str(x).strip() for k, x in (v or {}).items()}

    @field_validator("prefix", mode="before", json_schema_input_type=list[str] | str)
    @classmethod
    def _prefix(cls, v: Any) -> Any:
        return [v] if isinstance(v, str) else v

    @field_validator("max_score")
    @classmethod
    def _positive(cls, v: Any) -> Any:
        values = v.values() if isinstance(v, dict) else [] if v is None else [v]
        if any(not x > 0 for x in values):
            raise ValueError("max_score must be positive: the most points a criterion can get")
        return v

    @model_validator(mode="after")
    def _something(self) -> Criteria:
        if not self.columns and not self.prefix:
            raise ValueError(
                "name the criterion columns (columns: {Greeting: greeting, …}) or their prefix (prefix: 'Q: ')"
            )
        if self.max_score is not None and self.cells == "met":
            raise ValueError("max_score goes with cells: score, not with pass/fail cells")
        return self


def contract_columns(c: Criteria) -> dict[str, list[str]]:
    """The contract columns the criterion columns fill, and the input column each is read from."""
    out = {"criterion": [CRITERION], c.cells: [CELL]}
    if c.max_score is not None:
        out["max_score"] = [MAX_SCORE]
    return out


def found_columns(c: Criteria, header: list[str]) -> dict[str, str]:
    """The file's criterion columns (in the file's order) and each one's criterion."""
    named = {h: c.columns[h] for h in header if h in c.columns}
    for h in header:
        for p in c.prefix:
            if h not in named and h.startswith(p) and h != p:
                named[h] = criterion_name(h[len(p) :])
    return named


def missing_columns(c: Criteria, header: list[str]) -> list[str]:
    """The criterion columns the mapping names and the file does not have."""
    return [col for col in c.columns if col not in header]


def unpivot(c: Criteria, body: str, header: list[str], markers: list[str]) -> str:
    """SQL: ``body`` with one row per row × criterion column holding a value.

    Each row keeps its columns (``_row`` too, so problems name the file's row) and
    gains :data:`CRITERION`, :data:`CELL` and :data:`MAX_SCORE`; a cell that is
    empty or one of ``markers`` gives no row.
    """
    found = found_columns(c, header)
    if not found:  # nothing to turn into rows: an empty table of the right shape
        found, body = {header[0]: ""}, f"SELECT * FROM ({body}) WHERE FALSE"
    cell, order = sql.ident(_CELL), sql.ident(f"{_CELL}_order")
    skip = f" AND {cell} NOT IN ({', '.join(sql.quote(x) for x in markers)})" if markers else ""
    parts = []
    for i, (col, criterion) in enumerate(found.items()):
        most = c.max_score.get(criterion) if isinstance(c.max_score, dict) else c.max_score
        parts.append(
            f"SELECT s.*, {sql.quote(criterion)} AS {sql.ident(CRITERION)}, "
            f"NULLIF(TRIM(CAST(s.{sql.ident(col)} AS VARCHAR)), '') AS {cell}, "
            f"{'NULL' if most is None else repr(float(most))} AS {sql.ident(MAX_SCORE)}, "
            f"{i} AS {order} FROM ({body}) s"
        )
    rows = " UNION ALL ".join(parts)
    return (
        f"SELECT * EXCLUDE ({cell}, {order}), {cell} AS {sql.ident(CELL)} FROM ({rows}) "
        f'WHERE {cell} IS NOT NULL{skip} ORDER BY "_row", {order}'
    )
