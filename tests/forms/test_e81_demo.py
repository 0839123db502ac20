"""E.81 out and back in on the Kabupaten Tuban demo: every table the form carries comes back
unchanged (several funding sources per program included); what it cannot carry (village
stages) is named by the removal guard, never dropped silently."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from etl.e81_export import e81_bytes
from etl.load import load_bytes
from etl.validate import Expect
from tests.app.dbs import copy_database, demo_available, demo_source


@pytest.mark.skipif(not demo_available(), reason="etl/demo.py belum ada")
@pytest.mark.parametrize("opd", ["KOMINFO", "DPMD"])
def test_the_demo_opds_e81_loads_back_changing_nothing_it_carries(
        tmp_path_factory: pytest.TempPathFactory, tmp_path: Path, opd: str) -> None:
    path = copy_database(demo_source(tmp_path_factory), tmp_path / "demo" / "monev.duckdb")
    con = duckdb.connect(str(path))
    try:
        data = e81_bytes(con, "35.23", opd, 2026, 3)
        result = load_bytes(con, data, f"E81_{opd}.xlsx", actor="penguji", archive=None,
                            dry_run=True, expect=Expect(opd=opd))
    finally:
        con.close()
    assert result.status == "dry_run", [i.text() for i in result.issues]
    for table in ("realisation", "budget", "program_progress"):
        assert result.diff[table]["baru"] == result.diff[table]["berubah"] == \
            result.diff[table]["dihapus"] == 0, (table, result.diff[table])
        assert result.diff[table]["sama"] > 0
    # village stages are no part of the E.81: loading it over the report asks first
    assert result.removed == result.diff.get("village_stage", {}).get("dihapus", 0)
