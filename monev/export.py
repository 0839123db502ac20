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
# A number as the pages write it (monev.domain.text): 1.234,5 · 87% · 66,2% · S · −3. No
# leading zero ("007" is a code), thousands only in groups of three ("35.23" is a code).
_ID_NUMBER = r"[-+\u2212]?(?:0|[1-9]\d{0,2}(?:\.\d{3})+|[1-9]\d*)(?:,\d+)?"
_SHOWN_NUMBER = re.compile(rf"(?P<n>{_ID_NUMBER})(?P<pct>\s?%)?"
                           r"(?:\s·\s(?P<band>[A-Z]{1,2}))?")
# what the pages write for a missing figure: an empty cell in the workbook
_MISSING_TEXT = {"", "–", "-", "belum ada data", "tidak ada data"}
GROUPED_FROM = 10_000      # integers from here on get thousands separators (not years)
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


def _shown_number(text: str) -> tuple[float, int, bool, str | None] | None:
    """'66,2% · S' -> (66.2, 1 decimal, percent, band 'S'); None when it is not a number."""
    found = _SHOWN_NUMBER.fullmatch(text.strip())
    if not found:
        return None
    number = (found["n"].replace("\u2212", "-").replace("+", "").replace(".", "")
              .replace(",", "."))
    decimals = len(number.split(".")[1]) if "." in number else 0
    return float(number), decimals, bool(found["pct"]), found["band"]


def numbers_restored(df: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str]]:
    """The table with its display text turned back into numbers, and each number column's
    Excel format (written with ',' and '.' placeholders: Excel shows the reader's own
    separators, 1.234,5 and 66,2% in Indonesian).

    A text column becomes numbers only when every cell in it is a number as the pages write
    it ('195', '1.234,5', '87%', '66,2% · S') or missing ('–'): a percentage becomes its
    fraction shown as a percentage, a band code after it goes to a column of its own
    ('<kolom> (kode pita)'). Any other text (a code, 'Rp 1,5 M', a name) stays text.
    """
    out = df.copy()
    formats: dict[str, str] = {}
    for col in list(out.columns):
        name, series = str(col), out[col]
        if pd.api.types.is_bool_dtype(series):
            continue
        if pd.api.types.is_integer_dtype(series) or pd.api.types.is_float_dtype(series):
            values = pd.to_numeric(series, errors="coerce")
            whole = bool(((values.dropna() % 1) == 0).all())
            if pd.api.types.is_integer_dtype(series) or whole:
                if values.abs().max(skipna=True) >= GROUPED_FROM:
                    formats[name] = "#,##0"
            else:
                formats[name] = "#,##0.0##"
            continue
        if not (series.dtype == object or pd.api.types.is_string_dtype(series)):
            continue
        cells = [None if (v is None or v is pd.NA or (isinstance(v, float) and v != v)
                          or (isinstance(v, str) and v.strip().lower() in _MISSING_TEXT))
                 else v
                 for v in series.astype(object)]
        present = [v for v in cells if v is not None]
        if not present or not all(isinstance(v, str) for v in present):
            continue
        parsed = [_shown_number(v) for v in present]
        if any(p is None for p in parsed) or len({p[2] for p in parsed}) > 1:  # type: ignore
            continue
        percent = parsed[0][2]  # type: ignore[index]
        decimals = max(p[1] for p in parsed)  # type: ignore[index]
        read = iter(parsed)
        found: list[float | None] = []
        bands: list[str | None] = []
        for v in cells:
            if v is None:
                found.append(None)
                bands.append(None)
                continue
            value, _, _, band = next(read)  # type: ignore[misc]
            found.append(value / 100 if percent else value)
            bands.append(band)
        at = list(out.columns).index(col)
        out[col] = pd.array(found, dtype="Float64")
        if percent:
            formats[name] = "0" + ("." + "0" * decimals if decimals else "") + "%"
        elif decimals:
            formats[name] = "#,##0." + "0" * decimals
        elif max(abs(n) for n in found if n is not None) >= GROUPED_FROM:
            formats[name] = "#,##0"
        if any(isinstance(v, str) and v.strip().startswith("+") for v in present):
            shown = formats.get(name, "0")      # a change keeps its sign: +2, -3, 0
            formats[name] = f"+{shown};-{shown};{shown}"
        if any(bands):
            out.insert(at + 1, f"{name} (kode pita)", pd.array(bands, dtype=object))
    return out, formats


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
    string cell (never a formula); numbers stay numbers, and numbers the table holds as
    display text become numbers again (:func:`numbers_restored`), each column with an
    Indonesian display format."""
    wb = Workbook()
    wb.remove(wb.active)
    for name, df in sheets.items():
        ws = wb.create_sheet(_sheet_title(str(name), set(wb.sheetnames)))
        df, formats = numbers_restored(df)
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
                    if isinstance(value, numbers.Number) and str(df.columns[c - 1]) in formats:
                        cell.number_format = formats[str(df.columns[c - 1])]
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
