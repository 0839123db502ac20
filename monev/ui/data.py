"""Database access for the app: short-lived connections, one lock, results cached by version.

Design
------
* The app holds **no long-lived DuckDB connection**. DuckDB lets one process hold a read-write
  connection *or* several processes read-only ones, never both; a connection kept open by the
  app would stop ``python -m etl load`` (another process) from taking the write lock.
* **Reads** (:func:`read`, :func:`cached`) open a short-lived read-only connection with
  ``db.opened(path, read_only=True, retries=...)``, call a plain function ``fn(con, *args)``
  from ``monev.store`` / ``monev.engine`` and close the connection at once.
* **Writes** (:func:`write`: uploads, restore, withdraw) open a short-lived read-write
  connection the same way.
* Every open happens under one process-wide :data:`LOCK` (``db.WRITE_LOCK``): Streamlit
  runs each browser session in its own thread, and DuckDB refuses a read-only and a
  read-write connection to the same file in one process and fails at times when many
  connections to one file open concurrently.
* When another process keeps the file locked past the retries, ``db.DatabaseBusy`` is raised;
  pages turn it into ``st.warning(BUSY_MESSAGE)`` with ``components.busy_guard()``, never a
  raw lock error.
* **Caching**: :func:`cached` memoises ``fn(con, *args)`` with ``st.cache_data`` keyed on the
  function's qualified name, its arguments, the database path and :func:`data_version`.
  ``data_version`` needs no connection: it is built from ``os.stat`` of the archive journal
  (every accepted load, restore and withdrawal appends a line to it) and of the database file
  (rejected attempts are recorded only inside the database). A new upload, from the app or
  from the CLI, therefore changes the key and every page re-reads; nothing else re-queries.
  Signing in and out (:func:`write_account`) writes only the account, session and audit
  tables, which pages read through :func:`latest` (memoised on the file's own stamp, so
  read again after any write); the version the file has after such a write is taken as
  the same data as before it, so a sign-in does not empty every session's cache.
* **Memory**: the cache keeps pickled results, at most :data:`CACHE_MAX_SIZE` of them in all
  (least recently used go first). Entries of an older data version can never be read again,
  so they are dropped as soon as a newer version is seen. Reads run with
  ``db.READ_SETTINGS`` (one DuckDB thread, a memory limit).
* Pages never write SQL; the functions they pass live in ``monev.store`` or ``monev.engine``
  and know nothing about Streamlit.
* **Cluster mode** (``$MONEV_CLUSTER=1``, deploy/cluster/): cached reads come from the newest
  immutable snapshot of the database (``monev.store.snapshots``), taken at the start of each
  rerun (:func:`pin_snapshot`, called by ``session.active_user``) and kept for the rest of it;
  the data version is then the snapshot's name. Uncached reads and every write still use the
  live file, and :func:`write` publishes a new snapshot after each write of data (not after
  :func:`write_account`'s). Without the variable nothing of this happens.
"""

from __future__ import annotations

import functools
import logging
import os
import pickle
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import streamlit as st

from etl.archive import Archive
from monev.domain.settings import Rules
from monev.engine.asof import AsOf
from monev.store import db, snapshots
from monev.store.db import DatabaseBusy

__all__ = ["BUSY_MESSAGE", "LOCK", "DatabaseBusy", "archive", "cached", "data_version",
           "db_path", "derived", "ensure", "latest", "read", "write", "write_account"]

LOG = logging.getLogger(__name__)
T = TypeVar("T")

BUSY_MESSAGE = "Data sedang diperbarui. Coba lagi dalam beberapa detik."
SNAPSHOT_FAILED = ("Perubahan sudah tersimpan, tetapi server lain dalam klaster belum "
                   "menampilkannya (snapshot gagal dibuat). Hubungi admin server.")
LOCK = db.WRITE_LOCK  # one process-wide (re-entrant) lock shared with the loader and CLI
READ_RETRIES = 8    # db.connect waits 0.2 s × attempt: about 7 s in all
WRITE_RETRIES = 10  # about 11 s: an upload is worth waiting for a little longer
# Bound of the result cache (pickled bytes, all entries together; least recently used go
# first). Measured on the national dataset: the pages of one region for one period cache 21
# entries of 0.2-1.1 MB in all (0.44 MB on average, about 226 MB for all 514 regions); the
# largest single entry, the audit trail, is about 1 MB. 64 MB holds about 140 regions' pages
# and keeps the server's peak resident set under its 500 MB target.
CACHE_MAX_SIZE = "64MB"
CACHE_MAX_ENTRIES = 1024
LATEST_MAX_ENTRIES = 16   # latest(): a few tables of at most about 1 MB (the audit trail)


def db_path() -> Path:
    """The database the app serves ($MONEV_DB or data/monev.duckdb), resolved."""
    return _resolved(str(db.default_db_path()))


@functools.lru_cache(maxsize=16)
def _resolved(path: str) -> Path:
    # Every cached read asks for the path; resolving it walks the file system each time.
    return Path(path).resolve()


@functools.lru_cache(maxsize=16)
def _journal(path: Path) -> Path:
    return Archive(db.archive_root(path)).journal_path


def archive(path: Path | None = None) -> Archive:
    """The archive of accepted files beside the database."""
    return Archive(db.archive_root(path or db_path()))


def _stat(path: Path) -> str:
    try:
        st_ = os.stat(path)
    except OSError:
        return "-"
    return f"{st_.st_size}.{st_.st_mtime_ns}"


def data_version(path: Path | str | None = None) -> str:
    """A string that changes whenever the data may have changed; needs no connection.

    Made of the database file's existence and stat, and the archive journal's size and
    modification time (appended on every accepted load, restore and withdrawal).
    """
    path = Path(path) if path else db_path()
    return f"db:{int(path.exists())}:{_stat(path)}|journal:{_stat(_journal(path))}"


def ensure(path: Path | None = None) -> Path:
    """Create the database (schema and reference data) when the file does not exist yet."""
    path = path or db_path()
    if not path.exists():
        with LOCK:
            if not path.exists():
                try:
                    db.ensure_database(path)
                except duckdb.IOException as exc:
                    raise DatabaseBusy(str(exc)) from exc
    return path


def read(fn: Callable[..., T], *args: Any, path: Path | None = None) -> T:
    """Call ``fn(con, *args)`` on a short-lived read-only connection (not cached)."""
    path = ensure(path)
    with LOCK, db.opened(path, read_only=True, retries=READ_RETRIES,
                         settings=db.READ_SETTINGS) as con:
        return fn(con, *args)


def write(fn: Callable[..., T], *args: Any, path: Path | None = None,
          publish: bool = True) -> T:
    """Call ``fn(con, *args)`` on a short-lived read-write connection (uploads, restores).

    In cluster mode (or on a database with snapshots) the data it committed is published as
    a new snapshot before the connection closes (``publish=False``: account-only writes)."""
    global _WRITES
    path = ensure(path)
    with LOCK:
        try:
            with db.opened(path, read_only=False, retries=WRITE_RETRIES) as con:
                result = fn(con, *args)
                if publish:
                    try:
                        snapshots.publish_if_enabled(con, path)
                    except snapshots.SnapshotError:
                        # Committed, but the replicas do not see it yet: said, never silent.
                        LOG.exception("snapshot not published after a write")
                        st.warning(SNAPSHOT_FAILED)
                return result
        finally:
            _WRITES += 1    # what latest() read before this write is read again


# Writes of this process so far (part of latest()'s key: a write within the file system's
# timestamp tick that leaves the file's size alone still reads again).
_WRITES = 0


# The data version a file has after an account-only write -> the version before that write.
_SAME_DATA: dict[str, str] = {}


def write_account(fn: Callable[..., T], *args: Any, path: Path | None = None) -> T:
    """Like :func:`write`, for a write that no cached read depends on (sign-in, sign-out,
    lock-outs and browser sessions touch only ``app_user``, ``web_session`` and
    ``audit_event``, read through :func:`latest`): the cache is kept.

    The write runs under :data:`LOCK`, so no write of this process falls between the two
    versions; a write by another process in those milliseconds that leaves the archive journal
    alone (a CLI settings or account change) would be seen at the next change of the data."""
    path = ensure(path)
    with LOCK:
        before = _version(path)
        result = write(fn, *args, path=path, publish=False)
        _SAME_DATA[data_version(path)] = before
    return result


def _version(path: Path) -> str:
    """The data version of ``path``, account-only writes left out.

    A version that is neither known as an account-only write's nor the newest seen is
    settled under :data:`LOCK`: an account-only write still running has recorded its new
    version by the time the lock is free. Without that wait, a page of another session
    reading the file's stat between such a write's close and its record took a sign-in for
    new data and emptied every session's cache (seen as cache misses of every page while 30
    sessions signed in, bench/results.md)."""
    version = data_version(path)
    same = _SAME_DATA.get(version)
    if same is not None:
        return same
    if version == _VERSIONS.get(str(path)):
        return version
    with LOCK:
        version = data_version(path)
        return _SAME_DATA.get(version, version)


@st.cache_data(show_spinner=False, max_entries=LATEST_MAX_ENTRIES)
def _latest_call(name: str, args: tuple, stamp: tuple, writes: int, path: str,
                 _fn: Callable[..., Any]) -> Any:
    # ``_fn`` is not hashed (leading underscore); ``name`` stands for it in the key.
    return read(_fn, *args, path=Path(path))


def latest(fn: Callable[..., T], *args: Any) -> T:
    """``fn(con, *args)`` memoised until the next committed write of any kind, account-only
    ones included, by this process or another (``db.file_stamp`` and this process's count of
    writes): for what sign-ins change and pages show (the audit trail, accounts, settings).
    Every session shares one read until then, where each view used to open a connection
    (about 30 ms on the national dataset). Always the live file, in cluster mode too."""
    path = ensure()
    name = f"{fn.__module__}.{fn.__qualname__}"
    return _latest_call(name, tuple(args), db.file_stamp(path), _WRITES, str(path), fn)


def by_pickle(value: object) -> bytes:
    """A frozen dataclass argument as a cache key sees it (``hash_funcs``): its pickle, made
    in C. Streamlit would hash it through ``dataclasses.asdict``, a deep copy of every nested
    tuple (the rules hold the holidays, horizons and dimensions), for each of a page's dozen
    cached calls on every view."""
    return pickle.dumps(value, protocol=5)


@st.cache_data(show_spinner=False, max_entries=CACHE_MAX_ENTRIES, max_size=CACHE_MAX_SIZE,
               hash_funcs={Rules: by_pickle, AsOf: by_pickle})
def _cached_call(name: str, args: tuple, version: str, path: str,
                 _fn: Callable[..., Any]) -> Any:
    # ``_fn`` is not hashed (leading underscore); ``name`` stands for it in the key.
    LOG.debug("cache miss %s%r @ %s", name, args, version)
    if version.startswith(_SNAPSHOT):
        # An immutable snapshot: read as it is (never created, as ensure() would a missing
        # live file); gone meanwhile (pruned): FileNotFoundError, the caller takes the newest.
        if not os.path.exists(path):
            raise FileNotFoundError(path)
        with LOCK, db.opened(path, read_only=True, retries=READ_RETRIES,
                             settings=db.READ_SETTINGS) as con:
            return _fn(con, *args)
    return read(_fn, *args, path=Path(path))


@st.cache_data(show_spinner=False, max_entries=CACHE_MAX_ENTRIES, max_size=CACHE_MAX_SIZE,
               hash_funcs={Rules: by_pickle, AsOf: by_pickle})
def _derived_call(name: str, args: tuple, version: str, _fn: Callable[..., Any]) -> Any:
    # ``_fn`` is not hashed (leading underscore); ``name`` stands for it in the key.
    return _fn(*args)


def derived(fn: Callable[..., T], *args: Any) -> T:
    """``fn(*args)`` memoised per (qualified name, args, data version), like :func:`cached`
    for work done on what cached reads return: ``fn`` takes small arguments (codes, the
    period, the rules, a page's filter values; no table), reads through :func:`cached`
    itself and returns what a page shows (monev/ui/models.py). The pandas work of a page is
    then done once for every session that asks with equal arguments, not on every view."""
    live = db_path()
    _, version = _source(live)
    _drop_older_versions(str(live), version)
    return _derived_call(f"{fn.__module__}.{fn.__qualname__}", tuple(args), version, fn)


_VERSIONS: dict[str, str] = {}    # database path -> the newest data version seen
_VERSIONS_LOCK = threading.Lock()


def _newer(version: str, seen: str) -> bool:
    """Whether ``version`` is newer data than ``seen``: any change of a live file's version,
    only a later snapshot for snapshots (reruns still on the previous one for a moment do not
    empty the cache again)."""
    if version.startswith(_SNAPSHOT) and seen.startswith(_SNAPSHOT):
        return _seq(version) > _seq(seen)
    return version != seen


def _seq(version: str) -> int:
    digits = version[len(_SNAPSHOT):].split(".", 1)[0]
    return int(digits) if digits.isdigit() else -1


def _drop_older_versions(path: str, version: str) -> None:
    """Empty the cache when the data of ``path`` changed since the last call: entries of an
    older version can never be read again and would only hold memory until evicted. The
    whole cache is cleared (simpler than remembering every key of a version); entries of
    other databases, only ever seen in tests, are simply read again."""
    with _VERSIONS_LOCK:
        seen = _VERSIONS.get(path)
        if seen is not None and not _newer(version, seen):
            return
        _VERSIONS[path] = version
    if seen is not None:
        LOG.debug("data version of %s changed: cache emptied", path)
        _cached_call.clear()
        _derived_call.clear()
        with _VERSIONS_LOCK:
            _SAME_DATA.clear()             # versions of older data never come back


_SNAPSHOT = "snapshot:"
SNAPSHOT_KEY = "_monev_snapshot"   # session state: the snapshot this rerun reads (cluster)


def pin_snapshot() -> None:
    """Cluster mode: take the newest snapshot for the rerun that starts now (every cached
    read of the rerun comes from it, so one page never mixes two versions); otherwise
    nothing."""
    if snapshots.cluster_mode():
        snap = snapshots.current(db_path())
        st.session_state[SNAPSHOT_KEY] = str(snap) if snap else None


def _source(live: Path, fresh: bool = False) -> tuple[Path, str]:
    """The file cached reads come from and its data version: the live database, or in
    cluster mode the rerun's snapshot (the newest one when none is pinned or it is gone)."""
    if snapshots.cluster_mode():
        pinned = None if fresh else st.session_state.get(SNAPSHOT_KEY)
        snap = Path(pinned) if pinned and os.path.exists(pinned) else snapshots.current(live)
        if snap is not None:
            if pinned:
                st.session_state[SNAPSHOT_KEY] = str(snap)
            return snap, f"{_SNAPSHOT}{snap.name}"
    return live, _version(live)


def cached(fn: Callable[..., T], *args: Any) -> T:
    """``fn(con, *args)`` memoised per (qualified name, args, database, data version)."""
    live = db_path()
    name = f"{fn.__module__}.{fn.__qualname__}"
    path, version = _source(live)
    _drop_older_versions(str(live), version)
    try:
        return _cached_call(name, tuple(args), version, str(path), fn)
    except FileNotFoundError:
        if not version.startswith(_SNAPSHOT):
            raise
    path, version = _source(live, fresh=True)   # the pinned snapshot was pruned meanwhile
    return _cached_call(name, tuple(args), version, str(path), fn)
