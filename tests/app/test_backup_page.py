"""Cadangan (admin): a backup made on the page holds the whole database and archive, is
audited, can be taken away as a zip, and that zip restores the same database."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from etl import backup as bk
from monev.ui.format import ukuran

ROOT = Path(__file__).resolve().parents[2]
PAGE = "pages/cadangan.py"


def open_page() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    at.switch_page(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def make_backup(at: AppTest) -> AppTest:
    next(b for b in at.button if b.label == "Buat cadangan sekarang").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def audit(path: Path) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute("SELECT actor, action, target FROM audit_event "
                           "WHERE action LIKE 'backup%' ORDER BY audit_id").fetchall()


def test_a_backup_made_on_the_page_restores_the_same_database(mp_db: Path, tmp_path: Path):
    at = open_page()
    assert any("Belum ada cadangan" in c.value for c in at.caption)

    make_backup(at)

    [made] = bk.stored(mp_db)
    assert made.is_backup and made.path.parent == mp_db.parent / "backups"
    assert at.success[0].value == f"Cadangan {made.path.name} dibuat ({ukuran(made.size)})."
    assert list(at.dataframe[0].value["Cadangan"]) == [made.path.name]
    assert audit(mp_db) == [("admin.uji", "backup", made.path.name)]
    # the backup holds its own record, and the zip the page offers restores it exactly
    zipped = bk.zipped(made.path)
    with zipfile.ZipFile(io.BytesIO(zipped)) as zf:
        assert f"{made.path.name}/database/schema.sql" in zf.namelist()
        assert f"{made.path.name}/archive/journal.jsonl" in zf.namelist()
    (tmp_path / "unduhan.zip").write_bytes(zipped)
    again = tmp_path / "pulih" / "monev.duckdb"
    again.parent.mkdir()  # the same server: its backup key is beside the database
    bk.key_path(again).write_bytes(bk.key_path(mp_db).read_bytes())
    done = bk.restore(tmp_path / "unduhan.zip", again)
    assert done.kept_as is None
    assert bk.table_rows(again) == bk.table_rows(mp_db)
    label = f"Unduh {made.path.name}.zip ({ukuran(made.size)})"
    assert [b.label for b in at.get("download_button")] == [label]


def test_files_set_aside_by_a_restore_are_listed(mp_db: Path, tmp_path: Path):
    folder = bk.backup(mp_db, tmp_path / "cadangan")
    bk.restore(folder, mp_db, now=datetime(2026, 12, 4, 9, 30))
    at = open_page()
    aside = at.dataframe[-1].value
    assert list(aside["File"]) == ["monev-sebelum-pulih-20261204-093000.duckdb"]
    assert any("Hapus di server" in c.value for c in at.caption)


@pytest.mark.parametrize("role", [pytest.param(r, marks=pytest.mark.signed_in_as(r))
                                  for r in ("operator", "pimpinan")])
def test_other_roles_cannot_open_it(mp_db: Path, role: str):
    """Not in their navigation, and refused when the page script runs anyway (a typed URL)."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(PAGE)
    at = AppTest.from_file(str(ROOT / PAGE), default_timeout=60).run()
    assert [e.value for e in at.error] == ["Halaman ini tidak tersedia untuk peran Anda."]
    assert not at.button
