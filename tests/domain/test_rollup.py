"""Roll-ups: indicator -> program -> dimension/OPD, and programs running per dimension."""

import math

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from monev.domain.rollup import mean_by, program_capaian, reported_text, running_share


def test_program_capaian_equal_weights_ignore_missing() -> None:
    indicators = pd.DataFrame({
        "program_code": ["P1", "P1", "P1", "P2", "P3"],
        "capaian": [80.0, 100.0, None, float("nan"), 120.0],
    })
    out = program_capaian(indicators).set_index("program_code")
    assert out.loc["P1", "capaian"] == pytest.approx(90.0)
    assert math.isnan(out.loc["P2", "capaian"])  # no computable indicator: not 0
    assert out.loc["P3", "capaian"] == pytest.approx(120.0)  # uncapped
    assert out.loc["P1", "n_indikator"] == 3
    assert out.loc["P1", "n_terhitung"] == 2
    assert out.loc["P2", "n_terhitung"] == 0


def test_program_capaian_weighted() -> None:
    indicators = pd.DataFrame({
        "program_code": ["P1", "P1", "P1", "P2", "P2"],
        "capaian": [60.0, 90.0, None, 50.0, 70.0],
        "weight": [1.0, 2.0, 5.0, None, 3.0],  # the weight of a missing capaian does not count
    })
    out = program_capaian(indicators).set_index("program_code")
    assert out.loc["P1", "capaian"] == pytest.approx((60 + 180) / 3)
    assert out.loc["P2", "capaian"] == pytest.approx((50 + 210) / 4)  # missing weight = 1


def test_program_capaian_rejects_negative_weight() -> None:
    with pytest.raises(ValueError):
        program_capaian(pd.DataFrame({"program_code": ["P1"], "capaian": [1.0],
                                      "weight": [-1.0]}))


def test_mean_by_dimension_and_opd() -> None:
    programs = pd.DataFrame({
        "program_code": ["P1", "P2", "P3", "P4"],
        "dimension_code": ["GOV", "GOV", "ECO", "ECO"],
        "lead_opd_code": ["DKI", "BPKAD", "DKI", "DKI"],
        "capaian": [90.0, 70.0, None, 60.0],
    })
    by_dim = mean_by(programs, "dimension_code").set_index("dimension_code")
    assert by_dim.loc["GOV", "capaian"] == pytest.approx(80.0)
    assert by_dim.loc["ECO", "capaian"] == pytest.approx(60.0)
    assert by_dim.loc["ECO", "n_program"] == 2
    assert by_dim.loc["ECO", "n_terhitung"] == 1
    by_opd = mean_by(programs, ["lead_opd_code"]).set_index("lead_opd_code")
    assert by_opd.loc["DKI", "capaian"] == pytest.approx(75.0)


def test_rollups_count_the_indicators_with_a_figure() -> None:
    """An indicator without a figure for the viewed TW has no capaian: the program's capaian
    stands on the others and says so (n_dilaporkan); an indicator with a figure and no
    computable capaian (target 0) is reported but not computed."""
    indicators = pd.DataFrame({
        "program_code": ["P1", "P1", "P1", "P2", "P2"],
        "capaian": [80.0, None, None, None, None],
        "has_value": [True, False, True, False, None],   # P1's 3rd: target 0
    })
    out = program_capaian(indicators).set_index("program_code")
    assert out.loc["P1", "capaian"] == pytest.approx(80.0)
    assert out.loc[["P1", "P2"], ["n_indikator", "n_dilaporkan", "n_terhitung"]].to_numpy(
        ).tolist() == [[3, 2, 1], [2, 0, 0]]
    assert math.isnan(out.loc["P2", "capaian"])            # a whole OPD blank: no number
    # Without has_value, the indicators with a capaian are those counted as reported.
    plain = program_capaian(indicators.drop(columns="has_value")).set_index("program_code")
    assert plain.loc["P1", "n_dilaporkan"] == 1
    programs = pd.DataFrame({"dimension_code": ["GOV", "GOV", "ECO"],
                             "capaian": [80.0, None, 50.0], "n_indicators": [3, 2, 4],
                             "n_with_value": [2, 0, None]})
    dims = mean_by(programs, "dimension_code", sums=("n_indicators", "n_with_value"))
    dims = dims.set_index("dimension_code")
    assert dims.loc["GOV", ["n_indicators", "n_with_value", "n_program"]].tolist() == [5, 2, 2]
    assert dims.loc["ECO", "n_with_value"] == 0 and dims["n_with_value"].dtype == "int64"
    assert reported_text(48, 57) == "48 dari 57 indikator dilaporkan"
    assert reported_text(1200, 1500) == "1.200 dari 1.500 indikator dilaporkan"


def test_running_share() -> None:
    programs = pd.DataFrame({
        "dimension_code": ["GOV", "GOV", "GOV", "GOV", "GOV", "GOV", "ECO"],
        "program_code": ["P1", "P2", "P3", "P4", "P5", "P6", "P7"],
        "start_year": [2024, 2025, 2026, 2025, 2022, 2025, 2027],
        "end_year": [2026, 2025, 2028, 2029, 2024, 2026, 2029],
        "has_realisation": [True, True, True, None, True, True, False],
        "off_plan": [False, False, False, False, False, True, False],
    })
    out = running_share(programs, 2025, keys_all=["GOV", "BRA", "ECO"])
    assert list(out["dimension_code"]) == ["GOV", "BRA", "ECO"]
    out = out.set_index("dimension_code")
    # Planned in 2025: P1, P2 (its last year), P4. P3 starts later (a realisation does not
    # make it start), P5 ended in 2024, P6 was postponed; P7 starts in 2027.
    assert out.loc["GOV", "n_rencana"] == 3
    # Running: planned with a realisation (P4 has no report).
    assert out.loc["GOV", "n_berjalan"] == 2
    assert out.loc["GOV", "persen_berjalan"] == pytest.approx(200 / 3)
    assert out.loc["ECO", "n_rencana"] == 0
    assert math.isnan(out.loc["ECO", "persen_berjalan"])
    assert out.loc["BRA", "n_rencana"] == 0
    assert math.isnan(out.loc["BRA", "persen_berjalan"])
    # Without off_plan nothing is excluded: P6 counts as planned and running.
    plain = running_share(programs.drop(columns="off_plan"), 2025).set_index("dimension_code")
    assert (plain.loc["GOV", "n_rencana"], plain.loc["GOV", "n_berjalan"]) == (4, 3)


# Against a plain reading of the rules (a dict per key): any mix of keys (missing ones too),
# capaian (missing, infinite, text) and weights (missing, zero) gives the same figures, the
# keys sorted with a missing key last.
_KEYS = st.sampled_from(["GOV", "ECO", "A1", None])
_CAPAIAN = st.sampled_from([0.0, 37.5, 100.0, 121.25, None, float("nan"), float("inf"), "x"])
_WEIGHT = st.sampled_from([1.0, 2.5, 0.0, None])


def _plain_means(keys: list, values: list, weights: list) -> dict:
    """key -> (weighted mean of the usable values or NaN, rows, usable rows)."""
    out: dict = {}
    for key, value, weight in zip(keys, values, weights, strict=True):
        usable = isinstance(value, float) and math.isfinite(value)
        w = 1.0 if weight is None else weight
        total, weight_sum, rows, used = out.get(key, (0.0, 0.0, 0, 0))
        out[key] = (total + (value * w if usable else 0.0), weight_sum + (w if usable else 0.0),
                    rows + 1, used + usable)
    return {k: (t / ws if ws > 0 else math.nan, n, u) for k, (t, ws, n, u) in out.items()}


def _check(out: pd.DataFrame, key: str, expected: dict, counts: tuple[str, str]) -> None:
    present = [k for k in expected if k is not None]
    assert [None if pd.isna(k) else k for k in out[key]] == sorted(present) + (
        [None] if None in expected else [])
    for k, mean, rows, used in zip(out[key], out["capaian"], out[counts[0]], out[counts[1]],
                                   strict=True):
        want = expected[None if pd.isna(k) else k]
        assert (math.isnan(mean) and math.isnan(want[0])) or mean == pytest.approx(want[0])
        assert (rows, used) == want[1:]


@given(st.lists(st.tuples(_KEYS, _CAPAIAN, _WEIGHT), max_size=25))
def test_rollups_agree_with_a_plain_reading_of_the_rules(rows: list[tuple]) -> None:
    keys = [k for k, _, _ in rows]
    values = [v for _, v, _ in rows]
    weights = [w for _, _, w in rows]
    frame = pd.DataFrame({"program_code": pd.Series(keys, dtype="str"),
                          "capaian": pd.Series(values, dtype=object), "weight": weights})
    _check(program_capaian(frame), "program_code", _plain_means(keys, values, weights),
           ("n_indikator", "n_terhitung"))
    by = frame.rename(columns={"program_code": "dimension_code"}).drop(columns="weight")
    _check(mean_by(by, "dimension_code"), "dimension_code",
           _plain_means(keys, values, [None] * len(keys)), ("n_program", "n_terhitung"))
