"""Generated templates: instructions, locked keys, dropdowns, hidden metadata, round trip."""

from __future__ import annotations

import io

import openpyxl

from etl.template import TEMPLATE_VERSION, laporan_template, masterplan_template
from etl.workbook import read_workbook
from tests.helpers import RECEIVED, report_bytes


def _template(env, opd="DPMD", year=2025, tw=2) -> openpyxl.Workbook:
    buf = io.BytesIO()
    laporan_template(env.con, buf, "35.23", opd, year, tw)
    return openpyxl.load_workbook(io.BytesIO(buf.getvalue()))


def _validations(ws) -> dict[str, str]:
    return {str(dv.sqref): dv.formula1 for dv in ws.data_validations.dataValidation}


def test_report_template_is_prefilled_for_the_opd(mp_env):
    wb = _template(mp_env)
    assert wb.sheetnames[:2] == ["Petunjuk", "Info"]
    assert "PETUNJUK" in wb["Petunjuk"]["A1"].value
    assert any("belum melapor" in (c.value or "") for c in wb["Petunjuk"]["A"])
    ws = wb["Realisasi Kinerja"]
    header = [c.value for c in ws[3]]
    assert header[:5] == ["Kode Indikator", "Kode Program", "Indikator", "Satuan", "Akumulasi"]
    row = [c.value for c in ws[4]]
    assert row[:7] == ["SOC-01.1", "SOC-01", "Desa dengan website aktif", "%", "Posisi Akhir",
                       60, None]
    assert ws.max_row == 4  # only DPMD's indicator; KOMINFO's are not in its template
    wb1 = _template(mp_env, tw=1)
    assert wb1["Realisasi Kinerja"].cell(4, 7).value == 30  # the TW I target of the plan


def test_key_columns_are_locked_and_entries_open(mp_env):
    ws = _template(mp_env)["Realisasi Kinerja"]
    assert ws.protection.sheet
    assert ws.cell(4, 1).protection.locked          # Kode Indikator
    assert not ws.cell(4, 9).protection.locked      # Realisasi


def test_dropdowns_for_stages_and_sources(mp_env):
    wb = _template(mp_env)
    stages = " ".join(_validations(wb["Progres Desa"]).values())
    assert "Masuk RKP Desa" in stages and "Masuk APBD/DPA" in stages
    sources = " ".join(_validations(wb["Realisasi Anggaran"]).values())
    assert "Dana Desa" in sources and "APBD" in sources
    desa = wb["Progres Desa"]
    assert [desa.cell(r, 2).value for r in (4, 5)] == ["35.23.01.2001", "35.23.16.1003"]
    assert [desa.cell(r, 3).value for r in (4, 5)] == ["Jlodro", "Mondokan"]


def test_hidden_metadata(mp_env):
    wb = _template(mp_env, opd="KOMINFO", year=2025, tw=3)
    meta = wb["_meta"]
    assert meta.sheet_state == "hidden"
    values = {meta.cell(r, 1).value: meta.cell(r, 2).value for r in range(1, meta.max_row + 1)}
    assert values["template_version"] == TEMPLATE_VERSION
    assert (values["jenis"], values["kode_wilayah"], values["kode_opd"], values["tahun"],
            values["triwulan"]) == ("laporan", "35.23", "KOMINFO", "2025", "3")


def test_filled_template_round_trips(mp_env):
    data = report_bytes(mp_env.con, "DPMD", 2025, 1, {
        "realisasi": {"SOC-01.1": {"realisasi": 35}},
        "desa": {"SOC-01|35.23.01.2001": {"tahap": "Rencana", "tanggal_tahap": RECEIVED}}})
    result = mp_env.load(data, "dpmd.xlsx", received_on=RECEIVED)
    assert result.status == "loaded", [i.text() for i in result.issues]
    assert result.counts == {"realisation": 1, "budget": 0, "program_progress": 0,
                             "village_stage": 1}


def test_blank_masterplan_template_is_read_as_masterplan():
    buf = io.BytesIO()
    masterplan_template(buf, "35.23")
    book = read_workbook(buf.getvalue(), "masterplan.xlsx")
    assert book.kind == "masterplan"
    assert book.info["kode_wilayah"] == "35.23"
    assert {i.column for i in book.issues} >= {"Judul Masterplan", "Tahun Awal"}
