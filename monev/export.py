"""Safe spreadsheet exports: text from uploaded files can never become a formula.

Anything a user typed (kendala, tindak lanjut, names) is written back into Excel downloads and
reports. A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return would be
evaluated by Excel or LibreOffice (CSV/formula injection), so such text gets a leading apostrophe
shown as text. Numbers stay numbers.
"""

from __future__ import annotations

import io
from collections.abc import Mapping

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def neutralise(value: object) -> object:
    """The value made safe for a spreadsheet cell (text only; numbers untouched)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def neutralise_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of a DataFrame with every text cell neutralised."""
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(neutralise)
    return out


def frames_to_xlsx(sheets: Mapping[str, pd.DataFrame], title: str | None = None) -> bytes:
    """An .xlsx with one formatted sheet per DataFrame (header row bold, widths set,
    landscape and fit-to-width for printing), every text cell neutralised."""
    wb = Workbook()
    wb.remove(wb.active)
    for name, df in sheets.items():
        ws = wb.create_sheet(name[:31])
        start = 1
        if title:
            ws.cell(1, 1, neutralise(title)).font = Font(bold=True, size=14)
            start = 3
        safe = neutralise_frame(df)
        for c, col in enumerate(safe.columns, start=1):
            cell = ws.cell(start, c, str(col))
            cell.font = Font(bold=True, color="FFFFFF")
            cell.fill = PatternFill("solid", fgColor="1F4E79")
            cell.alignment = Alignment(wrap_text=True, vertical="center")
            width = max([len(str(col))] + [len(str(v)) for v in safe[col].head(200)])
            ws.column_dimensions[get_column_letter(c)].width = min(60, max(10, width + 2))
        for r, row in enumerate(safe.itertuples(index=False), start=start + 1):
            for c, value in enumerate(row, start=1):
                if value is None or value is pd.NA or value is pd.NaT or (
                        isinstance(value, float) and value != value):
                    continue
                if isinstance(value, pd.Timestamp):
                    value = value.to_pydatetime()
                ws.cell(r, c, value).alignment = Alignment(wrap_text=isinstance(value, str),
                                                           vertical="top")
        ws.freeze_panes = ws.cell(start + 1, 1)
        ws.page_setup.orientation = "landscape"
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.print_title_rows = f"{start}:{start}"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
