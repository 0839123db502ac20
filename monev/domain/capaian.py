"""Attainment (capaian) of an indicator: realisation against target, by polarity (domain §3)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from monev.domain.text import format_persen

POLARITIES = ("positif", "negatif")

OK = "ok"
BELUM_LAPOR = "belum_lapor"
TAK_TERHITUNG = "tak_terhitung"

STATUS_LABELS = {
    OK: "Terhitung",
    BELUM_LAPOR: "Belum melapor",
    TAK_TERHITUNG: "Tidak dapat dihitung",
}


@dataclass(frozen=True)
class Capaian:
    """Attainment in percent (uncapped) or the reason it has no number."""

    value: float | None
    status: str

    @property
    def label(self) -> str:
        """What to print: "62,5%" when computed, else "Belum melapor" / "Tidak dapat dihitung"."""
        if self.status == OK:
            return format_persen(self.value, 2, trim=True)
        return STATUS_LABELS[self.status]

    @property
    def ok(self) -> bool:
        """True when there is a number."""
        return self.status == OK


def _clean(x: float | None) -> float | None:
    """None for None/NaN (missing), the float otherwise."""
    if x is None:
        return None
    x = float(x)
    return None if math.isnan(x) else x


def _ok(value: float) -> Capaian:
    return Capaian(value, OK) if math.isfinite(value) else Capaian(None, TAK_TERHITUNG)


_NOT_COMPUTABLE = Capaian(None, TAK_TERHITUNG)
_NOT_REPORTED = Capaian(None, BELUM_LAPOR)


def capaian(
    realisasi: float | None,
    target: float | None,
    polarity: str,
    target_max: float | None = None,
) -> Capaian:
    """Capaian (%) of realisasi against target for polarity "positif" or "negatif".

    Point target t (domain.md §3):
    * positif: r / t × 100, uncapped; t = 0 -> not computable.
    * negatif: (2 − r / t) × 100 floored at 0; t = 0 -> 100 when r = 0, else not computable.
    * missing (None/NaN) realisation -> "belum_lapor" (never 0); missing target -> not computable.
    * a negative target (t < 0) -> not computable: the formulas assume non-negative quantities
      and would print a misleading number.

    Range target [target, target_max] (a point target is the range [t, t]):
    * inside the range (bounds inclusive) -> 100.
    * positif: below the low bound -> r / low × 100; above the high bound -> r / high × 100
      (over-achievement stays uncapped, as for a point target).
    * negatif: above the high bound -> (2 − r / high) × 100 floored at 0; below the low bound
      -> (2 − r / low) × 100 (better than the range, over 100); low = 0 with r < 0 -> not
      computable.
    * target_max below target: the bounds are swapped.
    """
    if polarity not in POLARITIES:
        raise ValueError(f"Polaritas harus 'positif' atau 'negatif', bukan {polarity!r}")
    r = _clean(realisasi)
    low = _clean(target)
    high = _clean(target_max)
    if r is None:
        return _NOT_REPORTED
    if low is None:
        return _NOT_COMPUTABLE
    if high is None:
        high = low
    if high < low:
        low, high = high, low
    if low < 0 or not (math.isfinite(r) and math.isfinite(high)):
        return _NOT_COMPUTABLE
    if low < high and low <= r <= high:
        return Capaian(100.0, OK)
    if polarity == "positif":
        if high == 0:  # target 0: "r / 0" has no meaning
            return _NOT_COMPUTABLE
        if r <= low:  # below (or at) the low bound
            return _NOT_COMPUTABLE if low == 0 else _ok(r / low * 100)
        return _ok(r / high * 100)
    # negatif
    if r >= high:  # above (or at) the high bound: worse than (or equal to) the target
        if high == 0:
            return Capaian(100.0, OK) if r == 0 else _NOT_COMPUTABLE
        return _ok(max(0.0, (2 - r / high) * 100))
    if low == 0:  # r < 0: below a zero bound, no ratio
        return _NOT_COMPUTABLE
    return _ok((2 - r / low) * 100)
