"""One region's facts at one cut-off, each read at most once.

Every engine function accepts either a DuckDB connection or a ``Snapshot``. Given a connection it
makes a snapshot for that call only; given a snapshot (``Snapshot(con, region, cutoff)``) several
calls of one view (a page) share the reads and the derived frames (indicator attainment is then
computed once for the roll-ups and the flags).

Frames kept here are shared: engine code never mutates them in place (pandas copy-on-write makes
derived frames independent), and public functions hand out shallow copies.
"""

from __future__ import annotations

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

    def __init__(self, con: duckdb.DuckDBPyConnection, region: str, cutoff: datetime) -> None:
        """Remember the connection, region and cut-off; nothing is read yet."""
        self.con = con
        self.region = region
        self.cutoff = cutoff
        self._memo: dict[tuple[Any, ...], Any] = {}

    def read(self, fn: Callable[..., T], *args: object) -> T:
        """fn(con, region, cutoff, *args) from monev.store.facts, read once per arguments."""
        key = ("read", fn.__name__, args)
        if key not in self._memo:
            self._memo[key] = fn(self.con, self.region, self.cutoff, *args)
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
    """The given snapshot (checked to match region and cut-off) or a fresh one on a
    connection."""
    if isinstance(source, Snapshot):
        if source.region != region or source.cutoff != asof.cutoff:
            raise ValueError("Snapshot ini untuk wilayah/cut-off lain: "
                             f"{source.region} {source.cutoff} ≠ {region} {asof.cutoff}")
        return source
    return Snapshot(source, region, asof.cutoff)
