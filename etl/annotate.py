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

The copy is made in a sandbox worker (``etl.sandbox``), never in the server's process, and in
one pass: each sheet's cells are indexed once (only the rows near a problem), so thousands of
problems cost what a few do. At most MAX_MARKS problems are marked on their cells and
MAX_LISTED listed on the first sheet; the rest are counted there. A file refused as unsafe or
unreadable is not opened again, and an xls/ods larger than MAX_REWRITE_CELLS is not copied.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import python_calamine as pc
from openpyxl.cell.cell import Cell, MergedCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from etl import sandbox
from etl.issues import Issue
from etl.safety import UnsafeFile, sniff
from etl.spec import KINDS, sheets
from etl.values import is_blank, norm_header
from monev.domain.text import format_angka

SUMMARY_SHEET = "Catatan Pemeriksaan"
AUTHOR = "Monev"
ERROR_FILL = PatternFill("solid", fgColor="FF8A80")      # the exact cell: red
APPROX_FILL = PatternFill("solid", fgColor="FFB74D")     # only the row is known: orange
HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
HEADER_CHECKS = {"kolom_ganda", "kolom_hilang"}
HEADER_SCAN_ROWS = 40
MAX_MARKS = 300             # problems marked on their cells; the rest only listed
MAX_LISTED = 5000           # problems listed on the first sheet; the rest only counted
MAX_REWRITE_CELLS = 1_000_000   # cells of an xls/ods copied into the xlsx copy, at most
ANNOTATE_SECONDS = 60.0
# Refusals of the file as a whole: it is not opened again to mark it.
UNREADABLE = {"kosong", "terlalu_besar", "bukan_spreadsheet", "rusak", "berpassword", "bom_zip",
              "xml_berbahaya", "terlalu_banyak_baris", "terlalu_luas", "terlalu_lama"}
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
    """Return a copy of the workbook with every issue highlighted and commented (the first
    MAX_MARKS of them; every one is listed). Raises ``CannotAnnotate`` when the file cannot
    or must not be opened again."""
    issues = list(issues)
    refused = next((i for i in issues if i.check in UNREADABLE), None)
    if refused is not None:
        raise CannotAnnotate(refused.message)
    try:
        out, name, marks = sandbox.call("annotate", data, file_name, issues,
                                        seconds=ANNOTATE_SECONDS)  # type: ignore[misc]
    except UnsafeFile as exc:
        raise CannotAnnotate(exc.message) from exc
    except (sandbox.WorkerDied, sandbox.TaskFailed) as exc:
        raise CannotAnnotate("File tidak dapat dibuka untuk ditandai.") from exc
    return Annotated(out, name, [Mark(*m) if m else None for m in marks])


def annotate_here(data: bytes, file_name: str, issues: list[Issue],
                  progress: Callable[[str], None]) -> tuple[bytes, str, list]:
    """In a sandbox worker: the marked copy's bytes, its name and each issue's mark as a
    tuple (None when it belongs to no cell)."""
    fmt = sniff(data).format
    progress(file_name)
    try:
        if fmt in ("xlsx", "xlsm"):
            wb = openpyxl.load_workbook(io.BytesIO(data), keep_vba=fmt == "xlsm")
            names = {ws.title: ws.title for ws in wb.worksheets}
        else:
            wb, names = _rewrite(data)
    except CannotAnnotate as exc:  # crosses back to the caller as a refusal
        raise UnsafeFile("tidak_ditandai", str(exc)) from exc
    except Exception as exc:  # openpyxl/calamine raise many types for damaged content
        raise UnsafeFile("tidak_ditandai", "File tidak dapat dibuka untuk ditandai.") from exc
    marks = _mark_all(wb, issues, names)
    _summary_sheet(wb, issues, marks)
    buf = io.BytesIO()
    wb.save(buf)
    return (buf.getvalue(), annotated_name(file_name, fmt),
            [(m.sheet, m.row, m.column, m.exact) if m else None for m in marks])


def _rewrite(data: bytes) -> tuple[Workbook, dict[str, str]]:
    """An openpyxl workbook holding the cell values of an xls/ods file, and the name map."""
    src = pc.CalamineWorkbook.from_filelike(io.BytesIO(data))
    visible = {m.name: str(m.visible).endswith(".Visible") for m in src.sheets_metadata}
    sheets_in = [src.get_sheet_by_name(name) for name in src.sheet_names]
    if sum(sheet.height * sheet.width for sheet in sheets_in) > MAX_REWRITE_CELLS:
        raise CannotAnnotate("File terlalu besar untuk ditandai; lihat daftar masalah di "
                             "halaman unggah.")
    wb = Workbook()
    wb.remove(wb.active)
    names: dict[str, str] = {}
    for name, sheet in zip(src.sheet_names, sheets_in):
        title = _safe_title(name, set(names.values()))
        names[name] = title
        ws = wb.create_sheet(title)
        for row in sheet.to_python(skip_empty_area=False):
            ws.append([None if v == "" else v for v in row])
            for cell in ws[ws._current_row]:
                text_stays_text(cell)
        if not visible.get(name, True):
            ws.sheet_state = "hidden"
    if not wb.worksheets:
        wb.create_sheet("Sheet1")
    return wb, names


def text_stays_text(cell: Cell) -> Cell:
    """A text cell written as text: openpyxl would store '=1+1' (a name from an upload)
    as a live formula."""
    if cell.data_type == "f":
        cell.data_type = "s"
    return cell


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


class _SheetIndex:
    """The cells of one sheet near its problems, read once: for each such row its text
    cells (normalised) and its first filled column; and the sheet's merged ranges."""

    def __init__(self, ws: Worksheet, rows: set[int]):
        self.texts: dict[int, list[tuple[int, str]]] = {}
        self.filled: dict[int, list[int]] = {}
        # openpyxl's own sparse cell map: ``ws[row]`` or ``ws.max_row`` would walk every
        # column up to the sheet's widest (16,384 with one far cell) on every lookup.
        for (r, c), cell in ws._cells.items():
            if r not in rows or is_blank(cell.value):
                continue
            self.filled.setdefault(r, []).append(c)
            if isinstance(cell.value, str):
                self.texts.setdefault(r, []).append((c, norm_header(cell.value)))
        for cells in (*self.texts.values(), *self.filled.values()):
            cells.sort()
        self.merged = list(ws.merged_cells.ranges)
        self.ws = ws

    def find(self, row: int, names: set[str]) -> int | None:
        """The first column of the row whose text is one of ``names``."""
        return next((c for c, text in self.texts.get(row, ()) if text in names), None)

    def first_filled(self, row: int) -> int:
        """The first filled column of the row (1 when it is blank)."""
        return self.filled.get(row, [1])[0]

    def next_filled(self, row: int, after: int) -> int | None:
        """The first filled column right of ``after`` in the row."""
        return next((c for c in self.filled.get(row, ()) if c > after), None)

    def anchor(self, row: int, column: int) -> tuple[int, int]:
        """The top-left cell of a merged range (merged cells cannot hold a comment)."""
        if isinstance(self.ws._cells.get((row, column)), MergedCell):
            for rng in self.merged:
                if rng.min_row <= row <= rng.max_row and rng.min_col <= column <= rng.max_col:
                    return rng.min_row, rng.min_col
        return row, column


def _rows_near(issues: list[Issue]) -> set[int]:
    """Every row a problem's cell is looked for in: its own, the rows above it and the
    sheet's first rows (where a header stands)."""
    rows: set[int] = set(range(1, HEADER_SCAN_ROWS + 1))
    for issue in issues:
        row = issue.row or 1
        rows.update(range(max(1, row - HEADER_SCAN_ROWS), row + 1))
    return rows


def _locate(index: _SheetIndex, issue: Issue, kv: bool) -> tuple[int, int, bool]:
    """(row, column, exact) of the cell to mark for one issue on this sheet."""
    row = issue.row or 1
    if not issue.column:
        return row, index.first_filled(row), False
    names = _header_names(issue.column)
    here = index.find(row, names)
    if issue.check in HEADER_CHECKS:
        return (row, here, True) if here else (row, index.first_filled(row), False)
    if kv:
        if here is None:
            return row, 2, False
        value = index.next_filled(row, here)
        return (row, value, True) if value else (row, here + 1, True)
    above = range(row - 1, max(0, row - 1 - HEADER_SCAN_ROWS), -1)
    top = range(min(row - 1 - HEADER_SCAN_ROWS, HEADER_SCAN_ROWS), 0, -1)  # a long table's
    for r in (*above, *top):                                               # header row
        col = index.find(r, names)
        if col is not None:
            return row, col, True
    return row, index.first_filled(row), False


def _mark_all(wb: Workbook, issues: list[Issue],
              names: dict[str, str]) -> list[Mark | None]:
    """Fill and comment the cell of each of the first MAX_MARKS issues; return each issue's
    mark (None: no cell, or past MAX_MARKS)."""
    kv_names = _kv_sheet_names()
    marked = issues[:MAX_MARKS]
    by_sheet: dict[str, list[Issue]] = {}
    for issue in marked:
        title = names.get(issue.sheet) if issue.sheet else None
        if title is not None and title in wb.sheetnames:
            by_sheet.setdefault(title, []).append(issue)
    indexes = {title: _SheetIndex(wb[title], _rows_near(found))
               for title, found in by_sheet.items()}
    located: list[Mark | None] = []
    by_cell: dict[tuple[str, int, int], list[Issue]] = {}
    for issue in marked:
        title = names.get(issue.sheet) if issue.sheet else None
        if title not in indexes:
            located.append(None)
            continue
        index = indexes[title]
        row, col, exact = _locate(index, issue, norm_header(issue.sheet) in kv_names)
        row, col = index.anchor(row, col)
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
    return located + [None] * (len(issues) - len(marked))


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
    if len(issues) > MAX_MARKS:
        ws["A3"] = (f"Hanya {format_angka(MAX_MARKS, 0)} masalah pertama yang ditandai di "
                    "selnya; sisanya tercantum di bawah.")
    wrap = Alignment(wrap_text=True, vertical="top")
    for r, (issue, mark) in enumerate(zip(issues[:MAX_LISTED], marks), start=5):
        ref = f"{get_column_letter(mark.column)}{mark.row}" if mark else None
        values = (r - 4, issue.sheet, issue.row, issue.column, ref, issue.value, issue.message)
        for c, value in enumerate(values, start=1):
            text_stays_text(ws.cell(r, c, value)).alignment = wrap
    if len(issues) > MAX_LISTED:
        ws.cell(5 + MAX_LISTED, 7, f"… dan {format_angka(len(issues) - MAX_LISTED, 0)} masalah "
                "lainnya (lihat halaman unggah).")
    for c, width in enumerate((6, 22, 8, 24, 10, 24, 90), start=1):
        ws.column_dimensions[get_column_letter(c)].width = width
    ws.freeze_panes = "A5"
    wb.active = 0
    for other in wb.worksheets[1:]:
        other.sheet_view.tabSelected = False
