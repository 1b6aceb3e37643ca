"""What the stages have in common: how an objective is named, charted and followed.

The Plan, Do, Check and Act stages each show the objectives' KPIs; this module
holds the parts they share so that no stage imports another: the objective's
label, its control chart, the teams that adopted the change, the span of the
cycle, the pooled weekly series and the before/after control charts.

Examples
--------
>>> from cslib.cycle.model import Objective
>>> objective_label(Objective(id="O1", kpi="fcr", direction="increase", statistic="mean"))
'First contact resolution (mean)'
>>> week_start("2026-04-02")
Timestamp('2026-03-30 00:00:00')
"""

from __future__ import annotations

import re

import pandas as pd

from cslib.cycle.model import Objective
from cslib.cycle.workbook import Workbook
from cslib.display import Chart, Html, Table, difference, fmt, with_unit
from cslib.metrics.engine import REGISTRY
from cslib.stats.spc import compute as spc
from cslib.stats.spc.dispersion import share_chart
from cslib.stats.spc.draw import spc_grid

#: the period of the control charts and of the pooled series
WEEKS = "W"
#: how a statistic is named after the KPI's label
STATISTIC_NAMES = {"median": " (median)", "mean": " (mean)", "p90": " (90th percentile)"}


#: control chart types as people read them
CHART_NAMES = {
    "i": "values (I chart)",
    "p": "proportions (p chart)",
    "pp": "proportions (Laney p′ chart)",
    "u": "rates (u chart)",
    "c": "counts (c chart)",
}


#: a name written in snake_case
SNAKE = re.compile(r"[a-z]+(?:_[a-z0-9]+)+")


def kpi_labels(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with KPI names in its text cells replaced by their labels (other snake_case names spaced).

    >>> kpi_labels(pd.DataFrame({"worst": ["fcr", "late", "complaint_share"]}))["worst"].tolist()
    ['First contact resolution', 'late', 'complaint share']
    """
    names = {name: k.label for name, k in REGISTRY.items()}

    def label(value):
        if not isinstance(value, str):
            return value
        return names.get(value) or (value.replace("_", " ") if SNAKE.fullmatch(value) else value)

    shown = frame.copy()
    for col in shown.columns:
        if not pd.api.types.is_numeric_dtype(shown[col]):
            shown[col] = shown[col].map(label)
    return shown


def kpi_unit(kpi: str, currency: str = "") -> str:
    """The KPI's display unit; a money KPI takes the cycle's currency."""
    unit = REGISTRY[kpi].unit
    return currency if unit == "currency" else unit


def columns(wb: Workbook | None = None, **extra: tuple[str, str]) -> dict[str, tuple[str, str]]:
    """Labels and units of every KPI column and its ``_p90``, ``_n`` and ``_few`` companions, plus ``extra``.

    >>> columns(fcr_n=("answers", "count"))["fcr_p90"]
    ('First contact resolution (90th percentile)', 'share')
    """
    currency = wb.cycle.economics.currency if wb is not None else ""
    out = {}
    for name, k in REGISTRY.items():
        unit = kpi_unit(name, currency)
        out[name] = (k.label, unit)
        out[f"{name}_p90"] = (f"{k.label} (90th percentile)", unit)
        out[f"{name}_n"] = (f"{k.label}: cases", "count")
        out[f"{name}_few"] = (f"{k.label}: too few answers", "")
    return out | extra


def by_row_unit(frame: pd.DataFrame, cols, *, unit: str = "unit", differences=()) -> pd.DataFrame:
    """The frame with ``cols`` shown in each row's own unit (rows of different KPIs in one table),
    and ``differences`` as signed differences in it (shares in percentage points).

    >>> f = pd.DataFrame({"unit": ["share", "hours"], "baseline": [0.7512, 10.84], "gap": [0.087, -0.5]})
    >>> shown = by_row_unit(f, ["baseline"], differences=["gap"])
    >>> shown["baseline"].tolist(), shown["gap"].tolist()
    (['75.1 %', '10.8 h'], ['+8.7 points', '-0.5 h'])
    """
    shown = frame.copy()
    for cells, show in ((cols, with_unit), (differences, difference)):
        for col in cells:
            shown[col] = [show(v, u) for v, u in zip(frame[col], frame[unit], strict=True)]
    return shown


def change_text(change: float, low: float, high: float) -> str:
    """A relative change with its interval, at display precision.

    >>> change_text(-0.213, -0.3, -0.12)
    '-21 % (-30 % to -12 %)'
    """
    if pd.isna(change):
        return fmt(None)
    return f"{fmt(change, 'change')} ({fmt(low, 'change')} to {fmt(high, 'change')})"


def objective_label(obj: Objective) -> str:
    """The objective's KPI as people read it, with its statistic when one is set."""
    return REGISTRY[obj.kpi].label + STATISTIC_NAMES.get(obj.statistic or "", "")


def week_start(day):
    """The Monday of the week ``day`` falls in (weeks are the charts' periods); a Series of
    days gives each one's, computed at once."""
    if isinstance(day, pd.Series):
        return day - pd.to_timedelta(day.dt.weekday, unit="D")
    day = pd.Timestamp(day)
    return day - pd.Timedelta(days=day.weekday())


def change_course(wb: Workbook) -> str | None:
    """The training course of the change: ``change.course`` in the cycle file.

    A cycle file that names none gets the course most completed by the roll-out
    teams within six weeks of their go-live (None without training records).
    """
    if wb.cycle.change.course:
        return wb.cycle.change.course
    training = wb.table("training")
    if training is None or not wb.cycle.rollout or "team" not in training:
        return None
    go = training["team"].map({t: pd.Timestamp(d) for t, d in wb.cycle.rollout.items()})
    near = training[go.notna() & ((training["completed_at"] - go).abs() <= pd.Timedelta(days=42))]
    return near["course"].value_counts().index[0] if len(near) else None


def objective_chart(
    wb: Workbook, obj: Objective, series: pd.DataFrame, *, part=None, freeze=None
) -> spc.SpcResult:
    """The SPC chart that fits the objective's KPI: a p chart for shares (with n), an I chart otherwise.

    Compliance with a standard (``standard:<criterion>``) gets Laney's p′ chart
    when its weeks vary more than their checks explain
    (:func:`~cslib.stats.spc.dispersion.share_chart`).
    """
    kind = REGISTRY[obj.kpi].kind
    direction = "decrease" if obj.direction == "decrease" else "increase"
    data = series.dropna(subset=["value"])
    if kind == "proportion" and data["n"].gt(0).all():
        counts = (data["value"] * data["n"]).round()
        standard = obj.kpi.startswith("standard:")
        return spc.control_chart(
            counts,
            x=data["period"],
            chart=share_chart(counts, data["n"]) if standard else "p",
            n=data["n"],
            part=part,
            freeze=freeze,
            rules="nhs",
            improvement=direction,
            target=obj.target,
        )
    return spc.control_chart(
        data["value"],
        x=data["period"],
        chart="i",
        part=part,
        freeze=freeze,
        rules="nhs",
        improvement=direction,
        target=obj.target,
    )


def period_start(day, freq: str) -> pd.Timestamp:
    """The period (``"W"`` or ``"M"``) a go-live date falls in; a go-live after the 1st counts from the next month.

    >>> period_start("2026-06-03", "W"), period_start("2026-06-03", "M")
    (Timestamp('2026-06-01 00:00:00'), Timestamp('2026-07-01 00:00:00'))
    """
    day = pd.Timestamp(day)
    if freq == WEEKS:
        return week_start(day)
    first = day.replace(day=1)
    return first if day.day == 1 else first + pd.offsets.MonthBegin(1)


def observed_from(go_live: pd.Timestamp, periods: pd.Series) -> pd.Timestamp:
    """The first of ``periods`` from ``go_live`` on: with thin data the go-live period may hold no value
    (no answer that month), and the change is first seen in the next period that has one.

    >>> observed_from(pd.Timestamp("2026-06-01"), pd.Series(pd.to_datetime(["2026-05-01", "2026-07-01"])))
    Timestamp('2026-07-01 00:00:00')
    """
    later = periods[periods >= go_live]
    return later.min() if len(later) else go_live


def treated_teams(wb: Workbook) -> list[str]:
    """Teams of this run that adopted the change (all teams when the cycle has no roll-out list)."""
    if not wb.cycle.rollout:
        return []
    scope = set(wb.scope_teams) or None
    return [t for t in wb.cycle.rollout if scope is None or t in scope]


def compared(teams: pd.DataFrame, treated: list[str]) -> bool:
    """Whether a per-team series (with ``first_treated``) holds adopting teams and teams to compare them with."""
    return "first_treated" in teams and bool(treated) and bool((~teams["team"].isin(treated)).any())


def comparison_run(wb: Workbook) -> bool:
    """True when the cycle has a roll-out and none of this run's teams adopted the change."""
    return bool(wb.cycle.rollout) and not treated_teams(wb)


def cycle_span(wb: Workbook) -> tuple[pd.Timestamp, pd.Timestamp]:
    """From the first day of the baseline to the last day of the review."""
    return wb.window("baseline")[0], wb.window("review")[1]


def pooled_weekly(
    wb: Workbook, obj: Objective, teams, start, end, *, freq: str = WEEKS
) -> pd.DataFrame:
    """The objective's weekly KPI (or per ``freq``) over the given teams together (all teams in scope when none are given)."""
    filters = {**(obj.segment or {}), **({"team": teams} if teams else {})}
    return wb.objective_kpis(obj, freq=freq, start=start, end=end, filters=filters)


def before_after_results(wb: Workbook) -> dict[str, spc.SpcResult]:
    """Each objective's weekly control chart in the teams that adopted the change, a new part at the change."""
    start, end = cycle_span(wb)
    teams = treated_teams(wb)
    wb.prefetch(wb.cycle.objectives, teams=teams, freq=WEEKS, start=start, end=end)
    return {
        f"{o.id}: {objective_label(o)}": objective_chart(
            wb, o, pooled_weekly(wb, o, teams, start, end), part=week_start(wb.cycle.change.date)
        )
        for o in wb.cycle.objectives
    }


#: the NHS *Making Data Count* assurance of a chart's assurance label
ASSURANCE = {
    "consistently pass": "consistently meets the target",
    "consistently fail": "consistently fails the target",
    "inconsistent": "hit or miss",
}


#: the NHS *Making Data Count* variation of the special causes seen since the change
VARIATION = {
    frozenset(): "common cause",
    frozenset({"improvement"}): "improving",
    frozenset({"concern"}): "deteriorating",
}


def mdc_status(frozen: spc.SpcResult, parted: spc.SpcResult, since) -> dict[str, str]:
    """The NHS *Making Data Count* summary of an objective since the change: variation and assurance.

    Variation reads the points from ``since`` against the limits frozen before it
    (``frozen``): *improving* or *deteriorating* when their special causes all point
    one way, *common cause* when there are none, *mixed* otherwise. Assurance
    compares the target with the limits of the part from the change (``parted``):
    *no target* when none is set.
    """
    after = frozen.data[frozen.data["x"] >= since]
    seen = frozenset(after["variation"]) & {"improvement", "concern"}
    assurance = ASSURANCE.get(parted.summary()["assurance"].iloc[-1], "no target")
    return {"variation": VARIATION.get(seen, "mixed"), "assurance": assurance}


def grid_columns(panels: int) -> int:
    """Columns of a grid of control charts: two, three once a third row would be needed.

    >>> grid_columns(4), grid_columns(5)
    (2, 3)
    """
    return 2 if panels <= 4 else 3


def before_after_charts(
    wb: Workbook, *, title: str | None = None, results: dict[str, spc.SpcResult] | None = None
) -> Chart:
    """Weekly control charts with a new part at the change, in the teams that adopted it (NHS rules)."""
    results = results or before_after_results(wb)
    teams = treated_teams(wb)
    who = ", ".join(teams) or ", ".join(wb.scope_teams) or "all teams"
    return Chart(
        spc_grid(
            results,
            ncols=grid_columns(len(results)),
            title=title or f"Before and after the change ({who}): weekly control charts",
        )
    )


def kpi_settings(wb: Workbook) -> dict:
    """How the cycle defines its KPIs (SLA targets, economics, the service-level threshold and
    contact-centre definitions), as the analyses that scan tickets take it (``settings=``)."""
    c = wb.cycle
    return {"sla": c.sla_spec(), "economics": c.economics.model_dump(), **c.queue_definitions()}


def differing(tests: pd.DataFrame, dim: str) -> list[str]:
    """The KPIs that differ across the values of ``dim``, in one sentence (none: an empty list).

    >>> tests = pd.DataFrame({"kpi": ["fcr", "aht_seconds", "csat"], "test": ["Wald F"] * 3,
    ...                       "p_adjusted": [1e-9, 0.004, 0.3], "significant": [True, True, False]})
    >>> differing(tests, "channel")
    ['First contact resolution and Average handle time differ across the channel values (Wald F; adjusted p at most 0.004).']
    """
    found = (
        tests[tests["significant"].fillna(False).astype(bool)] if "significant" in tests else tests
    )
    if found.empty:
        return []
    labels = [REGISTRY[k].label for k in found["kpi"]]
    names = labels[0] if len(labels) == 1 else f"{', '.join(labels[:-1])} and {labels[-1]}"
    method = found["test"].iloc[0] if found["test"].nunique() == 1 else "tests in the appendix"
    p, one = fmt(found["p_adjusted"].max(), "p"), len(labels) == 1
    if p.startswith("<"):
        p += "" if one else " for each"
    else:
        p = ("= " if one else "at most ") + p
    verb = "differs" if one else "differ"
    return [f"{names} {verb} across the {dim} values ({method}; adjusted p {p})."]


def profile_view(wb: Workbook, profile, dim: str) -> Html:
    """A segment profile (:func:`cslib.analyses.segments.segment_profile`) as the report shows it: its findings, the objectives' KPIs per segment, the tests on demand."""
    kpis = list(dict.fromkeys(o.kpi for o in wb.cycle.objectives if o.kpi in profile.table))
    cols = columns(wb)
    table = Table(
        profile.table, columns=cols, body=[dim, "volume", *kpis][:8], folded=f"The KPIs per {dim}"
    )
    if profile.tests.empty:  # one segment, or no KPI beyond volume: nothing was tested
        notes = list(profile.findings) or [f"No KPI beyond volume can be compared by {dim}."]
        return Html.join(Html.bullets(notes, title=f"By {dim}"), table)
    each = [f for f in profile.findings if " differs across " not in f]
    notes = differing(profile.tests, dim) or [
        f"No {dim} differs significantly from the rest on any KPI."
    ]
    return Html.join(
        Html.bullets(notes, title=f"By {dim}"),
        table,
        Html.folded(
            f"Each {dim} against the rest, and the tests",
            Html.bullets(each) if each else None,
            Table(kpi_labels(profile.tests), columns=cols, caption="Tests across segments"),
            Table(
                kpi_labels(profile.contrasts), columns=cols, caption="Each segment against the rest"
            ),
        ),
    )
