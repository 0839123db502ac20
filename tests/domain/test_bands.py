"""Bands on capaian rounded half-up to 2 decimals, lower bound inclusive (Permendagri 86/2017)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from monev.domain.bands import BANDS, BY_CODE, band
from monev.domain.settings import rules_from


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (0.0, "SR"),
        (50.99, "SR"),
        (50.994, "SR"),
        (50.995, "R"),  # rounds half-up to 51.00
        (51.0, "R"),
        (65.99, "R"),
        (66.0, "S"),
        (75.99, "S"),
        (76.0, "T"),
        (90.99, "T"),
        (90.994, "T"),  # 90.99
        (90.995, "ST"),  # 91.00 with round-half-up (banker's rounding on the binary float: 90.99)
        (91.0, "ST"),
        (150.0, "ST"),
        (-5.0, "SR"),
        (None, "NA"),
        (float("nan"), "NA"),
    ],
)
def test_band_boundaries(value: float | None, code: str) -> None:
    assert band(value).code == code


def test_band_labels_and_palette() -> None:
    assert [(b.code, b.label, b.color) for b in BANDS] == [
        ("ST", "Sangat Tinggi", "#0072B2"),
        ("T", "Tinggi", "#56B4E9"),
        ("S", "Sedang", "#F0E442"),
        ("R", "Rendah", "#E69F00"),
        ("SR", "Sangat Rendah", "#D55E00"),
        ("NA", "Tidak ada data", "#9E9E9E"),
    ]
    assert [b.order for b in BANDS] == sorted(b.order for b in BANDS)
    assert BY_CODE["ST"].caption == "ST – Sangat Tinggi"
    assert BY_CODE["ST"].text_color == "#FFFFFF"
    assert BY_CODE["S"].text_color == "#000000"


def test_thresholds_come_from_rules() -> None:
    rules = rules_from({"band_st": 90, "band_t": 75, "band_s": 65, "band_r": 50})
    assert band(90.0, rules).code == "ST"
    assert band(50.0, rules).code == "R"
    assert band(90.0).code == "T"


@given(a=st.floats(-1e6, 1e6), b=st.floats(-1e6, 1e6))
def test_band_order_monotone(a: float, b: float) -> None:
    low, high = sorted((a, b))
    assert band(high).order <= band(low).order
