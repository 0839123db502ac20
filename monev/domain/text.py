"""Indonesian text formatting for reasons and labels: numbers, rupiah, percentages, dates."""

from __future__ import annotations

import math
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

BULAN = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
)
ROMAWI = {1: "I", 2: "II", 3: "III", 4: "IV"}
KOSONG = "–"


def round_half_up(x: float, decimals: int = 2) -> Decimal:
    """Round a float half-up on its shortest decimal form (90.995 -> 91.00), as done by hand."""
    quantum = Decimal(1).scaleb(-decimals)
    return Decimal(repr(float(x))).quantize(quantum, rounding=ROUND_HALF_UP)


def _is_missing(x: float | None) -> bool:
    return x is None or (isinstance(x, float) and not math.isfinite(x))


def format_angka(x: float | None, decimals: int = 1, trim: bool = False) -> str:
    """Indonesian number: thousands dot, decimal comma (1234.5 -> "1.234,5"); "–" when missing.

    With trim=True trailing zero decimals are dropped (62.50 -> "62,5", 80.00 -> "80").
    """
    if _is_missing(x):
        return KOSONG
    d = round_half_up(x, decimals)
    if d == 0:
        d = abs(d)  # no "-0,0"
    text = f"{d:,.{decimals}f}"  # 1,234.5
    if trim and "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def format_persen(x: float | None, decimals: int = 1, trim: bool = False) -> str:
    """Percentage in Indonesian style: 75.5 -> "75,5%"; "–" when missing."""
    if _is_missing(x):
        return KOSONG
    return f"{format_angka(x, decimals, trim)}%"


_RUPIAH_UNITS = ((Decimal(10) ** 12, "T"), (Decimal(10) ** 9, "M"), (Decimal(10) ** 6, "jt"))


def format_rupiah(x: float | None) -> str:
    """Short rupiah: "Rp 1,5 T" (triliun), "Rp 1,2 M" (miliar), "Rp 350 jt", else "Rp 1.500"."""
    if _is_missing(x):
        return KOSONG
    sign = "-" if x < 0 else ""
    amount = Decimal(repr(abs(float(x))))
    for i, (size, unit) in enumerate(_RUPIAH_UNITS):
        scaled = (amount / size).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        if scaled >= 1:
            if scaled >= 1000 and i > 0:  # 999,96 jt reads better as 1 M
                size, unit = _RUPIAH_UNITS[i - 1]
                scaled = (amount / size).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
            return f"{sign}Rp {format_angka(float(scaled), 1, trim=True)} {unit}"
    return f"{sign}Rp {format_angka(float(amount), 0)}"


def format_tanggal(d: date) -> str:
    """Indonesian long date: date(2025, 9, 30) -> "30 September 2025"."""
    return f"{d.day} {BULAN[d.month - 1]} {d.year}"


def tw_label(tw: int) -> str:
    """Quarter label: 2 -> "TW II"."""
    if tw not in ROMAWI:
        raise ValueError(f"Triwulan harus 1 sampai 4, bukan {tw!r}")
    return f"TW {ROMAWI[tw]}"


def sd_tw_label(tw: int) -> str:
    """Cumulative-to-date label: 2 -> "s.d. TW II"."""
    return f"s.d. {tw_label(tw)}"
