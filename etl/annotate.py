"""A copy of a rejected workbook with every problem marked where the user will look for it.

The upload page offers this copy next to the table of problems (the TolaData round trip): each
problem cell gets a red fill and a comment saying what is wrong and how to fix it, and a
first sheet lists every problem, including those that belong to no cell (a missing sheet, a
damaged file). xlsx and xlsm files are annotated in place with openpyxl (formatting kept);
xls and ods files are re-written as xlsx from the cell values python-calamine reads.

Locating a problem: ``Issue.sheet`` is the sheet's name in the file, ``Issue.row`` the 1-based
row the user sees and ``Issue.column`` the header as written (or the template's header for
the Info sheet). The column is found by that header (or any of its declared aliases) in a row
above the problem row; on the Info sheet (label in one cell, value to its right) the value
cell is marked. When no cell can be pinned down, the first cell of the row is marked orange.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import python_calamine as pc
from openpyxl.cell.cell import MergedCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from etl.issues import Issue
from etl.safety import UnsafeFile, sniff
from etl.spec import KINDS, sheets
from etl.values import is_blank, norm_header

SUMMARY_SHEET = "Catatan Pemeriksaan"
AUTHOR = "Monev"
ERROR_FILL = PatternFill("solid", fgColor="FF8A80")      # the exact cell: red
APPROX_FILL = PatternFill("solid", fgColor="FFB74D")     # only the row is known: orange
HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
HEADER_CHECKS = {"kolom_ganda", "kolom_hilang"}
HEADER_SCAN_ROWS = 40
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


class CannotAnnotate(Exception):
    """The file cannot be opened to mark it (damaged, encrypted, not a spreadsheet)."""


@dataclass(frozen=True)
class Mark:
    """Where one problem was marked: sheet name in the copy, 1-based row and column, exact."""

    sheet: str
    row: int
    column: int
    exact: bool


@dataclass
class Annotated:
    """The marked copy: xlsx/xlsm bytes, a file name for the download and the marks made."""

    data: bytes
    file_name: str
    marks: list[Mark | None]   # one per issue, in order; None when it belongs to no cell


def annotated_name(file_name: str, fmt: str) -> str:
    """Download name of the marked copy: 'laporan.ods' -> 'laporan_perbaikan.xlsx'."""
    stem = Path(file_name).stem or "file"
    return f"{stem}_perbaikan{'.xlsm' if fmt == 'xlsm' else '.xlsx'}"


def annotate(data: bytes, file_name: str, issues: Iterable[Issue]) -> Annotated:
    """Return a copy of the workbook with every issue highlighted and commented."""
    issues = list(issues)
    try:
        fmt = sniff(data).format
    except UnsafeFile as exc:
        raise CannotAnnotate(exc.message) from exc
    try:
        if fmt in ("xlsx", "xlsm"):
            wb = openpyxl.load_workbook(io.BytesIO(data), keep_vba=fmt == "xlsm")
            names = {ws.title: ws.title for ws in wb.worksheets}
        else:
            wb, names = _rewrite(data)
    except Exception as exc:  # openpyxl/calamine raise many types for damaged content
        raise CannotAnnotate("File tidak dapat dibuka untuk ditandai.") from exc
    marks = _mark_all(wb, issues, names)
    _summary_sheet(wb, issues, marks)
    buf = io.BytesIO()
    wb.save(buf)
    return Annotated(buf.getvalue(), annotated_name(file_name, fmt), marks)


def _rewrite(data: bytes) -> tuple[Workbook, dict[str, str]]:
    """An openpyxl workbook holding the cell values of an xls/ods file, and the name map."""
    src = pc.CalamineWorkbook.from_filelike(io.BytesIO(data))
    visible = {m.name: str(m.visible).endswith(".Visible") for m in src.sheets_metadata}
    wb = Workbook()
    wb.remove(wb.active)
    names: dict[str, str] = {}
    for name in src.sheet_names:
        title = _safe_title(name, set(names.values()))
        names[name] = title
        ws = wb.create_sheet(title)
        for row in src.get_sheet_by_name(name).to_python(skip_empty_area=False):
            ws.append([None if v == "" else v for v in row])
        if not visible.get(name, True):
            ws.sheet_state = "hidden"
    if not wb.worksheets:
        wb.create_sheet("Sheet1")
    return wb, names


def _safe_title(name: str, taken: set[str]) -> str:
    """A sheet title Excel accepts (31 characters, no []:*?/\\), unique in the workbook."""
    base = _BAD_SHEET_CHARS.sub("_", name)[:31] or "Sheet"
    title, n = base, 2
    while title in taken:
        suffix = f" ({n})"
        title, n = base[:31 - len(suffix)] + suffix, n + 1
    return title


def _kv_sheet_names() -> set[str]:
    return {n for kind in KINDS for s in sheets(kind) if s.layout == "kv" for n in s.names()}


def _header_names(column: str) -> set[str]:
    """Every normalised header that means this column (as written, or a declared alias)."""
    names = {norm_header(column)}
    for kind in KINDS:
        for spec in sheets(kind):
            for col in spec.columns:
                if norm_header(col.header) == norm_header(column):
                    names |= col.names()
    names.discard("")
    return names


def _find_in_row(ws: Worksheet, row: int, names: set[str]) -> int | None:
    for cell in ws[row] if row <= ws.max_row else ():
        if isinstance(cell.value, str) and norm_header(cell.value) in names:
            return cell.column
    return None


def _locate(ws: Worksheet, issue: Issue, kv: bool) -> tuple[int, int, bool]:
    """(row, column, exact) of the cell to mark for one issue on this sheet."""
    row = issue.row or 1
    if not issue.column:
        return row, _first_filled(ws, row), False
    names = _header_names(issue.column)
    here = _find_in_row(ws, row, names)
    if issue.check in HEADER_CHECKS:
        return (row, here, True) if here else (row, _first_filled(ws, row), False)
    if kv:
        if here is None:
            return row, 2, False
        for cell in ws[row][here:]:
            if not is_blank(cell.value):
                return row, cell.column, True
        return row, here + 1, True
    for r in range(row - 1, max(0, row - 1 - HEADER_SCAN_ROWS), -1):
        col = _find_in_row(ws, r, names)
        if col is not None:
            return row, col, True
    return row, _first_filled(ws, row), False


def _first_filled(ws: Worksheet, row: int) -> int:
    if row <= ws.max_row:
        for cell in ws[row]:
            if not is_blank(cell.value):
                return cell.column
    return 1


def _anchor(ws: Worksheet, row: int, column: int) -> tuple[int, int]:
    """The top-left cell of a merged range (merged cells cannot hold a comment)."""
    if isinstance(ws.cell(row, column), MergedCell):
        for rng in ws.merged_cells.ranges:
            if rng.min_row <= row <= rng.max_row and rng.min_col <= column <= rng.max_col:
                return rng.min_row, rng.min_col
    return row, column


def _mark_all(wb: Workbook, issues: list[Issue],
              names: dict[str, str]) -> list[Mark | None]:
    """Fill and comment the cell of every issue; return each issue's mark (None: no cell)."""
    kv_names = _kv_sheet_names()
    located: list[Mark | None] = []
    by_cell: dict[tuple[str, int, int], list[Issue]] = {}
    for issue in issues:
        title = names.get(issue.sheet) if issue.sheet else None
        if title is None or title not in wb.sheetnames:
            located.append(None)
            continue
        ws = wb[title]
        row, col, exact = _locate(ws, issue, norm_header(issue.sheet) in kv_names)
        row, col = _anchor(ws, row, col)
        located.append(Mark(title, row, col, exact))
        by_cell.setdefault((title, row, col), []).append(issue)
    exact_cells = {(m.sheet, m.row, m.column) for m in located if m and m.exact}
    for (title, row, col), found in by_cell.items():
        cell = wb[title].cell(row, col)
        cell.fill = ERROR_FILL if (title, row, col) in exact_cells else APPROX_FILL
        text = "\n".join(f"• {i.message}" for i in found)
        if cell.comment is not None and cell.comment.text:
            text = f"{cell.comment.text}\n{text}"
        comment = Comment(text, AUTHOR)
        comment.width, comment.height = 320, min(600, 80 + 60 * len(found))
        cell.comment = comment
    return located


def _summary_sheet(wb: Workbook, issues: list[Issue], marks: list[Mark | None]) -> None:
    """A first sheet listing every problem with the cell it was marked on."""
    title = _safe_title(SUMMARY_SHEET, set(wb.sheetnames))
    ws = wb.create_sheet(title, 0)
    ws["A1"] = "CATATAN PEMERIKSAAN UNGGAHAN MONEV SMART CITY"
    ws["A1"].font = Font(bold=True, size=13)
    ws["A2"] = (f"{len(issues)} masalah ditemukan. Sel bermasalah diberi warna merah dan "
                "komentar (oranye: hanya barisnya yang diketahui). Perbaiki, simpan, lalu "
                "unggah ulang; sheet ini boleh dibiarkan.")
    headers = ("No", "Sheet", "Baris", "Kolom", "Sel", "Nilai", "Masalah dan cara memperbaiki")
    for c, text in enumerate(headers, start=1):
        cell = ws.cell(4, c, text)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = HEADER_FILL
    for r, (issue, mark) in enumerate(zip(issues, marks), start=5):
        ref = f"{get_column_letter(mark.column)}{mark.row}" if mark else None
        values = (r - 4, issue.sheet, issue.row, issue.column, ref, issue.value, issue.message)
        for c, value in enumerate(values, start=1):
            cell = ws.cell(r, c, value)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for c, width in enumerate((6, 22, 8, 24, 10, 24, 90), start=1):
        ws.column_dimensions[get_column_letter(c)].width = width
    ws.freeze_panes = "A5"
    wb.active = 0
    for other in wb.worksheets[1:]:
        other.sheet_view.tabSelected = False
