"""The small UI helpers: Indonesian formats, theme, downloads, filters' defaults, busy guard."""

from __future__ import annotations

import io
import math
from datetime import date, datetime

import openpyxl
import pandas as pd
import plotly.graph_objects as go
import pytest
from streamlit.testing.v1 import AppTest

from monev.domain.bands import BANDS
from monev.ui import components, format, nav, theme
from monev.ui.filters import default_period, last_closed_tw


@pytest.mark.parametrize(("value", "text"), [
    (1234.5, "1.234,5"), (1_000_000, "1.000.000"), (0.0, "0"), (None, "–"),
    (float("nan"), "–"), (pd.NA, "–"), ("12", "12"), ("abc", "–")])
def test_angka(value: object, text: str) -> None:
    assert format.angka(value) == text


def test_rupiah_persen_tanggal_triwulan() -> None:
    assert format.rupiah(1_500_000_000) == "Rp 1,5 M"
    assert format.rupiah(None) == "–"
    assert format.persen(75.5) == "75,5%" and format.persen(80) == "80%"
    assert format.tanggal(date(2025, 9, 30)) == "30 September 2025"
    assert format.tanggal(pd.Timestamp("2026-11-23 14:05")) == "23 November 2026"
    assert format.tanggal(None) == "–" and format.tanggal(pd.NaT) == "–"
    assert format.tanggal_jam(datetime(2026, 11, 23, 14, 5)) == "23 November 2026 14.05"
    assert format.triwulan(3) == "TW III" and format.triwulan(None) == "–"
    assert format.triwulan(7) == "–"


def test_display_frame_formats_only_listed_columns() -> None:
    df = pd.DataFrame({"pagu": [1.5e9, None], "capaian": [91.256, None], "n": [1234, 5],
                       "tw": [1, 4], "kode": ["A", "B"]})
    out = format.display_frame(df, rupiah_cols=["pagu"], persen_cols=["capaian"],
                               angka_cols=["n"], tw_cols=["tw"])
    assert out.to_dict("records") == [
        {"pagu": "Rp 1,5 M", "capaian": "91,3%", "n": "1.234", "tw": "TW I", "kode": "A"},
        {"pagu": "–", "capaian": "–", "n": "5", "tw": "TW IV", "kode": "B"}]
    assert df["pagu"].iloc[0] == 1.5e9, "the raw frame is untouched"
    assert list(format.rename(df, {"kode": "Kode", "n": "Jumlah"}).columns) == ["Kode",
                                                                              "Jumlah"]


def test_theme_is_large_white_and_uses_the_band_palette() -> None:
    layout = theme.template().layout
    assert layout.font.size >= 18 and layout.title.font.size >= 24
    assert layout.paper_bgcolor == layout.plot_bgcolor == "#FFFFFF"
    assert layout.separators == ",."
    assert {b.code: b.color for b in BANDS} == theme.BAND_COLORS
    assert theme.band_color_map("caption")["ST – Sangat Tinggi"] == BANDS[0].color
    assert theme.band_color_map("label")["Sangat Rendah"] == theme.BAND_COLORS["SR"]


def test_figure_layout_states_the_finding() -> None:
    fig = theme.figure_layout(go.Figure(go.Bar(x=["A"], y=[1])),
                              "3 dari 6 dimensi di bawah target", "TW III 2026", height=500)
    assert fig.layout.title.text == "3 dari 6 dimensi di bawah target"
    assert fig.layout.title.subtitle.text == "TW III 2026"
    assert fig.layout.height == 500
    assert fig.layout.template.layout.font.size == theme.BASE_FONT_PX


# Widths in px of these titles in Source Sans at 26 px, measured in chromium (canvas
# measureText, the woff2 Streamlit serves).
MEASURED_26PX = {
    "Terendah: Smart Environment 87,9% (Tinggi)": 487,
    "Laporan TW III: 14 dari 15 OPD (93,3%)": 413,
    "26 dari 27 program dikerjakan lintas OPD; Diskominfo terlibat di 19 program "
    "(5 pengampu, 14 pendukung)": 1140,
    "WWWWW MMMMM mmmmm": 315,
    "iiiii lllll ....": 101,
    "KABUPATEN TUBAN SMART GOVERNANCE OPD DPMPTSP": 614,
}


@pytest.mark.parametrize(("text", "measured"), MEASURED_26PX.items())
def test_text_width_never_underestimates_the_browser(text: str, measured: int) -> None:
    """An estimate below the real width would let a title run past the chart's edge."""
    assert measured <= theme.text_px(text, 26) <= measured * 1.12
    assert theme.text_px(f"<b>{text}</b>", 26) == theme.text_px(text, 26)


def test_wrap_keeps_words_and_breaks() -> None:
    text = "76 dari 129 desa/kelurahan beroperasi (58,9%); 29 bergeser ke 2026–2028"
    lines = theme.wrap(text, 26, 400)
    assert len(lines) == 3 and " ".join(lines) == text
    assert all(theme.text_px(line, 26) <= 400 for line in lines)
    assert theme.wrap("Satu<br>dua", 26, 1000) == ["Satu", "dua"]
    long = ("76 dari 129 desa/kelurahan beroperasi (58,9%); 29 bergeser ke 2026–2028, "
            "terbanyak di Kec. Palang (5)")
    assert theme.wrap(long, 26, 730) == [
        "76 dari 129 desa/kelurahan beroperasi (58,9%);",
        "29 bergeser ke 2026–2028, terbanyak di Kec. Palang (5)"], "a line ends at a clause"
    assert theme.wrap("Terendah: Smart Environment 87,9% (Tinggi)", 26, 325) == [
        "Terendah: Smart", "Environment 87,9% (Tinggi)"], "not at a clause that is too short"
    assert theme.wrap("Kelurahanyangsangatpanjangsekali", 26, 50) == [
        "Kelurahanyangsangatpanjangsekali"], "a word longer than the line stays whole"


def test_fit_heading_wraps_to_the_column_and_makes_room() -> None:
    title = "6 dari 15 desa bergeser ke 2026–2028: Kesepakatan APBDes dengan BPD terlewat"
    subtitle = "15 dari 40 lokasi ditampilkan, yang paling mendesak lebih dulu"
    fig = theme.figure_layout(go.Figure(go.Bar(x=["A"], y=[1])), title, subtitle, height=500)
    fig.update_layout(margin_t=150)
    theme.fit_heading(fig, columns=2)
    lines = fig.layout.title.text.split("<br>")
    sub = fig.layout.title.subtitle.text.split("<br>")
    width = theme.CHART_PX[2]
    assert " ".join(lines) == title and " ".join(sub) == subtitle
    assert len(lines) >= 3 and len(sub) >= 2
    assert all(theme.text_px(line, theme.TITLE_FONT_PX) < width for line in lines)
    assert all(theme.text_px(line, theme.BASE_FONT_PX) < width for line in sub)
    extra = math.ceil((len(lines) - 1) * 1.3 * theme.TITLE_FONT_PX
                      + (len(sub) - 1) * 1.3 * theme.BASE_FONT_PX)
    assert fig.layout.margin.t == 150 + extra and fig.layout.height == 500 + extra
    assert fig.layout.title.pad.t == theme.TITLE_PAD_PX + 18, \
        "a multi-line title is put back below the top edge"

    short = theme.figure_layout(go.Figure(go.Bar(x=["A"], y=[1])), "Laporan TW III: 93,3%")
    theme.fit_heading(short)
    assert short.layout.title.text == "Laporan TW III: 93,3%"
    assert short.layout.margin.t is None and short.layout.height is None
    assert short.layout.title.pad.t is None
    wide = theme.figure_layout(go.Figure(go.Bar(x=["A"], y=[1])), title)
    theme.fit_heading(wide)
    assert wide.layout.title.text.count("<br>") == 1
    assert wide.layout.margin.t == 90 + math.ceil(1.3 * theme.TITLE_FONT_PX), \
        "the template's top margin when the chart sets none"
    assert wide.layout.height == 450 + math.ceil(1.3 * theme.TITLE_FONT_PX)


def _bars(values: list[float], texts: list[str], top: float) -> go.Figure:
    fig = go.Figure(go.Bar(x=values, y=[f"Program {i}" for i in range(len(values))],
                           orientation="h", text=texts, textposition="outside",
                           cliponaxis=False))
    fig.update_xaxes(range=[0, top])
    return fig


def test_fit_bar_labels_gives_the_labels_beside_long_bars_room() -> None:
    texts = ["56,3% · Rp 2,8 M dari Rp 5 M", "22,7% · Rp 696,7 jt dari Rp 3,1 M", "3%"]
    fig = theme.fit_bar_labels(_bars([5e9, 3.1e9, 1e8], texts, 6e9))
    top = fig.layout.xaxis.range[1]
    plot = theme.plot_px(["Program 0", "Program 1", "Program 2"])
    assert plot == theme.CHART_PX[1] - theme.text_px("Program 0", theme.BASE_FONT_PX) - 40
    assert 6e9 < top <= 2.5 * 6e9
    for x, text in zip([5e9, 3.1e9], texts, strict=False):   # each label ends inside the plot
        assert x / top * plot + theme.text_px(text, theme.BASE_FONT_PX) <= plot
    half = theme.fit_bar_labels(_bars([5e9, 3.1e9, 1e8], texts, 6e9), columns=2)
    assert half.layout.xaxis.range[1] > top, "a narrower chart needs more room"
    longest = _bars([5e9], ["22,7% · Rp 696,7 jt dari Rp 3,1 M · APBD dan DAK"], 5.1e9)
    assert theme.fit_bar_labels(longest, columns=2).layout.xaxis.range[1] == 2.5 * 5.1e9, \
        "no more than 2.5 times the span"

    short = theme.fit_bar_labels(_bars([50, 90], ["50%", "90%"], 152))
    assert list(short.layout.xaxis.range) == [0, 152], "labels that fit leave the axis alone"
    inside = _bars([5e9], texts[:1], 8e9)
    inside.update_traces(textposition="inside")
    assert theme.fit_bar_labels(inside).layout.xaxis.range[1] == 8e9
    dates = go.Figure(go.Bar(x=[30], y=["A"], base=["2026-01-01"], orientation="h",
                             text=["x"], textposition="outside"))
    dates.update_xaxes(range=["2026-01-01", "2026-12-31"])
    assert theme.fit_bar_labels(dates).layout.xaxis.range == ("2026-01-01", "2026-12-31")


def test_csv_for_indonesian_excel_and_xlsx_download() -> None:
    df = pd.DataFrame({"OPD": ["Diskominfo"], "Capaian": [91.5],
                       "Waktu": [pd.Timestamp("2026-11-23 10:00", tz="Asia/Jakarta")]})
    text = components.csv_bytes(df).decode("utf-8-sig")
    # every field quoted (monev.export: a separator inside a text cannot split it)
    assert text.splitlines()[0] == '"OPD";"Capaian";"Waktu"'
    assert text.splitlines()[1].startswith('"Diskominfo";"91,5";')
    wb = openpyxl.load_workbook(io.BytesIO(components.excel_bytes(df)))
    ws = wb.active
    assert [c.value for c in ws[1]] == ["OPD", "Capaian", "Waktu"]
    assert ws["B2"].value == 91.5


@pytest.mark.parametrize(("today", "expected"), [
    (date(2026, 11, 23), (2026, 3)), (date(2026, 1, 5), (2025, 4)),
    (date(2026, 4, 1), (2026, 1)), (date(2026, 12, 31), (2026, 3))])
def test_last_closed_tw(today: date, expected: tuple[int, int]) -> None:
    assert last_closed_tw(today) == expected


@pytest.mark.parametrize(("reported", "years", "expected"), [
    ([(2025, 4), (2026, 2), (2026, 1)], range(2023, 2033), (2026, 2)),
    ([], range(2023, 2033), (2026, 3)),
    ([], range(2027, 2031), (2027, 1)),        # masterplan not started yet
    ([], range(2015, 2025), (2024, 4)),        # masterplan ended
    ([(2040, 1)], range(2023, 2033), (2026, 3)),
])
def test_default_period(reported, years, expected) -> None:
    assert default_period(reported, tuple(years), date(2026, 11, 23)) == expected


def test_nav_sections_keep_declaration_order() -> None:
    sections = nav.sections()
    assert list(sections)[0] == nav.PAGES[0][3]
    assert {"Unggah Data", "Riwayat Unggah"} <= {t for _, t, _ in sections["Diskominfo"]}
    assert nav.shows_filters("Ringkasan") and not nav.shows_filters("Unggah Data")


def _guarded(kind: str) -> None:
    import streamlit as st

    from monev.store.db import DatabaseBusy
    from monev.ui.components import busy_guard

    st.title("Uji")
    with busy_guard(catch_all=kind == "other"):
        if kind == "busy":
            raise DatabaseBusy("IO Error: Could not set lock on file")
        raise ValueError("detail internal")
    st.write("lanjut")


@pytest.mark.parametrize("kind", ["busy", "other"])
def test_busy_guard_shows_indonesian_text_only(kind: str) -> None:
    at = AppTest.from_function(_guarded, kwargs={"kind": kind}).run()
    assert not at.exception
    shown = [w.value for w in at.warning] + [e.value for e in at.error]
    if kind == "busy":
        assert shown == [components.BUSY_MESSAGE]
    else:
        assert shown == [components.ERROR_MESSAGE]
    assert not any("lock" in s or "detail" in s for s in shown)
    assert [m.value for m in at.markdown] == ["lanjut"]


def test_busy_guard_lets_other_errors_through_by_default() -> None:
    at = AppTest.from_function(_guarded, kwargs={"kind": "plain"}).run()
    assert at.exception


def test_band_legend_prints_code_and_label() -> None:
    def legend() -> None:
        from monev.ui.components import band_legend
        band_legend()

    at = AppTest.from_function(legend).run()
    html = at.markdown[0].value
    for band in BANDS:
        assert f">{band.code}</span>" in html and band.label in html and band.color in html


def test_program_summary_counts_each_programs_villages_by_status() -> None:
    """One pass gives what a table per program gave: villages and the count of each status,
    every status present."""
    from monev.ui import charts_desa as cd

    rollout = pd.DataFrame({
        "program_code": ["B-02", "A-01", "B-02", "A-01", "A-01"],
        "program_name": ["Desa Digital", "Kelurahan Cerdas", "Desa Digital",
                         "Kelurahan Cerdas", "Kelurahan Cerdas"],
        "status": ["rawan", "beroperasi", "bergeser", "bergeser", "bergeser"]})
    summary = cd.program_summary(rollout).to_dict("index")
    assert list(summary) == ["A-01", "B-02"]
    for code, row in summary.items():
        rows = rollout[rollout["program_code"] == code]
        assert row["lokasi"] == len(rows)
        assert {s: row[s] for s in cd.STATUS_ORDER} == cd.status_counts(rows)
    assert summary["A-01"]["bergeser"] == 2 and summary["B-02"]["sesuai_jadwal"] == 0
