"""Whole-database backup and restore (DuckDB EXPORT/IMPORT DATABASE plus the file archive)."""

from __future__ import annotations

import os
import shutil
from datetime import datetime
from pathlib import Path

import duckdb

from monev.store import db


def _quoted(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def backup(db_path: Path | str, out_dir: Path | str | None = None) -> Path:
    """Export every table to Parquet and copy the archive; returns the backup folder."""
    db_path = Path(db_path)
    if out_dir is None:
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        out_dir = db_path.resolve().parent / "backups" / f"monev-{stamp}"
    out = Path(out_dir)
    if out.exists() and any(out.iterdir()):
        raise FileExistsError(f"Folder cadangan {out} sudah berisi file.")
    out.mkdir(parents=True, exist_ok=True)
    with db.opened(db_path, read_only=True, retries=50) as con:
        con.execute(f"EXPORT DATABASE {_quoted(out / 'database')} (FORMAT parquet)")
    archive = db.archive_root(db_path)
    if archive.exists():
        shutil.copytree(archive, out / "archive")
    return out


def restore(backup_dir: Path | str, db_path: Path | str) -> dict[str, int]:
    """Replace the database (and archive) by a backup; returns row counts per table."""
    src, db_path = Path(backup_dir), Path(db_path)
    if not (src / "database" / "schema.sql").exists():
        raise FileNotFoundError(f"{src} bukan folder cadangan Monev (tidak ada database/).")
    tmp = db_path.with_suffix(".restore.duckdb")
    tmp.unlink(missing_ok=True)
    with db.opened(tmp) as con:
        con.execute(f"IMPORT DATABASE {_quoted(src / 'database')}")
        con.execute("DROP TABLE IF EXISTS schema_info")  # the backup's digest says nothing
        db.init_schema(con)  # of its views and macros: apply those of the current schema
        counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for (t,) in
                  con.execute("SELECT table_name FROM information_schema.tables "
                              "WHERE table_type = 'BASE TABLE'").fetchall()}
    db_path.parent.mkdir(parents=True, exist_ok=True)
    os.replace(tmp, db_path)
    Path(str(db_path) + ".wal").unlink(missing_ok=True)
    if (src / "archive").exists():
        archive = db.archive_root(db_path)
        shutil.rmtree(archive, ignore_errors=True)
        shutil.copytree(src / "archive", archive)
    return counts


def tables_equal(a: Path, b: Path) -> bool:
    """Whether two database files hold the same rows in every table (for tests and checks)."""
    def content(path: Path) -> dict:
        con = duckdb.connect(str(path), read_only=True)
        try:
            names = [t for (t,) in con.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_type = 'BASE TABLE' ORDER BY 1").fetchall()]
            return {t: sorted(map(repr, con.execute(f"SELECT * FROM {t}").fetchall()))
                    for t in names}
        finally:
            con.close()
    return content(a) == content(b)
