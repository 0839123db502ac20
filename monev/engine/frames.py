"""Small conversions between DuckDB/pandas values and the plain values the domain expects."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import numpy as np
import pandas as pd


def as_date(value: object) -> date | None:
    """A datetime.date from a Timestamp/date/None/NaT (DuckDB DATE columns arrive as
    Timestamps)."""
    if value is None or value is pd.NaT or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, date):
        return value
    raise TypeError(f"bukan tanggal: {value!r}")


def with_none(frame: pd.DataFrame, columns: Iterable[str]) -> pd.DataFrame:
    """The frame with these text columns as objects holding None (not NaN) when missing."""
    frame = frame.copy()
    for col in columns:
        frame[col] = frame[col].astype(object).where(frame[col].notna(), None)
    return frame


def member(series: pd.Series, values: Iterable[object]) -> np.ndarray:
    """Boolean array: is each element of series in values (Series.isin is slow on Arrow-backed
    strings in pandas 3)."""
    wanted = set(values.tolist() if isinstance(values, pd.Series) else values)
    return np.fromiter((v in wanted for v in series.tolist()), dtype=bool, count=len(series))
