"""The database file: path, connection, schema creation and reference seeding."""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_SQL = Path(__file__).with_name("schema.sql")
DIMENSIONS_CSV = Path(__file__).with_name("dimensions.csv")
WILAYAH_DIR = ROOT / "data" / "reference" / "wilayah"
DEFAULT_DB = ROOT / "data" / "monev.duckdb"


class DatabaseBusy(RuntimeError):
    """The database file is locked by another process (a load is running)."""


class DatabaseMissing(DatabaseBusy):
    """The database file is missing where data existed (the archive journal lists loads):
    it is not created empty. A DatabaseBusy, so every caller that gives up on a locked file
    gives up here too; its message (Bahasa Indonesia) says what to do."""


def lost_database(db_path: Path | str) -> str | None:
    """Why a missing database file at db_path must not be created empty, or None. The
    archive journal beside it lists every accepted load: a journal with lines means the
    file held data and was deleted or moved (a fresh file would take load numbers the
    journal already gives other files)."""
    journal = archive_root(Path(db_path)) / "journal.jsonl"
    try:
        if journal.stat().st_size == 0:
            return None
    except OSError:
        return None
    return (f"Database {Path(db_path).resolve()} tidak ditemukan, padahal jurnal arsip "
            f"({journal}) mencatat unggahan: file database terhapus atau dipindahkan. "
            "Database kosong tidak dibuat agar tidak ada data yang tampak hilang. Admin server: "
            "kembalikan file itu, atau bangun ulang dengan 'python -m etl rebuild' (atau "
            "pulihkan cadangan dengan 'python -m etl restore FOLDER').")


def file_stamp(db_path: Path | str) -> tuple:
    """``os.stat`` of the database file and its WAL (size, mtime, inode): any committed write
    by any process changes it (a short-lived connection's close checkpoints into the file; an
    open one's commit writes the WAL). Cheap enough to read on every rerun."""
    path = Path(db_path)
    parts: list[object] = []
    for file in (path, path.with_name(path.name + ".wal")):
        try:
            found = os.stat(file)
        except OSError:
            parts.append(None)
        else:
            parts.append((found.st_size, found.st_mtime_ns, found.st_ino))
    return tuple(parts)


def default_db_path() -> Path:
    """The database path: $MONEV_DB when set, else data/monev.duckdb."""
    env = os.environ.get("MONEV_DB")
    return Path(env) if env else DEFAULT_DB


def archive_root(db_path: Path) -> Path:
    """Folder holding archived uploads for the database at db_path (beside it)."""
    return Path(db_path).resolve().parent / "archive"


# Settings for the app's short-lived read connections (monev.ui.data.read). Reads take turns
# under one lock, so a query gets no help from a second thread; one thread uses less memory
# per query (measured at national scale: the largest page query peaks 8 MB lower, the app's
# reads are no slower). The memory limit caps what DuckDB itself may hold for one query
# (DuckDB's default is 80% of the machine's RAM); every page query of the national dataset
# runs within 64 MB, so 256 MiB leaves room for growth. $MONEV_DB_MEMORY_LIMIT overrides it.
READ_SETTINGS: dict[str, str] = {
    "threads": "1",
    "memory_limit": os.environ.get("MONEV_DB_MEMORY_LIMIT", "256MiB"),
}

# Settings for read-write connections. A commit whose changes pass this size checkpoints at
# once instead of writing them to the WAL first (DuckDB's default is 16 MiB): a large load
# then compresses its rows into the file once, where it used to write them to the WAL and
# checkpoint again on close (100k-row masterplan: commit and close 89 -> 73 ms). Small writes
# (a sign-in, a meeting note) stay in the WAL. One thread, as for the reads (in the app both
# share one database instance, where the setting is global anyway): a load inserts Arrow
# tables that a second thread would only split and merge again (100,000 targets: 24 -> 13 ms;
# the national generator builds in the same time either way).
WRITE_SETTINGS: dict[str, str] = {"checkpoint_threshold": "1MiB", "threads": "1"}


def connect(db_path: Path | str, read_only: bool = False, retries: int = 0,
            wait: float = 0.2, settings: Mapping[str, str] | None = None,
            ) -> duckdb.DuckDBPyConnection:
    """Open the database; retry a few times while another process holds the lock.

    A read-write open never creates a file where one is missing by accident (raises
    DatabaseMissing, see :func:`lost_database`).
    ``settings`` (name -> value, e.g. :data:`READ_SETTINGS`) are applied with ``SET`` once
    the connection is open: as ``SET`` rather than ``duckdb.connect(config=...)``, which
    DuckDB refuses while another connection of this process has the same file open with
    other settings.
    """
    if (not read_only and str(db_path) != ":memory:" and not os.path.exists(db_path)
            and (why := lost_database(db_path))):
        raise DatabaseMissing(why)
    for attempt in range(retries + 1):
        try:
            con = duckdb.connect(str(db_path), read_only=read_only)
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower():
                raise
            if attempt == retries:
                raise DatabaseBusy(str(exc)) from exc
            time.sleep(wait * (attempt + 1))
            continue
        try:
            for name, value in (settings or {}).items():
                con.execute(f"SET {name} = '{value}'")
        except BaseException:
            con.close()
            raise
        return con
    raise AssertionError("unreachable")


@contextmanager
def opened(db_path: Path | str, read_only: bool = False, retries: int = 0,
           settings: Mapping[str, str] | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """Context manager around connect() that always closes the connection."""
    con = connect(db_path, read_only=read_only, retries=retries, settings=settings)
    try:
        yield con
    finally:
        con.close()


# DuckDB allows one writing process per file; inside this process, writers (uploads, CLI
# commands, schema creation) take turns through this lock so their transactions never race.
WRITE_LOCK = threading.RLock()


@contextmanager
def writer(db_path: Path | str, retries: int = 50) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-write connection held under the process-wide write lock."""
    with WRITE_LOCK, opened(db_path, retries=retries, settings=WRITE_SETTINGS) as con:
        yield con


def init_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create every table, view and macro (idempotent) and seed reference areas and
    dimensions once. A database that already has this schema is left alone: the digest of
    schema.sql is stored last, so a database created or upgraded by an earlier version, or
    an interrupted run, is brought up to date the next time (replacing the views and macros
    rewrote the catalog on every CLI load and upload: about 18 ms)."""
    text = SCHEMA_SQL.read_text(encoding="utf-8")
    digest = hashlib.sha256(text.encode()).hexdigest()
    if schema_digest(con) == digest:
        return
    con.execute(text)
    if con.execute("SELECT count(*) FROM ref_village").fetchone()[0] == 0:
        _seed_reference(con)
    if con.execute("SELECT count(*) FROM dimension").fetchone()[0] == 0:
        _seed_dimensions(con)
    con.execute("DELETE FROM schema_info")
    con.execute("INSERT INTO schema_info VALUES (?)", [digest])


def schema_digest(con: duckdb.DuckDBPyConnection) -> str | None:
    """The digest of the schema last applied to the database (None before any)."""
    try:
        row = con.execute("SELECT max(digest) FROM schema_info").fetchone()
    except duckdb.CatalogException:
        return None
    return row[0] if row else None


def ensure_database(db_path: Path | str) -> Path:
    """Create the database file with its schema if missing; return its path."""
    path = Path(db_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with writer(path) as con:
        init_schema(con)
    return path


def _seed_reference(con: duckdb.DuckDBPyConnection) -> None:
    csv = {name: str(WILAYAH_DIR / f"{name}.csv") for name in
           ("provinces", "regencies", "districts", "villages")}
    opts = "header = true, all_varchar = true"
    con.execute(f"INSERT INTO ref_province SELECT code, name FROM read_csv(?, {opts})",
                [csv["provinces"]])
    con.execute(f"INSERT INTO ref_regency SELECT code, province_code, name "
                f"FROM read_csv(?, {opts})", [csv["regencies"]])
    con.execute(f"INSERT INTO ref_district SELECT code, regency_code, name "
                f"FROM read_csv(?, {opts})", [csv["districts"]])
    con.execute(
        f"""INSERT INTO ref_village
            SELECT code, district_code, left(district_code, 5), name,
                   CASE WHEN CAST(split_part(code, '.', 4) AS INTEGER) >= 2001
                        THEN 'desa' ELSE 'kelurahan' END
            FROM read_csv(?, {opts})""", [csv["villages"]])


def _seed_dimensions(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        """INSERT INTO dimension
           SELECT dimension_code, dimension_name, min(rn) FROM (
               SELECT *, row_number() OVER () AS rn FROM read_csv(?, header = true,
                                                                    all_varchar = true))
           GROUP BY ALL""", [str(DIMENSIONS_CSV)])
    con.execute(
        """INSERT INTO sub_dimension
           SELECT dimension_code, sub_dimension, row_number() OVER () FROM
               read_csv(?, header = true, all_varchar = true)""", [str(DIMENSIONS_CSV)])
