"""Capaian by polarity, target 0, missing values, range targets (domain.md §3)."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from monev.domain.capaian import BELUM_LAPOR, OK, TAK_TERHITUNG, Capaian, capaian

NAN = float("nan")


@pytest.mark.parametrize(
    ("r", "t", "polarity", "value", "status"),
    [
        # positive: r / t × 100, uncapped
        (50, 100, "positif", 50.0, OK),
        (100, 100, "positif", 100.0, OK),
        (150, 100, "positif", 150.0, OK),
        (0, 100, "positif", 0.0, OK),
        # positive target 0: no capaian, whatever the realisation
        (0, 0, "positif", None, TAK_TERHITUNG),
        (5, 0, "positif", None, TAK_TERHITUNG),
        # negative: (2 − r / t) × 100, floored at 0
        (3, 3, "negatif", 100.0, OK),
        (1.5, 3, "negatif", 150.0, OK),
        (4.5, 3, "negatif", 50.0, OK),
        (6, 3, "negatif", 0.0, OK),
        (9, 3, "negatif", 0.0, OK),  # floored, not -100
        (0, 3, "negatif", 200.0, OK),
        # negative target 0: 100 when realisation 0, otherwise not computable
        (0, 0, "negatif", 100.0, OK),
        (2, 0, "negatif", None, TAK_TERHITUNG),
        # missing realisation is "not reported", never 0
        (None, 100, "positif", None, BELUM_LAPOR),
        (NAN, 100, "negatif", None, BELUM_LAPOR),
        (None, None, "positif", None, BELUM_LAPOR),
        # missing target
        (10, None, "positif", None, TAK_TERHITUNG),
        (10, NAN, "negatif", None, TAK_TERHITUNG),
        # negative target: the formulas do not apply
        (10, -5, "positif", None, TAK_TERHITUNG),
    ],
)
def test_point_target(r: float | None, t: float | None, polarity: str, value: float | None,
                      status: str) -> None:
    result = capaian(r, t, polarity)
    assert result.status == status
    if value is None:
        assert result.value is None
    else:
        assert result.value == pytest.approx(value)


@pytest.mark.parametrize(
    ("r", "low", "high", "polarity", "value"),
    [
        (80, 80, 90, "positif", 100.0),  # inside, bounds inclusive
        (85, 80, 90, "positif", 100.0),
        (90, 80, 90, "positif", 100.0),
        (40, 80, 90, "positif", 50.0),  # below: r / low
        (99, 80, 90, "positif", 110.0),  # above: r / high, uncapped
        (85, 90, 80, "positif", 100.0),  # bounds swapped
        (3, 2, 4, "negatif", 100.0),
        (6, 2, 4, "negatif", 50.0),  # above high: (2 − r/high)
        (10, 2, 4, "negatif", 0.0),  # floored
        (1, 2, 4, "negatif", 150.0),  # below low: better than the range
        (0, 0, 4, "negatif", 100.0),
        (5, 0, 10, "positif", 100.0),
    ],
)
def test_range_target(r: float, low: float, high: float, polarity: str, value: float) -> None:
    result = capaian(r, low, polarity, target_max=high)
    assert result.status == OK
    assert result.value == pytest.approx(value)


def test_range_with_zero_bound_and_negative_realisation() -> None:
    assert capaian(-1, 0, "negatif", target_max=4).status == TAK_TERHITUNG
    assert capaian(-1, 0, "positif", target_max=4).status == TAK_TERHITUNG


def test_unknown_polarity() -> None:
    with pytest.raises(ValueError):
        capaian(1, 1, "naik")


@pytest.mark.parametrize(
    ("result", "label"),
    [
        (Capaian(62.5, OK), "62,5%"),
        (Capaian(100.0, OK), "100%"),
        (Capaian(None, BELUM_LAPOR), "Belum melapor"),
        (Capaian(None, TAK_TERHITUNG), "Tidak dapat dihitung"),
    ],
)
def test_labels(result: Capaian, label: str) -> None:
    assert result.label == label


reals = st.floats(min_value=0, max_value=1e6, allow_nan=False, allow_infinity=False)
targets = st.floats(min_value=1e-3, max_value=1e6, allow_nan=False, allow_infinity=False)


@given(r1=reals, r2=reals, t=targets, span=st.one_of(st.none(), reals))
def test_more_realisation_never_lowers_positive(r1: float, r2: float, t: float,
                                                span: float | None) -> None:
    low, high = sorted((r1, r2))
    t_max = None if span is None else t + span
    a, b = capaian(low, t, "positif", t_max), capaian(high, t, "positif", t_max)
    assert a.ok and b.ok
    assert b.value >= a.value - 1e-9


@given(r1=reals, r2=reals, t=targets, span=st.one_of(st.none(), reals))
def test_more_realisation_never_raises_negative(r1: float, r2: float, t: float,
                                                span: float | None) -> None:
    low, high = sorted((r1, r2))
    t_max = None if span is None else t + span
    a, b = capaian(low, t, "negatif", t_max), capaian(high, t, "negatif", t_max)
    assert a.ok and b.ok
    assert b.value <= a.value + 1e-9
    assert b.value >= 0 and math.isfinite(b.value)
