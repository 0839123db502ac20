"""The names mapped once: what an OPD's own form calls a program or an indicator, and the
masterplan code it means (table ``text_mapping``, see schema.sql).

Rows are never changed in place: a correction closes the row in force and adds a new one, so
``in_force(con, region, at)`` answers what a load at time ``at`` resolved, however often the
mapping was corrected later (a rebuild replays each load at its own time).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb
import pandas as pd

from etl.values import norm_header
from monev.store import accounts

KINDS = ("program", "indikator")
SKIP = "-"  # the code of a text that is not part of the masterplan: its rows are skipped


def text_key(text: object) -> str:
    """The text as mapped: without case, spacing or punctuation ("Satu  Data, Tuban." and
    "satu data tuban" are one text)."""
    return norm_header(text)


@dataclass(frozen=True)
class Mapped:
    """One mapping in force: its id and the code the text means ('-': skipped)."""

    mapping_id: int
    code: str


def in_force(con: duckdb.DuckDBPyConnection, region: str,
             at: datetime | None = None) -> dict[tuple[str, str], Mapped]:
    """The mappings of a region in force at ``at`` (now when None), by (kind, text key)."""
    rows = con.execute(
        """SELECT kind, text_key, mapping_id, code FROM text_mapping
           WHERE region_code = ? AND (? IS NULL OR created_at <= ?)
             AND (replaced_at IS NULL OR (? IS NOT NULL AND replaced_at > ?))""",
        [region, at, at, at, at]).fetchall()
    return {(kind, key): Mapped(int(mid), code) for kind, key, mid, code in rows}


def by_ids(con: duckdb.DuckDBPyConnection, region: str,
           ids: tuple[int, ...]) -> dict[tuple[str, str], Mapped]:
    """Exactly these mapping rows of a region (a replayed load resolves as it did, however
    the mapping was corrected since), by (kind, text key)."""
    rows = con.execute(
        """SELECT kind, text_key, mapping_id, code FROM text_mapping
           WHERE region_code = ? AND mapping_id IN (SELECT unnest(?))""",
        [region, list(ids)]).fetchall()
    return {(kind, key): Mapped(int(mid), code) for kind, key, mid, code in rows}


def for_load(con: duckdb.DuckDBPyConnection, region: str,
             ids: tuple[int, ...] | None) -> dict[tuple[str, str], Mapped]:
    """The mappings a load resolves its texts with: those in force now, or for a replayed
    load (``ids``: the rows it used) exactly those rows."""
    return in_force(con, region) if ids is None else by_ids(con, region, ids)


@dataclass
class Saved:
    """What a save changed: texts added, corrected and already so."""

    added: int = 0
    changed: int = 0
    same: int = 0


def save(con: duckdb.DuckDBPyConnection, region: str, rows: list[tuple[str, str, str]], *,
         actor: str, now: datetime | None = None) -> Saved:
    """Save (kind, text, code) rows for a region in one transaction, audited: a text already
    mapped to another code is corrected (the old row closed, kept in history). The codes
    must have been checked by the caller (``etl.mapping.check_codes``)."""
    now = now or datetime.now().replace(microsecond=0)
    current = in_force(con, region)
    done = Saved()
    changes: list[dict[str, str]] = []
    con.execute("BEGIN TRANSACTION")
    try:
        next_id = con.execute("SELECT coalesce(max(mapping_id), 0) + 1 FROM text_mapping"
                              ).fetchone()[0]
        seen: set[tuple[str, str]] = set()
        for kind, text, code in rows:
            key = (kind, text_key(text))
            if key in seen:
                continue
            seen.add(key)
            old = current.get(key)
            if old is not None and old.code == code:
                done.same += 1
                continue
            if old is not None:
                con.execute("UPDATE text_mapping SET replaced_at = ?, replaced_by = ? "
                            "WHERE mapping_id = ?", [now, actor, old.mapping_id])
                done.changed += 1
            else:
                done.added += 1
            con.execute("INSERT INTO text_mapping VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL)",
                        [next_id, region, kind, key[1], str(text).strip(), code, now, actor])
            changes.append({"jenis": kind, "teks": str(text).strip(), "kode": code,
                            **({"kode_lama": old.code} if old is not None else {})})
            next_id += 1
        if changes:
            accounts.audit(con, actor, "mapping_change", region,
                           {"baru": done.added, "dikoreksi": done.changed,
                            "pemetaan": changes[:200]}, now=now)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return done


def listing(con: duckdb.DuckDBPyConnection, region: str | None = None,
            history: bool = False) -> pd.DataFrame:
    """The mappings in force (every row ever saved when ``history``), for people to read."""
    return con.execute(
        """SELECT mapping_id AS id, region_code AS wilayah, kind AS jenis, text AS teks,
                  code AS kode, created_by AS oleh, created_at AS sejak,
                  replaced_at AS diganti
           FROM text_mapping
           WHERE (? IS NULL OR region_code = ?) AND (? OR replaced_at IS NULL)
           ORDER BY region_code, kind, text_key, created_at""",
        [region, region, history]).df()
