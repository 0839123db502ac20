"""Roll-ups: indicator -> program -> dimension/OPD, and programs running per dimension."""

import math

import pandas as pd
import pytest

from monev.domain.rollup import mean_by, program_capaian, running_share


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


def test_running_share() -> None:
    programs = pd.DataFrame({
        "dimension_code": ["GOV", "GOV", "GOV", "GOV", "ECO"],
        "program_code": ["P1", "P2", "P3", "P4", "P5"],
        "start_year": [2024, 2025, 2026, 2025, 2027],
        "has_realisation": [True, True, True, None, False],
    })
    out = running_share(programs, 2025, keys_all=["GOV", "BRA", "ECO"])
    assert list(out["dimension_code"]) == ["GOV", "BRA", "ECO"]
    out = out.set_index("dimension_code")
    # P1, P2 running; P3 not started yet (a realisation does not make it start); P4 no report.
    assert out.loc["GOV", "n_rencana"] == 4
    assert out.loc["GOV", "n_berjalan"] == 2
    assert out.loc["GOV", "persen_berjalan"] == pytest.approx(50.0)
    assert out.loc["ECO", "persen_berjalan"] == pytest.approx(0.0)
    assert out.loc["BRA", "n_rencana"] == 0
    assert math.isnan(out.loc["BRA", "persen_berjalan"])
