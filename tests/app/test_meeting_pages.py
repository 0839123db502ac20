"""Rapat Evaluasi and Presentasi pages: create a meeting, move through its slides, record a
decision and see it at the next meeting, and a meeting that does not change after later
uploads."""

from __future__ import annotations

import html
import re
from datetime import date, datetime, time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from etl.load import load_bytes
from etl.validate import Expect
from monev.engine.meeting import current_rules
from monev.reports import evaluation
from monev.store import db, rule_settings
from monev.store import meetings as store
from monev.ui import slides as sl
from tests.helpers import REGION, Env, report_bytes

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app.py"
TIMEOUT = 60
T1 = datetime(2025, 4, 8, 9, 0)          # TW I reports arrive
MEETING_1 = datetime(2025, 4, 20, 9, 0)  # TW I meeting, data cut-off
T2 = datetime(2025, 4, 25, 9, 0)         # a corrected TW I report, after the meeting
T3 = datetime(2025, 7, 8, 9, 0)          # TW II reports
MEETING_2 = datetime(2025, 7, 20, 9, 0)
SLIDE = re.compile(r"<span class='mv-count'>(\d+) / (\d+)</span>.*?"
                   r"<h1 class='mv-title'>(.*?)</h1>", re.S)


def _load(path: Path, opd: str, tw: int, fill: dict, at: datetime) -> None:
    env = Env(path)
    try:
        content = report_bytes(env.con, opd, 2025, tw, fill)
        result = load_bytes(env.con, content, f"{opd}-{tw}-{at:%m%d%H%M}.xlsx", actor="uji",
                            archive=env.archive, at=at, received_on=at.date())
        assert result.status == "loaded", [i.text() for i in result.issues]
    finally:
        env.close()


def _tw1_reports(path: Path) -> None:
    _load(path, "KOMINFO", 1, {"realisasi": {"GOV-01.1": {"realisasi": 5},
                                             "GOV-01.2": {"realisasi": 6}},
                               "fisik": {"GOV-01": {"fisik": 10, "kendala": "Server rusak",
                                                    "tindak_lanjut": "Ganti server"}}}, T1)
    _load(path, "DPMD", 1, {"realisasi": {"SOC-01.1": {"realisasi": 22}}}, T1)


def _meeting(path: Path, tw: int, title: str, cutoff: datetime) -> int:
    with db.opened(path) as con:
        meeting = store.create_meeting(con, REGION, 2025, tw, title=title, actor="uji",
                                       rules=current_rules(con, REGION), chair="Sekda",
                                       cutoff=cutoff, now=cutoff)
    return meeting.meeting_id


@pytest.fixture
def tw1_db(mp_db: Path) -> Path:
    """The test masterplan with TW I 2025 reports: Diskominfo critical, DPMD lagging."""
    _tw1_reports(mp_db)
    return mp_db


@pytest.fixture
def meeting_db(tw1_db: Path) -> Path:
    """... and the TW I meeting (id 1) held on 20 April 2025."""
    assert _meeting(tw1_db, 1, "Rapat Evaluasi TW I", MEETING_1) == 1
    return tw1_db


def rapat_page() -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()
    return at.switch_page("pages/rapat.py").run()


def presentation(meeting_id: int, slide: int | str | None = None) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()
    at.query_params["rapat"] = str(meeting_id)
    if slide is not None:
        at.query_params["slide"] = str(slide)
    return at.switch_page("pages/presentasi.py").run()


def assert_clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert not at.warning, [w.value for w in at.warning]


def slide_html(at: AppTest) -> str:
    found = [h.value for h in at.html if "class='mv-slide'" in h.value]
    assert len(found) == 1, "one slide on screen"
    return found[0]


def shown(at: AppTest) -> tuple[int, int, str]:
    """(slide number, total, title) of the slide on screen."""
    match = SLIDE.search(slide_html(at))
    assert match, slide_html(at)[:300]
    return int(match[1]), int(match[2]), html.unescape(match[3])


def goto_title(at: AppTest, start: str) -> AppTest:
    """Press next until the slide title starts with ``start``."""
    while not shown(at)[2].startswith(start):
        number, total, _ = shown(at)
        assert number < total, f"no slide titled {start!r}"
        at.button(key="pres_next").click().run()
    return at


# ---------------------------------------------------------------- Rapat Evaluasi


@pytest.mark.signed_in_as("pimpinan")
def test_create_a_meeting_through_the_page(tw1_db: Path) -> None:
    at = rapat_page()
    assert_clean(at)
    assert [t.value for t in at.title] == ["Rapat Evaluasi"]
    assert any("Belum ada rapat" in i.value for i in at.info)
    at.selectbox(key="rapat_tahun").set_value(2025)
    at.selectbox(key="rapat_tw").set_value(1)
    at.text_input(key="rapat_pimpinan").input("Sekretaris Daerah")
    at.date_input(key="rapat_tanggal").set_value(MEETING_1.date())
    at.time_input(key="rapat_jam").set_value(MEETING_1.time())
    at.button(key="rapat_buat").click().run()
    assert_clean(at)
    assert [s.value for s in at.success] == ["Rapat “Rapat Evaluasi TW I 2025” dibuat."]
    assert at.query_params["rapat"] == "1"
    with db.opened(tw1_db, read_only=True) as con:
        meeting = store.get_meeting(con, 1)
    assert meeting is not None and (meeting.year, meeting.tw) == (2025, 1)
    assert meeting.cutoff == MEETING_1 and meeting.chair == "Sekretaris Daerah"
    assert meeting.created_by == "sekda.uji" and meeting.rules["band_t"] == 76
    listed = at.dataframe[0].value
    assert list(listed["Judul"]) == ["Rapat Evaluasi TW I 2025"]
    assert list(listed["Data per"]) == ["20 April 2025 09.00"]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Program berjalan"] == "100,0%"
    deltas = {m.label: m.delta for m in at.metric}
    assert deltas["Program berjalan"] == "2 dari 2 program yang direncanakan tahun 2025"
    assert metrics["Laporan OPD masuk"] == "2 dari 2"
    assert any("data per 20 April 2025 09.00" in c.value for c in at.caption)


@pytest.mark.signed_in_as("pimpinan")
def test_a_cutoff_in_the_future_is_refused(tw1_db: Path) -> None:
    at = rapat_page()
    at.time_input(key="rapat_jam").set_value(time(23, 59))
    at.date_input(key="rapat_tanggal").set_value(date.today())
    at.button(key="rapat_buat").click().run()
    if datetime.now().time() < time(23, 59):
        assert [e.value for e in at.error] == [
            "Batas data tidak boleh di masa depan: isi rapat harus sudah pasti."]
        with db.opened(tw1_db, read_only=True) as con:
            assert store.meetings(con).empty


@pytest.mark.signed_in_as("operator")
def test_an_operator_sees_meetings_but_cannot_create_or_decide(meeting_db: Path) -> None:
    at = rapat_page()
    assert_clean(at)
    assert not [b for b in at.button if b.key == "rapat_buat"]
    assert not [b for b in at.button if b.key == "fu_rapat_simpan"]
    assert list(at.dataframe[0].value["Judul"]) == ["Rapat Evaluasi TW I"]
    at = presentation(1, 2)
    assert_clean(at)
    assert not [b for b in at.button if (b.key or "").startswith("fu_")]


def test_reports_are_prepared_on_click(meeting_db: Path) -> None:
    at = rapat_page()
    assert not at.get("download_button")
    at.button(key="siapkan_xlsx").click().run()
    assert_clean(at)
    downloads = at.get("download_button")
    assert [d.proto.label for d in downloads] == ["Unduh laporan Excel"]


def test_pdf_without_chromium_says_so_in_indonesian(meeting_db: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    def missing() -> str:
        raise FileNotFoundError("chromium")

    monkeypatch.setattr(evaluation, "chromium_path", missing)
    at = rapat_page()
    at.button(key="siapkan_pdf").click().run()
    assert not at.exception and not at.error
    assert [w.value for w in at.warning] == [
        "PDF belum dapat dibuat: peramban Chromium belum terpasang di server. Minta admin "
        "Diskominfo memasang paket Debian 'chromium'. Laporan Excel tetap dapat diunduh."]
    assert not at.get("download_button")


# ---------------------------------------------------------------- Presentasi


def test_next_changes_the_counter_and_title_and_the_url(meeting_db: Path) -> None:
    at = presentation(1)
    assert_clean(at)
    assert at.query_params["slide"] == "1"
    number, total, title = shown(at)
    assert (number, title) == (1, "Capaian masterplan 41,7% · Sangat Rendah")
    assert total >= 6
    assert at.button(key="pres_prev").disabled
    at.button(key="pres_next").click().run()
    assert shown(at)[:2] == (2, total)
    assert shown(at)[2] == "Smart Governance: 1 dari 1 program di bawah 76%"
    assert at.query_params["slide"] == "2"
    at.button(key="pres_right").click().run()      # the right-arrow twin
    assert shown(at)[0] == 3 and at.query_params["slide"] == "3"
    at.button(key="pres_left").click().run()       # the left-arrow twin
    at.button(key="pres_prev").click().run()       # PageUp
    assert shown(at)[0] == 1
    at.button(key="pres_end").click().run()
    assert shown(at)[0] == total and at.button(key="pres_next").disabled
    assert shown(at)[2] == "2 dari 2 OPD sudah melapor, semua tepat waktu"
    at.button(key="pres_home").click().run()
    assert shown(at)[0] == 1


def test_the_summary_slide_names_the_rules_that_differ_from_the_defaults(
        meeting_db: Path) -> None:
    first = slide_html(presentation(1, 1))
    assert "data-kind='ringkasan'" in first and "berbeda dari bawaan" not in first
    with db.opened(meeting_db) as con:
        rule_settings.change(con, REGION, {"report_due_working_days": 10}, actor="admin.uji")
    meeting = _meeting(meeting_db, 1, "Rapat Evaluasi TW I (ulang)", MEETING_1)
    summary = html.unescape(slide_html(presentation(meeting, 1)))
    assert ("Aturan yang berbeda dari bawaan: Batas laporan 10 hari kerja (bawaan 5 hari "
            "kerja).") in summary
    assert "berbeda dari bawaan" not in slide_html(presentation(1, 1))  # its rules are frozen


def test_slide_query_param_opens_that_slide(meeting_db: Path) -> None:
    at = presentation(1, 6)
    assert_clean(at)
    number, total, title = shown(at)
    assert (number, title) == (6, "Smart Society: 1 dari 1 program di bawah 76%")
    assert shown(presentation(1, 999))[0] == total     # past the end: the last slide
    assert shown(presentation(1, "x"))[0] == 1         # not a number: the first
    at = presentation(1, 0)
    assert shown(at)[0] == 1 and at.query_params["slide"] == "1"


def test_slides_have_no_streamlit_chrome_and_large_type(meeting_db: Path) -> None:
    css = sl.PROJECTOR_CSS
    for hidden in ("stSidebar", "stHeader", "stToolbar", "stStatusWidget"):
        assert f'[data-testid="{hidden}"]' in css
    assert "--fs: max(24px" in css and "--fs-title: max(40px" in css
    at = presentation(1, 2)
    page = slide_html(at)
    assert "71,1%" not in page  # the test data, not the demo's
    assert re.search(r">\d+,\d% · (ST|T|S|R|SR)<", page), "value and band code on each bar"


def test_unknown_meeting_and_no_meeting(meeting_db: Path) -> None:
    at = presentation(99)
    assert not at.exception
    assert [w.value for w in at.warning] == ["Rapat nomor 99 tidak ditemukan. Pilih rapat lain."]
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()
    at.switch_page("pages/presentasi.py").run()
    assert_clean(at)
    assert [t.value for t in at.title] == ["Presentasi Rapat Evaluasi"]
    at.button(key="pres_mulai").click().run()
    assert at.query_params["rapat"] == "1"
    assert shown(at)[0] == 1


def test_record_a_followup_and_see_it_at_the_next_meeting(meeting_db: Path) -> None:
    at = goto_title(presentation(1), "Diskominfo:")
    assert shown(at)[2] == "Diskominfo: 2 butir perlu tindak lanjut, 2 kritis"
    assert "Belum ada keputusan rapat ini untuk OPD ini." in slide_html(at)
    choice = at.selectbox(key="fu_KOMINFO_butir")
    assert choice.options[0].startswith("Dataset terbit di portal (Kritis")
    choice.set_value(0)
    at.text_area(key="fu_KOMINFO_keputusan").input("Percepat publikasi dataset")
    at.date_input(key="fu_KOMINFO_batas").set_value(date(2025, 6, 30))
    at.button(key="fu_KOMINFO_simpan").click().run()
    assert_clean(at)
    assert shown(at)[2].startswith("Diskominfo:"), "stays on the slide"
    assert "Keputusan rapat ini untuk OPD ini: 1 dicatat." in slide_html(at)
    with db.opened(meeting_db, read_only=True) as con:
        decided = store.followups(con, 1)
    assert len(decided) == 1
    row = decided.iloc[0]
    assert (row["item_label"], row["decision"], row["opd_code"]) == (
        "Dataset terbit di portal", "Percepat publikasi dataset", "KOMINFO")
    assert (row["flag_kind"], row["indicator_code"], row["created_by"]) == (
        "kritis", "GOV-01.1", "admin.uji")
    assert row["due_date"].date() == date(2025, 6, 30)

    # TW II: the dataset catches up; the next meeting opens with last meeting's follow-up
    _load(meeting_db, "KOMINFO", 2, {"realisasi": {"GOV-01.1": {"realisasi": 60}}}, T3)
    assert _meeting(meeting_db, 2, "Rapat Evaluasi TW II", MEETING_2) == 2
    at = presentation(2)
    assert_clean(at)
    number, _, title = shown(at)
    assert (number, title) == (1, "1 dari 1 tindak lanjut selesai")
    page = slide_html(at)
    assert "Tindak lanjut rapat sebelumnya · Rapat Evaluasi TW I" in page
    assert "Dataset terbit di portal" in page and "Percepat publikasi dataset" in page
    assert ">Selesai<" in page and "Sudah tidak tertandai (menurut data)" in page
    assert "30 Juni 2025" in page

    # marked by hand on the meeting page: the slide follows
    rapat = rapat_page()
    assert rapat.query_params.get("rapat") in (None, "2")
    rapat.selectbox(key="rapat_pilih").set_value(2).run()
    rapat.radio(key="status_rapat_status").set_value("belum_selesai")
    rapat.text_input(key="status_rapat_catatan").input("Belum terbit di portal")
    rapat.button(key="status_rapat_simpan").click().run()
    assert_clean(rapat)
    page = slide_html(presentation(2))
    assert ">Belum selesai<" in page and "Ditandai dalam rapat: Belum terbit di portal" in page


def test_a_free_decision_on_the_meeting_page(meeting_db: Path) -> None:
    at = rapat_page()
    choice = at.selectbox(key="fu_rapat_butir")
    choice.set_value(-1)   # "Butir lain (tulis sendiri)"
    at.text_input(key="fu_rapat_lain").input("Rapat koordinasi kepala desa")
    at.text_area(key="fu_rapat_keputusan").input("DPMD mengundang kepala desa")
    at.selectbox(key="fu_rapat_opd").set_value("DPMD")
    at.button(key="fu_rapat_simpan").click().run()
    assert_clean(at)
    decided = at.dataframe[1].value
    assert list(decided["Butir"]) == ["Rapat koordinasi kepala desa"]
    assert list(decided["OPD"]) == ["DPMD"]


def test_an_empty_decision_is_refused(meeting_db: Path) -> None:
    at = rapat_page()
    at.button(key="fu_rapat_simpan").click().run()
    assert [e.value for e in at.error] == ["Isi keputusan/tindak lanjut terlebih dahulu."]
    with db.opened(meeting_db, read_only=True) as con:
        assert store.followups(con, 1).empty


def _every_slide(meeting_id: int) -> list[str]:
    at = presentation(meeting_id, 1)
    pages = [slide_html(at)]
    while shown(at)[0] < shown(at)[1]:
        at.button(key="pres_next").click().run()
        assert_clean(at)
        pages.append(slide_html(at))
    return pages


def test_a_meeting_does_not_change_after_a_later_upload(meeting_db: Path) -> None:
    before = _every_slide(1)
    rapat = rapat_page()
    metrics_before = [(m.label, m.value) for m in rapat.metric]
    assert "Capaian masterplan 41,7% · Sangat Rendah" in before[0]

    # a corrected TW I report from Diskominfo arrives after the meeting
    env = Env(meeting_db)
    try:
        fixed = report_bytes(env.con, "KOMINFO", 2025, 1,
                             {"realisasi": {"GOV-01.1": {"realisasi": 90},
                                            "GOV-01.2": {"realisasi": 3}}})
        result = load_bytes(env.con, fixed, "KOMINFO-1-perbaikan.xlsx", actor="uji",
                            archive=env.archive, at=T2, received_on=T2.date(),
                            expect=Expect(removals=(("*", 1),)))  # its fisik row, confirmed
        assert result.status == "loaded", [i.text() for i in result.issues]
    finally:
        env.close()

    assert _every_slide(1) == before
    assert [(m.label, m.value) for m in rapat_page().metric] == metrics_before
    # ... while the live dashboard shows the corrected data
    live = AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()
    live.sidebar.selectbox(key="_w_filter_tahun").set_value(2025).run()
    live.sidebar.selectbox(key="_w_filter_tw").set_value(1).run()
    assert "41,7%" not in " ".join(str(m.value) for m in live.metric)


def test_sidebar_filters_do_not_change_a_meeting(meeting_db: Path) -> None:
    at = presentation(1, 1)
    before = slide_html(at)
    at.sidebar.selectbox(key="_w_filter_tahun").set_value(2024).run()
    at.sidebar.selectbox(key="_w_filter_tw").set_value(4).run()
    assert slide_html(at) == before


# ---------------------------------------------------------------- the deck on real data


def test_every_slide_of_a_demo_meeting(demo_db: Path) -> None:
    with db.opened(demo_db) as con:
        meeting = store.create_meeting(con, "35.23", 2026, 3, title="Rapat Evaluasi TW III",
                                       actor="uji", rules=current_rules(con, "35.23"),
                                       cutoff=datetime(2026, 11, 23, 8, 0))
        view = sl.meeting_view(con, meeting.meeting_id)
    assert view is not None
    deck = sl.pages(view)
    kinds = [p.slide.kind for p in deck]
    assert kinds[0] == "ringkasan" and kinds[-1] == "kelengkapan"
    assert {"dimensi", "opd", "desa"} <= set(kinds)
    for page in deck:    # every page fits the 1280×720 body (estimated lines)
        assert len(page.rows) <= sl.MAX_ROWS
    slides = _every_slide(meeting.meeting_id)
    assert len(slides) == len(deck)
    titles = [html.unescape(SLIDE.search(s)[3]) for s in slides]  # type: ignore[index]
    assert titles[0] == "Capaian masterplan 89,8% · Tinggi"
    assert "Dishub: 4 butir perlu tindak lanjut, 1 kritis" in titles
    assert titles[-1] == "14 dari 15 OPD sudah melapor; 4 terlambat, 1 belum"
    at = rapat_page()
    assert_clean(at)


# ---------------------------------------------------------------- page splitting


@pytest.mark.parametrize(("costs", "pages"), [
    ([], [[]]),
    ([2.5] * 4, [[0, 1, 2, 3]]),
    ([5.0] * 4, [[0, 1], [2, 3]]),
    ([1.0] * 10, [[0, 1, 2, 3, 4, 5, 6, 7], [8, 9]]),   # never more than 8 rows
    ([20.0, 1.0], [[0], [1]]),                          # a row taller than a page stands alone
])
def test_paginate(costs: list[float], pages: list[list[int]]) -> None:
    assert sl.paginate(costs, budget=12.0, fixed=1.0) == pages


def test_cell_lines_follow_the_column_width() -> None:
    text = sl.Text("Pekerjaan fisik berjalan, pembayaran termin menunggu berita acara")
    assert sl.cell_lines((text,), 1.0) == 1
    assert sl.cell_lines((text,), 0.25) == 4     # a quarter of a 1024 px projector's width
    chips = (sl.Chip("Kritis", "#D55E00"), sl.Chip("Stagnan", "#CC79A7"))
    assert sl.cell_lines(chips, 0.5) == 1
    assert sl.cell_lines((sl.Line((*chips, sl.Text("Titik PJU", strong=True))),), 0.5) == 1
