"""Load records, activation intervals and events: the one place for lineage SQL."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import duckdb
import pandas as pd
import pyarrow as pa

FACT_TABLES = ("masterplan", "opd", "program", "program_support", "indicator", "target",
               "village_plan", "realisation", "budget", "program_progress", "village_stage",
               "revision")
MASTERPLAN_TABLES = FACT_TABLES[:7]
LAPORAN_TABLES = FACT_TABLES[7:11]
REVISION_TABLES = FACT_TABLES[11:]  # a masterplan's "Revisi" sheet, or a revision workbook


def scope_key(kind: str, region: str, opd: str | None = None, year: int | None = None,
              tw: int | None = None, file_hash: str | None = None) -> str:
    """The key under which a newer load replaces an older one."""
    if kind == "masterplan":
        return f"{region}|masterplan"
    if kind == "revisi":  # one revision never supersedes another: its own scope per file
        return f"{region}|revisi|{file_hash}"
    if kind == "rfk":  # a monthly FORM RFK never supersedes the quarterly report (etl/rfk.py)
        return f"{region}|rfk|{opd}|{year}|{tw}"
    return f"{region}|laporan|{opd}|{year}|{tw}"


# Ids of the loads active now: the condition of the active_load view, for use as a semi-join
# (`load_id IN (...)`), which DuckDB plans faster than the view's correlated EXISTS.
ACTIVE_LOAD_IDS = "SELECT load_id FROM load_activation WHERE active_until IS NULL"


def active_load_for_scope(con: duckdb.DuckDBPyConnection, key: str) -> dict | None:
    """The load currently active for a scope key (load_id, file_hash, file_name), or None."""
    row = con.execute("SELECT load_id, file_hash, file_name FROM load "
                      f"WHERE scope_key = ? AND load_id IN ({ACTIVE_LOAD_IDS})", [key]).fetchone()
    return None if row is None else {"load_id": row[0], "file_hash": row[1],
                                     "file_name": row[2]}


def loads_with_hashes(con: duckdb.DuckDBPyConnection,
                      hashes: Sequence[str]) -> dict[str, list[tuple[int, bool]]]:
    """For each of these file hashes that was ever loaded: (load_id, is_active) of every
    load of those exact bytes, newest first."""
    found: dict[str, list[tuple[int, bool]]] = {}
    for file_hash, load_id, is_active in con.execute(
            f"""SELECT file_hash, load_id, load_id IN ({ACTIVE_LOAD_IDS}) AS is_active
                FROM load WHERE file_hash IN (SELECT unnest(?::VARCHAR[]))
                ORDER BY load_id DESC""", [list(hashes)]).fetchall():
        found.setdefault(file_hash, []).append((load_id, is_active))
    return found


def active_loads_of_region(con: duckdb.DuckDBPyConnection, region: str) -> dict[str, dict]:
    """The loads active now in a region, by scope key (load_id, file_hash, file_name)."""
    return {key: {"load_id": load_id, "file_hash": file_hash, "file_name": file_name}
            for key, load_id, file_hash, file_name in con.execute(
                "SELECT scope_key, load_id, file_hash, file_name FROM load "
                f"WHERE region_code = ? AND load_id IN ({ACTIVE_LOAD_IDS})",
                [region]).fetchall()}


def get_load(con: duckdb.DuckDBPyConnection, load_id: int) -> dict | None:
    """One load record with whether it is active now."""
    cur = con.execute(
        """SELECT l.*, l.load_id IN (SELECT load_id FROM active_load) AS is_active
           FROM load l WHERE load_id = ?""", [load_id])
    row = cur.fetchone()
    return None if row is None else dict(zip([d[0] for d in cur.description], row,
                                             strict=True))


def insert_loads(con: duckdb.DuckDBPyConnection, records: Sequence[dict]) -> list[int]:
    """Insert load records (keys = load columns but load_id), in order, under the next load
    ids; return those ids. Ids follow the order of accepted loads only, so a rebuild
    reproduces them. One statement for any number of records."""
    cols = list(records[0])
    new_loads = pa.table({  # noqa: F841 (read by DuckDB's replacement scan)
        "n": list(range(len(records))), **{c: [r[c] for r in records] for c in cols}})
    names = ", ".join(cols)
    ids = con.execute(
        f"INSERT INTO load (load_id, {names}) "
        f"SELECT (SELECT coalesce(max(load_id), 0) FROM load) + n + 1, {names} FROM new_loads "
        "RETURNING load_id").fetchall()
    return sorted(i for (i,) in ids)


def set_counts(con: duckdb.DuckDBPyConnection, load_id: int, counts_json: str) -> None:
    """Replace a load's row counts (a load whose last sheet was checked after its insert)."""
    con.execute("UPDATE load SET counts_json = ? WHERE load_id = ?", [counts_json, load_id])


def activate(con: duckdb.DuckDBPyConnection, load_ids: Sequence[int], at: datetime) -> None:
    """Open an activation interval for each load."""
    con.execute("INSERT INTO load_activation SELECT unnest(?::INTEGER[]), ?, NULL",
                [list(load_ids), at])


def deactivate(con: duckdb.DuckDBPyConnection, load_ids: Sequence[int], at: datetime) -> None:
    """Close the open activation interval of each load."""
    con.execute("UPDATE load_activation SET active_until = ? "
                "WHERE load_id IN (SELECT unnest(?::INTEGER[])) AND active_until IS NULL",
                [at, list(load_ids)])


@dataclass(frozen=True)
class Event:
    """One entry of the load journal (load_event) before it has an id."""

    action: str
    actor: str
    at: datetime
    load_id: int | None = None
    file_hash: str | None = None
    file_name: str | None = None
    detail: dict | str | None = None


def record_events(con: duckdb.DuckDBPyConnection, events: Sequence[Event]) -> list[int]:
    """Append events to load_event, in order, in one statement; return their ids."""
    new_events = pa.table({  # noqa: F841 (read by DuckDB's replacement scan)
        "n": list(range(len(events))),
        "event_at": pa.array([e.at for e in events], pa.timestamp("us")),
        "actor": [e.actor for e in events], "action": [e.action for e in events],
        "load_id": pa.array([e.load_id for e in events], pa.int32()),
        "file_hash": pa.array([e.file_hash for e in events], pa.string()),
        "file_name": pa.array([e.file_name for e in events], pa.string()),
        "detail": pa.array([json.dumps(e.detail, ensure_ascii=False, default=str)
                            if isinstance(e.detail, dict) else e.detail for e in events],
                           pa.string())})
    ids = con.execute(
        "INSERT INTO load_event SELECT (SELECT coalesce(max(event_id), 0) FROM load_event) "
        "+ n + 1, event_at, actor, action, load_id, file_hash, file_name, detail "
        "FROM new_events RETURNING event_id").fetchall()
    return sorted(i for (i,) in ids)


def record_event(con: duckdb.DuckDBPyConnection, action: str, actor: str, at: datetime,
                 load_id: int | None = None, file_hash: str | None = None,
                 file_name: str | None = None, detail: dict | str | None = None) -> int:
    """Append one event to load_event and return its id."""
    return record_events(con, [Event(action, actor, at, load_id, file_hash, file_name,
                                     detail)])[0]


def record_issues(con: duckdb.DuckDBPyConnection, event_id: int, issues: list[dict]) -> None:
    """Store the problems of a rejected attempt under its event."""
    if not issues:
        return
    df = pd.DataFrame(issues, columns=["file_name", "sheet", "row_no", "column_name",
                                       "check_code", "value", "message"])
    df.insert(0, "event_id", event_id)
    df["row_no"] = df["row_no"].astype("Int64")
    con.register("issues_df", df)
    try:
        con.execute("INSERT INTO load_issue SELECT * FROM issues_df")
    finally:
        con.unregister("issues_df")


def insert_frame(con: duckdb.DuckDBPyConnection, table: str, frame: pa.Table) -> None:
    """Bulk insert an Arrow table whose columns are a subset of the table's (by name)."""
    if table not in FACT_TABLES:
        raise ValueError(f"not a fact table: {table}")
    if frame.num_rows == 0:
        return
    cols = ", ".join(frame.column_names)
    # DuckDB reads the local Arrow table `frame` directly (replacement scan): no copy.
    con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM frame")


def fact_rows(con: duckdb.DuckDBPyConnection, table: str, load_id: int) -> pd.DataFrame:
    """Rows one load brought into a fact table."""
    if table not in FACT_TABLES:
        raise ValueError(f"not a fact table: {table}")
    return con.execute(f"SELECT * FROM {table} WHERE load_id = ?", [load_id]).df()


def diff_counts(con: duckdb.DuckDBPyConnection, table: str, new_rows: pa.Table,
                keys: Sequence[str], previous: int) -> dict[str, int]:
    """Rows of ``new_rows`` against what load ``previous`` brought into ``table``, matched on
    ``keys`` (NULL matches NULL): new, changed, unchanged and removed. The keys are unique on
    both sides (every load passed the duplicate checks of ``etl.validate`` on these keys), so
    rows are joined as they are, without first keeping one row per key (that took two thirds
    of the time: 100,000 targets 48 -> 15 ms). Compared in DuckDB after casting the new rows
    to the table's types, so a blank cell equals a stored NULL."""
    if table not in FACT_TABLES:
        raise ValueError(f"not a fact table: {table}")
    types = _column_types(con, table)
    values = [c for c in new_rows.column_names
              if c not in keys and not c.startswith("src_") and c in types]
    cols = [*keys, *values]
    cast = ", ".join(f"CAST({c} AS {types[c]}) AS {c}" for c in cols)

    def side(source: str) -> str:
        fields = f"row({', '.join(values)})" if values else "NULL::INTEGER"
        return f"SELECT {', '.join(keys) + ', ' if keys else ''}{fields} AS v, " \
               f"true AS here FROM {source}"

    on = " AND ".join(f"n.{k} IS NOT DISTINCT FROM o.{k}" for k in keys) or "true"
    baru, berubah, sama, dihapus = con.execute(
        f"""WITH n AS ({side(f"(SELECT {cast} FROM new_rows)")}),
                 o AS ({side(f"(SELECT {', '.join(cols)} FROM {table} WHERE load_id = ?)")})
            SELECT count(*) FILTER (WHERE o.here IS NULL),
                   count(*) FILTER (WHERE n.here AND o.here AND n.v IS DISTINCT FROM o.v),
                   count(*) FILTER (WHERE n.here AND o.here AND n.v IS NOT DISTINCT FROM o.v),
                   count(*) FILTER (WHERE n.here IS NULL)
            FROM n FULL JOIN o ON {on}""", [previous]).fetchone()
    return {"baru": baru, "berubah": berubah, "sama": sama, "dihapus": dihapus}


_TYPES: dict[str, dict[str, str]] = {}


def _column_types(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, str]:
    """A fact table's columns and their SQL types (the schema is the same in every file)."""
    if table not in _TYPES:
        _TYPES[table] = dict(con.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_name = ? AND table_schema = 'main'", [table]).fetchall())
    return _TYPES[table]


def history(con: duckdb.DuckDBPyConnection, region: str | None = None) -> pd.DataFrame:
    """Every load, newest first, with whether it is active now."""
    return con.execute(
        """SELECT l.load_id, l.kind, l.region_code, l.opd_code, l.year, l.tw, l.file_name,
                  l.file_hash, l.uploaded_by, l.uploaded_at, l.received_on, l.counts_json,
                  l.load_id IN (SELECT load_id FROM active_load) AS is_active
           FROM load l WHERE ? IS NULL OR l.region_code = ?
           ORDER BY l.uploaded_at DESC, l.load_id DESC""", [region, region]).df()


def data_version(con: duckdb.DuckDBPyConnection) -> int:
    """A number that changes whenever the visible data changes (cache key for the app)."""
    return int(con.execute(
        """SELECT coalesce(max(event_id), 0) FROM load_event
           WHERE action IN ('load', 'supersede', 'restore', 'delete')""").fetchone()[0])


def today() -> date:
    """Today's date (a seam for tests)."""
    return date.today()
