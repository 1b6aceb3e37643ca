"""A first look at a raw export: which built-in adapter reads it, or a drafted mapping file.

:func:`sample` reads the header and the first rows (zip, CSV, Excel or Parquet);
:func:`recognise` finds the built-in adapter whose columns the header has; otherwise
:func:`guess_mapping` guesses a source column for each contract column from its name
(and a date format from the values) and :func:`mapping_text` writes the guesses as a
mapping file with each guess commented, for the user to check.

Examples
--------
>>> frame = pd.DataFrame({"Case Number": ["7"], "Opened": ["03/04/2026 14:05"], "State": ["Solved"]})
>>> guess = guess_mapping(frame, "tickets")
>>> guess.columns
{'ticket_id': 'Case Number', 'created_at': 'Opened', 'status': 'State'}
>>> guess.date_format, guess.values["status"]
('%d/%m/%Y %H:%M', {'Solved': 'resolved'})
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

from cslib.data.adapters.catalog import BUILTIN
from cslib.data.files import unzipped
from cslib.data.schema import SCHEMAS
from cslib.errors import DataError, Problem

#: rows read to guess date formats and labels
SAMPLE_ROWS = 500
#: names a contract column often has in exports (besides its own name), most telling first
SYNONYMS = {
    "ticket_id": [
        "ticket id",
        "case number",
        "request id",
        "request num",
        "incident",
        "number",
        "id",
        "key",
    ],
    "created_at": [
        "created",
        "opened",
        "open date",
        "received",
        "submitted",
        "arrival",
        "entry",
        "start",
        "date",
    ],
    "first_response_at": ["first response", "first reply", "responded", "answered"],
    "resolved_at": ["resolved", "closed", "close date", "solved", "completed", "ended"],
    "sla_due_at": ["due", "due date", "due by", "deadline"],
    "status": ["status", "state", "outcome"],
    "channel": ["channel", "source", "origin", "via", "method", "contact type", "medium"],
    "team": ["team", "group", "queue", "department", "agency", "skill"],
    "agent_id": ["agent", "assignee", "assigned to", "owner", "handler", "operator"],
    "customer_id": ["customer", "requester", "client", "caller", "account", "contact"],
    "category": ["category", "type", "topic", "reason", "issue", "subject"],
    "priority": ["priority", "urgency"],
    "handle_seconds": ["handle time", "handling time", "talk time", "duration"],
    "wait_seconds": ["wait time", "queue time", "waiting time"],
    "csat": ["satisfaction", "csat", "rating"],
    "complaint_id": ["complaint id", "complaint number", "reference", "id"],
    "received_at": ["received", "date received", "created", "opened", "date"],
}
#: source labels that name a contract value, besides the value itself
LABELS = {
    "status": {
        "solved": "resolved",
        "done": "resolved",
        "completed": "resolved",
        "answered": "resolved",
        "in progress": "open",
        "assigned": "open",
        "waiting": "pending",
        "hung up": "abandoned",
        "canceled": "cancelled",
    },
    "channel": {
        "telephone": "phone",
        "call": "phone",
        "voice": "phone",
        "e-mail": "email",
        "mail": "letter",
        "web form": "web",
        "portal": "web",
        "online": "web",
        "text": "sms",
        "walk-in": "walk_in",
    },
}
#: date formats tried on a date column's values when they are not ISO 8601
DATE_FORMATS = [
    "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M", "%d.%m.%Y %H:%M", "%Y/%m/%d %H:%M:%S", "%d/%m/%Y", "%m/%d/%Y", "%d.%m.%Y",
    "%Y/%m/%d",
]  # fmt: skip


def sample(path: str | Path, *, rows: int = SAMPLE_ROWS) -> pd.DataFrame:
    """The header and first ``rows`` rows of an export, as text (a zip holds one table)."""
    path = Path(path)
    if not path.is_file():
        raise DataError(Problem("file not found", file=str(path), fix="give the export's path"))
    if path.suffix.lower() == ".zip":
        path = unzipped(path)
    suffix = path.suffix.lower()
    if suffix in (".parquet", ".pq"):
        import pyarrow.parquet as pq

        return next(pq.ParquetFile(path).iter_batches(batch_size=rows)).to_pandas().astype("string")
    if suffix in (".xlsx", ".xlsm", ".xls"):
        return pd.read_excel(path, nrows=rows, dtype=str)
    for encoding in ("utf-8-sig", "latin-1"):
        try:
            return pd.read_csv(
                path, nrows=rows, dtype=str, sep=None, engine="python", encoding=encoding
            )
        except UnicodeDecodeError:
            continue
    raise AssertionError("latin-1 reads any byte")  # pragma: no cover


def recognise(header: list[str], *, hint: str = "") -> tuple[str, str] | None:
    """The built-in adapter whose columns the header has, and its table; None when none fits.

    An adapter fits when the header has a source of each required column of its table and
    of at least half its columns; the one with the most wins, then one whose name ``hint``
    (the export's path) contains.
    """
    present = {h.strip().lower() for h in header}
    hint = re.sub(r"[^a-z0-9]", "", hint.lower())
    best: tuple[int, bool, str, str] | None = None
    for name, mapping in BUILTIN.items():
        table = mapping.table or "tickets"
        found = {
            c for c, names in mapping.columns.items() if any(n.lower() in present for n in names)
        }
        required = {c.name for c in SCHEMAS[table].required}
        if required <= found and 2 * len(found) >= len(mapping.columns):
            key = (len(found), name in hint, name, table)
            best = max(best, key) if best else key
    return (best[2], best[3]) if best else None


@dataclass
class Guess:
    """A drafted mapping: the source column guessed for each contract column, and why."""

    table: str
    columns: dict[str, str] = field(default_factory=dict)
    why: dict[str, str] = field(default_factory=dict)
    date_format: str | None = None
    values: dict[str, dict[str, str | None]] = field(default_factory=dict)
    unmatched: list[str] = field(default_factory=list)


def _norm(name: str) -> str:
    """A column name as lower-case words: ``CreatedDate``, ``created_date`` → ``created date``."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", " ", name)
    return " ".join(re.sub(r"[^a-z0-9]+", " ", spaced.lower()).split())


def _score(contract: str, source: str) -> tuple[float, str]:
    """How well a source column's name fits a contract column, and why."""
    src = _norm(source)
    names = [_norm(contract), *SYNONYMS.get(contract, [])]
    for rank, name in enumerate(names):
        if src == name:
            return 3 - rank / 100, f"named '{source}'"
    for rank, name in enumerate(names):
        if re.search(rf"\b{re.escape(name)}\b", src):
            return 2 - rank / 100, f"'{source}' contains '{name}'"
    ratio = max(difflib.SequenceMatcher(None, src, n).ratio() for n in names)
    return (ratio, f"'{source}' resembles '{contract}'") if ratio >= 0.8 else (0.0, "")


def _date_format(values: pd.Series) -> str | None:
    """The first of :data:`DATE_FORMATS` that reads every value, or None when they are ISO 8601."""
    values = values.dropna().astype(str).str.strip()
    values = values[values != ""]
    if pd.to_datetime(values, errors="coerce", format="ISO8601").notna().all():
        return None
    for fmt in DATE_FORMATS:
        try:
            for v in values:
                dt.datetime.strptime(v, fmt)
        except ValueError:
            continue
        return fmt
    return None


def guess_mapping(frame: pd.DataFrame, table: str = "tickets") -> Guess:
    """Guess a source column for each contract column of ``table`` from the export's names and values."""
    schema = SCHEMAS[table]
    filled = [str(s) for s in frame.columns if frame[s].notna().any()]
    scored = sorted(
        ((*_score(c, s), c, s) for c in schema.names for s in filled),
        key=lambda t: (-t[0], t[2] not in [r.name for r in schema.required]),
    )
    guess = Guess(table)
    for score, why, contract, source in scored:
        if score and contract not in guess.columns and source not in guess.columns.values():
            guess.columns[contract], guess.why[contract] = source, why
    order = {c: i for i, c in enumerate(schema.names)}
    guess.columns = dict(sorted(guess.columns.items(), key=lambda kv: order[kv[0]]))
    stamps = [c for c in guess.columns if schema[c].kind == "datetime"]
    formats = {_date_format(frame[guess.columns[c]]) for c in stamps}
    guess.date_format = next((f for f in formats if f), None)
    for column in (c for c in guess.columns if schema[c].allowed):
        labels = frame[guess.columns[column]].dropna().astype(str).str.strip()
        labels = labels[labels != ""].unique()
        known = {**{a: a for a in schema[column].allowed}, **LABELS.get(column, {})}
        if len(labels):
            guess.values[column] = {label: known.get(label.lower()) for label in sorted(labels)}
    guess.unmatched = [c for c in schema.names if c not in guess.columns]
    return guess


def mapping_text(guess: Guess, *, source: str) -> str:
    """The guess as a mapping file, each line commented with the reason for its guess."""
    lines = [
        f"# Mapping drafted by `cslib new` from {source}: every line is a guess — check each one.",
        "# Format: the mapping file section of the README (cslib/data/adapters/model.py).",
        f"table: {guess.table}",
        "columns:",
    ]
    for contract, src in guess.columns.items():
        lines.append(f"  {contract}: {_scalar(src)}  # guessed: {guess.why[contract]}")
    lines += [f"  # {c}: <source column>" for c in guess.unmatched]
    if guess.date_format:
        lines += [
            "dates:",
            f"  format: {_scalar(guess.date_format)}  # guessed from the first rows",
        ]
    if guess.values:
        lines.append("values:  # labels of the first rows; ~ = no contract value, left empty")
        for column, labels in guess.values.items():
            lines += [f"  {column}:", "    map:"]
            lines += [f"      {_scalar(k)}: {_scalar(v)}" for k, v in labels.items()]
            lines.append(
                f"    default: ~  # labels not listed: check the {column} values of the whole export"
            )
    return "\n".join(lines) + "\n"


def _scalar(value: object) -> str:
    """A value as one line of YAML."""
    return (
        yaml.safe_dump(value, default_flow_style=True, width=10_000).removesuffix("\n...\n").strip()
    )


__all__ = ["Guess", "guess_mapping", "mapping_text", "recognise", "sample"]
