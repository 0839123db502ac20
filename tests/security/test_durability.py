"""Durability: a load killed mid-transaction leaves the previous state; backup and restore;
concurrent loads wait for each other instead of failing."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb

from etl.backup import backup, restore, table_rows
from etl.load import load_paths
from monev.store import db
from tests.helpers import RECEIVED, REGION, masterplan_bytes, report_bytes

ROOT = Path(__file__).resolve().parents[2]


def _cli(*args: str, db_path: Path, extra_env: dict | None = None) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MONEV_DB": str(db_path),
           "MONEV_USER": "admin.uji", **(extra_env or {})}
    return subprocess.Popen([sys.executable, "-m", "etl", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _content(path: Path) -> dict:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {t: sorted(map(repr, con.execute(f"SELECT * FROM {t}").fetchall()))
                for t in ("load", "load_activation", "load_event", "realisation", "budget")}
    finally:
        con.close()


def _report_file(mp_env, tmp_path: Path, value: float, name: str) -> Path:
    path = tmp_path / name
    path.write_bytes(report_bytes(mp_env.con, "KOMINFO", 2025, 1,
                                  {"realisasi": {"GOV-01.1": {"realisasi": value}}}))
    return path


def test_killed_load_leaves_the_previous_state(mp_env, tmp_path):
    first = _report_file(mp_env, tmp_path, 5, "v1.xlsx")
    second = _report_file(mp_env, tmp_path, 9, "v2.xlsx")
    assert mp_env.load(first.read_bytes(), "v1.xlsx", received_on=RECEIVED).status == "loaded"
    mp_env.close()
    before = _content(mp_env.path)
    marker = tmp_path / "inside-transaction"
    proc = _cli("load", str(second), "--received", RECEIVED.isoformat(), db_path=mp_env.path,
                extra_env={"MONEV_FAULT_PAUSE": str(marker)})
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "loader never reached its transaction"
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert _content(mp_env.path) == before          # opens, and holds the previous state
    con = duckdb.connect(str(mp_env.path), read_only=True)
    value = con.execute("SELECT r.value FROM realisation r JOIN active_load USING (load_id) "
                        "WHERE indicator_code = 'GOV-01.1'").fetchall()
    con.close()
    assert value == [(5.0,)]


def test_backup_and_restore_the_whole_database(mp_env, tmp_path):
    mp_env.load(_report_file(mp_env, tmp_path, 5, "v1.xlsx").read_bytes(), "v1.xlsx",
                received_on=RECEIVED)
    mp_env.close()
    snapshot = tmp_path / "snapshot.duckdb"
    folder = backup(mp_env.path, tmp_path / "cadangan")
    shutil.copy(mp_env.path, snapshot)
    # damage: the database file is lost
    mp_env.path.unlink()
    counts = restore(folder, mp_env.path).counts
    assert counts["load"] == 2 and counts["realisation"] == 1
    assert table_rows(mp_env.path) == table_rows(snapshot)
    assert (db.archive_root(mp_env.path) / "journal.jsonl").exists()


def test_backup_command_and_restore_command(tmp_path):
    path = tmp_path / "cli.duckdb"
    mp = tmp_path / "mp.xlsx"
    mp.write_bytes(masterplan_bytes())
    assert load_paths(path, [mp], actor="admin")[0].status == "loaded"
    out = tmp_path / "cadangan"
    done = _cli("backup", "--out", str(out), db_path=path)
    assert done.wait(60) == 0, done.communicate()
    path.unlink()
    back = _cli("restore", str(out), db_path=path)
    assert back.wait(60) == 0, back.communicate()
    con = duckdb.connect(str(path), read_only=True)
    assert con.execute("SELECT count(*) FROM program WHERE region_code = ?",
                       [REGION]).fetchone()[0] == 2
    actions = {a for (a,) in con.execute("SELECT action FROM audit_event").fetchall()}
    con.close()
    assert {"backup", "restore_backup"} <= actions


def test_two_loads_at_once_and_a_cli_load_all_succeed(mp_env, tmp_path):
    files = [_report_file(mp_env, tmp_path, v, f"r{v}.xlsx") for v in (1, 2)]
    dpmd = tmp_path / "dpmd.xlsx"
    dpmd.write_bytes(report_bytes(mp_env.con, "DPMD", 2025, 1,
                                  {"realisasi": {"SOC-01.1": {"realisasi": 30}}}))
    mp_env.close()
    results: list = []

    def upload(path: Path) -> None:
        results.extend(load_paths(mp_env.path, [path], actor="app", received_on=RECEIVED))

    cli = _cli("load", str(dpmd), "--received", RECEIVED.isoformat(), db_path=mp_env.path)
    threads = [threading.Thread(target=upload, args=(f,)) for f in files]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    out, err = cli.communicate(timeout=120)
    assert cli.returncode == 0, out + err
    assert sorted(r.status for r in results) == ["loaded", "loaded"]
    con = duckdb.connect(str(mp_env.path), read_only=True)
    loads = con.execute("SELECT count(*) FROM load WHERE kind = 'laporan'").fetchone()[0]
    active = con.execute("SELECT count(*) FROM active_load WHERE kind = 'laporan'"
                         ).fetchone()[0]
    con.close()
    assert loads == 3 and active == 2   # one KOMINFO TW I superseded the other
