"""The same report in xlsx, xlsm, xls and ods loads to the same rows; messy layouts load too."""

from __future__ import annotations

import io

import openpyxl
import pytest
import xlsxwriter

from tests.formats import grids_of, to_ods, to_xls, to_xlsm
from tests.helpers import RECEIVED, report_bytes

FILL = {
    "realisasi": {"GOV-01.1": {"realisasi": 12}, "GOV-01.2": {"realisasi": "4,5"}},
    "anggaran": {"GOV-01": {"sumber_dana": "APBD", "pagu": "Rp 1.500.000.000",
                            "realisasi_rp": 250_000_000}},
    "fisik": {"GOV-01": {"fisik": "20%", "kendala": "Server belum siap",
                         "tindak_lanjut": "Koordinasi dengan vendor"}},
}


def _facts(env, load_id: int) -> dict[str, list]:
    out = {}
    for table, cols in (("realisation", "indicator_code, value, basis"),
                        ("budget", "program_code, funding_source, pagu, realisasi"),
                        ("program_progress", "program_code, fisik_pct, kendala, tindak_lanjut")):
        out[table] = env.con.execute(
            f"SELECT {cols} FROM {table} WHERE load_id = ? ORDER BY ALL", [load_id]).fetchall()
    return out


@pytest.mark.parametrize("fmt", ["xlsx", "xlsm", "xls", "ods"])
def test_every_format_loads_the_same_rows(mp_env, fmt):
    xlsx = report_bytes(mp_env.con, "KOMINFO", 2025, 1, FILL)
    data = {"xlsx": lambda: xlsx, "xlsm": lambda: to_xlsm(xlsx),
            "xls": lambda: to_xls(grids_of(xlsx)), "ods": lambda: to_ods(grids_of(xlsx))}[fmt]()
    result = mp_env.load(data, f"laporan.{fmt}", received_on=RECEIVED)
    assert result.status == "loaded", [i.text() for i in result.issues]
    facts = _facts(mp_env, result.load_id)
    assert facts["realisation"] == [("GOV-01.1", 12.0, "tw"), ("GOV-01.2", 4.5, "tw")]
    assert facts["budget"] == [("GOV-01", "APBD", 1.5e9, 2.5e8)]
    assert facts["program_progress"] == [("GOV-01", 20.0, "Server belum siap",
                                          "Koordinasi dengan vendor")]
    archived = mp_env.con.execute("SELECT archive_path FROM load WHERE load_id = ?",
                                  [result.load_id]).fetchone()[0]
    assert archived.endswith(f".{fmt}")


def _messy_report(mp_env) -> bytes:
    """A hand-made report: own title block, merged cells, blank rows and columns, odd headers."""
    wb = openpyxl.Workbook()
    info = wb.active
    info.title = "INFO "
    info.append(["LAPORAN MONEV SMART CITY"])
    info.append([])
    for label, value in (("kode wilayah", "3523"), ("KODE OPD", "kominfo"), ("Tahun", "2025"),
                         ("Triwulan", "Triwulan 1"), ("Jenis nilai", "Nilai TW ini")):
        info.append([label, None, value])
    ws = wb.create_sheet("realisasi kinerja TW I")
    ws["A1"] = "PEMERINTAH KABUPATEN TUBAN"
    ws.merge_cells("A1:F1")
    ws["A2"] = "Laporan Realisasi Kinerja Triwulan I"
    ws.merge_cells("A2:F2")
    ws.append([])
    ws.append([None, "  KODE   indikator ", "Indikator", "TW", None, "Realisasi TW"])
    ws.append([None, "(1)", "(2)", "(3)", None, "(4)"])
    ws.append([None, "gov-01.1", "Dataset", "TW I", None, "1.234,5"])
    ws.append([])
    ws.append([None, "GOV-01.2", "Aduan", "Q1", None, "4,5"])
    ws.append([None, None, "JUMLAH", None, None, 9999])
    fk = wb.create_sheet("Fisik & Kendala")
    fk.append(["Kode Program", "Realisasi Fisik (%)", "Kendala/Permasalahan",
               "Solusi/Tindak Lanjut"])
    fk.append(["GOV-01", "75,5 %", "Jaringan lambat", "Tambah bandwidth"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_messy_real_world_layout_loads(mp_env):
    result = mp_env.load(_messy_report(mp_env), "laporan_kominfo.xlsx", received_on=RECEIVED)
    assert result.status == "loaded", [i.text() for i in result.issues]
    facts = _facts(mp_env, result.load_id)
    assert facts["realisation"] == [("GOV-01.1", 1234.5, "tw"), ("GOV-01.2", 4.5, "tw")]
    assert facts["program_progress"] == [("GOV-01", 75.5, "Jaringan lambat", "Tambah bandwidth")]
    rows = mp_env.con.execute("SELECT src_sheet, src_row FROM realisation WHERE load_id = ? "
                              "ORDER BY src_row", [result.load_id]).fetchall()
    assert rows == [("realisasi kinerja TW I", 6), ("realisasi kinerja TW I", 8)]


def test_formulas_are_read_by_their_stored_values(mp_env):
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf)
    info = wb.add_worksheet("Info")
    for r, (label, value) in enumerate((("Kode Wilayah", "35.23"), ("Kode OPD", "KOMINFO"),
                                        ("Tahun", 2025), ("Triwulan", "TW I"))):
        info.write(r, 0, label)
        info.write(r, 1, value)
    ws = wb.add_worksheet("Realisasi Kinerja")
    ws.write_row(0, 0, ["Kode Indikator", "Bulan 1", "Bulan 2", "Bulan 3", "Realisasi"])
    ws.write_row(1, 0, ["GOV-01.1", 3, 4, 5])
    ws.write_formula(1, 4, "=SUM(B2:D2)", None, 12)
    wb.close()
    result = mp_env.load(buf.getvalue(), "rumus.xlsx", received_on=RECEIVED)
    assert result.status == "loaded", [i.text() for i in result.issues]
    assert _facts(mp_env, result.load_id)["realisation"] == [("GOV-01.1", 12.0, "tw")]


def test_declared_cumulative_values_are_stored_as_declared(mp_env):
    data = report_bytes(mp_env.con, "KOMINFO", 2025, 1, FILL,
                        info_changes={"jenis_nilai": "sdtw"})
    result = mp_env.load(data, "kumulatif.xlsx", received_on=RECEIVED)
    assert result.status == "loaded"
    assert {r[2] for r in _facts(mp_env, result.load_id)["realisation"]} == {"sdtw"}


def test_blank_realisation_is_not_reported_never_zero(mp_env):
    data = report_bytes(mp_env.con, "KOMINFO", 2025, 1,
                        {"realisasi": {"GOV-01.1": {"realisasi": 0}}})
    result = mp_env.load(data, "sebagian.xlsx", received_on=RECEIVED)
    assert result.status == "loaded", [i.text() for i in result.issues]
    assert _facts(mp_env, result.load_id)["realisation"] == [("GOV-01.1", 0.0, "tw")]
