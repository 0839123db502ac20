"""Working days (weekends, public holidays, cuti bersama, regional holidays) and report deadlines.

Dates below are real ones known to the holidays library, checked by printing:
2025-03-31 Idul Fitri (public), 2025-04-01 Idul Fitri day 2 (public),
2025-04-02/03/04/07 Cuti Bersama Idul Fitri, 2025-12-26 Cuti Bersama Natal, 2026-01-01 Tahun Baru.
"""

from datetime import date

import pytest

from monev.domain.settings import rules_from
from monev.domain.workdays import (
    STATUS_LABELS,
    add_working_days,
    completeness,
    holiday_name,
    is_working_day,
    quarter_end,
    report_due_date,
    report_reason,
    report_status,
)


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2025, 4, 1), False),  # Idul Fitri day 2 (public holiday)
        (date(2025, 4, 2), False),  # cuti bersama Idul Fitri
        (date(2025, 4, 7), False),  # cuti bersama Idul Fitri (a Monday)
        (date(2025, 12, 26), False),  # cuti bersama Natal (a Friday)
        (date(2025, 4, 5), False),  # Saturday
        (date(2025, 4, 6), False),  # Sunday
        (date(2025, 4, 8), True),
        (date(2025, 12, 24), True),
    ],
)
def test_is_working_day(day: date, working: bool) -> None:
    assert is_working_day(day) is working


def test_holiday_names_in_indonesian() -> None:
    assert "Cuti Bersama" in holiday_name(date(2025, 4, 2))
    assert holiday_name(date(2025, 4, 5)) == "Sabtu"
    assert holiday_name(date(2025, 4, 8)) is None


@pytest.mark.parametrize(
    ("year", "tw", "end"),
    [(2025, 1, date(2025, 3, 31)), (2025, 2, date(2025, 6, 30)),
     (2025, 3, date(2025, 9, 30)), (2025, 4, date(2025, 12, 31))],
)
def test_quarter_end(year: int, tw: int, end: date) -> None:
    assert quarter_end(year, tw) == end


@pytest.mark.parametrize(
    ("year", "tw", "due"),
    [
        # TW I 2025: 1 Apr holiday, 2-4 Apr cuti bersama, 5-6 weekend, 7 Apr cuti bersama:
        # working days 8, 9, 10, 11, 14 Apr.
        (2025, 1, date(2025, 4, 14)),
        # TW II 2025: weekend only (1-4 Jul, 7 Jul).
        (2025, 2, date(2025, 7, 7)),
        (2025, 3, date(2025, 10, 7)),
        # TW IV 2025: 1 Jan 2026 public holiday, weekend 3-4 Jan.
        (2025, 4, date(2026, 1, 8)),
        # TW I 2024: quarter ends on a Sunday; Lebaran cuti bersama starts only on 8 Apr.
        (2024, 1, date(2024, 4, 5)),
    ],
)
def test_report_due_date(year: int, tw: int, due: date) -> None:
    assert report_due_date(year, tw) == due


def test_cuti_bersama_moves_the_deadline() -> None:
    # Counting only public holidays the TW I 2025 deadline would be 8 Apr; cuti bersama make it 14.
    assert report_due_date(2025, 1) == date(2025, 4, 14)
    assert add_working_days(date(2025, 3, 31), 1) == date(2025, 4, 8)


def test_extra_regional_holiday_and_setting() -> None:
    rules = rules_from({"extra_holidays": ["2025-07-01"]})
    assert not is_working_day(date(2025, 7, 1), rules)
    assert report_due_date(2025, 2, rules) == date(2025, 7, 8)
    assert report_due_date(2025, 2, rules_from({"report_due_working_days": 10})) == (
        date(2025, 7, 14))


def test_add_working_days_edges() -> None:
    assert add_working_days(date(2025, 4, 8), 0) == date(2025, 4, 8)
    assert add_working_days(date(2025, 4, 4), 1) == date(2025, 4, 8)  # Fri before a long break
    with pytest.raises(ValueError):
        add_working_days(date(2025, 4, 8), -1)


DUE = date(2025, 4, 14)


@pytest.mark.parametrize(
    ("received", "as_of", "status"),
    [
        (date(2025, 4, 10), date(2025, 4, 12), "tepat_waktu"),
        (date(2025, 4, 14), date(2025, 4, 20), "tepat_waktu"),  # on the due date
        (date(2025, 4, 15), date(2025, 4, 20), "terlambat"),
        (None, date(2025, 4, 13), "belum_jatuh_tempo"),
        (None, date(2025, 4, 14), "belum_jatuh_tempo"),  # due today: not late yet
        (None, date(2025, 4, 15), "belum_melapor"),
        (date(2025, 4, 15), date(2025, 4, 14), "belum_jatuh_tempo"),  # received after as_of
        (date(2025, 4, 16), date(2025, 4, 15), "belum_melapor"),
    ],
)
def test_report_status(received: date | None, as_of: date, status: str) -> None:
    assert report_status(DUE, received, as_of) == status


def test_report_reasons() -> None:
    assert report_reason("terlambat", DUE, date(2025, 4, 17), date(2025, 5, 1)) == (
        "Diterima 17 April 2025, 3 hari setelah batas 14 April 2025.")
    assert "sudah lewat 2 hari" in report_reason("belum_melapor", DUE, None, date(2025, 4, 16))
    assert set(STATUS_LABELS.values()) == {"Tepat waktu", "Terlambat", "Belum melapor",
                                           "Belum jatuh tempo"}


@pytest.mark.parametrize(
    ("statuses", "share"),
    [
        (["tepat_waktu", "terlambat", "belum_melapor", "belum_jatuh_tempo"], 200 / 3),
        (["tepat_waktu", "tepat_waktu"], 100.0),
        (["belum_melapor"], 0.0),
        (["belum_jatuh_tempo"], None),
        ([], None),
    ],
)
def test_completeness(statuses: list[str], share: float | None) -> None:
    got = completeness(statuses)
    assert got == (None if share is None else pytest.approx(share))
