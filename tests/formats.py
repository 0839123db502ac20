"""Re-write a workbook's cell grid in the other formats Pemda staff send: xls, ods, xlsm."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime

import openpyxl


def grids_of(xlsx: bytes) -> dict[str, list[list]]:
    """Cell values of every sheet of an xlsx, as lists of rows."""
    wb = openpyxl.load_workbook(io.BytesIO(xlsx))
    return {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in wb}


def to_xls(grids: dict[str, list[list]], percent: dict | None = None) -> bytes:
    """Write grids as a legacy .xls (BIFF8) with xlwt; ``percent`` maps (sheet, row, column),
    0-based, to a fraction written in a cell formatted as a percentage."""
    import xlwt

    book = xlwt.Workbook()
    date_style = xlwt.easyxf(num_format_str="DD/MM/YYYY")
    percent_style = xlwt.easyxf(num_format_str="0.0%")
    for name, grid in grids.items():
        ws = book.add_sheet(name[:31])
        for r, row in enumerate(grid):
            for c, value in enumerate(row):
                if (name, r, c) in (percent or {}):
                    ws.write(r, c, percent[(name, r, c)], percent_style)  # type: ignore[index]
                elif isinstance(value, (date, datetime)):
                    ws.write(r, c, value, date_style)
                elif value is not None:
                    ws.write(r, c, value)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def to_ods(grids: dict[str, list[list]], percent: dict | None = None) -> bytes:
    """Write grids as an OpenDocument spreadsheet (.ods) with odfpy, as LibreOffice would;
    ``percent`` maps (sheet, row, column), 0-based, to a fraction of value type percentage."""
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    doc = OpenDocumentSpreadsheet()
    for name, grid in grids.items():
        table = Table(name=name)
        for r, row in enumerate(grid):
            tr = TableRow()
            for c, value in enumerate(row):
                if (name, r, c) in (percent or {}):
                    fraction = percent[(name, r, c)]  # type: ignore[index]
                    cell = TableCell(valuetype="percentage", value=fraction)
                    cell.addElement(P(text=f"{fraction * 100:.1f}%"))
                elif value is None:
                    cell = TableCell()
                elif isinstance(value, bool):
                    cell = TableCell(valuetype="string")
                    cell.addElement(P(text="Ya" if value else "Tidak"))
                elif isinstance(value, (int, float)):
                    cell = TableCell(valuetype="float", value=value)
                    cell.addElement(P(text=str(value)))
                elif isinstance(value, (date, datetime)):
                    d = value.date() if isinstance(value, datetime) else value
                    cell = TableCell(valuetype="date", datevalue=d.isoformat())
                    cell.addElement(P(text=d.isoformat()))
                else:
                    cell = TableCell(valuetype="string")
                    cell.addElement(P(text=str(value)))
                tr.addElement(cell)
            table.addElement(tr)
        doc.spreadsheet.addElement(table)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def to_xlsm(xlsx: bytes) -> bytes:
    """Turn an xlsx into a macro-enabled .xlsm (content type changed, as Excel saves it)."""
    src = zipfile.ZipFile(io.BytesIO(xlsx))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "[Content_Types].xml":
                data = data.replace(
                    b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                    b"application/vnd.ms-excel.sheet.macroEnabled.main+xml")
            dst.writestr(item, data)
    return out.getvalue()
