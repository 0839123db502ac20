"""The Revisi Masterplan page through AppTest: an admin records a revision from the form
(dry run first, nothing changes; then saved, and the list shows it); a bad one is refused in
Indonesian naming the column; pimpinan sees the list without the form."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app.py"


def _page() -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    return at.switch_page("pages/revisi.py").run()


def _texts(elements) -> list[str]:
    return [re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", str(e.value)) for e in elements]


def _revision_count(path: Path) -> int:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute("SELECT count(*) FROM revision").fetchone()[0]
    finally:
        con.close()


def _fill(at: AppTest, new_year: int) -> AppTest:
    at.selectbox(key="rv_jenis").set_value("ditunda").run()
    at.selectbox(key="rv_program").set_value("SOC-01")
    at.number_input(key="rv_tahun").set_value(2025)
    at.number_input(key="rv_tahun_baru").set_value(new_year)
    at.text_area(key="rv_alasan").input("Refocusing anggaran untuk penanganan banjir")
    at.text_input(key="rv_nomor").input("Perbup Tuban No. 45 Tahun 2025")
    at.date_input(key="rv_tanggal").set_value(date(2025, 6, 16))
    at.date_input(key="rv_berlaku").set_value(date(2025, 7, 1))
    return at.run()


def test_an_admin_checks_then_saves_a_revision_and_the_list_shows_it(mp_db):
    at = _page()
    assert [t.value for t in at.title] == ["Revisi Masterplan"]
    assert "Belum ada revisi masterplan yang dicatat." in _texts(at.info)
    at = _fill(at, 2026)
    at.button(key="rv_periksa").click().run()
    assert any(t.startswith("Uji coba revisi masterplan wilayah 35.23: akan memuat 1 baris "
                            "revisi.") for t in _texts(at.info))
    assert _revision_count(mp_db) == 0                    # the dry run changed nothing
    at.button(key="rv_simpan").click().run()
    assert not at.exception
    assert any(t.startswith("Berhasil memuat revisi masterplan wilayah 35.23: 1 baris revisi")
               for t in _texts(at.success))
    assert _revision_count(mp_db) == 1
    listed = [d.value for d in at.dataframe if "Uraian" in d.value.columns]
    assert listed and list(listed[0]["Uraian"]) == ["SOC-01 ditunda dari 2025 ke 2026"]
    assert list(listed[0]["Alasan"]) == ["Refocusing anggaran untuk penanganan banjir"]


def test_a_bad_revision_is_refused_naming_the_column_and_nothing_is_saved(mp_db):
    at = _fill(_page(), 2025)                             # Tahun Baru not after Tahun
    at.button(key="rv_periksa").click().run()
    assert any(t.startswith("Ditolak: 1 masalah") for t in _texts(at.error))
    issues = [d.value for d in at.dataframe if "Pesan" in d.value.columns][0]
    assert list(issues["Kolom"]) == ["Tahun Baru"] and list(issues["Sheet"]) == ["Revisi"]
    assert "harus setelah Tahun" in issues["Pesan"].iloc[0]
    assert not [b for b in at.button if b.key == "rv_simpan"]
    assert _revision_count(mp_db) == 0


@pytest.mark.signed_in_as("pimpinan")
def test_pimpinan_sees_the_list_without_the_form(mp_db):
    at = _page()
    assert not at.exception
    assert [t.value for t in at.title] == ["Revisi Masterplan"]
    assert not [b for b in at.button if b.key == "rv_periksa"]


def test_the_demo_pages_show_the_revision(demo_db):
    at = AppTest.from_file(str(APP), default_timeout=90).run()   # 2026 TW III by default
    summary = at.switch_page("pages/ringkasan.py").run()
    assert not summary.exception
    assert "Ditunda / dibatalkan" in [h.value for h in summary.subheader]
    off = [d.value for d in summary.dataframe if "Status" in d.value.columns
           and "Alasan" in d.value.columns][0]
    assert {"Ditunda ke 2027", "Dibatalkan mulai 2026"} <= set(off["Status"])
    assert any("indikator direvisi" in str(c.value) for c in summary.caption)
    page = at.switch_page("pages/capaian.py").run()
    assert not page.exception
    page.selectbox(key="cp_program").set_value("SOC-03").run()
    inds = [d.value for d in page.dataframe if "Target semula" in d.value.columns][0]
    row = inds[inds["Kode"] == "SOC-03.1"].iloc[0]
    assert row["Target tahunan"] == "35.000 (direvisi; semula 33.300)"
    assert row["Target semula"] == "33.300"
    assert any(e.label.startswith("Riwayat revisi SOC-03") for e in page.expander)
