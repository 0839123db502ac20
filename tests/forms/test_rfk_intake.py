"""FORM RFK in: the monthly realisasi fisik dan keuangan of a quarter's last month loads that
TW's budget and fisik (cumulative, never added to earlier TWs) beside the quarterly report,
never over it; other months are refused; program texts are mapped once like the E.81's; a
rebuild replays it identically (issue 27)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from etl.archive import Archive, from_database
from etl.load import LoadResult, load_bytes
from etl.rebuild import rebuild
from etl.workbook import read_workbook
from monev.engine.asof import AsOf
from monev.engine.budget import budget_summary
from monev.store import db as store_db
from monev.store import facts as store_facts
from tests.app.dbs import build_masterplan
from tests.forms.rfk_fixture import Row, rfk_bytes
from tests.forms.test_e81_intake import cli, query
from tests.helpers import report_bytes

REAL_FORMS = Path(__file__).resolve().parents[3] / "shared" / "reference" / "real-forms"
DISDIK = REAL_FORMS / "rfk_bulanan_disdik_banjarmasin_2023_02.xlsx"
BLANK_SET = REAL_FORMS / "form_rfk_pbj_st_m_bappeko_banjarmasin.xls"
RECAP = REAL_FORMS / "rekap_rfk_per_skpd_kota_banjarmasin_2020_04.xlsx"
REGION = "35.23"
REPORT_TW1 = datetime(2025, 4, 7, 9, 0)
RFK_AT = datetime(2025, 4, 8, 9, 0)
LATER = datetime(2025, 4, 9, 9, 0)
JUNE_AT = datetime(2025, 7, 3, 9, 0)
NOW = datetime(2099, 1, 1, 0, 0)   # after every upload, the CLI's included


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """A database with the small test masterplan (KOMINFO: Satu Data Tuban, GOV-01)."""
    return build_masterplan(tmp_path / "db" / "monev.duckdb")


def load(db: Path, data: bytes, name: str, at: datetime, *,
         dry_run: bool = False) -> LoadResult:
    """Load through the real loader, with the database's archive."""
    with duckdb.connect(str(db)) as con:
        return load_bytes(con, data, name, actor="penguji", at=at, dry_run=dry_run,
                          archive=Archive(store_db.archive_root(db)))


def report(db: Path, tw: int, rupiah: float, fisik: float, kinerja: float = 18,
           source: str = "APBD") -> bytes:
    """KOMINFO's quarterly report (template) of 2025 for a TW: one value of each kind."""
    with duckdb.connect(str(db)) as con:
        return report_bytes(con, "KOMINFO", 2025, tw, fill={
            "realisasi": {"GOV-01.1": {"realisasi": kinerja}},
            "anggaran": {"GOV-01": {"sumber_dana": source, "pagu": 850_000_000,
                                    "realisasi_rp": rupiah}},
            "fisik": {"GOV-01": {"fisik": fisik, "kendala": "jaringan belum stabil"}}})


def budget_rows(db: Path, tw: int = 4) -> list[tuple]:
    """What the views read: budget per program, source and TW (latest upload wins)."""
    with duckdb.connect(str(db), read_only=True) as con:
        rows = store_facts.budget(con, REGION, NOW, 2025, tw)
    return [(r.program_code, r.tw, r.realisasi, r.basis) for r in rows.itertuples()]


def fisik_rows(db: Path) -> list[tuple]:
    """Physical progress per program and TW as the views read it."""
    with duckdb.connect(str(db), read_only=True) as con:
        rows = store_facts.program_progress(con, REGION, NOW, 2025)
    return [(r.program_code, r.tw, r.fisik_pct) for r in rows.itertuples()]


def test_rfk_maret_loads_tw1_budget_and_fisik_and_keeps_the_report_kinerja(db: Path) -> None:
    assert load(db, report(db, 1, 90_000_000, 20), "tw1.xlsx", REPORT_TW1).status == "loaded"
    rfk = rfk_bytes([Row("Program Satu Data Tuban", 850_000_000, 100_000_000, 30)])

    dry = load(db, rfk, "rfk_maret.xlsx", RFK_AT, dry_run=True)
    assert dry.status == "dry_run", dry.issues
    assert "Anggaran dan fisik TW I dari RFK Maret 2025 menggantikan yang dari laporan " \
           "triwulan yang diunggah sebelumnya (muatan #2)" in dry.message
    assert "kinerja laporan itu tetap berlaku" in dry.message
    done = load(db, rfk, "rfk_maret.xlsx", RFK_AT)

    assert done.status == "loaded" and done.supersedes is None
    assert "RFK Maret 2025 OPD KOMINFO" in done.message
    assert query(db, "SELECT load_id, kind, scope_key FROM load WHERE load_id > 1 "
                     "AND load_id IN (SELECT load_id FROM active_load) ORDER BY 1") == [
        (2, "laporan", "35.23|laporan|KOMINFO|2025|1"), (3, "rfk", "35.23|rfk|KOMINFO|2025|1")]
    assert budget_rows(db) == [("GOV-01", 1, 100_000_000.0, "sdtw")]   # the TTB is not read
    assert fisik_rows(db) == [("GOV-01", 1, 30.0)]
    with duckdb.connect(str(db), read_only=True) as con:
        kinerja = store_facts.indicator_facts(con, REGION, NOW, 2025, 1)
        receipts = store_facts.report_receipts(con, REGION, NOW, 2025)
    assert kinerja.set_index("indicator_code").loc["GOV-01.1", "v1"] == 18
    # the RFK is no report received: lateness and counts are the quarterly report's alone
    assert receipts[["opd_code", "tw", "load_id", "n_submissions"]].values.tolist() == [
        ["KOMINFO", 1, 2, 1]]

    # a corrected quarterly report loaded after the RFK: its budget and fisik win again
    corrected = report(db, 1, 95_000_000, 25)
    assert "Anggaran dan fisik TW I program GOV-01 dari laporan ini menggantikan yang dari " \
           "RFK Maret 2025" in load(db, corrected, "tw1-revisi.xlsx", LATER,
                                    dry_run=True).message
    assert load(db, corrected, "tw1-revisi.xlsx", LATER).status == "loaded"
    assert budget_rows(db) == [("GOV-01", 1, 95_000_000.0, "tw")]
    assert fisik_rows(db) == [("GOV-01", 1, 25.0)]
    assert query(db, "SELECT kind FROM active_load WHERE kind = 'rfk'") == [("rfk",)]


def test_rfk_februari_is_refused_and_changes_nothing(db: Path) -> None:
    before = query(db, "SELECT count(*) FROM load"), budget_rows(db)
    rfk = rfk_bytes([Row("Program Satu Data Tuban", 850_000_000, 60_000_000, 10)],
                    kondisi="28 Februari 2025")

    result = load(db, rfk, "rfk_februari.xlsx", RFK_AT)

    assert result.status == "rejected"
    assert [i.message for i in result.issues] == [
        "RFK bulan Februari 2025 bukan akhir triwulan; yang dimuat hanya RFK Maret, Juni, "
        "September dan Desember. Tidak ada data yang diubah."]
    assert (result.issues[0].sheet, result.issues[0].row) == ("RFK", 4)
    assert (query(db, "SELECT count(*) FROM load"), budget_rows(db)) == before
    # the attempt is recorded like any rejection
    assert query(db, "SELECT i.check_code FROM load_event e JOIN load_issue i USING "
                     "(event_id) WHERE e.action = 'reject'") == [("bukan_akhir_triwulan",)]


def test_an_unmapped_program_is_refused_naming_pemetaan_then_mapped_once(
        db: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    form = tmp_path / "rfk_kominfo_maret.xlsx"
    form.write_bytes(rfk_bytes([
        Row("PROGRAM PENGELOLAAN APLIKASI INFORMATIKA (Satu Data)", 500_000_000,
            80_000_000, 35)]))
    assert cli("load", form, "--db", db) == 1
    out = capsys.readouterr().out
    assert "Program 'PROGRAM PENGELOLAAN APLIKASI INFORMATIKA (Satu Data)' belum " \
           "dipetakan" in out
    assert "python -m etl pemetaan usul" in out and "halaman Unggah Data" in out
    assert query(db, "SELECT count(*) FROM load") == [(1,)]
    sheet = tmp_path / "peta.csv"
    assert cli("pemetaan", "usul", form, "-o", sheet, "--db", db) == 0
    rows = sheet.read_text(encoding="utf-8").splitlines()
    assert len(rows) == 2 and rows[1].startswith("program,PROGRAM PENGELOLAAN APLIKASI")
    sheet.write_text(rows[0] + "\n" + ",".join(
        ["program", '"PROGRAM PENGELOLAAN APLIKASI INFORMATIKA (Satu Data)"', "GOV-01"])
        + "\n", encoding="utf-8")
    assert cli("pemetaan", "simpan", sheet, "--wilayah", REGION, "--db", db) == 0
    capsys.readouterr()
    assert cli("load", form, "--db", db) == 0
    assert "Berhasil memuat RFK Maret 2025" in capsys.readouterr().out
    assert budget_rows(db) == [("GOV-01", 1, 80_000_000.0, "sdtw")]
    detail = json.loads(query(db, "SELECT detail FROM load_event WHERE action = 'load' "
                                  "ORDER BY event_id DESC LIMIT 1")[0][0])
    assert detail["formulir"] == "rfk" and len(detail["pemetaan"]) == 1


def test_another_funding_source_for_the_same_program_and_tw_is_refused_both_ways(
        db: Path) -> None:
    """The RFK names no source (APBD); a report of the same TW funding the program from DAK
    would leave two rows that the views add up: refused, whichever comes second."""
    assert load(db, report(db, 1, 90_000_000, 20, source="DAK"), "tw1.xlsx",
                REPORT_TW1).status == "loaded"
    rfk = rfk_bytes([Row("Program Satu Data Tuban", 850_000_000, 100_000_000, 30)])
    refused = load(db, rfk, "rfk.xlsx", RFK_AT)
    assert [i.check for i in refused.issues] == ["sumber_berbeda"]
    assert "sumber dana DAK (muatan #2), sedangkan RFK ini mencatat APBD" in \
        refused.issues[0].message
    assert budget_rows(db) == [("GOV-01", 1, 90_000_000.0, "tw")]

    other = build_masterplan(db.parent.parent / "lain" / "monev.duckdb")
    assert load(other, rfk, "rfk.xlsx", RFK_AT).status == "loaded"
    refused = load(other, report(other, 1, 90_000_000, 20, source="DAK"), "tw1.xlsx", LATER)
    assert [i.check for i in refused.issues] == ["sumber_berbeda"]
    assert "dari RFK Maret 2025 dengan sumber dana APBD" in refused.issues[0].message


def test_the_cumulative_budget_is_not_added_to_earlier_tws(db: Path) -> None:
    assert load(db, report(db, 1, 100_000_000, 20), "tw1.xlsx", REPORT_TW1).status == "loaded"
    juni = rfk_bytes([Row("Program Satu Data Tuban", 850_000_000, 250_000_000, 45)],
                     kondisi="30 Juni 2025")

    done = load(db, juni, "rfk_juni.xlsx", JUNE_AT)

    assert done.status == "loaded", done.issues
    with duckdb.connect(str(db), read_only=True) as con:
        summary = budget_summary(con, REGION, AsOf(2025, 2, NOW)).set_index("program_code")
    assert summary.loc["GOV-01", "realisasi_ytd"] == 250_000_000      # not 350 000 000
    assert summary.loc["GOV-01", "fisik_pct"] == 45
    assert budget_rows(db) == [("GOV-01", 1, 100_000_000.0, "tw"),
                               ("GOV-01", 2, 250_000_000.0, "sdtw")]


def test_rows_under_a_program_are_summed_and_a_disagreeing_total_is_refused(
        db: Path) -> None:
    rows = [Row("Program Satu Data Tuban"), Row("Kegiatan Pengelolaan Data"),
            Row("Sub Kegiatan Portal Data", 300_000_000, 60_000_000, 40),
            Row("Sub Kegiatan Walidata", 100_000_000, 20_000_000, 80)]
    done = load(db, rfk_bytes(rows), "rfk.xlsx", RFK_AT)
    assert done.status == "loaded", done.issues
    assert budget_rows(db) == [("GOV-01", 1, 80_000_000.0, "sdtw")]
    assert fisik_rows(db) == [("GOV-01", 1, 50.0)]           # (40×300 + 80×100) / 400
    wrong = [Row("Program Satu Data Tuban", 500_000_000, 80_000_000, 50), *rows[1:]]
    refused = load(db, rfk_bytes(wrong, kondisi="31 Maret 2025 "), "rfk2.xlsx", LATER)
    assert refused.status == "rejected"
    assert [i.check for i in refused.issues] == ["jumlah_tidak_cocok"]
    assert "tidak sama dengan jumlah baris di bawahnya (Rp 400.000.000)" in \
        refused.issues[0].message


def test_a_rebuild_replays_the_rfk_identically_even_from_a_cut_journal(
        db: Path, tmp_path: Path) -> None:
    assert load(db, report(db, 1, 90_000_000, 20), "tw1.xlsx", REPORT_TW1).status == "loaded"
    sheet = tmp_path / "peta.csv"
    sheet.write_text("jenis,teks,kode\nprogram,Program Satu Data Terpadu,GOV-01\n",
                     encoding="utf-8")
    assert cli("pemetaan", "simpan", sheet, "--wilayah", REGION, "--db", db) == 0
    rfk = rfk_bytes([Row("Program Satu Data Terpadu", 850_000_000, 100_000_000, 30)])
    assert load(db, rfk, "rfk.xlsx", RFK_AT).status == "loaded"
    fix = tmp_path / "koreksi.csv"   # corrected afterwards: the replay keeps the old row
    fix.write_text("jenis,teks,kode\nprogram,Program Satu Data Terpadu,-\n", encoding="utf-8")
    assert cli("pemetaan", "simpan", fix, "--wilayah", REGION, "--db", db) == 0
    archive = Archive(store_db.archive_root(db))
    lines = archive.journal_path.read_text(encoding="utf-8").splitlines(keepends=True)
    lost = json.loads(lines[-1])
    assert lost["rfk"]["tw"] == 1 and lost["rfk"]["pemetaan"]
    archive.journal_path.write_text("".join(lines[:-1]), encoding="utf-8")
    before = budget_rows(db), fisik_rows(db), query(
        db, "SELECT load_id, kind, scope_key, basis FROM load ORDER BY 1")

    done = rebuild(db, actor="admin.uji")

    assert [e["load_id"] for e in done.recovered] == [lost["load_id"]]
    assert (budget_rows(db), fisik_rows(db), query(
        db, "SELECT load_id, kind, scope_key, basis FROM load ORDER BY 1")) == before
    with duckdb.connect(str(db), read_only=True) as con:
        assert list(archive.entries()) == from_database(con)
    assert list(archive.entries())[-1] == lost


@pytest.mark.skipif(not DISDIK.exists(), reason="real forms folder absent")
def test_the_real_banjarmasin_rfks_are_refused_only_for_what_is_missing(db: Path) -> None:
    from etl.load import load_paths
    disdik = read_workbook(DISDIK.read_bytes(), DISDIK.name)
    assert disdik.kind == "rfk" and disdik.form is not None
    assert disdik.form.period() == "Februari 2023"
    result = load_paths(db, [DISDIK], actor="penguji", dry_run=True)[0]
    assert [i.check for i in result.issues] == ["bukan_akhir_triwulan", "masterplan_belum_ada"]
    assert "RFK bulan Februari 2023 bukan akhir triwulan" in result.issues[0].message
    assert "Kota Banjarmasin (63.71)" in result.issues[1].message
    blank = read_workbook(BLANK_SET.read_bytes(), BLANK_SET.name)
    assert blank.kind == "rfk" and blank.form is not None
    result = load_paths(db, [BLANK_SET], actor="penguji", dry_run=True)[0]
    # the blank set names no SKPD and no date ('dd-mm-yyyy'): only those are asked for
    assert [(i.check, i.column) for i in result.issues] == [
        ("tanggal", "Kondisi s/d tgl"), ("wajib", "OPD")]
    # the city-wide recap per SKPD is no OPD's RFK: refused once, saying so
    recap = load_paths(db, [RECAP], actor="penguji", dry_run=True)[0]
    assert [i.check for i in recap.issues] == ["rfk_tata_letak"]
    assert "rekap RFK per SKPD tidak dimuat" in recap.issues[0].message
