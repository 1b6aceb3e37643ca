"""The sample operation: deterministic, valid against the contract, with its injected effect."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd

from cslib.cycle.model import validate_cycle
from cslib.data.sample import RESOLUTION_FACTOR, TEAMS, generate_tickets, write_sample
from cslib.metrics import engine as kpi

ROOT = Path(__file__).resolve().parents[2]


def digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_same_seed_same_files(sample_dir, tmp_path):
    write_sample(tmp_path / "again")
    assert digests(tmp_path / "again") == digests(sample_dir)


def test_other_seed_other_tickets():
    a, b = generate_tickets(3_000, seed=1), generate_tickets(3_000, seed=2)
    assert len(a) == len(b) == 3_000
    assert not a["created_at"].equals(b["created_at"])


def test_committed_sample_is_the_default_generator_output(sample_dir):
    committed = ROOT / "data" / "sample"
    hand_written = {
        "README.md",
        "review.yaml",
    }  # the sample's description and its batch review file
    assert sorted(p.name for p in committed.iterdir() if p.name not in hand_written) == sorted(
        p.name for p in sample_dir.iterdir()
    )
    pd.testing.assert_frame_equal(
        pd.read_parquet(committed / "tickets.parquet"),
        pd.read_parquet(sample_dir / "tickets.parquet"),
    )
    for name in (
        "complaints.csv",
        "survey.csv",
        "feedback.csv",
        "training.csv",
        "agents.csv",
        "evaluations.csv",
        "cycle.yaml",
    ):
        assert (committed / name).read_bytes() == (sample_dir / name).read_bytes(), name


def test_sample_meets_the_contract_and_supports_every_kpi(sample_dir):
    cycle, problems = validate_cycle(sample_dir / "cycle.yaml")
    assert problems == []
    out = kpi.compute(
        sample_dir / "tickets.parquet",
        freq="M",
        sla=cycle.sla_spec(),
        complaints=sample_dir / "complaints.csv",
        economics=cycle.economics.model_dump(),
    )
    assert set(kpi.REGISTRY) <= set(out.columns)


def test_sample_is_realistic(sample_dir):
    t = pd.read_parquet(sample_dir / "tickets.parquet")
    assert 44_000 <= len(t) <= 46_000 and t["ticket_id"].is_unique
    assert t["created_at"].min() >= pd.Timestamp("2026-01-05") and t[
        "created_at"
    ].max() < pd.Timestamp("2026-11-01")
    assert set(t["channel"]) == {"email", "chat", "phone", "web"} and t["team"].nunique() == 6
    weekday = t["created_at"].dt.day_of_week.value_counts(normalize=True)
    assert weekday[0] > 2 * weekday[6]  # Mondays are busy, Sundays quiet
    for col, share in (("csat", (0.15, 0.25)), ("nps", (0.08, 0.15)), ("ces", (0.1, 0.2))):
        assert share[0] < t[col].notna().mean() < share[1], col
    live = t[t["channel"].isin(["phone", "chat"])]
    assert 0.01 < live["abandoned"].mean() < 0.1
    assert t.loc[~t["channel"].isin(["phone", "chat"]), "abandoned"].isna().all()
    assert (
        t["resolved_at"].isna() & (t["status"] != "abandoned")
    ).sum() > 50  # some are still open


def _did(monthly: pd.DataFrame, value: str, ratio: bool) -> float:
    """Difference-in-differences of team-month values: roll-out teams vs controls, Jan–May vs Aug–Oct."""
    rolled = {t.name for t in TEAMS if t.rollout}
    m = monthly.assign(group=np.where(monthly["team"].isin(rolled), "treated", "control"))
    before = m[m["period"] < "2026-06-01"].groupby("group")[value].mean()
    after = m[m["period"] >= "2026-08-01"].groupby("group")[value].mean()
    if ratio:
        return (after["treated"] / before["treated"]) / (after["control"] / before["control"])
    return (after["treated"] - before["treated"]) - (after["control"] - before["control"])


def test_injected_effect_is_present_and_only_where_injected(sample_dir):
    monthly = kpi.compute(
        sample_dir / "tickets.parquet",
        kpis=["resolution_hours", "fcr", "csat", "first_response_hours", "aht_seconds"],
        freq="M",
        by="team",
        stat="mean",
    )
    # mean resolution time: the work-time factor, diluted a little by tickets resolved within the contact
    assert (
        RESOLUTION_FACTOR - 0.08
        < _did(monthly, "resolution_hours", ratio=True)
        < RESOLUTION_FACTOR + 0.10
    )
    assert 0.06 < _did(monthly, "fcr", ratio=False) < 0.14
    assert 0.02 < _did(monthly, "csat", ratio=False) < 0.12
    one_contact = pd.read_parquet(sample_dir / "tickets.parquet", filters=[("contacts", "==", 1)])
    one_contact["period"] = one_contact["created_at"].dt.to_period("M").dt.start_time
    aht = one_contact.groupby(["team", "period"], as_index=False)["handle_seconds"].mean()
    assert 1.0 < _did(aht, "handle_seconds", ratio=True) < 1.10  # +5 % at equal contacts
    # the control KPI: no effect on first response
    assert 0.85 < _did(monthly, "first_response_hours", ratio=True) < 1.15


def test_training_precedes_most_go_lives(sample_dir):
    training = pd.read_csv(sample_dir / "training.csv", parse_dates=["completed_at"])
    course = training[training["course"].str.startswith("Knowledge base")]
    go_live = {t.name: pd.Timestamp(t.rollout) for t in TEAMS if t.rollout}
    assert set(course["team"]) == set(go_live)
    before = (course["completed_at"] < course["team"].map(go_live)).mean()
    assert (
        0.7 < before < 0.97
    )  # a few agents train late: trained vs not-yet-trained comparisons exist


def test_servqual_survey_has_both_waves_and_reversed_items(sample_dir):
    survey = pd.read_csv(sample_dir / "survey.csv", parse_dates=["date"])
    assert survey["item"].nunique() == 22 and set(survey["dimension"]) == {
        "tangibles",
        "reliability",
        "responsiveness",
        "assurance",
        "empathy",
    }
    assert survey["date"].dt.month.isin([3, 9]).all()
    assert survey.loc[survey["reversed"], "item"].unique().tolist() == [11, 19]
    weights = pd.read_csv(sample_dir / "survey_weights.csv")
    assert (weights.groupby("respondent_id")["points"].sum() == 100).all()


def test_generator_scales_with_flat_memory(tmp_path):
    """Month-by-month writing: 200k tickets go through in row groups, not one frame."""
    import pyarrow.parquet as pq

    paths = write_sample(tmp_path, n_tickets=200_000, seed=3)
    meta = pq.ParquetFile(paths["tickets"]).metadata
    assert meta.num_rows == 200_000 and meta.num_row_groups == 10
