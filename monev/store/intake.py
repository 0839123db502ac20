"""Reads the loader needs to check a workbook against what the database already holds."""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import pandas as pd

from monev.store.lineage import ACTIVE_LOAD_IDS


@dataclass
class MasterplanState:
    """The active masterplan of a region, as the loader checks a quarterly report against it."""

    region_code: str
    start_year: int
    end_year: int
    opds: dict[str, str] = field(default_factory=dict)                 # code -> name
    programs: pd.DataFrame = field(default_factory=pd.DataFrame)       # by program_code
    indicators: pd.DataFrame = field(default_factory=pd.DataFrame)     # by indicator_code
    village_plans: pd.DataFrame = field(default_factory=pd.DataFrame)  # program, village
    # Plain lookups for row-by-row checks (pandas .at is slow on Arrow-backed frames).
    lead_of: dict[str, str] = field(default_factory=dict)              # program -> lead OPD
    indicator_info: dict[str, tuple[str, str, bool]] = field(default_factory=dict)
    # indicator -> (program, unit, negative values allowed)
    route_of: dict[tuple[str, str], str] = field(default_factory=dict)  # (program, village)


def region_exists(con: duckdb.DuckDBPyConnection, region: str) -> str | None:
    """Name of the kabupaten/kota with this Kemendagri code, or None."""
    row = con.execute("SELECT name FROM ref_regency WHERE code = ?", [region]).fetchone()
    return row[0] if row else None


def loaded_region_count(con: duckdb.DuckDBPyConnection) -> int:
    """How many regions have an active masterplan."""
    return con.execute("SELECT count(DISTINCT m.region_code) FROM masterplan m "
                       "JOIN active_load USING (load_id)").fetchone()[0]


def dimensions(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Dimensions (code, name) and their sub-dimensions."""
    return con.execute(
        """SELECT d.code, d.name, s.name AS sub_dimension FROM dimension d
           LEFT JOIN sub_dimension s ON s.dimension_code = d.code
           ORDER BY d.sort_order, s.sort_order""").df()


def villages_of_region(con: duckdb.DuckDBPyConnection, region: str) -> pd.DataFrame:
    """Reference villages of a region: code, name, kind, district code and name.

    The reference tables are seeded once from the shipped Kemendagri list and never change,
    so the answer is cached per region for the life of the process.
    """
    if region not in _VILLAGES:
        _VILLAGES[region] = con.execute(
            """SELECT v.code, v.name, v.kind, v.district_code, d.name AS district_name
               FROM ref_village v JOIN ref_district d ON d.code = v.district_code
               WHERE v.regency_code = ? ORDER BY v.code""", [region]).df()
    return _VILLAGES[region]


def village_codes(con: duckdb.DuckDBPyConnection, region: str) -> frozenset[str]:
    """The codes of a region's reference villages (for the intake checks; cached the same
    way)."""
    if region not in _VILLAGE_CODES:
        _VILLAGE_CODES[region] = frozenset(villages_of_region(con, region)["code"])
    return _VILLAGE_CODES[region]


_VILLAGES: dict[str, pd.DataFrame] = {}
_VILLAGE_CODES: dict[str, frozenset[str]] = {}
_STATES: dict[tuple[str, int, str], MasterplanState] = {}


def masterplan_state(con: duckdb.DuckDBPyConnection, region: str) -> MasterplanState | None:
    """The active masterplan of a region with its OPDs, programs, indicators and villages.

    A load's fact rows never change, so the state is cached per (region, load, file hash).
    """
    row = con.execute(
        f"""SELECT m.load_id, l.file_hash, m.start_year, m.end_year FROM masterplan m
            JOIN load l USING (load_id)
            WHERE m.region_code = ? AND m.load_id IN ({ACTIVE_LOAD_IDS})""", [region]).fetchone()
    if row is None:
        return None
    load_id, file_hash, start, end = row
    key = (region, int(load_id), file_hash)
    if key not in _STATES:
        if len(_STATES) > 32:
            _STATES.clear()
        _STATES[key] = _read_state(con, region, int(load_id), int(start), int(end))
    return _STATES[key]


def _read_state(con: duckdb.DuckDBPyConnection, region: str, load_id: int, start: int,
                end: int) -> MasterplanState:
    opds = dict(con.execute("SELECT opd_code, name FROM opd WHERE load_id = ?",
                            [load_id]).fetchall())
    programs = con.execute(
        "SELECT * FROM program WHERE load_id = ?", [load_id]).df().set_index("program_code")
    indicators = con.execute(
        """SELECT i.*, coalesce(i.baseline < 0, false) OR EXISTS (
                   SELECT 1 FROM target t WHERE t.load_id = i.load_id
                   AND t.indicator_code = i.indicator_code AND t.value < 0) AS allows_negative
           FROM indicator i WHERE i.load_id = ?""", [load_id]).df().set_index("indicator_code")
    plans = con.execute("SELECT * FROM village_plan WHERE load_id = ?", [load_id]).df()
    return MasterplanState(
        region, start, end, opds, programs, indicators, plans,
        lead_of=dict(zip(programs.index, programs["lead_opd_code"], strict=True)),
        indicator_info={code: (prog, unit, bool(neg)) for code, prog, unit, neg in zip(
            indicators.index, indicators["program_code"], indicators["unit"],
            indicators["allows_negative"], strict=True)},
        route_of={(p, v): r for p, v, r in zip(plans["program_code"], plans["village_code"],
                                               plans["route"], strict=True)})


def budgets_of_year(con: duckdb.DuckDBPyConnection, region: str,
                    year: int) -> list[tuple[str, str, str, int, float | None, str]]:
    """Budget realisation reported in a region's active loads for a year:
    (opd_code, program_code, funding_source, tw, realisasi, basis), oldest upload first (a
    TW reported by both a quarterly report and an RFK: the later upload wins, as in the
    views)."""
    return con.execute(
        f"""SELECT l.opd_code, b.program_code, b.funding_source, b.tw, b.realisasi, b.basis
            FROM budget b JOIN load l USING (load_id)
            WHERE l.region_code = ? AND b.year = ?
              AND l.load_id IN ({ACTIVE_LOAD_IDS})
            ORDER BY l.uploaded_at, l.load_id""", [region, year]).fetchall()
