"""The Do stage: what was implemented when, who was trained, and monitoring since go-live.

Each function takes the open :class:`~cslib.cycle.workbook.Workbook` and returns one
displayable object.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cslib.analyses import charts as plots_analyses
from cslib.analyses import risks_actions as planning
from cslib.analyses import training as training_module
from cslib.cycle.workbook import Workbook
from cslib.display import Chart, Html, Table, counted, esc
from cslib.stages._shared import (
    by_row_unit,
    change_course,
    columns,
    cycle_span,
    kpi_labels,
    kpi_unit,
    treated_teams,
)
from cslib.stages._waiting import after_review_starts
from cslib.stages.standards.do import standards as standards


def implementation(wb: Workbook) -> Html | Table:
    """The implementation log: each action planned vs actual, with slippage in days; saved as ``implementation``."""
    frame = planning.action_timeline(wb.cycle)
    if frame.empty:
        return Table(
            pd.DataFrame(
                {
                    "note": [
                        "No actions in the cycle file: the implementation cannot be shown against a plan."
                    ]
                }
            )
        )
    wb.save("implementation", frame)
    done = (frame["status"] == "done").sum()
    late = int((frame["end_slip_days"] > 0).sum())
    return Html.join(
        Html.folded(
            "The actions on a timeline, planned against actual",
            Chart.of(plots_analyses.action_gantt, frame),
        ),
        Table(
            frame,
            columns={
                "cost": ("cost", wb.cycle.economics.currency),
                "end_slip_days": ("days late", "count"),
            },
            body=[
                "action",
                "owner",
                "planned_end",
                "actual_end",
                "end_slip_days",
                "status",
                "cost",
            ],
            caption=f"{done} of {len(frame)} actions done, {late} finished late; total cost {frame['cost'].sum():,.0f} {wb.cycle.economics.currency}",
        ),
    )


def rollout(wb: Workbook) -> Table:
    """Roll-out coverage by team: go-live, agents, training completed by go-live and now, tickets handled by trained agents."""
    teams = wb.kpis(kpis=["volume"], freq="all", by="team") if "team" in wb.ticket_columns else None
    if teams is None:
        return Table(
            pd.DataFrame(
                {"note": ["The tickets have no team column: roll-out coverage cannot be shown."]}
            )
        )
    training, agents = wb.table("training"), wb.table("agents")
    course = change_course(wb)
    rows = []
    for team in sorted(teams["team"].dropna()):
        go = wb.cycle.rollout.get(team)
        row = {"team": team, "group": "roll-out" if go else "comparison", "go-live": go}
        if agents is not None and training is not None and course:
            staff = agents.loc[agents["team"] == team, "agent_id"]
            done = training[(training["course"] == course) & training["agent_id"].isin(staff)]
            row["agents"] = len(staff)
            row["trained by go-live"] = (
                (done["completed_at"] < pd.Timestamp(go)).sum() / len(staff)
                if go and len(staff)
                else np.nan
            )
            row["trained now"] = done["agent_id"].nunique() / len(staff) if len(staff) else np.nan
        rows.append(row)
    frame = pd.DataFrame(rows)
    if go_tickets := _trained_share(wb, course):
        frame["tickets by trained agents since go-live"] = frame["team"].map(go_tickets)
    wb.save("rollout", frame)
    note = (
        f"Course linked to the change: '{course}'"
        if course
        else "No training course could be linked to the change"
    )
    return Table(
        frame,
        caption=note,
        columns={
            "trained by go-live": ("trained by go-live", "share"),
            "trained now": ("trained now", "share"),
            "tickets by trained agents since go-live": (
                "tickets by trained agents since go-live",
                "share",
            ),
        },
    )


def _trained_share(wb: Workbook, course: str | None) -> dict[str, float]:
    """Share of each roll-out team's tickets since go-live handled by an agent trained at the time."""
    training = wb.table("training")
    if not course or training is None or "agent_id" not in wb.ticket_columns:
        return {}
    from cslib.data import tables as io

    trained = (
        training[training["course"] == course]
        .groupby("agent_id")["completed_at"]
        .min()
        .reset_index()
    )
    path, opts = wb.source("tickets")
    con, _ = io.open_table(path, "tickets", opts=opts, validate=False, view="t")
    con.register("trained", trained)
    go = pd.DataFrame(
        {"team": list(wb.cycle.rollout), "go": [pd.Timestamp(d) for d in wb.cycle.rollout.values()]}
    )
    con.register("golive", go)
    out = con.execute(
        "SELECT t.team, avg(CASE WHEN tr.completed_at <= t.created_at THEN 1.0 ELSE 0.0 END) FROM t JOIN golive g ON t.team = g.team "
        "LEFT JOIN trained tr ON t.agent_id = tr.agent_id WHERE t.created_at >= g.go GROUP BY t.team"
    ).fetchall()
    con.close()
    return dict(out)


@after_review_starts
def training_effect(wb: Workbook):
    """Training tied to outcomes: agents before vs after their own course, and trained vs not-yet-trained in the same weeks."""
    course = change_course(wb)
    training_table = wb.table("training")
    if course is None or training_table is None or "agent_id" not in wb.ticket_columns:
        return Html.text(
            "No training records linked to the change and to the tickets' agents: training cannot be tied to outcomes."
        )
    if not (
        training_table["course"] == course
    ).any():  # a comparison team's run: nobody was trained
        return Html.text(
            f"No agent of {', '.join(wb.scope_teams) or 'these teams'} completed the course "
            f"“{course}”: training cannot be tied to outcomes here."
        )
    result = training_module.training_effect(
        **wb.ticket_scan(), training=training_table, course=course, validate=False
    )
    wb.save("training_effect", result.table)
    kpi = result.table["kpi"].iloc[0] if len(result.table) else None
    return Html.join(
        Chart.of(plots_analyses.training_chart, result, kpi=kpi)
        if (result.weekly["kpi"] == kpi).any()
        else Html.text("No week had both trained and not-yet-trained agents to draw side by side."),
        Html.text(
            "Trained vs not-yet-trained compares agents in the same weeks (and teams): the fair comparison. "
            "Before vs after an agent's own training does not control for seasonality or other changes."
        ),
        Table(
            _in_kpi_units(wb, result.table),
            columns=columns(wb),
            folded="The comparisons in figures",
        ),
    )


def _in_kpi_units(wb: Workbook, table: pd.DataFrame) -> pd.DataFrame:
    """A table with a ``kpi`` column: its values in each row's KPI unit, the KPI by its label."""
    currency = wb.cycle.economics.currency
    values = [c for c in ("before", "after", "diff", "ci_low", "ci_high") if c in table]
    shown = by_row_unit(table.assign(unit=[kpi_unit(k, currency) for k in table["kpi"]]), values)
    return kpi_labels(shown.drop(columns="unit"))


def training(wb: Workbook) -> Html:
    """Cumulative completion of the change's course by team, with go-live dates (on demand)."""
    training_table, agents = wb.table("training"), wb.table("agents")
    course = change_course(wb)
    if course is None or agents is None or training_table is None:
        return Html.text("No training records linked to the change.")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(9, 3.8))
    ax = fig.subplots()
    done = training_table[training_table["course"] == course]
    for i, (team, go) in enumerate(wb.cycle.rollout.items()):
        staff = (agents["team"] == team).sum()
        days = done.loc[done["team"] == team, "completed_at"].sort_values()
        colour = f"C{i}"
        ax.step(
            days,
            np.arange(1, len(days) + 1) / max(staff, 1),
            where="post",
            color=colour,
            label=team,
        )
        ax.axvline(pd.Timestamp(go), color=colour, linestyle=":", linewidth=1)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("share of the team's agents trained")
    ax.set_title(f"Training completion: {course} (dotted: go-live)")
    ax.legend(frameon=False, loc="lower right")
    ax.spines[["top", "right"]].set_visible(False)
    fig.autofmt_xdate()
    return Html.folded(f"Training completion by team: {course}", Chart(fig))


#: where the weekly control charts since go-live are drawn (the Check's page and section)
CHARTS_LINK = "check.html#check-Before-and-after-on-control-charts"


@after_review_starts
def monitoring(wb: Workbook) -> Html:
    """Sustained monitoring: where the weekly control charts of the adopting teams are (drawn once, in the Check)."""
    who = ", ".join(treated_teams(wb)) or ", ".join(wb.scope_teams) or "all teams"
    return Html(
        f"<p>The objectives have been followed every week since go-live in {esc(who)}, on control charts with a new "
        f'part from the change: see <a href="{CHARTS_LINK}">Check: before and after on control charts</a>.</p>'
    )


def data_quality(wb: Workbook) -> Html:
    """Data-quality monitoring: missing values per column and month, so gaps are seen before they are analysed."""
    from cslib.data import sql
    from cslib.data import tables as io

    path, opts = wb.source("tickets")
    con, _ = io.open_table(path, "tickets", opts=opts, validate=False, view="t")
    cols = [c for c in wb.ticket_columns if c not in ("ticket_id", "created_at")]
    parts = ", ".join(  # counts of values read from validity masks, not values compared
        f"(count(*) - count({sql.ident(c)})) / count(*) AS {sql.ident(c)}" for c in cols
    )
    frame = con.execute(
        f"SELECT date_trunc('month', created_at) AS month, count(*) AS tickets, {parts} FROM t GROUP BY ALL ORDER BY month"
    ).df()
    con.close()
    wb.save("missing", frame)
    shares = frame[cols]
    summary = pd.DataFrame(
        {
            "column": [c.replace("_", " ") for c in cols],
            "empty overall": (
                shares.mul(frame["tickets"], axis=0).sum() / frame["tickets"].sum()
            ).to_numpy(),
            "lowest month": shares.min().to_numpy(),
            "highest month": shares.max().to_numpy(),
        }
    )
    notes = io.id_notes(wb.cycle.path("tickets"), "tickets", opts=wb.cycle.read_options("tickets"))
    return Html.join(
        *(Html(f"<p>Tickets {esc(note)}.</p>") for note in notes),
        Table(
            summary[summary["highest month"] > 0],
            folded="Empty values by column",
            columns={k: (k, "share") for k in ("empty overall", "lowest month", "highest month")},
            caption="Share of tickets with each column empty (columns never empty left out); survey columns are empty for unsurveyed tickets, a sudden change elsewhere is a data problem",
        ),
        Html.appendix("Empty values by month", {"": frame}, {c: (c, "share") for c in cols}),
    )


@after_review_starts
def volumes(wb: Workbook) -> Html:
    """Daily ticket volumes over the cycle, with the go-live dates: gaps and spikes stand out."""
    start, end = cycle_span(wb)
    by = "team" if "team" in wb.ticket_columns else ()
    daily = wb.kpis(kpis=["volume"], freq="D", by=by, start=start, end=end)
    from matplotlib.figure import Figure

    fig = Figure(figsize=(9, 3.6))
    ax = fig.subplots()
    if by:
        wide = daily.pivot(index="period", columns="team", values="volume")
        ax.stackplot(wide.index, wide.T.to_numpy(), labels=wide.columns, alpha=0.85)
        ax.legend(frameon=False, fontsize=8, ncol=3, loc="upper left")
    else:
        ax.plot(daily["period"], daily["volume"])
    for d in set(wb.cycle.rollout.values()) | {wb.cycle.change.date}:
        ax.axvline(pd.Timestamp(d), color="black", linestyle=":", linewidth=1)
    zero = daily.groupby("period")["volume"].sum()
    gaps = zero[zero == 0]
    ax.set_title(
        "Tickets per day" + (f" — {len(gaps)} day(s) without tickets" if len(gaps) else "")
    )
    ax.spines[["top", "right"]].set_visible(False)
    fig.autofmt_xdate()
    said = (
        f"{counted(len(gaps), 'day')} of the cycle had no tickets: check the export for a gap."
        if len(gaps)
        else "Every day of the cycle has tickets: no gap in the export."
    )
    return Html.join(Html.text(said), Html.folded("Tickets per day over the cycle", Chart(fig)))


def save(wb: Workbook) -> None:
    """The Do stage's results are saved as they are shown: nothing is left to record or show."""
