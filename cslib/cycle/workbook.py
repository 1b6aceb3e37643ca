"""The workbook context a notebook opens: the cycle, its data and the run folder.

Each PDCA notebook starts with ``wb = open_workbook(cycle, run_dir=..., stage=...)``
and passes ``wb`` to the stage functions (:mod:`cslib.stages.plan`, :mod:`cslib.stages.do`,
:mod:`cslib.stages.check`, :mod:`cslib.stages.act`). The context reads tables on first use,
caches KPI frames for the kernel's lifetime and saves each stage's results as
artefacts in the run folder for the later stages.

Examples
--------
>>> wb = open_workbook("data/sample/cycle.yaml", run_dir=tempfile.mkdtemp(), stage="plan")  # doctest: +SKIP
>>> wb.objective_value(wb.cycle.objectives[0], "baseline")                               # doctest: +SKIP
(14.6…, 17403)
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from cslib.cycle import artefacts
from cslib.cycle.model import Cycle, Objective, load_cycle
from cslib.cycle.panel import Panel
from cslib.data import sql
from cslib.data import tables as io
from cslib.data.files import PARQUET_SUFFIXES
from cslib.display import Html
from cslib.errors import ConfigError, CslibError, Problem
from cslib.metrics import engine as kpi
from cslib.metrics.standards import is_standard

#: the columns of one KPI in a KPI frame, after its name: the value, p90, count and thin-survey flag
KPI_COLUMNS = ("", "_p90", "_n", "_few")


#: set by the runner for its kernels: every table of the cycle was checked against its contract
#: before the stage and has not changed since, so a stage reads its tables without checking them again
CHECKED_INPUTS = "CSLIB_INPUTS_CHECKED"


@dataclass
class Workbook:
    """One cycle opened for one stage of one run."""

    cycle: Cycle
    run_dir: Path
    stage: str
    teams: tuple[str, ...] = ()
    panel: Panel | None = None
    _cache: dict = field(default_factory=dict, repr=False)

    # ------------------------------------------------------------------ data

    def source(self, table: str = "tickets") -> tuple[Path, io.ReadOptions]:
        """Where to scan a table and how: the raw file, or — for CSV/Excel, database and mapped sources — a typed
        Parquet copy made once per kernel in a private temporary folder (never in the run folder), so the
        many KPI scans of a stage do not parse and map the export again."""
        raw, opts = self.cycle.path(table), self.cycle.read_options(table)
        plain = opts.mapping is None and not opts.columns
        if isinstance(raw, Path) and raw.suffix.lower() in PARQUET_SUFFIXES and plain:
            return raw, opts
        key = ("staged", table)
        if key not in self._cache:
            folder = Path(tempfile.mkdtemp(prefix="cslib-stage-"))
            atexit.register(shutil.rmtree, folder, True)
            staged = folder / f"{table}.parquet"
            con, view = io.open_table(raw, table, opts=opts, validate=False)
            con.execute(f"COPY (SELECT * FROM {view}) TO {sql.quote(str(staged))} (FORMAT parquet)")
            con.close()
            self._cache[key] = staged
        return self._cache[key], io.ReadOptions(timezone=self.cycle.timezone)

    def has(self, table: str) -> bool:
        return table in self.cycle.data

    def table(self, name: str) -> pd.DataFrame | None:
        """A table of the cycle, read and checked once (in a run, the runner checked it); None
        when the cycle has none."""
        if name not in self.cycle.data:
            return None
        key = ("table", name)
        if key not in self._cache:
            frame = io.read_table(
                self.cycle.path(name),
                name,
                opts=self.cycle.read_options(name),
                validate=os.environ.get(CHECKED_INPUTS) != "1",
            )
            if "team" in frame and self.scope_teams:
                frame = frame[frame["team"].isin(self.scope_teams)].reset_index(drop=True)
            self._cache[key] = frame
        return self._cache[key]

    def ticket_scan(self, window: str | None = None) -> dict:
        """Keyword arguments that point an aggregate at the run's tickets without loading them:
        ``tickets`` (a path), ``options``, ``filters`` (the run's teams) and, given a window,
        its ``start`` and ``end`` — for :func:`cslib.metrics.engine.scan` and the analyses built on it."""
        path, opts = self.source("tickets")
        teams = self.scope_teams if "team" in self.ticket_columns else []
        scan = {"tickets": path, "options": opts, "filters": {"team": teams} if teams else None}
        if window:
            scan["start"], scan["end"] = self.window(window)
        return scan

    @property
    def ticket_columns(self) -> list[str]:
        key = ("columns",)
        if key not in self._cache:
            path, opts = self.source("tickets")
            con, view = io.open_table(path, "tickets", opts=opts, validate=False)
            self._cache[key] = list(con.table(view).columns)
            con.close()
        return self._cache[key]

    def labels(self, column: str) -> list[str]:
        """The distinct values of a ticket column over all the tickets, whatever the run's teams."""
        key = ("labels", column)
        if key not in self._cache:
            path, opts = self.source("tickets")
            con, view = io.open_table(path, "tickets", opts=opts, validate=False)
            found = con.execute(
                f"SELECT DISTINCT CAST({sql.ident(column)} AS VARCHAR) FROM {view} WHERE {sql.ident(column)} IS NOT NULL"
            ).fetchall()
            con.close()
            self._cache[key] = sorted(v for (v,) in found)
        return self._cache[key]

    @property
    def scope_teams(self) -> list[str]:
        """Teams this run covers: the run's ``teams`` parameter, else the cycle's scope (empty = all)."""
        return list(self.teams) or list(self.cycle.scope.teams)

    def availability(self) -> pd.DataFrame:
        return kpi.availability(
            self.ticket_columns,
            sla=self.cycle.sla_spec(),
            complaints=self.has("complaints"),
            economics=self.cycle.economics.model_dump(),
            evaluations=self.has("evaluations"),
            standards=self.cycle.standard_kpis(),
        )

    def kpis(
        self,
        *,
        kpis: Sequence[str] | None = None,
        freq: str = "W",
        by: Sequence[str] | str = (),
        start=None,
        end=None,
        stat: str = "median",
        filters: Mapping[str, Sequence[str] | str] | None = None,
    ) -> pd.DataFrame:
        """:func:`cslib.metrics.engine.compute` over the cycle's tickets, restricted to the run's teams; cached
        (a date and its midnight timestamp ask for the same frame).

        With a batch's KPI panel (:mod:`cslib.cycle.panel`) the frames it holds are read from it
        instead of scanning the tickets again; KPIs computed together (:meth:`prefetch`,
        :meth:`objective_kpis`) answer from the cache.
        """
        key, by, scope = self._request(kpis, freq, by, start, end, stat, filters)
        held = None
        if key not in self._cache and self.panel is not None:
            held = self.panel.lookup(
                kpis=kpis, freq=freq, by=by, start=start, end=end, stat=stat, scope=scope
            )
        if held is not None:
            self._cache[key] = held
        elif key not in self._cache:
            self._cache[key] = self._compute(kpis, freq, by, start, end, stat, scope)
        return self._cache[key]

    def _request(self, kpis, freq, by, start, end, stat, filters) -> tuple[tuple, tuple, dict]:
        """A KPI request's cache key, its ``by`` as a tuple and its filters with the run's teams."""
        by = (by,) if isinstance(by, str) else tuple(by)
        scope = dict(filters or {})
        if self.scope_teams and "team" in self.ticket_columns and "team" not in scope:
            scope["team"] = self.scope_teams
        key = (
            "kpis",
            tuple(kpis or ()),
            freq,
            by,
            _day_key(start),
            _day_key(end),
            stat,
            tuple(sorted((k, str(v)) for k, v in scope.items())),
        )
        return key, by, scope

    def _compute(self, kpis, freq, by, start, end, stat, scope) -> pd.DataFrame:
        """:func:`cslib.metrics.engine.compute` of a request with the cycle's definitions and tables."""
        complaints = (
            self.source("complaints")
            if self.has("complaints") and (kpis is None or "complaint_rate" in kpis)
            else None
        )
        wanted = self.has("evaluations") and any(is_standard(k) for k in kpis or ())
        evaluations = self.source("evaluations") if wanted else None
        tickets, options = self.source("tickets")
        return kpi.compute(
            tickets,
            kpis=kpis,
            freq=freq,
            by=by,
            sla=self.cycle.sla_spec(),
            stat=stat,
            complaints=complaints[0] if complaints else None,
            economics=self.cycle.economics.model_dump(),
            start=start,
            end=end,
            filters=scope or None,
            options=options,
            complaint_options=complaints[1] if complaints else None,
            evaluations=evaluations[0] if evaluations else None,
            evaluation_options=evaluations[1] if evaluations else None,
            standards=self.cycle.standards.model_dump(),
            min_responses=self.cycle.min_responses,
            **self.cycle.queue_definitions(),
            validate=False,
        )

    def prefetch(self, objectives: Sequence[Objective], *, teams=(), **request) -> None:
        """Compute the objectives' KPIs together, one scan per statistic and segment, so that
        the requests for each one alone that follow read them from the cache.

        Each objective's filters are its segment and the ``teams`` given, as in
        :func:`~cslib.stages._shared.pooled_weekly`; ``request`` takes the other arguments of
        :meth:`objective_kpis` (``freq``, ``by``, ``start``, ``end``).

        Examples
        --------
        >>> wb.prefetch(wb.cycle.objectives, freq="M", by="team")  # doctest: +SKIP
        >>> wb.objective_kpis(wb.cycle.objectives[0], freq="M", by="team")  # doctest: +SKIP
        """
        if self.panel is not None:  # the panel holds each KPI's frame on its own
            return
        groups: dict[str, tuple[dict, str, list[str]]] = {}
        for obj in objectives:
            scope = {**(obj.segment or {}), **({"team": teams} if teams else {})}
            groups.setdefault(repr((scope, _stat(obj))), (scope, _stat(obj), []))[2].append(obj.kpi)
        for scope, stat, kpis in groups.values():
            asked = {"freq": "W", "by": (), "start": None, "end": None, **request}
            self._together(kpis, {**asked, "stat": stat, "filters": scope})

    # ----------------------------------------------------------- objectives

    def window(self, name: str) -> tuple[pd.Timestamp, pd.Timestamp]:
        """Start and end day of ``baseline`` or ``review``."""
        w = getattr(self.cycle.periods, name)
        return pd.Timestamp(w.start), pd.Timestamp(w.end)

    def holds_tickets(self, name: str) -> bool:
        """Whether the run's tickets hold any created in the window ``baseline`` or ``review``."""
        start, end = self.window(name)
        counted = self.kpis(kpis=["volume"], freq="all", start=start, end=end)
        return not counted.empty and int(counted["volume"].sum()) != 0

    def objective(self, ident: str) -> Objective:
        for obj in self.cycle.objectives:
            if obj.id == ident:
                return obj
        raise KeyError(ident)

    @staticmethod
    def column(obj: Objective) -> str:
        """The KPI column an objective reads (``<kpi>_p90`` for the p90 statistic)."""
        return f"{obj.kpi}_p90" if obj.statistic == "p90" else obj.kpi

    def objective_kpis(
        self,
        obj: Objective,
        *,
        freq: str = "W",
        by: Sequence[str] | str = (),
        start=None,
        end=None,
        filters: Mapping | None = None,
    ) -> pd.DataFrame:
        """The objective's KPI per period (× segment) as ``period``, by…, ``value``, ``n``.

        ``filters`` default to the objective's own segment (e.g. ``{"channel": "email"}``).
        Without a panel, the KPIs of the objectives asked for alike (same statistic and
        segment) are computed together, in one scan.
        """
        request = {
            "freq": freq,
            "by": by,
            "start": start,
            "end": end,
            "stat": _stat(obj),
            "filters": obj.segment if filters is None else filters,
        }
        if self.panel is None:
            alike = [
                o.kpi
                for o in self.cycle.objectives
                if _stat(o) == request["stat"] and (filters is not None or o.segment == obj.segment)
            ]
            self._together([obj.kpi, *alike], request)
        frame = self.kpis(kpis=[obj.kpi], **request)
        n_col = (
            f"{obj.kpi}_n" if f"{obj.kpi}_n" in frame else "volume" if "volume" in frame else None
        )
        by = [by] if isinstance(by, str) else list(by)
        out = frame[["period", *by]].copy()
        out["value"] = frame[self.column(obj)]
        out["n"] = frame[n_col] if n_col else pd.NA
        return out

    def _together(self, kpis: list[str], request: dict) -> None:
        """Compute the KPIs' frames of a request not cached yet in one scan, and cache each KPI's
        columns as the frame it alone gives (the engine computes each KPI's columns on its own).
        When the scan fails (a KPI the data lacks), each KPI is left to its own request."""
        _, by, scope = self._request(kpis[:1], **request)
        keys = {k: self._request([k], **request)[0] for k in dict.fromkeys(kpis)}
        missing = [k for k, key in keys.items() if key not in self._cache]
        if len(missing) < 2 or kpis[0] not in missing:
            return
        r = request
        try:
            frame = self._compute(missing, r["freq"], by, r["start"], r["end"], r["stat"], scope)
        except CslibError:
            return
        for k in missing:
            own = [c for c in (f"{k}{end}" for end in KPI_COLUMNS) if c in frame]
            self._cache[keys[k]] = frame[["period", *by, *own]]

    def objective_value(
        self, obj: Objective, window: str, *, by: Sequence[str] | str = ()
    ) -> pd.DataFrame:
        """The objective's KPI over a whole window (``baseline`` or ``review``)."""
        start, end = self.window(window)
        return self.objective_kpis(obj, freq="all", by=by, start=start, end=end)

    # ------------------------------------------------------------- artefacts

    def save(self, name: str, obj: object) -> Path:
        return artefacts.save(self.run_dir, self.stage, name, obj)

    def load(self, name: str, stage: str | None = None):
        return artefacts.load(self.run_dir, stage or self.stage, name)

    def _repr_html_(self) -> str:
        c = self.cycle
        fields = {
            "cycle": c.title,
            "organisation": c.organisation.name,
            "change": f"{c.change.name or 'the change'} — {c.change.date:%d %b %Y}",
            "baseline": f"{c.periods.baseline.start:%d %b %Y} – {c.periods.baseline.end:%d %b %Y}",
            "review": f"{c.periods.review.start:%d %b %Y} – {c.periods.review.end:%d %b %Y}",
            "roll-out": ", ".join(f"{t} {d:%d %b}" for t, d in c.rollout.items()) or "all at once",
            "teams in this run": ", ".join(self.scope_teams) or "all",
            "objectives": len(c.objectives),
        }
        return Html.card(f"{self.stage.capitalize()} — {c.title}", fields).markup


def _stat(obj: Objective) -> str:
    """The engine's statistic of an objective's KPI: its mean, else its median."""
    return "mean" if obj.statistic == "mean" else "median"


def _day_key(day) -> str | None:
    """A ``start`` or ``end`` as the KPI cache's key: the engine reads any date-like as its timestamp.

    >>> day = pd.Timestamp("2026-01-05")
    >>> _day_key(day.date()) == _day_key(day) == _day_key("2026-01-05"), _day_key(None)
    (True, None)
    """
    return None if day is None else str(pd.Timestamp(day))


#: the sample cycle and the run folder of the notebooks' defaults, in a checkout of the workbook
SAMPLE_CYCLE = Path("data", "sample", "cycle.yaml")
INTERACTIVE_RUN = Path("reports", "sample", "interactive")


def checkout_folder(start: str | Path = ".") -> Path | None:
    """The checkout holding the sample cycle: ``start`` itself (papermill run from the
    checkout's root) or its parent (JupyterLab runs a notebook inside ``notebooks/``).

    Examples
    --------
    >>> root = Path(tempfile.mkdtemp())
    >>> (root / "notebooks").mkdir(); (root / SAMPLE_CYCLE).parent.mkdir(parents=True)
    >>> _ = (root / SAMPLE_CYCLE).write_text("title: x")
    >>> checkout_folder(root / "notebooks") == checkout_folder(root) == root.resolve()
    True
    >>> checkout_folder(root / "data" / "sample") is None
    True
    """
    start = Path(start).resolve()
    return next((f for f in (start, start.parent) if (f / SAMPLE_CYCLE).is_file()), None)


def default_run_dir(start: str | Path = ".") -> Path:
    """Where a notebook run without a ``run_dir`` saves its results: ``reports/sample/interactive``
    in the checkout (else in ``start``)."""
    return (checkout_folder(start) or Path(start).resolve()) / INTERACTIVE_RUN


def open_workbook(
    cycle: str | Path | Cycle = "",
    *,
    run_dir: str | Path = "",
    stage: str,
    teams: str | Sequence[str] = "",
    panel: str | Path | None = None,
) -> Workbook:
    """Open a cycle for one stage; ``teams`` (comma-separated or a list) narrows the run.

    ``panel`` is the folder of a batch's KPI panel (:mod:`cslib.cycle.panel`): the KPI
    frames it holds are read from it rather than from the tickets (None: scan the tickets).

    An empty ``cycle`` is the checkout's sample cycle and an empty ``run_dir`` its
    ``reports/sample/interactive``, whether the notebook runs from the checkout's root or
    from ``notebooks/`` (see :func:`checkout_folder`).
    """
    if isinstance(cycle, str) and not cycle:
        root = checkout_folder()
        if root is None:
            raise ConfigError(
                Problem(
                    f"no cycle file given and the sample cycle ({SAMPLE_CYCLE.as_posix()}) is "
                    "neither here nor in the parent folder",
                    file=str(Path.cwd()),
                    fix="set the notebook's cycle parameter (papermill -p cycle path/to/cycle.yaml), "
                    "or write the sample with `cslib sample-data --out data/sample`",
                )
            )
        cycle = root / SAMPLE_CYCLE
    parsed = cycle if isinstance(cycle, Cycle) else load_cycle(cycle)
    if isinstance(teams, str):
        teams = [t.strip() for t in teams.split(",") if t.strip()]
    run = default_run_dir() if isinstance(run_dir, str) and not run_dir else Path(run_dir)
    run.mkdir(parents=True, exist_ok=True)
    return Workbook(parsed, run, stage, tuple(teams), Panel(panel) if panel else None)
