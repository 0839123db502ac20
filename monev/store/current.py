"""Pre-aggregated current state: the facts of the active loads, pivoted, for the roll-ups.

The national roll-up (``monev.engine.national``) reads every region at once. Its costly part is
not the rules but the string-keyed aggregations over the fact tables: the latest active
realisation of each indicator and TW, and the first date each village reached each stage.
These tables hold exactly that for the data *as it stands* (cut-off LATEST), one set of rows
per region:

* ``cur_realisation`` region, indicator, year: r1..r4 (latest value per TW), s1..s4 (s.d. TW)
* ``cur_village``     each planned village: funding year, route, d1..d7 (first date of each
                      stage after Rencana)
* ``cur_state``       region: the activation fingerprint the rows were built from

They are data only (no rules, no calendar), so any rule or date can be applied on top. The
targets are not kept here: the roll-up reads one year of them from the fact table 12 ms slower,
while pivoting them here cost every 100k-row masterplan load 70 ms.
:func:`rebuild` runs inside every load, restore and withdrawal (``etl.load``), so the rows
of a region change in the same transaction as its activations. :func:`refresh_stale`
rebuilds the rows of any region still out of date; writers call it once per batch, after
their own transactions (the upload page and its restore/withdraw, ``python -m etl``
load/activate/withdraw, rebuild, the demo and the national generator, which writes the fact
tables directly).
:func:`is_fresh` compares every region's stored fingerprint with its activations now, so a
writer that did not refresh (the national generator before its refresh, a database older than
these tables) only sends the reader back to the fact tables; it can never show stale figures.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

import duckdb

from monev.domain import village as vil
from monev.store import db

LOG = logging.getLogger(__name__)

_TW = (1, 2, 3, 4)
STAGES = [s for s in vil.ALL_STAGES if s != vil.RENCANA]   # d1..d7, in ALL_STAGES order

# Every activation of every load of a region, folded into one value that changes whenever a
# load of the region is added, superseded, restored or withdrawn.
_FINGERPRINTS = """
    SELECT l.region_code, count(*) || ':' || sum(hash(a.load_id, a.active_from, a.active_until))
           AS fingerprint
    FROM load_activation a JOIN load l USING (load_id)
    WHERE $all OR l.region_code IN (SELECT unnest($regions))
    GROUP BY l.region_code"""

_ACTIVE = """act AS (SELECT load_id FROM load_activation WHERE active_until IS NULL),
    mp AS (SELECT m.region_code, max(m.load_id) AS load_id
           FROM masterplan m JOIN act USING (load_id)
           WHERE $all OR m.region_code IN (SELECT unnest($regions)) GROUP BY m.region_code),
    rep AS (SELECT l.load_id, l.uploaded_at FROM load l JOIN act USING (load_id)
            WHERE l.kind = 'laporan' AND ($all OR l.region_code IN (SELECT unnest($regions))))"""

_FILL = {
    # the latest upload wins per indicator and TW (as facts.indicator_facts)
    "cur_realisation": f"""WITH {_ACTIVE},
        re AS (SELECT r.region_code, r.indicator_code, r.year, r.tw, r.value,
                      r.basis = 'sdtw' AS sd, (rep.uploaded_at, r.load_id) AS latest
               FROM realisation r JOIN rep USING (load_id))
        SELECT region_code, indicator_code, year,
               {", ".join(f"arg_max(value, latest) FILTER (WHERE tw = {q})" for q in _TW)},
               {", ".join(f"arg_max(sd, latest) FILTER (WHERE tw = {q})" for q in _TW)}
        FROM re GROUP BY ALL""",
    # each planned village of the active masterplans with the first date (days since
    # 1970-01-01) each stage was reported, and integer keys for the roll-up
    "cur_village": f"""WITH {_ACTIVE},
        st AS (SELECT s.program_code, s.village_code,
                      {", ".join(f"min(s.reached_on) FILTER (WHERE s.stage = '{stage}')"
                                 " - DATE '1970-01-01'" + f" AS d{k}"
                                 for k, stage in enumerate(STAGES, 1))}
               FROM village_stage s JOIN rep USING (load_id)
               WHERE s.stage <> '{vil.RENCANA}' GROUP BY ALL)
        SELECT vp.region_code, vp.program_code, vp.village_code, vp.funding_year,
               vp.route = 'apbdes', CAST(replace(vp.region_code, '.', '') AS INTEGER),
               CAST(replace(vp.village_code, '.', '') AS BIGINT),
               st.* EXCLUDE (program_code, village_code)
        FROM village_plan vp JOIN mp USING (region_code, load_id)
        LEFT JOIN st ON st.program_code = vp.program_code
                    AND st.village_code = vp.village_code""",
}


def refresh(con: duckdb.DuckDBPyConnection, regions: Iterable[str] | None = None) -> None:
    """Rebuild the current-state rows of some regions (None = every region) in one
    transaction (call it outside any other transaction)."""
    regions = None if regions is None else sorted(set(regions))
    if regions == []:
        return
    con.execute("BEGIN TRANSACTION")
    try:
        rebuild(con, regions)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


# What each table is built from: the active masterplan (its planned villages) and the active
# reports (their realisations and village stages).
_SOURCES = {"cur_realisation": {"laporan"}, "cur_village": {"masterplan", "laporan"}}


def rebuild(con: duckdb.DuckDBPyConnection, regions: Iterable[str] | None = None,
            kinds: Iterable[str] = ("masterplan", "laporan")) -> None:
    """Rebuild the current-state rows of some regions (None = every region) inside the
    caller's transaction: a load, restore or withdrawal commits its region's current state
    with it. ``kinds`` are the kinds of loads whose activations changed: a table built from
    neither is left as it is (a masterplan leaves the realisations alone). Does nothing
    on a database without the tables (``refresh_stale`` creates them), so the write it
    belongs to never fails for their sake."""
    scope = {"all": regions is None, "regions": sorted(set(regions or ()))}
    if not scope["all"] and not scope["regions"]:
        return
    if con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name IN "
                   "('cur_realisation', 'cur_village', 'cur_state')").fetchone()[0] < 3:
        return
    changed = set(kinds)
    where = "WHERE $all OR region_code IN (SELECT unnest($regions))"
    for table, query in _FILL.items():
        if _SOURCES[table] & changed:
            con.execute(f"DELETE FROM {table} {where}", scope)
            con.execute(f"INSERT INTO {table} {query}", scope)
    con.execute(f"DELETE FROM cur_state {where}", scope)
    con.execute(f"INSERT INTO cur_state {_FINGERPRINTS}", scope)


def stale_regions(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Regions whose current-state rows do not match their activations now (every region
    when the tables are missing: a database created before them)."""
    try:
        return [r[0] for r in con.execute(
            f"""WITH now AS ({_FINGERPRINTS})
                SELECT region_code FROM now FULL JOIN cur_state c USING (region_code)
                WHERE c.fingerprint IS DISTINCT FROM now.fingerprint ORDER BY 1""",
            {"all": True, "regions": []}).fetchall()]
    except duckdb.CatalogException:
        return ["*"]


def is_fresh(con: duckdb.DuckDBPyConnection) -> bool:
    """True when every region's current-state rows match its activations now."""
    return not stale_regions(con)


def refresh_stale(con: duckdb.DuckDBPyConnection, stale: list[str] | None = None) -> list[str]:
    """Bring the current state up to date after a batch of writes; the regions refreshed.

    ``stale`` is what :func:`stale_regions` found before a batch of loads. Each load rebuilds
    its own region's rows, so no region turns stale during the batch and the check can run
    while the files are still parsed. Never fails the write it follows: on a database error
    the state stays stale (readers then use the fact tables) and the error is logged.
    """
    try:
        stale = stale_regions(con) if stale is None else stale
        if stale == ["*"]:
            db.init_schema(con)
            stale = stale_regions(con)
        refresh(con, stale)
    except duckdb.Error:
        LOG.exception("refreshing the pre-aggregated current state failed")
        return []
    return stale
