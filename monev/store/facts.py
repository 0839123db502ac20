"""Reads of the facts as they stood at a cut-off: one parameterised query per question.

Every read takes the region code and a ``cutoff`` timestamp and sees only the rows of loads
that were active at that moment (the predicate of the ``loads_asof`` macro of schema.sql,
per row: ``_active_at``), so a later supersede, restore or upload never changes an earlier
as-of view. The masterplan seen is the masterplan load of the region active at the cut-off.

Those loads are resolved once (:func:`active_loads`) and passed as parameters: a snapshot
(``monev.engine.snapshot``) hands the same ``ActiveLoads`` to every read of a view; a read
called without them resolves them itself.

Nothing here applies a rule: the engine (``monev.engine``) does that with the domain layer.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

import duckdb
import pandas as pd

from monev.store.lineage import FACT_TABLES
from monev.store.lineage import data_version as data_version  # re-exported for the engine


def _active_at(load_id: str) -> str:
    """SQL: the load ``load_id`` (a column) was active at $cutoff. The predicate of the
    ``loads_asof`` macro, written per row: DuckDB then probes the activations of this region's
    loads instead of building the whole country's active set for every read (about 2× faster
    per read on the national dataset)."""
    return (f"EXISTS (SELECT 1 FROM load_activation a WHERE a.load_id = {load_id} "
            "AND a.active_from <= $cutoff AND (a.active_until IS NULL OR a.active_until > "
            "$cutoff))")


# Loads whose budget and fisik rows are read (latest upload wins): quarterly reports and the
# monthly FORM RFK of a quarter's last month (etl/rfk.py; never counted as a report received).
REPORT_KINDS = ("laporan", "rfk")
_LOAD_COLUMNS = ("load_id", "kind", "file_name", "opd_code", "year", "tw", "uploaded_by",
                 "uploaded_at", "received_on")


@dataclass(frozen=True)
class ActiveLoads:
    """The loads of one region active at one cut-off, resolved once (:func:`active_loads`)
    and handed to every read of a view: each read then joins a list of load ids instead of
    probing the activations again (2–3 ms less a read on the national dataset)."""

    masterplan: int | None                  # the active masterplan load (the newest)
    reports: tuple[tuple[int, str, datetime], ...]  # report loads: load_id, opd, uploaded_at
    latest: dict[str, object] | None        # the most recently uploaded one (latest_load)

    def params(self) -> dict[str, object]:
        """The query parameters: $mp and the ``act`` CTE's $act_ids, $act_opds, $act_ups."""
        ids, opds, uploads = zip(*self.reports, strict=True) if self.reports else ((), (), ())
        return {"mp": self.masterplan, "act_ids": list(ids), "act_opds": list(opds),
                "act_ups": list(uploads)}


def active_loads(con: duckdb.DuckDBPyConnection, region: str,
                 cutoff: datetime) -> ActiveLoads:
    """Every load of the region active at the cut-off, in one query."""
    rows = con.execute(f"""
        SELECT {", ".join(f"l.{c}" for c in _LOAD_COLUMNS)}
        FROM load l WHERE l.region_code = $region AND {_active_at("l.load_id")}
        ORDER BY l.uploaded_at DESC, l.load_id DESC""",
                       {"region": region, "cutoff": cutoff}).fetchall()
    loads = [dict(zip(_LOAD_COLUMNS, row, strict=True)) for row in rows]
    plans = [load["load_id"] for load in loads if load["kind"] == "masterplan"]
    reports = tuple((load["load_id"], load["opd_code"], load["uploaded_at"])
                    for load in loads if load["kind"] in REPORT_KINDS)
    latest = {**loads[0], "n_active": len(loads)} if loads else None
    return ActiveLoads(max(plans) if plans else None, reports, latest)


# Reads filter on $mp, the active masterplan load, and join ``act``, the active quarterly
# report loads; both come from ActiveLoads.params().
_ACT = """act AS (SELECT unnest($act_ids::INTEGER[]) AS load_id,
                        unnest($act_opds::VARCHAR[]) AS opd_code,
                        unnest($act_ups::TIMESTAMP[]) AS uploaded_at)"""


def _read(con: duckdb.DuckDBPyConnection, sql: str, active: ActiveLoads | None = None,
          **params: object) -> pd.DataFrame:
    """Run one query with the named parameters it uses (DuckDB refuses unused ones). A query
    on $mp or the ``act`` CTE gets the active loads' parameters, resolved here when the caller
    did not pass them (from region and cutoff)."""
    if "$mp" in sql or "$act_" in sql:
        active = active or active_loads(con, params["region"], params["cutoff"])
        params.update(active.params())
    used = {k: v for k, v in params.items() if f"${k}" in sql}
    return con.execute(sql, used).df()


def masterplan(con: duckdb.DuckDBPyConnection, region: str, cutoff: datetime, *,
               active: ActiveLoads | None = None) -> dict[str, object] | None:
    """The masterplan active at the cut-off: load_id, title, start_year, end_year, legal_basis."""
    df = _read(con, """SELECT m.load_id, m.title, m.start_year, m.end_year, m.legal_basis
        FROM masterplan m WHERE m.load_id = $mp""", region=region, cutoff=cutoff, active=active)
    return None if df.empty else df.iloc[0].to_dict()


def dimensions(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every Smart City dimension: dimension_code, dimension_name, sort_order."""
    return _read(con, """SELECT code AS dimension_code, name AS dimension_name, sort_order
                         FROM dimension ORDER BY sort_order""")


def opds(con: duckdb.DuckDBPyConnection, region: str, cutoff: datetime, *,
         active: ActiveLoads | None = None) -> pd.DataFrame:
    """OPDs of the masterplan: opd_code, opd_name, opd_short_name."""
    return _read(con, """
        SELECT o.opd_code, o.name AS opd_name, o.short_name AS opd_short_name
        FROM opd o WHERE o.load_id = $mp ORDER BY o.opd_code""",
                 region=region, cutoff=cutoff, active=active)


def programs(con: duckdb.DuckDBPyConnection, region: str, cutoff: datetime, *,
             active: ActiveLoads | None = None) -> pd.DataFrame:
    """Programs of the masterplan with dimension name, lead OPD and supporting OPDs.

    Columns: program_code, program_name, dimension_code, dimension_name, dimension_order,
    sub_dimension, horizon, quick_win, lead_opd_code, lead_opd_name, lead_opd_short_name,
    supporting_opds (codes joined by ", ", None when none), start_year, end_year, rpjmd_ref.
    """
    return _read(con, """WITH
        sup AS (SELECT program_code, string_agg(opd_code, ', ' ORDER BY opd_code) AS codes
                FROM program_support WHERE load_id = $mp GROUP BY program_code)
        SELECT p.program_code, p.name AS program_name, p.dimension_code,
               d.name AS dimension_name, d.sort_order AS dimension_order, p.sub_dimension,
               p.horizon, p.quick_win, p.lead_opd_code, o.name AS lead_opd_name,
               o.short_name AS lead_opd_short_name, sup.codes AS supporting_opds,
               p.start_year, p.end_year, p.rpjmd_ref
        FROM program p
        LEFT JOIN dimension d ON d.code = p.dimension_code
        LEFT JOIN opd o ON o.load_id = p.load_id AND o.opd_code = p.lead_opd_code
        LEFT JOIN sup ON sup.program_code = p.program_code
        WHERE p.load_id = $mp
        ORDER BY d.sort_order, p.program_code""", region=region, cutoff=cutoff, active=active)


def program_support(con: duckdb.DuckDBPyConnection, region: str,
                    cutoff: datetime, *, active: ActiveLoads | None = None) -> pd.DataFrame:
    """Supporting OPDs of each program: program_code, opd_code."""
    return _read(con, """
        SELECT s.program_code, s.opd_code FROM program_support s WHERE s.load_id = $mp
        ORDER BY s.program_code, s.opd_code""", region=region, cutoff=cutoff, active=active)


def indicator_facts(con: duckdb.DuckDBPyConnection, region: str, cutoff: datetime, year: int,
                    upto_tw: int, *, active: ActiveLoads | None = None) -> pd.DataFrame:
    """Everything needed to assess the indicators of the programs running in a year, one row
    per indicator, in display order (dimension, program, indicator).

    Columns: indicator_code, indicator_name, program_code, program_name, dimension_code,
    dimension_name, sub_dimension, lead_opd_code, lead_opd_name, unit, polarity, accumulation,
    baseline, weight; annual, annual_max (target tw 0 of the year); t1..t4 and m1..m4 (quarterly
    target and its upper bound); v1..v4 (realisation of TW 1..upto_tw, latest upload winning)
    and s1..s4 (True when that value was declared "s.d. TW").
    """
    return _read(con, f"""WITH {_ACT},
        real AS (
            SELECT r.indicator_code, r.tw, r.value, r.basis = 'sdtw' AS sdtw
            FROM realisation r JOIN act USING (load_id)
            WHERE r.region_code = $region AND r.year = $year AND r.tw <= $upto
            QUALIFY row_number() OVER (PARTITION BY r.indicator_code, r.tw
                                       ORDER BY act.uploaded_at DESC, r.load_id DESC) = 1),
        rw AS (
            SELECT indicator_code,
                   any_value(value) FILTER (tw = 1) AS v1, any_value(value) FILTER (tw = 2) AS v2,
                   any_value(value) FILTER (tw = 3) AS v3, any_value(value) FILTER (tw = 4) AS v4,
                   any_value(sdtw) FILTER (tw = 1) AS s1, any_value(sdtw) FILTER (tw = 2) AS s2,
                   any_value(sdtw) FILTER (tw = 3) AS s3, any_value(sdtw) FILTER (tw = 4) AS s4
            FROM real GROUP BY indicator_code),
        tg AS (
            SELECT t.indicator_code,
                   any_value(t.value) FILTER (t.tw = 0) AS annual,
                   any_value(t.value_max) FILTER (t.tw = 0) AS annual_max,
                   any_value(t.value) FILTER (t.tw = 1) AS t1,
                   any_value(t.value) FILTER (t.tw = 2) AS t2,
                   any_value(t.value) FILTER (t.tw = 3) AS t3,
                   any_value(t.value) FILTER (t.tw = 4) AS t4,
                   any_value(t.value_max) FILTER (t.tw = 1) AS m1,
                   any_value(t.value_max) FILTER (t.tw = 2) AS m2,
                   any_value(t.value_max) FILTER (t.tw = 3) AS m3,
                   any_value(t.value_max) FILTER (t.tw = 4) AS m4
            FROM target t WHERE t.load_id = $mp AND t.year = $year
            GROUP BY t.indicator_code)
        SELECT i.indicator_code, i.name AS indicator_name, i.program_code,
               p.name AS program_name, p.dimension_code, d.name AS dimension_name,
               p.sub_dimension, p.lead_opd_code, o.name AS lead_opd_name, i.unit, i.polarity,
               i.accumulation, i.baseline, i.weight,
               tg.annual, tg.annual_max, tg.t1, tg.t2, tg.t3, tg.t4, tg.m1, tg.m2, tg.m3, tg.m4,
               rw.v1, rw.v2, rw.v3, rw.v4, rw.s1, rw.s2, rw.s3, rw.s4
        FROM indicator i
        JOIN program p ON p.load_id = i.load_id AND p.program_code = i.program_code
        LEFT JOIN dimension d ON d.code = p.dimension_code
        LEFT JOIN opd o ON o.load_id = p.load_id AND o.opd_code = p.lead_opd_code
        LEFT JOIN tg ON tg.indicator_code = i.indicator_code
        LEFT JOIN rw ON rw.indicator_code = i.indicator_code
        WHERE i.load_id = $mp AND p.start_year <= $year AND p.end_year >= $year
        ORDER BY d.sort_order, i.program_code, i.indicator_code""",
                 region=region, cutoff=cutoff, active=active, year=year, upto=upto_tw)


def programs_reported(con: duckdb.DuckDBPyConnection, region: str, cutoff: datetime,
                      year: int, tw: int, *, active: ActiveLoads | None = None) -> pd.DataFrame:
    """Programs with a realisation reported for ``year`` up to TW ``tw``: program_code.

    A realisation is a kinerja figure of one of the program's indicators, a budget realisation
    above zero or a physical progress above zero (a budget row that only repeats the pagu, or
    0 % fisik, is a program that has not started). What makes a program "running"
    (``rollup.running_share``)."""
    return _read(con, f"""WITH {_ACT}
        SELECT i.program_code
        FROM realisation r JOIN act USING (load_id)
        JOIN indicator i ON i.indicator_code = r.indicator_code AND i.load_id = $mp
        WHERE r.region_code = $region AND r.year = $year AND r.tw <= $tw
        UNION
        SELECT b.program_code FROM budget b JOIN act USING (load_id)
        WHERE b.region_code = $region AND b.year = $year AND b.tw <= $tw AND b.realisasi > 0
        UNION
        SELECT p.program_code FROM program_progress p JOIN act USING (load_id)
        WHERE p.region_code = $region AND p.year = $year AND p.tw <= $tw AND p.fisik_pct > 0
        ORDER BY 1""", region=region, cutoff=cutoff, active=active, year=year, tw=tw)


def budget(con: duckdb.DuckDBPyConnection, region: str, cutoff: datetime, year: int,
           upto_tw: int = 4, *, active: ActiveLoads | None = None) -> pd.DataFrame:
    """Budget rows of one year up to a TW: program_code, funding_source, tw, pagu, realisasi,
    basis, opd_code, load_id (latest upload wins per program, source and TW)."""
    return _read(con, f"""WITH {_ACT}
        SELECT b.program_code, b.funding_source, b.tw, b.pagu, b.realisasi, b.basis,
               act.opd_code, b.load_id
        FROM budget b JOIN act USING (load_id)
        WHERE b.region_code = $region AND b.year = $year AND b.tw <= $upto
        QUALIFY row_number() OVER (PARTITION BY b.program_code, b.funding_source, b.tw
                                   ORDER BY act.uploaded_at DESC, b.load_id DESC) = 1
        ORDER BY b.program_code, b.funding_source, b.tw""", region=region, cutoff=cutoff,
                 year=year, upto=upto_tw, active=active)


def program_progress(con: duckdb.DuckDBPyConnection, region: str, cutoff: datetime, year: int,
                     upto_tw: int = 4, *, active: ActiveLoads | None = None) -> pd.DataFrame:
    """Physical progress and notes per program and TW of one year: program_code, year, tw,
    fisik_pct, kendala, tindak_lanjut, load_id."""
    return _read(con, f"""WITH {_ACT}
        SELECT p.program_code, p.year, p.tw, p.fisik_pct, p.kendala, p.tindak_lanjut,
               p.load_id
        FROM program_progress p JOIN act USING (load_id)
        WHERE p.region_code = $region AND p.year = $year AND p.tw <= $upto
        QUALIFY row_number() OVER (PARTITION BY p.program_code, p.year, p.tw
                                   ORDER BY act.uploaded_at DESC, p.load_id DESC) = 1
        ORDER BY p.program_code, p.tw""", region=region, cutoff=cutoff, active=active, year=year,
                 upto=upto_tw)


def latest_notes(con: duckdb.DuckDBPyConnection, region: str, cutoff: datetime, year: int,
                 tw: int, *, active: ActiveLoads | None = None) -> pd.DataFrame:
    """The latest kendala and tindak lanjut of each program reported up to (year, tw).

    Both come from the same (latest) report that has either of them. Columns: program_code,
    notes_year, notes_tw, kendala, tindak_lanjut.
    """
    return _read(con, f"""WITH {_ACT}
        SELECT p.program_code, p.year AS notes_year, p.tw AS notes_tw, p.kendala,
               p.tindak_lanjut
        FROM program_progress p JOIN act USING (load_id)
        WHERE p.region_code = $region AND (p.year < $year OR (p.year = $year AND p.tw <= $tw))
          AND (p.kendala IS NOT NULL OR p.tindak_lanjut IS NOT NULL)
        QUALIFY row_number() OVER (PARTITION BY p.program_code
                 ORDER BY p.year DESC, p.tw DESC, act.uploaded_at DESC, p.load_id DESC) = 1
        ORDER BY p.program_code""", region=region, cutoff=cutoff, active=active, year=year, tw=tw)


def village_plans(con: duckdb.DuckDBPyConnection, region: str,
                  cutoff: datetime, *, active: ActiveLoads | None = None) -> pd.DataFrame:
    """Planned villages per program with names: program_code, village_code, village_name,
    kind, district_code, district_name, funding_year, route, funding_source."""
    return _read(con, """
        SELECT vp.program_code, vp.village_code, v.name AS village_name, v.kind,
               v.district_code, d.name AS district_name, vp.funding_year, vp.route,
               vp.funding_source
        FROM village_plan vp
        LEFT JOIN ref_village v ON v.code = vp.village_code
        LEFT JOIN ref_district d ON d.code = v.district_code
        WHERE vp.load_id = $mp
        ORDER BY vp.program_code, vp.village_code""", region=region, cutoff=cutoff, active=active)


def village_stage_dates(con: duckdb.DuckDBPyConnection, region: str,
                        cutoff: datetime, *, active: ActiveLoads | None = None) -> pd.DataFrame:
    """First date each stage was reported reached: program_code, village_code, stage,
    reached_on (min over the active reports)."""
    return _read(con, f"""WITH {_ACT}
        SELECT s.program_code, s.village_code, s.stage, min(s.reached_on) AS reached_on
        FROM village_stage s JOIN act USING (load_id)
        WHERE s.region_code = $region
        GROUP BY ALL ORDER BY ALL""", region=region, cutoff=cutoff, active=active)


def report_receipts(con: duckdb.DuckDBPyConnection, region: str, cutoff: datetime,
                    year: int | None = None, *, active: ActiveLoads | None = None) -> pd.DataFrame:
    """Quarterly reports held at the cut-off, one row per OPD, year and TW.

    A report counts as held when a load of that scope is active at the cut-off. Columns:
    opd_code, year, tw, load_id, received_on, uploaded_by, uploaded_at, file_name (of the active
    load), first_received_on and n_submissions (over every load of that scope uploaded up to the
    cut-off, superseded and withdrawn ones included: lateness is judged on the first
    submission). first_received_on is the earliest received date of those loads; since the
    loader refuses a stated date earlier than :func:`first_received`, it is the first upload's
    date and no later upload moves it (``etl.load``).
    """
    return _read(con, """WITH
        sub AS (SELECT * FROM load
                WHERE region_code = $region AND kind = 'laporan' AND uploaded_at <= $cutoff
                  AND ($year IS NULL OR year = $year)),
        first AS (SELECT opd_code, year, tw, min(received_on) AS first_received_on,
                         count(*) AS n_submissions FROM sub GROUP BY ALL),
        cur AS (SELECT * FROM sub WHERE load_id IN (SELECT unnest($act_ids::INTEGER[]))
                QUALIFY row_number() OVER (PARTITION BY opd_code, year, tw
                                           ORDER BY uploaded_at DESC, load_id DESC) = 1)
        SELECT cur.opd_code, cur.year, cur.tw, cur.load_id, cur.received_on,
               cur.uploaded_by, cur.uploaded_at, cur.file_name, f.first_received_on,
               f.n_submissions
        FROM cur JOIN first f USING (opd_code, year, tw)
        ORDER BY cur.opd_code, cur.year, cur.tw""", region=region, cutoff=cutoff, year=year,
                 active=active)


def first_received(con: duckdb.DuckDBPyConnection, region: str, opd: str, year: int,
                   tw: int) -> date | None:
    """The received date lateness counts for a report (region, OPD, year, TW) as it stands:
    the earliest over all its loads, superseded and withdrawn ones included (None before the
    first). A new load may not state an earlier one (``etl.load``)."""
    row = con.execute("SELECT min(received_on) FROM load WHERE kind = 'laporan' AND "
                      "region_code = ? AND opd_code = ? AND year = ? AND tw = ?",
                      [region, opd, year, tw]).fetchone()
    return row[0] if row else None


def latest_load(con: duckdb.DuckDBPyConnection, region: str, cutoff: datetime, *,
                active: ActiveLoads | None = None) -> dict[str, object] | None:
    """The most recently uploaded load active at the cut-off (data freshness), with the number
    of active loads: load_id, kind, file_name, opd_code, year, tw, uploaded_by, uploaded_at,
    received_on, n_active."""
    return (active or active_loads(con, region, cutoff)).latest


def setting_overrides(con: duckdb.DuckDBPyConnection, region: str) -> dict[str, object]:
    """Settings stored for every region ('*') overlaid with the region's own (JSON decoded)."""
    rows = con.execute(
        """SELECT name, value_json FROM setting WHERE region_code IN ('*', ?)
           ORDER BY region_code = '*' DESC, name""", [region]).fetchall()
    return {name: json.loads(value) for name, value in rows}


_COLUMNS: dict[str, list[str]] = {}   # fact table -> its columns (see _fact_columns)


def _fact_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    """A fact table's columns in order, read once per process (every database file has the
    same schema; asking the catalog costs 2 ms a call on the national dataset)."""
    if table not in _COLUMNS:
        _COLUMNS[table] = [r[0] for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
            "AND table_schema = 'main' ORDER BY ordinal_position", [table]).fetchall()]
    return _COLUMNS[table]


def indicator_sources(con: duckdb.DuckDBPyConnection, region: str, cutoff: datetime,
                      indicator_code: str, year: int, tw: int) -> pd.DataFrame:
    """Every source row behind an indicator's figures in loads active at the cut-off, in one
    query: its definition (value = baseline), its targets of ``year`` and its realisations of
    TW 1..``tw`` of that year, in that order (each by load and row).

    Columns: table, tw, value, basis, file_name, sheet, row, uploaded_by, uploaded_at,
    received_on, load_id.
    """
    mine = f"f.region_code = $region AND f.indicator_code = $code AND {_active_at('f.load_id')}"
    return _read(con, f"""WITH rows AS (
            SELECT 'indicator' AS source, 0 AS part, NULL::INTEGER AS tw, f.baseline AS value,
                   NULL::VARCHAR AS basis, f.src_sheet, f.src_row, f.load_id
            FROM indicator f WHERE {mine}
            UNION ALL
            SELECT 'target', 1, f.tw, f.value, NULL, f.src_sheet, f.src_row, f.load_id
            FROM target f WHERE {mine} AND f.year = $year
            UNION ALL
            SELECT 'realisation', 2, f.tw, f.value, f.basis, f.src_sheet, f.src_row, f.load_id
            FROM realisation f WHERE {mine} AND f.year = $year AND f.tw <= $tw)
        SELECT r.source AS "table", r.tw, r.value, r.basis, l.file_name, r.src_sheet AS sheet,
               r.src_row AS row, l.uploaded_by, l.uploaded_at, l.received_on, r.load_id
        FROM rows r JOIN load l USING (load_id)
        ORDER BY r.part, r.load_id, r.src_row""", region=region, cutoff=cutoff,
                 code=indicator_code, year=year, tw=tw)


def trace(con: duckdb.DuckDBPyConnection, region: str, cutoff: datetime, table: str,
          keys: Mapping[str, object]) -> pd.DataFrame:
    """Where fact rows came from: the rows of ``table`` matching ``keys`` (column = value) in
    loads active at the cut-off, with file_name, sheet, row, uploaded_by, uploaded_at,
    received_on, load_kind and load_id.

    Table and column names are checked against the schema; values are bound parameters.
    """
    if table not in FACT_TABLES:
        raise ValueError(f"Bukan tabel fakta: {table!r}")
    columns = _fact_columns(con, table)
    unknown = sorted(set(keys) - set(columns))
    if unknown:
        raise ValueError(f"Kolom tidak ada di tabel {table}: {', '.join(unknown)}")
    where = "".join(f" AND f.{col} = ${'k' + str(i)}" for i, col in enumerate(keys))
    params: dict[str, object] = {f"k{i}": value for i, value in enumerate(keys.values())}
    extra = [c for c in columns if c not in ("region_code", "load_id", "src_sheet", "src_row")]
    sheet = "f.src_sheet" if "src_sheet" in columns else "NULL"
    row = "f.src_row" if "src_row" in columns else "NULL"
    sql = f"""SELECT {', '.join('f.' + c for c in extra)}, l.file_name, {sheet} AS sheet,
                     {row} AS row, l.uploaded_by, l.uploaded_at, l.received_on,
                     l.kind AS load_kind, f.load_id
              FROM {table} f JOIN load l USING (load_id)
              WHERE f.region_code = $region
                AND {_active_at("f.load_id")}{where}
              ORDER BY f.load_id, row"""
    return _read(con, sql, region=region, cutoff=cutoff, **params)
