"""Settings are declared as data: documented, and the Rules defaults are exactly SETTINGS."""

import dataclasses
import json

import pytest

from monev.domain.settings import DEFAULT, SETTINGS, Rules, rules_from


def test_every_setting_has_help() -> None:
    for setting in SETTINGS:
        assert setting.help.strip(), setting.name


def test_setting_names_unique_and_match_rules_fields() -> None:
    names = [s.name for s in SETTINGS]
    assert len(names) == len(set(names))
    assert set(names) == {f.name for f in dataclasses.fields(Rules)}


def test_rules_defaults_equal_settings_defaults() -> None:
    rules = Rules()
    for setting in SETTINGS:
        assert getattr(rules, setting.name) == setting.default, setting.name


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("band_st", 91), ("band_t", 76), ("band_s", 66), ("band_r", 51),
        ("tertinggal_below", 76), ("kritis_below", 51), ("imbalance_points", 10),
        ("report_due_working_days", 5), ("extra_holidays", ()), ("rawan_window_days", 60),
        ("musrenbang_kecamatan_due", (2, 29)), ("musrenbang_kabupaten_due", (3, 31)),
        ("rkpd_due", (6, 30)), ("apbd_due", (11, 30)), ("musdes_due", (6, 30)),
        ("rkp_desa_due", (9, 30)), ("apbdes_agreed_due", (10, 31)),
        ("apbdes_set_due", (12, 31)),
    ],
)
def test_domain_defaults(name: str, expected: object) -> None:
    assert DEFAULT.setting(name) == expected


def test_horizons_and_dimensions() -> None:
    assert DEFAULT.horizon_years("Quick Win") == (1, 1)
    assert DEFAULT.horizon_years("jangka pendek") == (1, 3)
    assert DEFAULT.horizon_years("Jangka Menengah") == (4, 5)
    assert DEFAULT.horizon_years("Jangka Panjang") == (6, 10)
    assert len(DEFAULT.dimensions) == 6
    assert all(len(subs) == 3 for _, _, subs in DEFAULT.dimensions)
    assert DEFAULT.dimension_names[0] == "Smart Governance"


def test_rules_are_hashable() -> None:
    assert hash(Rules()) == hash(rules_from({}))


def test_overrides_from_json_values() -> None:
    raw = {"band_st": "90,5", "report_due_working_days": "7",
           "extra_holidays": ["2025-07-01", "2025-04-09"], "rkp_desa_due": [9, 15],
           "horizons": json.loads(json.dumps(DEFAULT.horizons))}
    rules = rules_from(raw)
    assert rules.band_st == 90.5
    assert rules.report_due_working_days == 7
    assert rules.extra_holidays == ("2025-04-09", "2025-07-01")
    assert rules.rkp_desa_due == (9, 15)
    assert rules.horizons == DEFAULT.horizons
    assert rules_from({"extra_holidays": "2025-07-01, 2025-07-02"}).extra_holidays == (
        "2025-07-01", "2025-07-02")


@pytest.mark.parametrize(
    "overrides",
    [
        {"band_t": 95},  # bands not descending
        {"kritis_below": 80},  # kritis above tertinggal
        {"report_due_working_days": "lima"},
        {"report_due_working_days": 2.5},
        {"extra_holidays": ["2025-13-01"]},
        {"rkp_desa_due": [13, 1]},
        {"rkp_desa_due": [9]},
        {"band_r": -5},  # thresholds are percentages: 0..100
        {"imbalance_points": 101},
        {"rawan_window_days": 367},
        {"report_due_working_days": -1},
    ],
)
def test_bad_overrides_rejected(overrides: dict) -> None:
    with pytest.raises(ValueError):
        rules_from(overrides)


def test_unknown_override_rejected() -> None:
    with pytest.raises(KeyError):
        rules_from({"no_such_setting": 1})
