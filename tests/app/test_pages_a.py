"""The monitoring pages (Ringkasan, Capaian Program, Target Tertinggal, Kelengkapan Laporan):
they run on every database, their numbers match the engine, in Indonesian format, and their
chart titles state a finding computed from the data."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from monev.domain.settings import DEFAULT
from monev.engine import AsOf, all_flags, dimension_attainment, masterplan_attainment
from monev.store import db
from monev.ui import charts_capaian as cc
from monev.ui import nav
from monev.ui.format import persen

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app.py"
TIMEOUT = 90
REGION = "35.23"  # the demo's Kabupaten Tuban
MY_PAGES = {"pages/ringkasan.py": "Ringkasan", "pages/capaian.py": "Capaian Program",
            "pages/tertinggal.py": "Target Tertinggal",
            "pages/kelengkapan.py": "Kelengkapan Laporan"}
INDONESIAN_PERCENT = re.compile(r"^\d{1,3}(\.\d{3})*(,\d)?%$")


def run_page(page: str) -> AppTest:
    """The app run once, then switched to ``page`` (as a user clicking in the sidebar)."""
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()
    if page != nav.PAGES[0][0]:
        at.switch_page(page).run()
    return at


def assert_runs(at: AppTest, title: str) -> None:
    """No exception, no error box, and the page's own title."""
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert [t.value for t in at.title] == [title]


def metric(at: AppTest, label: str) -> str:
    found = [m.value for m in at.metric if m.label == label]
    assert found, [m.label for m in at.metric]
    return found[0]


def frame_with(at: AppTest, *columns: str) -> pd.DataFrame:
    """The first table shown that has these columns (plain tables have no key in AppTest)."""
    for df in at.dataframe:
        value = df.value
        if set(columns) <= set(value.columns):
            return value
    shown = [list(d.value.columns) for d in at.dataframe]
    raise AssertionError(f"no table with {columns}: {shown}")


def figures(at: AppTest) -> list[dict]:
    """The plotly figures of the run (AppTest has no typed plotly element)."""
    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")]


def titles(at: AppTest) -> list[str]:
    """The charts' titles, unwrapped (``show_figure`` breaks long ones into lines)."""
    return [f["layout"]["title"]["text"].replace("<br>", " ") for f in figures(at)]


def asof(year: int = 2026, tw: int = 3) -> AsOf:
    return AsOf.latest(year, tw)


# ---------------------------------------------------------------- every page, every database

@pytest.mark.parametrize("page", list(MY_PAGES))
def test_page_in_navigation(page: str) -> None:
    listed = {f: (t, s) for f, t, _, s in nav.PAGES}
    assert listed[page] == (MY_PAGES[page], "Pemantauan")


@pytest.mark.parametrize("page", list(MY_PAGES))
def test_page_on_demo_database(demo_db: Path, page: str) -> None:
    at = run_page(page)
    assert_runs(at, MY_PAGES[page])
    assert not at.warning, [w.value for w in at.warning]
    assert at.get("download_button"), "every table can be downloaded"


@pytest.mark.parametrize("page", list(MY_PAGES))
def test_page_on_empty_database_points_to_upload(empty_db: Path, page: str) -> None:
    at = run_page(page)
    assert_runs(at, MY_PAGES[page])
    assert any("Belum ada data" in i.value and "Unggah Data" in i.value for i in at.info)
    assert not at.get("plotly_chart")


@pytest.mark.parametrize("page", list(MY_PAGES))
def test_page_with_masterplan_but_no_report(mp_db: Path, page: str) -> None:
    at = run_page(page)
    assert_runs(at, MY_PAGES[page])


# ---------------------------------------------------------------- Ringkasan

def test_ringkasan_shows_overall_capaian_in_indonesian(demo_db: Path) -> None:
    at = run_page("pages/ringkasan.py")
    with db.opened(demo_db, read_only=True) as con:
        overall = masterplan_attainment(con, REGION, asof())
    shown = metric(at, "Capaian keseluruhan")
    assert INDONESIAN_PERCENT.match(shown), shown
    assert "," in shown and "." not in shown  # 92,5% — never 92.5%
    assert shown == persen(overall["capaian"])
    reported = f"{overall['n_with_value']} dari {overall['n_indicators']} indikator dilaporkan"
    assert any(m.delta == f"{cc.band_caption(overall['band_code'])} · {reported}"
               for m in at.metric)
    captions = " ".join(c.value for c in at.caption)
    assert "Asumsi target s.d. TW III" in captions, "the expected-to-date assumption is said"


def test_ringkasan_chart_title_states_the_computed_finding(demo_db: Path) -> None:
    at = run_page("pages/ringkasan.py")
    with db.opened(demo_db, read_only=True) as con:
        dims = dimension_attainment(con, REGION, asof())
    lowest = dims.sort_values("capaian").iloc[0]
    expected = cc.dimension_finding(dims, DEFAULT).title
    assert expected in titles(at)
    assert lowest["dimension_name"] in expected
    assert persen(lowest["capaian"]) in expected and lowest["band_label"] in expected


def test_ringkasan_bars_print_value_and_band_next_to_colour(demo_db: Path) -> None:
    at = run_page("pages/ringkasan.py")
    fig = next(f for f in figures(at) if f["data"][0]["y"][0] == "Smart Governance")
    bar = fig["data"][0]
    assert all(re.match(r"^\d+(,\d)?% · (ST|T|S|R|SR)$", t) for t in bar["text"]), bar["text"]
    layout = fig["layout"]
    font = layout.get("font") or layout["template"]["layout"]["font"]
    assert font["size"] >= 18 and bar["textfont"]["size"] >= 18


# ---------------------------------------------------------------- Target Tertinggal

def test_tw_filter_changes_the_lagging_count(demo_db: Path) -> None:
    with db.opened(demo_db, read_only=True) as con:
        engine = {tw: int((all_flags(con, REGION, asof(2026, tw))["kind"] == "tertinggal").sum())
                  for tw in (2, 3)}
    assert engine[2] != engine[3], "the demo lags differently in TW II and TW III"
    at = run_page("pages/tertinggal.py")
    assert metric(at, "Tertinggal") == str(engine[3])
    at.sidebar.selectbox(key="_w_filter_tw").set_value(2).run()
    assert_runs(at, "Target Tertinggal")
    assert metric(at, "Tertinggal") == str(engine[2])


def test_tertinggal_lists_reason_opd_kendala_and_tindak_lanjut(demo_db: Path) -> None:
    at = run_page("pages/tertinggal.py")
    table = at.dataframe(key="tt_table").value
    assert {"Jenis", "Alasan", "OPD", "Program", "Indikator / Desa", "Kendala",
            "Tindak Lanjut"} <= set(table.columns)
    kritis = table[table["Jenis"] == "Kritis"]
    assert len(kritis) and kritis["Alasan"].str.contains("Capaian").all()
    assert (kritis["Kendala"] != "–").any()


# ---------------------------------------------------------------- Kelengkapan Laporan

def test_kelengkapan_shows_late_and_missing_reports(demo_db: Path) -> None:
    at = run_page("pages/kelengkapan.py")
    grid = next(d.value for d in at.dataframe
                if any(str(c).startswith("TW I (batas ") for c in d.value.columns))
    assert grid.columns[0] == "OPD"
    cells = " ".join(grid.astype(str).to_numpy().ravel())
    assert "Terlambat" in cells and "Belum melapor" in cells and "Tepat waktu" in cells
    assert any(c.startswith("TW III (batas ") for c in grid.columns), list(grid.columns)
    assert INDONESIAN_PERCENT.match(metric(at, "Kelengkapan TW III"))


# ---------------------------------------------------------------- Capaian Program

def test_capaian_traces_the_indicator_to_its_source_rows(demo_db: Path) -> None:
    at = run_page("pages/capaian.py")
    trace = frame_with(at, "File", "Sheet", "Baris")
    assert {"File", "Sheet", "Baris", "Diunggah oleh", "Waktu unggah"} <= set(trace.columns)
    assert trace["File"].str.startswith("masterplan_").any()
    assert trace["File"].str.startswith("laporan_").any()
    assert any(t.startswith("Capaian s.d. TW III") for t in titles(at))


def test_capaian_drill_down_to_another_program(demo_db: Path) -> None:
    at = run_page("pages/capaian.py")
    at.selectbox(key="cp_dimensi").set_value("LIV").run()
    assert_runs(at, "Capaian Program")
    codes = at.selectbox(key="cp_program").options
    assert codes and all("LIV-" in c for c in codes)
    at.selectbox(key="cp_program").select_index(len(codes) - 1).run()
    assert_runs(at, "Capaian Program")
    inds = frame_with(at, "Kode", "Indikator", "Target s.d. TW")
    assert inds["Kode"].str.startswith("LIV-").all()


# ---------------------------------------------------------------- findings and charts (pure)

def _dims(values: dict[str, float | None]) -> pd.DataFrame:
    from monev.domain.bands import band

    return pd.DataFrame({
        "dimension_name": list(values), "capaian": list(values.values()),
        "band_code": [band(v).code for v in values.values()],
        "n_planned": 2, "n_running": 1, "pct_running": 50.0})


def test_dimension_finding_names_the_lagging_dimension() -> None:
    one = _dims({"Smart Governance": 95.0, "Smart Living": 58.2})
    assert cc.dimension_finding(one).title == "Smart Living tertinggal: 58,2% (Rendah)"
    two = _dims({"Smart Governance": 70.0, "Smart Living": 58.2, "Smart Society": 99.0})
    found = cc.dimension_finding(two)
    assert found.title == "2 dari 3 dimensi tertinggal"
    assert found.detail == "terendah Smart Living 58,2% (Rendah)"
    assert cc.dimension_finding(_dims({"Smart Living": None})).title.startswith(
        "Capaian per dimensi belum")


def test_capaian_bars_clip_at_120_with_a_marker_and_keep_the_real_value() -> None:
    frame = _dims({"Smart Governance": 150.0, "Smart Living": 58.2, "Smart Society": None})
    fig = cc.capaian_bars(frame, "dimension_name", "judul", "sub")
    bar, marker = fig.data[0], fig.data[1]
    assert list(bar.x) == [120.0, 58.2, 0.0]
    assert list(bar.text) == ["150,0% · ST", "58,2% · R", "Belum ada data"]
    assert marker.marker.symbol == "triangle-right" and list(marker.y) == ["Smart Governance"]
    assert list(bar.marker.color)[1] == cc.BAND_COLORS["R"]


def test_report_cells_carry_symbol_label_and_date() -> None:
    from datetime import date

    late = cc.report_cell("terlambat", date(2026, 10, 23), 16)
    assert late == "! Terlambat · 23 Oktober 2026 (+16 hari)"
    assert cc.report_cell("belum_melapor", None, 47) == "✗ Belum melapor (47 hari)"
    assert "background-color" in cc.report_cell_style(late)
    assert cc.report_cell_style("–") == ""


def _reports(statuses: dict[int, list[str]]) -> pd.DataFrame:
    rows = [{"tw": tw, "tw_label": ["TW I", "TW II", "TW III", "TW IV"][tw - 1], "status": s,
             "year": 2026} for tw, ss in statuses.items() for s in ss]
    return pd.DataFrame(rows)


def test_completeness_finding_falls_back_to_the_last_due_tw() -> None:
    from monev.engine import completeness_by_tw

    reports = _reports({3: ["tepat_waktu", "terlambat", "belum_melapor"],
                        4: ["belum_jatuh_tempo"] * 3})
    by_tw = completeness_by_tw(reports)
    found = cc.completeness_finding(by_tw, 3)
    assert found == ("Laporan TW III: 2 dari 3 OPD (66,7%)", "1 belum melapor, 1 terlambat")
    later = cc.completeness_finding(by_tw, 4)
    assert later.title == found.title and later.detail.endswith("TW IV belum jatuh tempo")


def test_period_note_only_when_nothing_of_the_tw_arrived() -> None:
    reports = _reports({3: ["tepat_waktu", "belum_melapor"], 4: ["belum_jatuh_tempo"] * 2})
    assert cc.period_note(reports, 3) is None
    assert "Belum ada laporan TW IV" in cc.period_note(reports, 4)


def test_charts_module_does_not_query_at_import() -> None:
    code = ("import os; os.environ['MONEV_DB'] = '/nonexistent/x.duckdb'; "
            "import monev.ui.charts_capaian; print(os.path.exists('/nonexistent'))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, check=True)
    assert out.stdout.strip() == "False"
