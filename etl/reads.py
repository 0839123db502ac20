"""What the checks of one ``load_many`` call read from the database, read once per call.

A quarter of reports asks the same few questions for every file: has this file been loaded
before, which masterplan is active, what did this OPD report in earlier TWs, which load does
this one replace. Each is answered for the whole call (every file's hash, a region's whole
year or all its active loads) in one query, and forgotten after every commit, since a commit
changes the answers.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb

from monev.store import intake, lineage
from monev.store.intake import MasterplanState


class Reads:
    """Database answers for one batch of files, valid until the next commit."""

    def __init__(self, con: duckdb.DuckDBPyConnection, hashes: Sequence[str]) -> None:
        self.con, self.hashes = con, list(hashes)
        self.forget()

    def forget(self) -> None:
        """Drop every answer (call after a commit)."""
        self._loads: dict[str, list[tuple[int, bool]]] | None = None
        self._states: dict[str, MasterplanState | None] = {}
        self._budgets: dict[tuple[str, int], list[tuple]] = {}
        self._active: dict[str, dict[str, dict]] = {}

    def loads_with_hash(self, file_hash: str) -> list[tuple[int, bool]]:
        """(load_id, is_active) of every load of these bytes, newest first."""
        if self._loads is None:
            self._loads = lineage.loads_with_hashes(self.con, self.hashes)
        return self._loads.get(file_hash, [])

    def masterplan_state(self, region: str) -> MasterplanState | None:
        """The region's active masterplan (see ``intake.masterplan_state``)."""
        if region not in self._states:
            self._states[region] = intake.masterplan_state(self.con, region)
        return self._states[region]

    def prior_budget(self, region: str, opd: str, year: int,
                     before_tw: int) -> list[tuple[str, str, int, float | None, str]]:
        """(program, source, tw, realisasi, basis) an OPD reported this year before a TW."""
        if (region, year) not in self._budgets:
            self._budgets[region, year] = intake.budgets_of_year(self.con, region, year)
        return [row[1:] for row in self._budgets[region, year]
                if row[0] == opd and row[3] < before_tw]

    def active_load_for_scope(self, region: str, key: str) -> dict | None:
        """The load active now for a scope key of a region, or None."""
        if region not in self._active:
            self._active[region] = lineage.active_loads_of_region(self.con, region)
        return self._active[region].get(key)
