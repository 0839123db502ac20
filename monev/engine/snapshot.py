"""One region's facts at one cut-off, each read at most once.

Every engine function accepts either a DuckDB connection or a ``Snapshot``. Given a connection it
makes a snapshot for that call only; given a snapshot (``Snapshot(con, region, cutoff)``) several
calls of one view (a page) share the reads and the derived frames (indicator attainment is then
computed once for the roll-ups and the flags).

Frames kept here are shared: engine code never mutates them in place (pandas copy-on-write makes
derived frames independent), and public functions hand out shallow copies.

Snapshots made from a connection to a database file also share their reads and derived frames
with earlier snapshots of the same file state, region and cut-off (:func:`snapshot`): the app
opens a connection per cached call, so the calls of one page view (attainment, flags,
completeness…) would otherwise each read and derive everything again.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

import duckdb
import pandas as pd

from monev.engine.asof import AsOf
from monev.store import facts

T = TypeVar("T")


class Snapshot:
    """Memoised reads of ``monev.store.facts`` for one region and cut-off."""

    def __init__(self, con: duckdb.DuckDBPyConnection, region: str, cutoff: datetime,
                 memo: dict[tuple[Any, ...], Any] | None = None) -> None:
        """Remember the connection, region and cut-off; nothing is read yet. ``memo`` holds
        what earlier snapshots of the same data, region and cut-off already read."""
        self.con = con
        self.region = region
        self.cutoff = cutoff
        self._memo: dict[tuple[Any, ...], Any] = {} if memo is None else memo

    def active(self) -> facts.ActiveLoads:
        """The region's loads active at the cut-off, resolved once for every read."""
        key = ("active",)
        if key not in self._memo:
            self._memo[key] = facts.active_loads(self.con, self.region, self.cutoff)
        return self._memo[key]

    def read(self, fn: Callable[..., T], *args: object) -> T:
        """fn(con, region, cutoff, *args, active=…) from monev.store.facts, read once per
        arguments, every read on the same active loads."""
        key = ("read", fn.__name__, args)
        if key not in self._memo:
            self._memo[key] = fn(self.con, self.region, self.cutoff, *args, active=self.active())
        return self._memo[key]

    def dimensions(self) -> pd.DataFrame:
        """All Smart City dimensions (not region-specific), read once."""
        key = ("dimensions",)
        if key not in self._memo:
            self._memo[key] = facts.dimensions(self.con)
        return self._memo[key]

    def derived(self, key: tuple[Any, ...], build: Callable[[], T]) -> T:
        """A computed result kept under key (e.g. the indicator view of an as-of and rules)."""
        full = ("derived", *key)
        if full not in self._memo:
            self._memo[full] = build()
        return self._memo[full]


Source = duckdb.DuckDBPyConnection | Snapshot


def snapshot(source: Source, region: str, asof: AsOf) -> Snapshot:
    """The given snapshot (checked to match region and cut-off), or one on the connection
    that shares what earlier snapshots of the same database state read (see
    :func:`shared_memo`)."""
    if isinstance(source, Snapshot):
        if source.region != region or source.cutoff != asof.cutoff:
            raise ValueError("Snapshot ini untuk wilayah/cut-off lain: "
                             f"{source.region} {source.cutoff} ≠ {region} {asof.cutoff}")
        return source
    return Snapshot(source, region, asof.cutoff, shared_memo(source, region, asof.cutoff))


SHARED_SNAPSHOTS = 8          # memos kept (least recently used go first)
_SHARED: OrderedDict[tuple[Any, ...], dict[tuple[Any, ...], Any]] = OrderedDict()
_SHARED_LOCK = threading.Lock()


def _stat(path: str) -> tuple[int, int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_ino, st.st_size, st.st_mtime_ns


def shared_memo(con: duckdb.DuckDBPyConnection, region: str,
                cutoff: datetime) -> dict[tuple[Any, ...], Any] | None:
    """The memo shared by every snapshot of this database file in its current state, for one
    region and cut-off; None for an in-memory database (nothing is shared).

    The state is the newest load event (every load, supersede, restore and withdrawal) and
    the file's and its write-ahead log's inode, size and modification time, so a memo is
    never used after the data changed (a write that changes no fact, such as a sign-in, only
    costs a fresh memo)."""
    row = con.execute("SELECT path FROM duckdb_databases() "
                      "WHERE database_name = current_database()").fetchone()
    path = row[0] if row else None
    if not path:
        return None
    key = (path, _stat(path), _stat(path + ".wal"), facts.data_version(con), region, cutoff)
    with _SHARED_LOCK:
        memo = _SHARED.get(key)
        if memo is None:
            memo = _SHARED[key] = {}
            while len(_SHARED) > SHARED_SNAPSHOTS:
                _SHARED.popitem(last=False)
        else:
            _SHARED.move_to_end(key)
        return memo
