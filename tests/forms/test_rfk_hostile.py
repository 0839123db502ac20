"""An RFK that is not one an OPD would send: thousands of program texts, a formula typed as
a program name, a date that is no date. It is refused in words, with a bounded list, runs
nothing and changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from etl import e81, mapping
from etl.cli import main
from etl.load import load_paths
from etl.validate import Expect
from tests.app.dbs import build_masterplan
from tests.forms.rfk_fixture import Row, rfk_bytes
from tests.forms.test_e81_intake import query

MANY = 1000


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """A database with the small test masterplan."""
    return build_masterplan(tmp_path / "db" / "monev.duckdb")


def test_thousands_of_program_texts_are_refused_with_a_bounded_list(
        db: Path, tmp_path: Path) -> None:
    form = tmp_path / "rfk_besar.xlsx"
    form.write_bytes(rfk_bytes([Row(f"Program Nomor {n}", 1_000_000, 10, 1)
                                for n in range(MANY)]))
    result = load_paths(db, [form], actor="penguji", dry_run=True,
                        expect=Expect(opd="KOMINFO"))[0]
    assert result.status == "rejected"
    named = [i for i in result.issues if i.check == "belum_dipetakan"]
    assert len(named) == e81.MAX_NAMED + 1
    assert f"dan {MANY - e81.MAX_NAMED} program lain" in named[-1].message
    sheet = tmp_path / "peta.csv"
    assert main(["pemetaan", "usul", str(form), "--opd", "KOMINFO", "-o", str(sheet),
                 "--db", str(db)]) == 0
    assert len(sheet.read_text(encoding="utf-8").splitlines()) == mapping.MAX_TEXTS + 1


def test_a_formula_as_program_name_and_a_nonsense_date_change_nothing(
        db: Path, tmp_path: Path) -> None:
    formula = "@SUM(1+1)*cmd|' /C calc'!A0"
    before = query(db, "SELECT count(*) FROM load"), query(db, "SELECT count(*) FROM budget")
    form = tmp_path / "rfk.xlsx"
    form.write_bytes(rfk_bytes([Row(formula, 5_000_000, 100, 1)], kondisi="31 Bulan 2025"))
    result = load_paths(db, [form], actor="penguji", expect=Expect(opd="KOMINFO"))[0]
    # one pass: the date and the row without a program, together
    assert [i.check for i in result.issues] == ["tanggal", "tanpa_program"]
    assert "('31 Bulan 2025') tidak terbaca" in result.issues[0].message
    form.write_bytes(rfk_bytes([Row(formula, 5_000_000, 100, 1)]))
    result = load_paths(db, [form], actor="penguji", expect=Expect(opd="KOMINFO"))[0]
    assert [i.check for i in result.issues] == ["tanpa_program"]
    assert result.issues[0].value == formula        # kept as text, never evaluated
    assert (query(db, "SELECT count(*) FROM load"),
            query(db, "SELECT count(*) FROM budget")) == before
