"""Village kind, funding route, budget-calendar milestones and status (domain.md §5)."""

from datetime import date

import pytest

from monev.domain.settings import rules_from
from monev.domain.village import (
    ALL_STAGES,
    STAGES,
    STATUS_LABELS,
    current_stage,
    funding_route,
    milestones,
    village_kind,
    village_status,
)

DESA = "35.23.01.2001"  # Tuban, a desa
KELURAHAN = "35.23.01.1001"  # Tuban, a kelurahan
MOJOKERTO = "35.76.01.1001"  # Kota Mojokerto: kelurahan only
FY = 2025  # funding year: milestones fall in 2024


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("35.23.01.2001", "desa"),
        ("35.23.01.2015", "desa"),
        ("3523012005", "desa"),
        ("35.23.01.1001", "kelurahan"),
        ("35.23.01.1999", "kelurahan"),
        (" 35.76.01.1003 ", "kelurahan"),
    ],
)
def test_village_kind(code: str, kind: str) -> None:
    assert village_kind(code) == kind


@pytest.mark.parametrize("code", ["35.23.01.2000", "35.23.01.1000", "35.23.01.0999",
                                  "35.23.01", "3523", "abc", ""])
def test_village_kind_rejects_bad_codes(code: str) -> None:
    with pytest.raises(ValueError):
        village_kind(code)


@pytest.mark.parametrize(
    ("code", "source", "route"),
    [
        (DESA, "Dana Desa", "apbdes"),
        (DESA, "DD", "apbdes"),
        (DESA, "ADD", "apbdes"),
        (DESA, "Alokasi Dana Desa (ADD)", "apbdes"),
        (DESA, "  dana   desa ", "apbdes"),
        (DESA, "APBD + DD", "apbdes"),
        (DESA, "DD dan ADD", "apbdes"),
        (DESA, "APBD", "apbd"),
        (DESA, "DAK", "apbd"),
        (DESA, "CSR/swasta", "apbd"),
        (DESA, "", "apbd"),
        (KELURAHAN, "Dana Desa", "apbd"),
        (MOJOKERTO, "Dana Desa", "apbd"),
        (MOJOKERTO, "ADD", "apbd"),
    ],
)
def test_funding_route(code: str, source: str, route: str) -> None:
    assert funding_route(code, source) == route


def test_stage_lists() -> None:
    assert STAGES["apbdes"] == ("Rencana", "Masuk RKP Desa", "Masuk APBDes", "Pelaksanaan",
                                "Beroperasi")
    assert STAGES["apbd"] == ("Rencana", "Usulan Musrenbang", "Masuk RKPD", "Masuk APBD/DPA",
                              "Pelaksanaan", "Beroperasi")
    assert set(ALL_STAGES) == set(STAGES["apbdes"]) | set(STAGES["apbd"])
    assert len(ALL_STAGES) == len(set(ALL_STAGES))


def test_milestones_apbdes() -> None:
    got = [(m.name, m.due, m.required_stage) for m in milestones("apbdes", FY)]
    assert got == [
        ("Musyawarah Desa", date(2024, 6, 30), "Rencana"),
        ("Penetapan RKP Desa", date(2024, 9, 30), "Masuk RKP Desa"),
        ("Kesepakatan APBDes dengan BPD", date(2024, 10, 31), "Masuk APBDes"),
        ("Penetapan APBDes", date(2024, 12, 31), "Masuk APBDes"),
    ]


def test_milestones_apbd_end_of_february() -> None:
    got = [(m.due, m.required_stage) for m in milestones("apbd", FY)]
    assert got == [
        (date(2024, 2, 29), "Usulan Musrenbang"),  # leap year
        (date(2024, 3, 31), "Usulan Musrenbang"),
        (date(2024, 6, 30), "Masuk RKPD"),
        (date(2024, 11, 30), "Masuk APBD/DPA"),
    ]
    assert milestones("apbd", 2026)[0].due == date(2025, 2, 28)


def test_milestones_follow_settings() -> None:
    rules = rules_from({"rkp_desa_due": [9, 15]})
    assert milestones("apbdes", FY, rules)[1].due == date(2024, 9, 15)


# RKP Desa due 30 Sep 2024; nothing reached beyond Rencana.
@pytest.mark.parametrize(
    ("as_of", "status", "slip"),
    [
        (date(2024, 9, 29), "rawan", None),  # due the day after as_of
        (date(2024, 9, 30), "rawan", None),  # due on as_of: not passed yet, due today
        (date(2024, 10, 1), "bergeser", 2026),  # due the day before as_of: passed unmet
    ],
)
def test_milestone_day_before_on_after(as_of: date, status: str, slip: int | None) -> None:
    result = village_status("apbdes", FY, {}, as_of)
    assert result.status == status
    assert result.slip_to_year == slip


def test_due_today_says_so() -> None:
    result = village_status("apbdes", FY, {}, date(2024, 9, 30))
    assert result.reason == ("Tenggat Penetapan RKP Desa 30 September 2024 (hari ini), "
                             "tahap \u201cMasuk RKP Desa\u201d belum tercapai.")
    assert result.next_milestone.name == "Penetapan RKP Desa"


def test_bergeser_reason_names_date_and_new_year() -> None:
    result = village_status("apbdes", FY, {}, date(2024, 10, 1))
    assert result.label == "Bergeser"
    assert result.reason == (
        "Tahap \u201cMasuk RKP Desa\u201d belum tercapai pada tenggat Penetapan RKP Desa "
        "(30 September 2024); pendanaan bergeser dari tahun 2025 ke tahun 2026. "
        "Tenggat berikutnya: Penetapan RKP Desa, 30 September 2025.")
    assert result.next_milestone.name == "Penetapan RKP Desa"
    assert result.next_milestone.due == date(2025, 9, 30)


@pytest.mark.parametrize(
    ("reached_on", "as_of", "status"),
    [
        (date(2024, 9, 30), date(2024, 10, 1), "rawan"),  # met on the due date; APBDes 31 Oct next
        (date(2024, 10, 1), date(2024, 10, 2), "bergeser"),  # reached one day late
        (date(2024, 8, 20), date(2024, 8, 25), "sesuai_jadwal"),  # next due 31 Oct: 67 days
    ],
)
def test_rkp_desa_reached(reached_on: date, as_of: date, status: str) -> None:
    result = village_status("apbdes", FY, {"Masuk RKP Desa": reached_on}, as_of)
    assert result.status == status


@pytest.mark.parametrize(
    ("as_of", "status"),
    [(date(2024, 7, 31), "sesuai_jadwal"),  # RKP Desa in 61 days
     (date(2024, 8, 1), "rawan")],  # RKP Desa in 60 days
)
def test_rawan_window_boundary(as_of: date, status: str) -> None:
    assert village_status("apbdes", FY, {}, as_of).status == status


def test_rawan_window_is_a_setting() -> None:
    rules = rules_from({"rawan_window_days": 30})
    assert village_status("apbdes", FY, {}, date(2024, 8, 1), rules).status == "sesuai_jadwal"


def test_desa_and_kelurahan_of_the_same_program() -> None:
    as_of = date(2024, 7, 15)
    desa = village_status(funding_route(DESA, "Dana Desa"), FY, {}, as_of)
    assert desa.status == "sesuai_jadwal"
    assert desa.next_milestone.name == "Penetapan RKP Desa"
    assert "30 September 2024" in desa.reason

    # The kelurahan had to be proposed in the Musrenbang by Feb 2024: it slips to 2026.
    kel = village_status(funding_route(KELURAHAN, "Dana Desa"), FY, {}, as_of)
    assert kel.status == "bergeser"
    assert kel.slip_to_year == 2026
    assert "29 Februari 2024" in kel.reason

    on_track = {"Usulan Musrenbang": date(2024, 2, 10), "Masuk RKPD": date(2024, 6, 20)}
    kel = village_status("apbd", FY, on_track, as_of)
    assert kel.status == "sesuai_jadwal"
    assert kel.next_milestone.name == "Persetujuan bersama APBD"
    assert village_status("apbd", FY, on_track, date(2024, 10, 15)).status == "rawan"


def test_mojokerto_has_only_the_apbd_route() -> None:
    route = funding_route(MOJOKERTO, "Dana Desa")
    assert route == "apbd"
    assert {m.required_stage for m in milestones(route, FY)} <= set(STAGES["apbd"])
    with pytest.raises(ValueError):
        village_status(route, FY, {"Masuk RKP Desa": date(2024, 9, 1)}, date(2024, 10, 1))


def test_only_stages_reached_by_as_of_count() -> None:
    stages = {"Masuk RKP Desa": date(2024, 9, 1), "Masuk APBDes": date(2024, 10, 20),
              "Beroperasi": date(2025, 5, 1)}
    assert village_status("apbdes", FY, stages, date(2025, 4, 30)).status == "sesuai_jadwal"
    result = village_status("apbdes", FY, stages, date(2025, 5, 1))
    assert result.status == "beroperasi"
    assert result.reason == "Beroperasi sejak 1 Mei 2025."
    assert current_stage("apbdes", stages, date(2024, 8, 31)) == "Rencana"
    assert current_stage("apbdes", stages, date(2024, 9, 1)) == "Masuk RKP Desa"


def test_later_stage_implies_earlier_ones_in_time() -> None:
    # Only "Pelaksanaan" recorded: RKP Desa and APBDes must have happened; no date says late.
    result = village_status("apbdes", FY, {"Pelaksanaan": date(2025, 2, 1)}, date(2025, 3, 1))
    assert result.status == "sesuai_jadwal"
    # A later stage's earlier date also dates the earlier stages.
    stages = {"Masuk RKP Desa": date(2024, 10, 20), "Masuk APBDes": date(2024, 9, 15)}
    assert village_status("apbdes", FY, stages, date(2024, 11, 1)).status == "sesuai_jadwal"


def test_slip_skips_cycles_already_missed() -> None:
    # As of Oct 2025 nothing happened for funding year 2025: the 2026 cycle's RKP Desa
    # (30 Sep 2025) has passed too, so the earliest funding year is 2027.
    result = village_status("apbdes", FY, {}, date(2025, 10, 15))
    assert result.status == "bergeser"
    assert result.slip_to_year == 2027


def test_musdes_is_informational() -> None:
    # Right after Musdes (30 Jun) with nothing recorded: still on schedule, RKP Desa is next.
    result = village_status("apbdes", FY, {}, date(2024, 7, 1))
    assert result.status == "sesuai_jadwal"


def test_labels_and_errors() -> None:
    assert STATUS_LABELS == {"sesuai_jadwal": "Sesuai jadwal", "rawan": "Rawan",
                             "bergeser": "Bergeser", "beroperasi": "Beroperasi"}
    with pytest.raises(ValueError):
        milestones("apbn", FY)
