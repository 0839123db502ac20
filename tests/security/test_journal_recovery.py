"""A crash between a load's commit and its journal line never breaks rebuild: the line is put
back from the database's own history (the archived file was synced before the commit), so the
rebuild gives back identical content and repairs the journal; when no readable database can
give the line back, the rebuild is refused with a message in Bahasa Indonesia, changing
nothing and leaving no temporary file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from etl import backup as bk
from etl.archive import Archive, JournalError, check_entry, from_database, merge
from etl.rebuild import RebuildRefused, rebuild, report
from tests.helpers import RECEIVED, Env, report_bytes

ROOT = Path(__file__).resolve().parents[2]
T1 = datetime(2025, 4, 7, 10, 0)
T2 = datetime(2025, 4, 9, 10, 0)
T3 = datetime(2025, 4, 12, 9, 0)
REBUILT_AT = datetime(2025, 5, 1, 8, 0)


class Crash(BaseException):
    """The process dies here (as kill -9 would: nothing after it runs)."""


def _report(env: Env, value: float) -> bytes:
    return report_bytes(env.con, "KOMINFO", 2025, 1,
                        {"realisasi": {"GOV-01.1": {"realisasi": value}}})


def crashed_history(env: Env, monkeypatch: pytest.MonkeyPatch) -> int:
    """Three reports; the second one's process dies after its commit, before its journal
    line; the third is loaded after the restart. Returns the load the journal lacks."""
    assert env.load(_report(env, 5), "tw1.xlsx", at=T1, received_on=RECEIVED).status == "loaded"

    def die(self: Archive, *entries: dict) -> None:
        raise Crash

    with monkeypatch.context() as patched:
        patched.setattr(Archive, "append", die)
        with pytest.raises(Crash):
            env.load(_report(env, 8), "tw1-revisi.xlsx", at=T2, received_on=RECEIVED)
    lost = env.con.execute("SELECT max(load_id) FROM load").fetchone()[0]
    assert env.load(_report(env, 13), "tw1-revisi-2.xlsx", at=T3,
                    received_on=RECEIVED).status == "loaded"
    env.close()
    assert lost not in [e["load_id"] for e in env.archive.entries()]
    return lost


def value(path: Path) -> float:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute("SELECT r.value FROM realisation r JOIN active_load USING (load_id) "
                           "WHERE indicator_code = 'GOV-01.1'").fetchone()[0]


def no_leftovers(folder: Path) -> None:
    names = [p.name for p in folder.iterdir()]
    assert not [n for n in names if n.startswith(".") and n != bk.KEY_FILE], names
    assert not [n for n in names if n.endswith((".rebuild.duckdb", ".restore.duckdb", ".lock"))]


def test_a_load_missing_from_the_journal_is_given_back_identically(mp_env, monkeypatch):
    lost = crashed_history(mp_env, monkeypatch)
    path, archive = mp_env.path, mp_env.archive
    journal_before = archive.journal_path.read_bytes()
    before = bk.table_rows(path)

    done = rebuild(path, actor="admin.uji", now=REBUILT_AT)

    after = bk.table_rows(path)
    assert {t for t in before if after[t] != before[t]} == {"audit_event"}
    assert [e["load_id"] for e in done.recovered] == [lost]
    assert done.source == "database" and done.history_carried and done.only_before == []
    with duckdb.connect(str(path), read_only=True) as con:   # journal and database agree
        assert list(archive.entries()) == from_database(con)
    assert done.journal_kept_as.read_bytes() == journal_before
    lines, warnings = report(done)
    assert warnings == []
    assert any("Jurnal arsip dilengkapi dari database lama: 1 peristiwa" in line
               and f"muatan (#{lost})" in line for line in lines)
    assert value(path) == 13
    no_leftovers(path.parent)
    assert rebuild(path, actor="admin.uji").recovered == []   # repaired for good


def test_the_rebuild_command_after_a_lost_line_and_a_later_load(mp_env, monkeypatch):
    """As in the report: the last line lost, a load after it, then the command."""
    assert mp_env.load(_report(mp_env, 5), "tw1.xlsx", at=T1,
                       received_on=RECEIVED).status == "loaded"
    journal = mp_env.archive.journal_path
    lines = journal.read_text(encoding="utf-8").splitlines(keepends=True)
    journal.write_text("".join(lines[:-1]), encoding="utf-8")
    assert mp_env.load(_report(mp_env, 8), "tw1-revisi.xlsx", at=T2,
                       received_on=RECEIVED).status == "loaded"
    mp_env.close()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MONEV_DB": str(mp_env.path)}

    done = subprocess.run([sys.executable, "-m", "etl", "rebuild"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)

    assert done.returncode == 0, done.stderr
    assert "Jurnal arsip dilengkapi" in done.stdout and "(#2)" in done.stdout
    assert done.stderr == ""
    assert value(mp_env.path) == 8
    no_leftovers(mp_env.path.parent)


def test_with_the_database_damaged_a_gap_is_refused_then_a_backup_fills_it(
        mp_env, monkeypatch, tmp_path):
    lost = crashed_history(mp_env, monkeypatch)
    path = mp_env.path
    folder = bk.backup(path, tmp_path / "cadangan")
    backup_journal = list(Archive(folder / "archive").entries())
    assert lost in [e["load_id"] for e in backup_journal]     # the backup's journal is whole
    damaged = b"\x00rusak" * 5000
    path.write_bytes(damaged)
    journal_before = mp_env.archive.journal_path.read_bytes()

    with pytest.raises(RebuildRefused, match=rf"tidak mencatat muatan #{lost} .*--backup"):
        rebuild(path, actor="admin.uji")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MONEV_DB": str(path)}
    cli = subprocess.run([sys.executable, "-m", "etl", "rebuild"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=120)
    assert cli.returncode == 1 and "Bangun ulang dibatalkan" in cli.stderr
    assert "Traceback" not in cli.stderr
    assert path.read_bytes() == damaged
    assert mp_env.archive.journal_path.read_bytes() == journal_before
    assert not (path.parent / "backups").exists()
    no_leftovers(path.parent)

    done = rebuild(path, backup_dir=folder, actor="admin.uji")

    assert done.source == "backup" and [e["load_id"] for e in done.recovered] == [lost]
    assert value(path) == 13
    assert done.kept_as.read_bytes() == damaged
    with duckdb.connect(str(path), read_only=True) as con:
        assert list(mp_env.archive.entries()) == from_database(con)
    no_leftovers(path.parent)


def test_a_line_cut_short_by_a_crash_is_skipped_and_never_swallows_the_next(mp_env):
    journal = mp_env.archive.journal_path
    whole = journal.read_bytes()
    with open(journal, "ab") as fh:
        fh.write(b'{"event": "load", "load_id": 2, "file_')      # the process died mid-line
    assert [e["load_id"] for e in mp_env.archive.entries()] == [1]
    assert mp_env.load(_report(mp_env, 5), "tw1.xlsx", at=T1,
                       received_on=RECEIVED).status == "loaded"
    assert [e["load_id"] for e in mp_env.archive.entries()] == [1, 2]
    assert journal.read_bytes().startswith(whole) and b'"file_\n' not in journal.read_bytes()
    mp_env.close()
    assert rebuild(mp_env.path, actor="admin.uji").replayed == 2


@pytest.mark.parametrize("entry", [
    {"event": "load", "load_id": 1, "file_hash": "a" * 64, "file_name": "x.xlsx",
     "archive_path": "../../../etc/passwd", "actor": "x", "at": "2025-01-01T00:00:00",
     "received_on": "2025-01-01"},
    {"event": "load", "load_id": 1, "file_hash": "a" * 64, "file_name": "x.xlsx",
     "archive_path": f"files/bb/{'b' * 64}.xlsx", "actor": "x", "at": "2025-01-01T00:00:00",
     "received_on": "2025-01-01"},
    {"event": "drop_table", "load_id": 1, "actor": "x", "at": "2025-01-01T00:00:00"},
    {"event": "restore", "load_id": "1", "actor": "x", "at": "2025-01-01T00:00:00"},
    {"event": "delete", "load_id": 1, "actor": "x", "at": "kemarin"},
])
def test_a_journal_line_naming_anything_else_is_refused(entry):
    with pytest.raises(ValueError):
        check_entry(entry)


def test_the_archive_reads_nothing_outside_its_files(tmp_path):
    archive = Archive(tmp_path / "archive")
    (tmp_path / "rahasia.txt").write_text("rahasia")
    for rel in ("../rahasia.txt", "/etc/passwd", "files/aa/../../../rahasia.txt"):
        with pytest.raises(ValueError, match="not one the archive writes"):
            archive.read(rel)


def test_a_backup_whose_journal_names_a_file_outside_is_refused(mp_env, tmp_path):
    """Even signed with the server's key, a journal line pointing outside the archive is not
    restored (a later rebuild would read that file)."""
    assert mp_env.load(_report(mp_env, 5), "tw1.xlsx", at=T1,
                       received_on=RECEIVED).status == "loaded"
    mp_env.close()
    folder = bk.backup(mp_env.path, tmp_path / "cadangan")
    journal = folder / "archive" / "journal.jsonl"
    entries = [json.loads(line) for line in journal.read_text().splitlines()]
    entries[-1]["archive_path"] = "../../../../etc/passwd"
    journal.write_text("".join(json.dumps(e) + "\n" for e in entries))
    (folder / bk.MANIFEST).unlink()
    (folder / bk.SIGNATURE).unlink()
    bk._sign(folder, bk.server_key(mp_env.path))
    before = mp_env.path.read_bytes()

    with pytest.raises(bk.BackupRefused, match="Baris 2 jurnal arsip"):
        bk.restore(folder, mp_env.path)

    assert mp_env.path.read_bytes() == before


def _load(load_id: int, file_hash: str) -> dict:
    return {"event": "load", "load_id": load_id, "file_hash": file_hash * 64}


def test_merge_puts_missing_lines_back_and_refuses_two_histories():
    journal = [_load(1, "a"), _load(2, "b"), _load(4, "d")]
    database = [_load(1, "a"), _load(2, "b"), _load(3, "c"), _load(4, "d")]
    assert [e["load_id"] for e in merge(journal, database)] == [1, 2, 3, 4]
    assert [e["load_id"] for e in merge(database, database[:2])] == [1, 2, 3, 4]  # a backup
    with pytest.raises(JournalError, match="muatan #3 lebih dari sekali"):
        merge([_load(1, "a"), _load(2, "b"), _load(3, "c")],
              [_load(1, "a"), _load(2, "b"), _load(3, "e")])
    with pytest.raises(JournalError, match="tidak mencatat muatan #3"):
        merge(journal, journal)
