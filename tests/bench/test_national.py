"""The synthetic national dataset (bench/national.py) and the national roll-up
(monev/engine/national.py), on three regencies. No timing here: see ``python -m bench``."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from bench.national import MARKER, build_national
from monev import engine as E
from monev.domain import workdays as wd
from monev.engine import AsOf
from monev.engine.national import region_comparison, village_statuses
from monev.store import db, lineage
from monev.store.lineage import FACT_TABLES, MASTERPLAN_TABLES
from tests.app.dbs import national_build

TODAY = date(2026, 11, 23)
VIEWS = [AsOf.latest(2026, 3, TODAY), AsOf(2025, 2, datetime(2025, 7, 8, 12, 0)),
         AsOf(2024, 4, datetime(2025, 1, 5)), AsOf(2026, 4, datetime(2026, 11, 23),
                                                     date(2026, 12, 1))]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """build_national(seed=7, regions=3) and its counts, once per test run (read-only)."""
    return national_build(tmp_path_factory)


@pytest.fixture(scope="module")
def con(built: tuple[Path, dict]):
    c = duckdb.connect(str(built[0]), read_only=True)
    yield c
    c.close()


def test_three_regions_with_tuban_and_counts(built: tuple[Path, dict], con) -> None:
    stats = built[1]
    regions = [r[0] for r in con.execute("SELECT region_code FROM masterplan ORDER BY 1")
               .fetchall()]
    assert stats["regions"] == 3 and len(regions) == 3 and "35.23" in regions
    for table in FACT_TABLES:
        n = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        if table == "revision":     # the synthetic regions' masterplans are never revised
            assert n == stats.get(table, 0) == 0
            continue
        assert n == stats[table] > 0, table
    stored = con.execute("SELECT value_json FROM setting WHERE name = ?", [MARKER]).fetchone()
    assert json.loads(stored[0])["regions"] == 3


def test_programs_indicators_and_targets_in_range(con) -> None:
    per = con.execute("""SELECT region_code, count(*) FROM program GROUP BY 1""").fetchall()
    assert all(30 <= n <= 50 for _, n in per)
    ind = con.execute("""SELECT region_code, program_code, count(*) FROM indicator
                         GROUP BY ALL""").fetchall()
    assert {n for *_, n in ind} <= {1, 2, 3}
    kinds = con.execute("SELECT DISTINCT polarity, accumulation FROM indicator").fetchall()
    assert {p for p, _ in kinds} == {"positif", "negatif"}
    assert {a for _, a in kinds} == {"jumlah", "posisi_akhir", "rata_rata"}
    years = con.execute("""SELECT min(year), max(year), count(DISTINCT year) FROM target
                           WHERE tw = 0""").fetchone()
    assert years == (2023, 2032, 10)
    missing = con.execute("""SELECT count(*) FROM indicator i WHERE (SELECT count(*) FROM target t
                             WHERE t.load_id = i.load_id AND t.indicator_code = i.indicator_code
                               AND t.tw = 0) <> 10""").fetchone()[0]
    assert missing == 0
    reported = con.execute("""SELECT min(year * 10 + tw), max(year * 10 + tw)
                              FROM realisation""").fetchone()
    assert reported == (20231, 20263)


def test_every_fact_belongs_to_an_existing_load_of_its_region_and_kind(con) -> None:
    for table in FACT_TABLES:
        kind = "masterplan" if table in MASTERPLAN_TABLES else "laporan"
        bad = con.execute(f"""SELECT count(*) FROM {table} f LEFT JOIN load l USING (load_id)
                              WHERE l.load_id IS NULL OR l.region_code <> f.region_code
                                 OR l.kind <> '{kind}'""").fetchone()[0]
        assert bad == 0, table


def test_facts_are_active_or_a_draft_replaced_by_an_active_correction(con) -> None:
    active = {r[0] for r in con.execute("SELECT load_id FROM active_load").fetchall()}
    loads = con.execute("SELECT load_id, scope_key, uploaded_at FROM load").df()
    inactive = loads[~loads["load_id"].isin(active)]
    assert len(inactive) >= 1                         # some corrected resubmissions
    for row in inactive.itertuples():
        later = loads[(loads["scope_key"] == row.scope_key)
                      & (loads["uploaded_at"] > row.uploaded_at)]
        assert len(later) == 1 and int(later["load_id"].iloc[0]) in active
    for table in FACT_TABLES:
        ids = {r[0] for r in con.execute(f"SELECT DISTINCT load_id FROM {table}").fetchall()}
        assert ids - active <= set(inactive["load_id"]), table
    # every masterplan and every report scope has exactly one active load
    per_scope = con.execute("""SELECT scope_key, count(*) FROM active_load
                               GROUP BY 1 HAVING count(*) <> 1""").fetchall()
    assert per_scope == []


def test_load_records_follow_the_loader(con) -> None:
    loads = con.execute("SELECT * FROM load ORDER BY load_id").df()
    assert list(loads["load_id"]) == list(range(1, len(loads) + 1))
    assert loads["uploaded_at"].is_monotonic_increasing          # ids in upload order
    for row in loads.itertuples():
        opd = None if row.kind == "masterplan" else row.opd_code
        year = None if row.kind == "masterplan" else int(row.year)
        tw = None if row.kind == "masterplan" else int(row.tw)
        assert row.scope_key == lineage.scope_key(row.kind, row.region_code, opd, year, tw)
    lap = loads[loads["kind"] == "laporan"]
    assert set(lap["basis"]) <= {"tw", "sdtw"} and lap["tw"].between(1, 4).all()
    assert (pd.to_datetime(lap["received_on"]) <= pd.Timestamp(TODAY)).all()
    assert (loads["archive_path"] == "").all() and loads["file_hash"].str.len().eq(64).all()
    counts = [json.loads(c) for c in loads["counts_json"]]
    assert all(set(c) == set(MASTERPLAN_TABLES) for c, k in zip(counts, loads["kind"])
               if k == "masterplan")
    # one open interval per active load, one 'load' event per load, a 'supersede' per draft
    events = con.execute("SELECT * FROM load_event ORDER BY event_id").df()
    assert events["event_at"].is_monotonic_increasing
    assert sorted(events[events["action"] == "load"]["load_id"]) == list(loads["load_id"])
    closed = con.execute("""SELECT count(*) FROM load_activation
                            WHERE active_until IS NOT NULL""").fetchone()[0]
    assert closed == (events["action"] == "supersede").sum() >= 1
    first = json.loads(events["detail"].iloc[0])
    assert set(first) == {"counts", "supersedes"}


def test_village_codes_are_real_villages_of_their_regency(con) -> None:
    for table in ("village_plan", "village_stage"):
        bad = con.execute(f"""SELECT count(*) FROM {table} f
                              LEFT JOIN ref_village v ON v.code = f.village_code
                              WHERE v.code IS NULL OR v.regency_code <> f.region_code
                              """).fetchone()[0]
        assert bad == 0, table
    routes = con.execute("""SELECT DISTINCT v.kind, p.route FROM village_plan p
                            JOIN ref_village v ON v.code = p.village_code""").fetchall()
    assert ("kelurahan", "apbdes") not in routes and ("desa", "apbdes") in routes
    stages = {r[0] for r in con.execute("SELECT DISTINCT stage FROM village_stage").fetchall()}
    assert {"Rencana", "Pelaksanaan", "Beroperasi"} <= stages


def test_engine_runs_on_one_region(con) -> None:
    asof = VIEWS[0]
    overall = E.masterplan_attainment(con, "35.23", asof)
    assert overall["n_programs"] > 0 and overall["capaian"] is not None
    reports = E.report_completeness(con, "35.23", asof)
    assert len(reports) > 0 and set(reports["status"]) <= set(wd.STATUS_LABELS)
    assert len(E.village_rollout(con, "35.23", asof)) > 0
    flags = E.flag_counts(E.all_flags(con, "35.23", asof), asof)
    assert flags["n"].sum() > 0


@pytest.mark.parametrize("asof", VIEWS, ids=lambda a: f"{a.year}-TW{a.tw}-{a.date}")
def test_region_comparison_matches_the_engine_region_by_region(con, asof: AsOf) -> None:
    table = region_comparison(con, asof)
    regions = [r[0] for r in con.execute("SELECT region_code FROM masterplan ORDER BY 1")
               .fetchall()]
    assert list(table["region_code"]) == regions                 # one row per region
    for row in table.itertuples():
        r = row.region_code
        overall = E.masterplan_attainment(con, r, asof)
        assert (overall["capaian"] is None and np.isnan(row.capaian)) or \
            row.capaian == pytest.approx(overall["capaian"], rel=1e-12)
        assert (row.n_programs, row.n_indicators, row.n_indicators_computed) == (
            overall["n_programs"], overall["n_indicators"], overall["n_indicators_computed"])
        dims = E.dimension_attainment(con, r, asof).set_index("dimension_code")["capaian"]
        for code, value in dims.items():
            got = getattr(row, f"capaian_{code.lower()}")
            assert (np.isnan(got) and np.isnan(value)) or got == pytest.approx(value,
                                                                            rel=1e-12)
        reports = E.report_completeness(con, r, asof)
        expected = wd.completeness(reports["status"])
        assert (expected is None and np.isnan(row.completeness_pct)) or \
            row.completeness_pct == pytest.approx(expected)
        assert row.reports_on_time == (reports["status"] == wd.TEPAT_WAKTU).sum()
        status = E.village_rollout(con, r, asof)["status"].value_counts()
        assert (row.n_rawan, row.n_bergeser, row.n_beroperasi) == (
            status.get("rawan", 0), status.get("bergeser", 0), status.get("beroperasi", 0))


def test_region_comparison_on_the_real_loader_world(mp_env) -> None:
    """Also on data written by the real loader (tests/conftest.py)."""
    asof = AsOf.latest(2026, 3, TODAY)
    table = region_comparison(mp_env.con, asof)
    overall = E.masterplan_attainment(mp_env.con, "35.23", asof)
    assert list(table["region_code"]) == ["35.23"]
    assert table["n_programs"].iloc[0] == overall["n_programs"]


def test_vectorised_village_calendar_matches_the_domain() -> None:
    from monev.domain import village as vil

    rng = np.random.default_rng(3)
    on = date(2026, 11, 23)
    for route, stages in vil.STAGES.items():
        n = 400
        days = rng.integers((date(2023, 1, 1) - date(1970, 1, 1)).days,
                            (date(2028, 6, 1) - date(1970, 1, 1)).days, (n, len(stages)))
        days = np.sort(days, axis=1).astype(float)
        days[rng.random(days.shape) < 0.5] = np.nan
        years = rng.integers(2024, 2029, n)
        got = village_statuses(route, years, days, on)
        for i in range(n):
            dates = {s: date.fromordinal(date(1970, 1, 1).toordinal() + int(d))
                     for s, d in zip(stages, days[i]) if not np.isnan(d)}
            assert got[i] == vil.village_status(route, int(years[i]), dates, on).status


def test_a_region_does_not_depend_on_the_others(built: tuple[Path, dict], con,
                                                tmp_path: Path) -> None:
    alone = tmp_path / "alone.duckdb"
    build_national(alone, seed=7, regions=1)
    query = """SELECT indicator_code, year, tw, value, basis FROM realisation
               WHERE region_code = '35.23' ORDER BY ALL"""
    with duckdb.connect(str(alone), read_only=True) as other:
        assert other.execute(query).fetchall() == con.execute(query).fetchall()


def test_refuses_to_replace_a_database_it_did_not_make(tmp_path: Path) -> None:
    path = db.ensure_database(tmp_path / "monev.duckdb")
    with pytest.raises(FileExistsError):
        build_national(path, regions=1)


def test_every_village_of_a_region_is_in_some_rollout(con) -> None:
    missing = con.execute("""SELECT count(*) FROM ref_village v
                             WHERE v.regency_code IN (SELECT region_code FROM masterplan)
                               AND v.code NOT IN (SELECT village_code FROM village_plan)
                          """).fetchone()[0]
    assert missing == 0
    assert con.execute("SELECT count(DISTINCT village_code) FROM village_plan").fetchone()[0] \
        > 300
