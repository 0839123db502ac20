"""Year-to-date realisation and expected-to-date target by accumulation type (domain.md §3).

Reported values arrive per quarter (TW 1..4) with a basis: "tw" = the value of that quarter only,
"sdtw" = a value the file declares cumulative to date. Missing quarters are never zeros, and a
view of TW n has a figure only when TW n itself was reported (:func:`figure_at`): "no figure, no
capaian" (domain.md §3).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from monev.domain.text import sd_tw_label

JUMLAH = "jumlah"
POSISI_AKHIR = "posisi_akhir"
RATA_RATA = "rata_rata"
ACCUMULATIONS = (JUMLAH, POSISI_AKHIR, RATA_RATA)
ACCUMULATION_LABELS = {JUMLAH: "Jumlah", POSISI_AKHIR: "Posisi akhir", RATA_RATA: "Rata-rata"}

BASES = ("tw", "sdtw")

TARGET_TW = "target_tw"
PROPORSIONAL = "proporsional"
INTERPOLASI = "interpolasi_linier"
INTERPOLASI_BASELINE_0 = "interpolasi_linier_baseline_0"
INTERPOLASI_REALISASI_LALU = "interpolasi_linier_realisasi_lalu"
INTERPOLASI_TARGET_LALU = "interpolasi_linier_target_lalu"
TARGET_TAHUNAN = "target_tahunan"

METHOD_LABELS = {
    TARGET_TW: "Target TW dari rencana aksi",
    PROPORSIONAL: "Target tahunan × n/4 (proporsional)",
    INTERPOLASI: "Kondisi awal + (target tahunan − kondisi awal) × n/4 (interpolasi linier)",
    INTERPOLASI_BASELINE_0: (
        "Target tahunan × n/4 (interpolasi linier; kondisi awal kosong dianggap 0)"
    ),
    INTERPOLASI_REALISASI_LALU: (
        "Realisasi TW IV tahun lalu + (target tahunan − realisasi TW IV tahun lalu) × n/4 "
        "(interpolasi linier)"
    ),
    INTERPOLASI_TARGET_LALU: (
        "Target tahun lalu + (target tahunan − target tahun lalu) × n/4 (interpolasi linier; "
        "realisasi TW IV tahun lalu belum dilaporkan)"
    ),
    TARGET_TAHUNAN: "Target tahunan (indikator rata-rata)",
}


def describe_method(method: str, tw: int) -> str:
    """The on-screen sentence for an expected-to-date method at TW tw ("× 2/4", "s.d. TW II")."""
    text = METHOD_LABELS[method].replace("n/4", f"{tw}/4")
    if method == TARGET_TW:
        text += f" ({sd_tw_label(tw)})"
    return text


def _missing(x: float | None) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def _check(accumulation: str, tw: int) -> None:
    if accumulation not in ACCUMULATIONS:
        raise ValueError(f"Jenis akumulasi tidak dikenal: {accumulation!r}")
    if tw not in (1, 2, 3, 4):
        raise ValueError(f"Triwulan harus 1 sampai 4, bukan {tw!r}")


def year_to_date(
    values: Mapping[int, tuple[float, str]], accumulation: str, tw: int
) -> float | None:
    """Year-to-date value at TW tw from per-quarter (value, basis); None when nothing reported.

    Only quarters 1..tw count; a None/NaN value is an unreported quarter.
    * jumlah: the latest "sdtw" value at quarter m <= tw plus the "tw" values of quarters in
      (m, tw]; without any "sdtw" value, the sum of the "tw" values.
    * posisi_akhir: the latest reported value, whatever its basis.
    * rata_rata: "tw" values are averaged; an "sdtw" value at quarter m is a mean over m quarters,
      so the result is (sdtw_m × m + sum of later "tw" values) / (m + number of later values).
    """
    _check(accumulation, tw)
    reported: dict[int, tuple[float, str]] = {}
    for quarter, (value, basis) in values.items():
        if quarter not in (1, 2, 3, 4):
            raise ValueError(f"Triwulan harus 1 sampai 4, bukan {quarter!r}")
        if basis not in BASES:
            raise ValueError(f"Basis nilai harus 'tw' atau 'sdtw', bukan {basis!r}")
        if quarter <= tw and not _missing(value):
            reported[quarter] = (float(value), basis)
    if not reported:
        return None
    if accumulation == POSISI_AKHIR:
        return reported[max(reported)][0]
    cumulative = [q for q, (_, basis) in reported.items() if basis == "sdtw"]
    anchor = max(cumulative) if cumulative else 0
    later = [v for q, (v, basis) in sorted(reported.items()) if q > anchor and basis == "tw"]
    base = reported[anchor][0] if anchor else 0.0
    if accumulation == JUMLAH:
        return base + sum(later)
    # rata_rata
    count = anchor + len(later)
    return (base * anchor + sum(later)) / count if count else None


def figure_at(
    values: Mapping[int, tuple[float, str]], accumulation: str, tw: int
) -> float | None:
    """The year-to-date figure a view of TW tw shows: None when TW tw itself has no value
    (the OPD did not report, or reported without this row), whatever earlier quarters hold;
    otherwise :func:`year_to_date`. No figure, no capaian (domain.md §3)."""
    _check(accumulation, tw)
    own = values.get(tw)
    if own is None or _missing(own[0]):
        return None
    return year_to_date(values, accumulation, tw)


def ytd_series(
    values: Mapping[int, tuple[float, str]], accumulation: str, upto: int = 4
) -> list[float | None]:
    """The figure of each TW 1..upto (:func:`figure_at`): None for a quarter that itself was
    not reported."""
    return [figure_at(values, accumulation, quarter) for quarter in range(1, upto + 1)]


def year_start(
    baseline: float | None,
    previous_final: float | None = None,
    previous_target: float | None = None,
) -> tuple[float | None, str]:
    """The level a *posisi akhir* year begins from, and the interpolation method it names
    (domain.md §3): the previous year's final realisation (TW IV) when it was reported
    ("interpolasi_linier_realisasi_lalu"), otherwise the previous year's annual target
    ("interpolasi_linier_target_lalu"), otherwise the masterplan baseline ("interpolasi_linier";
    the first year of a program has no previous year) and, without a baseline either, 0
    ("interpolasi_linier_baseline_0": the start is then None).
    """
    if not _missing(previous_final):
        return float(previous_final), INTERPOLASI_REALISASI_LALU  # type: ignore[arg-type]
    if not _missing(previous_target):
        return float(previous_target), INTERPOLASI_TARGET_LALU  # type: ignore[arg-type]
    if not _missing(baseline):
        return float(baseline), INTERPOLASI  # type: ignore[arg-type]
    return None, INTERPOLASI_BASELINE_0


def expected_to_date(
    annual_target: float | None,
    baseline: float | None,
    accumulation: str,
    tw: int,
    quarterly_targets: Mapping[int, float] | None = None,
    *,
    previous_final: float | None = None,
    previous_target: float | None = None,
) -> tuple[float | None, str]:
    """Expected value at TW tw and the method used (a key of METHOD_LABELS).

    When the action plan has a quarterly target for every quarter up to tw, those targets
    are combined like quarter values with basis "tw" (method "target_tw"); a plan that leaves a
    quarter out falls back to the formulas below (it would otherwise never reach the annual
    target). Store a planned 0 as
    0, a blank is "no target". Otherwise (domain.md §3): jumlah -> annual × tw/4 ("proporsional");
    posisi_akhir -> start + (annual − start) × tw/4, where start is the year's starting level
    (:func:`year_start`: previous_final, the previous year's TW IV realisation, else
    previous_target, the previous year's annual target, else the baseline, else 0; the method
    names which); rata_rata -> the annual target ("target_tahunan"). A missing annual target
    gives (None, method).
    """
    _check(accumulation, tw)
    if quarterly_targets:
        planned = {q: (v, "tw") for q, v in quarterly_targets.items() if not _missing(v)}
        if all(q in planned for q in range(1, tw + 1)):
            return year_to_date(planned, accumulation, tw), TARGET_TW
    annual = None if _missing(annual_target) else float(annual_target)  # type: ignore[arg-type]
    if accumulation == JUMLAH:
        return (None if annual is None else annual * tw / 4), PROPORSIONAL
    if accumulation == RATA_RATA:
        return annual, TARGET_TAHUNAN
    start, method = year_start(baseline, previous_final, previous_target)
    if annual is None:
        return None, method
    start = 0.0 if start is None else start
    return start + (annual - start) * tw / 4, method
