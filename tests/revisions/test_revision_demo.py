"""The demo holds a revision of each kind on real Tuban programs, loaded as a revision
workbook: 2026 TW II is judged on the original masterplan, TW III on the revised one."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

import duckdb
import pytest

from monev.engine import AsOf, indicator_attainment, masterplan_attainment, village_rollout
from monev.engine.revisions import off_plan, program_history

demo = pytest.importorskip("etl.demo")
from tests.app.dbs import demo_build  # noqa: E402  (needs etl.demo)

REGION = "35.23"
CUTOFF = datetime(2026, 11, 23, 23, 59)
TW2, TW3 = AsOf(2026, 2, CUTOFF), AsOf(2026, 3, CUTOFF)


@pytest.fixture(scope="module")
def con(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    build = demo_build(tmp_path_factory)
    connection = duckdb.connect(str(build.db), read_only=True)
    yield connection
    connection.close()


def test_the_demo_revision_is_a_load_with_every_kind(con):
    kinds = {k for (k,) in con.execute(
        "SELECT r.kind FROM revision r JOIN active_load l USING (load_id) "
        "WHERE l.kind = 'revisi'").fetchall()}
    assert kinds == {"ditunda", "dijadwal_ulang", "target_diubah", "dibatalkan", "ditambah"}
    history = program_history(con, REGION, TW3)
    assert len(history) == len(demo.REVISIONS) and history["in_force"].all()
    assert not program_history(con, REGION, TW2)["in_force"].any()


def test_tw_ii_sees_the_original_and_tw_iii_the_revised_masterplan(con):
    assert off_plan(con, REGION, TW2).empty
    off = off_plan(con, REGION, TW3).set_index("program_code")
    assert off.loc["ENV-01", "status_label"] == "Ditunda ke 2027"
    assert off.loc["ECO-06", "status_label"] == "Dibatalkan mulai 2026"
    assert off.loc["LIV-06", "indicator_code"] == "LIV-06.2"
    before = indicator_attainment(con, REGION, TW2).set_index("indicator_code")
    after = indicator_attainment(con, REGION, TW3).set_index("indicator_code")
    assert before.loc["SOC-03.1", "annual_target"] == 33300
    assert after.loc["SOC-03.1", ["annual_target", "target_original"]].tolist() == [35000,
                                                                                    33300]
    assert after.loc["SOC-03.1", "revised"] and not before.loc["SOC-03.1", "revised"]
    assert {"ENV-01.1", "ECO-06.1", "LIV-06.2"} <= set(before.index)
    assert not {"ENV-01.1", "ECO-06.1", "LIV-06.2"} & set(after.index)
    assert masterplan_attainment(con, REGION, TW3)["n_programs"] == \
        masterplan_attainment(con, REGION, TW2)["n_programs"] - 2


def test_the_postponed_demo_program_moves_its_villages_not_yet_under_way(con):
    on = date(2026, 11, 23)
    villages = village_rollout(con, REGION, AsOf(2026, 3, CUTOFF, on=on))
    env = villages[villages["program_code"] == "ENV-01"]
    moved = env[env["funding_year"] != env["funding_year_original"]]
    assert len(moved) >= 1
    assert set(moved["funding_year_original"]) == {2026} and set(moved["funding_year"]) == {2027}
    assert moved["revision_note"].str.startswith("Ditunda ke 2027").all()
    kept = env[(env["funding_year_original"] == 2026) & (env["funding_year"] == 2026)]
    assert set(kept["current_stage"]) <= {"Pelaksanaan", "Beroperasi"}


def test_the_comparison_of_regions_applies_the_revision_in_force(con):
    """Perbandingan Wilayah shows for a region with revisions what its own pages show: the
    revised masterplan from TW III 2026 (two programs off the plan), the original before."""
    import numpy as np

    from monev.domain import workdays as wd
    from monev.engine import dimension_attainment, report_completeness
    from monev.engine.national import region_comparison, revised_regions

    assert revised_regions(con, TW3) == [REGION]
    for asof in (TW2, TW3):
        row = region_comparison(con, asof).set_index("region_code").loc[REGION]
        overall = masterplan_attainment(con, REGION, asof)
        assert row["capaian"] == pytest.approx(overall["capaian"], rel=1e-12)
        assert (row["n_programs"], row["n_indicators"], row["n_indicators_computed"]) == (
            overall["n_programs"], overall["n_indicators"], overall["n_indicators_computed"])
        for code, value in dimension_attainment(con, REGION, asof).set_index(
                "dimension_code")["capaian"].items():
            got = row[f"capaian_{code.lower()}"]
            assert (np.isnan(got) and np.isnan(value)) or got == pytest.approx(value)
        status = report_completeness(con, REGION, asof)["status"]
        assert row["completeness_pct"] == pytest.approx(wd.completeness(status))
        rollout = village_rollout(con, REGION, asof)
        assert (row["n_village_plans"], row["n_bergeser"]) == (
            len(rollout), int((rollout["status"] == "bergeser").sum()))
    revised = region_comparison(con, TW3).set_index("region_code").loc[REGION]
    original = region_comparison(con, TW2).set_index("region_code").loc[REGION]
    assert revised["n_programs"] == original["n_programs"] - 2
