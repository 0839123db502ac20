"""Cell parsers: Indonesian numbers, triwulan spellings, dates and codes."""

from datetime import date, datetime

import pytest

from etl.values import (
    norm_header,
    parse_bool,
    parse_date,
    parse_number,
    parse_period,
    parse_tw,
    parse_village_code,
)


@pytest.mark.parametrize(("raw", "expected"), [
    (1234.5, 1234.5), (7, 7.0), ("1.234,5", 1234.5), ("Rp 1.500.000", 1_500_000.0),
    ("Rp1.500.000,00", 1_500_000.0), ("75%", 75.0), ("75,5 %", 75.5), ("1.234", 1234.0),
    ("75.5", 75.5), ("0,5", 0.5), ("-3", -3.0), (" 12 ", 12.0), ("", None), ("-", None),
    (None, None), ("\u00a01.000\u00a0", 1000.0),
])
def test_parse_number_accepts_indonesian_writing(raw, expected):
    assert parse_number(raw) == expected


@pytest.mark.parametrize("raw", ["abc", "1,2,3", "12.34.5", "1.2345,6", True,
                                 datetime(2025, 1, 1)])
def test_parse_number_rejects_what_is_not_a_number(raw):
    with pytest.raises(ValueError):
        parse_number(raw)


@pytest.mark.parametrize(("raw", "expected"), [
    ("TW I", 1), ("tw ii", 2), ("Triwulan 3", 3), ("TRIWULAN IV", 4), ("I", 1), ("IV", 4),
    ("Q1", 1), ("q4", 4), (2, 2), (3.0, 3), ("TW-3", 3), ("s.d. TW II", 2), (None, None),
])
def test_parse_tw_spellings(raw, expected):
    assert parse_tw(raw) == expected


@pytest.mark.parametrize("raw", ["TW V", "5", 0, "Semester 1"])
def test_parse_tw_rejects(raw):
    with pytest.raises(ValueError):
        parse_tw(raw)


def test_period_blank_or_tahunan_is_annual():
    assert parse_period(None) == 0 and parse_period("Tahunan") == 0
    assert parse_period("TW III") == 3


@pytest.mark.parametrize(("raw", "expected"), [
    ("30/09/2025", date(2025, 9, 30)), ("2025-09-30", date(2025, 9, 30)),
    ("30 September 2025", date(2025, 9, 30)), ("1 Agu 2024", date(2024, 8, 1)),
    (datetime(2025, 1, 2, 10), date(2025, 1, 2)), (None, None),
])
def test_parse_date(raw, expected):
    assert parse_date(raw) == expected


def test_parse_date_rejects_impossible_day():
    with pytest.raises(ValueError):
        parse_date("31/02/2025")


def test_village_code_forms():
    assert parse_village_code("3523012001") == "35.23.01.2001"
    assert parse_village_code(" 35.23.01.2001 ") == "35.23.01.2001"
    with pytest.raises(ValueError):
        parse_village_code("35.23.1.2001")


def test_bool_and_header_normalisation():
    assert parse_bool("Ya") is True and parse_bool("tidak") is False and parse_bool("") is None
    assert norm_header("  Realisasi  Fisik (%) ") == "realisasi fisik"
