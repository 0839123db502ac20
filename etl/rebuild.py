"""Recreate the database from the archive journal, losing nothing.

The journal lists every accepted load, restore and withdrawal, so replaying it recreates the
loaded data with identical content. What the journal does not hold (accounts, rule settings,
meetings and their follow-ups, the audit trail, the record of rejected attempts) is carried
over from the database being replaced when that file can still be read, or from a backup folder
when it cannot. The replaced file is never deleted: it is moved into ``backups/`` beside it.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import duckdb

import etl.backup as backups
from etl.archive import Archive
from etl.backup import held, import_backup, quoted, swap_in, unpacked
from etl.load import delete_load, load_bytes, restore_load
from monev.store import accounts, current, db

# Tables the journal does not reproduce; a rebuild copies them from the file it replaces.
KEPT_TABLES = ("app_user", "web_session", "setting", "meeting", "followup", "audit_event")
# The load history with its rejected attempts and dry runs. The journal reproduces only its
# accepted loads, so it is copied whole when the loads it speaks of are exactly those replayed.
HISTORY_TABLES = ("load_event", "load_issue")
# The loads and their activation intervals: replayed, and compared with the source's.
LOAD_TABLES = ("load", "load_activation")


class RebuildRefused(RuntimeError):
    """The current database holds loads the journal cannot give back; nothing was changed."""


@dataclass
class Rebuilt:
    """What a rebuild did, for the command's report."""

    replayed: int                                 # journal events replayed
    source: str | None = None                     # where the rest came from: "database" | "backup"
    carried: dict[str, int] = field(default_factory=dict)   # rows per carried table
    history_carried: bool = False                 # load_event/load_issue copied whole
    only_before: list[int] = field(default_factory=list)   # loads the journal did not give back
    only_replayed: list[int] = field(default_factory=list)  # loads the replaced file lacked
    kept_as: Path | None = None                   # where the replaced file now is
    unreadable: str | None = None                 # why the replaced file could not be read


def rebuild(db_path: Path | str, archive_root: Path | None = None, *,
            backup_dir: Path | str | None = None, actor: str = "sistem",
            now: datetime | None = None) -> Rebuilt:
    """Replay the journal into a fresh file, carry over what the journal does not hold (from
    the current file, or from ``backup_dir`` when given), audit the rebuild, and swap the fresh
    file in; the current file is moved aside, never deleted. Raises RebuildRefused, changing
    nothing, when the current file holds loads the journal does not give back."""
    if backup_dir is None:
        return _rebuild(Path(db_path), archive_root, None, actor, now)
    with unpacked(backup_dir) as folder:  # a wrong folder is refused before any work
        return _rebuild(Path(db_path), archive_root, folder, actor, now)


def _rebuild(db_path: Path, archive_root: Path | None, backup_dir: Path | None, actor: str,
             now: datetime | None) -> Rebuilt:
    tmp = db_path.with_suffix(".rebuild.duckdb")
    try:
        return _build_and_swap(db_path, tmp, Archive(archive_root or db.archive_root(db_path)),
                               backup_dir, actor, now)
    except (RebuildRefused, db.DatabaseBusy):
        tmp.unlink(missing_ok=True)
        Path(f"{tmp}.wal").unlink(missing_ok=True)
        raise


def _build_and_swap(db_path: Path, tmp: Path, archive: Archive, backup_dir: Path | None,
                    actor: str, now: datetime | None) -> Rebuilt:
    tmp.unlink(missing_ok=True)
    Path(f"{tmp}.wal").unlink(missing_ok=True)
    db.ensure_database(tmp)
    with db.opened(tmp) as con:
        done = Rebuilt(_replay(con, archive))
        current.refresh_stale(con)
        with _source(db_path, backup_dir, done) as source:
            if source is not None:
                _carry(con, source, done)
        if done.only_before and done.source == "database":
            raise RebuildRefused(
                "Bangun ulang dibatalkan, database tidak diubah: database memuat unggahan "
                "yang tidak ada di jurnal arsip" + _ids("", done.only_before) + ", dan "
                "bangun ulang akan menghilangkannya. Database ini masih dapat dibaca: buat "
                "cadangannya dengan 'python -m etl backup'.")
        accounts.audit(con, actor, "rebuild", str(db_path.name),
                       {"diputar_ulang": done.replayed, "sumber": done.source}, now=now)
        replayed = {i for (i,) in con.execute("SELECT load_id FROM load").fetchall()}
    with held(tmp, db_path) as (_, current_con):
        if current_con is not None and done.source == "database":
            # a load committed after the carry read the file (the guard waited for it to end)
            added = sorted({i for (i,) in current_con.execute(
                "SELECT load_id FROM load").fetchall()} - replayed)
            if added:
                raise RebuildRefused(
                    "Bangun ulang dibatalkan, database tidak diubah: unggahan"
                    + _ids("", added) + " masuk selama bangun ulang berjalan. Jalankan "
                    "bangun ulang sekali lagi.")
        done.kept_as = swap_in(tmp, db_path, "sebelum-bangun-ulang", now)
    return done


def _replay(con: duckdb.DuckDBPyConnection, archive: Archive) -> int:
    """Replay every journaled load, restore and withdrawal; returns how many."""
    replayed = 0
    for entry in archive.entries():
        at = datetime.fromisoformat(entry["at"])
        if entry["event"] == "load":
            result = load_bytes(con, archive.read(entry["archive_path"]), entry["file_name"],
                                actor=entry["actor"], archive=None, at=at,
                                received_on=date.fromisoformat(entry["received_on"]))
            if result.load_id != entry["load_id"]:
                raise RuntimeError(f"replay of load #{entry['load_id']} gave "
                                   f"{result.status} #{result.load_id}: {result.message}")
        elif entry["event"] == "restore":
            restore_load(con, entry["load_id"], actor=entry["actor"], archive=None, at=at)
        elif entry["event"] == "delete":
            delete_load(con, entry["load_id"], actor=entry["actor"], archive=None, at=at)
        replayed += 1
    return replayed


@contextmanager
def _source(db_path: Path, backup_dir: Path | None, done: Rebuilt) -> Iterator[Path | None]:
    """The database file to carry the rest from: the backup's (imported into a temporary
    file), else the current file when it opens, else None (``done.unreadable`` says why).
    A current file locked by a running load raises ``db.DatabaseBusy``: it is not lost."""
    if backup_dir is not None:
        with tempfile.TemporaryDirectory(prefix="monev-rebuild-") as folder:
            path = Path(folder) / "backup.duckdb"
            import_backup(backup_dir, path)
            done.source = "backup"
            yield path
        return
    if not db_path.exists():
        yield None
        return
    try:
        db.connect(db_path, read_only=True, retries=backups.LOCK_RETRIES).close()
    except duckdb.Error as exc:
        done.unreadable = str(exc).splitlines()[0]
        yield None
        return
    done.source = "database"
    yield db_path


def _carry(con: duckdb.DuckDBPyConnection, source: Path, done: Rebuilt) -> None:
    """Copy the kept tables from ``source`` (all or nothing), and the load history when the
    source's loads are exactly the replayed ones."""
    con.execute(f"ATTACH {quoted(source)} AS src (READ_ONLY)")
    try:
        con.execute("BEGIN TRANSACTION")
        try:
            for table in KEPT_TABLES:
                done.carried[table] = _copy(con, table)
            done.only_before, done.only_replayed, activation_differs = _load_differences(con)
            if not (done.only_before or done.only_replayed or activation_differs):
                for table in HISTORY_TABLES:
                    done.carried[table] = _copy(con, table)
                done.history_carried = True
            con.execute("COMMIT")
        except duckdb.Error as exc:  # a damaged table: keep the replay, say what was lost
            con.execute("ROLLBACK")
            done.carried, done.history_carried, done.source = {}, False, None
            done.unreadable = str(exc).splitlines()[0]
    finally:
        con.execute("DETACH src")


def _columns(con: duckdb.DuckDBPyConnection, catalog: str, table: str) -> list[str]:
    return [c for (c,) in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_catalog = ? "
        "AND table_schema = 'main' AND table_name = ? ORDER BY ordinal_position",
        [catalog, table]).fetchall()]


def _copy(con: duckdb.DuckDBPyConnection, table: str) -> int:
    """Replace the table's rows by the source's, on the columns both have (a file written by
    an older schema lacks the newer columns, which take their defaults)."""
    mine = _columns(con, con.execute("SELECT current_database()").fetchone()[0], table)
    theirs = set(_columns(con, "src", table))
    cols = ", ".join(f'"{c}"' for c in mine if c in theirs)
    con.execute(f"DELETE FROM {table}")
    if cols:
        con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM src.{table}")
    return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def _load_differences(con: duckdb.DuckDBPyConnection) -> tuple[list[int], list[int], bool]:
    """Ids of the loads the source has and the replay has not (compared on every column
    both have), the other way round, and whether the activation intervals differ."""
    here = con.execute("SELECT current_database()").fetchone()[0]

    def missing(table: str, a: str, b: str) -> list[int]:
        theirs = set(_columns(con, b, table))
        cols = ", ".join(f'"{c}"' for c in _columns(con, a, table) if c in theirs)
        return sorted({i for (i,) in con.execute(
            f"SELECT load_id FROM (SELECT {cols} FROM {a}.{table} "
            f"EXCEPT ALL SELECT {cols} FROM {b}.{table})").fetchall()})

    activation_differs = bool(missing("load_activation", "src", here)
                              or missing("load_activation", here, "src"))
    return missing("load", "src", here), missing("load", here, "src"), activation_differs

CARRIED_NAMES = {"app_user": "akun", "web_session": "sesi masuk", "setting": "pengaturan",
                 "meeting": "rapat", "followup": "tindak lanjut",
                 "audit_event": "catatan audit", "load_event": "peristiwa riwayat unggah",
                 "load_issue": "catatan masalah unggahan ditolak"}


def report(done: Rebuilt) -> tuple[list[str], list[str]]:
    """The command's report in Bahasa Indonesia: lines for stdout and warnings for stderr."""
    lines = [f"Database dibangun ulang dari jurnal arsip: {done.replayed} peristiwa "
             "diputar ulang."]
    warnings = []
    where = {"database": "database lama", "backup": "cadangan"}.get(done.source or "")
    if where:
        lines.append(f"Dibawa dari {where}: " + ", ".join(
            f"{n} {CARRIED_NAMES[t]}" for t, n in done.carried.items()
            if t in KEPT_TABLES) + ".")
        if done.history_carried:
            lines.append("Riwayat unggah dibawa utuh, termasuk percobaan yang ditolak.")
        else:
            lines.append(f"Riwayat unggah diambil dari jurnal (hanya unggahan yang diterima): "
                         f"muatan di {where} berbeda dari jurnal"
                         + _ids(", hanya di jurnal", done.only_replayed) + ".")
    else:
        why = (f"database lama tidak dapat dibaca ({done.unreadable})" if done.unreadable
               else "tidak ada database lama")
        warnings.append(f"Peringatan: {why}. Akun, pengaturan, rapat, tindak lanjut, dan jejak "
                        "audit tidak ada di jurnal arsip: ambil dari cadangan terakhir dengan "
                        "'python -m etl rebuild --backup FOLDER', atau buat akun admin dengan "
                        "'python -m etl user add'.")
    if done.only_before:  # only from a backup: the current database's are refused above
        warnings.append("Peringatan: cadangan memuat unggahan yang tidak ada di jurnal arsip"
                        + _ids("", done.only_before) + "; unggahan itu tidak ikut dibangun "
                        "ulang. Unggah lagi file aslinya.")
    if done.kept_as:
        lines.append(f"Database lama disimpan sebagai {done.kept_as} (hapus bila tidak "
                     "diperlukan lagi).")
    return lines, warnings


def _ids(label: str, ids: list[int], shown: int = 10) -> str:
    """" (#3, #4)" after the label; past ``shown`` ids, how many more."""
    if not ids:
        return ""
    more = f" dan {len(ids) - shown} lainnya" if len(ids) > shown else ""
    return f"{label} (#{', #'.join(map(str, ids[:shown]))}{more})"
