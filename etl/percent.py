"""Which number cells a workbook itself formats as percentages.

A clerk types ``90,9%`` into a cell formatted as a percentage: Excel stores 0.909 with the
number format ``0.0%``, LibreOffice stores the value type ``percentage``. python-calamine gives
the value 0.909 and no format, so a field in percent would silently load 0.909 instead of
90.9. This module reads the formats another way, only where they can matter: nothing is
parsed unless the workbook declares a percent format at all (the styles of an xlsx, the value
type in an ods, the XF records of an xls), and then only the number cells of the sheets
asked for. Positions are 0-based (row, column), as in calamine's grid from A1.

Runs in the sandbox worker, beside the grid it belongs to (``etl.workbook.read_grids_here``).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable
from xml.etree import ElementTree as ET

Cells = set[tuple[int, int]]

_BUILTIN_PERCENT = {9, 10}   # "0%" and "0.00%"
_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_QUOTED = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]')
_ATTR = {name: re.compile(rb'\b' + name + rb'="([^"]*)"') for name in (b"r", b"t")}
_REF = re.compile(rb"([A-Z]{1,3})(\d+)")
_PERCENT_UNITS = {"%", "persen", "persentase", "prosentase", "(%)", "% (persen)", "pct"}
MAX_POSITIONS = 1_000_000


def is_percent_format(code: str) -> bool:
    """Whether a number format code shows its value as a percentage ('0.0%', not '"%"')."""
    return "%" in _QUOTED.sub("", code)


def is_percent_unit(unit: object) -> bool:
    """Whether an indicator's unit is a percentage ('%', 'persen', 'Persentase (%)')."""
    text = str(unit or "").strip().lower()
    return text in _PERCENT_UNITS or text.startswith(("persen", "persentase")) or text == "%"


def percent_cells(data: bytes, fmt: str, sheets: Iterable[str]) -> dict[str, Cells]:
    """The number cells formatted as a percentage in each of ``sheets`` (only the sheets
    that have any)."""
    wanted = list(sheets)
    if not wanted:
        return {}
    if fmt in ("xlsx", "xlsm"):
        return _xlsx(data, wanted)
    if fmt == "ods":
        return _ods(data, wanted)
    if fmt == "xls":
        return _xls(data, wanted)
    return {}


def _xlsx(data: bytes, wanted: list[str]) -> dict[str, Cells]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = set(zf.namelist())
        if "xl/styles.xml" not in names:
            return {}
        styles = zf.read("xl/styles.xml")
        if b"%" not in styles and not re.search(rb'numFmtId="(?:9|10)"', styles):
            return {}
        percent_xf = _percent_styles(styles)
        if not percent_xf:
            return {}
        parts = _sheet_parts(zf.read("xl/workbook.xml"),
                             zf.read("xl/_rels/workbook.xml.rels"))
        styled = re.compile(rb'<(?:\w+:)?c\b[^>]*?\bs="(?:'
                            + b"|".join(str(i).encode() for i in sorted(percent_xf))
                            + rb')"[^>]*>')
        out: dict[str, Cells] = {}
        for sheet in wanted:
            part = parts.get(sheet)
            if part not in names:
                continue
            cells: Cells = set()
            for match in styled.finditer(zf.read(part)):
                tag = match.group(0)
                kind = _ATTR[b"t"].search(tag)
                if kind and kind.group(1) != b"n":
                    continue  # text, boolean or error: not a number
                ref = _ATTR[b"r"].search(tag)
                pos = _REF.fullmatch(ref.group(1)) if ref else None
                if pos:
                    cells.add((int(pos.group(2)) - 1, _column(pos.group(1)) - 1))
                    if len(cells) >= MAX_POSITIONS:
                        break
            if cells:
                out[sheet] = cells
        return out


def _percent_styles(styles: bytes) -> set[int]:
    root = ET.fromstring(styles)
    custom = {int(f.get("numFmtId", -1)): f.get("formatCode", "")
              for f in root.iter(f"{_MAIN}numFmt")}
    xfs = root.find(f"{_MAIN}cellXfs")
    out = set()
    for i, xf in enumerate(xfs if xfs is not None else ()):
        fmt_id = int(xf.get("numFmtId", 0))
        if fmt_id in _BUILTIN_PERCENT or is_percent_format(custom.get(fmt_id, "")):
            out.add(i)
    return out


def _sheet_parts(workbook: bytes, rels: bytes) -> dict[str, str]:
    """Sheet name -> its part in the zip ('xl/worksheets/sheet1.xml')."""
    targets = {r.get("Id"): r.get("Target", "") for r in ET.fromstring(rels).iter(
        f"{_PKG_REL}Relationship")}
    out = {}
    for sheet in ET.fromstring(workbook).iter(f"{_MAIN}sheet"):
        target = targets.get(sheet.get(f"{_REL}id"), "")
        out[sheet.get("name", "")] = (target.lstrip("/") if target.startswith("/")
                                      else f"xl/{target}")
    return out


def _column(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


_ODS_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_ODS_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"


def _ods(data: bytes, wanted: list[str]) -> dict[str, Cells]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        content = zf.read("content.xml")
    if b'"percentage"' not in content:
        return {}
    out: dict[str, Cells] = {}
    sheet: str | None = None
    row = col = 0
    row_repeat = 1
    for event, el in ET.iterparse(io.BytesIO(content), events=("start", "end")):
        tag = el.tag
        if tag == f"{_ODS_TABLE}table":
            if event == "start":
                name = el.get(f"{_ODS_TABLE}name")
                sheet, row = (name if name in wanted else None), 0
            else:
                sheet = None
                el.clear()
        elif sheet is None:
            continue
        elif tag == f"{_ODS_TABLE}table-row":
            if event == "start":
                col = 0
                row_repeat = int(el.get(f"{_ODS_TABLE}number-rows-repeated", "1"))
            else:
                row += row_repeat
                el.clear()
        elif tag in (f"{_ODS_TABLE}table-cell", f"{_ODS_TABLE}covered-table-cell") \
                and event == "start":
            repeat = int(el.get(f"{_ODS_TABLE}number-columns-repeated", "1"))
            if el.get(f"{_ODS_OFFICE}value-type") == "percentage":
                cells = out.setdefault(sheet, set())
                for r in range(row, row + min(row_repeat, MAX_POSITIONS)):
                    for c in range(col, col + min(repeat, MAX_POSITIONS)):
                        if len(cells) >= MAX_POSITIONS:
                            break
                        cells.add((r, c))
            col += repeat
    return out


def _xls(data: bytes, wanted: list[str]) -> dict[str, Cells]:
    import xlrd

    book = xlrd.open_workbook(file_contents=data, formatting_info=True, on_demand=True,
                              logfile=io.StringIO())
    try:
        percent_xf = {i for i, xf in enumerate(book.xf_list)
                      if xf.format_key in _BUILTIN_PERCENT or is_percent_format(
                          getattr(book.format_map.get(xf.format_key), "format_str", ""))}
        if not percent_xf:
            return {}
        out: dict[str, Cells] = {}
        names = set(book.sheet_names())
        for name in wanted:
            if name not in names:
                continue
            sh = book.sheet_by_name(name)
            cells = {(r, c) for r in range(sh.nrows) for c, kind in enumerate(sh.row_types(r))
                     if kind == xlrd.XL_CELL_NUMBER and sh.cell_xf_index(r, c) in percent_xf}
            if cells:
                out[name] = cells
        return out
    finally:
        book.release_resources()
