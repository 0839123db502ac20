"""Snapshots of one database state share their reads across connections (the app opens one
connection per cached call), and never once the data changed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from etl.load import delete_load
from monev.engine import AsOf, attainment, flags
from monev.engine.snapshot import Snapshot
from monev.store import facts
from tests.engine.conftest import World, build_world

ASOF = AsOf.latest(2025, 2, date(2025, 8, 15))


@pytest.fixture
def w(tmp_path: Path) -> Iterator[World]:
    world = build_world(tmp_path / "monev.duckdb")
    yield world
    world.close()


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The fact queries run, by the name of the read."""
    seen: list[str] = []
    real = facts._read

    def counting(con: duckdb.DuckDBPyConnection, sql: str, **params: object) -> pd.DataFrame:
        seen.append(sql.split("SELECT", 1)[0][:40])
        return real(con, sql, **params)

    monkeypatch.setattr(facts, "_read", counting)
    return seen


def test_a_second_connection_reuses_what_the_first_read(w: World, reads: list[str]) -> None:
    first = attainment.program_attainment(w.con, "35.23", ASOF)
    assert reads, "the first call reads the facts"
    reads.clear()
    with duckdb.connect(str(w.path)) as other:
        again = attainment.program_attainment(other, "35.23", ASOF)
        assert reads == []
        pd.testing.assert_frame_equal(again, first)
        dims = attainment.dimension_attainment(other, "35.23", ASOF)
    # The dimensions build on the programs already derived: only what those did not need
    # (the dimension list, the programs with a report) is read.
    assert len(dims) == 6 and len(reads) == 2


def test_a_change_of_the_data_is_read_again(w: World, reads: list[str]) -> None:
    before = attainment.program_attainment(w.con, "35.23", ASOF)
    delete_load(w.con, w.results[-2].load_id, actor="penguji", archive=None,
                at=datetime(2025, 8, 1))        # KOMINFO's TW II report withdrawn
    reads.clear()
    after = attainment.program_attainment(w.con, "35.23", ASOF)
    assert reads, "the withdrawal made the facts be read again"
    gov = after.set_index("program_code").loc["GOV-01", "capaian"]
    assert gov != before.set_index("program_code").loc["GOV-01", "capaian"]


def test_an_in_memory_database_shares_nothing(reads: list[str]) -> None:
    from monev.engine.snapshot import shared_memo

    with duckdb.connect(":memory:") as con:
        assert shared_memo(con, "35.23", ASOF.cutoff) is None


def test_a_view_resolves_the_active_loads_once(w: World, reads: list[str],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    resolved: list[str] = []
    real = facts.active_loads

    def counting(con: duckdb.DuckDBPyConnection, region: str,
                 cutoff: datetime) -> facts.ActiveLoads:
        resolved.append(region)
        return real(con, region, cutoff)

    monkeypatch.setattr(facts, "active_loads", counting)
    snap = Snapshot(w.con, "35.23", ASOF.cutoff)
    flags.all_flags(snap, "35.23", ASOF)
    assert len(reads) >= 5 and resolved == ["35.23"]
    # A read called on its own resolves them itself.
    facts.budget(w.con, "35.23", ASOF.cutoff, ASOF.year)
    assert resolved == ["35.23", "35.23"]
