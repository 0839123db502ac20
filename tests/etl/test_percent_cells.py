"""Cells the file formats as percentages load as the clerk typed them, in every format.

A clerk types ``80%`` into a cell formatted as a percentage: Excel stores 0.8 with the number
format ``0%``, LibreOffice the value type ``percentage``, and an .xls an XF with a percent
format. Each must load exactly the facts of the clean file where 80 is typed, or be refused
where the field is not in percent; never 0.8 in silence.
"""

from __future__ import annotations

import io

import openpyxl
import pytest

from etl.percent import is_percent_format, is_percent_unit
from tests.etl.test_formats import _facts
from tests.formats import grids_of, to_ods, to_xls
from tests.helpers import RECEIVED, masterplan_bytes, report_bytes

FILL = {
    "realisasi": {"SOC-01.1": {"realisasi": 80}},
    "fisik": {"SOC-01": {"fisik": 90.9, "kendala": "Sinyal lemah",
                         "tindak_lanjut": "Koordinasi dengan operator"}},
}
PERCENT = {("Realisasi Kinerja", "Realisasi", "SOC-01.1"): 0.8,
           ("Fisik dan Kendala", "Realisasi Fisik s.d. TW (%)", "SOC-01"): 0.909}
DATASETS = {"realisasi": {"GOV-01.1": {"realisasi": 12}}}


def cells_to_percent(xlsx: bytes, changes: dict) -> tuple[bytes, dict]:
    """The workbook with each (sheet, header, key) cell replaced by a fraction formatted as a
    percentage; also the positions changed, for the other formats."""
    wb = openpyxl.load_workbook(io.BytesIO(xlsx))
    where = {}
    for (sheet, header, key), fraction in changes.items():
        ws = wb[sheet]
        head = next(r for r in ws.iter_rows() if any(c.value == header for c in r))
        col = next(c.column for c in head if c.value == header)
        row = next(r[0].row for r in ws.iter_rows(min_row=head[0].row + 1)
                   if key in [c.value for c in r])
        cell = ws.cell(row, col)
        cell.value, cell.number_format = fraction, "0.0%"
        where[(sheet, row - 1, col - 1)] = fraction
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue(), where


def to_xls_percent(xlsx: bytes, where: dict) -> bytes:
    return to_xls(grids_of(xlsx), where)


def to_ods_percent(xlsx: bytes, where: dict) -> bytes:
    return to_ods(grids_of(xlsx), where)


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
def test_percent_formatted_cells_load_like_the_typed_percentage(mp_env, fmt: str) -> None:
    clean = report_bytes(mp_env.con, "DPMD", 2025, 1, FILL)
    typed = report_bytes(mp_env.con, "DPMD", 2025, 1, FILL)
    xlsx, where = cells_to_percent(typed, PERCENT)
    data = {"xlsx": lambda: xlsx, "xls": lambda: to_xls_percent(xlsx, where),
            "ods": lambda: to_ods_percent(xlsx, where)}[fmt]()
    result = mp_env.load(data, f"laporan.{fmt}", received_on=RECEIVED)
    assert result.status == "loaded", [i.text() for i in result.issues]
    facts = _facts(mp_env, result.load_id)
    mp_env.con.execute("DELETE FROM realisation; DELETE FROM program_progress")
    expected = _facts(mp_env, mp_env.load(clean, "bersih.xlsx",
                                          received_on=RECEIVED).load_id)
    assert facts["realisation"] == expected["realisation"]
    assert ("SOC-01.1", 80.0, "tw") in facts["realisation"]
    assert facts["program_progress"] == expected["program_progress"]
    assert facts["program_progress"][0][1] == pytest.approx(90.9)


@pytest.mark.parametrize("fmt", ["xlsx", "xls"])
def test_a_percent_cell_for_an_indicator_counted_in_datasets_is_refused(mp_env,
                                                                        fmt: str) -> None:
    typed = report_bytes(mp_env.con, "KOMINFO", 2025, 1, DATASETS)
    xlsx, where = cells_to_percent(
        typed, {("Realisasi Kinerja", "Realisasi", "GOV-01.1"): 0.8})
    data = xlsx if fmt == "xlsx" else to_xls_percent(xlsx, where)
    result = mp_env.load(data, f"laporan.{fmt}", received_on=RECEIVED)
    assert result.status == "rejected"
    [issue] = result.issues
    assert issue.check == "format_persen" and issue.column == "Realisasi"
    assert "diformat sebagai persen (80%)" in issue.message and "'dataset'" in issue.message


def test_a_percent_cell_in_a_money_column_is_refused(mp_env) -> None:
    typed = report_bytes(mp_env.con, "KOMINFO", 2025, 1, {
        "anggaran": {"GOV-01": {"sumber_dana": "APBD", "pagu": 1_000_000,
                                "realisasi_rp": 500_000}}})
    xlsx, _ = cells_to_percent(typed, {("Realisasi Anggaran", "Realisasi (Rp)", "GOV-01"): 0.5})
    result = mp_env.load(xlsx, "laporan.xlsx", received_on=RECEIVED)
    assert result.status == "rejected"
    assert [(i.column, i.value) for i in result.issues] == [("Realisasi (Rp)", "50%")]
    assert "bukan persen" in result.issues[0].message


def test_masterplan_targets_of_a_percent_indicator(env) -> None:
    xlsx, _ = cells_to_percent(masterplan_bytes(), {("Target", "Target", "SOC-01.1"): 0.6})
    result = env.load(xlsx, "masterplan.xlsx", received_on=RECEIVED)
    assert result.status == "loaded", [i.text() for i in result.issues]
    targets = env.con.execute("SELECT indicator_code, tw, value FROM target "
                              "WHERE indicator_code = 'SOC-01.1' ORDER BY tw").fetchall()
    assert targets == [("SOC-01.1", 0, 60.0), ("SOC-01.1", 1, 30.0)]


@pytest.mark.parametrize(("code", "percent"), [
    ("0%", True), ("0.0%", True), ("#,##0.00%", True), ('0" %"', False), ("0\\%", False),
    ("[Red]0.0%", True), ("General", False), ("#,##0", False)])
def test_percent_format_codes(code: str, percent: bool) -> None:
    assert is_percent_format(code) is percent


@pytest.mark.parametrize(("unit", "percent"), [
    ("%", True), ("Persen", True), ("persentase (%)", True), ("dataset", False),
    ("hari", False), (None, False)])
def test_percent_units(unit: object, percent: bool) -> None:
    assert is_percent_unit(unit) is percent
