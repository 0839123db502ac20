"""Peluncuran Desa, Anggaran and Kolaborasi OPD: smoke tests on the demo and an empty database,
targeted checks of what each page must show, and the chart helpers without Streamlit.

Streamlit caches are cleared before and after every test by the autouse fixture in
tests/app/conftest.py (which also signs the AppTest session in).
"""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from monev.ui import charts_desa as cd
from monev.ui import nav, theme

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app.py"
TIMEOUT = 90
MY_PAGES = {"pages/desa.py": "Peluncuran Desa", "pages/anggaran.py": "Anggaran",
            "pages/kolaborasi.py": "Kolaborasi OPD"}


@pytest.fixture(autouse=True)
def _fresh_caches() -> None:
    """Belt and braces: no cached engine result from another database leaks in."""
    st.cache_data.clear()


def run_page(page: str) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()
    at.switch_page(page).run()
    return at


def assert_clean(at: AppTest, title: str) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert not at.warning, [w.value for w in at.warning]
    assert [t.value for t in at.title] == [title]


def frame_with(at: AppTest, column: str) -> list[pd.DataFrame]:
    """The dataframes shown (plain or styled) that have this column."""
    out = []
    for el in at.dataframe:
        value = el.value
        frame = value.data if hasattr(value, "data") else value
        if column in frame.columns:
            out.append(frame)
    return out


def texts(at: AppTest) -> str:
    """Every markdown/caption/metric/subheader text of the run, joined."""
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [s.value for s in at.subheader] + [i.value for i in at.info]
    parts += [f"{m.label} {m.value} {m.delta}" for m in at.metric]
    return "\n".join(str(p) for p in parts)


def test_my_pages_are_in_the_navigation() -> None:
    listed = {file: (title, section) for file, title, _, section in nav.PAGES}
    for file, title in MY_PAGES.items():
        assert listed[file] == (title, "Pemantauan")
        assert (ROOT / file).exists()


@pytest.mark.parametrize("page", list(MY_PAGES))
def test_page_on_demo_database(demo_db: Path, page: str) -> None:
    at = run_page(page)
    assert_clean(at, MY_PAGES[page])
    assert at.metric, "the page shows its KPI tiles"
    assert len(at.get("plotly_chart")) >= 1


@pytest.mark.parametrize("page", list(MY_PAGES))
def test_page_on_empty_database(empty_db: Path, page: str) -> None:
    at = run_page(page)
    assert_clean(at, MY_PAGES[page])
    assert any("Unggah Data" in i.value for i in at.info), [i.value for i in at.info]
    assert not at.get("plotly_chart")


@pytest.mark.parametrize("page", list(MY_PAGES))
def test_page_with_masterplan_only(mp_db: Path, page: str) -> None:
    assert_clean(run_page(page), MY_PAGES[page])


def test_desa_lists_bergeser_villages_with_slip_year(demo_db: Path) -> None:
    at = run_page("pages/desa.py")
    risk = frame_with(at, "Bergeser ke tahun")[-1]    # the Rawan/Bergeser list comes last
    slipped = risk[risk["Status"].str.contains("Bergeser")]
    assert len(slipped) > 0
    planned = slipped["Tahun anggaran (rencana)"].astype(int)
    assert (slipped["Bergeser ke tahun"].astype(int) > planned).all()
    assert slipped["Alasan"].str.contains("bergeser").all()
    assert set(risk["Status"].str.replace(r"^\W+\s*", "", regex=True)) <= {"Bergeser", "Rawan"}
    kpis = {m.label: m for m in at.metric}
    assert int(kpis["→ Bergeser"].value) == len(slipped)
    assert re.search(r"ke \d{4}", kpis["→ Bergeser"].delta)


def test_desa_route_kelurahan_leaves_only_kelurahan(demo_db: Path) -> None:
    at = run_page("pages/desa.py")
    route = at.radio(key="desa_jalur")
    assert {"Semua", "Desa (APBDes)", "Kelurahan (APBD)"} <= set(route.options)
    route.set_value("kelurahan|apbd").run()
    assert not at.exception and not at.error
    shown = frame_with(at, "Jenis")
    assert shown, "village tables are shown"
    for frame in shown:
        assert set(frame["Jenis"]) == {"Kelurahan"}
    assert at.metric[0].delta.startswith("kelurahan")
    title = at.get("plotly_chart")[0].proto.spec
    assert "kelurahan" in title


def test_desa_kecamatan_filter_and_end_of_tw(demo_db: Path) -> None:
    at = run_page("pages/desa.py")
    kec = at.selectbox(key="desa_kecamatan")
    assert kec.options[0] == "Semua kecamatan"
    kec.select_index(kec.options.index("Bancar")).run()
    for frame in frame_with(at, "Kecamatan"):
        assert set(frame["Kecamatan"]) == {"Bancar"}
    at.radio(key="desa_asof").set_value("akhir_tw").run()
    assert not at.exception and not at.error
    assert any("30 September 2026" in c.value for c in at.caption)


def test_anggaran_totals_in_rupiah(demo_db: Path) -> None:
    at = run_page("pages/anggaran.py")
    kpis = {m.label: m.value for m in at.metric}
    assert re.fullmatch(r"Rp \d+(,\d)? M", kpis["Total pagu 2026"]), kpis
    assert re.fullmatch(r"Rp \d+(,\d)? M", kpis["Realisasi anggaran s.d. TW III 2026"]), kpis
    assert re.fullmatch(r"\d+(,\d)?%", kpis["Serapan anggaran"]), kpis
    table = frame_with(at, "Jumlah sumber dana")[0]
    assert all(str(v).startswith("Rp ") for v in table["Pagu (Rp)"])
    bad = frame_with(at, "Selisih (poin)")[0]
    assert len(bad) == int(kpis["Fisik–keuangan tidak seimbang"].split()[0])


def test_anggaran_follows_the_sidebar_opd(demo_db: Path) -> None:
    at = run_page("pages/anggaran.py")
    at.sidebar.selectbox(key="_w_filter_opd").set_value("KOMINFO").run()
    assert not at.exception and not at.error
    table = frame_with(at, "Jumlah sumber dana")[0]
    assert set(table["OPD pengampu"]) == {"Diskominfo"}


def test_kolaborasi_shows_pengampu_and_pendukung(demo_db: Path) -> None:
    at = run_page("pages/kolaborasi.py")
    roles = frame_with(at, "Peran")[0]
    assert {"Pengampu", "Pendukung"} <= set(roles["Peran"])
    assert (roles.groupby("Kode program")["Peran"].apply(
        lambda s: (s == "Pengampu").sum()) == 1).all()
    card = frame_with(at, "Capaian sebagai pengampu")[0]
    assert card["Capaian sebagai pengampu"].str.contains(r"%|–").all()
    assert any("pengampu" in t.lower() and "pendukung" in t.lower()
               for t in texts(at).splitlines())


def test_sidebar_dimension_narrows_every_page(demo_db: Path) -> None:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()
    at.sidebar.selectbox(key="_w_filter_dimensi").set_value("ENV").run()
    for page, title in MY_PAGES.items():
        at.switch_page(page).run()
        assert_clean(at, title)
    roles = frame_with(at, "Peran")[0]                     # the last page: Kolaborasi OPD
    assert roles["Kode program"].str.startswith("ENV").all()


def test_sidebar_dimension_narrows_the_opd_scorecard(demo_db: Path) -> None:
    """With a dimension chosen, the scorecard lists the OPDs of that dimension's programs,
    each with the programs it leads and supports there (as the role list above it)."""
    at = run_page("pages/kolaborasi.py")
    every_opd = frame_with(at, "Capaian sebagai pengampu")[0]
    at.sidebar.selectbox(key="_w_filter_dimensi").set_value("GOV").run()
    assert_clean(at, "Kolaborasi OPD")
    roles = frame_with(at, "Peran")[0]
    assert set(roles["Dimensi"]) == {"Smart Governance"}
    card = frame_with(at, "Capaian sebagai pengampu")[0].set_index("OPD")
    assert set(card.index) == set(roles["OPD"])
    assert len(card) < len(every_opd)
    counted = roles.groupby(["OPD", "Peran"]).size().unstack(fill_value=0)
    assert card["Program diampu"].to_dict() == counted.get(
        "Pengampu", pd.Series(0, index=counted.index)).to_dict()
    assert card["Program didukung"].to_dict() == counted.get(
        "Pendukung", pd.Series(0, index=counted.index)).to_dict()
    assert any("Kartu kinerja OPD" in h.value and "Smart Governance" in h.value
               for h in at.subheader)
    assert any("Hanya program Smart Governance" in c.value for c in at.caption)


@pytest.mark.parametrize(("year", "tw", "opd"), [(2025, 2, None), (2026, 4, None),
                                                 (2026, 3, "DPMD"), (2023, 1, None)])
def test_pages_for_other_periods_and_an_opd(demo_db: Path, year: int, tw: int,
                                            opd: str | None) -> None:
    """A past year, a quarter not ended yet (no 'end of TW' choice), one OPD, the first
    masterplan year: every page still runs cleanly."""
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()
    at.sidebar.selectbox(key="_w_filter_tahun").set_value(year).run()
    at.sidebar.selectbox(key="_w_filter_tw").set_value(tw).run()
    if opd:
        at.sidebar.selectbox(key="_w_filter_opd").set_value(opd).run()
    for page, title in MY_PAGES.items():
        at.switch_page(page).run()
        assert_clean(at, title)
        if page == "pages/desa.py" and (year, tw) == (2026, 4):
            assert "desa_asof" not in [r.key for r in at.radio]


def test_chart_module_does_not_query_at_import() -> None:
    code = ("import os; os.environ['MONEV_DB'] = '/nonexistent/x.duckdb'; "
            "import monev.ui.charts_desa; print(os.path.exists('/nonexistent'))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, check=True)
    assert out.stdout.strip() == "False"


# ---------------------------------------------------------------- chart helpers, no Streamlit

def _villages() -> pd.DataFrame:
    rows = []
    for i, (status, slip, kind) in enumerate([
            ("bergeser", 2028, "desa"), ("bergeser", 2028, "desa"), ("rawan", None, "desa"),
            ("sesuai_jadwal", None, "desa"), ("beroperasi", None, "desa")]):
        rows.append({
            "program_code": "P-1", "program_name": "Desa Digital", "lead_opd_code": "DPMD",
            "village_code": f"35.23.01.20{i:02d}", "village_name": f"Desa {i}",
            "district_code": "35.23.01" if i < 3 else "35.23.02",
            "district_name": "Bancar" if i < 3 else "Soko", "kind": kind,
            "kind_label": kind.capitalize(), "route": "apbdes",
            "route_label": "APBDes (Dana Desa/ADD)", "funding_source": "Dana Desa",
            "funding_year": 2027, "current_stage": "Rencana", "current_stage_on": None,
            "stage_dates": {}, "status": status, "status_label": status, "reason": "alasan",
            "slip_to_year": slip, "effective_funding_year": slip or 2027,
            "next_milestone": "Penetapan RKP Desa", "next_milestone_due": date(2027, 9, 30),
            "next_required_stage": "Masuk RKP Desa"})
    frame = pd.DataFrame(rows)
    frame["slip_to_year"] = pd.array(frame["slip_to_year"], dtype="Int64")
    return frame


def _milestones(villages: pd.DataFrame) -> pd.DataFrame:
    """The 2027 calendar of every village and, for those that slipped, the 2028 one."""
    rows = []
    for code, status in zip(villages["village_code"], villages["status"], strict=True):
        cycles = [(2027, "terpenuhi", "terlewat")]
        if status == "bergeser":
            cycles.append((2028, "terpenuhi", "mendatang"))
        for year, first, second in cycles:
            for name, start, due, state in [
                    ("Musyawarah Desa", date(year - 1, 1, 1), date(year - 1, 6, 30), first),
                    ("Penetapan RKP Desa", date(year - 1, 6, 30), date(year - 1, 9, 30),
                     second)]:
                rows.append({"program_code": "P-1", "village_code": code,
                             "village_name": code, "kind": "desa", "route": "apbdes",
                             "funding_year": 2027, "cycle_year": year, "milestone": name,
                             "start": start, "due": due, "required_stage": "Masuk RKP Desa",
                             "reached_on": None, "state": state, "state_label": state})
    return pd.DataFrame(rows)


def test_findings_state_the_numbers() -> None:
    villages = _villages()
    ms = _milestones(villages)
    assert cd.program_finding(villages, ms, date(2026, 11, 23)) == (
        "2 dari 5 desa bergeser ke 2028: Penetapan RKP Desa 2027 terlewat; 1 rawan")
    assert cd.rollout_finding(villages) == (
        "1 dari 5 desa beroperasi (20%); 2 bergeser ke 2028, terbanyak di Kec. Bancar (2)")
    assert cd.program_finding(villages.iloc[:0], ms, date(2026, 11, 23)).startswith("Belum")


def test_gantt_sorts_most_urgent_first_and_marks_as_of() -> None:
    villages = cd.sort_villages(_villages().iloc[::-1].reset_index(drop=True))
    assert list(villages["status"]) == ["bergeser", "bergeser", "rawan", "sesuai_jadwal",
                                        "beroperasi"]
    fig = cd.village_gantt(villages, _milestones(villages), date(2026, 11, 23),
                           "Hari ini 23 Nov 2026", "judul")
    assert isinstance(fig, go.Figure)
    assert any(s.x0 == "2026-11-23" for s in fig.layout.shapes)
    status = next(t for t in fig.data if isinstance(t, go.Scatter) and t.mode == "text")
    assert "Bergeser ke 2028" in status.text[0]
    # The statuses start after the last date and may run past the axis: never clipped by it.
    assert status.cliponaxis is False and status.x[0] < fig.layout.xaxis.range[1]
    # ... and the axis leaves them their width on a 1280 px screen (the browser test checks
    # the drawn chart): room after the status start ≥ the widest status's estimated width.
    start, end = (date.fromisoformat(str(x)[:10]) for x in fig.layout.xaxis.range)
    share = (end - date.fromisoformat(str(status.x[0])[:10])) / (end - start)
    widest = max(theme.text_px(cd.status_text(s, y), theme.BASE_FONT_PX - 1)
                 for s, y in zip(villages["status"], villages["slip_to_year"], strict=True))
    assert share * theme.plot_px(list(status.y)) >= widest
    vals, texts = cd._month_ticks(date(2024, 3, 1), date(2026, 12, 31), 6)
    assert texts == ["Jan<br>2024", "Jul", "Jan<br>2025", "Jul", "Jan<br>2026", "Jul"]
    assert vals[1] == "2024-07-01"
    assert fig.layout.xaxis.ticktext[0].startswith("Jan")
    assert not any(m in " ".join(fig.layout.xaxis.ticktext) for m in ("Oct", "Aug", "May"))
    # The two villages that slipped also show the calendar of the year they slipped to, said
    # so on hover; the axis runs to its last deadline.
    bars = [(base, hover) for t in fig.data if isinstance(t, go.Bar)
            for base, hover in zip(t.base, t.customdata, strict=True)]
    new = [hover for base, hover in bars if base.startswith("2027")]
    assert len(new) == 4 and all("(jadwal baru, tahun anggaran 2028)" in h for h in new)
    assert not any("jadwal baru" in h for base, h in bars if base.startswith("2026"))
    assert fig.layout.xaxis.range[1] > "2027-09-30"
    assert cd.calendar_caption(_milestones(villages)) == (
        "**Jalur APBDes** (tahun sebelum tahun anggaran): Musyawarah Desa 30 Jun → "
        "Penetapan RKP Desa 30 Sep")


def test_route_filter_and_matrix() -> None:
    villages = _villages()
    villages.loc[4, ["kind", "route"]] = ["kelurahan", "apbd"]
    assert cd.route_options(villages) == {cd.ALL: "Semua", "desa|apbdes": "Desa (APBDes)",
                                          "kelurahan|apbd": "Kelurahan (APBD)"}
    only = cd.narrow_villages(villages, route="kelurahan|apbd")
    assert list(only["kind"]) == ["kelurahan"]
    matrix = cd.district_matrix(villages)
    bancar = matrix[matrix["district_name"] == "Bancar"].iloc[0]
    assert (bancar["n"], bancar["bergeser"], bancar["rawan"]) == (3, 2, 1)


def test_budget_helpers() -> None:
    frame = pd.DataFrame({"program_code": ["A", "B"], "funding_source": ["APBD", "DAK"],
                          "pagu": [2_000_000_000.0, 1_000_000_000.0],
                          "realisasi_ytd": [500_000_000.0, None],
                          "absorption_pct": [25.0, None]})
    assert cd.budget_total(frame) == {"pagu": 3e9, "realisasi": 5e8,
                                      "absorption_pct": pytest.approx(16.6667, 1e-3)}
    vals, texts_ = cd.rupiah_ticks(3e9)
    assert texts_[0] == "Rp 0" and all(t.startswith("Rp ") for t in texts_)
    agg = cd.aggregate_budget(frame, "funding_source")
    assert agg.loc[agg["funding_source"] == "DAK", "realisasi_ytd"].isna().all()
    assert cd.extremes_finding(frame, "program_code", "program").startswith(
        "Serapan terendah A 25%")


def test_balance_finding_says_which_way() -> None:
    frame = pd.DataFrame({"program_code": ["A", "B", "C"], "program_name": ["a", "b", "c"],
                          "fisik_pct": [80.0, 50.0, 20.0], "absorption_pct": [50.0, 48.0, 45.0],
                          "gap_points": [30.0, 2.0, -25.0], "imbalance": [True, False, True]})
    assert cd.balance_finding(frame) == (
        "2 dari 3 program tidak seimbang: 1 fisik mendahului anggaran, 1 sebaliknya")
    fig = cd.balance_scatter(frame, "judul")
    labels = [a.text for a in fig.layout.annotations if a.text.startswith("<b>")]
    assert len(labels) == 2 and "fisik 80%" in labels[0]


def test_roles_and_scorecard() -> None:
    programs = pd.DataFrame({"program_code": ["P1", "P2"], "program_name": ["x", "y"],
                             "dimension_code": ["GOV", "GOV"], "lead_opd_code": ["A", "B"],
                             "supporting_opds": ["B, C", None]})
    roles = cd.program_roles(programs)
    assert list(zip(roles["opd_code"], roles["role_label"], strict=True)) == [
        ("A", "Pengampu"), ("B", "Pendukung"), ("C", "Pendukung"), ("B", "Pengampu")]
    assert cd.collaboration_finding(roles, {"B": "Dinas B"}) == (
        "1 dari 2 program dikerjakan lintas OPD; Dinas B terlibat di 2 program "
        "(1 pengampu, 1 pendukung)")
    fig = cd.role_matrix(roles, {}, {}, "judul")
    heat = {t.name: t for t in fig.data if isinstance(t, go.Heatmap) and t.name}
    assert list(heat["Pengampu"].y) == ["B (2)", "A (1)", "C (1)"]
    assert [list(row) for row in heat["Pengampu"].z] == [[None, 1], [1, None], [None, None]]
    # The letters are text marks on the filled cells only, not a text on every cell.
    assert all(t.texttemplate is None for t in heat.values())
    marks = {(x, y, text) for t in fig.data if isinstance(t, go.Scatter) and t.mode == "text"
             for x, y, text in zip(t.x, t.y, t.text, strict=True)}
    assert marks == {("P1", "A (1)", "<b>P</b>"), ("P2", "B (2)", "<b>P</b>"),
                     ("P1", "B (2)", "<b>D</b>"), ("P1", "C (1)", "<b>D</b>")}
