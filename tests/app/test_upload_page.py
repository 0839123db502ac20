"""The Unggah Data and Riwayat Unggah pages driven through AppTest with real workbooks."""

from __future__ import annotations

import re
import time
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from monev.store import db, lineage
from monev.ui import data
from tests.helpers import report_bytes

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app.py"
MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
GOOD_FILL = {"realisasi": {"GOV-01.1": {"realisasi": 25}, "GOV-01.2": {"realisasi": 4}}}


def reports(path: Path, *fills: tuple[str, int, int, dict]) -> list[bytes]:
    """Quarterly report workbooks pre-filled from the database at ``path`` (then closed)."""
    con = duckdb.connect(str(path))
    try:
        return [report_bytes(con, opd, year, tw, fill) for opd, year, tw, fill in fills]
    finally:
        con.close()


def snapshot(path: Path) -> dict[str, list]:
    """Every row of every non-reference table, and the journal: for before/after checks."""
    with db.opened(path, read_only=True) as con:
        tables = [r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' "
            "AND table_name NOT LIKE 'ref_%' ORDER BY 1").fetchall()]
        rows = {t: sorted(map(repr, con.execute(f"SELECT * FROM {t}").fetchall()))
                for t in tables}
    journal = data.archive(path).journal_path
    rows["journal"] = journal.read_text(encoding="utf-8").splitlines() if journal.exists() \
        else []
    return rows


def upload_page() -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    return at.switch_page("pages/unggah.py").run()


def texts(elements) -> list[str]:
    """The texts as a reader sees them: user text is escaped for Markdown (md_text)."""
    return [re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", str(e.value)).replace("\u2060", "")
            for e in elements]


def frames(at: AppTest, *columns: str) -> list:
    """The tables shown whose columns include ``columns``, in page order (st.dataframe
    elements carry no key in AppTest)."""
    return [d.value for d in at.dataframe if set(columns) <= set(d.value.columns)]


def no_crash(at: AppTest) -> None:
    assert not at.exception, texts(at.exception)


def test_bad_file_shows_its_problems_and_changes_nothing(mp_db: Path) -> None:
    bad, = reports(mp_db, ("KOMINFO", 2025, 1,
                           {"realisasi": {"GOV-01.1": {"realisasi": "dua puluh"}}}))
    before, version = snapshot(mp_db), data.data_version(mp_db)
    at = upload_page()
    at.file_uploader[0].set_value(("laporan_salah.xlsx", bad, MIME)).run()
    no_crash(at)
    assert any("Ditolak" in e and "laporan_salah.xlsx" in e for e in texts(at.error))
    problems = frames(at, "Sheet", "Pesan")[0]
    assert list(problems.columns) == ["Sheet", "Baris", "Kolom", "Nilai", "Pesan"]
    row = problems.iloc[0]
    assert (row["Sheet"], row["Baris"], row["Kolom"], row["Nilai"]) == (
        "Realisasi Kinerja", 4, "Realisasi", "dua puluh")
    assert "tidak valid" in row["Pesan"]
    labels = [b.label for b in at.get("download_button")]
    assert "Unduh salinan file dengan sel bermasalah ditandai" in labels
    assert at.button(key="muat").disabled
    assert snapshot(mp_db) == before and data.data_version(mp_db) == version


def test_good_file_dry_run_then_load_shows_new_numbers(mp_db: Path) -> None:
    good, = reports(mp_db, ("KOMINFO", 2025, 1, GOOD_FILL))
    before = snapshot(mp_db)
    assert len(data.cached(lineage.history)) == 1
    at = upload_page()
    at.file_uploader[0].set_value(("laporan_kominfo.xlsx", good, MIME)).run()
    no_crash(at)
    assert any("Uji coba laporan OPD KOMINFO" in i and "2 baris realisasi kinerja" in i
               for i in texts(at.info))
    diff = frames(at, "Baru", "Berubah")[0]
    assert diff.to_dict("records") == [
        {"Data": "Realisasi kinerja", "Baru": 2, "Berubah": 0, "Sama": 0, "Dihapus": 0}]
    assert snapshot(mp_db) == before, "a dry run writes nothing"

    at.button(key="muat").click().run()
    no_crash(at)
    assert any(s.startswith("Berhasil memuat laporan OPD KOMINFO")
               and "2 baris realisasi kinerja" in s for s in texts(at.success))
    assert not at.file_uploader[0].value, "the uploader is cleared after loading"
    hist = data.cached(lineage.history)          # the data version changed: no stale cache
    assert len(hist) == 2 and hist.iloc[0]["file_name"] == "laporan_kominfo.xlsx"
    assert hist.iloc[0]["uploaded_by"] == "admin.uji"  # the signed-in account (conftest)

    at.switch_page("pages/riwayat.py").run()
    no_crash(at)
    table = frames(at, "No. Muatan", "Status")[0]
    assert table.iloc[0][["No. Muatan", "OPD", "Periode", "Status"]].tolist() == [
        2, "KOMINFO", "TW I 2025", "Aktif"]


def test_corrected_report_shows_changes_and_replaces(mp_db: Path) -> None:
    first, second = reports(
        mp_db, ("KOMINFO", 2025, 1, GOOD_FILL),
        ("KOMINFO", 2025, 1, {"realisasi": {"GOV-01.1": {"realisasi": 30},
                                            "GOV-01.2": {"realisasi": 4}}}))
    at = upload_page()
    at.file_uploader[0].set_value(("v1.xlsx", first, MIME)).run()
    at.button(key="muat").click().run()
    at.file_uploader[0].set_value(("v2.xlsx", second, MIME)).run()
    no_crash(at)
    diff = frames(at, "Baru", "Berubah")[0].iloc[0]
    assert (diff["Baru"], diff["Berubah"], diff["Sama"]) == (0, 1, 1)
    at.button(key="muat").click().run()
    assert any("Menggantikan muatan #2" in s for s in texts(at.success))


def test_a_correction_that_drops_rows_loads_only_once_the_count_is_confirmed(
        mp_db: Path) -> None:
    first, second = reports(
        mp_db, ("KOMINFO", 2025, 1, GOOD_FILL),
        ("KOMINFO", 2025, 1, {"realisasi": {"GOV-01.1": {"realisasi": 30}}}))
    at = upload_page()
    at.file_uploader[0].set_value(("v1.xlsx", first, MIME)).run()
    at.button(key="muat").click().run()
    at.file_uploader[0].set_value(("v2.xlsx", second, MIME)).run()
    no_crash(at)
    said = " ".join(texts(at.info))
    assert "PERHATIAN: 1 baris (1 baris realisasi kinerja)" in said and "muatan #2" in said
    assert at.button(key="muat").disabled
    assert any("Centang konfirmasi penghapusan" in w for w in texts(at.warning))
    [confirm] = [c for c in at.checkbox if c.key.startswith("hapus_")]
    assert "Ya, hapus 1 baris (1 baris realisasi kinerja) dari muatan #2" in confirm.label
    confirm.check().run()
    assert not at.button(key="muat").disabled
    at.button(key="muat").click().run()
    no_crash(at)
    assert any("Menggantikan muatan #2" in s for s in texts(at.success))
    detail = data.cached(lineage.history).set_index("load_id")
    assert detail.loc[3, "is_active"] and not detail.loc[2, "is_active"]


def test_several_files_with_one_bad_load_only_the_good(mp_db: Path) -> None:
    good, bad = reports(mp_db, ("KOMINFO", 2025, 1, GOOD_FILL),
                        ("DPMD", 2025, 1, {"realisasi": {"SOC-01.1": {"realisasi": "x"}}}))
    at = upload_page()
    at.file_uploader[0].set_value([("baik.xlsx", good, MIME), ("buruk.xlsx", bad, MIME),
                                   ("bukan.xlsx", b"ini bukan spreadsheet", MIME)]).run()
    no_crash(at)
    assert "1 file siap dimuat, 2 ditolak" in " ".join(texts(at.markdown))
    assert "bukan spreadsheet" in " ".join(frames(at, "Sheet", "Pesan")[-1]["Pesan"])
    at.button(key="muat").click().run()
    no_crash(at)
    assert len(at.success) == 1
    hist = data.cached(lineage.history)
    assert sorted(hist["file_name"]) == ["baik.xlsx", "masterplan.xlsx"]


def test_expectation_refuses_a_file_for_another_opd(mp_db: Path) -> None:
    good, = reports(mp_db, ("KOMINFO", 2025, 1, GOOD_FILL))
    at = upload_page()
    at.selectbox(key="exp_opd").set_value("DPMD").run()
    at.file_uploader[0].set_value(("laporan.xlsx", good, MIME)).run()
    no_crash(at)
    problems = frames(at, "Sheet", "Pesan")[0]
    assert "padahal yang diunggah adalah Kode OPD DPMD" in " ".join(problems["Pesan"])


def test_template_download_is_offered_for_every_opd(mp_db: Path) -> None:
    at = upload_page()
    no_crash(at)
    assert at.selectbox(key="tpl_opd").options == [
        "DPMD – Dinas Pemberdayaan Masyarakat dan Desa",
        "Diskominfo – Dinas Komunikasi dan Informatika"]
    at.selectbox(key="tpl_opd").set_value("KOMINFO").run()
    at.selectbox(key="tpl_tahun").set_value(2025).run()
    at.selectbox(key="tpl_tw").set_value(2).run()
    labels = [b.label for b in at.get("download_button")]
    assert "Unduh template laporan KOMINFO TW II 2025" in labels
    assert "Unduh template masterplan (kosong)" in labels


def test_empty_database_offers_the_masterplan_template_and_loads_it(empty_db: Path) -> None:
    from tests.helpers import masterplan_bytes

    at = upload_page()
    assert any("Belum ada masterplan" in i for i in texts(at.info))
    at.file_uploader[0].set_value(("masterplan.xlsx", masterplan_bytes(), MIME)).run()
    at.button(key="muat").click().run()
    no_crash(at)
    assert any(s.startswith("Berhasil memuat masterplan wilayah 35.23") for s in
               texts(at.success))
    at.run()
    assert at.selectbox(key="tpl_opd").options, "report templates appear once a masterplan is in"


def test_withdraw_and_restore_with_confirmation(mp_db: Path) -> None:
    first, second = reports(
        mp_db, ("KOMINFO", 2025, 1, GOOD_FILL),
        ("KOMINFO", 2025, 1, {"realisasi": {"GOV-01.1": {"realisasi": 30},
                                            "GOV-01.2": {"realisasi": 4}}}))
    at = upload_page()
    for name, content in (("v1.xlsx", first), ("v2.xlsx", second)):
        at.file_uploader[0].set_value((name, content, MIME)).run()
        at.button(key="muat").click().run()
    at.switch_page("pages/riwayat.py").run()
    no_crash(at)
    status = dict(zip(frames(at, "No. Muatan", "Status")[0]["No. Muatan"],
                      frames(at, "No. Muatan", "Status")[0]["Status"]))
    assert status == {3: "Aktif", 2: "Digantikan", 1: "Aktif"}

    at.selectbox(key="rw_pick").set_value(2).run()
    at.button(key="rw_pulihkan").click().run()
    assert any("Pulihkan muatan #2?" in w for w in texts(at.warning))
    at.button(key="rw_batal").click().run()
    assert not at.warning
    assert not data.cached(lineage.history).set_index("load_id").loc[2, "is_active"]
    at.button(key="rw_pulihkan").click().run()
    # load_activation's key has one-second resolution (see test_upload_logic):
    time.sleep(1.01 - time.time() % 1.0)   # wait for the clock's next second
    at.button(key="rw_ya").click().run()
    no_crash(at)
    assert any("Muatan #2 dipulihkan, menggantikan muatan #3." in s for s in texts(at.success))

    at.selectbox(key="rw_pick").set_value(2).run()
    at.button(key="rw_tarik").click().run()
    at.button(key="rw_ya").click().run()
    no_crash(at)
    table = frames(at, "No. Muatan", "Status")[0]
    assert dict(zip(table["No. Muatan"], table["Status"])) == {
        3: "Digantikan", 2: "Ditarik", 1: "Aktif"}


def test_rejected_attempts_are_listed(mp_db: Path) -> None:
    bad, = reports(mp_db, ("KOMINFO", 2025, 1, {"realisasi": {"GOV-01.1": {"realisasi": "x"}}}))
    env_con = duckdb.connect(str(mp_db))       # a CLI-style real load records the rejection
    try:
        from etl.load import load_bytes
        result = load_bytes(env_con, bad, "cli_salah.xlsx", actor="operator.cli",
                            archive=data.archive(mp_db))
        assert result.status == "rejected"
    finally:
        env_con.close()
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    at.switch_page("pages/riwayat.py").run()
    no_crash(at)
    rejected = frames(at, "Jumlah masalah")[0]
    assert rejected.iloc[0][["Oleh", "File", "Jumlah masalah"]].tolist() == [
        "operator.cli", "cli_salah.xlsx", 1]
    issues = frames(at, "Sheet", "Pesan")[0]
    assert issues.iloc[0][["Sheet", "Baris", "Kolom"]].tolist() == [
        "Realisasi Kinerja", 4, "Realisasi"]


@pytest.mark.parametrize("page", ["pages/ringkasan.py", "pages/unggah.py", "pages/riwayat.py"])
def test_locked_database_shows_the_busy_warning(locked_db: Path, page: str) -> None:
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    if page != "pages/ringkasan.py":
        at.switch_page(page).run()
    assert not at.exception, texts(at.exception)
    warnings = texts(at.warning)
    assert data.BUSY_MESSAGE in warnings
    assert not any("lock" in w.lower() for w in warnings + texts(at.error))
