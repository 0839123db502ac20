"""Recreate the database from the archive journal, with identical content."""

from __future__ import annotations

import os
from datetime import date, datetime
from pathlib import Path

from etl.archive import Archive
from etl.load import delete_load, load_bytes, restore_load
from monev.store import current, db


def rebuild(db_path: Path | str, archive_root: Path | None = None) -> int:
    """Replay every journaled load, restore and delete into a fresh file, then swap it in."""
    db_path = Path(db_path)
    archive = Archive(archive_root or db.archive_root(db_path))
    tmp = db_path.with_suffix(".rebuild.duckdb")
    tmp.unlink(missing_ok=True)
    db.ensure_database(tmp)
    replayed = 0
    with db.opened(tmp) as con:
        for entry in archive.entries():
            at = datetime.fromisoformat(entry["at"])
            if entry["event"] == "load":
                result = load_bytes(con, archive.read(entry["archive_path"]),
                                    entry["file_name"], actor=entry["actor"], archive=None,
                                    at=at, received_on=date.fromisoformat(entry["received_on"]))
                if result.load_id != entry["load_id"]:
                    raise RuntimeError(f"replay of load #{entry['load_id']} gave "
                                       f"{result.status} #{result.load_id}: {result.message}")
            elif entry["event"] == "restore":
                restore_load(con, entry["load_id"], actor=entry["actor"], archive=None, at=at)
            elif entry["event"] == "delete":
                delete_load(con, entry["load_id"], actor=entry["actor"], archive=None, at=at)
            replayed += 1
        current.refresh_stale(con)
    os.replace(tmp, db_path)
    Path(str(tmp) + ".wal").unlink(missing_ok=True)
    return replayed
