"""Workbooks that are not ours are refused, saying what they look like; never read as ours.

The fixtures are built here in the layouts of the real forms OPDs fill (E.81, FORM RFK, LRA,
anggaran kas, APBDes, a provincial upload workbook, an HTML page saved as .xls). The real
workbooks themselves are read only from ``../shared/reference/real-forms/`` when it exists.
"""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest

from etl.workbook import read_workbook
from tests.etl.test_rejections import _unchanged
from tests.helpers import RECEIVED, report_bytes

REAL_FORMS = Path(__file__).resolve().parents[3] / "shared" / "reference" / "real-forms"


def workbook(sheets: dict[str, list[list]]) -> bytes:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


INFO = [["Kode Wilayah", "35.23"], ["Kode OPD", "KOMINFO"], ["Tahun", 2025], ["Triwulan", "I"]]


def provincial() -> bytes:
    """A provincial upload workbook with an Info sheet and real indicator codes: its
    'Realisasi Fisik' sheet must never be read as 'Realisasi Kinerja'."""
    head = ["NO", "Kode Indikator", "NAMA KEGIATAN", "REALISASI [%]"]
    return workbook({
        "Info": INFO,
        "Kegiatan": [["DAFTAR KEGIATAN FISIK"], ["NO", "KODE", "NAMA KEGIATAN",
                                                 "PAGU ANGGARAN"], [1, 1, "Kegiatan 1", 1e8]],
        "Realisasi Fisik": [head, [1, "GOV-01.1", "Portal data", 80],
                            [2, "GOV-01.2", "Aduan", 50]],
        "Realisasi Keuangan": [["NO", "KODE", "REALISASI KEUANGAN"], [1, "GOV-01", 1e7]],
    })


FORMS = {
    "E.81": {"Sheet-1": [["Formulir"], ["Evaluasi Hasil terhadap RENJA"],
                         ["Kabupaten Tuban"], ["Tahun 2025"],
                         ["No", "Kode", "Urusan/Bidang Urusan", "Indikator Kinerja Program",
                          "Realisasi Kinerja Pada Triwulan"],
                         [None, None, None, None, "I", None, "II"],
                         [None, None, None, None, "K", "Rp. (000)", "K", "Rp. (000)"]]},
    "FORM RFK": {"RFK": [["PEMERINTAH KABUPATEN TUBAN"],
                         ["LAPORAN REALISASI FISIK DAN KEUANGAN"],
                         ["KONDISI S/D TGL. 31 MARET 2025"]], "M": [["Permasalahan"]]},
    "anggaran kas": {"15 Juli 2025": [["TARGET (MENURUT ANGGARAN KAS)"],
                                      ["Nama OPD", "Total Anggaran", "Januari", "Triwulan I"]]},
    "LRA": {"Table 1": [["LAPORAN REALISASI ANGGARAN"], ["KODE", "URAIAN", "ANGGARAN",
                                                        "REALISASI", "SISA"]]},
    "APBDes": {"APBDES 2026": [["ANGGARAN PENDAPATAN DAN BELANJA DESA"],
                               ["DESA SUGIHWARAS"]], "PENDAPATAN DESA": [["Pendapatan"]]},
}


@pytest.mark.parametrize("form", [f for f in FORMS if f != "E.81"])  # E.81: read (below)
def test_a_known_form_is_named_with_its_sheets(mp_env, form: str) -> None:
    data = workbook(FORMS[form])
    before = mp_env.snapshot()
    result = mp_env.load(data, "laporan.xlsx", received_on=RECEIVED)
    assert result.status == "rejected"
    [issue] = result.issues
    assert issue.check == "jenis_tidak_dikenali"
    assert f"File ini tampaknya {'formulir E.81' if form == 'E.81' else ''}" in issue.message
    assert form in issue.message or form.lower() in issue.message.lower()
    assert all(f"'{name}'" in issue.message for name in FORMS[form])
    assert "template" in issue.message
    assert _unchanged(before, mp_env.snapshot())


def test_an_e81_form_is_read_as_one_and_says_what_it_lacks(mp_env) -> None:
    """The E.81 is read since issue 27 (tests/forms): an empty one is refused for what it
    lacks, never as an unknown workbook."""
    before = mp_env.snapshot()
    result = mp_env.load(workbook(FORMS["E.81"]), "laporan.xlsx", received_on=RECEIVED)
    assert result.status == "rejected"
    assert "jenis_tidak_dikenali" not in [i.check for i in result.issues]
    assert any("Tidak ada realisasi triwulan" in i.message for i in result.issues)
    assert _unchanged(before, mp_env.snapshot())


def test_a_provincial_workbook_with_an_info_sheet_is_not_a_report(mp_env) -> None:
    before = mp_env.snapshot()
    result = mp_env.load(provincial(), "prp2.xlsx", received_on=RECEIVED)
    assert result.status == "rejected"
    assert [i.check for i in result.issues] == ["jenis_tidak_dikenali"]
    assert "'Realisasi Fisik'" in result.issues[0].message
    assert _unchanged(before, mp_env.snapshot())


def test_a_period_after_the_sheet_name_is_still_our_sheet(mp_env) -> None:
    data = report_bytes(mp_env.con, "KOMINFO", 2025, 1,
                        {"realisasi": {"GOV-01.1": {"realisasi": 12}}})
    wb = openpyxl.load_workbook(io.BytesIO(data))
    wb["Realisasi Kinerja"].title = "Realisasi Kinerja TW I 2025"
    out = io.BytesIO()
    wb.save(out)
    book = read_workbook(out.getvalue(), "laporan.xlsx")
    assert book.kind == "laporan" and not book.issues
    assert book.tables["realisasi"].name == "Realisasi Kinerja TW I 2025"


@pytest.mark.parametrize(("header", "unit"), [("Realisasi (%)", "%"), ("REALISASI [%]", "%"),
                                              ("Realisasi (Rp)", "Rp")])
def test_a_header_naming_another_unit_is_never_read_as_the_field(mp_env, header: str,
                                                                 unit: str | None) -> None:
    data = report_bytes(mp_env.con, "KOMINFO", 2025, 1,
                        {"realisasi": {"GOV-01.1": {"realisasi": 12}}})
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb["Realisasi Kinerja"]
    cell = next(c for row in ws.iter_rows(max_row=10) for c in row if c.value == "Realisasi")
    cell.value = header
    out = io.BytesIO()
    wb.save(out)
    before = mp_env.snapshot()
    result = mp_env.load(out.getvalue(), "laporan.xlsx", received_on=RECEIVED)
    assert result.status == "rejected"
    [issue] = result.issues
    assert issue.check == "satuan_kolom" and issue.column == header
    assert f"menyatakan satuan {unit}" in issue.message
    assert "satuan indikatornya" in issue.message
    assert _unchanged(before, mp_env.snapshot())


def test_rupiah_in_thousands_is_not_rupiah(mp_env) -> None:
    data = report_bytes(mp_env.con, "KOMINFO", 2025, 1, {
        "anggaran": {"GOV-01": {"sumber_dana": "APBD", "pagu": 1500, "realisasi_rp": 250}}})
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb["Realisasi Anggaran"]
    cell = next(c for row in ws.iter_rows(max_row=10) for c in row if c.value == "Pagu (Rp)")
    cell.value = "Pagu (Rp. 000)"
    out = io.BytesIO()
    wb.save(out)
    result = mp_env.load(out.getvalue(), "laporan.xlsx", received_on=RECEIVED)
    assert result.status == "rejected"
    assert "satuan Rp ribuan" in next(i.message for i in result.issues
                                      if i.check == "satuan_kolom")


def test_a_report_sheet_without_its_entry_column_is_refused(mp_env) -> None:
    """Without a 'Realisasi' column every indicator would silently be 'belum melapor'."""
    data = report_bytes(mp_env.con, "KOMINFO", 2025, 1,
                        {"realisasi": {"GOV-01.1": {"realisasi": 12}}})
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb["Realisasi Kinerja"]
    for name in ("Realisasi", "Keterangan"):
        next(c for r in ws.iter_rows(max_row=10) for c in r if c.value == name).value = "Lain-lain"
    out = io.BytesIO()
    wb.save(out)
    result = mp_env.load(out.getvalue(), "laporan.xlsx", received_on=RECEIVED)
    assert [(i.check, i.column) for i in result.issues] == [("kolom_hilang", "Realisasi")]


def test_a_merged_header_is_reported_once(mp_env) -> None:
    data = report_bytes(mp_env.con, "KOMINFO", 2025, 1,
                        {"realisasi": {"GOV-01.1": {"realisasi": 12, "keterangan": "12"}}})
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb["Realisasi Kinerja"]
    cell = next(c for row in ws.iter_rows(max_row=10) for c in row if c.value == "Realisasi")
    ws.merge_cells(start_row=cell.row, start_column=cell.column, end_row=cell.row,
                   end_column=cell.column + 1)   # over 'Keterangan' too: which one is it?
    out = io.BytesIO()
    wb.save(out)
    result = mp_env.load(out.getvalue(), "laporan.xlsx", received_on=RECEIVED)
    assert [(i.check, i.column) for i in result.issues] == [("kolom_ganda", "Realisasi")]
    assert "digabung/merge" in result.issues[0].message


def test_an_html_page_saved_as_xls_says_so(mp_env) -> None:
    page = b"\xef\xbb\xbf<html><body><table><tr><td>Kode</td></tr></table></body></html>"
    result = mp_env.load(page, "ekspor.xls", received_on=RECEIVED)
    assert [i.check for i in result.issues] == ["html_bukan_excel"]
    assert "halaman web (HTML)" in result.issues[0].message


@pytest.mark.skipif(not REAL_FORMS.is_dir(), reason="../shared/reference/real-forms tidak ada")
@pytest.mark.parametrize("path", sorted(p for p in REAL_FORMS.glob("*.xls*")
                                        if not p.name.startswith(  # read: tests/forms
                                            ("e81_", "rfk_", "form_rfk_", "rekap_rfk_")))
                         if REAL_FORMS.is_dir() else [], ids=lambda p: p.name)
def test_real_forms_are_refused_with_what_they_look_like(mp_env, path: Path) -> None:
    before = mp_env.snapshot()
    result = mp_env.load(path.read_bytes(), path.name, received_on=RECEIVED)
    assert result.status == "rejected"
    [issue] = result.issues
    assert issue.check == "jenis_tidak_dikenali"
    assert issue.message.startswith("File ini tampaknya "), issue.message
    assert _unchanged(before, mp_env.snapshot())
