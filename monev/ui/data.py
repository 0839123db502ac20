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
  tables, which pages read uncached; the version the file has after such a write is taken as
  the same data as before it, so a sign-in does not empty every session's cache.
* **Memory**: the cache keeps pickled results, at most :data:`CACHE_MAX_SIZE` of them in all
  (least recently used go first). Entries of an older data version can never be read again,
  so they are dropped as soon as a newer version is seen. Reads run with
  ``db.READ_SETTINGS`` (one DuckDB thread, a memory limit).
* Pages never write SQL; the functions they pass live in ``monev.store`` or ``monev.engine``
  and know nothing about Streamlit.
"""

from __future__ import annotations

import functools
import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import streamlit as st

from etl.archive import Archive
from monev.store import db
from monev.store.db import DatabaseBusy

__all__ = ["BUSY_MESSAGE", "LOCK", "DatabaseBusy", "archive", "cached", "data_version",
           "db_path", "ensure", "read", "write", "write_account"]

LOG = logging.getLogger(__name__)
T = TypeVar("T")

BUSY_MESSAGE = "Data sedang diperbarui. Coba lagi dalam beberapa detik."
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


def write(fn: Callable[..., T], *args: Any, path: Path | None = None) -> T:
    """Call ``fn(con, *args)`` on a short-lived read-write connection (uploads, restores)."""
    path = ensure(path)
    with LOCK, db.opened(path, read_only=False, retries=WRITE_RETRIES) as con:
        return fn(con, *args)


# The data version a file has after an account-only write -> the version before that write.
_SAME_DATA: dict[str, str] = {}


def write_account(fn: Callable[..., T], *args: Any, path: Path | None = None) -> T:
    """Like :func:`write`, for a write that no cached read depends on (sign-in, sign-out,
    lock-outs and browser sessions touch only ``app_user``, ``web_session`` and
    ``audit_event``, read uncached): the cache is kept.

    The write runs under :data:`LOCK`, so no write of this process falls between the two
    versions; a write by another process in those milliseconds that leaves the archive journal
    alone (a CLI settings or account change) would be seen at the next change of the data."""
    path = ensure(path)
    with LOCK:
        before = _version(path)
        result = write(fn, *args, path=path)
        _SAME_DATA[data_version(path)] = before
    return result


def _version(path: Path) -> str:
    """The data version of ``path``, account-only writes left out."""
    version = data_version(path)
    return _SAME_DATA.get(version, version)


@st.cache_data(show_spinner=False, max_entries=CACHE_MAX_ENTRIES, max_size=CACHE_MAX_SIZE)
def _cached_call(name: str, args: tuple, version: str, path: str,
                 _fn: Callable[..., Any]) -> Any:
    # ``_fn`` is not hashed (leading underscore); ``name`` stands for it in the key.
    LOG.debug("cache miss %s%r @ %s", name, args, version)
    return read(_fn, *args, path=Path(path))


_VERSIONS: dict[str, str] = {}    # database path -> the newest data version seen
_VERSIONS_LOCK = threading.Lock()


def _drop_older_versions(path: str, version: str) -> None:
    """Empty the cache when the data of ``path`` changed since the last call: entries of an
    older version can never be read again and would only hold memory until evicted. The
    whole cache is cleared (simpler than remembering every key of a version); entries of
    other databases, only ever seen in tests, are simply read again."""
    with _VERSIONS_LOCK:
        seen = _VERSIONS.get(path)
        _VERSIONS[path] = version
    if seen is not None and seen != version:
        LOG.debug("data version of %s changed: cache emptied", path)
        _cached_call.clear()
        with _VERSIONS_LOCK:
            _SAME_DATA.clear()             # versions of older data never come back


def cached(fn: Callable[..., T], *args: Any) -> T:
    """``fn(con, *args)`` memoised per (qualified name, args, database, data version)."""
    path = db_path()
    name = f"{fn.__module__}.{fn.__qualname__}"
    version = _version(path)
    _drop_older_versions(str(path), version)
    return _cached_call(name, tuple(args), version, str(path), fn)
