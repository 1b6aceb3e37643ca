"""The KPI panel of a batch: team × period KPI frames computed once, read by every run.

A review runs the same cycle for many teams and months, and every run asks the
tickets for the same kinds of KPI frames: each objective's KPI weekly, monthly and
over the baseline, the review window and both, and the ticket volume. A panel holds
those frames for all the batch's teams at once (one DuckDB scan grouped by team per
frame instead of one scan per run), in a folder of Parquet files with an index::

    panel/panel.json      schema_version, fingerprint, teams, and one entry per frame
    panel/<n>.parquet     the frame for every team (a ``team`` column)

:meth:`Panel.lookup` answers a :meth:`~cslib.cycle.workbook.Workbook.kpis` request
of a one-team run from the panel, or returns None when the panel does not hold it
(the workbook then scans the tickets as before). The panel's frame restricted to
the team is the frame a scan filtered to that team gives.

Examples
--------
>>> request_key(["fcr"], "W", (), "2026-01-05", pd.Timestamp("2026-05-31"), "median")
'fcr|W||2026-01-05T00:00:00|2026-05-31T00:00:00|median'
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from cslib.cycle.model import Cycle
from cslib.data.parquet import read_frame
from cslib.errors import ConfigError, Problem

#: the panel's index file inside its folder
INDEX = "panel.json"
SCHEMA_VERSION = 1
#: the frequencies and windows each objective's KPI is held at: (freq, window)
OBJECTIVE_FRAMES = (
    ("W", "baseline"),
    ("all", "baseline"),
    ("W", "review"),
    ("all", "review"),
    ("W", "whole"),
    ("M", "whole"),
)
#: the ticket volume frames a run reads: (freq, window, by team)
VOLUME_FRAMES = (
    ("all", "baseline", False),
    ("all", "baseline", True),
    ("all", "review", False),
    ("all", None, True),
    ("D", "whole", True),
)


def _day(value) -> str:
    return "" if value is None else pd.Timestamp(value).isoformat()


def request_key(kpis: Sequence[str], freq: str, by: Sequence[str], start, end, stat: str) -> str:
    """One text for a KPI request, the same whichever way its dates are written."""
    return "|".join([",".join(kpis), freq, ",".join(by), _day(start), _day(end), stat])


@dataclass(frozen=True)
class Request:
    """One frame of the panel: :func:`cslib.metrics.engine.compute` arguments, grouped by team."""

    kpis: tuple[str, ...]
    freq: str
    by: tuple[str, ...]
    start: pd.Timestamp | None
    end: pd.Timestamp | None
    stat: str

    def arguments(self) -> dict:
        """The request as keyword arguments of :meth:`cslib.cycle.workbook.Workbook.kpis`."""
        return {
            "kpis": list(self.kpis),
            "freq": self.freq,
            "by": self.by,
            "start": self.start,
            "end": self.end,
            "stat": self.stat,
        }

    @property
    def key(self) -> str:
        return request_key(self.kpis, self.freq, self.by, self.start, self.end, self.stat)


def windows(cycle: Cycle) -> dict[str | None, tuple[pd.Timestamp | None, pd.Timestamp | None]]:
    """The cycle's windows a run reads: ``baseline``, ``review``, ``whole`` (both and between), None (all)."""
    base, review = cycle.periods.baseline, cycle.periods.review
    day = pd.Timestamp
    return {
        "baseline": (day(base.start), day(base.end)),
        "review": (day(review.start), day(review.end)),
        "whole": (day(base.start), day(review.end)),
        None: (None, None),
    }


def requests(cycle: Cycle) -> list[Request]:
    """The frames a run of ``cycle`` reads from the tickets: its objectives' KPIs and the volume."""
    spans = windows(cycle)
    found = [
        Request(("volume",), freq, ("team",) if by_team else (), *spans[window], "median")
        for freq, window, by_team in VOLUME_FRAMES
    ]
    for obj in cycle.objectives:
        stat = "mean" if obj.statistic == "mean" else "median"
        for freq, window in OBJECTIVE_FRAMES:
            for by in ((), ("team",)) if freq == "W" and window == "whole" else ((),):
                found.append(Request((obj.kpi,), freq, by, *spans[window], stat))
    return list(dict.fromkeys(found))


def _bad(path: Path, what: str) -> ConfigError:
    return ConfigError(
        Problem(
            f"the KPI panel cannot be read: {what}",
            file=str(path),
            fix="delete the panel folder and run the batch again (it is rebuilt), "
            "or run without it (cslib batch --no-panel)",
        )
    )


class Panel:
    """A KPI panel folder opened for reading (see the module's description)."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        index = self.folder / INDEX
        try:
            record = json.loads(index.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise _bad(index, "the file is missing") from None
        except (OSError, ValueError) as exc:
            raise _bad(index, f"it is not a panel index ({exc})") from None
        if not isinstance(record, dict) or record.get("schema_version") != SCHEMA_VERSION:
            raise _bad(index, f"it is not a panel index of schema version {SCHEMA_VERSION}")
        frames, teams = record.get("frames"), record.get("teams")
        if not isinstance(frames, dict) or not isinstance(teams, list):
            raise _bad(index, "it lacks its frames or teams")
        self.fingerprint: str = str(record.get("fingerprint", ""))
        self.teams: list[str] = [str(t) for t in teams]
        self.frames: dict[str, str] = {str(k): str(v) for k, v in frames.items()}
        self._read: dict[str, pd.DataFrame] = {}

    def frame(self, key: str) -> pd.DataFrame:
        """The stored frame of a request key, for every team."""
        if key not in self._read:
            path = self.folder / self.frames[key]
            try:
                frame = read_frame(path)
            except FileNotFoundError:
                raise _bad(path, "the file is missing") from None
            except Exception as exc:  # pyarrow raises several kinds for a damaged file
                raise _bad(path, f"it is not a Parquet file ({exc})") from None
            if "team" not in frame:
                raise _bad(path, "it lacks the team column")
            self._read[key] = frame
        return self._read[key]

    def lookup(
        self,
        *,
        kpis: Sequence[str] | None,
        freq: str,
        by: Sequence[str],
        start,
        end,
        stat: str,
        scope: dict,
    ) -> pd.DataFrame | None:
        """The frame of one team's request, or None when the panel does not hold it.

        ``scope`` is the request's filters; the panel answers when they are one team only.
        """
        teams = scope.get("team")
        teams = [teams] if isinstance(teams, str) else list(teams or [])
        if kpis is None or set(scope) != {"team"} or len(teams) != 1 or teams[0] not in self.teams:
            return None
        grouped = tuple(by) if "team" in by else ("team", *by)
        key = request_key(kpis, freq, grouped, start, end, stat)
        if key not in self.frames:
            return None
        frame = self.frame(key)
        out = frame[frame["team"] == teams[0]]
        if "team" not in by:
            out = out.drop(columns="team")
        return out.reset_index(drop=True)


__all__ = ["INDEX", "Panel", "Request", "request_key", "requests", "windows"]
