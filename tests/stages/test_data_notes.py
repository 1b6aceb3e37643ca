"""The Plan's data notes: the contact-centre definitions used and what the mapping cleaned."""

from __future__ import annotations

import textwrap

from cslib.cycle.workbook import open_workbook
from cslib.stages import data_notes, plan

CALLS = """
call_id,customer_id,q_start,ser_start,ser_exit,q_exit,outcome,server,queue
1,101,2026-01-05 09:00:00,2026-01-05 09:00:10,2026-01-05 09:05:10,,AGENT,ann,Retail
2,102,2026-01-05 09:03:00,,,2026-01-05 09:03:02,HANG,,Retail
3,103,2026-01-05 09:04:00,,,2026-01-05 09:04:00,PHANTOM,,Retail
4,999,2026-01-05 09:06:00,2026-01-05 09:06:01,2026-01-05 09:06:31,,AGENT,cat,Retail
5,104,2026-02-05 09:00:00,2026-02-05 09:00:10,2026-02-05 09:05:10,,AGENT,ann,Retail
"""


def _workbook(tmp_path, definitions: str):
    (tmp_path / "calls.csv").write_text(textwrap.dedent(CALLS).lstrip(), encoding="utf-8")
    (tmp_path / "cycle.yaml").write_text(
        textwrap.dedent(
            f"""
            title: Phone
            data:
              tickets:
                path: calls.csv
                adapter: call_log
                mapping: {{drop: [{{reason: test calls, where: {{customer_id: "999"}}}}]}}
            periods:
              baseline: {{start: 2026-01-01, end: 2026-01-31}}
              review: {{start: 2026-02-01, end: 2026-02-28}}
            change: {{date: 2026-02-01}}
            {definitions}
            """
        ),
        encoding="utf-8",
    )
    return open_workbook(tmp_path / "cycle.yaml", run_dir=tmp_path / "run", stage="plan")


def test_the_plan_states_the_definitions_and_the_cleaning(tmp_path):
    wb = _workbook(tmp_path, "definitions: {short_abandon_seconds: 0, service_level_over: offered}")
    html = plan.measures(wb)._repr_html_()
    assert (
        "Abandonment: abandoned ÷ offered queue contacts (answered + abandoned); "
        "every abandoned contact counts, however short." in html
    )
    assert "Service level: answered within 20 s ÷ offered queue contacts." in html
    assert "dropped: phantom calls (no caller on the line): 1 row" in html
    assert "dropped: test calls: 1 row" in html


def test_the_default_threshold_is_stated(tmp_path):
    wb = _workbook(tmp_path, "")
    words = data_notes.definitions_of(wb).set_index("kpi")["definition"]
    assert "abandons within 5 s (short abandons) excluded from both" in words["abandon_rate"]
    assert words["service_level"].endswith("less abandons within 5 s")
