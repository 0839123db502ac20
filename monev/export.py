"""Safe spreadsheet exports: text a user typed can never become a formula.

Every download of the app goes through here: the CSV and Excel buttons under the page tables
(``monev.ui.components.download_buttons``) and the evaluation report workbook
(``monev.reports.evaluation``). Anything a user typed (kendala, tindak lanjut, file names,
user names from the sign-in form, names from an uploaded masterplan) is written back into these
files. A cell whose text starts with ``=``, ``+``, ``-``, ``@``, a tab, a carriage return or a
line feed (or their full-width forms, or any of these after leading spaces) would be evaluated
by Excel or LibreOffice (CSV/formula injection, OWASP), so such text gets a leading apostrophe
and stays text. Numbers stay numbers; text that is only a signed number ("-3,5%", "-1.234")
cannot hold a formula and is left alone. Control characters that Excel files cannot hold are
shown as U+FFFD instead of breaking the download.

In the .xlsx every text cell is also written as a string cell, never a formula, whatever it
says; the CSV quotes every field, so a comma or semicolon inside a text cannot start a new
cell in a spreadsheet that splits on the other separator.
"""

from __future__ import annotations

import csv
import io
import numbers
import re
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n",
                  "\uff1d", "\uff0b", "\uff0d", "\uff20")   # ＝ ＋ － ＠ (full width)
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIME = "text/csv"
_SIGNED_NUMBER = re.compile(r"[-+]\d[\d.,]*%?")     # '-3,5%', '-1.234,5': no formula fits
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
_HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
_WIDTH_SAMPLE = 200


def neutralise(value: object) -> object:
    """The value made safe for a spreadsheet cell: text that a spreadsheet would read as a
    formula gets a leading apostrophe; any other value (numbers, dates, None) is untouched."""
    if not isinstance(value, str):
        return value
    text = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
    if ((text.startswith(FORMULA_STARTS) or text.lstrip().startswith(FORMULA_STARTS))
            and not _SIGNED_NUMBER.fullmatch(text)):
        return "'" + text
    return text


def neutralise_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of a DataFrame with every text cell and every column name neutralised."""
    out = df.copy()
    for col in out.columns:
        series = out[col]
        if (series.dtype == object or pd.api.types.is_string_dtype(series)
                or isinstance(series.dtype, pd.CategoricalDtype)):
            out[col] = series.astype(object).map(neutralise)
    out.columns = [neutralise(str(c)) for c in out.columns]
    return out


def csv_bytes(df: pd.DataFrame) -> bytes:
    """CSV for Indonesian Excel: ';' between fields, ',' as decimal mark, every field quoted,
    UTF-8 with BOM; every text cell neutralised."""
    return neutralise_frame(df).to_csv(index=False, sep=";", decimal=",",
                                       quoting=csv.QUOTE_ALL).encode("utf-8-sig")


def xlsx_bytes(df: pd.DataFrame, sheet: str = "Data") -> bytes:
    """An .xlsx of one table (the layout of :func:`frames_to_xlsx`), every text cell
    neutralised."""
    return frames_to_xlsx({sheet: df})


def cell_value(value: object) -> object:
    """What openpyxl is given for one value: None for anything missing, local wall time for
    a timestamp (Excel has no time zones), plain Python numbers, neutralised text."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, pd.Timestamp):
        value = value.tz_localize(None) if value.tzinfo else value
        return value.to_pydatetime()
    if isinstance(value, datetime) and value.tzinfo:
        return value.replace(tzinfo=None)
    if isinstance(value, np.generic):
        value = value.item()
        if isinstance(value, float) and value != value:
            return None
    if isinstance(value, (str, numbers.Number, date, time, timedelta)):
        return neutralise(value)
    return neutralise(str(value))     # anything else (a list, a dict…) as its text


def _sheet_title(name: str, taken: set[str]) -> str:
    base = _BAD_SHEET_CHARS.sub("_", name)[:31] or "Data"
    title, n = base, 2
    while title in taken:
        suffix = f" ({n})"
        title, n = base[:31 - len(suffix)] + suffix, n + 1
    return title


def frames_to_xlsx(sheets: Mapping[str, pd.DataFrame], title: str | None = None) -> bytes:
    """An .xlsx with one formatted sheet per DataFrame (header row bold, widths set,
    landscape and fit-to-width for printing), every text cell neutralised and written as a
    string cell (never a formula)."""
    wb = Workbook()
    wb.remove(wb.active)
    for name, df in sheets.items():
        ws = wb.create_sheet(_sheet_title(str(name), set(wb.sheetnames)))
        start = 1
        if title:
            ws.cell(1, 1, neutralise(title)).font = Font(bold=True, size=14)
            ws.cell(1, 1).data_type = "s"
            start = 3
        rows = [[cell_value(v) for v in row] for row in df.itertuples(index=False)]
        for c, col in enumerate(df.columns, start=1):
            cell = ws.cell(start, c, neutralise(str(col)))
            cell.data_type = "s"
            cell.font = Font(bold=True, color="FFFFFF")
            cell.fill = _HEADER_FILL
            cell.alignment = Alignment(wrap_text=True, vertical="center")
            width = max([len(str(col))] + [len(str(r[c - 1])) for r in rows[:_WIDTH_SAMPLE]
                                           if r[c - 1] is not None])
            ws.column_dimensions[get_column_letter(c)].width = min(60, max(10, width + 2))
        wrap, top = Alignment(wrap_text=True, vertical="top"), Alignment(vertical="top")
        for r, row in enumerate(rows, start=start + 1):
            for c, value in enumerate(row, start=1):
                if value is None:
                    continue
                cell = ws.cell(r, c, value)
                if isinstance(value, str):
                    cell.data_type = "s"   # text is text, even if it looked like a formula
                    cell.alignment = wrap
                else:
                    cell.alignment = top
        ws.freeze_panes = ws.cell(start + 1, 1)
        ws.page_setup.orientation = "landscape"
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.print_title_rows = f"{start}:{start}"
    if not wb.worksheets:
        wb.create_sheet("Data")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
