"""Whole-database backup and restore (DuckDB EXPORT/IMPORT DATABASE plus the file archive)."""

from __future__ import annotations

import io
import os
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from monev.store import db


def quoted(path: Path) -> str:
    """A path as a quoted SQL string literal (EXPORT, IMPORT and ATTACH take no parameters)."""
    return "'" + str(path).replace("'", "''") + "'"


def backup(db_path: Path | str, out_dir: Path | str | None = None, *,
           con: duckdb.DuckDBPyConnection | None = None) -> Path:
    """Export every table to Parquet and copy the archive; returns the backup folder. ``con``
    is an open connection to db_path to export with (the app's own); else one is opened."""
    db_path = Path(db_path)
    out = Path(out_dir) if out_dir is not None else new_backup_folder(db_path)
    if out.exists() and any(out.iterdir()):
        raise FileExistsError(f"Folder cadangan {out} sudah berisi file.")
    out.mkdir(parents=True, exist_ok=True)
    if con is None:
        with db.opened(db_path, read_only=True, retries=50) as own:
            own.execute(f"EXPORT DATABASE {quoted(out / 'database')} (FORMAT parquet)")
    else:
        con.execute(f"EXPORT DATABASE {quoted(out / 'database')} (FORMAT parquet)")
    archive = db.archive_root(db_path)
    if archive.exists():
        shutil.copytree(archive, out / "archive")
    return out


@dataclass(frozen=True)
class Stored:
    """A backup folder, or a file set aside by a restore or a rebuild, in ``backups/``."""

    path: Path
    made_at: datetime        # its modification time
    size: int                # bytes, all files included
    is_backup: bool          # a backup folder (else a set-aside file)


def stored(db_path: Path | str) -> list[Stored]:
    """What ``backups/`` beside the database holds, newest first."""
    folder = backups_folder(Path(db_path))
    if not folder.is_dir():
        return []
    found = []
    for path in folder.iterdir():
        if path.is_dir() and (path / "database" / "schema.sql").exists():
            size = sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
            found.append(Stored(path, datetime.fromtimestamp(path.stat().st_mtime), size, True))
        elif path.is_file() and "-sebelum-" in path.name and not path.name.endswith(".wal"):
            size = sum(f.stat().st_size for f in (path, Path(f"{path}.wal")) if f.exists())
            found.append(Stored(path, datetime.fromtimestamp(path.stat().st_mtime), size, False))
    return sorted(found, key=lambda s: (s.made_at, s.path.name), reverse=True)


def zipped(folder: Path) -> bytes:
    """A backup folder as one zip file, unpacking to a folder of the same name. Stored, not
    compressed: Parquet and workbooks are compressed already."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                zf.write(path, Path(folder.name) / path.relative_to(folder))
    return buf.getvalue()


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


@contextmanager
def unpacked(backup: Path | str) -> Iterator[Path]:
    """The backup folder itself, or the folder inside a downloaded backup zip (unpacked into a
    temporary folder while in use); FileNotFoundError if it is neither."""
    path = Path(backup)
    if not (path.is_file() and zipfile.is_zipfile(path)):
        yield check_backup(path)
        return
    with tempfile.TemporaryDirectory(prefix="monev-cadangan-") as tmp, \
            zipfile.ZipFile(path) as zf:
        zf.extractall(tmp)  # member names are made safe: no absolute paths, no '..'
        inside = [d for d in Path(tmp).iterdir() if (d / "database" / "schema.sql").exists()]
        if len(inside) != 1:
            raise FileNotFoundError(f"{path} bukan cadangan Monev (zip tanpa folder "
                                    "database/).")
        yield inside[0]


def import_backup(backup_dir: Path | str, path: Path) -> dict[str, int]:
    """Import a backup's tables into a new database file at ``path`` (with the views and
    macros of the current schema); returns row counts per table."""
    src = check_backup(backup_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
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


def new_backup_folder(db_path: Path, now: datetime | None = None) -> Path:
    """The default folder of a backup made now: ``backups/monev-YYYYmmdd-HHMMSS``."""
    return backups_folder(db_path) / f"monev-{(now or datetime.now()):%Y%m%d-%H%M%S}"


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
    new file, so it goes. Call it inside :func:`held` (new, db_path)."""
    kept = set_aside(db_path, backups_folder(db_path), why, now) if db_path.exists() else None
    Path(f"{db_path}.wal").unlink(missing_ok=True)
    os.replace(new, db_path)
    Path(f"{new}.wal").unlink(missing_ok=True)
    return kept


# How long a replacement waits for a running load or upload: db.connect sleeps 0.2 s × attempt,
# about four minutes in all.
LOCK_RETRIES = 50


@contextmanager
def held(*paths: Path) -> Iterator[list[duckdb.DuckDBPyConnection | None]]:
    """Keep every other process from writing these database files while one replaces the
    other: a read-only connection on each, opened once any load writing it has finished and
    closed at the end. DuckDB's lock belongs to the file, not its name, so the new file stays
    locked when it is renamed into place: a load that starts meanwhile waits and then writes
    the new file, and an upload in flight is never committed into the file being set aside.
    A file that is missing or cannot be opened (a damaged one is what a restore replaces)
    gets None. Raises db.DatabaseBusy, having changed nothing, when a writer keeps one past
    LOCK_RETRIES."""
    cons: list[duckdb.DuckDBPyConnection | None] = []
    try:
        for path in paths:
            try:
                cons.append(db.connect(path, read_only=True, retries=LOCK_RETRIES)
                            if path.exists() else None)
            except duckdb.Error:  # damaged; DatabaseBusy is no duckdb.Error and goes up
                cons.append(None)
        yield cons
    finally:
        for con in cons:
            if con is not None:
                con.close()


def restore(backup_dir: Path | str, db_path: Path | str,
            now: datetime | None = None) -> Restored:
    """Replace the database by a backup (its folder, or the zip the Cadangan page gives).
    Nothing is deleted: the replaced database file and
    archive journal are set aside, and archived files newer than the backup stay archived."""
    with unpacked(backup_dir) as src:
        return _restore(src, Path(db_path), now)


def _restore(src: Path, db_path: Path, now: datetime | None) -> Restored:
    tmp = db_path.with_suffix(".restore.duckdb")
    counts = import_backup(src, tmp)
    try:
        with held(tmp, db_path):  # the database and its journal change with no load between
            kept = swap_in(tmp, db_path, "sebelum-pulih", now)
            journal_kept = None
            if (src / "archive").exists():
                archive = db.archive_root(db_path)
                journal = archive / "journal.jsonl"
                backup_journal = src / "archive" / "journal.jsonl"
                if journal.exists() and (not backup_journal.exists()
                                         or journal.read_bytes() != backup_journal.read_bytes()):
                    journal_kept = set_aside(journal, backups_folder(db_path), "sebelum-pulih",
                                             now)
                shutil.copytree(src / "archive", archive, dirs_exist_ok=True,
                                copy_function=_copy_if_missing)
    except db.DatabaseBusy:
        tmp.unlink(missing_ok=True)
        raise
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
