"""Perbandingan Wilayah: the province/national roll-up page, on three generated regencies."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from monev import auth
from monev.domain.settings import DEFAULT
from monev.engine import AsOf
from monev.engine.national import region_comparison
from monev.ui import charts_wilayah as cw
from monev.ui import nav
from tests.app.dbs import copy_database, national_build

ROOT = Path(__file__).resolve().parents[2]
PAGE = "pages/wilayah.py"


@pytest.fixture(scope="module")
def three_regions(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three generated regencies, built once per test run (copied before use)."""
    return national_build(tmp_path_factory)[0]


@pytest.fixture
def national_db(three_regions: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = copy_database(three_regions, tmp_path / "nasional" / "monev.duckdb")
    monkeypatch.setenv("MONEV_DB", str(path))
    return path


def open_page(tw: int = 3) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    at.sidebar.selectbox(key="_w_filter_tahun").set_value(2026).run()
    at.sidebar.selectbox(key="_w_filter_tw").set_value(tw).run()
    at.switch_page(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error and not at.warning
    return at


def open_upload_page() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    at.switch_page("pages/unggah.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def comparison(path: Path, tw: int = 3) -> pd.DataFrame:
    with duckdb.connect(str(path), read_only=True) as con:
        return region_comparison(con, AsOf.latest(2026, tw))


def test_listed_only_with_several_regions() -> None:
    assert PAGE not in [f for entries in nav.sections().values() for f, _, _ in entries]
    assert PAGE in [f for entries in nav.sections(n_regions=2).values() for f, _, _ in entries]
    assert nav.across_regions("Perbandingan Wilayah") and not nav.across_regions("Ringkasan")


def test_not_in_navigation_with_one_region(mp_db: Path) -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert [t.value for t in at.title] == ["Ringkasan"]
    assert "Wilayah" not in [s.label for s in at.sidebar.selectbox]


def test_page_compares_every_region(national_db: Path) -> None:
    at = open_page()
    comp = comparison(national_db)
    assert [t.value for t in at.title] == ["Perbandingan Wilayah"]
    # no Wilayah or OPD filter here: the page covers every region
    assert [s.label for s in at.sidebar.selectbox] == ["Tahun", "Triwulan", "Dimensi"]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Kabupaten/kota"] == "3"
    table = at.dataframe[-1].value
    expected = comp.sort_values("capaian")
    assert list(table["Kode"]) == list(expected["region_code"])
    assert list(table["Capaian"]) == [cw.cc.capaian_text(v, c) for v, c in
                                      zip(expected["capaian"], expected["band_code"],
                                          strict=True)]
    received = int(comp["reports_received"].sum())
    assert metrics["Laporan OPD diterima"].endswith("%")
    assert at.metric[2].delta.startswith(f"{received} dari")


def test_province_scope_narrows_the_table(national_db: Path) -> None:
    at = open_page()
    at.selectbox(key="wl_cakupan").set_value("35").run()
    table = at.dataframe[-1].value
    assert list(table["Kode"]) == ["35.23"]
    assert {m.label: m.value for m in at.metric}["Kabupaten/kota"] == "1"


def test_dimension_filter_ranks_on_that_dimension(national_db: Path) -> None:
    at = open_page()
    at.sidebar.selectbox(key="_w_filter_dimensi").set_value("LIV").run()
    assert not at.exception
    titles = [c.proto.spec for c in at.get("plotly_chart")]
    assert any("Smart Living" in spec for spec in titles)


# ---------------------------------------------------------------- plain functions

def frame(values: list[float | None]) -> pd.DataFrame:
    codes = [f"{11 + i // 2}.{i + 1:02d}" for i in range(len(values))]
    return pd.DataFrame({
        "region_code": codes, "region_name": [f"Kabupaten {c}" for c in codes],
        "province_name": [f"Provinsi {c[:2]}" for c in codes], "capaian": values,
        "capaian_liv": values, "band_code": "S", "reports_due": 10, "reports_received": 7,
        "n_villages": 4, "n_villages_at_risk": 1, "completeness_pct": 70.0,
        "on_time_pct": 50.0, "pct_villages_at_risk": 25.0})


def test_lagging_finding_counts_below_threshold_and_names_lowest() -> None:
    found = cw.lagging_finding(frame([50.0, 80.0, 75.99, None]), "keseluruhan")
    assert found.title == "2 dari 3 kabupaten/kota tertinggal"
    assert found.detail.startswith("terendah Kabupaten 11.01 50%")
    found = cw.lagging_finding(frame([90.0, 80.0]), "Smart Living", column="capaian_liv")
    assert found.title == "Semua 2 kabupaten/kota ≥ 76% pada Smart Living"
    assert cw.lagging_finding(frame([None]), "keseluruhan").title.endswith("belum dapat dihitung")


def test_ranked_keeps_the_lowest_and_bands_each() -> None:
    rows = cw.ranked(frame([float(v) for v in range(100, 60, -2)]), n=5)
    assert list(rows["capaian"]) == [62.0, 64.0, 66.0, 68.0, 70.0]
    assert list(rows["band_code"]) == ["R", "R", "S", "S", "S"]   # S from 66%
    assert rows["label"].str.len().max() <= 34


def test_province_summary_and_scope() -> None:
    comp = frame([50.0, 90.0, 100.0])          # provinces 11 (two regencies) and 12
    summary = cw.province_summary(comp, DEFAULT).set_index("province")
    assert summary.loc["11", "n_regions"] == 2 and summary.loc["11", "n_lagging"] == 1
    assert summary.loc["11", "capaian_median"] == 70.0
    assert summary.loc["11", "completeness_pct"] == 70.0
    assert summary.loc["12", "pct_villages_at_risk"] == 25.0
    choices = cw.province_choices(comp)
    assert list(choices) == ["*", "11", "12"] and choices["*"] == "Semua provinsi (2)"
    assert list(cw.in_province(comp, "12")["region_code"]) == ["12.03"]


def test_band_cell_style_reads_the_code() -> None:
    assert "#0072B2" in cw.band_cell_style("101,2% · ST")
    assert cw.band_cell_style("Belum ada data") == ""


@pytest.mark.signed_in_as(auth.User("admin.tbn", "Admin Tuban", "admin", region_code="35.23"))
def test_upload_page_of_a_region_bound_account_offers_only_its_region(national_db: Path) -> None:
    at = open_upload_page()
    assert "Wilayah" not in [s.label for s in at.main.selectbox]
    assert any("Kabupaten Tuban: file wilayah lain akan ditolak" in c.value for c in at.caption)
    opds = at.selectbox(key="tpl_opd").options
    assert opds and len(opds) < 60     # Tuban's OPDs only


def test_upload_page_of_an_unbound_admin_offers_every_region(national_db: Path) -> None:
    at = open_upload_page()
    assert len(at.selectbox(key="unggah_wilayah").options) == 3


@pytest.mark.signed_in_as(auth.User("admin.lmg", "Admin Lamongan", "admin",
                                     region_code="35.24"))
def test_upload_page_of_an_account_whose_region_is_not_loaded_offers_no_opd(
        national_db: Path) -> None:
    at = open_upload_page()
    assert not at.selectbox(key="exp_opd").options[1:]      # only "as the file says"
    assert any("Belum ada masterplan" in i.value for i in at.info)


@pytest.mark.signed_in_as(auth.User("admin.tbn", "Admin Tuban", "admin", region_code="35.23"))
def test_an_admin_bound_to_one_region_cannot_back_up_the_others(national_db: Path) -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    at.switch_page("pages/cadangan.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert "termasuk 2 wilayah di luar wilayah akun Anda" in at.warning[0].value
    assert not at.main.button and not (national_db.parent / "backups").exists()
