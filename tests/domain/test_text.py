"""Indonesian number, rupiah and date formatting used in reasons and labels."""

from datetime import date

import pytest

from monev.domain.text import (
    format_angka,
    format_persen,
    format_rupiah,
    format_tanggal,
    sd_tw_label,
    tw_label,
)


@pytest.mark.parametrize(
    ("x", "decimals", "trim", "expected"),
    [
        (1234.5, 1, False, "1.234,5"),
        (1234567.891, 2, False, "1.234.567,89"),
        (0.05, 1, False, "0,1"),  # half-up, not banker's rounding
        (0.25, 1, False, "0,3"),
        (-1234.5, 1, False, "-1.234,5"),
        (-0.04, 1, False, "0,0"),
        (62.5, 2, True, "62,5"),
        (80.0, 2, True, "80"),
        (1000000, 0, False, "1.000.000"),
        (None, 1, False, "–"),
        (float("nan"), 1, False, "–"),
    ],
)
def test_format_angka(x: float | None, decimals: int, trim: bool, expected: str) -> None:
    assert format_angka(x, decimals, trim) == expected


@pytest.mark.parametrize(
    ("x", "expected"),
    [
        (1_200_000_000, "Rp 1,2 M"),
        (350_000_000, "Rp 350 jt"),
        (1_500_000_000_000, "Rp 1,5 T"),
        (2_000_000_000, "Rp 2 M"),
        (999_960_000, "Rp 1 M"),
        (1_500_000, "Rp 1,5 jt"),
        (1_500, "Rp 1.500"),
        (0, "Rp 0"),
        (-350_000_000, "-Rp 350 jt"),
        (None, "–"),
    ],
)
def test_format_rupiah(x: float | None, expected: str) -> None:
    assert format_rupiah(x) == expected


def test_percent_date_and_tw_labels() -> None:
    assert format_persen(75.5) == "75,5%"
    assert format_tanggal(date(2025, 9, 30)) == "30 September 2025"
    assert format_tanggal(date(2024, 2, 1)) == "1 Februari 2024"
    assert tw_label(4) == "TW IV"
    assert sd_tw_label(2) == "s.d. TW II"
    with pytest.raises(ValueError):
        tw_label(5)
