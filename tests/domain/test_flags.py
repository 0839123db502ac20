"""Early-warning flags and their reasons (domain.md §4)."""

import pytest

from monev.domain.flags import (
    FLAG_KINDS,
    FLAG_LABELS,
    Flag,
    attainment_flag,
    attainment_reason,
    flags_frame,
    imbalance,
    imbalance_reason,
    is_stagnant,
    report_flag,
    stagnant_reason,
    village_flag,
)
from monev.domain.settings import rules_from


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        (None, None),
        (float("nan"), None),
        (0.0, "kritis"),
        (50.99, "kritis"),
        (50.995, "tertinggal"),  # rounds to 51.00, like the bands
        (51.0, "tertinggal"),
        (75.99, "tertinggal"),
        (75.995, None),
        (76.0, None),
        (140.0, None),
    ],
)
def test_attainment_flag(value: float | None, kind: str | None) -> None:
    assert attainment_flag(value) == kind


def test_attainment_thresholds_are_settings() -> None:
    rules = rules_from({"tertinggal_below": 80, "kritis_below": 60})
    assert attainment_flag(78, rules) == "tertinggal"
    assert attainment_flag(55, rules) == "kritis"


@pytest.mark.parametrize(
    ("value", "tw", "reason"),
    [
        (62.5, 2, "Capaian 62,5% terhadap target s.d. TW II (di bawah 76%)"),
        (40.0, 3, "Capaian 40% terhadap target s.d. TW III (di bawah 51%)"),
        (75.96, 1, "Capaian 75,96% terhadap target s.d. TW I (di bawah 76%)"),
        (90.0, 4, "Capaian 90% terhadap target s.d. TW IV"),
    ],
)
def test_attainment_reason(value: float, tw: int, reason: str) -> None:
    assert attainment_reason(value, tw) == reason


@pytest.mark.parametrize(
    ("ytd", "expected", "stagnant"),
    [
        ([10, 10, None, None], [25, 50, 75, 100], True),
        ([10, 20, 20, None], [25, 50, 75, 100], True),
        ([10, 20, 30, None], [25, 50, 75, 100], False),
        ([10, None, 10, None], [25, 50, 75, 100], True),  # last two *reported* quarters
        ([10, 10, None, None], [5, 5, 5, 5], False),  # the target does not expect change
        ([10, None, None, None], [25, 50, 75, 100], False),  # only one report
        ([10, 10, None, None], [None, 50, 75, 100], False),  # no expected value to compare
        ([None, None, None, None], [25, 50, 75, 100], False),
        ([0.1 + 0.2, 0.3, None, None], [1, 2, 3, 4], True),  # float noise is no change
    ],
)
def test_is_stagnant(ytd: list, expected: list, stagnant: bool) -> None:
    assert is_stagnant(ytd, expected) is stagnant


def test_stagnant_reason() -> None:
    assert stagnant_reason([10, 20, 20.0, None], [25, 50, 75, 100]) == (
        "Realisasi s.d. TW II dan s.d. TW III tetap 20, sedangkan target naik dari 50 ke 75")


@pytest.mark.parametrize(
    ("fisik", "keuangan", "flagged"),
    [
        (50, 60, False),  # exactly 10 points: not more than 10
        (60.1, 50.1, False),  # 10 points with float noise
        (50, 60.01, True),
        (70, 59.99, True),
        (40, 65, True),
        (None, 50, False),
        (50, float("nan"), False),
    ],
)
def test_imbalance(fisik: float | None, keuangan: float | None, flagged: bool) -> None:
    assert imbalance(fisik, keuangan) is flagged


def test_imbalance_reason() -> None:
    assert imbalance_reason(40, 65) == (
        "Realisasi fisik 40% dan realisasi anggaran 65% berselisih 25 poin (batas 10 poin)")
    assert imbalance(40, 55, rules_from({"imbalance_points": 20})) is False


@pytest.mark.parametrize(
    ("status", "kind"),
    [("belum_melapor", "belum_melapor"), ("terlambat", "terlambat"),
     ("tepat_waktu", None), ("belum_jatuh_tempo", None)],
)
def test_report_flag(status: str, kind: str | None) -> None:
    assert report_flag(status) == kind


@pytest.mark.parametrize(
    ("status", "kind"),
    [("rawan", "desa_rawan"), ("bergeser", "desa_bergeser"), ("sesuai_jadwal", None),
     ("beroperasi", None)],
)
def test_village_flag(status: str, kind: str | None) -> None:
    assert village_flag(status) == kind


def test_labels() -> None:
    assert set(FLAG_KINDS) == {"tertinggal", "kritis", "belum_melapor", "terlambat", "stagnan",
                               "fisik_keuangan", "desa_rawan", "desa_bergeser"}
    assert FLAG_LABELS["fisik_keuangan"] == "Fisik–keuangan tidak seimbang"
    assert Flag("desa_rawan", "x", "OPD1").label == "Desa rawan"
    with pytest.raises(ValueError):
        Flag("lainnya", "x", None)


def test_flags_frame_sorts_by_urgency() -> None:
    flags = [
        Flag("terlambat", "a", "DKI"),
        Flag("kritis", "b", "DKP", program_code="P2", kendala="Lelang gagal",
             tindak_lanjut="Lelang ulang"),
        Flag("tertinggal", "c", "DKI", program_code="P1"),
        Flag("kritis", "d", "DKI", program_code="P1"),
    ]
    frame = flags_frame(flags)
    assert list(frame["reason"]) == ["d", "b", "c", "a"]
    assert list(frame["label"])[:2] == ["Kritis", "Kritis"]
    assert frame.loc[1, "tindak_lanjut"] == "Lelang ulang"
    assert flags_frame([]).empty
    assert "kendala" in flags_frame([]).columns
