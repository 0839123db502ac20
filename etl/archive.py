"""The archive of accepted files (content-addressed by sha256) and its journal.

The journal (journal.jsonl) lists, in order, every accepted load, restore and delete with who
and when; ``python -m etl rebuild`` replays it to recreate the database with identical content.

A journal line is appended after its transaction commits (a file cannot join a database
transaction), so a crash between the two leaves a change in the database that the journal
lacks. Every such change can be given back: the database's own history (``load_event`` and
``load``) says what the line would have said, and the archived file was stored and synced
before the commit. :func:`from_database` derives the lines from a database and :func:`merge`
puts the missing ones back in their place; ``etl.rebuild`` and ``etl.backup`` do so, and
refuse when the two disagree in a way that cannot be settled.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import BinaryIO

import duckdb

FORMAT_EXT = {"xlsx": ".xlsx", "xlsm": ".xlsm", "xls": ".xls", "ods": ".ods"}
# Where an archived file may live, relative to the root: nothing else is ever read or copied.
RELPATH = re.compile(r"files/[0-9a-f]{2}/([0-9a-f]{64})(\.xlsx|\.xlsm|\.xls|\.ods)?")
EVENTS = ("load", "restore", "delete")
# OPDs' own forms whose journal line holds the uploader's choices (etl/e81.py, etl/rfk.py)
FORMS = ("e81", "rfk")


class JournalError(ValueError):
    """The journal cannot be read, or disagrees with a database; the message is for the
    user (Bahasa Indonesia)."""


def sha256(data: bytes) -> str:
    """Hex sha256 of the bytes."""
    return hashlib.sha256(data).hexdigest()


class Archive:
    """Files by hash under ``root/files`` and the event journal ``root/journal.jsonl``."""

    def __init__(self, root: Path | str):
        self.root = Path(root)

    @property
    def journal_path(self) -> Path:
        """Path of the journal file."""
        return self.root / "journal.jsonl"

    @staticmethod
    def relpath(file_hash: str, fmt: str) -> str:
        """Where the bytes with this hash live, relative to the archive root."""
        return f"files/{file_hash[:2]}/{file_hash}{FORMAT_EXT.get(fmt, '')}"

    def store(self, data: bytes, file_hash: str, fmt: str) -> str:
        """Write the bytes once, atomically and durably (synced before the load that names
        them is committed), and return their path relative to the root."""
        rel = self.relpath(file_hash, fmt)
        path = self.root / rel
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(path.suffix + ".tmp")
            with open(tmp, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
            _sync_dir(path.parent)
        return rel

    def store_in_background(self, files: Sequence[tuple[bytes, str, str]]) -> Future[list[str]]:
        """Store files (bytes, hash, format) on the archive's own thread: its writes and
        fsyncs release the GIL, so they overlap the inserts of the load that names the
        files. The caller waits on the future before committing that load."""
        return _archive_writer().submit(lambda: [self.store(*f) for f in files])

    def read(self, rel: str) -> bytes:
        """The archived bytes at a relative path; checks the path's form (a journal line
        names no file outside ``files/``) and the hash in the name."""
        match = RELPATH.fullmatch(rel)
        if not match or match.group(1)[:2] != rel[6:8]:
            raise ValueError(f"archive path {rel!r} is not one the archive writes")
        data = (self.root / rel).read_bytes()
        if sha256(data) != match.group(1):
            raise ValueError(f"archive file {rel} does not match its hash")
        return data

    def append(self, *entries: dict) -> None:
        """Append events to the journal, in order, and flush them to disk (one sync). A last
        line cut short by a crash is cut off first (what it began to say is in the database,
        see :func:`merge`), so it never swallows a new line."""
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.journal_path, "a+b") as fh:
            _drop_unfinished_line(fh)
            fh.write(lines(entries))
            fh.flush()
            os.fsync(fh.fileno())

    def entries(self) -> Iterator[dict]:
        """Journal entries in order. A last line without its line end (an append cut short
        by a crash: its change, if committed, is in the database) is skipped; any other line
        that is not an entry raises JournalError."""
        if not self.journal_path.exists():
            return
        with open(self.journal_path, encoding="utf-8") as fh:
            for number, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    entry = json.loads(line)
                    check_entry(entry)
                except (ValueError, TypeError, KeyError) as exc:
                    if not line.endswith("\n"):  # only the last line can lack it
                        return
                    raise JournalError(f"Baris {number} jurnal arsip {self.journal_path} rusak "
                                       f"atau bukan catatan unggahan ({exc}).") from exc
                yield entry

    def rewrite(self, entries: Sequence[dict]) -> None:
        """Replace the journal by these entries, atomically and durably."""
        self.write_journal(lines(entries))

    def write_journal(self, data: bytes) -> None:
        """Replace the journal by these bytes, atomically and durably."""
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = self.journal_path.with_suffix(".jsonl.tmp")
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.journal_path)
        _sync_dir(self.root)


def _drop_unfinished_line(fh: BinaryIO) -> None:
    """Truncate an open journal after its last line end (a no-op when it ends with one)."""
    end = fh.seek(0, os.SEEK_END)
    pos = end
    while pos > 0:
        start = max(0, pos - 65536)
        fh.seek(start)
        cut = fh.read(pos - start).rfind(b"\n")
        if cut >= 0:
            pos = start + cut + 1
            break
        pos = start
    if pos != end:
        fh.truncate(pos)


def lines(entries: Sequence[dict] | Iterator[dict]) -> bytes:
    """Journal entries as the journal's lines (one JSON object each)."""
    return "".join(json.dumps(e, ensure_ascii=False, default=str) + "\n"
                   for e in entries).encode("utf-8")


def check_entry(entry: object) -> None:
    """Raise ValueError unless ``entry`` is a journal entry this code writes and replays:
    a known event with its fields of the right types, and an archive path of the archive's
    own form (a journal from a backup names no file elsewhere)."""
    if not isinstance(entry, dict) or entry.get("event") not in EVENTS:
        raise ValueError("peristiwa tidak dikenal")
    fields = {"load_id": int, "actor": str, "at": str}
    if entry["event"] == "load":
        fields |= {"file_hash": str, "file_name": str, "archive_path": str, "received_on": str}
    for name, kind in fields.items():
        if not isinstance(entry.get(name), kind) or isinstance(entry.get(name), bool):
            raise ValueError(f"kolom {name} tidak ada atau salah jenis")
    datetime.fromisoformat(entry["at"])
    if entry["event"] == "load":
        date.fromisoformat(entry["received_on"])
        match = RELPATH.fullmatch(entry["archive_path"])
        if not match or match.group(1) != entry["file_hash"]:
            raise ValueError("archive_path tidak sesuai hash file")


def from_database(con: duckdb.DuckDBPyConnection, catalog: str | None = None) -> list[dict]:
    """The journal a database's own history says should exist: its loads, restores and
    withdrawals in the order they were committed, each as the line the loader appends.
    ``catalog`` names an attached database (default: the connection's own)."""
    prefix = f'"{catalog}".' if catalog else ""
    rows = con.execute(
        f"""SELECT e.action, e.load_id, e.actor, e.event_at, l.file_hash, l.file_name,
                   l.archive_path, l.received_on, l.region_code, l.opd_code, l.year, l.tw,
                   e.detail
            FROM {prefix}load_event e LEFT JOIN {prefix}load l USING (load_id)
            WHERE e.action IN ('load', 'restore', 'delete') ORDER BY e.event_id""").fetchall()
    out = []
    for (action, load_id, actor, at, file_hash, file_name, archive_path, received_on,
         region, opd, year, tw, detail) in rows:
        entry: dict = {"event": action, "load_id": load_id}
        if action == "load":
            entry |= {"file_hash": file_hash, "file_name": file_name,
                      "archive_path": archive_path}
        entry |= {"actor": actor, "at": at.isoformat()}
        if action == "load":
            entry["received_on"] = received_on.isoformat()
            entry |= _form_choices(detail, region, opd, year, tw)
        out.append(entry)
    return out


def _form_choices(detail: str | None, region: str, opd: str | None, year: int | None,
                  tw: int | None) -> dict:
    """What an OPD's own form (E.81, FORM RFK) load's journal line adds, put back from its
    load row and load event: the region, OPD, year and TW it was loaded for and the mapping
    rows it resolved by, under the form's key (``etl.load``); nothing for a template."""
    try:
        said = json.loads(detail) if detail else {}
    except ValueError:
        said = {}
    if not isinstance(said, dict):
        return {}
    form = said.get("formulir") or ("e81" if "pemetaan" in said else None)
    if form not in FORMS:
        return {}
    return {form: {"wilayah": region, "opd": opd, "tahun": year, "tw": tw,
                   "pemetaan": list(said.get("pemetaan") or [])}}


def _key(entry: dict) -> tuple:
    """What identifies an entry in both lists: a load by its id and file, a restore or
    withdrawal by its load and time."""
    if entry["event"] == "load":
        return ("load", entry["load_id"], entry["file_hash"])
    return (entry["event"], entry["load_id"], entry["at"])


def merge(journal: Sequence[dict], database: Sequence[dict]) -> list[dict]:
    """The journal with the entries only the database has put back in their place.

    Both lists are the same history with parts missing: the journal lacks what a crash cut
    off between a commit and its line; the database (an older copy, a backup) may end
    before the journal does. Entries both have keep the journal's order; an entry only one
    has goes where it stands in its own list. Raises JournalError when the result cannot be
    one history: loads numbered other than 1, 2, 3, … in order (two different loads under
    one number, or a load neither list has)."""
    in_journal, in_database = Counter(map(_key, journal)), Counter(map(_key, database))
    out: list[dict] = []
    i = k = 0
    while i < len(journal) or k < len(database):
        jkey = _key(journal[i]) if i < len(journal) else None
        dkey = _key(database[k]) if k < len(database) else None
        if jkey is not None and jkey == dkey:
            out.append(journal[i])
            in_journal[jkey] -= 1
            in_database[dkey] -= 1
            i, k = i + 1, k + 1
        elif dkey is not None and in_journal[dkey] == 0:
            out.append(database[k])      # cut off from the journal: given back
            in_database[dkey] -= 1
            k += 1
        elif jkey is not None and in_database[jkey] == 0:
            out.append(journal[i])       # newer than the database
            in_journal[jkey] -= 1
            i += 1
        else:
            raise JournalError("Jurnal arsip dan database mencatat urutan peristiwa yang "
                               f"berbeda (muatan #{journal[i]['load_id']}).")
    check_numbering(out)
    return out


def check_numbering(entries: Sequence[dict]) -> None:
    """Raise JournalError unless the loads are numbered 1, 2, 3, … in order (what a replay
    gives them) and every restore or withdrawal names a load before it."""
    expected = 1
    for entry in entries:
        load_id = entry["load_id"]
        if entry["event"] == "load":
            if load_id > expected:
                missing = ", #".join(map(str, range(expected, min(load_id, expected + 10))))
                more = " dan lainnya" if load_id - expected > 10 else ""
                raise JournalError(f"Jurnal arsip tidak mencatat muatan #{missing}{more} "
                                   f"(muatan berikutnya, #{load_id}, tercatat).")
            if load_id < expected:
                raise JournalError(f"Jurnal arsip mencatat muatan #{load_id} lebih dari sekali "
                                   "untuk file yang berbeda.")
            expected += 1
        elif load_id >= expected:
            raise JournalError(f"Jurnal arsip mencatat pemulihan atau penarikan muatan "
                               f"#{load_id} sebelum muatan itu sendiri.")


def _sync_dir(path: Path) -> None:
    """Make a rename in a folder durable (POSIX; a no-op where folders cannot be opened)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@cache
def _archive_writer() -> ThreadPoolExecutor:
    """The process's archive-writing thread (one: files are stored in order)."""
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="monev-archive")
