"""Reads of masterplan revisions (domain.md §3b): the rows of the "Revisi" sheets.

A revision row comes from the masterplan load active at the cut-off (its own "Revisi" sheet)
or from a revision workbook (load kind ``revisi``) active at the cut-off, so an as-of view or a
frozen meeting sees the revisions as they stood then. Which of them are in force at a viewed
date is the engine's business (``monev.engine.revisions``).
"""

from __future__ import annotations

from datetime import datetime

import duckdb
import pandas as pd

from monev.store.facts import ActiveLoads, _active_at, _read
from monev.store.lineage import ACTIVE_LOAD_IDS

COLUMNS = ("kind", "program_code", "indicator_code", "year", "new_year", "tw", "new_target",
           "reason", "legal_number", "legal_date", "effective_date", "load_id", "load_kind",
           "file_name", "uploaded_by", "uploaded_at", "src_sheet", "src_row")


def revisions(con: duckdb.DuckDBPyConnection, region: str, cutoff: datetime, *,
              active: ActiveLoads | None = None) -> pd.DataFrame:
    """Every revision of the loads active at the cut-off, oldest effective date first (then
    upload order and sheet row: the order later revisions override earlier ones in).

    Columns: COLUMNS (new_year, tw Int64; legal_date, effective_date dates)."""
    frame = _read(con, f"""
        SELECT r.kind, r.program_code, r.indicator_code, r.year, r.new_year, r.tw,
               r.new_target, r.reason, r.legal_number, r.legal_date, r.effective_date,
               r.load_id, l.kind AS load_kind, l.file_name, l.uploaded_by, l.uploaded_at,
               r.src_sheet, r.src_row
        FROM revision r JOIN load l USING (load_id)
        WHERE r.region_code = $region
          AND (r.load_id = $mp OR (l.kind = 'revisi' AND {_active_at("r.load_id")}))
        ORDER BY r.effective_date, l.uploaded_at, r.load_id, r.src_row""",
                  region=region, cutoff=cutoff, active=active)
    for col in ("new_year", "tw", "year"):
        frame[col] = frame[col].astype("Int64")
    for col in ("legal_date", "effective_date"):
        frame[col] = pd.to_datetime(frame[col]).dt.date
    return frame[list(COLUMNS)]


def revised_targets(con: duckdb.DuckDBPyConnection, region: str, cutoff: datetime, *,
                    active: ActiveLoads | None = None) -> pd.DataFrame:
    """The masterplan's own targets (every year) of the indicators of programs that have a
    revision in force or not: indicator_code, program_code, year, tw, value. What a
    rescheduled target is moved from."""
    return _read(con, f"""
        WITH revised AS (
            SELECT DISTINCT r.program_code FROM revision r JOIN load l USING (load_id)
            WHERE r.region_code = $region
              AND (r.load_id = $mp OR (l.kind = 'revisi' AND {_active_at("r.load_id")})))
        SELECT t.indicator_code, i.program_code, t.year, t.tw, t.value
        FROM target t JOIN indicator i ON i.load_id = t.load_id
             AND i.indicator_code = t.indicator_code
        WHERE t.load_id = $mp AND i.program_code IN (SELECT program_code FROM revised)
        ORDER BY ALL""", region=region, cutoff=cutoff, active=active)


def revision_loads(con: duckdb.DuckDBPyConnection, region: str) -> pd.DataFrame:
    """Every revision workbook ever loaded in the region, newest first, with whether it is
    active now and its rows: load_id, file_name, uploaded_by, uploaded_at, active, n_rows."""
    return con.execute("""
        SELECT l.load_id, l.file_name, l.uploaded_by, l.uploaded_at,
               EXISTS (SELECT 1 FROM load_activation a WHERE a.load_id = l.load_id
                       AND a.active_until IS NULL) AS active,
               (SELECT count(*) FROM revision r WHERE r.load_id = l.load_id) AS n_rows
        FROM load l WHERE l.region_code = ? AND l.kind = 'revisi'
        ORDER BY l.uploaded_at DESC, l.load_id DESC""", [region]).df()


def masterplan_programs(con: duckdb.DuckDBPyConnection, region: str) -> pd.DataFrame:
    """Programs of the region's active masterplan: program_code, name, start_year, end_year."""
    return con.execute(f"""
        SELECT p.program_code, p.name, p.start_year, p.end_year FROM program p
        WHERE p.region_code = ? AND p.load_id IN (
            SELECT load_id FROM masterplan WHERE region_code = ?
            AND load_id IN ({ACTIVE_LOAD_IDS}))
        ORDER BY p.program_code""", [region, region]).df()


def masterplan_indicators(con: duckdb.DuckDBPyConnection, region: str) -> pd.DataFrame:
    """Indicators of the region's active masterplan: indicator_code, program_code, name,
    unit."""
    return con.execute(f"""
        SELECT i.indicator_code, i.program_code, i.name, i.unit FROM indicator i
        WHERE i.region_code = ? AND i.load_id IN (
            SELECT load_id FROM masterplan WHERE region_code = ?
            AND load_id IN ({ACTIVE_LOAD_IDS}))
        ORDER BY i.indicator_code""", [region, region]).df()
