"""Attainment bands (Permendagri 86/2017) with a colour-blind-safe palette (Okabe-Ito)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

from monev.domain.settings import DEFAULT, Rules
from monev.domain.text import round_half_up


@dataclass(frozen=True)
class Band:
    """One attainment band: code, Indonesian label, colour and sort order (0 = best)."""

    code: str
    label: str
    color: str
    order: int

    @property
    def text_color(self) -> str:
        """Readable text colour on this band's fill (WCAG contrast: white only on ST blue)."""
        return "#FFFFFF" if self.code == "ST" else "#000000"

    @property
    def caption(self) -> str:
        """Code and label together, e.g. "ST – Sangat Tinggi"; never show a colour alone."""
        return self.label if self.code == "NA" else f"{self.code} – {self.label}"


ST = Band("ST", "Sangat Tinggi", "#0072B2", 0)
T = Band("T", "Tinggi", "#56B4E9", 1)
S = Band("S", "Sedang", "#F0E442", 2)
R = Band("R", "Rendah", "#E69F00", 3)
SR = Band("SR", "Sangat Rendah", "#D55E00", 4)
NA = Band("NA", "Tidak ada data", "#9E9E9E", 5)

BANDS: tuple[Band, ...] = (ST, T, S, R, SR, NA)
BY_CODE: dict[str, Band] = {b.code: b for b in BANDS}


def lower_bounds(rules: Rules = DEFAULT) -> tuple[tuple[Band, float], ...]:
    """(band, inclusive lower bound) pairs from best to worst, SR last with -inf."""
    return ((ST, rules.band_st), (T, rules.band_t), (S, rules.band_s), (R, rules.band_r),
            (SR, -math.inf))


def band(capaian: float | None, rules: Rules = DEFAULT) -> Band:
    """The band of a capaian (%): rounded half-up to 2 decimals, lower bound inclusive."""
    if capaian is None or not math.isfinite(float(capaian)):
        return NA
    rounded = round_half_up(capaian, 2)
    for candidate, bound in lower_bounds(rules)[:-1]:
        if rounded >= Decimal(repr(float(bound))):
            return candidate
    return SR
