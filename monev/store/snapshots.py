"""Immutable snapshots of the database for replicas (cluster mode, deploy/cluster/).

Several app processes (replicas) behind a balancer read the data; one database file stays the
only place anybody writes (uploads, restores, settings, accounts: the *live* file). After each
committed change of the data the writing process **publishes** a copy of the live file:

* under the live file's write lock (the caller's read-write connection is still open, so no
  other process can write meanwhile), ``CHECKPOINT`` puts every committed change in the file
  and empties its WAL; the file is then copied to ``snapshots/.<seq>.duckdb.tmp``, flushed to
  disk (``fsync``), opened read-only once as a check, made read-only and renamed to
  ``snapshots/<seq>.duckdb`` (a rename is atomic: a reader sees the whole file or none);
* the pointer file ``snapshots/current`` (one line: the snapshot's name) is replaced the same
  way (temporary file, ``fsync``, rename, ``fsync`` of the folder);
* snapshots other than the newest :data:`KEEP` are deleted once a newer one has existed for
  :data:`GRACE_S` seconds. A replica takes the newest snapshot at the start of each rerun and
  keeps it for that rerun only (``monev.ui.data``), so nothing reads an old snapshot for longer
  than a rerun; a connection already open on a deleted file keeps reading it (POSIX), and a
  rerun whose snapshot vanished takes the newest one.

A replica reads only snapshots for its page data; a half-written snapshot is never visible to
it. Cluster mode is on when ``$MONEV_CLUSTER`` is ``1`` (the replicas' read side). Publishing
also happens when the pointer file exists (a cluster was set up on this database), so a
``python -m etl`` command run without the variable still brings the replicas its change.
``make run`` on a database that never had a cluster changes nothing.

``python -m monev.store.snapshots publish [DB]`` publishes by hand (e.g. after a crash
between a commit and its publication); ``... status [DB]`` shows the pointer and the files.
"""

from __future__ import annotations

import os
import re
import sys
import time
from pathlib import Path

import duckdb

from monev.store import db

ENV = "MONEV_CLUSTER"
POINTER = "current"
KEEP = 2            # the newest snapshots never deleted
GRACE_S = 120.0     # an older snapshot is deleted this long after a newer one appeared
_NAME = re.compile(r"^(\d{6,})\.duckdb$")
_COPY_CHUNK = 8 << 20


class SnapshotError(RuntimeError):
    """A snapshot could not be published; the live database is unchanged."""


def cluster_mode() -> bool:
    """True when this process serves as a replica of a cluster ($MONEV_CLUSTER=1)."""
    return os.environ.get(ENV, "") == "1"


def snapshot_dir(db_path: Path | str) -> Path:
    """The folder of the snapshots of the database at db_path (``snapshots/`` beside it)."""
    return Path(db_path).resolve().parent / "snapshots"


def publishing(db_path: Path | str) -> bool:
    """Whether a committed change of db_path must be published: in cluster mode, or when a
    cluster was set up on this database (its pointer file exists)."""
    return cluster_mode() or (snapshot_dir(db_path) / POINTER).exists()


def current(db_path: Path | str) -> Path | None:
    """The newest published snapshot of db_path, or None when there is none (or the pointer
    names no file: then the caller reads the live database)."""
    folder = snapshot_dir(db_path)
    try:
        name = (folder / POINTER).read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    if not _NAME.match(name):
        return None
    path = folder / name
    return path if path.exists() else None


def _snapshots(folder: Path) -> list[tuple[int, Path]]:
    found = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return []
    for entry in entries:
        match = _NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), Path(entry.path)))
    return sorted(found)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _copy(src: Path, dst: Path) -> None:
    """Copy src to a new file dst and flush it to disk."""
    with open(src, "rb") as fin, open(dst, "xb") as fout:
        while chunk := fin.read(_COPY_CHUNK):
            fout.write(chunk)
        fout.flush()
        os.fsync(fout.fileno())


def _check(path: Path) -> None:
    """Open the copy read-only and read its catalog: a copy DuckDB cannot open is not
    published."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        con.execute("SELECT count(*) FROM schema_info").fetchone()
    finally:
        con.close()


def publish(con: duckdb.DuckDBPyConnection, db_path: Path | str) -> Path:
    """Publish the live database db_path as a new snapshot and point ``current`` at it.

    ``con`` is the caller's open read-write connection to db_path, whose changes are
    committed: holding it keeps every other process from writing while the file is copied.
    Returns the snapshot's path. Raises SnapshotError (the old snapshot stays current).
    """
    live = Path(db_path).resolve()
    folder = snapshot_dir(live)
    folder.mkdir(parents=True, exist_ok=True)
    try:
        con.execute("CHECKPOINT")
    except duckdb.Error as exc:
        raise SnapshotError(f"CHECKPOINT sebelum snapshot gagal: {exc}") from exc
    existing = _snapshots(folder)
    seq = existing[-1][0] + 1 if existing else 1
    final = folder / f"{seq:06d}.duckdb"
    tmp = folder / f".{final.name}.{os.getpid()}.tmp"
    try:
        _copy(live, tmp)
        _check(tmp)
        os.chmod(tmp, 0o444)
        os.rename(tmp, final)
        _fsync_dir(folder)
        pointer_tmp = folder / f".{POINTER}.{os.getpid()}.tmp"
        with open(pointer_tmp, "w", encoding="ascii") as out:
            out.write(final.name + "\n")
            out.flush()
            os.fsync(out.fileno())
        os.replace(pointer_tmp, folder / POINTER)
        _fsync_dir(folder)
    except (OSError, duckdb.Error) as exc:
        for leftover in (tmp, folder / f".{POINTER}.{os.getpid()}.tmp"):
            leftover.unlink(missing_ok=True)
        raise SnapshotError(f"Snapshot {final.name} tidak dapat diterbitkan: {exc}") from exc
    prune(folder)
    return final


def publish_if_enabled(con: duckdb.DuckDBPyConnection, db_path: Path | str) -> Path | None:
    """:func:`publish` when :func:`publishing` says so (else nothing; returns None)."""
    if str(db_path) == ":memory:" or not publishing(db_path):
        return None
    return publish(con, db_path)


def publish_path(db_path: Path | str) -> Path:
    """Open db_path for writing (waiting for other writers) and publish it."""
    with db.writer(db_path) as con:
        return publish(con, db_path)


def prune(folder: Path, now: float | None = None) -> list[Path]:
    """Delete snapshots older than the newest :data:`KEEP` whose successor has existed for
    :data:`GRACE_S` seconds, and temporary files of failed publications as old; returns what
    was deleted."""
    now = time.time() if now is None else now
    found = _snapshots(folder)
    gone: list[Path] = []
    for (_, path), (_, successor) in zip(found[:-KEEP], found[1:], strict=False):
        try:
            if now - successor.stat().st_mtime < GRACE_S:
                continue
            path.unlink()
        except OSError:
            continue
        gone.append(path)
    try:
        leftovers = [p for p in folder.iterdir() if p.name.endswith(".tmp")]
    except OSError:
        leftovers = []
    for path in leftovers:
        try:
            if now - path.stat().st_mtime >= GRACE_S:
                path.unlink()
                gone.append(path)
        except OSError:
            continue
    return gone


def main(argv: list[str] | None = None) -> int:
    """``python -m monev.store.snapshots publish|status [DB]``."""
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] not in ("publish", "status"):
        print("pemakaian: python -m monev.store.snapshots publish|status [DB]", file=sys.stderr)
        return 2
    path = Path(args[1]) if len(args) > 1 else db.default_db_path()
    if args[0] == "publish":
        try:
            print(f"snapshot diterbitkan: {publish_path(path)}")
        except (SnapshotError, db.DatabaseBusy) as exc:
            print(str(exc), file=sys.stderr)
            return 1
        return 0
    print(f"snapshot terbaru: {current(path) or '(belum ada)'}")
    for seq, snap in _snapshots(snapshot_dir(path)):
        print(f"  {seq:6d}  {snap.name}  {snap.stat().st_size:,} byte")
    return 0


if __name__ == "__main__":
    sys.exit(main())
