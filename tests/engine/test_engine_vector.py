"""The vectorised twins give exactly what the scalar domain rules give, element by element."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from monev.domain import accumulation as acc
from monev.domain.bands import band
from monev.domain.capaian import capaian
from monev.domain.flags import attainment_flag, imbalance, is_stagnant
from monev.domain.settings import DEFAULT, Rules
from monev.domain.text import round_half_up
from monev.engine import vector

KINDS = (acc.JUMLAH, acc.POSISI_AKHIR, acc.RATA_RATA)


def same(a: float | None, b: float) -> bool:
    """None/NaN match NaN; numbers must be identical (no tolerance)."""
    if a is None or (isinstance(a, float) and math.isnan(a)):
        return math.isnan(b)
    return float(a) == b


def quarter_rows(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r = random.Random(seed)
    values = np.full((n, 4), np.nan)
    sdtw = np.zeros((n, 4), dtype=bool)
    for i in range(n):
        for q in range(4):
            if r.random() < 0.75:
                values[i, q] = r.choice([0.0, r.uniform(0, 500), round(r.uniform(0, 50), 1),
                                         float(r.randint(0, 9))])
                sdtw[i, q] = r.random() < 0.3
    kinds = np.array([r.choice(KINDS) for _ in range(n)], dtype=object)
    return values, sdtw, kinds


def as_mapping(values: np.ndarray, sdtw: np.ndarray, i: int) -> dict[int, tuple[float, str]]:
    return {q + 1: (float(values[i, q]), "sdtw" if sdtw[i, q] else "tw")
            for q in range(4) if not math.isnan(values[i, q])}


@pytest.mark.parametrize("tw", [1, 2, 3, 4])
def test_ytd_matches_year_to_date(tw: int) -> None:
    values, sdtw, kinds = quarter_rows(1500, seed=tw)
    got = vector.ytd(values, sdtw, kinds, tw)
    for i in range(len(kinds)):
        want = acc.year_to_date(as_mapping(values, sdtw, i), kinds[i], tw)
        assert same(want, got[i]), (i, kinds[i], values[i], sdtw[i], want, got[i])


def test_ytd_series_matches_domain() -> None:
    values, sdtw, kinds = quarter_rows(800, seed=9)
    got = vector.ytd_series(values, sdtw, kinds, 3)
    for i in range(len(kinds)):
        want = acc.ytd_series(as_mapping(values, sdtw, i), kinds[i], 3)
        assert all(same(w, g) for w, g in zip(want, got[i], strict=True))


@pytest.mark.parametrize("tw", [1, 2, 3, 4])
def test_expected_matches_expected_to_date(tw: int) -> None:
    r = random.Random(100 + tw)
    n = 1500
    annual = np.array([np.nan if r.random() < 0.1 else r.uniform(0, 300) for _ in range(n)])
    baseline = np.array([np.nan if r.random() < 0.3 else r.uniform(0, 100) for _ in range(n)])
    quarterly = np.full((n, 4), np.nan)
    for i in range(n):
        if r.random() < 0.4:
            for q in range(4):
                if r.random() < 0.7:
                    quarterly[i, q] = r.choice([0.0, r.uniform(0, 100)])
    kinds = np.array([r.choice(KINDS) for _ in range(n)], dtype=object)
    values, methods = vector.expected(annual, baseline, kinds, tw, quarterly)
    for i in range(n):
        plan = {q + 1: float(quarterly[i, q]) for q in range(4)
                if not math.isnan(quarterly[i, q])}
        want, method = acc.expected_to_date(vector.nan_to_none(annual[i]),
                                            vector.nan_to_none(baseline[i]), kinds[i], tw, plan)
        assert same(want, values[i]) and method == methods[i], (i, want, values[i], method)


@pytest.mark.parametrize("tw", [1, 2, 3, 4])
def test_expected_with_last_year_matches_expected_to_date(tw: int) -> None:
    """The start of a posisi akhir year (last year's TW IV realisation, else its target,
    else the baseline), element by element as the domain rule."""
    r = random.Random(200 + tw)
    n = 2000

    def some(p_missing: float, top: float) -> np.ndarray:
        return np.array([np.nan if r.random() < p_missing else r.choice([0.0, r.uniform(0, top)])
                         for _ in range(n)])

    annual, baseline = some(0.1, 300), some(0.3, 100)
    final, target = some(0.5, 300), some(0.4, 300)
    quarterly = np.full((n, 4), np.nan)
    for i in range(n):
        if r.random() < 0.2:
            quarterly[i, :] = [r.uniform(0, 100) for _ in range(4)]
    kinds = np.array([r.choice(KINDS) for _ in range(n)], dtype=object)
    values, methods = vector.expected(annual, baseline, kinds, tw, quarterly, final, target)
    seen = set()
    for i in range(n):
        plan = {q + 1: float(quarterly[i, q]) for q in range(4)
                if not math.isnan(quarterly[i, q])}
        want, method = acc.expected_to_date(
            vector.nan_to_none(annual[i]), vector.nan_to_none(baseline[i]), kinds[i], tw, plan,
            previous_final=vector.nan_to_none(final[i]),
            previous_target=vector.nan_to_none(target[i]))
        assert same(want, values[i]) and method == methods[i], (i, want, values[i], method)
        seen.add(method)
    assert seen == set(acc.METHOD_LABELS)


def test_year_start_matches_domain() -> None:
    nan = math.nan
    edge = [nan, 0.0, 12.5, 265.0]
    rows = [(b, f, t) for b in edge for f in edge for t in edge]
    base, final, target = (np.array(col) for col in zip(*rows, strict=True))
    starts, methods = vector.year_start(base, final, target)
    for i, (b, f, t) in enumerate(rows):
        want, method = acc.year_start(*(vector.nan_to_none(v) for v in (b, f, t)))
        assert same(want, starts[i]) and method == methods[i], (b, f, t)
    assert vector.year_start(base)[1].tolist() == [
        acc.year_start(vector.nan_to_none(b))[1] for b in base]


@pytest.mark.parametrize("tw", [1, 2, 3, 4])
def test_figure_at_matches_domain(tw: int) -> None:
    values, sdtw, kinds = quarter_rows(1500, seed=50 + tw)
    got = vector.figure_at(values, sdtw, kinds, tw)
    for i in range(len(kinds)):
        want = acc.figure_at(as_mapping(values, sdtw, i), kinds[i], tw)
        assert same(want, got[i]), (i, kinds[i], values[i], want, got[i])
    assert np.isnan(got[np.isnan(values[:, tw - 1])]).all()


def capaian_cases() -> list[tuple[float, float, float, bool]]:
    nan = math.nan
    edge = [0.0, 1.0, 2.5, 3.0, 4.5, 6.0, 100.0, -1.0, nan, math.inf]
    cases = [(r, t, tm, neg) for r in edge for t in edge for tm in (nan, 0.0, 3.0, 6.0)
             for neg in (False, True)]
    rng = random.Random(7)
    for _ in range(3000):
        t = rng.choice([0.0, rng.uniform(0, 200)])
        tm = rng.choice([nan, nan, t + rng.uniform(-10, 50)])
        cases.append((rng.choice([nan, 0.0, rng.uniform(-5, 300)]), t, tm, rng.random() < 0.5))
    return cases


def test_capaian_matches_domain() -> None:
    cases = capaian_cases()
    r, t, tm, neg = (np.array(c) for c in zip(*cases, strict=True))
    values, statuses = vector.capaian(r, t, tm, neg.astype(bool))
    for i, (ri, ti, tmi, negi) in enumerate(cases):
        want = capaian(vector.nan_to_none(ri), vector.nan_to_none(ti),
                       "negatif" if negi else "positif", vector.nan_to_none(tmi))
        assert want.status == statuses[i], (cases[i], want, statuses[i])
        assert same(want.value, values[i]), (cases[i], want, values[i])


TIES = [90.995, 90.994999, 75.995, 75.994, 65.995, 50.995, 50.994, 1.005, 2.675, 0.125,
        -0.125, -50.995, 0.0, -0.0, 99.99999, 12345678.905, 1e15 + 0.5, 0.005, 0.015]


def test_round2_matches_round_half_up() -> None:
    rng = random.Random(3)
    xs = TIES + [rng.uniform(-200, 200) for _ in range(5000)] + [
        round(rng.uniform(0, 150), 3) for _ in range(5000)]
    got = vector.round2(np.array(xs))
    for x, g in zip(xs, got, strict=True):
        assert float(round_half_up(x, 2)) == g, (x, g)
    assert np.isnan(vector.round2(np.array([np.nan, np.inf]))).all()


@pytest.mark.parametrize("rules", [DEFAULT, Rules(band_st=90.5, band_t=75.555,
                                                  tertinggal_below=80.0, kritis_below=60.0)])
def test_bands_and_attainment_flags_match_domain(rules: Rules) -> None:
    rng = random.Random(5)
    xs = TIES + [91.0, 76.0, 66.0, 51.0, 90.99, 75.99, math.nan, math.inf, -3.0, 75.555,
                 75.554999, 75.56] + [round(rng.uniform(-10, 130), rng.choice([1, 2, 3]))
                                      for _ in range(5000)]
    arr = np.array(xs)
    codes = vector.band_codes(arr, rules)
    flags = vector.attainment_flags(arr, rules)
    for x, code, flag in zip(xs, codes, flags, strict=True):
        value = None if math.isnan(x) else x
        assert band(value, rules).code == code, (x, code)
        assert attainment_flag(value, rules) == flag, (x, flag)


def test_stagnant_matches_is_stagnant() -> None:
    rng = random.Random(11)
    n, k = 3000, 4
    ytd = np.full((n, k), np.nan)
    exp = np.full((n, k), np.nan)
    for i in range(n):
        for q in range(k):
            if rng.random() < 0.7:
                ytd[i, q] = rng.choice([5.0, 5.0 + 1e-12, 7.0, rng.uniform(0, 10)])
            if rng.random() < 0.9:
                exp[i, q] = rng.choice([10.0, 20.0, 20.0 + 1e-11, rng.uniform(0, 30)])
    got = vector.stagnant(ytd, exp)
    for i in range(n):
        want = is_stagnant([vector.nan_to_none(v) for v in ytd[i]],
                           [vector.nan_to_none(v) for v in exp[i]])
        assert want == bool(got[i]), (ytd[i], exp[i])


def test_imbalance_matches_domain() -> None:
    pairs = [(50.0, 40.0), (50.0, 39.995), (50.0, 39.994), (10.0, 20.005), (math.nan, 3.0),
             (75.0, 50.0), (0.0, 10.0)]
    rng = random.Random(2)
    pairs += [(round(rng.uniform(0, 100), 3), round(rng.uniform(0, 100), 3))
              for _ in range(3000)]
    f, k = (np.array(c) for c in zip(*pairs, strict=True))
    got = vector.imbalance(f, k)
    for (fi, ki), g in zip(pairs, got, strict=True):
        assert imbalance(vector.nan_to_none(fi), vector.nan_to_none(ki)) == bool(g), (fi, ki)
