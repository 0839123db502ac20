"""Indonesian working days and quarterly report deadlines (domain.md §2, §4).

A working day is Monday to Friday that is neither a national public holiday nor a cuti bersama
day (the `holidays` library's "government" category for Indonesia) nor one of
`rules.extra_holidays` (regional holidays set by the region).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from functools import lru_cache
from types import MappingProxyType

import holidays

from monev.domain.settings import DEFAULT, Rules
from monev.domain.text import format_tanggal

HOLIDAY_CATEGORIES = ("public", "government")  # government = cuti bersama

TEPAT_WAKTU = "tepat_waktu"
TERLAMBAT = "terlambat"
BELUM_MELAPOR = "belum_melapor"
BELUM_JATUH_TEMPO = "belum_jatuh_tempo"

STATUS_LABELS = {
    TEPAT_WAKTU: "Tepat waktu",
    TERLAMBAT: "Terlambat",
    BELUM_MELAPOR: "Belum melapor",
    BELUM_JATUH_TEMPO: "Belum jatuh tempo",
}


@lru_cache(maxsize=64)
def national_holidays(year: int) -> Mapping[date, str]:
    """National public holidays and cuti bersama of a year, names in Bahasa Indonesia."""
    found = holidays.country_holidays(
        "ID", years=year, categories=HOLIDAY_CATEGORIES, language="id"
    )
    return MappingProxyType(dict(found.items()))


@lru_cache(maxsize=32)
def _extra(extra_holidays: tuple[str, ...]) -> frozenset[date]:
    return frozenset(date.fromisoformat(text) for text in extra_holidays)


def holiday_name(d: date, rules: Rules = DEFAULT) -> str | None:
    """Why d is not a working day ("Sabtu", "Cuti Bersama ...", "Libur daerah"), or None."""
    if d in _extra(rules.extra_holidays):
        return "Libur daerah"
    name = national_holidays(d.year).get(d)
    if name:
        return name
    if d.weekday() >= 5:
        return "Sabtu" if d.weekday() == 5 else "Minggu"
    return None


def is_working_day(d: date, rules: Rules = DEFAULT) -> bool:
    """True for a weekday that is no public holiday, cuti bersama or regional holiday."""
    if d.weekday() >= 5:
        return False
    return d not in national_holidays(d.year) and d not in _extra(rules.extra_holidays)


def add_working_days(start: date, n: int, rules: Rules = DEFAULT) -> date:
    """The n-th working day strictly after start (n = 0 returns start)."""
    if n < 0:
        raise ValueError("Jumlah hari kerja tidak boleh negatif.")
    current = start
    while n > 0:
        current += timedelta(days=1)
        if is_working_day(current, rules):
            n -= 1
    return current


def quarter_end(year: int, tw: int) -> date:
    """Last day of quarter tw: 31 Mar, 30 Jun, 30 Sep, 31 Dec."""
    if tw not in (1, 2, 3, 4):
        raise ValueError(f"Triwulan harus 1 sampai 4, bukan {tw!r}")
    month = tw * 3
    return date(year, month, calendar.monthrange(year, month)[1])


def report_due_date(year: int, tw: int, rules: Rules = DEFAULT) -> date:
    """Last day a TW report is on time: rules.report_due_working_days after the quarter end."""
    return add_working_days(quarter_end(year, tw), rules.report_due_working_days, rules)


def report_status(due: date, received: date | None, as_of: date) -> str:
    """tepat_waktu | terlambat | belum_melapor | belum_jatuh_tempo for one due report.

    A report received after as_of is not yet received. Received on the due date is on time.
    Not received while as_of <= due is belum_jatuh_tempo.
    """
    if received is not None and received <= as_of:
        return TEPAT_WAKTU if received <= due else TERLAMBAT
    return BELUM_JATUH_TEMPO if as_of <= due else BELUM_MELAPOR


def report_reason(status: str, due: date, received: date | None, as_of: date) -> str:
    """An Indonesian sentence explaining a report status, with dates."""
    if status in (TEPAT_WAKTU, TERLAMBAT):
        if received is None:
            raise ValueError("Laporan yang diterima harus punya tanggal terima.")
        if status == TEPAT_WAKTU:
            return f"Diterima {format_tanggal(received)}, batas {format_tanggal(due)}."
        late = (received - due).days
        return (f"Diterima {format_tanggal(received)}, {late} hari setelah batas "
                f"{format_tanggal(due)}.")
    if status == BELUM_MELAPOR:
        late = (as_of - due).days
        return (f"Belum diterima per {format_tanggal(as_of)}; batas {format_tanggal(due)} "
                f"sudah lewat {late} hari.")
    if status == BELUM_JATUH_TEMPO:
        return f"Batas penyampaian {format_tanggal(due)}."
    raise ValueError(f"Status laporan tidak dikenal: {status!r}")


def completeness(statuses: Iterable[str]) -> float | None:
    """Share (%) of due reports that were received; None when nothing is due yet."""
    due = received = 0
    for status in statuses:
        if status not in STATUS_LABELS:
            raise ValueError(f"Status laporan tidak dikenal: {status!r}")
        if status == BELUM_JATUH_TEMPO:
            continue
        due += 1
        received += status in (TEPAT_WAKTU, TERLAMBAT)
    return received / due * 100 if due else None
