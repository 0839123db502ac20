"""A backup comes back only as data: a real backup made by the code, edited the ways an
attacker who got hold of the zip would edit it, is refused with a message naming the file,
the database untouched and no file written outside the restore; SQL inside a backup never
runs, even from a backup whose manifest was signed again with the server's own key."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import duckdb
import pytest

from etl import backup as bk
from monev.store import accounts, db
from tests.helpers import MP_AT, RECEIVED, Env, masterplan_bytes, report_bytes

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def original(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder whose database holds the masterplan, a report and an operator account,
    and a backup of it made by the code (once per module; each test edits a copy)."""
    root = tmp_path_factory.mktemp("asli")
    env = Env(root / "data" / "monev.duckdb")
    try:
        assert env.load(masterplan_bytes(), "masterplan.xlsx", at=MP_AT,
                        received_on=MP_AT.date()).status == "loaded"
        data = report_bytes(env.con, "KOMINFO", 2025, 1,
                            {"realisasi": {"GOV-01.1": {"realisasi": 5}}})
        assert env.load(data, "tw1.xlsx", received_on=RECEIVED).status == "loaded"
        accounts.add_user(env.con, "kominfo.ops", "Operator Kominfo", "operator",
                          "sandi-yang-panjang-1", opd_code="KOMINFO", actor="admin")
    finally:
        env.close()
    bk.backup(env.path, root / "cadangan")
    return root


@pytest.fixture
def made(original: Path, tmp_path: Path) -> tuple[Path, Path]:
    """This test's copy: the database file and its backup folder."""
    for name in ("data", "cadangan"):
        shutil.copytree(original / name, tmp_path / name)
    return tmp_path / "data" / "monev.duckdb", tmp_path / "cadangan"


def state(path: Path) -> tuple:
    """What a refused restore must leave as it was: the database, the journal, the folder."""
    journal = db.archive_root(path) / "journal.jsonl"
    return (hashlib.sha256(path.read_bytes()).hexdigest(), journal.read_bytes(),
            sorted(p.name for p in path.parent.iterdir()))


def roles(path: Path) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute("SELECT username, role FROM app_user ORDER BY 1").fetchall()


def as_admin(folder: Path) -> None:
    """Edit the backup's accounts: every account becomes an admin."""
    file = folder / "database" / "app_user.parquet"
    edited = file.with_suffix(".baru")
    with duckdb.connect() as con:
        con.execute(f"COPY (SELECT * REPLACE ('admin' AS role) FROM read_parquet('{file}')) "
                    f"TO '{edited}' (FORMAT parquet)")
    os.replace(edited, file)


def resign(folder: Path, key: bytes) -> None:
    """Compute the manifest again over the edited files and sign it with ``key``."""
    (folder / bk.MANIFEST).unlink()
    (folder / bk.SIGNATURE).unlink()
    bk._sign(folder, key)


def copy_sql(target: Path) -> str:
    """SQL that would write a file outside the restore, were it ever run."""
    return f"\nCOPY (SELECT 'pwned' AS x) TO '{target}' (FORMAT csv);\n"


def test_a_restore_never_runs_the_sql_in_a_backup(made, tmp_path):
    """Even signed again with the server's own key (an insider), schema.sql and load.sql are
    never executed: the schema is ours, and only the tables' data is read."""
    path, folder = made
    target = tmp_path / "pwned.csv"
    with open(folder / "database" / "schema.sql", "a", encoding="utf-8") as fh:
        fh.write(copy_sql(target))
    (folder / "database" / "load.sql").write_text(copy_sql(target) + "SELECT 1/0;\n")
    resign(folder, bk.server_key(path))
    before = bk.table_rows(path)

    done = bk.restore(folder, path)

    assert not target.exists()
    assert bk.table_rows(path) == before
    assert done.counts["app_user"] == 1 and done.counts["load"] == 2


@pytest.mark.parametrize("edit, named", [
    ("schema_sql", "database/schema.sql"),
    ("load_sql", "database/load.sql"),
    ("role_admin", "database/app_user.parquet"),
    ("archive_file", "archive/files/"),
    ("journal", "archive/journal.jsonl"),
    ("extra_file", "database/evil.parquet tidak tercantum"),
    ("missing_file", "database/load.parquet tercantum di manifest.json tetapi tidak ada"),
    ("no_manifest", "tidak ada manifest.json"),
    ("manifest_recomputed", "tanda tangan manifest.json tidak cocok"),
    ("symlink", "bukan file biasa"),
])
def test_an_edited_backup_is_refused_and_changes_nothing(made, tmp_path, edit, named):
    path, folder = made
    target = tmp_path / "pwned.csv"
    if edit == "schema_sql":
        with open(folder / "database" / "schema.sql", "a", encoding="utf-8") as fh:
            fh.write(copy_sql(target))
    elif edit == "load_sql":
        (folder / "database" / "load.sql").write_text("SELEC garbage(;\n" + copy_sql(target))
    elif edit == "role_admin":
        as_admin(folder)
    elif edit == "archive_file":
        archived = next((folder / "archive" / "files").rglob("*.xlsx"))
        archived.write_bytes(archived.read_bytes() + b"\x00")
    elif edit == "journal":
        journal = folder / "archive" / "journal.jsonl"
        journal.write_text(journal.read_text().replace('"penguji"', '"admin.palsu"'))
    elif edit == "extra_file":
        (folder / "database" / "evil.parquet").write_bytes(b"PAR1")
    elif edit == "missing_file":
        (folder / "database" / "load.parquet").unlink()
    elif edit == "no_manifest":
        (folder / bk.MANIFEST).unlink()
    elif edit == "manifest_recomputed":  # by someone without the server's key
        as_admin(folder)
        resign(folder, os.urandom(32))
        manifest = json.loads((folder / bk.MANIFEST).read_text())
        manifest["kunci"] = bk.key_id(bk.server_key(path))
        (folder / bk.MANIFEST).write_text(json.dumps(manifest))
    elif edit == "symlink":
        (folder / "database" / "passwd.parquet").symlink_to("/etc/passwd")
    before = state(path)

    with pytest.raises(bk.BackupRefused, match=named) as refused:
        bk.restore(folder, path)

    assert "Tidak ada yang diubah" in str(refused.value)
    assert state(path) == before
    assert not target.exists()
    assert roles(path) == [("kominfo.ops", "operator")]


def test_the_command_refuses_in_indonesian_without_a_traceback(made, tmp_path):
    path, folder = made
    as_admin(folder)
    before = state(path)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MONEV_DB": str(path)}
    for command in (["restore", str(folder)], ["rebuild", "--backup", str(folder)]):
        done = subprocess.run([sys.executable, "-m", "etl", *command], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 1, done.stderr
        assert "database/app_user.parquet tidak cocok dengan checksum" in done.stderr
        assert "Traceback" not in done.stderr
        assert state(path) == before


def test_a_backup_from_another_server_needs_the_flag(made, tmp_path):
    """Signed with another key: refused unless the operator says where it comes from; with
    the flag its checksums are still checked, and its SQL still never runs."""
    path, folder = made
    other = tmp_path / "server-lain" / "monev.duckdb"
    with pytest.raises(bk.BackupRefused, match="--dari-server-lain"):
        bk.restore(folder, other)
    assert not other.exists()

    done = bk.restore(folder, other, foreign=True)
    assert done.counts["load"] == 2 and roles(other) == roles(path)

    with open(folder / "database" / "schema.sql", "a", encoding="utf-8") as fh:
        fh.write(copy_sql(tmp_path / "pwned.csv"))
    with pytest.raises(bk.BackupRefused, match="database/schema.sql"):
        bk.restore(folder, other, foreign=True)
    resign(folder, os.urandom(32))  # the other server signs what it sends
    bk.restore(folder, other, foreign=True)
    assert not (tmp_path / "pwned.csv").exists()


@pytest.mark.parametrize("edit, named", [
    ("unknown_column", "kolom yang tidak dikenal di tabel 'app_user': is_root"),
    ("unknown_table", "tabel 'pengguna_rahasia' yang tidak dikenal"),
    ("wrong_type", "tidak cocok dengan tabel 'app_user'"),
    ("not_parquet", "bukan file Parquet"),
])
def test_only_our_tables_and_columns_are_read(made, edit, named):
    """Signed with the server's key (a backup the server made itself, or an insider), the data
    must still fit our schema: nothing unknown is loaded, no value is cast silently."""
    path, folder = made
    file = folder / "database" / "app_user.parquet"
    edited = file.with_suffix(".baru")
    query = {"unknown_column": "SELECT *, true AS is_root",
             "unknown_table": "SELECT *",
             "wrong_type": "SELECT * REPLACE ('bukan-angka' AS failed_attempts)"}.get(edit)
    if query:
        with duckdb.connect() as con:
            con.execute(f"COPY ({query} FROM read_parquet('{file}')) TO '{edited}' "
                        "(FORMAT parquet)")
    if edit == "unknown_table":
        os.replace(edited, folder / "database" / "pengguna_rahasia.parquet")
    elif edit == "not_parquet":
        file.write_bytes(b"bukan parquet")
    else:
        os.replace(edited, file)
    resign(folder, bk.server_key(path))
    before = state(path)

    with pytest.raises(bk.BackupRefused, match=named):
        bk.restore(folder, path)

    assert state(path) == before
    assert not list(path.parent.glob(".monev.duckdb.*"))


def add_member(zip_bytes: bytes, info: zipfile.ZipInfo, data: bytes,
               compress: int = zipfile.ZIP_STORED) -> bytes:
    buf = io.BytesIO(zip_bytes)
    with zipfile.ZipFile(buf, "a") as zf:
        info.compress_type = compress
        zf.writestr(info, data)
    return buf.getvalue()


@pytest.mark.parametrize("case, named", [
    ("traversal", "'cadangan/../../evil' menunjuk ke luar folder cadangan"),
    ("absolute", "menunjuk ke luar folder cadangan"),
    ("symlink", "tautan simbolik"),
    ("bomb", "bom zip"),
    ("second_folder", "bukan satu folder cadangan"),
    ("edited_inside", "database/app_user.parquet"),
])
def test_an_unsafe_zip_is_refused_before_anything_is_written(made, tmp_path, monkeypatch,
                                                              case, named):
    path, folder = made
    unpack_to = tmp_path / "sementara"
    unpack_to.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(unpack_to))
    if case == "edited_inside":
        as_admin(folder)
    zipped = bk.zipped(folder)
    name = folder.name
    with zipfile.ZipFile(io.BytesIO(zipped)) as zf:
        assert zf.namelist() and all(n.startswith(f"{name}/") for n in zf.namelist())
    outside = tmp_path / "evil"
    if case == "traversal":   # from the temporary folder, ../../evil is tmp_path/evil
        zipped = add_member(zipped, zipfile.ZipInfo(f"{name}/../../evil"), b"pwned")
    elif case == "absolute":
        zipped = add_member(zipped, zipfile.ZipInfo(str(outside)), b"pwned")
    elif case == "symlink":
        link = zipfile.ZipInfo(f"{name}/database/passwd.parquet")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        zipped = add_member(zipped, link, b"/etc/passwd")
    elif case == "bomb":
        zipped = add_member(zipped, zipfile.ZipInfo(f"{name}/database/bom.parquet"),
                            bytes(bk.ZIP_RATIO_FLOOR + 1), zipfile.ZIP_DEFLATED)
    elif case == "second_folder":
        zipped = add_member(zipped, zipfile.ZipInfo("lain/evil"), b"pwned")
    upload = tmp_path / "unduhan.zip"
    upload.write_bytes(zipped)
    before = state(path)

    with pytest.raises(bk.BackupRefused, match=named):
        bk.restore(upload, path)

    assert state(path) == before
    assert not outside.exists()
    assert [p.name for p in tmp_path.rglob("evil")] == []
    assert list(unpack_to.iterdir()) == []   # nothing unpacked in the system's folder
    assert [p.name for p in path.parent.iterdir() if p.name.startswith(".monev")] == []


def test_a_zip_made_by_the_page_restores(made, tmp_path):
    path, folder = made
    upload = tmp_path / f"{folder.name}.zip"
    upload.write_bytes(bk.zipped(folder))
    before = bk.table_rows(path)
    bk.restore(upload, path)
    assert bk.table_rows(path) == before
