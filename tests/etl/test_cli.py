"""The command line: exit codes 0 loaded, 1 rejected, 2 usage; dry run; templates; MONEV_DB."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb

from tests.helpers import masterplan_bytes

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str, db: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "MONEV_USER": "operator.uji", "PYTHONPATH": str(ROOT)}
    if db:
        env["MONEV_DB"] = str(db)
    return subprocess.run([sys.executable, "-m", "etl", *args], cwd=ROOT, env=env,
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
    assert con.execute("SELECT uploaded_by FROM load").fetchall() == [("operator.uji",)]
    con.close()


def test_db_option_overrides_environment(tmp_path):
    mp = tmp_path / "masterplan.xlsx"
    mp.write_bytes(masterplan_bytes())
    explicit = tmp_path / "lain.duckdb"
    done = run("--db", str(explicit), "load", str(mp), db=tmp_path / "env.duckdb")
    assert done.returncode == 0, done.stderr
    assert explicit.exists() and not (tmp_path / "env.duckdb").exists()
