"""Whole-database backup and restore.

A backup folder holds every table as Parquet (DuckDB's EXPORT DATABASE, whose schema.sql and
load.sql are kept for a person to read), the file archive with its journal, and
``manifest.json``: the SHA-256 of every file, signed (``manifest.sig``, HMAC-SHA256) with a
key that stays on the server (``.backup-key`` beside the database, never in a backup).

A backup may leave the server (the Cadangan page gives it as a zip), so a restore treats it
as data only: no SQL from it is ever run. The schema is our own (monev/store/schema.sql);
only our tables and columns are read from its Parquet files, cast to our types; the derived
tables are computed again. Before anything changes, every file must match the manifest, the
manifest its signature (or the operator says the backup comes from another server), and a
zip must unpack inside its folder. Anything else is refused with a message in Bahasa
Indonesia, changing nothing.

The checksums alone prove no origin: anyone can edit a file and compute them again. The
signature does, for whoever lacks the key: a backup edited after it left the server is
refused. A backup from another server (or after this server's key was lost) can only be
restored with ``--dari-server-lain``: its checksums are still checked, its content is trusted.
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import io
import json
import os
import re
import secrets
import shutil
import stat
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from etl.archive import RELPATH, Archive, JournalError, check_numbering, from_database, merge
from monev.store import current, db

MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
FORMAT = "monev-cadangan"
FORMAT_VERSION = 1
KEY_FILE = ".backup-key"
# The files a backup may hold (besides the manifest and its signature), relative to its folder.
ALLOWED = re.compile(r"database/(schema\.sql|load\.sql|[a-z_][a-z0-9_]*\.parquet)"
                     r"|archive/journal\.jsonl|archive/" + RELPATH.pattern)
# Bounds on a zip before anything is unpacked (a backup zip is stored, not compressed: its
# members are Parquet and workbooks, compressed already).
ZIP_MAX_MEMBERS = 500_000
ZIP_MAX_RATIO = 150            # uncompressed / compressed, on members above ZIP_RATIO_FLOOR
ZIP_RATIO_FLOOR = 4 * 1024 * 1024
ZIP_SPARE_BYTES = 256 * 1024 * 1024   # left free on the disk the zip is unpacked to
FOREIGN_HINT = ("Bila cadangan ini memang dibuat di server lain, atau kunci server ini hilang, "
                "dan Anda yakin isinya tidak diubah, jalankan lagi dengan --dari-server-lain.")


class BackupRefused(ValueError):
    """The backup is not restored (damaged, edited, unsafe or not ours); nothing was changed.
    The message is for the user, in Bahasa Indonesia."""


class ReplaceBusy(RuntimeError):
    """Another restore or rebuild of the same database is running; nothing was changed."""


def quoted(path: Path) -> str:
    """A path as a quoted SQL string literal (EXPORT, IMPORT and ATTACH take no parameters)."""
    return "'" + str(path).replace("'", "''") + "'"


def key_path(db_path: Path | str) -> Path:
    """Where the server's backup signing key is kept: beside the database, outside
    ``backups/`` and ``archive/``, so no backup carries it."""
    return Path(db_path).resolve().parent / KEY_FILE


def server_key(db_path: Path | str, create: bool = False) -> bytes | None:
    """The server's backup signing key (None when there is none and ``create`` is False).
    Created once with 256 random bits, readable by the server's user only."""
    path = key_path(db_path)
    if create and not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # made meanwhile by another backup
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32) + "\n")
                fh.flush()
                os.fsync(fh.fileno())
    try:
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    except FileNotFoundError:
        return None
    except ValueError as exc:
        raise BackupRefused(f"Kunci cadangan {path} rusak (bukan heksadesimal). Tidak ada "
                            "yang diubah.") from exc


def key_id(key: bytes) -> str:
    """A short name of a key that reveals nothing of it (to tell another server's)."""
    return hashlib.sha256(b"monev-backup-key-id:" + key).hexdigest()[:16]


def _signature(key: bytes, manifest: bytes) -> str:
    return hmac.new(key, manifest, hashlib.sha256).hexdigest()


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def backup(db_path: Path | str, out_dir: Path | str | None = None, *,
           con: duckdb.DuckDBPyConnection | None = None) -> Path:
    """Export every table to Parquet, copy the archive and write the signed manifest; returns
    the backup folder. ``con`` is an open connection to db_path to export with (the app's
    own); else one is opened. The journal copied is the live one with any line a crash cut
    off between a commit and the journal put back from the database (see etl.archive)."""
    db_path = Path(db_path)
    out = Path(out_dir) if out_dir is not None else new_backup_folder(db_path)
    if out.exists() and any(out.iterdir()):
        raise FileExistsError(f"Folder cadangan {out} sudah berisi file.")
    out.mkdir(parents=True, exist_ok=True)
    if con is None:
        with db.opened(db_path, read_only=True, retries=50) as own:
            _export(own, db_path, out)
    else:
        _export(con, db_path, out)
    _sign(out, server_key(db_path, create=True))
    return out


def _export(con: duckdb.DuckDBPyConnection, db_path: Path, out: Path) -> None:
    """The tables and the archive, read while ``con`` keeps every writer out."""
    con.execute(f"EXPORT DATABASE {quoted(out / 'database')} (FORMAT parquet)")
    archive = Archive(db.archive_root(db_path))
    if not archive.root.exists() and not con.execute("SELECT count(*) FROM load").fetchone()[0]:
        return
    files = archive.root / "files"
    for path in sorted(files.glob("*/*")) if files.is_dir() else []:
        rel = path.relative_to(archive.root).as_posix()
        if RELPATH.fullmatch(rel) and path.is_file() and not path.is_symlink():
            (out / "archive" / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, out / "archive" / rel)
    copy = Archive(out / "archive")
    try:
        entries = merge(list(archive.entries()), from_database(con))
    except (JournalError, duckdb.Error):
        if archive.journal_path.exists():  # as it is: a restore says what is wrong with it
            copy.root.mkdir(parents=True, exist_ok=True)
            shutil.copy2(archive.journal_path, copy.journal_path)
    else:
        if entries or archive.journal_path.exists():
            copy.rewrite(entries)


def _sign(out: Path, key: bytes) -> None:
    """Write manifest.json (format, time, key id and the SHA-256 of every file) and its
    HMAC-SHA256 in manifest.sig."""
    files = {p.relative_to(out).as_posix(): _file_sha256(p)
             for p in sorted(out.rglob("*")) if p.is_file()}
    manifest = json.dumps({"format": FORMAT, "versi": FORMAT_VERSION,
                           "dibuat": datetime.now().isoformat(timespec="seconds"),
                           "kunci": key_id(key), "files": files},
                          indent=1, sort_keys=True).encode("utf-8")
    (out / MANIFEST).write_bytes(manifest)
    (out / SIGNATURE).write_text(_signature(key, manifest) + "\n", encoding="ascii")


def verify(src: Path, db_path: Path | str, foreign: bool = False) -> dict[str, str]:
    """Check a backup folder before anything is read from it: the manifest is there, signed
    with this server's key (unless ``foreign``), names only files a backup holds, and every
    file is there, a plain file, listed, and matches its SHA-256. Returns the manifest's
    files (path -> sha256); raises BackupRefused naming the first file that fails."""
    name = src.name
    no = "Tidak ada yang diubah."
    path = src / MANIFEST
    if not path.is_file() or path.is_symlink():
        raise BackupRefused(
            f"Cadangan {name} ditolak: tidak ada {MANIFEST} (daftar checksum file). Cadangan "
            f"yang dibuat sebelum pemeriksaan ini ada, atau yang diubah, tidak dipulihkan. {no}")
    raw = path.read_bytes()
    try:
        manifest = json.loads(raw)
        files = manifest["files"]
        if manifest["format"] != FORMAT or not isinstance(files, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in files.items()):
            raise ValueError
    except (ValueError, KeyError, TypeError) as exc:
        raise BackupRefused(f"Cadangan {name} ditolak: {MANIFEST} rusak atau bukan manifest "
                            f"cadangan Monev. {no}") from exc
    if manifest.get("versi") != FORMAT_VERSION:
        raise BackupRefused(f"Cadangan {name} ditolak: versi manifest {manifest.get('versi')!r} "
                            f"tidak dikenal oleh versi aplikasi ini. {no}")
    if not foreign:
        _check_signature(src, raw, manifest, db_path)
    for rel in files:
        if not ALLOWED.fullmatch(rel):
            raise BackupRefused(f"Cadangan {name} ditolak: {MANIFEST} mencantumkan {rel}, yang "
                                f"bukan bagian cadangan Monev. {no}")
    present = set()
    for item in sorted(src.rglob("*")):
        rel = item.relative_to(src).as_posix()
        if item.is_symlink() or not (item.is_file() or item.is_dir()):
            raise BackupRefused(f"Cadangan {name} ditolak: {rel} bukan file biasa (tautan "
                                f"simbolik atau perangkat). {no}")
        if item.is_file() and rel not in (MANIFEST, SIGNATURE):
            if rel not in files:
                raise BackupRefused(f"Cadangan {name} ditolak: file {rel} tidak tercantum di "
                                    f"{MANIFEST}. {no}")
            present.add(rel)
    for rel, digest in sorted(files.items()):
        if rel not in present:
            raise BackupRefused(f"Cadangan {name} ditolak: file {rel} tercantum di {MANIFEST} "
                                f"tetapi tidak ada. {no}")
        if _file_sha256(src / rel) != digest:
            raise BackupRefused(f"Cadangan {name} ditolak: isi file {rel} tidak cocok dengan "
                                f"checksum di {MANIFEST} (file diubah atau rusak). {no}")
    return files


def _check_signature(src: Path, raw: bytes, manifest: dict, db_path: Path | str) -> None:
    name, no = src.name, "Tidak ada yang diubah."
    sig_path = src / SIGNATURE
    key = server_key(db_path)
    if not sig_path.is_file() or sig_path.is_symlink():
        raise BackupRefused(f"Cadangan {name} ditolak: manifest-nya tidak bertanda tangan "
                            f"({SIGNATURE} tidak ada). {FOREIGN_HINT} {no}")
    if key is None:
        raise BackupRefused(f"Cadangan {name} ditolak: server ini belum punya kunci cadangan "
                            f"({key_path(db_path)}), jadi tanda tangannya tidak dapat "
                            f"diperiksa. {FOREIGN_HINT} {no}")
    if manifest.get("kunci") != key_id(key):
        raise BackupRefused(f"Cadangan {name} ditolak: ditandatangani dengan kunci lain, bukan "
                            f"kunci server ini ({key_path(db_path)}). {FOREIGN_HINT} {no}")
    given = sig_path.read_text(encoding="ascii", errors="replace").strip()
    if not hmac.compare_digest(given, _signature(key, raw)):
        raise BackupRefused(f"Cadangan {name} ditolak: tanda tangan {MANIFEST} tidak cocok; "
                            f"manifest diubah setelah cadangan dibuat. {no}")


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
    if not ((src / "database" / "schema.sql").exists() or (src / MANIFEST).exists()):
        raise FileNotFoundError(f"{src} bukan folder cadangan Monev (tidak ada database/).")
    return src


@contextmanager
def unpacked(backup: Path | str, beside: Path | None = None) -> Iterator[Path]:
    """The backup folder itself, or the folder inside a downloaded backup zip (unpacked
    safely into a temporary folder while in use: beside the database ``beside``, on the
    disk that has room for it, else in the system's); FileNotFoundError if it is neither,
    BackupRefused if the zip is unsafe (see :func:`extract`)."""
    path = Path(backup)
    if not (path.is_file() and zipfile.is_zipfile(path)):
        yield check_backup(path)
        return
    tmp = workdir(beside, "pulih") if beside is not None else \
        Path(tempfile.mkdtemp(prefix="monev-cadangan-"))
    try:
        yield extract(path, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def extract(zip_path: Path, into: Path) -> Path:
    """Unpack a backup zip into the empty folder ``into``; returns the backup folder in it.

    Every member is checked before any byte is written: one folder at the top, names
    relative and inside it (no ``..``, no absolute or drive path, no backslash), no symbolic
    link or special file, no encryption, no name twice, at most ZIP_MAX_MEMBERS members, a
    compression ratio no zip bomb stays under, and room on the disk for what it declares.
    Each member is then written as a new file, never past its declared size."""
    name, no = zip_path.name, "Tidak ada yang diubah."

    def refuse(why: str) -> BackupRefused:
        return BackupRefused(f"Zip cadangan {name} ditolak: {why}. {no}")

    try:
        zf = zipfile.ZipFile(zip_path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise refuse("file zip rusak atau terpotong") from exc
    with zf:
        infos = zf.infolist()
        if len(infos) > ZIP_MAX_MEMBERS:
            raise refuse(f"berisi {len(infos)} anggota, lebih dari batas {ZIP_MAX_MEMBERS}")
        tops, seen, total = set(), set(), 0
        for info in infos:
            member = info.filename
            parts = member.rstrip("/").split("/")
            mode = info.external_attr >> 16
            if (member.startswith("/") or "\\" in member or "\x00" in member
                    or re.match(r"[A-Za-z]:", member)
                    or any(p in ("", ".", "..") for p in parts)):
                raise refuse(f"anggota '{member}' menunjuk ke luar folder cadangan")
            if stat.S_IFMT(mode) not in (0, stat.S_IFREG, stat.S_IFDIR):  # 0: no type given
                raise refuse(f"anggota '{member}' adalah tautan simbolik atau file khusus")
            if info.flag_bits & 0x1:
                raise refuse(f"anggota '{member}' terenkripsi")
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise refuse(f"anggota '{member}' memakai kompresi yang tidak dikenal")
            if member.rstrip("/") in seen:
                raise refuse(f"anggota '{member}' muncul dua kali")
            seen.add(member.rstrip("/"))
            tops.add(parts[0])
            if info.file_size > ZIP_RATIO_FLOOR and \
                    info.file_size > ZIP_MAX_RATIO * max(info.compress_size, 1):
                raise refuse(f"anggota '{member}' tidak wajar rasio kompresinya (bom zip)")
            total += info.file_size
        if len(tops) != 1:
            raise refuse("isinya bukan satu folder cadangan")
        free = shutil.disk_usage(into).free
        if total > free - ZIP_SPARE_BYTES:
            raise refuse(f"isinya {total / 2**20:.0f} MB, lebih dari ruang kosong disk "
                         f"sementara ({free / 2**20:.0f} MB)")
        try:
            for info in infos:
                target = into.joinpath(*info.filename.rstrip("/").split("/"))
                if info.is_dir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                written = 0
                with zf.open(info) as src, open(target, "xb") as dst:
                    while chunk := src.read(1 << 20):
                        written += len(chunk)
                        if written > info.file_size:
                            raise refuse(f"anggota '{info.filename}' lebih besar dari "
                                         "ukuran yang dinyatakan")
                        dst.write(chunk)
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError, RuntimeError) as exc:
            raise refuse(f"file zip rusak ({exc})") from exc
    folder = into / tops.pop()
    if not folder.is_dir():
        raise refuse("isinya bukan satu folder cadangan")
    return check_backup(folder)


# Tables computed from others: never read from a backup, computed again after a restore.
DERIVED_PREFIX = "cur_"
# One Parquet file, read as it is: no column made up from a "key=value" folder in its path.
READ_PARQUET = "read_parquet(?, hive_partitioning = false)"


def import_backup(backup_dir: Path | str, path: Path) -> dict[str, int]:
    """Build a new database file at ``path`` from a verified backup folder as data only: our
    schema, then each of its Parquet files into our table of that name, on our columns (a
    table or column we do not have is refused), cast to our types, all in one transaction;
    the current-state tables are computed again. Returns row counts per table; raises
    BackupRefused (deleting ``path``) when a file does not fit."""
    src = check_backup(backup_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    try:
        with db.writer(path) as con:
            # our DDL, the backup's rows, then what init_schema adds: seeds for tables the
            # backup lacked, the digest (seeding first and replacing the seeds cost seconds)
            con.execute(db.SCHEMA_SQL.read_text(encoding="utf-8"))
            _load_tables(con, src)
            db.init_schema(con)
            return {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]
                    for t in _our_columns(con)}
    except BackupRefused:
        path.unlink(missing_ok=True)
        Path(f"{path}.wal").unlink(missing_ok=True)
        raise


def _our_columns(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, str]]:
    """Every base table of our schema: column -> type."""
    ours: dict[str, dict[str, str]] = {}
    for table, column, kind in con.execute(
            "SELECT table_name, column_name, data_type FROM duckdb_columns() "
            "WHERE database_name = current_database() AND schema_name = 'main' "
            "AND table_name IN (SELECT table_name FROM duckdb_tables() "
            "                   WHERE database_name = current_database()) "
            "ORDER BY table_name, column_index").fetchall():
        ours.setdefault(table, {})[column] = kind
    return ours


def _load_tables(con: duckdb.DuckDBPyConnection, src: Path) -> None:
    ours = _our_columns(con)
    files = sorted(src.glob("database/*.parquet"))
    con.execute("BEGIN TRANSACTION")
    try:
        for file in files:
            table, rel = file.stem, file.relative_to(src).as_posix()
            if table not in ours:
                raise BackupRefused(f"Cadangan {src.name} ditolak: {rel} berisi tabel "
                                    f"'{table}' yang tidak dikenal. Tidak ada yang diubah.")
            if table == "schema_info" or table.startswith(DERIVED_PREFIX):
                continue
            _load_table(con, src, rel, table, ours[table])
        current.rebuild(con)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def _load_table(con: duckdb.DuckDBPyConnection, src: Path, rel: str, table: str,
                columns: dict[str, str]) -> None:
    """Replace the rows of one of our tables by those of a Parquet file (a column of ours it
    lacks takes its default: a backup made before the column existed)."""
    refused = f"Cadangan {src.name} ditolak: {rel} "
    file = str(src / rel)
    if set(file) & set("*?[]{}"):  # read_parquet would take the path for a pattern
        raise BackupRefused(f"Folder cadangan {src} tidak dapat dibaca: namanya memuat salah "
                            "satu karakter * ? [ ] { }. Ganti nama foldernya. Tidak ada yang "
                            "diubah.")
    try:
        theirs = [c for (c, *_rest) in con.execute(
            f"DESCRIBE SELECT * FROM {READ_PARQUET}", [file]).fetchall()]
    except duckdb.Error as exc:
        raise BackupRefused(refused + f"bukan file Parquet yang dapat dibaca "
                            f"({_first_line(exc)}). Tidak ada yang diubah.") from exc
    unknown = [c for c in theirs if c not in columns]
    if unknown or len(set(theirs)) != len(theirs):
        raise BackupRefused(refused + f"memuat kolom yang tidak dikenal di tabel '{table}': "
                            f"{', '.join(unknown) or 'kolom ganda'}. Tidak ada yang diubah.")
    names = ", ".join(f'"{c}"' for c in theirs)
    casts = ", ".join(f'CAST("{c}" AS {columns[c]})' for c in theirs)
    try:
        con.execute(f'DELETE FROM "{table}"')
        if theirs:
            con.execute(f'INSERT INTO "{table}" ({names}) SELECT {casts} FROM {READ_PARQUET}',
                        [file])
    except duckdb.Error as exc:
        raise BackupRefused(refused + f"tidak cocok dengan tabel '{table}' "
                            f"({_first_line(exc)}). Tidak ada yang diubah.") from exc


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def backup_journal(src: Path) -> list[dict]:
    """The entries of a verified backup's journal (empty without one); BackupRefused when a
    line is not an entry this code writes (one naming a file outside the archive, say) or
    the loads are not numbered as a replay would number them."""
    try:
        entries = list(Archive(src / "archive").entries())
        check_numbering(entries)
    except JournalError as exc:
        raise BackupRefused(f"Cadangan {src.name} ditolak: {exc} Tidak ada yang "
                            "diubah.") from exc
    return entries


def backups_folder(db_path: Path) -> Path:
    """Where backups and set-aside files of the database at db_path go (beside it)."""
    return Path(db_path).resolve().parent / "backups"


def new_backup_folder(db_path: Path, now: datetime | None = None) -> Path:
    """The default folder of a backup made now: ``backups/monev-YYYYmmdd-HHMMSS``."""
    return backups_folder(db_path) / f"monev-{(now or datetime.now()):%Y%m%d-%H%M%S}"


def set_aside(path: Path, folder: Path, why: str, now: datetime | None = None, *,
              copy: bool = False) -> Path:
    """Move a file (with its DuckDB WAL) into ``folder``, named by why and when, instead of
    deleting or overwriting it (``copy``: copy it, leaving it in place); returns its new
    path."""
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    folder.mkdir(parents=True, exist_ok=True)
    target, n = folder / f"{path.stem}-{why}-{stamp}{path.suffix}", 1
    while target.exists():
        n += 1
        target = folder / f"{path.stem}-{why}-{stamp}-{n}{path.suffix}"
    if copy:
        shutil.copy2(path, target)
        return target
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


@contextmanager
def exclusive(db_path: Path) -> Iterator[None]:
    """One restore or rebuild of a database at a time, across processes: an OS lock
    (``flock``) on ``NAME.lock`` beside it, taken at once or ReplaceBusy. While it is held,
    temporary folders a killed restore or rebuild left behind are removed. The lock file is
    removed on release; a process that locked a removed file tries again."""
    db_path = Path(db_path).resolve()
    db_path.parent.mkdir(parents=True, exist_ok=True)
    lock = db_path.parent / f"{db_path.name}.lock"
    while True:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise ReplaceBusy(
                f"Database {db_path} sedang dipulihkan atau dibangun ulang oleh proses lain. "
                "Tidak ada yang diubah. Tunggu sampai proses itu selesai dan periksa hasilnya "
                "sebelum menjalankan perintah ini lagi.") from None
        try:
            if os.fstat(fd).st_ino == os.stat(lock).st_ino:
                break
        except FileNotFoundError:
            pass
        os.close(fd)   # locked a lock file its holder had just removed: take the new one
    try:
        _remove_leftovers(db_path)
        yield
    finally:
        lock.unlink(missing_ok=True)
        os.close(fd)


def workdir(db_path: Path, what: str) -> Path:
    """A new temporary folder beside the database (same file system, so its file can be
    renamed into place), unique to this run."""
    db_path = Path(db_path).resolve()
    db_path.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".{db_path.name}.{what}-", dir=db_path.parent))


def _remove_leftovers(db_path: Path) -> None:
    """Temporary folders and files of a restore or rebuild that was killed (call it under
    :func:`exclusive`: no other is running)."""
    for what in ("pulih", "bangun-ulang"):
        for path in db_path.parent.glob(f".{db_path.name}.{what}-*"):
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
    for old in ("rebuild", "restore"):  # the fixed names of earlier versions
        for path in (db_path.with_suffix(f".{old}.duckdb"),
                     Path(f"{db_path.with_suffix(f'.{old}.duckdb')}.wal")):
            path.unlink(missing_ok=True)


def restore(backup_dir: Path | str, db_path: Path | str, now: datetime | None = None, *,
            foreign: bool = False) -> Restored:
    """Replace the database by a backup (its folder, or the zip the Cadangan page gives),
    once it is verified (see :func:`verify`; ``foreign`` accepts a backup not signed with
    this server's key). Nothing is deleted: the replaced database file and archive journal
    are set aside, and archived files newer than the backup stay archived. Raises
    BackupRefused, ReplaceBusy or db.DatabaseBusy having changed nothing."""
    db_path = Path(db_path)
    with exclusive(db_path), unpacked(backup_dir, db_path) as src:
        files = verify(src, db_path, foreign)
        return _restore(src, files, db_path, now)


def _restore(src: Path, files: dict[str, str], db_path: Path,
             now: datetime | None) -> Restored:
    backup_journal(src)  # every line is one this code writes, numbered as a replay would
    work = workdir(db_path, "pulih")
    try:
        tmp = work / db_path.name
        counts = import_backup(src, tmp)
        with held(tmp, db_path):  # the database and its journal change with no load between
            kept = swap_in(tmp, db_path, "sebelum-pulih", now)
            journal_kept = None
            archive = Archive(db.archive_root(db_path))
            for rel in sorted(files):
                if rel.startswith("archive/files/"):
                    _copy_if_missing(src / rel, archive.root / rel.removeprefix("archive/"))
            # the backup's journal (none: no load) is the one of the restored database
            theirs = ((src / "archive" / "journal.jsonl").read_bytes()
                      if "archive/journal.jsonl" in files else b"")
            if archive.journal_path.exists() and archive.journal_path.read_bytes() != theirs:
                journal_kept = set_aside(archive.journal_path, backups_folder(db_path),
                                         "sebelum-pulih", now)
            if theirs:
                archive.write_journal(theirs)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return Restored(counts, kept, journal_kept)


def _copy_if_missing(src: Path, dst: Path) -> None:
    """Archived files are named by their hash: one already there holds the same bytes."""
    if not dst.exists():
        dst.parent.mkdir(parents=True, exist_ok=True)
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
