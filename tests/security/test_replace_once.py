"""One restore or rebuild at a time, and a lost database is never silently replaced by an
empty one: two rebuilds started together in two processes leave the database with its loads;
a rebuild or restore while another holds the lock is refused in Bahasa Indonesia; a missing
database file whose archive journal lists loads is not created again (the app and the
command line say why)."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pytest

from etl import backup as bk
from monev.store import db
from tests.helpers import RECEIVED, Env, masterplan_bytes, report_bytes

ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}

# A rebuild in its own process: imports first, says so, then waits for the word to start.
REBUILD = """
import sys
from etl.cli import main
print("siap", flush=True)
sys.stdin.readline()
sys.exit(main(["--db", sys.argv[1], "rebuild"]))
"""

# Holds the restore/rebuild lock of a database until its standard input closes.
HOLDER = """
import sys
from pathlib import Path
from etl.backup import exclusive
with exclusive(Path(sys.argv[1])):
    print("siap", flush=True)
    sys.stdin.read()
"""


@pytest.fixture
def loaded(mp_env: Env) -> Path:
    """A database with the masterplan and one report, closed."""
    data = report_bytes(mp_env.con, "KOMINFO", 2025, 1,
                        {"realisasi": {"GOV-01.1": {"realisasi": 5}}})
    assert mp_env.load(data, "tw1.xlsx", received_on=RECEIVED).status == "loaded"
    mp_env.close()
    return mp_env.path


def loads(path: Path) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute("SELECT load_id, file_hash FROM load ORDER BY 1").fetchall()


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()
                  if (p.name.startswith(".") and p.name != bk.KEY_FILE)
                  or p.name.endswith((".lock", ".rebuild.duckdb", ".restore.duckdb")))


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "etl", *args], cwd=ROOT, env=ENV,
                          capture_output=True, text=True, timeout=120)


def test_two_rebuilds_at_once_keep_the_database(loaded):
    before = loads(loaded)
    procs = [subprocess.Popen([sys.executable, "-c", REBUILD, str(loaded)], cwd=ROOT, env=ENV,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    try:
        for proc in procs:
            assert proc.stdout.readline().strip() == "siap"
        for proc in procs:      # both are imported and waiting: start them together
            proc.stdin.write("\n")
            proc.stdin.flush()
        results = [proc.communicate(timeout=300) for proc in procs]
    finally:
        for proc in procs:
            proc.kill()
            proc.wait()
    codes = sorted(proc.returncode for proc in procs)
    assert codes in ([0, 0], [0, 1]), results
    for proc, (_out, err) in zip(procs, results, strict=True):
        assert "Traceback" not in err
        if proc.returncode == 1:
            assert "sedang dipulihkan atau dibangun ulang oleh proses lain" in err
    assert loaded.exists() and loads(loaded) == before
    assert leftovers(loaded.parent) == []


@contextmanager
def lock_held(path: Path) -> Iterator[None]:
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(path)], cwd=ROOT, env=ENV,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "siap"
        yield
    finally:
        holder.stdin.close()
        holder.wait(timeout=60)


def test_a_rebuild_or_restore_while_another_runs_is_refused(loaded, tmp_path):
    folder = bk.backup(loaded, tmp_path / "cadangan")
    digest = hashlib.sha256(loaded.read_bytes()).hexdigest()
    with lock_held(loaded):
        for args in (["rebuild"], ["restore", str(folder)]):
            done = cli("--db", str(loaded), *args)
            assert done.returncode == 1, done.stderr
            assert "sedang dipulihkan atau dibangun ulang oleh proses lain" in done.stderr
            assert "Tidak ada yang diubah" in done.stderr and "Traceback" not in done.stderr
        with pytest.raises(bk.ReplaceBusy):
            bk.restore(folder, loaded)
        assert hashlib.sha256(loaded.read_bytes()).hexdigest() == digest
        assert not (loaded.parent / "backups").exists()
    assert leftovers(loaded.parent) == []        # the holder removed its lock file
    assert cli("--db", str(loaded), "rebuild").returncode == 0


def test_leftovers_of_a_killed_rebuild_are_cleared_by_the_next(loaded):
    stale = loaded.parent / f".{loaded.name}.bangun-ulang-abc123"
    stale.mkdir()
    (stale / loaded.name).write_bytes(b"setengah jadi")
    old = loaded.with_suffix(".rebuild.duckdb")      # the fixed name of earlier versions
    old.write_bytes(b"setengah jadi")
    assert cli("--db", str(loaded), "rebuild").returncode == 0
    assert leftovers(loaded.parent) == []


def test_a_lost_database_is_not_created_empty(loaded, tmp_path):
    loaded.unlink()
    for open_it in (lambda: db.connect(loaded), lambda: db.ensure_database(loaded)):
        with pytest.raises(db.DatabaseMissing, match="tidak ditemukan, padahal jurnal arsip"):
            open_it()
        assert not loaded.exists()
    report = tmp_path / "tw1.xlsx"
    report.write_bytes(masterplan_bytes())
    for args in (["load", str(report)], ["setting", "list"]):
        done = cli("--db", str(loaded), *args)
        assert done.returncode == 1 and "Database kosong tidak dibuat" in done.stderr, done
        assert "python -m etl rebuild" in done.stderr and "Traceback" not in done.stderr
        assert not loaded.exists()
    assert cli("--db", str(loaded), "rebuild").returncode == 0   # the way back
    assert [i for i, _ in loads(loaded)] == [1, 2]


def test_a_new_installation_still_gets_its_database(tmp_path):
    path = tmp_path / "monev.duckdb"
    db.connect(path).close()       # no journal beside it: nothing was lost
    assert path.exists()
    db.archive_root(path).mkdir()
    (db.archive_root(path) / "journal.jsonl").write_bytes(b"")   # an empty journal: no load
    path.unlink()
    db.ensure_database(path)
    assert path.exists()
