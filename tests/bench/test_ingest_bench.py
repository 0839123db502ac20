"""The ingest benchmark's workloads load as the benchmark says, and its floor writes what it
claims (one committed audit row, nothing else). No timing here: see ``python -m bench``."""

from __future__ import annotations

import duckdb

from bench.ingest import durable_floor, masterplan, on_disk, our_load, quarter_reports
from monev.store import db

COUNTED = ("audit_event", "load", "target", "realisation", "budget")


def counts(path) -> dict[str, int]:
    with duckdb.connect(str(path), read_only=True) as con:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in COUNTED}


def test_the_floor_commits_one_audit_row_and_nothing_else(tmp_path):
    path = db.ensure_database(tmp_path / "m.duckdb")
    before = counts(path)
    assert durable_floor(path) == 1
    assert counts(path) == {**before, "audit_event": before["audit_event"] + 1}


def test_a_small_quarter_loads_every_report_into_its_masterplan(tmp_path):
    path = db.ensure_database(tmp_path / "m.duckdb")
    our_load(on_disk([("mp.xlsx", masterplan(3, 2, 2))], tmp_path / "mp"), path)
    rows = our_load(on_disk(quarter_reports(3, 2, 2), tmp_path / "q"), path)
    after = counts(path)
    assert after["load"] == 1 + 3
    assert after["realisation"] == 3 * 2 * 2 and after["budget"] == 3 * 2
    assert rows >= after["realisation"] + after["budget"]
