"""Exports neutralise formula injection and stay readable."""

import io

import openpyxl
import pandas as pd
import pytest

from monev.export import frames_to_xlsx, neutralise


@pytest.mark.parametrize(("raw", "safe"), [
    ("=HYPERLINK(\"http://x\",\"klik\")", "'=HYPERLINK(\"http://x\",\"klik\")"),
    ("+62 812", "'+62 812"), ("-1+1", "'-1+1"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "'\t=1"), ("Server lambat", "Server lambat"), (-5.0, -5.0), (None, None),
])
def test_neutralise(raw, safe):
    assert neutralise(raw) == safe


def test_xlsx_export_has_no_formula_cells():
    df = pd.DataFrame({"Kendala": ["=cmd|' /C calc'!A0", "Jaringan lambat"],
                       "Capaian": [62.5, -3.0]})
    wb = openpyxl.load_workbook(io.BytesIO(frames_to_xlsx({"Tertinggal": df}, "Uji")))
    ws = wb["Tertinggal"]
    cells = [c for row in ws.iter_rows() for c in row if c.value is not None]
    assert not any(c.data_type == "f" for c in cells)
    assert ws.cell(4, 1).value == "'=cmd|' /C calc'!A0"
    assert ws.cell(5, 2).value == -3.0
    assert ws.page_setup.orientation == "landscape"
