"""The command line: exit codes 0 loaded, 1 rejected, 2 usage; dry run; templates; MONEV_DB."""

from __future__ import annotations

import os
import pwd
import subprocess
import sys
from pathlib import Path

import duckdb

from tests.helpers import masterplan_bytes

ROOT = Path(__file__).resolve().parents[2]
OS_USER = pwd.getpwuid(os.getuid()).pw_name  # the account the tests (and so the CLI) run as


def run(*args: str, db: Path | None = None, env_user: str | None = "operator.uji",
        stdin: str | None = None, **extra_env: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), **extra_env}
    env.pop("MONEV_USER", None)
    if env_user:
        env["MONEV_USER"] = env_user
    if db:
        env["MONEV_DB"] = str(db)
    return subprocess.run([sys.executable, "-m", "etl", *args], cwd=ROOT, env=env, input=stdin,
                          capture_output=True, text=True, timeout=120)


def test_load_template_and_exit_codes(tmp_path):
    db = tmp_path / "cli.duckdb"
    mp = tmp_path / "masterplan.xlsx"
    mp.write_bytes(masterplan_bytes())

    dry = run("load", str(mp), "--dry-run", db=db)
    assert dry.returncode == 0, dry.stderr
    assert "Uji coba" in dry.stdout
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*) FROM load").fetchone()[0] == 0
    con.close()

    done = run("load", str(mp), db=db)
    assert done.returncode == 0, done.stderr
    assert "Berhasil memuat masterplan" in done.stdout
    again = run("load", str(mp), db=db)
    assert again.returncode == 0 and "identik" in again.stdout

    bad = tmp_path / "rusak.xlsx"
    bad.write_bytes(b"bukan spreadsheet")
    rejected = run("load", str(bad), db=db)
    assert rejected.returncode == 1
    assert "bukan spreadsheet" in rejected.stdout

    out = tmp_path / "lap.xlsx"
    tpl = run("template", "--opd", "KOMINFO", "--tahun", "2025", "--tw", "II", "-o", str(out),
              db=db)
    assert tpl.returncode == 0, tpl.stderr
    assert out.exists() and out.stat().st_size > 5000

    usage = run("load", db=db)
    assert usage.returncode == 2
    hist = run("history", db=db)
    assert "masterplan.xlsx" in hist.stdout and "operator.uji" in hist.stdout

    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT uploaded_by FROM load").fetchall() == [
        (f"operator.uji (CLI, pengguna OS: {OS_USER})",)]
    con.close()


def test_db_option_overrides_environment(tmp_path):
    mp = tmp_path / "masterplan.xlsx"
    mp.write_bytes(masterplan_bytes())
    explicit = tmp_path / "lain.duckdb"
    done = run("--db", str(explicit), "load", str(mp), db=tmp_path / "env.duckdb")
    assert done.returncode == 0, done.stderr
    assert explicit.exists() and not (tmp_path / "env.duckdb").exists()


def test_the_audit_trail_names_the_os_user_beside_any_name_given(tmp_path):
    """--user and $MONEV_USER accept any name: the OS account (from the process's uid, not
    from $USER or $LOGNAME) is recorded beside it; without a name the OS account alone."""
    db = tmp_path / "audit.duckdb"
    spoofed = {"USER": "admin.palsu", "LOGNAME": "admin.palsu"}
    named = run("--user", "admin.kominfo", "user", "add", "sekda", "--role", "pimpinan",
                "--nama", "Sekda Uji", "--password-stdin", db=db, stdin="Sandi-Uji-2026\n",
                **spoofed)
    assert named.returncode == 0, named.stderr
    by_env = run("user", "set", "sekda", "--aktif", "tidak", db=db, env_user="operator.uji",
                 **spoofed)
    assert by_env.returncode == 0, by_env.stderr
    plain = run("user", "set", "sekda", "--aktif", "ya", db=db, env_user=None, **spoofed)
    assert plain.returncode == 0, plain.stderr

    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute("SELECT actor, action FROM audit_event ORDER BY audit_id").fetchall()
        created_by = con.execute("SELECT created_by FROM app_user WHERE username = 'sekda'"
                                 ).fetchone()[0]
    finally:
        con.close()
    assert rows == [(f"admin.kominfo (CLI, pengguna OS: {OS_USER})", "user_add"),
                    (f"operator.uji (CLI, pengguna OS: {OS_USER})", "user_change"),
                    (OS_USER, "user_change")]
    assert created_by == f"admin.kominfo (CLI, pengguna OS: {OS_USER})"
    audit = run("audit", db=db)
    assert f"admin.kominfo (CLI, pengguna OS: {OS_USER})" in audit.stdout
