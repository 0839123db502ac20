"""Recreate the database from the archive journal, losing nothing.

The journal lists every accepted load, restore and withdrawal, so replaying it recreates the
loaded data with identical content. What the journal does not hold (accounts, rule settings,
meetings and their follow-ups, the audit trail, the record of rejected attempts) is carried
over from the database being replaced when that file can still be read, or from a backup folder
when it cannot. The replaced file is never deleted: it is moved into ``backups/`` beside it.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import duckdb

import etl.backup as backups
from etl.archive import Archive, JournalError, check_numbering, from_database, merge
from etl.backup import (
    exclusive,
    held,
    import_backup,
    quoted,
    set_aside,
    swap_in,
    unpacked,
    verify,
    workdir,
)
from etl.load import delete_load, load_bytes, restore_load
from etl.validate import Expect
from monev.store import accounts, current, db

# Tables the journal does not reproduce; a rebuild copies them from the file it replaces.
KEPT_TABLES = ("app_user", "web_session", "setting", "meeting", "followup", "audit_event",
               # the Smart City evaluation (monev/store/evaluation.py)
               "eval_edition", "eval_score", "eval_survey", "eval_survey_program",
               "eval_survey_answer", "eval_evidence", "public_page",
               # names mapped once (etl/mapping.py): also copied before the replay
               "text_mapping")
# Kept tables an E.81 load reads while it is replayed (its texts resolve through them).
BEFORE_REPLAY = ("text_mapping",)
# The load history with its rejected attempts and dry runs. The journal reproduces only its
# accepted loads, so it is copied whole when the loads it speaks of are exactly those replayed.
HISTORY_TABLES = ("load_event", "load_issue")
# The loads and their activation intervals: replayed, and compared with the source's.
LOAD_TABLES = ("load", "load_activation")

REFUSED = "Bangun ulang dibatalkan, database tidak diubah: "


class RebuildRefused(RuntimeError):
    """The rebuild cannot give back every load; nothing was changed. The message is for the
    user (Bahasa Indonesia)."""


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
    recovered: list[dict] = field(default_factory=list)  # journal lines put back from the source
    journal_kept_as: Path | None = None           # the journal as it was, when lines were put back


def rebuild(db_path: Path | str, archive_root: Path | None = None, *,
            backup_dir: Path | str | None = None, actor: str = "sistem",
            now: datetime | None = None, foreign: bool = False) -> Rebuilt:
    """Replay the journal into a fresh file, carry over what the journal does not hold (from
    the current file, or from ``backup_dir`` when given: verified first, ``foreign`` as for
    a restore), audit the rebuild, and swap the fresh file in; the current file is moved
    aside, never deleted. Journal lines a crash cut off between a commit and the journal are
    put back from the source database (its archived files are known), and the journal is
    repaired. One rebuild or restore at a time. Raises RebuildRefused, BackupRefused,
    ReplaceBusy or db.DatabaseBusy, changing nothing, when it cannot give back every load."""
    db_path = Path(db_path)
    with exclusive(db_path):
        if backup_dir is None:
            return _rebuild(db_path, archive_root, None, actor, now)
        with unpacked(backup_dir, db_path) as folder:  # a wrong one is refused before any work
            verify(folder, db_path, foreign)
            return _rebuild(db_path, archive_root, folder, actor, now)


def _rebuild(db_path: Path, archive_root: Path | None, backup_dir: Path | None, actor: str,
             now: datetime | None) -> Rebuilt:
    work = workdir(db_path, "bangun-ulang")
    try:
        return _build_and_swap(db_path, work / db_path.name,
                               Archive(archive_root or db.archive_root(db_path)), backup_dir,
                               actor, now)
    except JournalError as exc:
        raise RebuildRefused(REFUSED + str(exc)) from exc
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _build_and_swap(db_path: Path, tmp: Path, archive: Archive, backup_dir: Path | None,
                    actor: str, now: datetime | None) -> Rebuilt:
    journal_then = _journal_bytes(archive)
    journal = list(archive.entries())
    db.ensure_database(tmp)
    with db.opened(tmp) as con:
        done = Rebuilt(0)
        with _source(db_path, backup_dir, done) as source:
            entries = _complete(journal, source, done)
            if source is not None:
                _carry_before_replay(con, source)
            done.replayed = _replay(con, archive, entries, done)
            current.refresh_stale(con)
            if source is not None:
                _carry(con, source, done)
        if done.only_before and done.source == "database":
            raise RebuildRefused(
                REFUSED + "database memuat unggahan yang tidak ada di jurnal arsip"
                + _ids("", done.only_before) + ", dan bangun ulang akan menghilangkannya. "
                "Database ini masih dapat dibaca: buat cadangannya dengan "
                "'python -m etl backup'.")
        accounts.audit(con, actor, "rebuild", str(db_path.name),
                       {"diputar_ulang": done.replayed, "sumber": done.source}, now=now)
        replayed = {i for (i,) in con.execute("SELECT load_id FROM load").fetchall()}
    with held(tmp, db_path) as (_, current_con):
        added: list[int] = []
        if current_con is not None and done.source == "database":
            # a load committed after the carry read the file (the guard waited for it to end)
            added = sorted({i for (i,) in current_con.execute(
                "SELECT load_id FROM load").fetchall()} - replayed)
        if added or _journal_bytes(archive) != journal_then:
            raise RebuildRefused(
                REFUSED + "unggahan" + _ids("", added) + " masuk selama bangun ulang "
                "berjalan. Jalankan bangun ulang sekali lagi.")
        done.kept_as = swap_in(tmp, db_path, "sebelum-bangun-ulang", now)
        if done.recovered:  # the journal now says what the rebuilt database holds
            if archive.journal_path.exists():
                done.journal_kept_as = set_aside(archive.journal_path,
                                                 backups.backups_folder(db_path),
                                                 "sebelum-bangun-ulang", now, copy=True)
            archive.rewrite(entries)
    return done


def _journal_bytes(archive: Archive) -> bytes | None:
    try:
        return archive.journal_path.read_bytes()
    except FileNotFoundError:
        return None


def _complete(journal: list[dict], source: Path | None, done: Rebuilt) -> list[dict]:
    """The journal with the lines a crash cut off put back from the source database's own
    history (its loads, restores and withdrawals); JournalError when the two cannot be one
    history, or when lines are missing and no source can give them back."""
    history = None
    if source is not None:
        try:
            with db.opened(source, read_only=True, retries=backups.LOCK_RETRIES) as con:
                history = from_database(con)
        except duckdb.Error:  # its history is damaged: the journal alone, checked below
            history = None
    if history is None:
        try:
            check_numbering(journal)
        except JournalError as exc:
            raise JournalError(
                f"{exc} Database yang dapat melengkapinya tidak dapat dibaca: bangun ulang "
                "dengan cadangan yang memuat muatan itu ('python -m etl rebuild --backup "
                "FOLDER'), atau pulihkan cadangan terakhir ('python -m etl restore "
                "FOLDER').") from exc
        return journal
    entries = merge(journal, history)
    kept = {id(e) for e in journal}
    done.recovered = [e for e in entries if id(e) not in kept]
    return entries


def _replay(con: duckdb.DuckDBPyConnection, archive: Archive, entries: list[dict],
            done: Rebuilt) -> int:
    """Replay every load, restore and withdrawal; returns how many. An entry that cannot be
    replayed as it was (its archived file lost or damaged, a load the checks now refuse)
    raises RebuildRefused naming it."""
    recovered = {id(e) for e in done.recovered}
    replayed = 0
    for entry in entries:
        load_id, event = entry["load_id"], entry["event"]
        what = (f"muatan yang tidak ada di jurnal arsip (#{load_id})" if id(entry) in recovered
                else f"muatan #{load_id} dari jurnal arsip")
        at = datetime.fromisoformat(entry["at"])
        try:
            if event == "load":
                data = archive.read(entry["archive_path"])
                chosen = entry.get("e81") or entry.get("rfk") or {}  # as its uploader chose
                result = load_bytes(con, data, entry["file_name"], actor=entry["actor"],
                                    archive=None, at=at, replay=True,
                                    received_on=date.fromisoformat(entry["received_on"]),
                                    expect=Expect(region=chosen.get("wilayah"),
                                                  opd=chosen.get("opd"),
                                                  year=chosen.get("tahun"),
                                                  tw=chosen.get("tw"),
                                                  mapping_ids=tuple(chosen.get("pemetaan", ())))
                                    if chosen else None)
                if result.load_id != load_id:
                    raise RebuildRefused(
                        REFUSED + f"{what} tidak dapat diputar ulang dengan nomor yang sama "
                        f"(hasilnya: {result.status} #{result.load_id}: {result.message})")
            elif event == "restore":
                restore_load(con, load_id, actor=entry["actor"], archive=None, at=at)
            else:
                delete_load(con, load_id, actor=entry["actor"], archive=None, at=at)
        except FileNotFoundError as exc:
            raise RebuildRefused(
                REFUSED + f"{what} tidak dapat diputar ulang: file arsipnya "
                f"{entry['archive_path']} tidak ditemukan." + _keep_hint(done)) from exc
        except ValueError as exc:
            raise RebuildRefused(
                REFUSED + f"{what} tidak dapat diputar ulang: file arsipnya "
                f"{entry.get('archive_path')} rusak (isinya tidak cocok dengan hash-nya)."
                + _keep_hint(done)) from exc
        except (KeyError, duckdb.Error, OSError) as exc:
            raise RebuildRefused(
                REFUSED + f"{what} tidak dapat diputar ulang ({exc})." + _keep_hint(done)
            ) from exc
        replayed += 1
    return replayed


def _keep_hint(done: Rebuilt) -> str:
    return (" Database ini masih dapat dibaca: buat cadangannya dengan 'python -m etl "
            "backup'." if done.source == "database" else "")


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


def _carry_before_replay(con: duckdb.DuckDBPyConnection, source: Path) -> None:
    """Copy the tables the replay reads (BEFORE_REPLAY) from ``source``: an E.81 load is
    replayed with the name mapping in force at its time, as when it was loaded. A source
    that cannot give them leaves them empty (such a load is then refused, naming it)."""
    con.execute(f"ATTACH {quoted(source)} AS src (READ_ONLY)")
    try:
        for table in BEFORE_REPLAY:
            try:
                _copy(con, table)
            except duckdb.Error:  # a source written before the table existed
                continue
    finally:
        con.execute("DETACH src")


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
                 "load_issue": "catatan masalah unggahan ditolak",
                 "text_mapping": "pemetaan nama",
                 "eval_edition": "edisi evaluasi", "eval_score": "nilai dimensi evaluasi",
                 "eval_survey": "survei warga", "eval_survey_program": "hasil survei per program",
                 "eval_survey_answer": "jawaban bebas survei",
                 "eval_evidence": "bukti checklist Output", "public_page": "halaman publik"}


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
    if done.recovered:
        lines.append(f"Jurnal arsip dilengkapi dari {where}: {len(done.recovered)} peristiwa "
                     "tercatat di database tetapi tidak di jurnal (server berhenti tepat "
                     "setelah menyimpannya)" + _ids(", muatan", sorted(
                         {e["load_id"] for e in done.recovered})) + ", kini ditulis kembali.")
    if done.journal_kept_as:
        lines.append(f"Jurnal arsip sebelumnya disimpan sebagai {done.journal_kept_as}.")
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
