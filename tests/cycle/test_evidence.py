"""The evidence check: each gap of the cycle file and of the data is one finding, errors first."""

from __future__ import annotations

import yaml

from cslib.cycle.evidence import check_cycle
from cslib.cycle.model import parse_cycle


def sample(sample_dir, **changes) -> dict:
    raw = yaml.safe_load((sample_dir / "cycle.yaml").read_text(encoding="utf-8"))
    return {**raw, **changes}


def items(found) -> list[tuple[str, str, str]]:
    return list(found[["level", "area", "item"]].itertuples(index=False, name=None))


def test_the_sample_cycle_file_is_complete(sample_dir):
    cycle = parse_cycle(sample(sample_dir), base_dir=sample_dir)
    assert check_cycle(cycle, data=False).empty


def test_a_bare_cycle_file_misses_the_strategy_and_the_plan(sample_dir):
    raw = sample(sample_dir)
    for key in ("organisation", "scope", "stakeholders", "risks", "actions", "economics"):
        raw.pop(key)
    found = check_cycle(parse_cycle(raw, base_dir=sample_dir), data=False)
    assert items(found) == [
        ("warning", "strategy", "organisation.mission"),
        ("warning", "strategy", "organisation.goals"),
        ("warning", "plan", "stakeholders"),
        ("warning", "plan", "scope.segments"),
        ("warning", "plan", "risks"),
        ("warning", "plan", "actions"),
        ("warning", "act", "economics"),
    ]


def test_incomplete_consultation_risks_actions_and_records(sample_dir):
    raw = sample(
        sample_dir,
        stakeholders=[{"group": "agents"}],
        risks=[{"risk": "x", "likelihood": 2, "impact": 3}],
        actions=[{"action": "a"}],
        economics={"currency": "GBP"},
    )
    raw["data"] = {"tickets": raw["data"]["tickets"]}
    # an objective on a service standard needs the evaluations table just removed
    raw["objectives"] = [o for o in raw["objectives"] if not o["kpi"].startswith("standard:")]
    found = check_cycle(parse_cycle(raw, base_dir=sample_dir), data=False)
    assert found["finding"].tolist() == [
        "customers were not consulted",
        "management were not consulted",
        "risk 'x' has no mitigation",
        "no peak-time or unexpected-event contingency (staffing)",
        "action 'a' has no owner, start, end, resources",
        "no communication plan to staff and stakeholders",
        "no training records: staff preparation cannot be tied to outcomes",
        "no customer comments: the Check has no qualitative evidence",
        "no costs: the business side of the benefit cannot be valued",
    ]


def test_errors_come_first_and_the_data_is_checked(sample_dir):
    raw = sample(
        sample_dir,
        change={"date": "2020-01-01"},
        periods={
            "baseline": {"start": "2024-01-01", "end": "2024-01-20"},
            "review": {"start": "2024-02-01", "end": "2024-02-10"},
        },
    )
    found = check_cycle(parse_cycle(raw, base_dir=sample_dir))
    assert items(found) == [
        ("error", "check", "change.date"),
        ("error", "check", "periods.baseline"),
        ("warning", "check", "periods.baseline"),
        ("warning", "check", "periods.review"),
    ]


def test_targets_are_judged_against_the_baseline(sample_dir):
    raw = sample(sample_dir)
    for o in raw["objectives"]:
        o["target"] = o["target"] * (0.01 if o["direction"] == "increase" else 100)
    found = check_cycle(parse_cycle(raw, base_dir=sample_dir))
    assert len(found) == len(raw["objectives"])
    assert found["finding"].str.contains("already met at baseline").all()


def test_targets_out_of_reach_read_in_their_kpis_units(sample_dir):
    from cslib.stages.plan import checks_sentence

    found = check_cycle(parse_cycle(sample(sample_dir), base_dir=sample_dir))
    beyond = found.set_index("item")["finding"]
    # the sample's FCR target 0.75 and AHT target 500 s, as the scorecard shows them
    assert beyond["objective O2"].startswith("target 75.0 % is beyond every baseline week (best ")
    assert beyond["objective O4"].startswith("target 500 s is beyond every baseline week (best ")
    assert not found["finding"].str.contains(r"\b0\.\d+\b").any()
    assert checks_sentence(found) == (
        "Nothing blocks the evaluation; 2 pieces of evidence are missing or weak: "
        "objective O2 (SMART), objective O4 (SMART)."
    )


def test_targets_are_judged_against_the_roll_out_teams_baseline(sample_dir, tmp_path):
    """The baseline a target is judged against is the Plan's and the Check's: the roll-out
    teams', not every team pooled (the sample's comparison teams resolve first time less often)."""
    from cslib.cycle.workbook import open_workbook
    from cslib.display import with_unit
    from cslib.metrics.engine import REGISTRY
    from cslib.stages import check

    found = check_cycle(parse_cycle(sample(sample_dir), base_dir=sample_dir))
    wb = open_workbook(sample_dir / "cycle.yaml", run_dir=tmp_path, stage="check")
    o2 = next(o for o in wb.cycle.objectives if o.id == "O2")
    level = with_unit(check.level(wb, o2, "baseline"), REGISTRY[o2.kpi].unit)
    pooled = with_unit(wb.objective_value(o2, "baseline")["value"].iloc[0], REGISTRY["fcr"].unit)
    said = found.set_index("item").loc["objective O2", "finding"]
    assert f"baseline {level})" in said and level != pooled
