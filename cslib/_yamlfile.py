"""Reading the user's YAML files (cycle and review files) with errors that name file, line and key.

Aliases (``*name`` repeating an ``&name`` anchor) are allowed as long as the file,
with every alias written out, stays below :data:`MAX_NODES` values: a file of
nested aliases (a "billion laughs") is refused before it is expanded. Values
quoted in messages are cut to :data:`SHOWN_CHARS` characters.

Examples
--------
>>> check_zone("Europe/London")
'Europe/London'
>>> check_zone("Mars/Olympus")
Traceback (most recent call last):
...
ValueError: unknown time zone 'Mars/Olympus'; use an IANA name such as Europe/London or UTC
"""

from __future__ import annotations

import functools
import reprlib
from pathlib import Path

import yaml
from pydantic import ValidationError

from cslib.errors import ConfigError, Problem

#: libyaml's safe loader and dumper where PyYAML has it (several times faster), for YAML
#: that cslib writes itself or has already read with :func:`read_yaml`
FastLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
FastDumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
#: the most values a user's YAML file may hold once its aliases are written out
MAX_NODES = 100_000
#: the longest piece of a user's input quoted in a message
SHOWN_CHARS = 200


def shorten(value: object, limit: int = SHOWN_CHARS) -> str:
    """``repr(value)`` of at most ``limit`` characters, never built in full from a large value.

    >>> shorten("x" * 1000, 12)
    "'xxx...xxxx'"
    >>> len(shorten([[[[1] * 9] * 9] * 9] * 9))
    200
    """
    short = reprlib.Repr()
    short.maxstring = short.maxother = limit
    short.maxlevel = 3
    text = short.repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def check_zone(name: str | None) -> str | None:
    """An IANA time-zone name, or a ValueError a pydantic validator reports with its key path.

    Only names of the IANA list count: the files Python also reads (``right/UTC``,
    ``posixrules``, ``localtime``) are not time zones DuckDB knows.
    """
    if name is not None and name not in _zones():
        raise ValueError(
            f"unknown time zone {shorten(name)}; use an IANA name such as Europe/London or UTC"
        )
    return name


@functools.cache
def _zones() -> frozenset[str]:
    from zoneinfo import available_timezones

    return frozenset(available_timezones()) - {"localtime"}


def _key_path(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def problems_of(
    err: ValidationError,
    source: str,
    *,
    what: str = "cycle file",
    readme: str = "the cycle file section",
    extra=None,
) -> list[Problem]:
    """A pydantic error as :class:`Problem` s naming each key path and its fix.

    ``extra(kind, key, error)`` may return ``(what, fix)`` for error kinds of its own file.
    """
    problems = []
    for e in err.errors():
        loc = tuple(p for p in e["loc"] if p not in ("function-after", "function-before"))
        key = _key_path(loc)[:SHOWN_CHARS]
        kind = e["type"]
        special = extra(kind, key, e) if extra else None
        if special:
            found, fix = special
        elif kind == "extra_forbidden":
            found, fix = (
                f"unknown key {shorten(str(loc[-1]))}",
                f"remove it or correct its spelling (see {readme} of the README)",
            )
        elif kind == "missing":
            found, fix = "required key missing", f"add {key} to the {what}"
        elif kind.startswith(("date", "datetime")):
            found, fix = (
                f"not a date: {shorten(e.get('input'))}",
                "write dates as ISO 8601, e.g. 2026-04-01",
            )
        else:
            found, fix = (
                shorten(e["msg"].removeprefix("Value error, ")).strip("'\""),
                "correct the value",
            )
        problems.append(Problem(found, file=f"{source}: {key}", fix=fix))
    return problems


def read_yaml(
    path: str | Path,
    *,
    what: str = "cycle file",
    fix: str = "give the path of a cycle.yaml (cslib sample-data writes an example)",
):
    """The parsed YAML of a user's file; a :class:`ConfigError` names the file and line when it cannot be read."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(Problem(f"{what} not found", file=str(path), fix=fix))
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_BoundedLoader)
    except _TooLarge as exc:
        raise ConfigError(
            Problem(
                f"its aliases (*name) expand to more than {MAX_NODES:,} values (from line {exc.line})",
                file=str(path),
                fix="write the values out instead of nesting aliases",
            )
        ) from None
    except UnicodeDecodeError:
        raise ConfigError(
            Problem(f"the {what} is not UTF-8 text", file=str(path), fix="save it as UTF-8")
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError(
            Problem(
                f"not valid YAML{where}: {getattr(exc, 'problem', exc)}",
                file=str(path),
                fix="check the indentation and quoting on that line",
            )
        ) from None


class _TooLarge(Exception):
    def __init__(self, line: int):
        self.line = line


class _BoundedLoader(yaml.SafeLoader):
    """The safe YAML loader, refusing documents whose aliases expand beyond :data:`MAX_NODES`."""

    def construct_document(self, node):
        sizes: dict[int, int] = {}

        def size(
            n,
        ) -> int:  # values once aliases are written out; shared nodes counted once each use
            if id(n) not in sizes:
                sizes[id(n)] = 0  # a recursive alias counts as one value
                if isinstance(n, yaml.SequenceNode):
                    sizes[id(n)] = 1 + sum(size(c) for c in n.value)
                elif isinstance(n, yaml.MappingNode):
                    sizes[id(n)] = 1 + sum(size(k) + size(v) for k, v in n.value)
                else:
                    sizes[id(n)] = 1
                if sizes[id(n)] > MAX_NODES:
                    raise _TooLarge(n.start_mark.line + 1)
            return sizes[id(n)]

        size(node)
        return super().construct_document(node)

    def construct_yaml_timestamp(self, node):
        """A date or time; one not on the calendar (``2026-13-05``) stays text, so that the file's
        model reports it with its key path among the file's other problems."""
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError:
            return self.construct_scalar(node)


_BoundedLoader.add_constructor(
    "tag:yaml.org,2002:timestamp", _BoundedLoader.construct_yaml_timestamp
)
