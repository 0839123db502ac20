"""Pengaturan (admin): the rule settings changed through the page reach every page at once."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from monev import auth
from monev.store import rule_settings as rs
from tests.helpers import REGION

ROOT = Path(__file__).resolve().parents[2]
PAGE = "pages/pengaturan.py"


def open_page(page: str = PAGE) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def save(at: AppTest) -> AppTest:
    next(b for b in at.button if b.label == "Simpan pengaturan").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def field(widgets, label: str):
    """The form input with this label (its key carries the value it shows)."""
    return next(w for w in widgets if w.label == label)


def stored(path: Path) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute("SELECT region_code, name, value_json FROM setting "
                           "WHERE name <> 'demo' ORDER BY ALL").fetchall()


def in_force(at: AppTest, label: str) -> tuple[str, str]:
    table = at.dataframe[0].value
    row = table[table["Pengaturan"] == label].iloc[0]
    return row["Nilai berlaku"], row["Sumber"]


def overall_band(at: AppTest) -> str:
    """The overall band tile's band (its delta also says how many indicators it stands on)."""
    delta = str(next(m for m in at.metric if m.label == "Capaian keseluruhan").delta)
    return delta.split(" · ")[0]


def rules_note(at: AppTest) -> list[str]:
    return [str(c.value) for c in at.caption if "Aturan yang berbeda" in str(c.value)]


def test_a_higher_t_band_reaches_the_summary_at_once_and_can_be_undone(demo_db: Path):
    before = overall_band(open_page("pages/ringkasan.py"))
    assert before == "T – Tinggi"           # the demo's 89,8%
    at = open_page()
    assert [t.value for t in at.title] == ["Pengaturan"] and not at.error
    assert at.selectbox(key="pengaturan_wilayah").value == REGION   # the only regency loaded
    label = "Tinggi (T) mulai (%)"
    assert in_force(at, label) == ("76%", "Bawaan")

    field(at.number_input, label).set_value(90.0)
    save(at)
    assert [s.value for s in at.success] == [
        "1 pengaturan disimpan untuk Kabupaten Tuban (35.23): Tinggi (T) mulai (%) "
        "(nilai nasional/bawaan) → 90%."]
    assert in_force(at, label) == ("90%", "Wilayah ini")
    assert stored(demo_db) == [(REGION, "band_t", "90.0")]
    history = at.dataframe[-1].value
    assert history.iloc[0][["Oleh", "Pengaturan", "Sesudah"]].tolist() == [
        "admin.uji", label, "90%"]
    # the cached pages see it without a restart: the write changed the data version
    summary = open_page("pages/ringkasan.py")
    assert overall_band(summary) == "S – Sedang"
    assert rules_note(summary) == ["**Aturan yang berbeda dari bawaan** (diatur di halaman "
                                   "Pengaturan): Tinggi (T) mulai 90% (bawaan 76%)."]

    at = open_page()
    at.multiselect[0].select("band_t")
    save(at)
    assert in_force(at, label) == ("76%", "Bawaan")
    assert field(at.number_input, label).value == 76.0      # the input refilled, not as typed
    assert stored(demo_db) == []
    summary = open_page("pages/ringkasan.py")
    assert overall_band(summary) == before and rules_note(summary) == []


def preview(at: AppTest) -> AppTest:
    next(b for b in at.button if b.label == "Pratinjau dampak").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_a_preview_shows_what_the_values_would_change_and_stores_nothing(demo_db: Path):
    at = open_page()
    st_band, t_band = "Sangat Tinggi (ST) mulai (%)", "Tinggi (T) mulai (%)"
    field(at.number_input, t_band).set_value(90.0)
    field(at.number_input, "Batas laporan (hari kerja setelah triwulan berakhir)").set_value(10)
    preview(at)
    assert [s.value for s in at.subheader][-2] == "Pratinjau dampak (belum disimpan)"
    table = at.dataframe[1].value.set_index("Ukuran")
    assert table.loc["Pita capaian keseluruhan"].tolist() == [
        "T – Tinggi", "S – Sedang", ""]
    late = table.loc["Tanda Terlambat"]
    assert int(late["Dengan nilai baru"]) < int(late["Sekarang"])
    assert late["Selisih"] == f"−{int(late['Sekarang']) - int(late['Dengan nilai baru'])}"
    assert "Program ST – Sangat Tinggi" not in table.index      # unchanged rows are left out
    assert any("ukuran lain tidak berubah" in c.value for c in at.caption)
    assert stored(demo_db) == [] and not at.success
    assert field(at.number_input, t_band).value == 90.0      # still typed, ready to save
    with duckdb.connect(str(demo_db), read_only=True) as con:
        assert not con.execute("SELECT count(*) FROM audit_event "
                               "WHERE action = 'settings_change'").fetchone()[0]

    field(at.number_input, st_band).set_value(70.0)
    preview(at)
    assert [e.value for e in at.error] == [
        "Tidak dapat dipratinjau: Batas pita harus menurun: ST > T > S > R."]


def test_inconsistent_bands_and_a_bad_holiday_are_refused_with_nothing_stored(demo_db: Path):
    at = open_page()
    st_band = "Sangat Tinggi (ST) mulai (%)"
    field(at.number_input, st_band).set_value(70.0)
    save(at)
    assert [e.value for e in at.error] == [
        "Tidak disimpan: Batas pita harus menurun: ST > T > S > R."]
    assert field(at.number_input, st_band).value == 70.0     # what was typed stays
    field(at.number_input, st_band).set_value(91.0)
    field(at.text_area, "Hari libur daerah tambahan").input("17-08-2026\n31-02-2026")
    save(at)
    assert [e.value for e in at.error] == [
        "Tidak disimpan: Hari libur daerah, baris 2: '31-02-2026' bukan tanggal. Tulis satu "
        "tanggal per baris, mis. 17-08-2026."]
    assert stored(demo_db) == []
    field(at.text_area, "Hari libur daerah tambahan").input("17-08-2026\n")
    field(at.selectbox, "Penetapan RKP Desa").set_value((9, 15))
    save(at)
    assert not at.error
    assert stored(demo_db) == [(REGION, "extra_holidays", '["2026-08-17"]'),
                               (REGION, "rkp_desa_due", "[9, 15]")]


@pytest.mark.signed_in_as(auth.User("admin.tuban", "Admin Tuban", "admin", region_code="35.23"))
def test_an_admin_bound_to_a_region_sees_only_that_region(demo_db: Path):
    at = open_page()
    assert at.selectbox(key="pengaturan_wilayah").options == ["Kabupaten Tuban (35.23)"]
    assert rs.NATIONAL not in at.selectbox(key="pengaturan_wilayah").options


@pytest.mark.parametrize("role", [pytest.param(r, marks=pytest.mark.signed_in_as(r))
                                  for r in ("operator", "pimpinan")])
def test_other_roles_cannot_open_it(mp_db: Path, role: str):
    at = AppTest.from_file(str(ROOT / PAGE), default_timeout=60).run()
    assert [e.value for e in at.error] == ["Halaman ini tidak tersedia untuk peran Anda."]
    assert not at.number_input
