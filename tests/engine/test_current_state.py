"""The pre-aggregated current state (monev/store/current.py) gives the national roll-up the
same figures as the fact tables, and is never read when a write has not refreshed it."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from etl.load import delete_load, load_paths, restore_load
from monev.engine import AsOf
from monev.engine.national import region_comparison
from monev.store import current, db
from tests.engine.conftest import DESA, MASTERPLAN_ROWS, World, build_world

TODAY = date(2025, 8, 15)
VIEWS = [AsOf.latest(2025, q, TODAY) for q in (1, 2, 3, 4)] + [AsOf.latest(2026, 1, TODAY)]


def same_both_ways(w: World) -> None:
    """For every view: the pre-aggregated path and the fact-table path agree exactly."""
    assert current.is_fresh(w.con)
    for asof in VIEWS:
        fast = region_comparison(w.con, asof, pre_aggregated=True)
        slow = region_comparison(w.con, asof, pre_aggregated=False)
        pd.testing.assert_frame_equal(fast, slow)
        assert region_comparison(w.con, asof).equals(slow)


@pytest.fixture
def w(tmp_path: Path) -> World:
    world = build_world(tmp_path / "monev.duckdb")
    yield world
    world.close()


def test_every_load_commits_its_region_s_current_state_with_it(w: World) -> None:
    # build_world loads through load_bytes alone: no refresh afterwards
    assert current.stale_regions(w.con) == []
    same_both_ways(w)
    assert current.refresh_stale(w.con) == []          # nothing left to do


def test_supersede_withdraw_and_restore_each_keep_it_current(w: World) -> None:
    before = region_comparison(w.con, VIEWS[1])
    latest = w.results[-1].load_id
    delete_load(w.con, latest, actor="penguji", archive=None, at=datetime(2025, 8, 1))
    same_both_ways(w)
    assert not region_comparison(w.con, VIEWS[1]).equals(before)
    restore_load(w.con, latest, actor="penguji", archive=None, at=datetime(2025, 8, 2))
    same_both_ways(w)
    pd.testing.assert_frame_equal(region_comparison(w.con, VIEWS[1]), before)


def test_a_failed_load_leaves_the_current_state_as_it_was(w: World,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    state = w.con.execute("SELECT * FROM cur_state").fetchall()
    realisations = w.con.execute("SELECT * FROM cur_realisation ORDER BY ALL").fetchall()

    def fail() -> None:  # the moment before COMMIT, after the rebuild
        raise RuntimeError("disk penuh")

    monkeypatch.setattr("etl.load._fault_pause", fail)
    with pytest.raises(RuntimeError):
        w.report("DINKES", 2025, 2, datetime(2025, 8, 1), realisasi={"LIV-01.1": 3})
    assert w.con.execute("SELECT * FROM cur_state").fetchall() == state
    assert w.con.execute("SELECT * FROM cur_realisation ORDER BY ALL").fetchall() == realisations
    same_both_ways(w)


def _current_rows(w: World) -> dict[str, list[tuple]]:
    return {t: w.con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall()
            for t in ("cur_realisation", "cur_village", "cur_state")}


def test_rebuilding_only_what_a_load_changes_equals_a_full_rebuild(w: World) -> None:
    """A masterplan leaves the realisations alone; after a report and after a masterplan the
    rows are those of rebuilding everything."""
    w.report("DINKES", 2025, 2, datetime(2025, 8, 1), realisasi={"LIV-01.1": 3})
    after_report = _current_rows(w)
    current.refresh(w.con)
    assert _current_rows(w) == after_report
    rows = {k: [dict(r) for r in v] for k, v in MASTERPLAN_ROWS.items()}
    rows["target"][0]["target"] = 120                    # GOV-01.1 in 2025: 100 -> 120
    assert w.masterplan(rows, at=datetime(2025, 8, 2)).status == "loaded"
    after_revision = _current_rows(w)
    assert after_revision["cur_state"] != after_report["cur_state"]
    assert after_revision["cur_realisation"] == after_report["cur_realisation"]
    current.refresh(w.con)
    assert _current_rows(w) == after_revision
    same_both_ways(w)


def test_facts_written_outside_a_load_leave_it_stale_and_unread(w: World) -> None:
    # as the national generator does: rows and activations straight into the tables
    w.con.execute("UPDATE load_activation SET active_until = TIMESTAMP '2025-08-01' "
                  "WHERE load_id = ? AND active_until IS NULL", [w.results[-1].load_id])
    assert current.stale_regions(w.con) == ["35.23"]
    assert not current.is_fresh(w.con)
    region_comparison(w.con, VIEWS[1])                 # read: falls back to the fact tables
    assert current.refresh_stale(w.con) == ["35.23"]
    same_both_ways(w)


def test_village_dates_after_the_view_date_do_not_count(w: World) -> None:
    current.refresh_stale(w.con)
    early = AsOf.latest(2025, 1, date(2025, 3, 1))      # before Pelaksanaan (10 Mar)
    fast = region_comparison(w.con, early, pre_aggregated=True)
    pd.testing.assert_frame_equal(fast, region_comparison(w.con, early, pre_aggregated=False))
    assert w.con.execute("SELECT count(*) FROM cur_village WHERE village_code = ?",
                         [DESA]).fetchone()[0] == 1


def test_a_cut_off_in_the_past_reads_the_fact_tables(w: World) -> None:
    current.refresh_stale(w.con)
    past = AsOf(2025, 1, datetime(2025, 4, 9))           # before DPMD's first report
    assert region_comparison(w.con, past).equals(
        region_comparison(w.con, past, pre_aggregated=False))
    # ... and the current state would have given other figures (DPMD's report counted)
    assert not region_comparison(w.con, past).equals(
        region_comparison(w.con, AsOf.latest(2025, 1, past.date), pre_aggregated=True))


def test_missing_tables_are_created_by_the_next_refresh(w: World) -> None:
    for table in ("cur_realisation", "cur_village", "cur_state", "schema_info"):
        w.con.execute(f"DROP TABLE {table}")  # a database from before these tables
    assert current.stale_regions(w.con) == ["*"] and not current.is_fresh(w.con)
    region_comparison(w.con, VIEWS[0])                 # read: falls back, does not fail
    assert current.refresh_stale(w.con) == ["35.23"]
    same_both_ways(w)


def test_a_database_from_before_loses_its_pivoted_targets(w: World) -> None:
    """cur_target (the pivoted targets, read by the roll-up until 2026-12-03) is dropped by
    the next writer's schema check; the roll-up reads the target fact table instead."""
    w.con.execute("CREATE TABLE cur_target AS SELECT * FROM target")
    w.con.execute("DROP TABLE schema_info")  # nor had it a schema digest
    db.init_schema(w.con)
    assert w.con.execute("SELECT count(*) FROM duckdb_tables() "
                         "WHERE table_name = 'cur_target'").fetchone() == (0,)
    same_both_ways(w)


def test_the_cli_loader_refreshes_after_its_batch(w: World, tmp_path: Path) -> None:
    w.close()
    again = tmp_path / "again.xlsx"
    again.write_bytes(b"bukan spreadsheet")
    load_paths(w.path, [again], actor="penguji")        # a batch, even a rejected one
    w.con = duckdb.connect(str(w.path))
    assert current.is_fresh(w.con)
    same_both_ways(w)
