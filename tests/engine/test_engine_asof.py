"""As-of isolation: a later supersede or upload never leaks into an earlier view."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from monev.domain.settings import DEFAULT
from monev.engine import (
    AsOf,
    all_flags,
    budget_summary,
    data_freshness,
    indicator_attainment,
    indicator_series,
    report_completeness,
    rules_for,
    trace,
    trace_indicator,
)
from monev.store import db, facts
from tests.engine.conftest import (
    REGION,
    T_KOMINFO_1,
    T_KOMINFO_1_FIX,
    T_KOMINFO_2,
    World,
)

MEETING = AsOf(2025, 1, datetime(2025, 4, 20, 9, 0))   # after TW I, before the correction


def kominfo_tw1(w: World, value: float, at: datetime, name: str | None = None) -> None:
    w.report("KOMINFO", 2025, 1, at, realisasi={"GOV-01.1": value, "GOV-01.2": 4},
             anggaran=[("GOV-01", "APBD", 1_000_000_000, 200_000_000)],
             fisik={"GOV-01": (30, "Server data center lambat", "Pengadaan server baru")},
             name=name)


def test_earlier_view_keeps_its_numbers_after_supersede_and_later_upload(
        tmp_path: Path) -> None:
    w = World(tmp_path / "monev.duckdb")
    try:
        w.masterplan()
        kominfo_tw1(w, 15, T_KOMINFO_1)
        before = indicator_attainment(w.con, REGION, MEETING)
        reports_before = report_completeness(w.con, REGION, MEETING)
        flags_before = all_flags(w.con, REGION, MEETING)
        gov = before.set_index("indicator_code").loc["GOV-01.1"]
        # 15 of 100 × 1/4 = 25 expected -> 60 (Rendah).
        assert gov["realisation_ytd"] == 15 and gov["capaian_expected"] == pytest.approx(60)
        assert gov["band_code"] == "R"

        kominfo_tw1(w, 20, T_KOMINFO_1_FIX, name="laporan_KOMINFO_2025_TW1_perbaikan.xlsx")
        w.report("KOMINFO", 2025, 2, T_KOMINFO_2, realisasi={"GOV-01.1": 25, "GOV-01.2": 5},
                 anggaran=[("GOV-01", "APBD", 1_000_000_000, 300_000_000)])

        # The same as-of view, asked again after the correction and TW II: unchanged.
        pd.testing.assert_frame_equal(indicator_attainment(w.con, REGION, MEETING), before)
        pd.testing.assert_frame_equal(report_completeness(w.con, REGION, MEETING),
                                      reports_before)
        pd.testing.assert_frame_equal(all_flags(w.con, REGION, MEETING), flags_before)
        # Even viewing TW II with that cut-off, the TW II upload is invisible: TW II has no
        # figure yet (no capaian from TW I's 15 alone), its TW I is still the first upload.
        tw2_then = indicator_attainment(w.con, REGION, AsOf(2025, 2, MEETING.cutoff))
        gov2 = tw2_then.set_index("indicator_code").loc["GOV-01.1"]
        assert pd.isna(gov2["realisation_ytd"]) and gov2["status"] == "belum_lapor"
        assert gov2["n_reported"] == 1
        series = indicator_series(w.con, REGION, AsOf(2025, 2, MEETING.cutoff), "GOV-01.1")
        assert series.set_index("tw").loc[1, "realisation"] == 15
        src = trace(w.con, REGION, MEETING, "realisation", indicator_code="GOV-01.1")
        assert list(src["file_name"]) == ["laporan_KOMINFO_2025_TW1.xlsx"]

        # A later cut-off sees the corrected TW I, and TW II when viewing TW II.
        later = AsOf(2025, 1, datetime(2025, 5, 10))
        fixed = indicator_attainment(w.con, REGION, later).set_index("indicator_code")
        assert fixed.loc["GOV-01.1", "realisation_ytd"] == 20
        assert fixed.loc["GOV-01.1", "capaian_expected"] == pytest.approx(80)
        now = indicator_attainment(w.con, REGION, AsOf(2025, 2, datetime(2025, 8, 1)))
        assert now.set_index("indicator_code").loc["GOV-01.1", "realisation_ytd"] == 45
        budget = budget_summary(w.con, REGION, AsOf(2025, 2, datetime(2025, 8, 1)))
        assert budget.set_index("program_code").loc["GOV-01", "realisasi_ytd"] == 500_000_000
        src = trace(w.con, REGION, later, "realisation", indicator_code="GOV-01.1")
        assert list(src["file_name"]) == ["laporan_KOMINFO_2025_TW1_perbaikan.xlsx"]
    finally:
        w.close()


def test_active_loads_follow_the_cutoff_through_a_supersede(tmp_path: Path) -> None:
    w = World(tmp_path / "monev.duckdb")
    try:
        assert facts.active_loads(w.con, REGION, MEETING.cutoff) == facts.ActiveLoads(
            None, (), None)
        plan = w.masterplan()
        first = w.report("KOMINFO", 2025, 1, T_KOMINFO_1, realisasi={"GOV-01.1": 15})
        fix = w.report("KOMINFO", 2025, 1, T_KOMINFO_1_FIX, realisasi={"GOV-01.1": 20},
                       name="laporan_KOMINFO_2025_TW1_perbaikan.xlsx")
        then = facts.active_loads(w.con, REGION, MEETING.cutoff)
        later = facts.active_loads(w.con, REGION, datetime(2025, 5, 10))
        assert then.masterplan == later.masterplan == plan.load_id
        assert then.reports == ((first.load_id, "KOMINFO", T_KOMINFO_1),)
        assert later.reports == ((fix.load_id, "KOMINFO", T_KOMINFO_1_FIX),)
        assert later.latest is not None and later.latest["load_id"] == fix.load_id
        assert later.latest["n_active"] == 2
        # A read given the resolved loads sees exactly what it sees resolving them itself,
        # and reads with another cut-off's loads see that cut-off's facts.
        args = (w.con, REGION, MEETING.cutoff, 2025, 1)
        own = facts.indicator_facts(*args).set_index("indicator_code")
        pd.testing.assert_frame_equal(facts.indicator_facts(*args, active=then).set_index(
            "indicator_code"), own)
        assert own.loc["GOV-01.1", "v1"] == 15
        assert facts.indicator_facts(*args, active=later).set_index(
            "indicator_code").loc["GOV-01.1", "v1"] == 20
        assert facts.active_loads(w.con, "35.24", MEETING.cutoff).masterplan is None
        assert facts.programs(w.con, "35.24", MEETING.cutoff).empty
        assert facts.budget(w.con, "35.24", MEETING.cutoff, 2025).empty
    finally:
        w.close()


def test_trace_names_file_sheet_row_and_uploader(world) -> None:
    view = AsOf(2025, 2, datetime(2025, 8, 15))
    found = trace_indicator(world.con, REGION, view, "GOV-01.1")
    # definition, then the targets of the year, then the realisations up to the view's TW
    assert list(dict.fromkeys(found["table"])) == ["indicator", "target", "realisation"]
    assert found.loc[found["table"] == "realisation", "tw"].max() == view.tw
    assert set(found.loc[found["table"] == "target", "tw"]) == {0}
    rows = found.set_index("table")
    real = rows.loc["realisation"].set_index("tw")
    assert real.loc[1, "file_name"] == "laporan_KOMINFO_2025_TW1_perbaikan.xlsx"
    assert real.loc[2, "file_name"] == "laporan_KOMINFO_2025_TW2.xlsx"
    assert real.loc[2, "sheet"] == "Realisasi Kinerja" and real.loc[2, "row"] == 4
    assert real.loc[2, "uploaded_by"] == "penguji"
    assert real.loc[2, "uploaded_at"] == pd.Timestamp(T_KOMINFO_2)
    assert rows.loc["target", "file_name"] == "masterplan_tuban.xlsx"
    assert rows.loc["target", "sheet"] == "Target"
    budget = trace(world.con, REGION, view, "budget", program_code="SOC-01", tw=2)
    assert set(budget["funding_source"]) == {"APBD", "DAK"}
    assert set(budget["sheet"]) == {"Realisasi Anggaran"}


def test_trace_refuses_unknown_tables_and_columns(world) -> None:
    view = AsOf(2025, 2, datetime(2025, 8, 15))
    with pytest.raises(ValueError):
        trace(world.con, REGION, view, "load", load_id=1)
    with pytest.raises(ValueError):
        trace(world.con, REGION, view, "realisation", **{"value; DROP TABLE load": 1})
    # A hostile value is only ever a bound parameter.
    assert trace(world.con, REGION, view, "realisation",
                 indicator_code="x' OR '1'='1").empty


def test_data_freshness(world) -> None:
    info = data_freshness(world.con, REGION, AsOf(2025, 2, datetime(2025, 8, 15)))
    assert info["file_name"] == "laporan_DPMD_2025_TW2.xlsx"
    assert info["uploaded_by"] == "penguji" and info["opd_code"] == "DPMD"
    assert info["received_on"] == date(2025, 7, 15)
    assert info["n_active"] == 6  # masterplan + 5 reports (one superseded)
    assert isinstance(info["data_version"], int) and info["data_version"] > 0
    live = data_freshness(world.con, REGION, AsOf.latest(2025, 2))
    assert live["load_id"] == info["load_id"]
    early = data_freshness(world.con, REGION, AsOf(2025, 1, datetime(2025, 2, 1)))
    assert early["kind"] == "masterplan" and early["opd_code"] is None


def test_asof_helpers() -> None:
    view = AsOf(2025, 2, datetime(2025, 8, 15, 12, 30))
    assert view.date == date(2025, 8, 15) and view.label == "s.d. TW II 2025"
    assert view.tw_label == "TW II"
    assert AsOf(2025, 2, view.cutoff, on=date(2025, 7, 1)).date == date(2025, 7, 1)
    assert AsOf.at(datetime(2026, 11, 23)) == AsOf(2026, 3, datetime(2026, 11, 23))
    assert AsOf.at(datetime(2026, 2, 1)) == AsOf(2025, 4, datetime(2026, 2, 1))
    fresh = AsOf.end_of(2025, 4)
    assert fresh.cutoff <= datetime.now() and fresh.cutoff.microsecond == 0
    live = AsOf.latest(2025, 2, today=date(2025, 8, 15))
    assert live.date == date(2025, 8, 15) and live == AsOf.latest(2025, 2, date(2025, 8, 15))
    with pytest.raises(ValueError):
        AsOf(2025, 5, view.cutoff)
    with pytest.raises(ValueError):
        AsOf(2025, 1, datetime.fromisoformat("2025-04-20T00:00:00+07:00"))
    assert hash(view) == hash(AsOf(2025, 2, datetime(2025, 8, 15, 12, 30)))


def test_rules_for_reads_stored_settings(tmp_path: Path) -> None:
    path = tmp_path / "settings.duckdb"
    db.ensure_database(path)
    con = duckdb.connect(str(path))
    try:
        assert rules_for(con, REGION) == DEFAULT
        con.execute("INSERT INTO setting VALUES ('*', 'report_due_working_days', ?), "
                    "(?, 'report_due_working_days', ?), ('*', 'rawan_window_days', ?), "
                    "('*', 'evaluation_weights', ?)",
                    [json.dumps(5), REGION, json.dumps(10), json.dumps(30),
                     json.dumps({"2025": [10, 20]})])
        rules = rules_for(con, REGION)
        assert rules.report_due_working_days == 10      # region overrides '*'
        assert rules.rawan_window_days == 30
        assert rules_for(con, "35.24").report_due_working_days == 5
    finally:
        con.close()
