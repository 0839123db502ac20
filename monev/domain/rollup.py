"""Roll-ups of capaian (domain.md §3): indicator -> program -> dimension / OPD / sub-dimension,
and the share of programs running per dimension. Plain pandas in, plain pandas out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd


def _numeric(series: pd.Series) -> pd.Series:
    """Float series with None/NaN/inf as NaN."""
    values = pd.to_numeric(series, errors="coerce").astype("float64")
    return values.where(values.abs() != math.inf)


def program_capaian(indicators: pd.DataFrame) -> pd.DataFrame:
    """Program capaian = (weighted) mean of its indicators' capaian, ignoring None/NaN.

    In: program_code, capaian, optional weight (missing weight counts as 1; default equal).
    Out, one row per program_code (sorted): capaian (NaN when no indicator is computable or the
    computable ones weigh 0), n_indikator (all indicators), n_terhitung (with a capaian).
    """
    capaian = _numeric(indicators["capaian"])
    if "weight" in indicators.columns:
        weight = pd.to_numeric(indicators["weight"], errors="coerce").fillna(1.0)
        if (weight < 0).any():
            raise ValueError("Bobot indikator tidak boleh negatif.")
    else:
        weight = pd.Series(1.0, index=indicators.index)
    valid = capaian.notna()
    work = pd.DataFrame({
        "program_code": indicators["program_code"],
        "weighted": (capaian * weight).where(valid),
        "weight": weight.where(valid, 0.0),
        "valid": valid,
    })
    grouped = work.groupby("program_code", sort=True, dropna=False)
    total_weight = grouped["weight"].sum()
    result = pd.DataFrame({
        "capaian": grouped["weighted"].sum(min_count=1) / total_weight.where(total_weight > 0),
        "n_indikator": grouped.size(),
        "n_terhitung": grouped["valid"].sum().astype("int64"),
    })
    return result.reset_index()


def mean_by(programs: pd.DataFrame, key: str | Sequence[str]) -> pd.DataFrame:
    """Roll-up (dimension, OPD, sub-dimension, ...) = plain mean of program capaian by key.

    In: key column(s) and capaian (one row per program). Out: key column(s), capaian (NaN when no
    program has one), n_program, n_terhitung.
    """
    keys = [key] if isinstance(key, str) else list(key)
    capaian = _numeric(programs["capaian"])
    work = programs[keys].copy()
    work["capaian"] = capaian
    work["valid"] = capaian.notna()
    grouped = work.groupby(keys, sort=True, dropna=False)
    result = pd.DataFrame({
        "capaian": grouped["capaian"].mean(),
        "n_program": grouped.size(),
        "n_terhitung": grouped["valid"].sum().astype("int64"),
    })
    return result.reset_index()


def running_share(
    programs: pd.DataFrame,
    year: int,
    key: str = "dimension_code",
    keys_all: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Per key (default dimension_code): programs running ÷ programs planned × 100.

    In: one row per planned program with key, start_year and has_realisation (True when at least
    one realisation of the program was reported; missing counts as False).
    A program is running in `year` when start_year <= year and has_realisation.
    Out: key, n_rencana, n_berjalan, persen_berjalan (NaN when nothing is planned). keys_all
    (e.g. every dimension code) adds rows with 0 planned, so no dimension silently disappears.
    """
    started = pd.to_numeric(programs["start_year"], errors="coerce") <= year
    reported = programs["has_realisation"].astype("boolean").fillna(False).astype(bool)
    work = pd.DataFrame({key: programs[key], "running": started & reported})
    grouped = work.groupby(key, sort=True, dropna=False)
    result = pd.DataFrame({
        "n_rencana": grouped.size(),
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
