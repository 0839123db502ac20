"""Whole-database backup and restore (DuckDB EXPORT/IMPORT DATABASE plus the file archive)."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from monev.store import db


def quoted(path: Path) -> str:
    """A path as a quoted SQL string literal (EXPORT, IMPORT and ATTACH take no parameters)."""
    return "'" + str(path).replace("'", "''") + "'"


def backup(db_path: Path | str, out_dir: Path | str | None = None) -> Path:
    """Export every table to Parquet and copy the archive; returns the backup folder."""
    db_path = Path(db_path)
    if out_dir is None:
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        out_dir = backups_folder(db_path) / f"monev-{stamp}"
    out = Path(out_dir)
    if out.exists() and any(out.iterdir()):
        raise FileExistsError(f"Folder cadangan {out} sudah berisi file.")
    out.mkdir(parents=True, exist_ok=True)
    with db.opened(db_path, read_only=True, retries=50) as con:
        con.execute(f"EXPORT DATABASE {quoted(out / 'database')} (FORMAT parquet)")
    archive = db.archive_root(db_path)
    if archive.exists():
        shutil.copytree(archive, out / "archive")
    return out


@dataclass
class Restored:
    """What a restore did."""

    counts: dict[str, int]          # rows per table of the restored database
    kept_as: Path | None            # where the replaced database file now is
    journal_kept_as: Path | None    # where the replaced archive journal now is


def check_backup(backup_dir: Path | str) -> Path:
    """The backup folder, or FileNotFoundError (in Bahasa Indonesia) if it is not one."""
    src = Path(backup_dir)
    if not (src / "database" / "schema.sql").exists():
        raise FileNotFoundError(f"{src} bukan folder cadangan Monev (tidak ada database/).")
    return src


def import_backup(backup_dir: Path | str, path: Path) -> dict[str, int]:
    """Import a backup's tables into a new database file at ``path`` (with the views and
    macros of the current schema); returns row counts per table."""
    src = check_backup(backup_dir)
    path.unlink(missing_ok=True)
    with db.opened(path) as con:
        con.execute(f"IMPORT DATABASE {quoted(src / 'database')}")
        con.execute("DROP TABLE IF EXISTS schema_info")  # the backup's digest says nothing
        db.init_schema(con)  # of its views and macros: apply those of the current schema
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for (t,) in
                con.execute("SELECT table_name FROM information_schema.tables "
                            "WHERE table_type = 'BASE TABLE'").fetchall()}


def backups_folder(db_path: Path) -> Path:
    """Where backups and set-aside files of the database at db_path go (beside it)."""
    return Path(db_path).resolve().parent / "backups"


def set_aside(path: Path, folder: Path, why: str, now: datetime | None = None) -> Path:
    """Move a file (with its DuckDB WAL) into ``folder``, named by why and when, instead of
    deleting or overwriting it; returns its new path."""
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    folder.mkdir(parents=True, exist_ok=True)
    target, n = folder / f"{path.stem}-{why}-{stamp}{path.suffix}", 1
    while target.exists():
        n += 1
        target = folder / f"{path.stem}-{why}-{stamp}-{n}{path.suffix}"
    os.replace(path, target)
    wal = Path(f"{path}.wal")
    if wal.exists():
        os.replace(wal, f"{target}.wal")
    return target


def swap_in(new: Path, db_path: Path, why: str, now: datetime | None = None) -> Path | None:
    """Make the database file ``new`` the one at db_path; the file it replaces is set aside
    (returned), never deleted. A WAL left without its database would be replayed into the
    new file, so it goes."""
    db_path.parent.mkdir(parents=True, exist_ok=True)
    kept = set_aside(db_path, backups_folder(db_path), why, now) if db_path.exists() else None
    Path(f"{db_path}.wal").unlink(missing_ok=True)
    os.replace(new, db_path)
    Path(f"{new}.wal").unlink(missing_ok=True)
    return kept


def restore(backup_dir: Path | str, db_path: Path | str,
            now: datetime | None = None) -> Restored:
    """Replace the database by a backup. Nothing is deleted: the replaced database file and
    archive journal are set aside, and archived files newer than the backup stay archived."""
    src, db_path = check_backup(backup_dir), Path(db_path)
    tmp = db_path.with_suffix(".restore.duckdb")
    counts = import_backup(src, tmp)
    kept = swap_in(tmp, db_path, "sebelum-pulih", now)
    journal_kept = None
    if (src / "archive").exists():
        archive = db.archive_root(db_path)
        journal = archive / "journal.jsonl"
        backup_journal = src / "archive" / "journal.jsonl"
        if journal.exists() and (not backup_journal.exists()
                                 or journal.read_bytes() != backup_journal.read_bytes()):
            journal_kept = set_aside(journal, backups_folder(db_path), "sebelum-pulih", now)
        shutil.copytree(src / "archive", archive, dirs_exist_ok=True,
                        copy_function=_copy_if_missing)
    return Restored(counts, kept, journal_kept)


def _copy_if_missing(src: str, dst: str) -> None:
    """Archived files are named by their hash: one already there holds the same bytes."""
    if not os.path.exists(dst):
        shutil.copy2(src, dst)


def table_rows(path: Path) -> dict[str, list[str]]:
    """Every row of every table of a database file, sorted, to compare two files."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        names = [t for (t,) in con.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_type = 'BASE TABLE' ORDER BY 1").fetchall()]
        return {t: sorted(map(repr, con.execute(f"SELECT * FROM {t}").fetchall()))
                for t in names}
    finally:
        con.close()
