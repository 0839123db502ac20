"""Indicator capaian and its roll-ups on the timeline world (values computed by hand)."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest

from monev.domain.rollup import reported_text
from monev.domain.settings import Rules
from monev.engine import (
    AsOf,
    Snapshot,
    dimension_attainment,
    indicator_attainment,
    indicator_series,
    masterplan_attainment,
    opd_attainment,
    program_attainment,
    trace,
)
from tests.engine.conftest import REGION

VIEW = AsOf(2025, 2, datetime(2025, 8, 15, 12, 0))


@pytest.fixture(scope="module")
def indicators(world) -> pd.DataFrame:
    return indicator_attainment(world.con, REGION, VIEW).set_index("indicator_code")


# (code, realisation ytd, expected, method, capaian vs expected, band, capaian vs annual, flag)
HAND = [
    # jumlah, basis tw over two TWs: 20 (corrected TW I) + 25 = 45; expected 100 × 2/4 = 50.
    ("GOV-01.1", 45.0, 50.0, "proporsional", 90.0, "T", 45.0, None),
    # negatif rata-rata: (4 + 5) / 2 = 4,5 days vs 3: (2 − 4,5/3) × 100 = 50.
    ("GOV-01.2", 4.5, 3.0, "target_tahunan", 50.0, "SR", 50.0, "kritis"),
    # posisi akhir with TW targets: level 28 vs target s.d. TW II = 40 -> 70.
    ("SOC-01.1", 28.0, 40.0, "target_tw", 70.0, "S", 28 / 60 * 100, "tertinggal"),
    # jumlah, TW I 80 ("tw") then a file declared "s.d. TW": 210 s.d. TW II; 400 × 2/4 = 200.
    ("SOC-01.2", 210.0, 200.0, "proporsional", 105.0, "ST", 52.5, None),
    # LIV-01.1: DINKES never sent TW II, see test_a_whole_opd_blank_for_the_viewed_tw.
]


@pytest.mark.parametrize(("code", "ytd", "expected", "method", "cap", "band", "annual", "flag"),
                         HAND)
def test_indicator_capaian_by_hand(indicators: pd.DataFrame, code: str, ytd: float,
                                   expected: float, method: str, cap: float, band: str,
                                   annual: float, flag: str | None) -> None:
    row = indicators.loc[code]
    assert row["realisation_ytd"] == pytest.approx(ytd)
    assert row["expected"] == pytest.approx(expected)
    assert row["expected_method"] == method
    assert row["capaian_expected"] == pytest.approx(cap)
    assert row["capaian_annual"] == pytest.approx(annual)
    assert row["band_code"] == band
    assert row["status"] == "ok" and bool(row["has_value"])
    assert (None if pd.isna(row["attainment_flag"]) else row["attainment_flag"]) == flag


def test_a_whole_opd_blank_for_the_viewed_tw(indicators: pd.DataFrame) -> None:
    """No figure, no capaian: DINKES sent TW I (2) and never TW II. Its indicator at TW II is
    belum melapor: no year-to-date figure (not 2, which would be "TW II = 0"), no capaian, no
    band, no Tertinggal/Kritis (it was Kritis at 2 / 6 = 33 %); the expected value stays."""
    row = indicators.loc["LIV-01.1"]
    assert row["status"] == "belum_lapor" and row["status_label"] == "Belum melapor"
    assert not row["has_value"]
    for col in ("realisation_ytd", "capaian_expected", "capaian_annual"):
        assert pd.isna(row[col]), col
    assert row["band_code"] == "NA" and row["band_annual_code"] == "NA"
    assert pd.isna(row["attainment_flag"]) and not row["stagnant"]
    assert row["expected"] == pytest.approx(6.0)
    assert row["n_reported"] == 1 and row["last_reported_tw"] == 1   # what there is, said
    # Every other indicator of the view has its figure.
    assert indicators.drop("LIV-01.1")["has_value"].all()


def test_indicator_frame_labels_and_scope(indicators: pd.DataFrame) -> None:
    # ENV-01 starts in 2027: its indicator is not assessed in 2025.
    assert "ENV-01.1" not in indicators.index
    gov = indicators.loc["GOV-01.1"]
    assert gov["band_label"] == "Tinggi"
    assert gov["status_label"] == "Terhitung"
    assert gov["expected_method_label"] == "Target tahunan × 2/4 (proporsional)"
    assert gov["accumulation_label"] == "Jumlah"
    assert gov["dimension_name"] == "Smart Governance"
    assert gov["lead_opd_code"] == "KOMINFO"
    assert gov["n_reported"] == 2 and gov["last_reported_tw"] == 2
    assert indicators.loc["LIV-01.1", "last_reported_tw"] == 1
    assert indicators.loc["SOC-01.1", "expected_method_label"] == (
        "Target TW dari rencana aksi (s.d. TW II)")
    assert bool(indicators.loc["SOC-01.1", "stagnant"])
    assert not indicators["stagnant"].drop("SOC-01.1").any()
    assert indicators.loc["GOV-01.2", "polarity"] == "negatif"


def test_unreported_indicator_is_belum_lapor(world) -> None:
    # At TW I before DINKES reported (cut-off 20 Apr), LIV-01.1 has no value: not a zero.
    early = indicator_attainment(world.con, REGION, AsOf(2025, 1, datetime(2025, 4, 20)))
    row = early.set_index("indicator_code").loc["LIV-01.1"]
    assert pd.isna(row["realisation_ytd"]) and pd.isna(row["capaian_expected"])
    assert row["status"] == "belum_lapor" and row["status_label"] == "Belum melapor"
    assert row["band_code"] == "NA"
    assert row["expected"] == pytest.approx(3.0)


def test_indicator_series(world) -> None:
    series = indicator_series(world.con, REGION, VIEW, "SOC-01.2").set_index("tw")
    assert list(series.index) == [1, 2, 3, 4]
    assert series.loc[1, "realisation"] == 80 and series.loc[1, "basis"] == "tw"
    assert series.loc[2, "realisation"] == 210 and series.loc[2, "basis"] == "sdtw"
    assert list(series["realisation_ytd"].iloc[:2]) == [80.0, 210.0]
    assert series["realisation_ytd"].iloc[2:].isna().all()
    assert list(series["expected"]) == [100.0, 200.0, 300.0, 400.0]
    assert series.loc[1, "capaian_expected"] == pytest.approx(80.0)
    assert list(series["in_view"]) == [True, True, False, False]
    assert series.loc[3, "status"] == "belum_lapor"
    soc1 = indicator_series(world.con, REGION, VIEW, "SOC-01.1").set_index("tw")
    assert list(soc1["target_tw"].iloc[:2]) == [30.0, 40.0]
    assert indicator_series(world.con, REGION, VIEW, "NOPE").empty


def test_indicator_series_agrees_with_attainment(world, indicators) -> None:
    """Every indicator's series carries its source rows (targets of the year; for each TW the
    latest upload's realisation and basis), and its TW in view is the indicator's attainment
    (when that TW was reported: the series shows no year-to-date value for a TW without a
    report)."""
    for code, row in indicators.iterrows():
        series = indicator_series(world.con, REGION, VIEW, code).set_index("tw")
        real = trace(world.con, REGION, VIEW, "realisation", indicator_code=code,
                     year=VIEW.year)
        latest = (real[real["tw"] <= VIEW.tw].sort_values(["uploaded_at", "load_id"])
                  .groupby("tw").last())
        assert series["realisation"].dropna().to_dict() == latest["value"].to_dict(), code
        assert series["basis"].dropna().to_dict() == latest["basis"].to_dict(), code
        tg = trace(world.con, REGION, VIEW, "target", indicator_code=code, year=VIEW.year)
        assert series["target_tw"].dropna().to_dict() == \
            tg[tg["tw"] > 0].set_index("tw")["value"].to_dict(), code
        now = series.loc[VIEW.tw]
        assert (now["expected"], now["expected_method"]) == \
            (pytest.approx(row["expected"], nan_ok=True), row["expected_method"]), code
        if row["last_reported_tw"] == VIEW.tw:
            for col in ("realisation_ytd", "capaian_expected"):
                assert now[col] == pytest.approx(row[col], nan_ok=True), (code, col)
            assert now["status"] == row["status"], code


def test_program_rollup(world) -> None:
    progs = program_attainment(world.con, REGION, VIEW).set_index("program_code")
    assert list(progs.index) == ["GOV-01", "LIV-01", "SOC-01"]  # by dimension order
    assert progs.loc["GOV-01", "capaian"] == pytest.approx((90 + 50) / 2)
    assert progs.loc["GOV-01", "band_code"] == "S"
    assert progs.loc["GOV-01", "capaian_annual"] == pytest.approx((45 + 50) / 2)
    assert progs.loc["SOC-01", "capaian"] == pytest.approx((70 + 105) / 2)
    assert progs.loc["SOC-01", "band_code"] == "T"
    # LIV-01's one indicator has no figure for TW II: no capaian, and it says so.
    assert pd.isna(progs.loc["LIV-01", "capaian"]) and progs.loc["LIV-01", "band_code"] == "NA"
    assert progs.loc["GOV-01", "supporting_opds"] == "BAPPEDA, DPMD"
    counts = ["n_indicators", "n_with_value", "n_computed"]
    assert progs.loc["GOV-01", counts].tolist() == [2, 2, 2]
    assert progs.loc["LIV-01", counts].tolist() == [1, 0, 0]


def test_dimension_rollup_and_running_share(world) -> None:
    dims = dimension_attainment(world.con, REGION, VIEW).set_index("dimension_code")
    assert list(dims.index) == ["GOV", "BRA", "ECO", "LIV", "SOC", "ENV"]
    assert dims.loc["GOV", "capaian"] == pytest.approx(70.0)
    assert dims.loc["SOC", "capaian"] == pytest.approx(87.5)
    assert dims.loc["SOC", "band_label"] == "Tinggi"
    assert pd.isna(dims.loc["LIV", "capaian"]) and dims.loc["LIV", "band_code"] == "NA"
    assert dims.loc["LIV", ["n_programs", "n_computed", "n_indicators", "n_with_value"]
                    ].tolist() == [1, 0, 1, 0]
    assert dims.loc["GOV", ["n_indicators", "n_with_value"]].tolist() == [2, 2]
    assert pd.isna(dims.loc["BRA", "capaian"]) and dims.loc["BRA", "band_code"] == "NA"
    assert dims.loc["BRA", ["n_indicators", "n_with_value"]].tolist() == [0, 0]
    # ENV-01 (2027–2030) is not planned in 2025: 0 planned, no share (never "0 %").
    assert (dims.loc["ENV", "n_planned"], dims.loc["ENV", "n_running"]) == (0, 0)
    assert pd.isna(dims.loc["ENV", "pct_running"])
    assert dims.loc["GOV", "pct_running"] == 100.0
    assert pd.isna(dims.loc["ECO", "pct_running"])


def test_opd_rollups_as_lead_and_as_supporter(world) -> None:
    lead = opd_attainment(world.con, REGION, VIEW).set_index("opd_code")
    assert set(lead.index) == {"KOMINFO", "DPMD", "DINKES"}
    assert lead.loc["KOMINFO", "capaian"] == pytest.approx(70.0)
    assert lead.loc["DPMD", "capaian"] == pytest.approx(87.5)
    assert lead.loc["KOMINFO", "role_label"] == "OPD pengampu"
    assert pd.isna(lead.loc["DINKES", "capaian"])            # nothing for TW II
    assert lead.loc["DINKES", ["n_indicators", "n_with_value"]].tolist() == [1, 0]
    assert lead.loc["DPMD", ["n_indicators", "n_with_value"]].tolist() == [2, 2]
    support = opd_attainment(world.con, REGION, VIEW, as_lead=False).set_index("opd_code")
    assert set(support.index) == {"KOMINFO", "DPMD", "BAPPEDA"}
    assert support.loc["KOMINFO", "capaian"] == pytest.approx(87.5)  # supports SOC-01
    assert support.loc["BAPPEDA", "capaian"] == pytest.approx(70.0)  # supports GOV-01
    assert support.loc["BAPPEDA", "role"] == "pendukung"
    assert support.loc["KOMINFO", ["n_indicators", "n_with_value"]].tolist() == [2, 2]


def test_opd_rollups_of_one_dimension(world) -> None:
    """Only the programs of the dimension count: KOMINFO leads GOV-01 and supports SOC-01,
    DPMD leads SOC-01 and supports GOV-01."""
    lead = opd_attainment(world.con, REGION, VIEW, dimension="SOC").set_index("opd_code")
    assert list(lead.index) == ["DPMD"]
    assert lead.loc["DPMD", "capaian"] == pytest.approx(87.5)
    assert lead.loc["DPMD", "n_programs"] == 1
    support = opd_attainment(world.con, REGION, VIEW, as_lead=False,
                             dimension="SOC").set_index("opd_code")
    assert list(support.index) == ["KOMINFO"]
    assert support.loc["KOMINFO", "capaian"] == pytest.approx(87.5)
    gov = opd_attainment(world.con, REGION, VIEW, as_lead=False, dimension="GOV")
    assert dict(zip(gov["opd_code"], gov["capaian"], strict=True)) == pytest.approx(
        {"BAPPEDA": 70.0, "DPMD": 70.0})  # both support GOV-01, the one GOV program
    # ENV-01 is not running in 2025: no OPD, with the columns of a full answer.
    none = opd_attainment(world.con, REGION, VIEW, dimension="ENV")
    assert none.empty
    assert list(none.columns) == list(opd_attainment(world.con, REGION, VIEW).columns)


def test_masterplan_attainment(world) -> None:
    overall = masterplan_attainment(world.con, REGION, VIEW)
    # LIV-01 has no capaian for TW II (DINKES did not report): the mean of the other two.
    assert overall["capaian"] == pytest.approx((70 + 87.5) / 2)
    assert overall["band_code"] == "T" and overall["band_label"] == "Tinggi"
    # Planned in 2025: GOV-01, LIV-01, SOC-01 (ENV-01 starts 2027); all three reported a
    # figure for 2025 (LIV-01 in TW I only), so all three run.
    assert (overall["n_planned"], overall["n_running"]) == (3, 3)
    assert overall["pct_running"] == 100.0
    assert (overall["n_programs"], overall["n_programs_computed"]) == (3, 2)
    assert (overall["n_indicators"], overall["n_with_value"],
            overall["n_indicators_computed"], overall["n_indicators_reported"]) == (5, 4, 4, 5)
    assert reported_text(overall["n_with_value"], overall["n_indicators"]) == (
        "4 dari 5 indikator dilaporkan")
    assert overall["period_label"] == "s.d. TW II 2025"


def test_rules_change_the_outcome(world) -> None:
    strict = Rules(band_st=95.0, tertinggal_below=92.0, kritis_below=51.0)
    frame = indicator_attainment(world.con, REGION, VIEW, strict).set_index("indicator_code")
    assert frame.loc["GOV-01.1", "band_code"] == "T"       # 90 < 95
    assert frame.loc["GOV-01.1", "attainment_flag"] == "tertinggal"


def test_snapshot_is_shared_and_checked(world) -> None:
    snap = Snapshot(world.con, REGION, VIEW.cutoff)
    first = program_attainment(snap, REGION, VIEW)
    first["capaian"] = 0.0  # a caller mutating its copy must not touch the shared frame
    again = program_attainment(snap, REGION, VIEW).set_index("program_code")
    assert again.loc["GOV-01", "capaian"] == pytest.approx(70.0)
    with pytest.raises(ValueError):
        program_attainment(snap, REGION, AsOf(2025, 2, datetime(2025, 9, 1)))


def test_latest_view_equals_a_view_cut_off_now(world) -> None:
    live = AsOf.latest(2025, 2, today=VIEW.date)
    pd.testing.assert_frame_equal(indicator_attainment(world.con, REGION, live),
                                  indicator_attainment(world.con, REGION, VIEW))


def test_running_counts_only_the_viewed_years_realisation(world) -> None:
    """Planned in 2026: GOV-01 (2023–2027), SOC-01 (its last year), LIV-01; ENV-01 starts in
    2027. Nothing of 2026 is reported, so none runs, whatever 2025 held (the old count said 3
    of 4: every masterplan program planned, a 2025 report made it run)."""
    overall = masterplan_attainment(world.con, REGION, AsOf(2026, 1, datetime(2026, 4, 30)))
    assert (overall["n_planned"], overall["n_running"], overall["n_masterplan"]) == (3, 0, 4)
    assert overall["pct_running"] == 0.0
    # 2025 TW I seen on 15 April: KOMINFO and DPMD had reported, DINKES had not (22 April).
    early = masterplan_attainment(world.con, REGION, AsOf(2025, 1, datetime(2025, 4, 15)))
    assert (early["n_planned"], early["n_running"]) == (3, 2)
