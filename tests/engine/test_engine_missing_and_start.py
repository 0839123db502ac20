"""Two rules at their boundaries, on a world written and loaded by the real loader:

* No figure, no capaian (domain.md §3): a TW without a value for one indicator (the OPD's report
  came without it) or for a whole OPD (no report) gives no year-to-date figure, no capaian, no
  band and no Tertinggal/Kritis/Stagnan; roll-ups count the indicators they stand on.
* A *posisi akhir* year starts where the last one ended: the previous year's TW IV realisation,
  else its target, and the masterplan baseline only in the program's first year.

Masterplan 2023–2032 (loaded 10 Jan 2025):
  GOV-07 Layanan Digital, lead KOMINFO, 2025–2027 (first year 2025)
    GOV-07.1 posisi akhir, kondisi awal 20: target 2025 245, 2026 328
    GOV-07.2 posisi akhir, kondisi awal 10: target 2025 50, 2026 90
    GOV-07.3 posisi akhir, no kondisi awal: target 2025 40–50, 2026 60–70 (ranges)
    GOV-07.4 jumlah: target 40 a year
  SOC-02 Desa Cerdas, lead DPMD, 2026–2028 (first year 2026)
    SOC-02.1 posisi akhir, kondisi awal 10: target 2026 50
Reports (received on the upload day):
  KOMINFO 2025 TW I  08 Apr 2025: 90, 30, 42, 5
  KOMINFO 2025 TW IV 07 Jan 2026: 265, –, –, 10   (GOV-07.2 and .3 left blank)
  KOMINFO 2026 TW I  08 Apr 2026: 280, 55, 45, 3
  DPMD    2026 TW I  06 Apr 2026: SOC-02.1 15 (on time)
  KOMINFO 2026 TW II 06 Jul 2026: 290, 60, 50, 0   (GOV-07.4 stays at 3: Stagnan)
  KOMINFO 2026 TW III 06 Oct 2026: 300, 70, 60, –  (GOV-07.4 left blank)
  DPMD never sends 2026 TW II or TW III.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import numpy as np
import pandas as pd
import pytest

from monev.domain.rollup import reported_text
from monev.engine import (
    AsOf,
    all_flags,
    dimension_attainment,
    indicator_attainment,
    indicator_series,
    masterplan_attainment,
    opd_attainment,
    program_attainment,
)
from monev.engine.national import region_comparison
from tests.engine.conftest import (
    MASTERPLAN_INFO,
    REGION,
    World,
    _indicator,
    _opd,
    _program,
    workbook_bytes,
)

ROWS = {
    "opd": [_opd("KOMINFO", "Dinas Komunikasi dan Informatika"),
            _opd("DPMD", "Dinas Pemberdayaan Masyarakat dan Desa")],
    "program": [
        _program("GOV-07", "Layanan Digital Terpadu", "Smart Governance", "Pelayanan publik",
                 "Jangka Pendek", "KOMINFO", (), 2025, 2027),
        _program("SOC-02", "Desa Cerdas", "Smart Society", "Komunitas", "Jangka Menengah",
                 "DPMD", (), 2026, 2028),
    ],
    "indikator": [
        _indicator("GOV-07.1", "GOV-07", "Layanan daring aktif", "layanan", "positif",
                   "posisi_akhir", 20),
        _indicator("GOV-07.2", "GOV-07", "OPD terhubung SPBE", "OPD", "positif",
                   "posisi_akhir", 10),
        _indicator("GOV-07.3", "GOV-07", "Kepuasan layanan daring", "indeks", "positif",
                   "posisi_akhir", None),
        _indicator("GOV-07.4", "GOV-07", "Pelatihan operator", "kegiatan", "positif",
                   "jumlah", 0),
        _indicator("SOC-02.1", "SOC-02", "Desa dengan layanan cerdas", "desa", "positif",
                   "posisi_akhir", 10),
    ],
    "target": [
        *({"kode_indikator": code, "tahun": year, "periode": 0, "target": low,
           "target_maks": high}
          for code, year, low, high in (
              ("GOV-07.1", 2025, 245, None), ("GOV-07.1", 2026, 328, None),
              ("GOV-07.2", 2025, 50, None), ("GOV-07.2", 2026, 90, None),
              ("GOV-07.3", 2025, 40, 50), ("GOV-07.3", 2026, 60, 70),
              ("GOV-07.4", 2025, 40, None), ("GOV-07.4", 2026, 40, None),
              ("SOC-02.1", 2026, 50, None))),
    ],
}

KOMINFO = {
    (2025, 1, datetime(2025, 4, 8, 10)): {"GOV-07.1": 90, "GOV-07.2": 30, "GOV-07.3": 42,
                                           "GOV-07.4": 5},
    (2025, 4, datetime(2026, 1, 7, 10)): {"GOV-07.1": 265, "GOV-07.4": 10},
    (2026, 1, datetime(2026, 4, 8, 10)): {"GOV-07.1": 280, "GOV-07.2": 55, "GOV-07.3": 45,
                                           "GOV-07.4": 3},
    (2026, 2, datetime(2026, 7, 6, 10)): {"GOV-07.1": 290, "GOV-07.2": 60, "GOV-07.3": 50,
                                           "GOV-07.4": 0},
    (2026, 3, datetime(2026, 10, 6, 10)): {"GOV-07.1": 300, "GOV-07.2": 70, "GOV-07.3": 60},
}
DPMD_2026_TW1 = datetime(2026, 4, 6, 10)
CUTOFF = datetime(2026, 11, 2, 12)
TW1_2026 = AsOf(2026, 1, CUTOFF)
BEFORE_TW4_2025 = datetime(2026, 1, 5, 12)   # the 2025 TW IV report had not arrived


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    w = World(tmp_path_factory.mktemp("missing") / "monev.duckdb")
    w.load(workbook_bytes("masterplan", MASTERPLAN_INFO, ROWS, meta={"kode_wilayah": REGION}),
           "masterplan_tuban.xlsx", datetime(2025, 1, 10, 9))
    for (year, tw, at), values in KOMINFO.items():
        w.report("KOMINFO", year, tw, at, realisasi=values)
    w.report("DPMD", 2026, 1, DPMD_2026_TW1, realisasi={"SOC-02.1": 15})
    yield w
    w.close()


def view(world: World, asof: AsOf) -> pd.DataFrame:
    return indicator_attainment(world.con, REGION, asof).set_index("indicator_code")


# ------------------------------------------------------------- no figure, no capaian

def test_one_indicator_blank_in_a_report_that_arrived(world: World) -> None:
    """2025 TW IV: KOMINFO reported, without GOV-07.2 and GOV-07.3. Those two are belum
    melapor for TW IV (GOV-07.2 would otherwise be 30 of 50 = 60 %, Tertinggal, on TW I's
    level), while GOV-07.1 and GOV-07.4 have their figure."""
    asof = AsOf(2025, 4, CUTOFF)
    ind = view(world, asof)
    for code in ("GOV-07.2", "GOV-07.3"):
        row = ind.loc[code]
        assert not row["has_value"] and row["status"] == "belum_lapor", code
        assert pd.isna(row["realisation_ytd"]) and pd.isna(row["capaian_expected"]), code
        assert row["band_code"] == "NA" and pd.isna(row["attainment_flag"]), code
        assert row["n_reported"] == 1 and row["last_reported_tw"] == 1, code
    assert ind.loc["GOV-07.1", "capaian_expected"] == pytest.approx(265 / 245 * 100)
    assert ind.loc["GOV-07.4", "capaian_expected"] == pytest.approx(15 / 40 * 100)
    prog = program_attainment(world.con, REGION, asof).set_index("program_code").loc["GOV-07"]
    assert prog[["n_indicators", "n_with_value", "n_computed"]].tolist() == [4, 2, 2]
    assert prog["capaian"] == pytest.approx((265 / 245 * 100 + 15 / 40 * 100) / 2)
    flags = all_flags(world.con, REGION, asof)
    assert not flags["indicator_code"].isin(["GOV-07.2", "GOV-07.3"]).any()
    # The report itself arrived: KOMINFO's TW IV carries no Belum melapor (its TW II and
    # TW III, never sent, do).
    missing = flags[(flags["opd_code"] == "KOMINFO") & (flags["kind"] == "belum_melapor")]
    assert sorted(missing["reason"].str.slice(0, 20)) == [
        "Laporan TW II 2025: ", "Laporan TW III 2025:"]
    # The per-quarter table agrees with the view: TW IV shows no figure and no capaian.
    series = indicator_series(world.con, REGION, asof, "GOV-07.2").set_index("tw")
    assert pd.isna(series.loc[4, "realisation_ytd"]) and series.loc[4, "status"] == "belum_lapor"
    assert series.loc[1, "capaian_expected"] == pytest.approx(30 / 20 * 100)


def test_a_whole_opd_blank_raises_the_late_report_flag_only(world: World) -> None:
    """DPMD never sent 2026 TW II: SOC-02.1 (15 at TW I, 75 % of 20: Tertinggal then) has no
    capaian at TW II; DPMD carries Belum melapor and nothing else; every roll-up says it
    stands on fewer indicators."""
    at_tw1 = view(world, TW1_2026)
    assert at_tw1.loc["SOC-02.1", "attainment_flag"] == "tertinggal"
    asof = AsOf(2026, 2, CUTOFF)
    row = view(world, asof).loc["SOC-02.1"]
    assert row["status"] == "belum_lapor" and pd.isna(row["capaian_expected"])
    assert pd.isna(row["attainment_flag"]) and not row["stagnant"]
    flags = all_flags(world.con, REGION, asof)
    dpmd = flags[flags["opd_code"] == "DPMD"]
    assert set(dpmd["kind"]) == {"belum_melapor"}
    assert set(dpmd["reason"].str.slice(0, 21)) == {"Laporan TW II 2026: B"}
    dims = dimension_attainment(world.con, REGION, asof).set_index("dimension_code")
    assert dims.loc["SOC", ["n_indicators", "n_with_value"]].tolist() == [1, 0]
    assert pd.isna(dims.loc["SOC", "capaian"]) and dims.loc["SOC", "band_code"] == "NA"
    assert dims.loc["GOV", ["n_indicators", "n_with_value"]].tolist() == [4, 4]
    opds = opd_attainment(world.con, REGION, asof).set_index("opd_code")
    assert opds.loc["DPMD", ["n_indicators", "n_with_value"]].tolist() == [1, 0]
    overall = masterplan_attainment(world.con, REGION, asof)
    assert (overall["n_indicators"], overall["n_with_value"]) == (5, 4)
    assert reported_text(overall["n_with_value"], overall["n_indicators"]) == (
        "4 dari 5 indikator dilaporkan")
    # The overall capaian is GOV-07's alone (SOC-02 has none), not pulled down by a zero.
    gov = program_attainment(world.con, REGION, asof).set_index("program_code")
    assert overall["capaian"] == pytest.approx(gov.loc["GOV-07", "capaian"])


def test_a_blank_quarter_after_a_stagnant_one_is_not_stagnant(world: World) -> None:
    """GOV-07.4 (jumlah): 3 at TW I, 0 at TW II -> the same 3 while 10 -> 20 was expected:
    Stagnan at TW II. TW III came without it: belum melapor, no Stagnan, no Kritis."""
    at_tw2 = view(world, AsOf(2026, 2, CUTOFF)).loc["GOV-07.4"]
    assert bool(at_tw2["stagnant"]) and at_tw2["attainment_flag"] == "kritis"
    asof = AsOf(2026, 3, CUTOFF)
    at_tw3 = view(world, asof).loc["GOV-07.4"]
    assert at_tw3["status"] == "belum_lapor" and not at_tw3["stagnant"]
    assert pd.isna(at_tw3["attainment_flag"])
    flags = all_flags(world.con, REGION, asof)
    assert not (flags["indicator_code"] == "GOV-07.4").any()


# ------------------------------------------------------------- where a posisi akhir year starts

def test_first_year_starts_from_the_baseline(world: World) -> None:
    ind = view(world, AsOf(2025, 1, CUTOFF))
    row = ind.loc["GOV-07.1"]                       # 2025 is GOV-07's first year
    assert row["year_start"] == 20 and row["expected"] == pytest.approx(20 + 225 / 4)
    assert row["expected_method"] == "interpolasi_linier"
    assert row["expected_method_label"] == (
        "Kondisi awal + (target tahunan − kondisi awal) × 1/4 (interpolasi linier)")
    # No kondisi awal: the start is 0 and the method says so.
    assert ind.loc["GOV-07.3", "expected_method"] == "interpolasi_linier_baseline_0"
    assert ind.loc["GOV-07.3", "expected"] == pytest.approx(10.0)
    assert ind.loc["GOV-07.3", "expected_max"] == pytest.approx(12.5)
    # SOC-02 starts in 2026: its first year, although the masterplan began in 2023.
    soc = view(world, TW1_2026).loc["SOC-02.1"]
    assert (soc["year_start"], soc["expected"], soc["expected_method"]) == (
        10, pytest.approx(20.0), "interpolasi_linier")
    assert soc["capaian_expected"] == pytest.approx(75.0)


def test_a_later_year_starts_from_last_years_final_realisation(world: World) -> None:
    """GOV-07.1 2026 TW I: 265 reached at 2025 TW IV, 328 targeted: 265 + 63 × 1/4 = 280,75
    (from the baseline it would expect 97, a third of what already stood)."""
    row = view(world, TW1_2026).loc["GOV-07.1"]
    assert row["year_start"] == 265
    assert row["expected"] == pytest.approx(280.75)
    assert row["expected_method"] == "interpolasi_linier_realisasi_lalu"
    assert row["expected_method_label"] == (
        "Realisasi TW IV tahun lalu + (target tahunan − realisasi TW IV tahun lalu) × 1/4 "
        "(interpolasi linier)")
    assert row["capaian_expected"] == pytest.approx(280 / 280.75 * 100)
    series = indicator_series(world.con, REGION, TW1_2026, "GOV-07.1").set_index("tw")
    assert list(series["expected"]) == pytest.approx([280.75, 296.5, 312.25, 328])
    assert set(series["expected_method"]) == {"interpolasi_linier_realisasi_lalu"}
    # jumlah ignores the previous year.
    assert pd.isna(view(world, TW1_2026).loc["GOV-07.4", "year_start"])
    assert view(world, TW1_2026).loc["GOV-07.4", "expected"] == pytest.approx(10.0)


def test_a_later_year_without_last_years_figure_starts_from_its_target(world: World) -> None:
    ind = view(world, TW1_2026)
    # GOV-07.2: 2025 TW IV left blank -> the 2025 target 50: 50 + 40 × 1/4 = 60.
    row = ind.loc["GOV-07.2"]
    assert (row["year_start"], row["expected"]) == (50, pytest.approx(60.0))
    assert row["expected_method"] == "interpolasi_linier_target_lalu"
    assert row["expected_method_label"].startswith(
        "Target tahun lalu + (target tahunan − target tahun lalu) × 1/4")
    # GOV-07.3, a range: each bound starts from last year's bound (40 and 50): 45 to 55,
    # and 45 reported is inside it.
    rng = ind.loc["GOV-07.3"]
    assert (rng["expected"], rng["expected_max"]) == (pytest.approx(45.0), pytest.approx(55.0))
    assert rng["capaian_expected"] == pytest.approx(100.0)
    series = indicator_series(world.con, REGION, TW1_2026, "GOV-07.3").set_index("tw")
    assert series.loc[1, "capaian_expected"] == pytest.approx(100.0)


def test_an_earlier_cut_off_does_not_see_last_years_figure_yet(world: World) -> None:
    """Viewed with a cut-off before the 2025 TW IV report arrived, 2026 starts from the 2025
    target (245 + 83 × 1/4), and the view stays so after the report came."""
    row = view(world, AsOf(2026, 1, BEFORE_TW4_2025)).loc["GOV-07.1"]
    assert (row["year_start"], row["expected"]) == (245, pytest.approx(265.75))
    assert row["expected_method"] == "interpolasi_linier_target_lalu"
    assert row["status"] == "belum_lapor"            # nor any 2026 report


@pytest.mark.parametrize("tw", [1, 2, 3])
def test_the_national_rollup_applies_both_rules_alike(world: World, tw: int) -> None:
    for asof, pre in ((AsOf(2026, tw, CUTOFF), False), (AsOf.latest(2026, tw), True),
                      (AsOf.latest(2026, tw), False)):
        row = region_comparison(world.con, asof, pre_aggregated=pre).set_index(
            "region_code").loc[REGION]
        overall = masterplan_attainment(world.con, REGION, asof)
        assert row["capaian"] == pytest.approx(overall["capaian"], rel=1e-12), (tw, pre)
        assert (row["n_indicators"], row["n_with_value"], row["n_indicators_computed"]) == (
            overall["n_indicators"], overall["n_with_value"], overall["n_indicators_computed"])
        dims = dimension_attainment(world.con, REGION, asof).set_index("dimension_code")
        for code in ("GOV", "SOC"):
            want, got = dims.loc[code, "capaian"], row[f"capaian_{code.lower()}"]
            assert (np.isnan(want) and np.isnan(got)) or got == pytest.approx(want), code


def test_a_follow_up_is_not_resolved_by_a_missing_quarter(world: World) -> None:
    """Meeting on 2026 TW I decides on SOC-02.1 (Tertinggal) and GOV-07.4 (Kritis). At the
    TW II meeting DPMD has not reported: SOC-02.1 has no flag because it has no figure, which
    resolves nothing ('tak_terukur'); GOV-07.4 is still Kritis ('masih')."""
    from monev.engine.meeting import current_rules, followup_review
    from monev.store import meetings as store

    rules = current_rules(world.con, REGION)
    first = store.create_meeting(world.con, REGION, 2026, 1, title="Rapat TW I",
                                 actor="admin", rules=rules, chair="Sekda",
                                 cutoff=datetime(2026, 4, 20, 9), now=datetime(2026, 4, 20, 9))
    for kind, opd, prog, code in (("tertinggal", "DPMD", "SOC-02", "SOC-02.1"),
                                  ("kritis", "KOMINFO", "GOV-07", "GOV-07.4")):
        store.add_followup(world.con, first.meeting_id, item_label=code, decision="Percepat",
                           actor="admin", opd_code=opd, flag_kind=kind, program_code=prog,
                           indicator_code=code, now=datetime(2026, 4, 20, 10))
    second = store.create_meeting(world.con, REGION, 2026, 2, title="Rapat TW II",
                                  actor="admin", rules=rules, chair="Sekda",
                                  cutoff=datetime(2026, 7, 20, 9), now=datetime(2026, 7, 20, 9))
    review = followup_review(world.con, second).set_index("indicator_code")
    assert review.loc["SOC-02.1", "data_status"] == "tak_terukur"
    assert review.loc["SOC-02.1", "final_status"] == "terbuka"
    assert review.loc["GOV-07.4", "data_status"] == "masih"
