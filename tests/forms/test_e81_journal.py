"""An E.81 load whose journal line a crash cut off is given back from the database: its
choices (region, OPD, year, TW and the mapping rows it used) come back from its load row and
load event, so the rebuild replays it identically, even after the mapping was corrected."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from etl.archive import Archive, from_database
from etl.rebuild import rebuild
from monev.store import db as store_db
from tests.app.dbs import build_masterplan
from tests.forms.test_e81_intake import cli, facts, kominfo_form, query


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """A database with the small test masterplan (KOMINFO: Satu Data Tuban)."""
    return build_masterplan(tmp_path / "db" / "monev.duckdb")


def _cut_last_line(archive: Archive) -> dict:
    """Drop the journal's last line (as a crash between commit and journal would)."""
    lines = archive.journal_path.read_text(encoding="utf-8").splitlines(keepends=True)
    archive.journal_path.write_text("".join(lines[:-1]), encoding="utf-8")
    return json.loads(lines[-1])


def test_a_cut_e81_line_is_given_back_with_its_choices(db: Path, tmp_path: Path) -> None:
    form = tmp_path / "e81_kominfo.xlsx"
    form.write_bytes(kominfo_form())
    sheet = tmp_path / "peta.csv"
    assert cli("pemetaan", "usul", form, "--opd", "KOMINFO", "-o", sheet, "--db", db) == 0
    assert cli("pemetaan", "simpan", sheet, "--db", db) == 0
    assert cli("load", form, "--opd", "KOMINFO", "--tw", 2, "--db", db) == 0
    archive = Archive(store_db.archive_root(db))
    lost = _cut_last_line(archive)
    assert lost["e81"]["opd"] == "KOMINFO" and lost["e81"]["tw"] == 2
    assert lost["e81"]["pemetaan"]                        # it used the saved mapping
    # the mapping is corrected afterwards: the replay must still use the rows it used then
    fix = tmp_path / "koreksi.csv"
    fix.write_text("jenis,teks,kode\nindikator,Jumlah dataset yang terbit di portal,-\n",
                   encoding="utf-8")
    assert cli("pemetaan", "simpan", fix, "--wilayah", "35.23", "--db", db) == 0
    before = facts(db)
    with duckdb.connect(str(db), read_only=True) as con:
        derived = from_database(con)
    assert derived[-1] == lost                            # the line, exactly as written

    done = rebuild(db, actor="admin.uji")

    assert [e["load_id"] for e in done.recovered] == [lost["load_id"]]
    assert facts(db) == before
    assert ("GOV-01.1", 2025, 2, 55.0) in [r[:4] for r in facts(db)["realisation"]]
    assert list(archive.entries())[-1] == lost            # the journal is repaired
    with duckdb.connect(str(db), read_only=True) as con:
        assert list(archive.entries()) == from_database(con)
    assert query(db, "SELECT count(*) FROM text_mapping") == [(3,)]


def test_a_template_line_gets_no_form_choices(db: Path) -> None:
    with duckdb.connect(str(db), read_only=True) as con:
        lines = from_database(con)
    assert lines and all("e81" not in e and "rfk" not in e for e in lines)
    assert lines == list(Archive(store_db.archive_root(db)).entries())
