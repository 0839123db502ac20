"""Reads for the intake pages (upload history, rejected attempts) and the shared filters.

One parameterised query per question; every function takes a connection first so the app's
cached reader (``monev.ui.data.cached``) and tests can call it alike.
"""

from __future__ import annotations

import duckdb
import pandas as pd


def active_regions(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Regions with an active masterplan: region_code, region_name, title, start_year,
    end_year (by region code)."""
    return con.execute(
        """SELECT m.region_code, coalesce(r.name, m.region_code) AS region_name, m.title,
                  m.start_year, m.end_year
           FROM masterplan m JOIN active_load a USING (load_id)
           LEFT JOIN ref_regency r ON r.code = m.region_code
           ORDER BY m.region_code""").df()


def masterplan_opds(con: duckdb.DuckDBPyConnection, region: str) -> pd.DataFrame:
    """OPDs of the region's active masterplan: opd_code, name, short_name."""
    return con.execute(
        """SELECT o.opd_code, o.name, o.short_name
           FROM opd o JOIN active_load a USING (load_id)
           WHERE o.region_code = ? ORDER BY o.opd_code""", [region]).df()


def report_periods(con: duckdb.DuckDBPyConnection, region: str) -> pd.DataFrame:
    """Years and TWs for which an active quarterly report exists: year, tw, n_reports
    (newest first)."""
    return con.execute(
        """SELECT year, tw, count(*) AS n_reports FROM active_load
           WHERE kind = 'laporan' AND region_code = ?
           GROUP BY year, tw ORDER BY year DESC, tw DESC""", [region]).df()


def load_status(con: duckdb.DuckDBPyConnection, region: str | None = None) -> pd.DataFrame:
    """Each load's state now (of one region, or all): load_id, status ('aktif' | 'digantikan'
    | 'ditarik'), changed_at (the last load/supersede/restore/delete event), changed_by."""
    return con.execute(
        """WITH last AS (
               SELECT load_id, action, event_at, actor FROM load_event
               WHERE load_id IS NOT NULL
                 AND action IN ('load', 'supersede', 'restore', 'delete')
               QUALIFY row_number() OVER (PARTITION BY load_id
                                          ORDER BY event_at DESC, event_id DESC) = 1)
           SELECT l.load_id,
                  CASE WHEN l.load_id IN (SELECT load_id FROM active_load) THEN 'aktif'
                       WHEN last.action = 'delete' THEN 'ditarik'
                       ELSE 'digantikan' END AS status,
                  last.event_at AS changed_at, last.actor AS changed_by
           FROM load l LEFT JOIN last USING (load_id)
           WHERE $region IS NULL OR l.region_code = $region
           ORDER BY l.load_id""", {"region": region}).df()


def load_events(con: duckdb.DuckDBPyConnection, load_id: int) -> pd.DataFrame:
    """Everything that happened to one load: event_id, event_at, actor, action, detail."""
    return con.execute(
        """SELECT event_id, event_at, actor, action, detail FROM load_event
           WHERE load_id = ? ORDER BY event_at, event_id""", [load_id]).df()


def rejections(con: duckdb.DuckDBPyConnection, limit: int = 200) -> pd.DataFrame:
    """Rejected upload attempts, newest first: event_id, event_at, actor, file_name,
    file_hash, n_issues."""
    return con.execute(
        """SELECT e.event_id, e.event_at, e.actor, e.file_name, e.file_hash,
                  (SELECT count(*) FROM load_issue i WHERE i.event_id = e.event_id)
                      AS n_issues
           FROM load_event e WHERE e.action = 'reject'
           ORDER BY e.event_at DESC, e.event_id DESC LIMIT ?""", [limit]).df()


def rejection_issues(con: duckdb.DuckDBPyConnection, event_id: int) -> pd.DataFrame:
    """The problems of one rejected attempt: file_name, sheet, row_no, column_name,
    check_code, value, message (in the order found)."""
    return con.execute(
        """SELECT file_name, sheet, row_no, column_name, check_code, value, message
           FROM load_issue WHERE event_id = ? ORDER BY rowid""", [event_id]).df()
