"""Year-to-date realisation and expected-to-date target for each accumulation type."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from monev.domain.accumulation import (
    METHOD_LABELS,
    describe_method,
    expected_to_date,
    figure_at,
    year_start,
    year_to_date,
    ytd_series,
)

JUMLAH_TW = {1: (10, "tw"), 2: (20, "tw"), 3: (30, "tw"), 4: (40, "tw")}
JUMLAH_SDTW = {1: (10, "sdtw"), 2: (30, "sdtw"), 3: (60, "sdtw"), 4: (100, "sdtw")}
JUMLAH_MIXED = {1: (10, "tw"), 2: (30, "sdtw"), 3: (30, "tw"), 4: (40, "tw")}
JUMLAH_GAP = {1: (10, "tw"), 3: (30, "tw")}
POSISI_TW = {1: (20, "tw"), 2: (35, "tw"), 3: (40, "tw"), 4: (50, "tw")}
POSISI_MIXED = {1: (20, "tw"), 2: (35, "sdtw"), 4: (50, "tw")}
RATA_TW = {1: (4, "tw"), 2: (6, "tw"), 3: (8, "tw"), 4: (2, "tw")}
RATA_SDTW = {1: (4, "sdtw"), 2: (5, "sdtw"), 3: (6, "sdtw"), 4: (5, "sdtw")}
RATA_MIXED = {2: (5, "sdtw"), 3: (8, "tw"), 4: (6, "tw")}
RATA_GAP = {1: (4, "tw"), 3: (8, "tw")}


@pytest.mark.parametrize(
    ("values", "accumulation", "expected"),
    [
        (JUMLAH_TW, "jumlah", [10, 30, 60, 100]),
        (JUMLAH_SDTW, "jumlah", [10, 30, 60, 100]),
        (JUMLAH_MIXED, "jumlah", [10, 30, 60, 100]),
        (JUMLAH_GAP, "jumlah", [10, 10, 40, 40]),  # a missing quarter adds nothing
        (POSISI_TW, "posisi_akhir", [20, 35, 40, 50]),
        (POSISI_MIXED, "posisi_akhir", [20, 35, 35, 50]),
        (RATA_TW, "rata_rata", [4, 5, 6, 5]),
        (RATA_SDTW, "rata_rata", [4, 5, 6, 5]),
        (RATA_MIXED, "rata_rata", [None, 5, 6, 6]),  # (5×2 + 8) / 3, (5×2 + 8 + 6) / 4
        (RATA_GAP, "rata_rata", [4, 4, 6, 6]),  # the missing TW II is not a zero
    ],
)
def test_year_to_date_each_tw(values: dict, accumulation: str, expected: list) -> None:
    got = [year_to_date(values, accumulation, tw) for tw in (1, 2, 3, 4)]
    for value, want in zip(got, expected, strict=True):
        assert value == (None if want is None else pytest.approx(want))


@pytest.mark.parametrize("accumulation", ["jumlah", "posisi_akhir", "rata_rata"])
def test_nothing_reported_is_none_not_zero(accumulation: str) -> None:
    assert year_to_date({}, accumulation, 4) is None
    assert year_to_date({3: (5, "tw")}, accumulation, 2) is None
    assert year_to_date({1: (None, "tw"), 2: (float("nan"), "sdtw")}, accumulation, 2) is None


def test_sdtw_supersedes_earlier_quarter_values() -> None:
    # TW I typed as a quarter value, TW III declared cumulative: TW I is inside the TW III total.
    assert year_to_date({1: (10, "tw"), 3: (45, "sdtw"), 4: (5, "tw")}, "jumlah", 4) == 50


@pytest.mark.parametrize(
    ("values", "accumulation", "tw"),
    [({1: (1, "sd")}, "jumlah", 1), ({5: (1, "tw")}, "jumlah", 4), ({}, "total", 1),
     ({}, "jumlah", 0)],
)
def test_invalid_input(values: dict, accumulation: str, tw: int) -> None:
    with pytest.raises(ValueError):
        year_to_date(values, accumulation, tw)


def test_ytd_series_marks_unreported_quarters() -> None:
    assert ytd_series(JUMLAH_GAP, "jumlah") == [10, None, 40, None]
    assert ytd_series(JUMLAH_TW, "jumlah", upto=2) == [10, 30]


@given(st.dictionaries(st.integers(1, 4), st.floats(-1e6, 1e6), min_size=1),
       st.integers(1, 4))
def test_jumlah_all_tw_basis_is_the_sum(quarters: dict, tw: int) -> None:
    values = {q: (v, "tw") for q, v in quarters.items()}
    counted = [v for q, v in quarters.items() if q <= tw]
    got = year_to_date(values, "jumlah", tw)
    if not counted:
        assert got is None
    else:
        assert got == pytest.approx(sum(counted), abs=1e-6)


@pytest.mark.parametrize(
    ("annual", "baseline", "accumulation", "expected", "method"),
    [
        (100, None, "jumlah", [25, 50, 75, 100], "proporsional"),
        (100, 40, "jumlah", [25, 50, 75, 100], "proporsional"),  # baseline plays no part
        (60, 20, "posisi_akhir", [30, 40, 50, 60], "interpolasi_linier"),
        (60, None, "posisi_akhir", [15, 30, 45, 60], "interpolasi_linier_baseline_0"),
        (3, 2, "posisi_akhir", [2.25, 2.5, 2.75, 3], "interpolasi_linier"),
        (5, 7, "rata_rata", [5, 5, 5, 5], "target_tahunan"),
    ],
)
def test_expected_fallbacks(annual: float, baseline: float | None, accumulation: str,
                            expected: list, method: str) -> None:
    for tw, want in zip((1, 2, 3, 4), expected, strict=True):
        value, used = expected_to_date(annual, baseline, accumulation, tw)
        assert used == method
        assert value == pytest.approx(want)


@pytest.mark.parametrize(
    ("accumulation", "quarterly", "expected"),
    [
        ("jumlah", {1: 10, 2: 20, 3: 30, 4: 40}, [10, 30, 60, 100]),
        ("posisi_akhir", {1: 25, 2: 50, 3: 60, 4: 80}, [25, 50, 60, 80]),
        ("rata_rata", {1: 4, 2: 6, 3: 8, 4: 2}, [4, 5, 6, 5]),
    ],
)
def test_expected_from_action_plan(accumulation: str, quarterly: dict, expected: list) -> None:
    for tw, want in zip((1, 2, 3, 4), expected, strict=True):
        value, method = expected_to_date(999, 0, accumulation, tw, quarterly)
        assert method == "target_tw"
        assert value == pytest.approx(want)


def test_gapped_action_plan_falls_back_where_a_quarter_is_missing() -> None:
    # A plan with TW I and TW III only: TW I from the plan; from TW II the annual formula, so
    # the expected value still reaches the annual target at TW IV.
    plan = {1: 10, 3: 30}
    assert expected_to_date(100, 0, "jumlah", 1, plan) == (10, "target_tw")
    assert expected_to_date(100, 0, "jumlah", 2, plan) == (50, "proporsional")
    assert expected_to_date(60, 20, "posisi_akhir", 4, {1: 30, 2: 40}) == (
        60, "interpolasi_linier")


def test_action_plan_without_targets_up_to_tw_falls_back() -> None:
    assert expected_to_date(100, None, "jumlah", 2, {4: 100}) == (50, "proporsional")
    assert expected_to_date(100, None, "jumlah", 4, {4: 100}) == (100, "proporsional")
    assert expected_to_date(100, None, "jumlah", 2, {1: float("nan")}) == (50, "proporsional")


@pytest.mark.parametrize("accumulation", ["jumlah", "posisi_akhir", "rata_rata"])
def test_missing_annual_target(accumulation: str) -> None:
    value, method = expected_to_date(None, 10, accumulation, 2)
    assert value is None
    assert method in METHOD_LABELS


def test_method_sentences() -> None:
    assert describe_method("proporsional", 2) == "Target tahunan × 2/4 (proporsional)"
    assert describe_method("target_tw", 3) == "Target TW dari rencana aksi (s.d. TW III)"
    assert "dianggap 0" in describe_method("interpolasi_linier_baseline_0", 1)
    assert describe_method("interpolasi_linier_realisasi_lalu", 1) == (
        "Realisasi TW IV tahun lalu + (target tahunan − realisasi TW IV tahun lalu) × 1/4 "
        "(interpolasi linier)")
    assert describe_method("interpolasi_linier_target_lalu", 3).startswith(
        "Target tahun lalu + (target tahunan − target tahun lalu) × 3/4")
    assert set(METHOD_LABELS) == {"target_tw", "proporsional", "interpolasi_linier",
                                  "interpolasi_linier_baseline_0",
                                  "interpolasi_linier_realisasi_lalu",
                                  "interpolasi_linier_target_lalu", "target_tahunan"}


# --------------------------------------------------------------- no figure, no capaian

@pytest.mark.parametrize(
    ("values", "accumulation", "tw", "want"),
    [
        (JUMLAH_GAP, "jumlah", 2, None),      # TW II blank: not TW I's 10 ("missing = 0")
        (JUMLAH_GAP, "jumlah", 3, 40),        # TW III reported again: 10 + 30
        (JUMLAH_GAP, "jumlah", 4, None),
        (POSISI_MIXED, "posisi_akhir", 3, None),  # not TW II's level 35
        (POSISI_MIXED, "posisi_akhir", 4, 50),
        (RATA_GAP, "rata_rata", 2, None),     # not TW I's mean 4
        (RATA_MIXED, "rata_rata", 1, None),
        (RATA_MIXED, "rata_rata", 2, 5),
        ({1: (10, "tw"), 2: (float("nan"), "tw")}, "jumlah", 2, None),  # a NaN cell is blank
        ({2: (30, "sdtw")}, "jumlah", 2, 30),  # only the viewed TW reported, declared s.d. TW
    ],
)
def test_figure_at_needs_a_value_for_the_viewed_tw(values: dict, accumulation: str, tw: int,
                                                   want: float | None) -> None:
    got = figure_at(values, accumulation, tw)
    assert got == (None if want is None else pytest.approx(want))
    assert got == ytd_series(values, accumulation)[tw - 1]


# --------------------------------------------------------------- where a posisi akhir year starts

@pytest.mark.parametrize(
    ("baseline", "final", "target", "want"),
    [
        (20, None, None, (20, "interpolasi_linier")),          # first year: kondisi awal
        (None, None, None, (None, "interpolasi_linier_baseline_0")),
        (20, None, 245, (245, "interpolasi_linier_target_lalu")),  # TW IV not reported
        (20, 265, 245, (265, "interpolasi_linier_realisasi_lalu")),  # TW IV reported
        (20, 0.0, 245, (0.0, "interpolasi_linier_realisasi_lalu")),  # a reported 0 is a level
        (None, float("nan"), float("nan"), (None, "interpolasi_linier_baseline_0")),
        (None, None, 80, (80, "interpolasi_linier_target_lalu")),
    ],
)
def test_year_start(baseline: float | None, final: float | None, target: float | None,
                    want: tuple) -> None:
    assert year_start(baseline, final, target) == want


def test_posisi_akhir_starts_where_last_year_ended() -> None:
    """GOV-07.2 of the demo: kondisi awal 20, 2025 target 245 reached 265, 2026 target 328."""
    first = [expected_to_date(245, 20, "posisi_akhir", tw)[0] for tw in (1, 2, 3, 4)]
    assert first == pytest.approx([76.25, 132.5, 188.75, 245])
    later = [expected_to_date(328, 20, "posisi_akhir", tw, previous_final=265,
                              previous_target=245) for tw in (1, 2, 3, 4)]
    assert [v for v, _ in later] == pytest.approx([280.75, 296.5, 312.25, 328])
    assert {m for _, m in later} == {"interpolasi_linier_realisasi_lalu"}
    unreported = [expected_to_date(328, 20, "posisi_akhir", tw, previous_target=245)
                  for tw in (1, 4)]
    assert unreported == [(pytest.approx(265.75), "interpolasi_linier_target_lalu"),
                          (pytest.approx(328), "interpolasi_linier_target_lalu")]
    # A level that falls (e.g. % of households without clean water): the start is still
    # last year's level, the expected value moves down from it.
    assert expected_to_date(10, 30, "posisi_akhir", 2, previous_final=18)[0] == pytest.approx(14)


def test_the_start_of_the_year_only_moves_posisi_akhir() -> None:
    for accumulation, want in (("jumlah", (50, "proporsional")),
                               ("rata_rata", (100, "target_tahunan"))):
        assert expected_to_date(100, 20, accumulation, 2, previous_final=90,
                                previous_target=80) == want
    # The action plan's quarterly targets, when complete up to the TW, win over any start.
    assert expected_to_date(328, 20, "posisi_akhir", 1, {1: 270}, previous_final=265) == (
        270, "target_tw")
    # No annual target: no value, the method still says where the year would start.
    assert expected_to_date(None, 20, "posisi_akhir", 1, previous_final=265) == (
        None, "interpolasi_linier_realisasi_lalu")
