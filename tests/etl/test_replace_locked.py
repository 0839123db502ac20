"""A restore or rebuild never swaps the database under a load that is writing it: it waits for
the writer to finish (and a load that arrives meanwhile writes the new file), or, when the
writer keeps the file, stops having changed nothing; the CLI says so in Bahasa Indonesia."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

import etl.backup
import etl.rebuild
from etl.backup import backup, backups_folder, restore
from etl.cli import main
from etl.rebuild import RebuildRefused, rebuild
from monev.store import db
from tests.helpers import RECEIVED, Env, report_bytes

T1 = datetime(2025, 4, 7, 10, 0)
T2 = datetime(2025, 4, 9, 10, 0)

# Another process writing the database: it opens it read-write, says so, holds it for the
# given seconds, commits one audit row and prints the time it let go.
WRITER = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
print("siap", flush=True)
time.sleep(float(sys.argv[2]))
con.execute("INSERT INTO audit_event VALUES (999999, TIMESTAMP '2025-05-01 08:00:00', "
            "'penulis.lain', 'uji', NULL, NULL)")
con.close()
print(time.time(), flush=True)
"""


@contextmanager
def writer_process(path: Path, seconds: float) -> Iterator[subprocess.Popen]:
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(path), str(seconds)],
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "siap"
        yield proc
    finally:
        proc.kill()
        proc.wait()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _report(env: Env, value: float) -> bytes:
    return report_bytes(env.con, "KOMINFO", 2025, 1,
                        {"realisasi": {"GOV-01.1": {"realisasi": value}}})


@pytest.fixture
def backed_up(mp_env, tmp_path) -> tuple[Path, Path]:
    """A database with one report, its backup, and a later report after the backup."""
    assert mp_env.load(_report(mp_env, 5), "tw1.xlsx", at=T1,
                       received_on=RECEIVED).status == "loaded"
    mp_env.close()
    folder = backup(mp_env.path, tmp_path / "cadangan")
    later = Env(mp_env.path)
    assert later.load(_report(later, 8), "tw1-revisi.xlsx", at=T2,
                      received_on=RECEIVED).status == "loaded"
    later.close()
    return mp_env.path, folder


def nothing_replaced(path: Path, before: str) -> None:
    assert digest(path) == before
    assert not backups_folder(path).exists() or not any(backups_folder(path).iterdir())
    assert not list(path.parent.glob("*.restore.duckdb"))
    assert not list(path.parent.glob("*.rebuild.duckdb"))


def test_a_restore_waits_for_a_writer_and_its_write_is_kept(backed_up):
    path, folder = backed_up
    with writer_process(path, 1.5) as proc:
        done = restore(folder, path)
        finished = time.time()
        released = float(proc.stdout.readline())
    assert finished >= released  # the swap came after the writer let go
    with duckdb.connect(str(done.kept_as), read_only=True) as con:
        assert con.execute("SELECT actor FROM audit_event WHERE audit_id = 999999"
                           ).fetchone() == ("penulis.lain",)


def test_a_restore_stops_unchanged_while_a_writer_keeps_the_file(backed_up, monkeypatch):
    path, folder = backed_up
    monkeypatch.setattr(etl.backup, "LOCK_RETRIES", 1)
    before = digest(path)
    with writer_process(path, 60):
        with pytest.raises(db.DatabaseBusy):
            restore(folder, path)
        nothing_replaced(path, before)


def test_the_cli_says_the_database_is_busy(backed_up, monkeypatch, capsys):
    path, folder = backed_up
    monkeypatch.setattr(etl.backup, "LOCK_RETRIES", 1)
    before = digest(path)
    with writer_process(path, 60):
        assert main(["--db", str(path), "restore", str(folder)]) == 1
        err = capsys.readouterr().err
        assert "sedang dipakai proses lain" in err and "Tidak ada yang diubah" in err
        assert "Traceback" not in err
        assert main(["--db", str(path), "rebuild"]) == 1
        assert "sedang dipakai proses lain" in capsys.readouterr().err
        nothing_replaced(path, before)


def test_a_load_that_arrives_during_a_rebuild_refuses_it(backed_up, monkeypatch):
    path, _ = backed_up
    real_held = etl.rebuild.held
    with duckdb.connect(str(path), read_only=True) as con:
        loads = con.execute("SELECT count(*) FROM load").fetchone()[0]

    @contextmanager
    def a_load_first(*paths: Path):
        # an upload commits after the rebuild read the file, before the guard is taken
        env = Env(path)
        assert env.load(_report(env, 11), "tw1-revisi-2.xlsx", at=T2,
                        received_on=RECEIVED).status == "loaded"
        env.close()
        with real_held(*paths) as cons:
            yield cons

    monkeypatch.setattr(etl.rebuild, "held", a_load_first)
    with pytest.raises(RebuildRefused, match="masuk selama bangun ulang"):
        rebuild(path, actor="admin.uji")
    monkeypatch.undo()
    with duckdb.connect(str(path), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM load").fetchone()[0] == loads + 1
    assert not list(path.parent.glob("*.rebuild.duckdb"))
    assert not backups_folder(path).exists() or not any(backups_folder(path).iterdir())
    assert rebuild(path, actor="admin.uji").replayed == loads + 1  # again: it goes through
