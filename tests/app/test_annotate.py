"""etl.annotate with real files: the marked copy has the fill and a comment at the exact cell.

(etl.annotate has no Streamlit; these tests live beside the upload page that offers the copy.)
"""

from __future__ import annotations

import io

import duckdb
import openpyxl
import pytest

from etl.annotate import (
    APPROX_FILL,
    ERROR_FILL,
    SUMMARY_SHEET,
    CannotAnnotate,
    annotate,
    annotated_name,
)
from etl.issues import Issue
from etl.load import load_bytes
from etl.workbook import read_workbook
from tests.formats import grids_of, to_ods, to_xls, to_xlsm
from tests.helpers import RECEIVED, masterplan_bytes, report_bytes


@pytest.fixture
def con(mp_db):
    c = duckdb.connect(str(mp_db))
    yield c
    c.close()


def bad_report(con: duckdb.DuckDBPyConnection) -> bytes:
    """A report with a text realisation (row 4) and an Info sheet copied from another OPD."""
    return report_bytes(con, "KOMINFO", 2025, 1,
                        {"realisasi": {"GOV-01.1": {"realisasi": "dua puluh"}}},
                        info_changes={"kode_opd": "DPMD"})


def check(con: duckdb.DuckDBPyConnection, content: bytes, name: str) -> list[Issue]:
    result = load_bytes(con, content, name, actor="uji", archive=None, dry_run=True,
                        received_on=RECEIVED)
    assert result.status == "rejected"
    return result.issues


def fill_of(cell) -> str:
    return cell.fill.fgColor.rgb[-6:] if cell.fill and cell.fill.fill_type else ""


@pytest.mark.parametrize("fmt", ["xlsx", "xlsm", "ods", "xls"])
def test_bad_cells_are_filled_and_commented(con, fmt: str) -> None:
    xlsx = bad_report(con)
    content = {"xlsx": lambda: xlsx, "xlsm": lambda: to_xlsm(xlsx),
               "ods": lambda: to_ods(grids_of(xlsx)), "xls": lambda: to_xls(grids_of(xlsx))}[fmt]()
    issues = check(con, content, f"laporan.{fmt}")
    out = annotate(content, f"laporan.{fmt}", issues)
    assert out.file_name == ("laporan_perbaikan.xlsm" if fmt == "xlsm"
                             else "laporan_perbaikan.xlsx")
    wb = openpyxl.load_workbook(io.BytesIO(out.data), keep_vba=fmt == "xlsm")
    ws = wb["Realisasi Kinerja"]
    assert ws["I3"].value == "Realisasi"                 # header row 3, column I
    bad = ws["I4"]
    assert bad.value == "dua puluh"
    assert fill_of(bad) == ERROR_FILL.fgColor.rgb[-6:]
    assert bad.comment is not None and "tidak valid" in bad.comment.text
    assert bad.comment.author == "Monev"
    info = wb["Info"]["B2"]                              # the value next to the 'Kode OPD' label
    assert wb["Info"]["A2"].value == "Kode OPD" and info.value == "DPMD"
    assert fill_of(info) == ERROR_FILL.fgColor.rgb[-6:]
    assert "berbeda dengan template" in info.comment.text
    program = ws["B4"]                                   # program of another OPD, same row
    assert "diampu OPD KOMINFO" in program.comment.text
    untouched = ws["I5"]
    assert untouched.comment is None and fill_of(untouched) != ERROR_FILL.fgColor.rgb[-6:]
    assert all(m is not None and m.exact for m in out.marks)


@pytest.mark.parametrize("fmt", ["xlsx", "ods"])
def test_summary_sheet_lists_every_problem_first(con, fmt: str) -> None:
    xlsx = bad_report(con)
    content = xlsx if fmt == "xlsx" else to_ods(grids_of(xlsx))
    issues = check(con, content, f"laporan.{fmt}")
    wb = openpyxl.load_workbook(io.BytesIO(annotate(content, "x", issues).data))
    assert wb.sheetnames[0] == SUMMARY_SHEET and wb.active.title == SUMMARY_SHEET
    ws = wb[SUMMARY_SHEET]
    header = [c.value for c in ws[4]]
    assert header == ["No", "Sheet", "Baris", "Kolom", "Sel", "Nilai",
                      "Masalah dan cara memperbaiki"]
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=5)]
    assert len(rows) == len(issues)
    assert ["Realisasi Kinerja", 4, "Realisasi", "I4", "dua puluh"] in [r[1:6] for r in rows]
    if fmt == "xlsx":      # (tests/formats.to_ods writes every sheet visible)
        assert wb["_meta"].sheet_state == "hidden", "template metadata survives the copy"


@pytest.mark.parametrize("fmt", ["xlsx", "ods"])
def test_fixed_copy_loads(con, fmt: str) -> None:
    """The round trip: fix the marked cell in the copy, upload it, and it is accepted."""
    xlsx = report_bytes(con, "KOMINFO", 2025, 1,
                        {"realisasi": {"GOV-01.1": {"realisasi": "dua puluh"},
                                       "GOV-01.2": {"realisasi": 4}}})
    content = xlsx if fmt == "xlsx" else to_ods(grids_of(xlsx))
    out = annotate(content, f"laporan.{fmt}", check(con, content, f"laporan.{fmt}"))
    wb = openpyxl.load_workbook(io.BytesIO(out.data))
    wb["Realisasi Kinerja"]["I4"] = 20
    buf = io.BytesIO()
    wb.save(buf)
    result = load_bytes(con, buf.getvalue(), out.file_name, actor="uji", archive=None,
                        dry_run=True, received_on=RECEIVED)
    assert result.status == "dry_run", [i.text() for i in result.issues]
    assert result.counts["realisation"] == 2


def test_missing_column_marks_the_header_row_orange(con) -> None:
    wb = openpyxl.load_workbook(io.BytesIO(masterplan_bytes()))
    ws = wb["Indikator"]
    satuan = next(c for c in ws[3] if c.value == "Satuan")
    satuan.value = "Unit ukuran"               # renamed to a header nobody declared
    buf = io.BytesIO()
    wb.save(buf)
    issues = check(con, buf.getvalue(), "masterplan.xlsx")
    missing = [i for i in issues if i.check == "kolom_hilang"]
    assert missing and missing[0].row == 3
    out = annotate(buf.getvalue(), "masterplan.xlsx", missing)
    cell = openpyxl.load_workbook(io.BytesIO(out.data))["Indikator"]["A3"]
    assert fill_of(cell) == APPROX_FILL.fgColor.rgb[-6:]
    assert "Satuan" in cell.comment.text
    assert out.marks[0] is not None and not out.marks[0].exact


def test_problems_without_a_place_are_only_listed() -> None:
    content = masterplan_bytes()
    issues = [Issue("m.xlsx", None, None, None, "identitas", None, "Identitas tidak lengkap."),
              Issue("m.xlsx", "Tidak Ada", 3, "X", "sheet_hilang", None, "Sheet hilang.")]
    out = annotate(content, "m.xlsx", issues)
    assert out.marks == [None, None]
    ws = openpyxl.load_workbook(io.BytesIO(out.data))[SUMMARY_SHEET]
    assert [ws.cell(r, 7).value for r in (5, 6)] == ["Identitas tidak lengkap.", "Sheet hilang."]


def test_two_problems_on_one_cell_share_one_comment(con) -> None:
    content = masterplan_bytes()
    issues = [Issue("m.xlsx", "Program", 4, "Dimensi", "a", "x", "Masalah pertama."),
              Issue("m.xlsx", "Program", 4, "Dimensi", "b", "x", "Masalah kedua.")]
    out = annotate(content, "m.xlsx", issues)
    ws = openpyxl.load_workbook(io.BytesIO(out.data))["Program"]
    col = next(c.column_letter for c in ws[3] if c.value == "Dimensi")
    text = ws[f"{col}4"].comment.text
    assert "Masalah pertama." in text and "Masalah kedua." in text


@pytest.mark.parametrize("content", [b"", b"bukan spreadsheet", b"PK\x03\x04rusak"])
def test_unreadable_files_cannot_be_annotated(content: bytes) -> None:
    with pytest.raises(CannotAnnotate):
        annotate(content, "x.xlsx", [])


def test_annotated_name() -> None:
    assert annotated_name("Laporan TW I.ods", "ods") == "Laporan TW I_perbaikan.xlsx"
    assert annotated_name("makro.xlsm", "xlsm") == "makro_perbaikan.xlsm"


def test_copy_parses_like_the_original(con) -> None:
    """The summary sheet added in front does not confuse the reader."""
    content = bad_report(con)
    out = annotate(content, "l.xlsx", check(con, content, "l.xlsx"))
    original, copy = read_workbook(content, "l.xlsx"), read_workbook(out.data, "l.xlsx")
    assert copy.kind == original.kind == "laporan"
    assert [(i.sheet, i.row, i.column, i.check) for i in copy.issues] == [
        (i.sheet, i.row, i.column, i.check) for i in original.issues]
