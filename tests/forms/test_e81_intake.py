"""E.81 in: an OPD's Renja evaluation form, its names mapped once, loads what the template
with the same values loads (issue 27)."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from etl.cli import main
from etl.workbook import read_workbook
from tests.app.dbs import build_masterplan
from tests.forms.e81_fixture import Indicator, Program, e81_bytes
from tests.helpers import report_bytes

REAL_FORMS = Path(__file__).resolve().parents[3] / "shared" / "reference" / "real-forms"
SUKABUMI = REAL_FORMS / "e81_evaluasi_renja_bappeda_kab_sukabumi_2018.xlsx"
KENDALA = "jaringan internet di sebagian desa belum stabil"
TINDAK = "koordinasi dengan penyedia jaringan"
ACTIVE = "SELECT load_id FROM load_activation WHERE active_until IS NULL"
FACTS = {"realisation": "indicator_code, year, tw, value, basis, note",
         "budget": "program_code, year, tw, funding_source, pagu, realisasi, basis, "
                   "over_pagu_ok",
         "program_progress": "program_code, year, tw, fisik_pct, kendala, tindak_lanjut"}


def kominfo_form(tw1: object = "20 dataset", tw2: object = "55 dataset",
                 extra: list[Program] | None = None) -> bytes:
    """KOMINFO's E.81 for 2025 up to TW II: the masterplan's names as a clerk types them."""
    return e81_bytes([
        Program(("2", "16", "03", "01"), "Program  SATU DATA Tuban.", [
            Indicator("Jumlah dataset yang terbit di portal", "dataset", 100,
                      {1: tw1, 2: tw2}),
            Indicator("RATA-RATA waktu penyelesaian  aduan.", "hari", 3, {1: 5, 2: 4.5})],
            pagu=850_000, rp={1: 100_000, 2: 212_500}),
        *(extra or [])], penghambat=KENDALA, tindak_lanjut=TINDAK)


def cli(*args: object) -> int:
    """Run the CLI."""
    return main([str(a) for a in args])


def facts(db: Path) -> dict[str, list[tuple]]:
    """The active fact rows of a report, without load ids and source cells."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {t: sorted(con.execute(f"SELECT {cols} FROM {t} WHERE load_id IN ({ACTIVE})"
                                      ).fetchall()) for t, cols in FACTS.items()}
    finally:
        con.close()


def query(db: Path, sql: str) -> list[tuple]:
    """Rows of one query on a closed database file."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """A database with the small test masterplan (KOMINFO: Satu Data Tuban)."""
    return build_masterplan(tmp_path / "db" / "monev.duckdb")


def test_e81_after_mapping_loads_what_the_template_loads(db: Path, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture) -> None:
    form = tmp_path / "e81_kominfo.xlsx"
    form.write_bytes(kominfo_form())
    sheet = tmp_path / "peta.csv"
    assert cli("pemetaan", "usul", form, "--opd", "KOMINFO", "-o", sheet, "--db", db) == 0
    lines = sheet.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("jenis,teks,kode,skor")
    # the program and the reworded indicator; the indicator only re-cased needs no mapping
    assert [line.split(",")[:3] for line in lines[1:]] == [
        ["program", "Program SATU DATA Tuban.", "GOV-01"],
        ["indikator", "Jumlah dataset yang terbit di portal", "GOV-01.1"]]
    assert cli("pemetaan", "simpan", sheet, "--db", db) == 0
    assert cli("pemetaan", "daftar", "--db", db) == 0
    assert "Jumlah dataset yang terbit di portal" in capsys.readouterr().out
    assert cli("load", form, "--opd", "KOMINFO", "--db", db) == 0
    assert "Berhasil memuat laporan OPD KOMINFO" in capsys.readouterr().out

    other = build_masterplan(tmp_path / "tpl" / "monev.duckdb")
    con = duckdb.connect(str(other))
    template = report_bytes(con, "KOMINFO", 2025, 2, fill={
        "realisasi": {"GOV-01.1": {"realisasi": 55}, "GOV-01.2": {"realisasi": 4.5}},
        "anggaran": {"GOV-01": {"sumber_dana": "APBD", "pagu": 850_000_000,
                                "realisasi_rp": 212_500_000}},
        "fisik": {"GOV-01": {"kendala": KENDALA, "tindak_lanjut": TINDAK}}})
    con.close()
    (tmp_path / "template.xlsx").write_bytes(template)
    assert cli("load", tmp_path / "template.xlsx", "--db", other) == 0
    loaded = facts(db)
    assert loaded == facts(other)
    assert [r[:4] for r in loaded["realisation"]] == [("GOV-01.1", 2025, 2, 55.0),
                                                      ("GOV-01.2", 2025, 2, 4.5)]
    # the load names the mapping rows it used
    detail = query(db, "SELECT detail FROM load_event WHERE action = 'load' "
                       "ORDER BY event_id DESC LIMIT 1")[0][0]
    used = json.loads(detail)["pemetaan"]
    assert sorted(used) == sorted(i for (i,) in query(db, "SELECT mapping_id FROM "
                                                          "text_mapping"))


def test_unmapped_texts_are_refused_by_name_with_how_to_map_them(
        db: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    form = tmp_path / "e81.xlsx"
    form.write_bytes(kominfo_form())
    before = query(db, "SELECT count(*) FROM load")
    assert cli("load", form, "--opd", "KOMINFO", "--db", db) == 1
    out = capsys.readouterr().out
    assert "'Program SATU DATA Tuban.' belum dipetakan" in out
    assert "'Jumlah dataset yang terbit di portal' belum dipetakan" in out
    assert "python -m etl pemetaan usul" in out and "halaman Unggah Data" in out
    assert "baris 15" in out
    assert query(db, "SELECT count(*) FROM load") == before


def test_saving_a_code_that_does_not_exist_saves_nothing(
        db: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    sheet = tmp_path / "peta.csv"
    sheet.write_text("jenis,teks,kode,skor\nprogram,Program Satu Data,GOV-01,90\n"
                     "indikator,Jumlah dataset,GOV-99.9,80\nindikator,Lain,,10\n",
                     encoding="utf-8")
    assert cli("pemetaan", "simpan", sheet, "--wilayah", "35.23", "--db", db) == 1
    assert "'GOV-99.9' tidak ada di masterplan" in capsys.readouterr().err
    assert query(db, "SELECT count(*) FROM text_mapping") == [(0,)]


def test_a_text_mapped_to_dash_is_skipped(db: Path, tmp_path: Path) -> None:
    form = tmp_path / "e81.xlsx"
    form.write_bytes(kominfo_form(extra=[Program(
        ("2", "16", "01", "01"), "Program Pelayanan Administrasi Perkantoran",
        [Indicator("Cakupan layanan administrasi perkantoran", "persen", 100, {2: 100})],
        pagu=7_500, rp={2: 1_800})]))
    sheet = tmp_path / "peta.csv"
    assert cli("pemetaan", "usul", form, "--opd", "KOMINFO", "-o", sheet, "--db", db) == 0
    rows = sheet.read_text(encoding="utf-8").splitlines()
    admin = [r for r in rows if "Administrasi" in r]
    assert admin and all(r.split(",")[2] == "" for r in admin)  # nothing close: not proposed
    text = "\n".join(r if "Administrasi" not in r or not r.startswith("program")
                     else r.replace("Perkantoran,,", "Perkantoran,-,") for r in rows) + "\n"
    sheet.write_text(text, encoding="utf-8")
    assert cli("pemetaan", "simpan", sheet, "--db", db) == 0
    assert cli("load", form, "--opd", "KOMINFO", "--db", db) == 0
    assert {r[0] for r in facts(db)["budget"]} == {"GOV-01"}


def test_earlier_tw_columns_are_checked_against_what_is_loaded(
        db: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    con = duckdb.connect(str(db))
    tw1 = report_bytes(con, "KOMINFO", 2025, 1, fill={
        "realisasi": {"GOV-01.1": {"realisasi": 18}, "GOV-01.2": {"realisasi": 5}}})
    con.close()
    (tmp_path / "tw1.xlsx").write_bytes(tw1)
    assert cli("load", tmp_path / "tw1.xlsx", "--db", db) == 0
    sheet = tmp_path / "peta.csv"
    (tmp_path / "e81.xlsx").write_bytes(kominfo_form(tw1="20 dataset"))
    assert cli("pemetaan", "usul", tmp_path / "e81.xlsx", "--opd", "KOMINFO", "-o", sheet,
               "--db", db) == 0
    assert cli("pemetaan", "simpan", sheet, "--db", db) == 0
    capsys.readouterr()
    assert cli("load", tmp_path / "e81.xlsx", "--opd", "KOMINFO", "--db", db) == 1
    out = capsys.readouterr().out
    assert "Nilai TW I di formulir ini (20) berbeda dengan laporan TW I yang sudah dimuat " \
           "(18" in out
    (tmp_path / "e81b.xlsx").write_bytes(kominfo_form(tw1="18 dataset"))
    assert cli("load", tmp_path / "e81b.xlsx", "--opd", "KOMINFO", "--db", db) == 0
    tws = {(r[0], r[2]): r[3] for r in facts(db)["realisation"]}
    assert tws[("GOV-01.1", 1)] == 18 and tws[("GOV-01.1", 2)] == 55


def test_a_k_cell_with_another_unit_is_refused(db: Path, tmp_path: Path,
                                               capsys: pytest.CaptureFixture) -> None:
    (tmp_path / "e81.xlsx").write_bytes(kominfo_form(tw2="55 buah"))
    sheet = tmp_path / "peta.csv"
    assert cli("pemetaan", "usul", tmp_path / "e81.xlsx", "--opd", "KOMINFO", "-o", sheet,
               "--db", db) == 0
    assert cli("pemetaan", "simpan", sheet, "--db", db) == 0
    capsys.readouterr()
    assert cli("load", tmp_path / "e81.xlsx", "--opd", "KOMINFO", "--db", db) == 1
    assert "satuan 'buah', padahal satuan indikator ini 'dataset'" in capsys.readouterr().out


def test_a_corrected_mapping_is_audited_and_a_rebuild_replays_the_old_one(
        db: Path, tmp_path: Path) -> None:
    from etl.rebuild import rebuild
    form = tmp_path / "e81.xlsx"
    form.write_bytes(kominfo_form())
    sheet = tmp_path / "peta.csv"
    assert cli("pemetaan", "usul", form, "--opd", "KOMINFO", "-o", sheet, "--db", db) == 0
    assert cli("pemetaan", "simpan", sheet, "--db", db) == 0
    assert cli("load", form, "--opd", "KOMINFO", "--db", db) == 0
    before = facts(db)
    fix = tmp_path / "koreksi.csv"
    fix.write_text("jenis,teks,kode\nindikator,Jumlah dataset yang terbit di portal,-\n",
                   encoding="utf-8")
    assert cli("pemetaan", "simpan", fix, "--wilayah", "35.23", "--db", db) == 0
    assert query(db, "SELECT count(*), count(replaced_at) FROM text_mapping") == [(3, 1)]
    actions = [a for (a,) in query(db, "SELECT action FROM audit_event")]
    assert actions.count("mapping_change") == 2
    rebuild(db)
    assert facts(db) == before
    assert query(db, "SELECT count(*) FROM text_mapping") == [(3,)]


def test_a_backup_holds_the_mapping(db: Path, tmp_path: Path) -> None:
    from etl.backup import backup
    sheet = tmp_path / "peta.csv"
    sheet.write_text("jenis,teks,kode\nprogram,Program Satu Data,GOV-01\n", encoding="utf-8")
    assert cli("pemetaan", "simpan", sheet, "--wilayah", "35.23", "--db", db) == 0
    out = backup(db, tmp_path / "cadangan")
    rows = duckdb.sql(f"SELECT text, code FROM '{out / 'database' / 'text_mapping.parquet'}'"
                      ).fetchall()
    assert rows == [("Program Satu Data", "GOV-01")]


@pytest.mark.skipif(not SUKABUMI.exists(), reason="real forms folder absent")
def test_the_sukabumi_e81_is_refused_only_for_what_is_missing(db: Path) -> None:
    data = SUKABUMI.read_bytes()
    book = read_workbook(data, SUKABUMI.name)
    assert book.kind == "e81" and book.form is not None
    assert book.form.tws == (1, 2, 3, 4) and book.form.year() == 2018
    assert cli("load", SUKABUMI, "--db", db, "--dry-run") == 1
    from etl.load import load_paths
    result = load_paths(db, [SUKABUMI], actor="penguji", dry_run=True)[0]
    assert [i.check for i in result.issues] == ["masterplan_belum_ada", "belum_dipetakan"]
    assert "Kabupaten Sukabumi (32.02)" in result.issues[0].message
    assert "2 program dan 24 indikator" in result.issues[1].message


def test_a_percent_formatted_k_cell_is_read_as_the_clerk_typed_it(db: Path, tmp_path: Path,
                                                                   capsys) -> None:
    """0.45 shown as 45% is 45 for an indicator in %, and refused for one in dataset."""
    form = tmp_path / "e81_dpmd.xlsx"
    form.write_bytes(e81_bytes([Program(("2", "13", "01"), "Desa Digital", [
        Indicator("Desa dengan website aktif", "%", 60, {1: 0.45}, percent=True)],
        pagu=100_000, rp={1: 20_000})]))
    assert cli("load", form, "--opd", "DPMD", "--db", db) == 0
    assert [r[:4] for r in facts(db)["realisation"]] == [("SOC-01.1", 2025, 1, 45.0)]
    wrong = tmp_path / "e81_kominfo.xlsx"
    wrong.write_bytes(e81_bytes([Program(("2",), "Satu Data Tuban", [
        Indicator("Dataset terbit di portal", "dataset", 100, {1: 0.55}, percent=True)])]))
    capsys.readouterr()
    assert cli("load", wrong, "--opd", "KOMINFO", "--db", db) == 1
    assert "diformat sebagai persen, padahal satuan indikator ini 'dataset'" in \
        capsys.readouterr().out


def test_the_opd_named_in_the_title_is_taken_and_another_choice_refused(
        db: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    form = tmp_path / "e81.xlsx"
    form.write_bytes(e81_bytes([Program(("2",), "Satu Data Tuban", [
        Indicator("Dataset terbit di portal", "dataset", 100, {1: 12})])],
        opd_line="Perangkat Daerah : Dinas Komunikasi dan Informatika"))
    assert cli("load", form, "--db", db, "--dry-run") == 0
    assert "laporan OPD KOMINFO" in capsys.readouterr().out
    assert cli("load", form, "--db", db, "--opd", "DPMD", "--dry-run") == 1
    assert "Formulir ini menyebut OPD KOMINFO, padahal yang diunggah untuk OPD DPMD" in \
        capsys.readouterr().out
