"""Roll-ups of capaian (domain.md §3): indicator -> program -> dimension / OPD / sub-dimension,
and the share of programs running per dimension. Plain pandas in, plain pandas out.

An indicator without a figure for the viewed TW has no capaian (NaN): a roll-up stands on the
indicators that have one and says how many that is (:func:`reported_text`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from monev.domain.text import format_angka


def _numeric(series: pd.Series) -> np.ndarray:
    """Float values with None/NaN/inf (and anything not a number) as NaN."""
    if series.dtype.kind not in "fiu":
        series = pd.to_numeric(series, errors="coerce")
    values = series.to_numpy(dtype="float64", na_value=np.nan)
    return np.where(np.isinf(values), np.nan, values)


def _groups(frame: pd.DataFrame,
            keys: list[str]) -> tuple[dict[str, pd.Series], np.ndarray, int]:
    """The distinct key combinations of ``frame``, sorted (one column per key, with its
    dtype), each row's group number (an index into them) and the number of groups. A
    missing key sorts last and is a group of its own, as in pandas' ``groupby(sort=True,
    dropna=False)``; numbering the rows once and summing with ``np.bincount`` costs a
    fraction of a pandas aggregation on these small frames."""
    if len(keys) == 1:
        column = frame[keys[0]]
        codes, uniques = pd.factorize(column, sort=True, use_na_sentinel=False)
        return {keys[0]: pd.Series(uniques, dtype=column.dtype)}, codes, len(uniques)
    codes = frame.groupby(keys, sort=True, dropna=False).ngroup().to_numpy()
    first = np.unique(codes, return_index=True)[1]
    return {k: frame[k].iloc[first].reset_index(drop=True) for k in keys}, codes, len(first)


def _sums(codes: np.ndarray, n: int, values: np.ndarray) -> np.ndarray:
    return np.bincount(codes, values, minlength=n)


def _mean(total: np.ndarray, count: np.ndarray) -> np.ndarray:
    """total / count, NaN where count is 0."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / count, np.nan)


def program_capaian(indicators: pd.DataFrame) -> pd.DataFrame:
    """Program capaian = (weighted) mean of its indicators' capaian, ignoring None/NaN.

    In: program_code, capaian, optional weight (missing weight counts as 1; default equal),
    optional has_value (True when the indicator has a figure for the viewed TW).
    Out, one row per program_code (sorted): capaian (NaN when no indicator is computable or the
    computable ones weigh 0), n_indikator (all indicators), n_dilaporkan (with a figure for the
    viewed TW; without a has_value column, those with a capaian), n_terhitung (with a capaian).
    """
    capaian = _numeric(indicators["capaian"])
    if "weight" in indicators.columns:
        weight = pd.to_numeric(indicators["weight"], errors="coerce").to_numpy(
            dtype="float64", na_value=np.nan)
        weight = np.where(np.isnan(weight), 1.0, weight)
        if (weight < 0).any():
            raise ValueError("Bobot indikator tidak boleh negatif.")
    else:
        weight = np.ones(len(indicators))
    valid = ~np.isnan(capaian)
    if "has_value" in indicators.columns:
        has_value = indicators["has_value"].astype("boolean").fillna(False).to_numpy(
            dtype=bool)
    else:
        has_value = valid
    keys, codes, n = _groups(indicators, ["program_code"])
    total_weight = _sums(codes, n, np.where(valid, weight, 0.0))
    weighted = _sums(codes, n, np.where(valid, capaian * weight, 0.0))
    return pd.DataFrame({**keys, "capaian": _mean(weighted, total_weight),
                         "n_indikator": np.bincount(codes, minlength=n).astype("int64"),
                         "n_dilaporkan": _sums(codes, n, has_value).astype("int64"),
                         "n_terhitung": _sums(codes, n, valid).astype("int64")})


def mean_by(programs: pd.DataFrame, key: str | Sequence[str],
            sums: Sequence[str] = ()) -> pd.DataFrame:
    """Roll-up (dimension, OPD, sub-dimension, ...) = plain mean of program capaian by key.

    In: key column(s) and capaian (one row per program), and the count columns named in
    ``sums`` (e.g. each program's indicators and those with a figure). Out: key column(s),
    capaian (NaN when no program has one), n_program, n_terhitung, then each ``sums`` column
    added up over the key's programs (int64; a missing count adds 0).
    """
    keys = [key] if isinstance(key, str) else list(key)
    capaian = _numeric(programs["capaian"])
    valid = ~np.isnan(capaian)
    columns, codes, n = _groups(programs, keys)
    counted = _sums(codes, n, valid).astype("int64")
    extra = {col: _sums(codes, n, np.nan_to_num(_numeric(programs[col]), nan=0.0))
               .astype("int64") for col in sums}
    return pd.DataFrame({**columns,
                         "capaian": _mean(_sums(codes, n, np.where(valid, capaian, 0.0)), counted),
                         "n_program": np.bincount(codes, minlength=n).astype("int64"),
                         "n_terhitung": counted, **extra})


def reported_text(n_with_value: int, n_indicators: int) -> str:
    """What a roll-up stands on, in words: "48 dari 57 indikator dilaporkan"."""
    return (f"{format_angka(int(n_with_value), 0)} dari {format_angka(int(n_indicators), 0)} "
            "indikator dilaporkan")


RUNNING_LABEL = "Program berjalan"
PLANNED_LABEL = "Program direncanakan"
RUNNING_HELP = ("Direncanakan tahun ini: tahun mulai sampai tahun selesai program mencakup tahun "
                "ini dan program tidak ditunda atau dibatalkan. Berjalan: direncanakan dan sudah "
                "ada realisasi kinerja, anggaran (di atas nol) atau fisik (di atas nol) tahun "
                "ini s.d. triwulan yang dilihat.")


def running_text(n_running: int, n_planned: int, year: int) -> str:
    """The one wording of running ÷ planned (every page, slide and report uses it):
    "25 dari 27 program yang direncanakan tahun 2026"."""
    return (f"{format_angka(int(n_running), 0)} dari {format_angka(int(n_planned), 0)} "
            f"program yang direncanakan tahun {int(year)}")


def running_share(
    programs: pd.DataFrame,
    year: int,
    key: str = "dimension_code",
    keys_all: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Per key (default dimension_code): programs running ÷ programs planned × 100 in ``year``.

    In: one row per masterplan program with key, start_year, end_year, has_realisation (True
    when a realisation of the program was reported for ``year`` up to the viewed TW; missing
    counts as False) and optionally off_plan (True when a revision postponed or cancelled the
    program for ``year``).
    Planned in ``year`` = start_year <= year <= end_year and not off_plan; running = planned
    and has_realisation (domain.md section 3: one definition for every page, slide and report).
    Out: key, n_rencana, n_berjalan, persen_berjalan (NaN when nothing is planned). keys_all
    (e.g. every dimension code) adds rows with 0 planned, so no dimension silently disappears.
    """
    planned = ((pd.to_numeric(programs["start_year"], errors="coerce") <= year)
               & (pd.to_numeric(programs["end_year"], errors="coerce") >= year))
    if "off_plan" in programs:
        planned &= ~programs["off_plan"].astype("boolean").fillna(False).astype(bool)
    reported = programs["has_realisation"].astype("boolean").fillna(False).astype(bool)
    work = pd.DataFrame({key: programs[key], "planned": planned,
                         "running": planned & reported})
    grouped = work.groupby(key, sort=True, dropna=False)
    result = pd.DataFrame({
        "n_rencana": grouped["planned"].sum().astype("int64"),
        "n_berjalan": grouped["running"].sum().astype("int64"),
    })
    if keys_all is not None:
        extra = [k for k in keys_all if k not in result.index]
        order = list(keys_all) + [k for k in result.index if k not in set(keys_all)]
        result = result.reindex(order).fillna(0).astype("int64") if extra else result.loc[order]
    result["persen_berjalan"] = (
        result["n_berjalan"] / result["n_rencana"].where(result["n_rencana"] > 0) * 100
    )
    result.index.name = key
    return result.reset_index()
