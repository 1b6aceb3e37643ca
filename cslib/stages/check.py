"""The Check stage: did each objective's KPI change, by how much, how sure are we, and is it sustained?

The method follows ``docs/reference/methods.md`` through :func:`cslib.stats.impact.verdict`:
difference-in-differences against the comparison teams when the roll-out leaves
some, an interrupted time series otherwise, a two-period comparison as the last
resort — always named, with the alternatives rejected.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pandas as pd

from cslib.cycle import artefacts
from cslib.cycle.workbook import Workbook
from cslib.display import Html, Table, esc, fmt
from cslib.metrics.engine import REGISTRY
from cslib.stages import _open_tickets as open_tickets
from cslib.stages._customer_voice import comments as comments  # the notebook's cells
from cslib.stages._customer_voice import servqual as servqual
from cslib.stages._segment_change import (
    in_both_periods,
    mix_of,
    objective_cases,
    segment_changes,
)
from cslib.stages._shared import (
    WEEKS,
    before_after_charts,
    before_after_results,
    by_row_unit,
    change_text,
    compared,
    comparison_run,
    cycle_span,
    kpi_unit,
    mdc_status,
    objective_chart,
    objective_label,
    observed_from,
    period_start,
    pooled_weekly,
    treated_teams,
    week_start,
)
from cslib.stages._waiting import after_review_starts
from cslib.stages.standards.check import standards as standards
from cslib.stages.summary import evidence_sentence, reference_of, scorecard_finding
from cslib.stats import impact

#: the period of the before/after series when the months are too few (see :func:`did_freq`)
FREQ = WEEKS
#: difference-in-differences compares team-months when each side has at least this many months
#: (the group-time estimator's base is the one period before go-live: a month is steadier than a week)
DID_MONTHS = 3
#: how a KPI's cases are compared between periods
KIND = {"duration": "duration", "proportion": "proportion", "score": "nps", "mean": "continuous"}


def did_freq(wb: Workbook) -> str:
    """Months when baseline and review both span ``DID_MONTHS`` months, else weeks."""
    months = [len(pd.period_range(*wb.window(w), freq="M")) for w in ("baseline", "review")]
    return "M" if min(months) >= DID_MONTHS else FREQ


def _per_team(wb: Workbook) -> bool:
    """Whether the before/after series are per team: a roll-out, and tickets with their team."""
    return bool(wb.cycle.rollout) and "team" in wb.ticket_columns


def series(wb: Workbook, obj, *, freq: str = FREQ, by_team: bool = True) -> pd.DataFrame:
    """The objective's KPI per period for the before/after analysis: per team with ``first_treated`` when there is a roll-out."""
    start, end = cycle_span(wb)
    use_teams = by_team and _per_team(wb)
    frame = wb.objective_kpis(obj, freq=freq, by="team" if use_teams else (), start=start, end=end)
    frame = frame.dropna(subset=["value"]).reset_index(drop=True)
    if use_teams:
        go = {
            t: observed_from(period_start(d, freq), frame["period"])
            for t, d in wb.cycle.rollout.items()
        }
        frame["first_treated"] = frame["team"].map(go)
    return frame


def verdicts(wb: Workbook) -> dict[str, impact.Verdict]:
    """One :class:`~cslib.stats.impact.Verdict` per objective (computed once per kernel)."""
    key = ("verdicts",)
    if key in wb._cache:
        return wb._cache[key]
    out = {}
    treated = treated_teams(wb)
    monthly = did_freq(wb)
    start, end = cycle_span(wb)
    by = "team" if _per_team(wb) else ()
    wb.prefetch(wb.cycle.objectives, freq=monthly, by=by, start=start, end=end)
    for o in wb.cycle.objectives:
        better = "lower" if o.direction == "decrease" else "higher"
        common: dict[str, Any] = {
            "y": "value",
            "time": "period",
            "direction": better,
            "target": o.target,
            "kpi": objective_label(o),
            "units": REGISTRY[o.kpi].unit,
            "positive": REGISTRY[o.kpi].positive,  # durations, counts, shares: effects as ratios
            "objective": o.id,
        }
        teams = series(wb, o, freq=monthly)
        teams = open_tickets.km_values(
            wb, o, teams, None, monthly, [c for c in ["team"] if c in teams]
        )
        if compared(teams, treated):
            out[o.id] = impact.verdict(
                teams,
                unit="team",
                first_treated="first_treated",
                change=period_start(wb.cycle.change.date, monthly),
                **common,
            )
        else:
            # no comparison group in this run: the adopting (or only) teams' weekly series on its own
            data = pooled_weekly(wb, o, treated, *cycle_span(wb))
            data = open_tickets.km_values(wb, o, data, treated, FREQ)
            out[o.id] = impact.verdict(
                data.dropna(subset=["value"]), change=week_start(wb.cycle.change.date), **common
            )
    for o in wb.cycle.objectives:  # a duration with tickets still open: say how many
        text = _still_open(wb)[o.id]
        if text:
            out[o.id] = replace(out[o.id], sentence=f"{out[o.id].sentence} {text}")
    wb._cache[key] = out
    return out


def _still_open(wb: Workbook) -> dict[str, str | None]:
    """Each objective's note on the review's tickets still open, None without (computed once per kernel)."""
    key = ("still_open",)
    if key not in wb._cache:
        treated = treated_teams(wb)
        wb._cache[key] = {o.id: open_tickets.note(wb, o, treated) for o in wb.cycle.objectives}
    return wb._cache[key]


def level(wb: Workbook, obj, window: str) -> float:
    """The objective's KPI over a window (``baseline`` or ``review``) in the teams that adopted the change (or all in scope).

    Baseline and actual are both measured here, so that they describe the same teams.
    """
    filters = {"team": treated_teams(wb)} if treated_teams(wb) else None
    start, end = wb.window(window)
    km = open_tickets.km_level(wb, obj, treated_teams(wb), start, end)  # tickets still open
    if km is not None:
        return km
    stat = "mean" if obj.statistic == "mean" else "median"
    frame = wb.kpis(
        kpis=[obj.kpi],
        freq="all",
        start=start,
        end=end,
        stat=stat,
        filters={**(obj.segment or {}), **(filters or {})},
    )
    return float(frame[wb.column(obj)].iloc[0])


def _who(wb: Workbook) -> str:
    """The teams the scorecard's figures describe."""
    return ", ".join(treated_teams(wb)) or ", ".join(wb.scope_teams) or "all teams"


def verdict_rows(wb: Workbook) -> pd.DataFrame:
    """The ``verdicts`` artefact: each objective's figures, verdict and the sentence that reads them (computed once per kernel)."""
    if ("verdict_rows",) in wb._cache:
        return wb._cache[("verdict_rows",)]
    for window in ("baseline", "review"):  # the levels below, every objective in one scan
        start, end = wb.window(window)
        wb.prefetch(wb.cycle.objectives, teams=treated_teams(wb), freq="all", start=start, end=end)
    rows = []
    for o in wb.cycle.objectives:
        v = verdicts(wb)[o.id]
        rows.append(
            {
                "objective": o.id,
                "kpi": o.kpi,
                "measure": objective_label(o),
                "unit": kpi_unit(o.kpi, wb.cycle.economics.currency),
                "direction": o.direction,
                "baseline": level(wb, o, "baseline"),
                "target": o.target,
                "actual": level(wb, o, "review"),
                "verdict": v.outcome,
                "change": v.relative,
                "change_ci_low": v.relative_ci_low,
                "change_ci_high": v.relative_ci_high,
                "estimate": v.estimate,
                "ci_low": v.ci_low,
                "ci_high": v.ci_high,
                "scale": v.scale,
                "before": v.before,
                "after": v.after,
                "p_value": v.p_value,
                "target_met": v.target_met,
                "sustained": v.sustained,
                "method": v.method,
                "warning": v.warning,
            }
        )
        still_open = _still_open(wb)[o.id]  # durations with tickets open
        rows[-1]["sentence"] = " ".join(
            filter(None, (evidence_sentence(rows[-1], who=_who(wb)), still_open))
        )
    wb._cache[("verdict_rows",)] = pd.DataFrame(rows)
    return wb._cache[("verdict_rows",)]


@after_review_starts
def scorecard(wb: Workbook) -> Html:
    """Objectives scorecard: baseline, target, actual, verdict; saved as ``verdicts`` for Act and the report."""
    frame = verdict_rows(wb)
    wb.save("verdicts", frame)
    caption = (
        f"Baseline and actual: the KPI over the baseline and the review period in the same teams ({_who(wb)}). "
        "Change: the estimated effect relative to the level expected without the change, with its 95 % interval. "
        "Sustained is judged only for an improvement"
    )
    return Html.join(
        Html.text(scorecard_finding(frame, who=_who(wb), comparison=comparison_run(wb))),
        Table(scorecard_view(frame), caption=caption),
    )


def scorecard_view(frame: pd.DataFrame) -> pd.DataFrame:
    """The ``verdicts`` artefact as people read it: each value in its KPI's unit, the change with its interval."""
    shown = by_row_unit(frame, ["baseline", "target", "actual"])
    improved = frame["verdict"] == "improved"
    return pd.DataFrame(
        {
            "objective": frame["objective"] + " " + frame["measure"],
            "baseline": shown["baseline"],
            "actual": shown["actual"],
            "target": shown["target"],
            "target met": frame["target_met"].map(fmt),
            "change (95 % interval)": [
                change_text(c, lo, hi)
                for c, lo, hi in zip(
                    frame["change"], frame["change_ci_low"], frame["change_ci_high"], strict=True
                )
            ],
            "verdict": frame["verdict"],
            "sustained": frame["sustained"].where(improved).map(fmt),
        }
    )


@after_review_starts
def findings(wb: Workbook) -> Html:
    """Per objective: the verdict in plain English, the method, why, and the alternatives rejected."""
    parts, methods, against = [], [], set()
    saved = verdict_rows(wb).set_index("objective")
    for o in wb.cycle.objectives:
        v, row = verdicts(wb)[o.id], saved.loc[o.id]
        rejected = [f"{m}: {why}" for m, why in v.alternatives_rejected]
        lead = f"<p><strong>{esc(o.id)} — {esc(objective_label(o))}.</strong> {esc(row['sentence'])}</p>"
        cautions = (f"Caution — {note}." for note in v.notes)
        parts.append(Html(lead))
        parts.append(Html.text(f"Caution: {v.warning}" if v.warning else "", *cautions))
        against.add(reference_of(v.method))
        methods += [
            Html(
                f"<h4>{esc(o.id)} — {esc(objective_label(o))}: against {esc(reference_of(v.method))}</h4>"
            ),
            Html.text(
                f"Method: {v.method}.",
                f"Why this method: {v.reason}.",
                f"Sustained: {v.sustained_reason}.",
            ),
            Html.bullets(rejected, title="Alternatives rejected") if rejected else None,
        ]
    judged = "How each objective was judged" + (
        f": against {against.pop()}" if len(against) == 1 else ""
    )
    return Html.join(*parts, Html.folded(judged, *methods))


@after_review_starts
def spc_views(wb: Workbook, *, title: str | None = None) -> Html:
    """Weekly control charts with a new part at the change, in the teams that adopted it (NHS rules).

    Each chart's *Making Data Count* variation and assurance are saved as ``spc_status``.
    """
    results = before_after_results(wb)
    change, teams = week_start(wb.cycle.change.date), treated_teams(wb)
    rows = []
    for o, parted in zip(wb.cycle.objectives, results.values(), strict=True):
        series = pooled_weekly(wb, o, teams, *cycle_span(wb))
        frozen = objective_chart(wb, o, series, freeze=change)
        rows.append({"objective": o.id, **mdc_status(frozen, parted, change)})
    wb.save("spc_status", pd.DataFrame(rows))
    return Html.join(
        Html.text(chart_finding(pd.DataFrame(rows))),
        before_after_charts(wb, title=title, results=results),
        Html(
            "<p class='cslib-caption'>A new part starts at the change: a shift beyond the old limits, "
            "held over the review period, is a sustained change.</p>"
        ),
    )


#: how a chart's variation since the change reads in a sentence
SEEN = {
    "improving": "a run of improving weeks",
    "deteriorating": "a run of deteriorating weeks",
    "common cause": "only common-cause variation",
    "mixed": "both improving and deteriorating weeks",
}


def chart_finding(status: pd.DataFrame) -> str:
    """What the weekly charts show since the change, in one sentence (from the ``spc_status`` rows).

    >>> chart_finding(pd.DataFrame({"objective": ["O1", "O2", "O3"],
    ...                             "variation": ["improving", "improving", "common cause"]}))
    'Against their limits before the change, the weekly charts show a run of improving weeks for O1 and O2, and only common-cause variation for O3.'
    """

    def listed(ids: list[str]) -> str:
        return ", ".join(ids[:-1]) + " and " + ids[-1] if len(ids) > 1 else ids[0]

    groups = status.groupby("variation", sort=False)["objective"].apply(list)
    said = [f"{SEEN.get(v, v)} for {listed(ids)}" for v, ids in groups.items()]
    return (
        "Against their limits before the change, the weekly charts show "
        + ", and ".join(said)
        + "."
    )


def _segment_dims(wb: Workbook) -> list[str]:
    return [d for d in ("channel", "segment") if d in wb.ticket_columns]


def _by_segment(wb: Workbook, *, changes: bool = True) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every objective's segments compared (with ``changes``) and its mix effects, from the
    objective's cases (:func:`~cslib.stages._segment_change.objective_cases`, read once for
    all the segment dimensions), stacked with ``objective`` and ``by``."""
    found: list[pd.DataFrame] = []
    mixed: list[pd.DataFrame] = []

    def labelled(table: pd.DataFrame, o, dim: str) -> pd.DataFrame:
        return table.assign(objective=o.id, by=dim)[["objective", "by", *table.columns]]

    for o in wb.cycle.objectives:
        measure = REGISTRY[o.kpi]
        # the cases compared are tickets; a standard's are evaluations
        kind = None if "evaluations" in measure.needs else KIND.get(measure.kind)
        dims = _segment_dims(wb)
        if kind is None or not dims:
            continue
        cases = objective_cases(wb, o, dims)
        for dim in dims:
            if in_both_periods(cases, dim):
                if changes:
                    found.append(labelled(segment_changes(cases, dim, kind), o, dim))
                mixed.append(labelled(mix_of(cases, dim, kind), o, dim))
    return _stacked(found), _stacked(mixed)


def _stacked(frames: list[pd.DataFrame]) -> pd.DataFrame:
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


@after_review_starts
def segments(wb: Workbook) -> Html | Table:
    """Every segment compared between baseline and review (Holm-adjusted p-values); saved as ``segments``."""

    # cases of one day share its staffing: intervals and tests count days
    frame, mixed = _by_segment(wb)
    wb._cache[("mix",)] = mixed  # a cheap aggregate of the same cases, kept for mix()
    if frame.empty:
        return Table(
            pd.DataFrame({"note": ["No channel or segment column: segments cannot be compared."]})
        )
    wb.save("segments", frame)
    shown = by_row_unit(
        frame.assign(unit=frame["objective"].map(_units(wb))),
        [c for c in ("before", "after", "diff", "ci_low", "ci_high") if c in frame],
    ).drop(columns="unit")
    body = [
        c
        for c in ("objective", "by", "segment", "before", "after", "diff", "p_adjusted")
        if c in shown
    ]
    changed = shown["significant"].fillna(False).astype(bool).to_numpy()
    return Html.join(
        Html.text(
            f"{int(changed.sum())} of {len(shown)} segments changed significantly between baseline and review in the adopting teams "
            "(p-values adjusted with Holm's method within each objective × dimension)"
            + ("; the others:" if (~changed).any() else ".")
        ),
        Table(shown[~changed][body]) if (~changed).any() else None,
        Html.appendix(f"All {len(shown)} segments compared", {"": shown}),
    )


def _units(wb: Workbook) -> dict[str, str]:
    """Each objective's display unit."""
    return {o.id: kpi_unit(o.kpi, wb.cycle.economics.currency) for o in wb.cycle.objectives}


@after_review_starts
def mix(wb: Workbook) -> Html | Table:
    """Causes of variance: the overall change split into mix (segment shares) and rate (performance) effects; saved as ``mix``."""

    frame = wb._cache[("mix",)] if ("mix",) in wb._cache else _by_segment(wb, changes=False)[1]
    if frame.empty:
        return Table(pd.DataFrame({"note": ["No channel or segment column: no mix analysis."]}))
    wb.save("mix", frame)
    effects = ["mean_before", "mean_after", "mix_effect", "rate_effect", "total_effect"]
    shown = by_row_unit(frame.assign(unit=frame["objective"].map(_units(wb))), effects).drop(
        columns="unit"
    )
    body = [
        "objective",
        "by",
        "mean_before",
        "mean_after",
        "mix_effect",
        "rate_effect",
        "total_effect",
    ]
    totals = frame[frame["segment"] == "total"]
    mixed = sorted(
        set(totals.loc[totals["mix_effect"].abs() > totals["rate_effect"].abs(), "objective"])
    )
    return Html.join(
        Html.text(
            "For every objective the change comes from performance within segments, not from their shares moving."
            if not mixed
            else f"For {', '.join(mixed)} the segments' shares moving (mix) weigh more than performance within them: read the change with care."
        ),
        Table(
            shown[shown["segment"] == "total"][body],
            folded="Mix and rate effects per objective",
            caption="Mix effect: change from segments' shares moving; rate effect: change within segments at the baseline mix. Means of the cases (durations as means). The two add up to the total.",
        ),
        Html.appendix("Each segment's share and rate", {"": shown}),
    )


def save(wb: Workbook) -> None:
    """Make sure the ``verdicts`` artefact the Act and the report read is saved (shows nothing)."""
    if not artefacts.table_path(wb.run_dir, "check", "verdicts").exists():
        scorecard(wb)
