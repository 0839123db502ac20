"""E.81 out: the filled form from the database, and loading it back changes no fact."""

from __future__ import annotations

from pathlib import Path

import duckdb
import openpyxl
import pytest

from etl.cli import main
from tests.app.dbs import build_masterplan
from tests.forms.test_e81_intake import facts
from tests.helpers import report_bytes

KENDALA = "server portal data sering penuh"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """The test masterplan with KOMINFO's TW I and TW II 2025 reports (template)."""
    path = build_masterplan(tmp_path / "db" / "monev.duckdb")
    con = duckdb.connect(str(path))
    files = [report_bytes(con, "KOMINFO", 2025, 1, fill={
        "realisasi": {"GOV-01.1": {"realisasi": 18}, "GOV-01.2": {"realisasi": 5}},
        "anggaran": {"GOV-01": {"sumber_dana": "APBD", "pagu": 850_000_000,
                                "realisasi_rp": 123_456_789}}}),
        report_bytes(con, "KOMINFO", 2025, 2, fill={
            "realisasi": {"GOV-01.1": {"realisasi": 37, "keterangan": "termasuk data desa"},
                          "GOV-01.2": {"realisasi": 4.5}},
            "anggaran": {"GOV-01": {"sumber_dana": "DAK Fisik", "pagu": 850_000_000,
                                    "realisasi_rp": 212_500_000}},
            "fisik": {"GOV-01": {"fisik": 40, "kendala": KENDALA,
                                 "tindak_lanjut": "tambah kapasitas"}}})]
    con.close()
    for n, data in enumerate(files):
        (tmp_path / f"tw{n + 1}.xlsx").write_bytes(data)
        assert main(["load", str(tmp_path / f"tw{n + 1}.xlsx"), "--db", str(path)]) == 0
    return path


def test_the_exported_e81_is_the_standard_form_and_loads_back_unchanged(
        db: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "E81_KOMINFO.xlsx"
    assert main(["e81", "--opd", "KOMINFO", "--tahun", "2025", "--tw", "2", "-o", str(out),
                 "--db", str(db)]) == 0
    ws = openpyxl.load_workbook(out).active
    rows = [[c.value for c in row] for row in ws.iter_rows(max_col=28)]
    assert rows[3][0] == "Kabupaten Tuban" and rows[4][0] == "Tahun 2025"
    assert rows[9][14] == "Realisasi Kinerja Pada Triwulan" and rows[10][16] == "II"
    assert rows[11][14:16] == ["K", "Rp. (000)"]
    program, earlier = [r for r in rows if r[5] == "Satu Data Tuban"]
    assert program[13] == 850_000 and program[14:18] == [18, None, 37, 212_500]
    assert "Sumber dana: DAK Fisik" in program[27]
    assert "Fisik: 40%" in program[27] and f"Kendala: {KENDALA}" in program[27]
    # TW I was spent from another source: the program again, on a row of its own
    assert earlier[13] is None and earlier[15] == 123456.789
    assert earlier[27] == "Sumber dana: APBD"
    assert any(r[0] == "Predikat kinerja" for r in rows)
    assert any(str(r[0]).startswith("Faktor penghambat") and KENDALA in r[0] for r in rows)
    before = facts(db)
    capsys.readouterr()
    assert main(["load", str(out), "--db", str(db), "--opd", "KOMINFO"]) == 0
    said = capsys.readouterr().out
    assert "Berhasil memuat" in said
    assert "berubah 0" in said and "baru 0" in said and "dihapus 0" in said
    assert facts(db) == before
