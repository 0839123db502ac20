"""Where a number comes from (file, sheet, row, uploader, time) and how fresh the data is."""

from __future__ import annotations

import pandas as pd

from monev.engine.asof import AsOf
from monev.engine.frames import as_date
from monev.engine.snapshot import Source, snapshot
from monev.store import facts


def trace(con: Source, region: str, asof: AsOf, table: str, **keys: object) -> pd.DataFrame:
    """Source rows of a fact table matching keys (column=value) in the loads active at
    asof.cutoff: the fact columns plus file_name, sheet, row, uploaded_by, uploaded_at,
    received_on, load_kind, load_id."""
    return facts.trace(snapshot(con, region, asof).con, region, asof.cutoff, table, keys)


def trace_indicator(con: Source, region: str, asof: AsOf,
                    indicator_code: str) -> pd.DataFrame:
    """Every source row behind an indicator's figures in the view: its definition, its targets
    of asof.year and its realisation of TW 1..asof.tw.

    Columns: table, tw, value, basis, file_name, sheet, row, uploaded_by, uploaded_at,
    received_on, load_id.
    """
    return facts.indicator_sources(snapshot(con, region, asof).con, region, asof.cutoff,
                                   indicator_code, asof.year, asof.tw)


def data_freshness(con: Source, region: str, asof: AsOf) -> dict[str, object]:
    """The latest load active at the cut-off (who, when, what) and the data version number
    (a cache key that changes with every load, supersede, restore or delete)."""
    snap = snapshot(con, region, asof)
    latest = dict(snap.read(facts.latest_load) or {})
    if latest:
        latest["received_on"] = as_date(latest["received_on"])
        latest["uploaded_at"] = pd.Timestamp(latest["uploaded_at"]).to_pydatetime()
        latest = {k: (None if k in ("opd_code", "year", "tw") and pd.isna(v) else v)
                  for k, v in latest.items()}
    return {**latest, "data_version": facts.data_version(snap.con)}
