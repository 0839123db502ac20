"""Vectorised twins of the scalar domain rules, for whole columns at once.

Each function here gives, element by element, exactly what its ``monev.domain`` namesake gives
for one value (tests/engine/test_vector.py checks this on random and edge inputs), so pages stay
fast on a national dataset without a Python loop per indicator. Missing values are NaN.
Arrays of quarter values have shape (n, 4): column q-1 holds TW q.
"""

from __future__ import annotations

import math

import numpy as np

from monev.domain import accumulation as acc
from monev.domain.bands import lower_bounds
from monev.domain.capaian import BELUM_LAPOR, OK, TAK_TERHITUNG
from monev.domain.flags import KRITIS, TERTINGGAL
from monev.domain.settings import DEFAULT, Rules
from monev.domain.text import round_half_up

_TIE = 1e-6          # distance from a half cent below which the exact Decimal path decides
_BIG = 1e7           # beyond this magnitude float error may cross a half cent: exact path


def round2(x: np.ndarray) -> np.ndarray:
    """float(round_half_up(x, 2)) for every element (NaN/inf give NaN)."""
    x = np.asarray(x, dtype="float64")
    out = np.full(x.shape, np.nan)
    finite = np.isfinite(x)
    a = np.abs(np.where(finite, x, 0.0))
    y = a * 100
    k = np.floor(y + 0.5)
    out[finite] = (np.sign(x[finite]) * k[finite]) / 100
    near = finite & ((np.abs(y - np.floor(y) - 0.5) < _TIE) | (a >= _BIG))
    for i in np.flatnonzero(near):
        out.flat[i] = float(round_half_up(float(x.flat[i]), 2))
    return out


def ytd(values: np.ndarray, sdtw: np.ndarray, accumulation: np.ndarray, tw: int) -> np.ndarray:
    """accumulation.year_to_date at TW tw for each row of per-quarter values and bases."""
    values = np.asarray(values, dtype="float64")
    n = values.shape[0]
    rep = ~np.isnan(values[:, :tw])
    cum = np.asarray(sdtw, dtype=bool)[:, :tw] & rep
    anchor = np.zeros(n, dtype="int64")
    base = np.zeros(n)
    for q in range(tw):
        anchor = np.where(cum[:, q], q + 1, anchor)
        base = np.where(cum[:, q], values[:, q], base)
    later_sum = np.zeros(n)
    later_n = np.zeros(n, dtype="int64")
    last = np.full(n, np.nan)
    for q in range(tw):
        later = rep[:, q] & ~cum[:, q] & (q + 1 > anchor)
        later_sum = later_sum + np.where(later, values[:, q], 0.0)
        later_n += later
        last = np.where(rep[:, q], values[:, q], last)
    count = anchor + later_n
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = (base * anchor + later_sum) / np.where(count > 0, count, 1)
    kind = np.asarray(accumulation, dtype=object)
    out = np.select([kind == acc.POSISI_AKHIR, kind == acc.JUMLAH, kind == acc.RATA_RATA],
                    [last, base + later_sum, np.where(count > 0, mean, np.nan)], np.nan)
    out[~rep.any(axis=1)] = np.nan
    return out


def ytd_series(values: np.ndarray, sdtw: np.ndarray, accumulation: np.ndarray,
               upto: int) -> np.ndarray:
    """accumulation.ytd_series: (n, upto) year-to-date values, NaN where the quarter itself
    was not reported."""
    values = np.asarray(values, dtype="float64")
    cols = [figure_at(values, sdtw, accumulation, q) for q in range(1, upto + 1)]
    return np.column_stack(cols) if cols else np.empty((values.shape[0], 0))


def figure_at(values: np.ndarray, sdtw: np.ndarray, accumulation: np.ndarray,
              tw: int) -> np.ndarray:
    """accumulation.figure_at for each row: the year-to-date value at TW tw, NaN when TW tw
    itself was not reported (no figure, no capaian)."""
    values = np.asarray(values, dtype="float64")
    return np.where(np.isnan(values[:, tw - 1]), np.nan, ytd(values, sdtw, accumulation, tw))


def year_start(baseline: np.ndarray, previous_final: np.ndarray | None = None,
               previous_target: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """accumulation.year_start for each row: (start levels, NaN for none; method codes)."""
    baseline = np.asarray(baseline, dtype="float64")
    nan = np.full(baseline.shape, np.nan)
    final = nan if previous_final is None else np.asarray(previous_final, dtype="float64")
    target = nan if previous_target is None else np.asarray(previous_target, dtype="float64")
    known = [~np.isnan(final), ~np.isnan(target), ~np.isnan(baseline)]
    start = np.select(known, [final, target, baseline], np.nan)
    method = np.select(known, [acc.INTERPOLASI_REALISASI_LALU, acc.INTERPOLASI_TARGET_LALU,
                               acc.INTERPOLASI], acc.INTERPOLASI_BASELINE_0).astype(object)
    return start, method


def expected(annual: np.ndarray, baseline: np.ndarray, accumulation: np.ndarray, tw: int,
             quarterly: np.ndarray, previous_final: np.ndarray | None = None,
             previous_target: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """accumulation.expected_to_date for each row: (values, method codes). previous_final and
    previous_target (NaN = none) are the previous year's TW IV realisation and annual target,
    where a posisi akhir year starts (:func:`year_start`)."""
    annual = np.asarray(annual, dtype="float64")
    kind = np.asarray(accumulation, dtype=object)
    planned = ytd(quarterly, np.zeros(np.shape(quarterly), dtype=bool), kind, tw)
    # The plan counts only when it gives every quarter up to tw (as the domain rule).
    has_plan = ~np.isnan(np.asarray(quarterly, dtype="float64")[:, :tw]).any(axis=1)
    start, start_method = year_start(baseline, previous_final, previous_target)
    start = np.where(np.isnan(start), 0.0, start)
    formula = np.select([kind == acc.JUMLAH, kind == acc.RATA_RATA],
                        [annual * tw / 4, annual], start + (annual - start) * tw / 4)
    method = np.select([has_plan, kind == acc.JUMLAH, kind == acc.RATA_RATA],
                       [acc.TARGET_TW, acc.PROPORSIONAL, acc.TARGET_TAHUNAN],
                       start_method).astype(object)
    return np.where(has_plan, planned, formula), method


def capaian(realisasi: np.ndarray, target: np.ndarray, target_max: np.ndarray,
            negative: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """capaian.capaian for each row: (values, statuses); negative marks polarity "negatif"."""
    r = np.asarray(realisasi, dtype="float64")
    t = np.asarray(target, dtype="float64")
    tmax = np.asarray(target_max, dtype="float64")
    neg = np.asarray(negative, dtype=bool)
    high0 = np.where(np.isnan(tmax), t, tmax)
    low, high = np.fmin(t, high0), np.fmax(t, high0)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        by_low, by_high = r / low * 100, r / high * 100
        neg_low, neg_high = (2 - r / low) * 100, np.maximum(0.0, (2 - r / high) * 100)
    value = np.full(r.shape, np.nan)
    # Positive polarity.
    pos_value = np.where(r <= low, np.where(low == 0, np.nan, by_low), by_high)
    pos_value = np.where(high == 0, np.nan, pos_value)
    # Negative polarity.
    above = r >= high
    neg_value = np.where(above, np.where(high == 0, np.where(r == 0, 100.0, np.nan), neg_high),
                         np.where(low == 0, np.nan, neg_low))
    value = np.where(neg, neg_value, pos_value)
    in_range = (low < high) & (low <= r) & (r <= high)
    value = np.where(in_range, 100.0, value)
    bad = np.isnan(t) | (low < 0) | ~np.isfinite(r) | ~np.isfinite(high)
    value = np.where(bad | ~np.isfinite(value), np.nan, value)
    status = np.where(np.isnan(value), TAK_TERHITUNG, OK).astype(object)
    status[np.isnan(r)] = BELUM_LAPOR
    return value, status


def band_codes(values: np.ndarray, rules: Rules = DEFAULT) -> np.ndarray:
    """bands.band(...).code for each capaian ("NA" when missing)."""
    rounded = round2(values)
    bounds = lower_bounds(rules)
    conditions = [rounded >= float(bound) for _, bound in bounds[:-1]]
    conditions.append(~np.isnan(rounded))
    return np.select(conditions, [b.code for b, _ in bounds], "NA").astype(object)


def attainment_flags(values: np.ndarray, rules: Rules = DEFAULT) -> np.ndarray:
    """flags.attainment_flag for each capaian vs expected: "kritis", "tertinggal" or None."""
    rounded = round2(values)
    known = ~np.isnan(rounded)
    return np.select([known & (rounded < float(rules.kritis_below)),
                      known & (rounded < float(rules.tertinggal_below))],
                     [KRITIS, TERTINGGAL], None).astype(object)


def _isclose(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9) element-wise."""
    with np.errstate(invalid="ignore"):
        tol = np.maximum(1e-9 * np.maximum(np.abs(a), np.abs(b)), 1e-9)
        return (a == b) | (np.abs(a - b) <= tol)


def stagnant(ytd_values: np.ndarray, expected_values: np.ndarray) -> np.ndarray:
    """flags.is_stagnant for each row of (n, k) series (NaN = quarter not reported)."""
    ytd_values = np.asarray(ytd_values, dtype="float64")
    expected_values = np.asarray(expected_values, dtype="float64")
    n, k = ytd_values.shape
    if expected_values.shape[1] == 0:
        return np.zeros(n, dtype=bool)
    last = np.full(n, -1)
    prev = np.full(n, -1)
    for q in range(k):
        seen = ~np.isnan(ytd_values[:, q])
        prev = np.where(seen, last, prev)
        last = np.where(seen, q, last)
    ok = (prev >= 0) & (last < expected_values.shape[1])
    rows = np.arange(n)
    i, j = np.where(ok, prev, 0), np.where(ok, last, 0)
    before, after = expected_values[rows, i], expected_values[rows, j]
    same = _isclose(ytd_values[rows, i], ytd_values[rows, j])
    moved = ~_isclose(before, after)
    return ok & ~np.isnan(before) & ~np.isnan(after) & same & moved


def imbalance(fisik: np.ndarray, keuangan: np.ndarray, rules: Rules = DEFAULT) -> np.ndarray:
    """flags.imbalance for each row: |fisik − keuangan| (rounded) > rules.imbalance_points."""
    gap = round2(np.abs(np.asarray(fisik, dtype="float64")
                        - np.asarray(keuangan, dtype="float64")))
    with np.errstate(invalid="ignore"):
        return ~np.isnan(gap) & (gap > float(rules.imbalance_points))


def nan_to_none(x: float) -> float | None:
    """None for NaN/None, else the float (for calls into scalar domain functions)."""
    if x is None:
        return None
    x = float(x)
    return None if math.isnan(x) else x
