"""Every kind of bad file is refused whole, with a message naming sheet, row and column,
and the data stays exactly as it was (only the record of the rejected attempt is added)."""

from __future__ import annotations

import io
import zipfile
from datetime import date

import pytest

from etl.validate import Expect
from tests.formats import grids_of
from tests.helpers import (
    MASTERPLAN_INFO,
    MASTERPLAN_ROWS,
    RECEIVED,
    masterplan_bytes,
    report_bytes,
    workbook_bytes,
)

AUDIT = ("load_event", "load_issue")


def _unchanged(before: dict, after: dict) -> bool:
    return {k: v for k, v in before.items() if k not in AUDIT} == {
        k: v for k, v in after.items() if k not in AUDIT}


def assert_rejected(env, data: bytes, check: str, *fragments: str, name: str = "laporan.xlsx",
                    **kw):
    """Load must be rejected with an issue of ``check`` whose text holds every fragment."""
    before = env.snapshot()
    kw.setdefault("received_on", RECEIVED)
    result = env.load(data, name, **kw)
    texts = [i.text() for i in result.issues]
    assert result.status == "rejected", texts
    matching = [i for i in result.issues if i.check == check]
    assert matching, texts
    assert any(all(f in i.text() for f in fragments) for i in matching), texts
    after = env.snapshot()
    assert _unchanged(before, after)
    events = env.con.execute("SELECT count(*) FROM load_event WHERE action = 'reject'"
                             ).fetchone()[0]
    assert events >= 1
    return result


def test_wrong_opd_for_the_upload(mp_env):
    data = report_bytes(mp_env.con, "KOMINFO", 2025, 1,
                        {"realisasi": {"GOV-01.1": {"realisasi": 5}}})
    assert_rejected(mp_env, data, "salah_opd_periode", "sheet 'Info'", "Kode OPD KOMINFO",
                    "Kode OPD DPMD", expect=Expect(opd="DPMD"))


def test_wrong_period_for_the_upload(mp_env):
    data = report_bytes(mp_env.con, "KOMINFO", 2025, 1,
                        {"realisasi": {"GOV-01.1": {"realisasi": 5}}})
    assert_rejected(mp_env, data, "salah_opd_periode", "Triwulan TW I", "TW II",
                    expect=Expect(tw=2))


def test_file_copied_from_another_opd_is_refused(mp_env):
    data = report_bytes(mp_env.con, "KOMINFO", 2025, 1,
                        {"realisasi": {"GOV-01.1": {"realisasi": 5}}},
                        info_changes={"kode_opd": "DPMD"})
    assert_rejected(mp_env, data, "metadata", "sheet 'Info'", "baris 2", "kolom 'Kode OPD'",
                    "KOMINFO")


def test_row_of_another_period_is_refused(mp_env):
    data = report_bytes(mp_env.con, "KOMINFO", 2025, 1,
                        {"realisasi": {"GOV-01.1": {"realisasi": 5, "triwulan": 2}}})
    assert_rejected(mp_env, data, "salah_opd_periode", "sheet 'Realisasi Kinerja'", "baris 4",
                    "TW II")


def test_unknown_program_indicator_and_village(mp_env):
    data = report_bytes(
        mp_env.con, "DPMD", 2025, 1,
        extra={"realisasi": [{"kode_indikator": "SOC-01.9", "realisasi": 3}],
               "fisik": [{"kode_program": "XXX-99", "fisik": 10}],
               "desa": [{"kode_program": "SOC-01", "kode_desa": "35.23.01.2999",
                         "tahap": "Rencana", "tanggal_tahap": date(2025, 1, 5)},
                        {"kode_program": "SOC-01", "kode_desa": "35.23.01.2002",
                         "tahap": "Rencana", "tanggal_tahap": date(2025, 1, 5)}]})
    result = assert_rejected(mp_env, data, "kode_indikator", "sheet 'Realisasi Kinerja'",
                             "kolom 'Kode Indikator'", "SOC-01.9")
    checks = {i.check for i in result.issues}
    assert {"kode_program", "kode_desa", "desa_tidak_direncanakan"} <= checks
    assert any("XXX-99" in i.text() and "Fisik dan Kendala" in i.text() for i in result.issues)


def test_program_of_another_opd_is_refused(mp_env):
    data = report_bytes(mp_env.con, "KOMINFO", 2025, 1,
                        extra={"fisik": [{"kode_program": "SOC-01", "fisik": 10}]})
    assert_rejected(mp_env, data, "program_opd_lain", "SOC-01", "diampu OPD DPMD")


def test_negative_count_and_physical_progress_over_100(mp_env):
    data = report_bytes(mp_env.con, "KOMINFO", 2025, 1,
                        {"realisasi": {"GOV-01.1": {"realisasi": -5}},
                         "fisik": {"GOV-01": {"fisik": "120%"}}})
    result = assert_rejected(mp_env, data, "negatif", "kolom 'Realisasi'", "baris 4")
    assert any(i.check == "fisik_0_100" and "120" in i.text() for i in result.issues)


def test_budget_over_pagu_unless_marked(mp_env):
    fill = {"anggaran": {"GOV-01": {"sumber_dana": "APBD", "pagu": 1_000_000,
                                    "realisasi_rp": "Rp 1.200.000"}}}
    data = report_bytes(mp_env.con, "KOMINFO", 2025, 1, fill)
    assert_rejected(mp_env, data, "melebihi_pagu", "sheet 'Realisasi Anggaran'",
                    "Rp 1.200.000", "pagu Rp 1.000.000", "Melebihi Pagu Disetujui")
    fill["anggaran"]["GOV-01"]["lebih_pagu"] = True
    ok = mp_env.load(report_bytes(mp_env.con, "KOMINFO", 2025, 1, fill), "ok.xlsx",
                     received_on=RECEIVED)
    assert ok.status == "loaded"


def test_budget_over_pagu_counts_earlier_quarters(mp_env):
    tw1 = {"anggaran": {"GOV-01": {"sumber_dana": "APBD", "pagu": 1_000_000,
                                   "realisasi_rp": 700_000}}}
    assert mp_env.load(report_bytes(mp_env.con, "KOMINFO", 2025, 1, tw1), "tw1.xlsx",
                       received_on=RECEIVED).status == "loaded"
    tw2 = {"anggaran": {"GOV-01": {"sumber_dana": "APBD", "pagu": 1_000_000,
                                   "realisasi_rp": 400_000}}}
    assert_rejected(mp_env, report_bytes(mp_env.con, "KOMINFO", 2025, 2, tw2),
                    "melebihi_pagu", "s.d. TW II Rp 1.100.000",
                    received_on=date(2025, 7, 3))


def test_duplicate_rows(mp_env):
    data = report_bytes(mp_env.con, "KOMINFO", 2025, 1,
                        {"realisasi": {"GOV-01.1": {"realisasi": 5}}},
                        extra={"realisasi": [{"kode_indikator": "GOV-01.1", "realisasi": 6}]})
    assert_rejected(mp_env, data, "duplikat", "baris 6", "sudah ada di baris 4")


# The upload diff (monev.store.lineage.diff_counts) joins old and new rows on the keys of
# etl.load.KEYS as they are: every keyed sheet must refuse a repeated key.
@pytest.mark.parametrize("sheet", ["opd", "program", "indikator", "target", "desa"])
def test_a_repeated_key_in_any_masterplan_sheet_is_refused(env, sheet):
    rows = MASTERPLAN_ROWS[sheet]
    data = masterplan_bytes(**{sheet: [*rows, dict(rows[0])]})
    assert_rejected(env, data, "duplikat", "sudah ada di baris", name="masterplan.xlsx")


@pytest.mark.parametrize("opd, sheet, key, entry", [
    ("KOMINFO", "realisasi", "GOV-01.1", {"realisasi": 5}),
    ("KOMINFO", "anggaran", "GOV-01", {"sumber_dana": "APBD", "pagu": 1_000_000,
                                       "realisasi_rp": 100_000}),
    ("KOMINFO", "fisik", "GOV-01", {"fisik": 10, "kendala": "Lelang ulang"}),
    ("DPMD", "desa", "SOC-01|35.23.01.2001", {"tahap": "Rencana",
                                              "tanggal_tahap": date(2025, 1, 5)}),
])
def test_a_repeated_key_in_any_report_sheet_is_refused(mp_env, opd, sheet, key, entry):
    fields = {"realisasi": ["kode_indikator"], "desa": ["kode_program", "kode_desa"]}.get(
        sheet, ["kode_program"])
    again = {**dict(zip(fields, key.split("|"), strict=True)), **entry}
    data = report_bytes(mp_env.con, opd, 2025, 1, {sheet: {key: entry}}, extra={sheet: [again]})
    assert_rejected(mp_env, data, "duplikat", "sudah ada di baris")


def test_period_outside_masterplan_and_not_yet_started(mp_env):
    data = report_bytes(mp_env.con, "KOMINFO", 2025, 1,
                        {"realisasi": {"GOV-01.1": {"realisasi": 5}}},
                        info_changes={"tahun": 2040}, meta_changes={"tahun": 2040})
    assert_rejected(mp_env, data, "periode", "Tahun 2040 di luar periode masterplan 2023–2032")
    early = report_bytes(mp_env.con, "KOMINFO", 2025, 3,
                         {"realisasi": {"GOV-01.1": {"realisasi": 5}}})
    assert_rejected(mp_env, early, "periode", "TW III 2025 belum dimulai")


def test_stage_not_valid_for_a_kelurahan(mp_env):
    data = report_bytes(mp_env.con, "DPMD", 2025, 1, {"desa": {"SOC-01|35.23.16.1003": {
        "tahap": "Masuk RKP Desa", "tanggal_tahap": date(2025, 2, 1)}}})
    assert_rejected(mp_env, data, "tahap", "sheet 'Progres Desa'", "kolom 'Tahap Saat Ini'",
                    "kelurahan", "Usulan Musrenbang")


def test_stage_date_in_the_future(mp_env):
    data = report_bytes(mp_env.con, "DPMD", 2025, 1, {"desa": {"SOC-01|35.23.01.2001": {
        "tahap": "Masuk RKP Desa", "tanggal_tahap": date(2025, 9, 1)}}})
    assert_rejected(mp_env, data, "tanggal_depan", "01-09-2025")


def test_bad_number_text_names_its_cell(mp_env):
    data = report_bytes(mp_env.con, "KOMINFO", 2025, 1,
                        {"realisasi": {"GOV-01.1": {"realisasi": "dua belas"}}})
    assert_rejected(mp_env, data, "format", "sheet 'Realisasi Kinerja'", "baris 4",
                    "kolom 'Realisasi'", "dua belas", "harus berupa angka")


def test_every_problem_is_collected_in_one_pass(mp_env):
    data = report_bytes(mp_env.con, "KOMINFO", 2025, 1,
                        {"realisasi": {"GOV-01.1": {"realisasi": -1},
                                       "GOV-01.2": {"realisasi": "x"}},
                         "fisik": {"GOV-01": {"fisik": 101}},
                         "anggaran": {"GOV-01": {"sumber_dana": "Entah", "pagu": 5}}})
    result = assert_rejected(mp_env, data, "negatif")
    assert {"negatif", "format", "fisik_0_100"} <= {i.check for i in result.issues}
    assert len({i.sheet for i in result.issues}) == 3


def test_masterplan_problems(env):
    bad_info = {**MASTERPLAN_INFO, "kode_wilayah": "99.99"}
    data = workbook_bytes("masterplan", bad_info, {})
    assert_rejected(env, data, "kode_wilayah", "99.99", name="masterplan.xlsx")
    data = masterplan_bytes(
        program=[{"kode_program": "GOV-01", "nama_program": "Satu Data",
                  "dimensi": "Smart Kuliner", "horizon": "Quick Win", "opd_pengampu": "BPS",
                  "tahun_mulai": 2020, "tahun_selesai": 2024}],
        desa=[{"kode_program": "GOV-01", "kode_desa": "35.20.01.2001", "tahun_pendanaan": 2026,
               "sumber_dana": "Dana Desa"}])
    result = assert_rejected(env, data, "dimensi", "Smart Kuliner", name="masterplan.xlsx")
    checks = {i.check for i in result.issues}
    assert {"kode_opd", "periode", "kode_desa"} <= checks


def test_report_without_masterplan(tmp_path, mp_env):
    data = report_bytes(mp_env.con, "KOMINFO", 2025, 1,
                        {"realisasi": {"GOV-01.1": {"realisasi": 5}}})
    from tests.helpers import Env
    empty = Env(tmp_path / "kosong" / "monev.duckdb")  # its own folder, its own archive
    try:
        assert_rejected(empty, data, "masterplan_belum_ada", "Muat workbook masterplan")
    finally:
        empty.close()


# ---------------------------------------------------------------- files that are not safe


def test_not_a_spreadsheet_empty_and_corrupt(env):
    assert_rejected(env, b"%PDF-1.7 bukan excel", "bukan_spreadsheet", "bukan spreadsheet")
    assert_rejected(env, b"", "kosong", "File kosong")
    whole = masterplan_bytes()
    assert_rejected(env, whole[: len(whole) // 2], "rusak", "rusak")
    plain_zip = io.BytesIO()
    with zipfile.ZipFile(plain_zip, "w") as zf:
        zf.writestr("catatan.txt", "halo")
    assert_rejected(env, plain_zip.getvalue(), "bukan_spreadsheet", "bukan workbook")


def test_password_protected_file(env, tmp_path):
    from msoffcrypto.format.ooxml import OOXMLFile

    plain = tmp_path / "plain.xlsx"
    plain.write_bytes(masterplan_bytes())
    encrypted = io.BytesIO()
    with open(plain, "rb") as fh:
        OOXMLFile(fh).encrypt("rahasia", encrypted)
    assert_rejected(env, encrypted.getvalue(), "berpassword", "kata sandi")


def test_decompression_bomb_over_1_gb_is_refused_before_parsing(env):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            block = b"\0" * (1 << 20)
            for _ in range(1100):
                fh.write(block)
    data = buf.getvalue()
    assert len(data) < 5 * 2**20
    assert_rejected(env, data, "bom_zip", "bom dekompresi")


def test_billion_laughs_xml_is_refused(env):
    lol = (b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
           + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else
                                                      b"&lol;") * 10) for i in range(1, 10))
           + b']>\n<workbook>&lol9;</workbook>')
    src = zipfile.ZipFile(io.BytesIO(masterplan_bytes()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = lol if item.filename == "xl/workbook.xml" else src.read(item.filename)
            dst.writestr(item, data)
    assert_rejected(env, out.getvalue(), "xml_berbahaya", "DOCTYPE")


def test_huge_sheet_is_refused(env, monkeypatch):
    import etl.workbook as wbmod

    monkeypatch.setattr(wbmod, "MAX_ROWS", 50)
    grids = grids_of(masterplan_bytes(target=[
        {"kode_indikator": "GOV-01.1", "tahun": 2023 + i % 10, "periode": i // 10 % 5,
         "target": i} for i in range(80)]))
    assert len(grids["Target"]) > 50
    assert_rejected(env, masterplan_bytes(target=[
        {"kode_indikator": "GOV-01.1", "tahun": 2023 + i % 10, "periode": i // 10 % 5,
         "target": i} for i in range(80)]), "terlalu_banyak_baris", "melebihi batas 50")


@pytest.mark.parametrize("name", ["laporan.pdf", "laporan.xlsx", "laporan"])
def test_type_is_sniffed_from_content_not_name(mp_env, name):
    data = report_bytes(mp_env.con, "KOMINFO", 2025, 1,
                        {"realisasi": {"GOV-01.1": {"realisasi": 5}}})
    result = mp_env.load(data, name, received_on=RECEIVED)
    assert result.status == "loaded"
