"""The Do stage's data-quality section."""

from __future__ import annotations

import pandas as pd

from cslib.cycle.workbook import open_workbook
from cslib.data.sample.write import CSV_TABLES
from cslib.stages import do


def test_data_quality_reports_ids_cleaned_of_invisible_characters(tmp_path, sample_dir):
    tickets = pd.read_parquet(sample_dir / "tickets.parquet")
    tickets.loc[[3, 8, 9], "ticket_id"] = "\ufeff" + tickets.loc[[3, 8, 9], "ticket_id"]
    tickets.to_parquet(tmp_path / "tickets.parquet")
    cycle = (sample_dir / "cycle.yaml").read_text()
    for name in CSV_TABLES:
        cycle = cycle.replace(f"{name}: {name}.csv", f"{name}: {sample_dir / (name + '.csv')}")
    (tmp_path / "cycle.yaml").write_text(cycle)
    wb = open_workbook(tmp_path / "cycle.yaml", run_dir=tmp_path / "run", stage="do")
    shown = do.data_quality(wb)._repr_html_()
    assert "Tickets ticket_id: 3 values held invisible characters" in shown


def test_the_share_of_empty_values_per_month_is_counted_by_hand(tmp_path, sample_dir):
    wb = open_workbook(sample_dir / "cycle.yaml", run_dir=tmp_path / "run", stage="do")
    do.data_quality(wb)
    saved = wb.load("missing")
    tickets = pd.read_parquet(sample_dir / "tickets.parquet")
    month = tickets["created_at"].dt.tz_localize(None).dt.to_period("M").dt.to_timestamp()
    by_hand = tickets.drop(columns=["ticket_id", "created_at"]).isna().groupby(month).mean()
    shares = saved.set_index("month")[by_hand.columns]
    assert (shares.index == by_hand.index).all()  # months (their resolution differs by pandas)
    pd.testing.assert_frame_equal(shares.reset_index(drop=True), by_hand.reset_index(drop=True))
    assert (saved["tickets"].to_numpy() == month.value_counts().sort_index().to_numpy()).all()
