"""One count everywhere (issue 26, item 3): programs running ÷ planned is the same number, in
the same words, on Ringkasan, Kolaborasi OPD, the meeting page, the deck, and the evaluation
report (Excel and PDF text); and it is the count domain.md section 3 defines, checked here
against a plain reading of the facts tables."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
from streamlit.testing.v1 import AppTest

from monev.domain.rollup import PLANNED_LABEL, RUNNING_LABEL, running_text
from monev.engine.asof import AsOf
from monev.engine.attainment import masterplan_attainment
from monev.engine.meeting import current_rules
from monev.reports import evaluation as report
from monev.store import db
from monev.store import meetings as store
from monev.ui import slides as sl

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app.py"
REGION = "35.23"
YEAR, TW = 2026, 3


def _plain_counts(con: object, year: int, tw: int) -> tuple[int, int]:
    """Planned and running, read straight from the active facts (no engine code)."""
    # not postponed or cancelled for the year by a masterplan revision in force at the end
    # of the viewed TW (the demo's Perbup 38/2026: ENV-01 ditunda, ECO-06 dibatalkan)
    planned = con.execute("""
        SELECT p.program_code FROM program p JOIN active_load l USING (load_id)
        WHERE p.region_code = ? AND p.start_year <= ? AND p.end_year >= ?
          AND p.program_code NOT IN (
              SELECT r.program_code FROM revision r JOIN active_load a USING (load_id)
              WHERE r.indicator_code IS NULL
                AND r.effective_date <= last_day(make_date(?, ? * 3, 1))
                AND (r.kind = 'ditunda' AND r.year <= ? AND r.new_year > ?
                     OR r.kind = 'dibatalkan' AND r.year <= ?
                     OR r.kind = 'dijadwal_ulang' AND r.tw IS NULL AND r.year = ?
                     OR r.kind = 'ditambah' AND r.year > ?))""",
                          [REGION, year, year, year, tw, year, year, year, year,
                           year]).fetchall()
    planned_codes = {r[0] for r in planned}
    running = con.execute("""
        SELECT i.program_code FROM realisation r JOIN active_load l USING (load_id)
        JOIN indicator i ON i.indicator_code = r.indicator_code
        JOIN active_load m ON m.load_id = i.load_id
        WHERE r.region_code = ? AND r.year = ? AND r.tw <= ?
        UNION SELECT b.program_code FROM budget b JOIN active_load l USING (load_id)
        WHERE b.region_code = ? AND b.year = ? AND b.tw <= ? AND b.realisasi > 0
        UNION SELECT g.program_code FROM program_progress g JOIN active_load l USING (load_id)
        WHERE g.region_code = ? AND g.year = ? AND g.tw <= ? AND g.fisik_pct > 0""",
                          [REGION, year, tw] * 3).fetchall()
    return len(planned_codes), len(planned_codes & {r[0] for r in running})


def _page(path: str) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=120).run()
    at.switch_page(path).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_running_and_planned_are_one_count_everywhere(demo_db: Path) -> None:
    with db.opened(demo_db) as con:
        overall = masterplan_attainment(con, REGION, AsOf.latest(YEAR, TW))
        planned, running = _plain_counts(con, YEAR, TW)
        n_masterplan = con.execute(
            "SELECT count(*) FROM program JOIN active_load USING (load_id)").fetchone()[0]
        meeting = store.create_meeting(con, REGION, YEAR, TW, title="Rapat Evaluasi TW III",
                                       actor="uji", rules=current_rules(con, REGION))
        view = sl.meeting_view(con, meeting.meeting_id)
        data = report.report_data(con, meeting)
    # The definition: scheduled in 2026 (not the whole masterplan), running = with a
    # realisation of 2026 up to TW III. The demo has programs of other years on both sides.
    assert (overall["n_planned"], overall["n_running"]) == (planned, running)
    assert overall["n_masterplan"] == n_masterplan > planned >= running > 0
    words = running_text(running, planned, YEAR)

    ringkasan = _page("pages/ringkasan.py")
    metric = {m.label: m for m in ringkasan.metric}[RUNNING_LABEL]
    assert metric.delta == words

    kolaborasi = _page("pages/kolaborasi.py")
    assert {m.label: m.value for m in kolaborasi.metric}[PLANNED_LABEL] == str(planned)

    rapat = _page("pages/rapat.py")
    assert {m.label: m.delta for m in rapat.metric}[RUNNING_LABEL] == words

    assert view is not None
    summary = sl.summary_html(view)
    assert words in summary
    assert PLANNED_LABEL in summary
    assert f"tahun {YEAR}, dari {n_masterplan} program masterplan" in summary

    book = openpyxl.load_workbook(io.BytesIO(report.evaluation_workbook(data)))
    cells = {str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row
             if c.value is not None}
    assert words in cells
    assert words in report.evaluation_html(data)


def test_flag_counts_say_what_they_cover(demo_db: Path) -> None:
    """'Terlambat' on Target Tertinggal counts every quarter's late report of the year; on
    Ringkasan the late OPDs of the viewed TW. Each count carries its scope in words."""
    tertinggal = _page("pages/tertinggal.py")
    tiles = {m.label: m.delta for m in tertinggal.metric}
    assert tiles["Terlambat"] == f"laporan TW I–III {YEAR}"
    assert tiles["Tertinggal"] == f"indikator, s.d. TW III {YEAR}"
    ringkasan = _page("pages/ringkasan.py")
    assert any(m.value.startswith("**Terlambat (") for m in ringkasan.markdown)
    assert any(f"Laporan TW III {YEAR} dan desa sasaran" == s.value
               for s in ringkasan.subheader)
