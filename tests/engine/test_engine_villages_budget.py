"""Village rollout statuses and the budget summary on the timeline world (by hand)."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest

from monev.engine import AsOf, budget_summary, village_milestones, village_rollout
from tests.engine.conftest import DESA, DESA_OPERATING, KELURAHAN, REGION

VIEW = AsOf(2025, 2, datetime(2025, 8, 15, 12, 0))


@pytest.fixture(scope="module")
def villages(world) -> pd.DataFrame:
    return village_rollout(world.con, REGION, VIEW).set_index("village_code")


def test_desa_rawan_before_rkp_desa(villages: pd.DataFrame) -> None:
    # Desa Jlodro, Dana Desa for 2026: RKP Desa must be set by 30 Sep 2025, 46 days after
    # 15 Aug 2025 (within 60) and "Masuk RKP Desa" is not reached: Rawan.
    row = villages.loc[DESA]
    assert (row["kind"], row["kind_label"], row["route"]) == ("desa", "Desa", "apbdes")
    assert row["district_name"] == "Kenduruan" and row["village_name"] == "Jlodro"
    assert row["status"] == "rawan" and row["status_label"] == "Rawan"
    assert row["reason"] == ("Tenggat Penetapan RKP Desa 30 September 2025 (46 hari lagi), "
                             "tahap \u201cMasuk RKP Desa\u201d belum tercapai.")
    assert row["current_stage"] == "Rencana" and row["current_stage_on"] is None
    assert row["next_milestone_due"] == date(2025, 9, 30)
    assert pd.isna(row["slip_to_year"]) and row["effective_funding_year"] == 2026


def test_kelurahan_of_same_program_bergeser(villages: pd.DataFrame) -> None:
    # Kelurahan Mondokan, APBD for 2026: Usulan Musrenbang on 20 Feb 2025 met the Musrenbang
    # deadlines, but "Masuk RKPD" was not reached by 30 Jun 2025: the funding slips to 2027.
    row = villages.loc[KELURAHAN]
    assert (row["kind"], row["route"], row["route_label"]) == (
        "kelurahan", "apbd", "APBD kabupaten/kota")
    assert row["district_name"] == "Tuban"
    assert row["status"] == "bergeser" and row["status_label"] == "Bergeser"
    assert row["slip_to_year"] == 2027 and row["effective_funding_year"] == 2027
    assert row["reason"].startswith("Tahap \u201cMasuk RKPD\u201d belum tercapai pada tenggat "
                                    "Penetapan RKPD (30 Juni 2025); pendanaan bergeser dari "
                                    "tahun 2026 ke tahun 2027.")
    assert row["current_stage"] == "Usulan Musrenbang"
    assert row["current_stage_on"] == date(2025, 2, 20)
    assert row["stage_dates"] == {"Usulan Musrenbang": date(2025, 2, 20)}
    assert row["next_milestone"] == "Penetapan RKPD"
    assert row["next_milestone_due"] == date(2026, 6, 30)


def test_operating_village_uses_first_stage_dates(villages: pd.DataFrame) -> None:
    row = villages.loc[DESA_OPERATING]
    assert row["status"] == "beroperasi" and row["reason"] == "Beroperasi sejak 1 Juni 2025."
    assert row["stage_dates"] == {"Pelaksanaan": date(2025, 3, 10),
                                  "Beroperasi": date(2025, 6, 1)}


def test_village_status_at_an_earlier_cutoff(world) -> None:
    early = village_rollout(world.con, REGION, AsOf(2025, 1, datetime(2025, 5, 10)))
    early = early.set_index("village_code")
    # 10 May 2025: RKPD due 30 Jun in 51 days: the kelurahan is Rawan, not yet Bergeser.
    assert early.loc[KELURAHAN, "status"] == "rawan"
    assert early.loc[DESA_OPERATING, "current_stage"] == "Pelaksanaan"
    assert early.loc[DESA, "status"] == "sesuai_jadwal"


def test_milestones_for_gantt(world) -> None:
    ms = village_milestones(world.con, REGION, VIEW)
    planned = ms[ms["cycle_year"] == ms["funding_year"]]
    kel = planned[planned["village_code"] == KELURAHAN].set_index("milestone")
    # It slipped at Penetapan RKPD: the planned year's later deadline no longer applies.
    assert list(kel.index) == ["Musrenbang kecamatan", "Musrenbang kabupaten/kota",
                               "Penetapan RKPD"]
    assert kel.loc["Musrenbang kecamatan", "due"] == date(2025, 2, 28)
    assert kel.loc["Musrenbang kecamatan", "state"] == "terpenuhi"
    assert kel.loc["Musrenbang kecamatan", "reached_on"] == date(2025, 2, 20)
    assert kel.loc["Penetapan RKPD", "state_label"] == "Terlewat"
    assert kel.loc["Penetapan RKPD", "start"] == date(2025, 3, 31)
    desa = ms[ms["village_code"] == DESA]
    assert list(desa["due"]) == [date(2025, 6, 30), date(2025, 9, 30), date(2025, 10, 31),
                                 date(2025, 12, 31)]
    assert set(desa["cycle_year"]) == {2026}     # on schedule: only the year as planned


def test_a_slipped_village_also_gets_the_calendar_it_slipped_to(world) -> None:
    ms = village_milestones(world.con, REGION, VIEW)
    kel = ms[ms["village_code"] == KELURAHAN]
    slip = village_rollout(world.con, REGION, VIEW).set_index("village_code").loc[
        KELURAHAN, "slip_to_year"]
    assert slip == 2027 and set(kel["funding_year"]) == {2026}
    assert list(kel["cycle_year"]) == [2026] * 3 + [2027] * 4
    new = kel[kel["cycle_year"] == 2027].set_index("milestone")
    assert new.loc["Musrenbang kecamatan", "start"] == date(2026, 1, 1)
    assert new.loc["Persetujuan bersama APBD", "due"].year == 2026
    # The stage reached for the first calendar still counts; nothing of the new one is missed.
    assert new.loc["Musrenbang kecamatan", "state"] == "terpenuhi"
    assert new.loc["Musrenbang kecamatan", "reached_on"] == date(2025, 2, 20)
    assert "terlewat" not in set(new["state"])


@pytest.fixture(scope="module")
def budget(world) -> pd.DataFrame:
    return budget_summary(world.con, REGION, VIEW).set_index("program_code")


def test_budget_per_program(budget: pd.DataFrame) -> None:
    gov = budget.loc["GOV-01"]
    # 200 jt (TW I) + 300 jt (TW II), both "tw": 500 jt of 1 M = 50 %; fisik 75 %: gap 25.
    assert gov["pagu"] == 1_000_000_000 and gov["realisasi_ytd"] == 500_000_000
    assert gov["absorption_pct"] == pytest.approx(50.0)
    assert gov["fisik_pct"] == 75.0 and gov["gap_points"] == pytest.approx(25.0)
    assert bool(gov["imbalance"])
    assert gov["imbalance_reason"] == ("Realisasi fisik 75% dan realisasi anggaran 50% "
                                       "berselisih 25 poin (batas 10 poin)")
    soc = budget.loc["SOC-01"]
    # APBD: 100 jt ("tw") then 180 jt declared s.d. TW II -> 180 jt; DAK 60 jt s.d. TW II.
    assert soc["n_sources"] == 2 and soc["pagu"] == 500_000_000
    assert soc["realisasi_ytd"] == 240_000_000
    assert soc["absorption_pct"] == pytest.approx(48.0)
    assert not soc["imbalance"] and soc["imbalance_reason"] is None
    liv = budget.loc["LIV-01"]  # running, no budget reported
    assert pd.isna(liv["pagu"]) and not liv["imbalance"]


def test_budget_by_source_funding_source_and_opd(world) -> None:
    src = budget_summary(world.con, REGION, VIEW, by="source").set_index(
        ["program_code", "funding_source"])
    assert src.loc[("SOC-01", "APBD"), "realisasi_ytd"] == 180_000_000
    assert src.loc[("SOC-01", "APBD"), "absorption_pct"] == pytest.approx(45.0)
    assert src.loc[("SOC-01", "DAK"), "absorption_pct"] == pytest.approx(60.0)
    fund = budget_summary(world.con, REGION, VIEW, by="funding_source").set_index(
        "funding_source")
    assert fund.loc["APBD", "pagu"] == 1_400_000_000
    assert fund.loc["APBD", "realisasi_ytd"] == 680_000_000
    opd = budget_summary(world.con, REGION, VIEW, by="opd").set_index("opd_code")
    assert opd.loc["KOMINFO", "n_imbalanced"] == 1
    assert opd.loc["DPMD", "absorption_pct"] == pytest.approx(48.0)
    with pytest.raises(ValueError):
        budget_summary(world.con, REGION, VIEW, by="kecamatan")


def test_budget_at_tw1(world) -> None:
    tw1 = budget_summary(world.con, REGION, AsOf(2025, 1, VIEW.cutoff)).set_index(
        "program_code")
    assert tw1.loc["GOV-01", "realisasi_ytd"] == 200_000_000
    assert tw1.loc["GOV-01", "fisik_pct"] == 30.0 and tw1.loc["GOV-01", "fisik_tw"] == 1
