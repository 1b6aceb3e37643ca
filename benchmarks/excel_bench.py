"""Benchmark: checking a large Excel export, the first time and again (as each stage does).

Writes an N-row workbook of tickets (cached in benchmarks/out/), then in a fresh
process per measurement runs the table's full check (what ``cslib validate`` and
each stage's kernel do) and reports wall time and peak memory (max RSS). The
first check reads the workbook and keeps a Parquet copy in the cache folder
(``CSLIB_CACHE_DIR``, here a fresh folder per run); the second reads that copy.
CPU seconds are given beside wall time: on a shared machine they are the steadier figure.

    python benchmarks/excel_bench.py                  # 1M rows
    python benchmarks/excel_bench.py --rows 200000

Run it with ``PYTHONPATH`` at another checkout to measure that version.

Measured on 2 shared cores (wall s / CPU s / peak MB), openpyxl read on every check
before, calamine read once then the Parquet copy after:

============  =================  ==================  ================
rows          before, each check  after, first check  after, again
============  =================  ==================  ================
100,000       312 / 77.6 / 723   13.1 / 3.6 / 308    1.6 / 0.4 / 173
1,000,000     (see below)        113 / 31.9 / 1,155  6.8 / 2.2 / 227
============  =================  ==================  ================
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"
HEADER = ["Ticket", "Opened", "Closed", "Channel", "Team", "Status"]


def write_workbook(path: Path, rows: int) -> None:
    """An export as a helpdesk writes it: one sheet, a header row, dates as date cells.

    The workbook's XML is written directly (a spreadsheet library takes half an hour
    for a million rows).
    """
    import zipfile

    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    parts = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>',
        "_rels/.rels": f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<?xml version="1.0" encoding="UTF-8"?><workbook {ns} xmlns:r="{rel}">'
        '<sheets><sheet name="Tickets" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{rel}/styles" Target="styles.xml"/></Relationships>',
        "xl/styles.xml": f'<?xml version="1.0" encoding="UTF-8"?><styleSheet {ns}>'
        '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd hh:mm"/></numFmts>'
        '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="1"><fill><patternFill patternType="none"/></fill></fills><borders count="1"><border/></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs></styleSheet>',
    }
    channels, teams = ("email", "chat", "phone", "web"), ("Billing", "Accounts", "Returns")
    day0 = 46023.0  # 1 January 2026 as an Excel serial day

    def text(value: str) -> str:
        return f'<c t="inlineStr"><is><t>{value}</t></is></c>'

    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        for name, xml in parts.items():
            book.writestr(name, xml)
        with book.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(
                f'<?xml version="1.0" encoding="UTF-8"?><worksheet {ns}><sheetData>'.encode()
            )
            sheet.write(("<row>" + "".join(map(text, HEADER)) + "</row>").encode())
            lines = []
            for i in range(rows):
                opened = day0 + i // 3 / 1440
                closed = f'<c s="1"><v>{opened + (1 + i % 47) / 24!r}</v></c>' if i % 10 else "<c/>"
                status = "open" if i % 10 == 0 else "resolved"
                lines.append(
                    f'<row>{text(f"T{i:07d}")}<c s="1"><v>{opened!r}</v></c>{closed}'
                    f"{text(channels[i % 4])}{text(teams[i % 3])}{text(status)}</row>"
                )
                if len(lines) == 10_000:
                    sheet.write("".join(lines).encode())
                    lines = []
            sheet.write(("".join(lines) + "</sheetData></worksheet>").encode())


def measure(path: Path) -> dict:
    from cslib.data.tables import ReadOptions, check_table

    opts = ReadOptions(
        columns=(("ticket_id", "Ticket"), ("created_at", "Opened"), ("resolved_at", "Closed"))
    )
    before = resource.getrusage(resource.RUSAGE_SELF)
    cpu_before = before.ru_utime + before.ru_stime
    start = time.perf_counter()
    problems = check_table(path, "tickets", opts=opts)
    seconds = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = usage.ru_utime + usage.ru_stime - cpu_before
    peak = usage.ru_maxrss / 1024  # MB on Linux
    return {"seconds": seconds, "cpu": cpu, "peak_mb": peak, "problems": len(problems)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--checks", type=int, default=2, help="how many times to check it")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:  # child process: one measurement
        print(json.dumps(measure(Path(args.one))))
        return
    OUT.mkdir(exist_ok=True)
    path = OUT / f"tickets_{args.rows}.xlsx"
    if not path.exists():
        start = time.perf_counter()
        write_workbook(path, args.rows)
        print(
            f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - start:.0f} s"
        )
    env = {**os.environ, "CSLIB_CACHE_DIR": tempfile.mkdtemp(prefix="cslib-bench-cache-")}
    print(f"{'rows':>9} {'check':>7} {'seconds':>8} {'CPU s':>8} {'peak MB':>8}")
    for check in ("first", "again")[: args.checks]:
        result = subprocess.run(
            [sys.executable, __file__, "--one", str(path)],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        )
        m = json.loads(result.stdout.strip().splitlines()[-1])
        print(
            f"{args.rows:>9,} {check:>7} {m['seconds']:>8.1f} {m['cpu']:>8.1f} {m['peak_mb']:>8.0f}"
        )


if __name__ == "__main__":
    main()
