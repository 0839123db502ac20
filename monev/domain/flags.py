"""Early-warning flags (domain.md §4): each decided by a pure function, with a reason in words."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

import pandas as pd

from monev.domain.settings import DEFAULT, Rules
from monev.domain.text import (
    format_angka,
    format_persen,
    round_half_up,
    sd_tw_label,
    tw_label,
)

TERTINGGAL = "tertinggal"
KRITIS = "kritis"
BELUM_MELAPOR = "belum_melapor"
TERLAMBAT = "terlambat"
STAGNAN = "stagnan"
FISIK_KEUANGAN = "fisik_keuangan"
DESA_RAWAN = "desa_rawan"
DESA_BERGESER = "desa_bergeser"

# Ordered from the most to the least urgent: the order of FLAG_KINDS is the sort order on screen.
FLAG_LABELS: dict[str, str] = {
    KRITIS: "Kritis",
    BELUM_MELAPOR: "Belum melapor",
    DESA_BERGESER: "Desa bergeser",
    TERTINGGAL: "Tertinggal",
    STAGNAN: "Stagnan",
    FISIK_KEUANGAN: "Fisik–keuangan tidak seimbang",
    TERLAMBAT: "Terlambat",
    DESA_RAWAN: "Desa rawan",
}
FLAG_KINDS: tuple[str, ...] = tuple(FLAG_LABELS)


@dataclass(frozen=True)
class Flag:
    """One early warning: what, why (Indonesian sentence), who is responsible, latest follow-up."""

    kind: str
    reason: str
    opd_code: str | None
    program_code: str | None = None
    indicator_code: str | None = None
    village_code: str | None = None
    kendala: str | None = None
    tindak_lanjut: str | None = None

    def __post_init__(self) -> None:
        """Reject unknown kinds early."""
        if self.kind not in FLAG_LABELS:
            raise ValueError(f"Jenis tanda tidak dikenal: {self.kind!r}")

    @property
    def label(self) -> str:
        """Indonesian label of the flag kind."""
        return FLAG_LABELS[self.kind]


def _pct(x: float) -> str:
    return format_persen(x, 2, trim=True)


def _missing(x: float | None) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def attainment_flag(capaian_vs_expected: float | None, rules: Rules = DEFAULT) -> str | None:
    """Flag for capaian vs expected: kritis (< 51), tertinggal (< 76) or None; rounded as bands."""
    if capaian_vs_expected is None or not math.isfinite(capaian_vs_expected):
        return None
    rounded = round_half_up(capaian_vs_expected, 2)
    if rounded < Decimal(repr(float(rules.kritis_below))):
        return KRITIS
    if rounded < Decimal(repr(float(rules.tertinggal_below))):
        return TERTINGGAL
    return None


def attainment_reason(capaian_vs_expected: float, tw: int, rules: Rules = DEFAULT) -> str:
    """E.g. "Capaian 62,5% terhadap target s.d. TW II (di bawah 76%)"."""
    kind = attainment_flag(capaian_vs_expected, rules)
    limit = rules.kritis_below if kind == KRITIS else rules.tertinggal_below
    text = f"Capaian {_pct(capaian_vs_expected)} terhadap target {sd_tw_label(tw)}"
    if kind is None:
        return text
    return f"{text} (di bawah {_pct(limit)})"


def _last_two_reported(ytd_series: Sequence[float | None]) -> tuple[int, int] | None:
    reported = [i for i, v in enumerate(ytd_series) if not _missing(v)]
    return (reported[-2], reported[-1]) if len(reported) >= 2 else None


def is_stagnant(
    ytd_series: Sequence[float | None], expected_series: Sequence[float | None]
) -> bool:
    """No change in year-to-date realisation over the last two reported quarters while the
    expected-to-date value changed between them.

    Position i of both series is TW i+1; None marks a quarter without a report (realisation)
    or without an expected value. Fewer than two reported quarters -> False.
    """
    pair = _last_two_reported(ytd_series)
    if pair is None:
        return False
    i, j = pair
    if j >= len(expected_series):
        return False
    before, after = expected_series[i], expected_series[j]
    if _missing(before) or _missing(after):
        return False
    same_realisation = math.isclose(float(ytd_series[i]), float(ytd_series[j]),
                                    rel_tol=1e-9, abs_tol=1e-9)
    target_moved = not math.isclose(float(before), float(after), rel_tol=1e-9, abs_tol=1e-9)
    return same_realisation and target_moved


def stagnant_reason(
    ytd_series: Sequence[float | None], expected_series: Sequence[float | None]
) -> str:
    """"Realisasi s.d. TW II dan s.d. TW III tetap 12,5, sedangkan target naik dari 20 ke 30"."""
    pair = _last_two_reported(ytd_series)
    if pair is None:
        return "Belum ada dua triwulan yang dilaporkan."
    i, j = pair
    before, after = expected_series[i], expected_series[j]
    move = "naik" if (after or 0) > (before or 0) else "turun"
    return (f"Realisasi {sd_tw_label(i + 1)} dan {sd_tw_label(j + 1)} tetap "
            f"{format_angka(ytd_series[j], 2, trim=True)}, sedangkan target {move} dari "
            f"{format_angka(before, 2, trim=True)} ke {format_angka(after, 2, trim=True)}")


def imbalance(fisik_pct: float | None, keuangan_pct: float | None,
              rules: Rules = DEFAULT) -> bool:
    """True when physical progress and budget absorption (%) differ by strictly more than
    rules.imbalance_points (difference rounded to 2 decimals); False if either is missing."""
    if _missing(fisik_pct) or _missing(keuangan_pct):
        return False
    gap = round_half_up(abs(float(fisik_pct) - float(keuangan_pct)), 2)
    return gap > Decimal(repr(float(rules.imbalance_points)))


def imbalance_reason(fisik_pct: float, keuangan_pct: float, rules: Rules = DEFAULT) -> str:
    """E.g. "Realisasi fisik 40% dan realisasi anggaran 65% berselisih 25 poin (batas 10 poin)"."""
    gap = abs(fisik_pct - keuangan_pct)
    return (f"Realisasi fisik {_pct(fisik_pct)} dan realisasi anggaran {_pct(keuangan_pct)} "
            f"berselisih {format_angka(gap, 2, trim=True)} poin (batas "
            f"{format_angka(rules.imbalance_points, 2, trim=True)} poin)")


def flag_scope(kind: str, year: int, tw: int) -> str:
    """What a count of one flag kind covers, said beside the count wherever it is shown (the
    same word must not count different things): report flags cover every quarter of the year
    due up to the view, indicator and program flags the view's TW, village flags the state at
    the end of the view's TW. E.g. ("terlambat", 2026, 3) -> "laporan TW I–III 2026"."""
    if kind in (BELUM_MELAPOR, TERLAMBAT):
        quarters = tw_label(1) if tw == 1 else f"{tw_label(1)}–{tw_label(tw)[3:]}"
        return f"laporan {quarters} {year}"
    if kind in (KRITIS, TERTINGGAL, STAGNAN):
        return f"indikator, {sd_tw_label(tw)} {year}"
    if kind == FISIK_KEUANGAN:
        return f"program, {sd_tw_label(tw)} {year}"
    if kind in (DESA_RAWAN, DESA_BERGESER):
        return f"desa/kelurahan, akhir {tw_label(tw)} {year}"
    raise ValueError(f"Jenis tanda tidak dikenal: {kind!r}")


def report_flag(report_status: str) -> str | None:
    """Flag kind for a report status (see workdays): belum_melapor, terlambat or None."""
    return report_status if report_status in (BELUM_MELAPOR, TERLAMBAT) else None


def village_flag(village_status: str) -> str | None:
    """Flag kind for a village calendar status (see village): desa_rawan, desa_bergeser or None."""
    return {"rawan": DESA_RAWAN, "bergeser": DESA_BERGESER}.get(village_status)


FLAG_COLUMNS = ("kind", "label", "reason", "opd_code", "program_code", "indicator_code",
                "village_code", "kendala", "tindak_lanjut")


def flags_frame(flags: Iterable[Flag]) -> pd.DataFrame:
    """Flags as a DataFrame (FLAG_COLUMNS), most urgent kind first, then OPD and program."""
    rows = [{**dataclasses.asdict(f), "label": f.label} for f in flags]
    frame = pd.DataFrame(rows, columns=list(FLAG_COLUMNS))
    if frame.empty:
        return frame
    rank = {kind: i for i, kind in enumerate(FLAG_KINDS)}
    frame["_rank"] = frame["kind"].map(rank)
    frame = frame.sort_values(["_rank", "opd_code", "program_code", "indicator_code",
                               "village_code"], na_position="last", kind="stable")
    return frame.drop(columns="_rank").reset_index(drop=True)
