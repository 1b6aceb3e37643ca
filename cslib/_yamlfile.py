"""Reading the user's YAML files (cycle and review files) with errors that name file, line and key.

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

from pathlib import Path

import yaml
from pydantic import ValidationError

from cslib.errors import ConfigError, Problem


def check_zone(name: str | None) -> str | None:
    """An IANA time-zone name, or a ValueError a pydantic validator reports with its key path."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    if name is not None:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {name!r}; use an IANA name such as Europe/London or UTC"
            ) from None
    return name


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
        key = _key_path(loc)
        kind = e["type"]
        special = extra(kind, key, e) if extra else None
        if special:
            found, fix = special
        elif kind == "extra_forbidden":
            found, fix = (
                f"unknown key '{loc[-1]}'",
                f"remove it or correct its spelling (see {readme} of the README)",
            )
        elif kind == "missing":
            found, fix = "required key missing", f"add {key} to the {what}"
        elif kind.startswith(("date", "datetime")):
            found, fix = (
                f"not a date: {e.get('input')!r}",
                "write dates as ISO 8601, e.g. 2026-04-01",
            )
        else:
            found, fix = e["msg"].removeprefix("Value error, "), "correct the value"
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
        return yaml.safe_load(path.read_text(encoding="utf-8"))
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
