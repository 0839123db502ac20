"""An E.81 that is not one an OPD would send: thousands of texts, or K/Rp columns without
end. It is refused in words, with a bounded list, and changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from etl import e81, mapping
from etl.cli import main
from etl.load import load_paths
from etl.validate import Expect
from tests.app.dbs import build_masterplan
from tests.forms.e81_fixture import Indicator, Program, e81_bytes

MANY = 1000


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """A database with the small test masterplan."""
    return build_masterplan(tmp_path / "db" / "monev.duckdb")


def test_thousands_of_unknown_texts_are_refused_with_a_bounded_list(
        db: Path, tmp_path: Path) -> None:
    form = tmp_path / "e81_besar.xlsx"
    form.write_bytes(e81_bytes([Program(("1",), f"Program Nomor {n}", [
        Indicator(f"Indikator acak {n}", "unit", 1, {1: 1})]) for n in range(MANY)]))
    result = load_paths(db, [form], actor="penguji", dry_run=True, expect=Expect(opd="KOMINFO"))[0]
    assert result.status == "rejected"
    named = [i for i in result.issues if i.check == "belum_dipetakan"]
    assert len(named) == e81.MAX_NAMED + 1
    assert f"dan {2 * MANY - e81.MAX_NAMED} teks lain" in named[-1].message
    sheet = tmp_path / "peta.csv"
    assert main(["pemetaan", "usul", str(form), "--opd", "KOMINFO", "-o", str(sheet),
                 "--db", str(db)]) == 0
    assert len(sheet.read_text(encoding="utf-8").splitlines()) == mapping.MAX_TEXTS + 1


def test_a_form_without_k_and_rp_columns_says_what_is_missing(db: Path, tmp_path: Path) -> None:
    from openpyxl import Workbook
    wb = Workbook()
    ws = wb.active
    ws.append(["Evaluasi Hasil terhadap RENJA PD"])
    ws.append(["No", "Kode", "Program/Kegiatan", "Indikator Kinerja", "Realisasi"])
    ws.append([1, "1", "Program Satu Data Tuban", "Dataset terbit", 5])
    wb.save(tmp_path / "e81.xlsx")
    result = load_paths(db, [tmp_path / "e81.xlsx"], actor="penguji", dry_run=True)[0]
    assert [i.check for i in result.issues] == ["e81_tata_letak"]
    assert "Baris K / Rp" in result.issues[0].message
