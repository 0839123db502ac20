"""Page Excel downloads keep numbers as numbers (issue 28): the demo's pages in AppTest, each
Excel button's file read back with openpyxl. No cell holds a number as text ('195',
'66,2% · S', '87%'); a percentage is a number shown as one in Indonesian Excel; a band code
sits in a column of its own.
"""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from monev import export
from tests.app.conftest import (  # noqa: F401 - the app tests' fixtures, used here
    _clear_streamlit_caches,
    _navigation_mode,
    _signed_in,
    demo_db,
    demo_db_built,
)
from tests.export.test_page_downloads import fetched, offered, run_page  # noqa: F401


def number_texts(content: bytes) -> list[str]:
    """Every text cell of the workbook that reads as a number the way the pages write it."""
    wb = openpyxl.load_workbook(io.BytesIO(content))
    return [f"{ws.title}!{c.coordinate}={c.value!r}" for ws in wb.worksheets
            for row in ws.iter_rows(min_row=2) for c in row
            if isinstance(c.value, str) and export._shown_number(c.value) is not None]


def column(ws: openpyxl.worksheet.worksheet.Worksheet, name: str) -> list[openpyxl.cell.Cell]:
    """The cells of the column headed ``name`` (header in row 1)."""
    heads = [c.value for c in ws[1]]
    assert name in heads, heads
    return [row[heads.index(name)] for row in ws.iter_rows(min_row=2)]


@pytest.mark.parametrize("page", ["pages/ringkasan.py", "pages/capaian.py",
                                  "pages/anggaran.py", "pages/kolaborasi.py"])
def test_page_excel_downloads_hold_numbers(demo_db: Path, offered, page: str) -> None:  # noqa: F811
    run_page(page, offered)
    books = [d for d in fetched(offered) if d.file_name.endswith(".xlsx")]
    assert books, "the page offers an Excel download"
    for book in books:
        assert not number_texts(book.content), (book.file_name, number_texts(book.content))


def test_ringkasan_capaian_is_a_percentage_with_its_band_beside_it(demo_db: Path,  # noqa: F811
                                                                  offered) -> None:  # noqa: F811
    run_page("pages/ringkasan.py", offered)
    book = next(d for d in fetched(offered) if d.file_name.startswith("program_terendah")
                and d.file_name.endswith(".xlsx"))
    ws = openpyxl.load_workbook(io.BytesIO(book.content)).active
    capaian = [c for c in column(ws, "Capaian") if c.value is not None]
    assert capaian and all(isinstance(c.value, float) for c in capaian)
    assert all(c.number_format == "0.0%" for c in capaian), {c.number_format for c in capaian}
    assert all(0 <= c.value < 3 for c in capaian)      # a fraction: 66,2 % is 0.662
    bands = [c.value for c in column(ws, "Capaian (kode pita)") if c.value is not None]
    assert bands and set(bands) <= {"ST", "T", "S", "R", "SR"}


def test_display_text_becomes_numbers_and_codes_stay_text() -> None:
    df = pd.DataFrame({
        "Kode": ["GOV-01", "007"], "Wilayah": ["35.23", "35.24"],
        "Capaian": ["66,2% · S", "87% · T"], "Jumlah": ["195", "1.234"],
        "Pagu": ["Rp 1,5 M", "Rp 2 M"], "Serapan": ["87%", "Belum ada data"],
        "Selisih": ["−3,5", "12"], "Pagu (Rp)": [1_500_000_000, 2_000_000], "Tahun": [2026, 2027],
        "Perubahan": ["+2", "−3"],
    })
    ws = openpyxl.load_workbook(io.BytesIO(export.xlsx_bytes(df))).active
    heads = [c.value for c in ws[1]]
    assert heads == ["Kode", "Wilayah", "Capaian", "Capaian (kode pita)", "Jumlah", "Pagu",
                     "Serapan", "Selisih", "Pagu (Rp)", "Tahun", "Perubahan"]
    row2 = [c.value for c in ws[2]]
    assert row2 == ["GOV-01", "35.23", pytest.approx(0.662), "S", 195, "Rp 1,5 M",
                    pytest.approx(0.87), -3.5, 1_500_000_000, 2026, 2]
    assert [c.value for c in ws[3]][:2] == ["007", "35.24"]          # codes stay text
    assert ws["G3"].value is None                           # no figure: an empty cell
    formats = {h: ws.cell(2, i).number_format for i, h in enumerate(heads, start=1)}
    assert formats["Capaian"] == "0.0%" and formats["Serapan"] == "0%"
    assert formats["Selisih"] == "#,##0.0" and formats["Pagu (Rp)"] == "#,##0"
    assert formats["Tahun"] == "General"                              # 2026, not 2.026
    assert formats["Perubahan"] == "+0;-0;0" and ws["K3"].value == -3   # keeps its sign
    assert not number_texts(export.xlsx_bytes(df))
