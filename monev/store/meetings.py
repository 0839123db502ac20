"""Evaluation meetings and their follow-ups: the one place for their SQL."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

import duckdb
import pandas as pd

from monev.store import accounts

FOLLOWUP_STATUS = {"terbuka": "Terbuka", "selesai": "Selesai", "belum_selesai": "Belum selesai"}


@dataclass(frozen=True)
class Meeting:
    """One evaluation meeting: the period it looks at and its data cut-off."""

    meeting_id: int
    region_code: str
    year: int
    tw: int
    cutoff: datetime
    title: str
    chair: str | None
    rules: dict
    created_by: str
    created_at: datetime


def _next(con: duckdb.DuckDBPyConnection, table: str, column: str) -> int:
    return int(con.execute(f"SELECT coalesce(max({column}), 0) + 1 FROM {table}").fetchone()[0])


def create_meeting(con: duckdb.DuckDBPyConnection, region: str, year: int, tw: int, *,
                   title: str, actor: str, rules: dict, chair: str | None = None,
                   cutoff: datetime | None = None, now: datetime | None = None) -> Meeting:
    """Record a meeting; its cut-off (default: now) freezes what it shows."""
    now = now or datetime.now().replace(microsecond=0)
    cutoff = cutoff or now
    meeting_id = _next(con, "meeting", "meeting_id")
    con.execute("INSERT INTO meeting VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [meeting_id, region, year, tw, cutoff, title, chair,
                 json.dumps(rules, default=list), actor, now])
    accounts.audit(con, actor, "meeting_add", str(meeting_id),
                   {"title": title, "year": year, "tw": tw, "cutoff": cutoff}, now)
    return get_meeting(con, meeting_id)  # type: ignore[return-value]


def get_meeting(con: duckdb.DuckDBPyConnection, meeting_id: int) -> Meeting | None:
    """One meeting by id."""
    row = con.execute("SELECT meeting_id, region_code, year, tw, cutoff, title, chair, "
                      "rules_json, created_by, created_at FROM meeting WHERE meeting_id = ?",
                      [meeting_id]).fetchone()
    if row is None:
        return None
    return Meeting(row[0], row[1], row[2], row[3], row[4], row[5], row[6], json.loads(row[7]),
                   row[8], row[9])


def meetings(con: duckdb.DuckDBPyConnection, region: str | None = None) -> pd.DataFrame:
    """Every meeting, newest first, with the number of follow-ups."""
    return con.execute(
        """SELECT m.meeting_id, m.region_code, m.year, m.tw, m.cutoff, m.title, m.chair,
                  m.created_by, m.created_at, count(f.followup_id) AS n_followups
           FROM meeting m LEFT JOIN followup f USING (meeting_id)
           WHERE ? IS NULL OR m.region_code = ?
           GROUP BY ALL ORDER BY m.cutoff DESC, m.meeting_id DESC""", [region, region]).df()


def previous_meeting(con: duckdb.DuckDBPyConnection, meeting: Meeting) -> Meeting | None:
    """The meeting of the same region held before this one (by cut-off)."""
    row = con.execute(
        """SELECT meeting_id FROM meeting WHERE region_code = ? AND
           (cutoff < ? OR (cutoff = ? AND meeting_id < ?))
           ORDER BY cutoff DESC, meeting_id DESC LIMIT 1""",
        [meeting.region_code, meeting.cutoff, meeting.cutoff, meeting.meeting_id]).fetchone()
    return get_meeting(con, row[0]) if row else None


def add_followup(con: duckdb.DuckDBPyConnection, meeting_id: int, *, item_label: str,
                 decision: str, actor: str, opd_code: str | None = None,
                 due_date: date | None = None, flag_kind: str | None = None,
                 program_code: str | None = None, indicator_code: str | None = None,
                 village_code: str | None = None, now: datetime | None = None) -> int:
    """Record a decision on a lagging item; returns its id."""
    if not decision.strip():
        raise ValueError("Isi keputusan/tindak lanjut terlebih dahulu.")
    now = now or datetime.now().replace(microsecond=0)
    followup_id = _next(con, "followup", "followup_id")
    con.execute(
        """INSERT INTO followup (followup_id, meeting_id, flag_kind, opd_code, program_code,
               indicator_code, village_code, item_label, decision, due_date, created_by,
               created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        [followup_id, meeting_id, flag_kind, opd_code, program_code, indicator_code,
         village_code, item_label, decision.strip(), due_date, actor, now])
    accounts.audit(con, actor, "followup_add", str(followup_id),
                   {"meeting": meeting_id, "opd": opd_code, "item": item_label}, now)
    return followup_id


def set_followup_status(con: duckdb.DuckDBPyConnection, followup_id: int, status: str, *,
                        actor: str, note: str | None = None,
                        now: datetime | None = None) -> None:
    """Mark a follow-up by hand (overrides what the data says)."""
    if status not in FOLLOWUP_STATUS:
        raise ValueError(f"Status tindak lanjut tidak dikenal: {status}")
    now = now or datetime.now().replace(microsecond=0)
    con.execute("UPDATE followup SET status = ?, status_by = ?, status_at = ?, status_note = ? "
                "WHERE followup_id = ?", [status, actor, now, note, followup_id])
    accounts.audit(con, actor, "followup_status", str(followup_id), {"status": status}, now)


def followups(con: duckdb.DuckDBPyConnection, meeting_id: int) -> pd.DataFrame:
    """The follow-ups decided in a meeting, in the order they were recorded."""
    return con.execute("SELECT * FROM followup WHERE meeting_id = ? ORDER BY followup_id",
                       [meeting_id]).df()
