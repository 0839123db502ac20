"""The received date decides lateness: an operator cannot state one, nobody can state one
earlier than the report's first upload or after the upload day, and a stated date is audited
with who stated it (issue "hardening", item 7)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from etl.validate import Expect
from monev.domain.workdays import report_due_date
from monev.engine import AsOf, report_completeness
from monev.store import accounts, facts
from monev.ui.audit_text import detail_text
from tests.helpers import REGION, report_bytes

ROOT = Path(__file__).resolve().parents[2]
DUE = report_due_date(2025, 1)          # 14 April 2025 (Idul Fitri and cuti bersama)
LATE_AT = datetime(2025, 4, 22, 10, 0)  # the operator's first upload, 6 working days late
AGAIN_AT = datetime(2025, 4, 23, 9, 0)
VIEW = AsOf(2025, 1, datetime(2025, 6, 30, 12, 0))
OPERATOR = Expect(opd_scope="DPMD")
PASSWORD = "Tuban-Smart-2026"


def _report(env, value: float) -> bytes:
    return report_bytes(env.con, "DPMD", 2025, 1, {"realisasi": {"SOC-01.1": {"realisasi": value}}})


def _lateness(env) -> tuple[str, date | None, int]:
    """(status, received date lateness counts, submissions) of DPMD's TW I 2025 report."""
    row = report_completeness(env.con, REGION, VIEW).set_index(["opd_code", "tw"]).loc[
        ("DPMD", 1)]
    return row["status"], row["received_on"], int(row["n_submissions"])


def _without_rejections(snapshot: dict) -> dict:
    return {t: rows for t, rows in snapshot.items() if t not in ("load_event", "load_issue")}


@pytest.fixture
def late(mp_env):
    """DPMD's TW I 2025 report, uploaded late by its operator (no date stated)."""
    assert date(2025, 4, 14) == DUE
    first = mp_env.load(_report(mp_env, 25), "dpmd.xlsx", at=LATE_AT, expect=OPERATOR,
                        actor="op.dpmd")
    assert first.status == "loaded", [i.text() for i in first.issues]
    assert _lateness(mp_env) == ("terlambat", date(2025, 4, 22), 1)
    return mp_env


def test_an_operator_cannot_make_a_late_report_on_time_by_re_uploading(late):
    before = late.snapshot()
    again = late.load(_report(late, 26), "dpmd-lagi.xlsx", at=AGAIN_AT, expect=OPERATOR,
                      actor="op.dpmd", received_on=date(2025, 4, 8))
    assert again.status == "rejected"
    assert [(i.check, i.column) for i in again.issues] == [("di_luar_wewenang",
                                                            "Tanggal diterima")]
    assert again.issues[0].message.startswith(
        "Akun operator tidak dapat menyatakan tanggal diterima (08-04-2025)")
    assert _without_rejections(late.snapshot()) == _without_rejections(before)
    assert _lateness(late) == ("terlambat", date(2025, 4, 22), 1)
    # the dry run (the upload page's check) says the same before anything is loaded
    dry = late.load(_report(late, 26), "dpmd-lagi.xlsx", at=AGAIN_AT, expect=OPERATOR,
                    actor="op.dpmd", received_on=date(2025, 4, 8), dry_run=True)
    assert dry.status == "rejected" and dry.issues[0].check == "di_luar_wewenang"
    # without a date the correction loads, received on its upload day: still late
    fixed = late.load(_report(late, 26), "dpmd-lagi.xlsx", at=AGAIN_AT, expect=OPERATOR,
                      actor="op.dpmd")
    assert fixed.status == "loaded" and "dinyatakan" not in fixed.message
    assert _lateness(late) == ("terlambat", date(2025, 4, 22), 2)


def test_an_admin_cannot_state_a_date_before_the_first_upload(late):
    before = late.snapshot()
    for dry_run in (True, False):
        refused = late.load(_report(late, 27), "dpmd-admin.xlsx", at=AGAIN_AT,
                            actor="admin.kominfo", received_on=date(2025, 4, 11),
                            dry_run=dry_run)
        assert refused.status == "rejected"
        assert [i.check for i in refused.issues] == ["tanggal_diterima"]
        assert refused.issues[0].message.startswith(
            "Tanggal diterima 11-04-2025 lebih awal dari tanggal diterima unggahan pertama "
            "laporan ini (22-04-2025).")
    assert _without_rejections(late.snapshot()) == _without_rejections(before)
    assert _lateness(late) == ("terlambat", date(2025, 4, 22), 1)
    assert facts.first_received(late.con, REGION, "DPMD", 2025, 1) == date(2025, 4, 22)
    # the first upload's date itself is allowed, and changes nothing about lateness
    same = late.load(_report(late, 27), "dpmd-admin.xlsx", at=AGAIN_AT, actor="admin.kominfo",
                     received_on=date(2025, 4, 22))
    assert same.status == "loaded"
    assert _lateness(late) == ("terlambat", date(2025, 4, 22), 2)


def test_an_admin_states_a_valid_date_and_the_audit_trail_names_them(mp_env):
    # A report handed in on paper on 10 April, typed into the system on 22 April.
    stated = mp_env.load(_report(mp_env, 25), "dpmd.xlsx", at=LATE_AT, actor="admin.kominfo",
                         received_on=date(2025, 4, 10))
    assert stated.status == "loaded", [i.text() for i in stated.issues]
    assert stated.message.endswith(
        "Tanggal diterima 10-04-2025 dinyatakan oleh admin.kominfo.")
    assert _lateness(mp_env) == ("tepat_waktu", date(2025, 4, 10), 1)
    detail = mp_env.con.execute("SELECT detail FROM load_event WHERE action = 'load' AND "
                                "load_id = ?", [stated.load_id]).fetchone()[0]
    assert json.loads(detail)["dinyatakan_oleh"] == "admin.kominfo"
    assert json.loads(detail)["tanggal_diterima"] == "2025-04-10"
    trail = accounts.audit_trail(mp_env.con, action="load")
    row = trail[trail["target"] == "dpmd.xlsx"].iloc[0]
    assert row["actor"] == "admin.kominfo"
    assert detail_text("load", row["target"], row["detail"]).endswith(
        "tanggal diterima 10-04-2025 dinyatakan oleh admin.kominfo")
    # An operator's later correction keeps the stated date as the one lateness counts.
    fixed = mp_env.load(_report(mp_env, 26), "dpmd-2.xlsx", at=AGAIN_AT, expect=OPERATOR,
                        actor="op.dpmd")
    assert fixed.status == "loaded"
    assert _lateness(mp_env) == ("tepat_waktu", date(2025, 4, 10), 2)
    plain = mp_env.con.execute("SELECT detail FROM load_event WHERE action = 'load' AND "
                               "load_id = ?", [fixed.load_id]).fetchone()[0]
    assert "dinyatakan_oleh" not in json.loads(plain)


def test_a_date_after_the_upload_day_is_refused(mp_env):
    result = mp_env.load(_report(mp_env, 25), "dpmd.xlsx", at=LATE_AT, actor="admin.kominfo",
                         received_on=date(2025, 4, 23))
    assert result.status == "rejected" and result.issues[0].check == "tanggal_diterima"
    assert "belum terjadi (file diunggah 22-04-2025)" in result.issues[0].message
    assert _lateness(mp_env)[0] == "belum_melapor"


def test_the_journal_replays_history_as_recorded(late):
    """A rebuild replays what was loaded before this rule (replay=True): not re-judged."""
    old = late.load(_report(late, 28), "dpmd-lama.xlsx", at=AGAIN_AT, actor="op.dpmd",
                    received_on=date(2025, 4, 8), expect=OPERATOR, replay=True)
    assert old.status == "loaded"


def test_the_cli_statement_is_audited_and_refused_for_an_operator_account(late, tmp_path):
    accounts.add_user(late.con, "op.dpmd", "Operator DPMD", "operator", PASSWORD,
                      opd_code="DPMD", actor="setup")
    accounts.add_user(late.con, "admin.kominfo", "Admin Diskominfo", "admin", PASSWORD,
                      actor="setup")
    path = tmp_path / "dpmd-cli.xlsx"
    path.write_bytes(_report(late, 29))
    late.con.close()

    def run(user: str) -> subprocess.CompletedProcess:
        env = {**os.environ, "MONEV_USER": user, "MONEV_DB": str(late.path),
               "PYTHONPATH": str(ROOT)}
        return subprocess.run([sys.executable, "-m", "etl", "load", str(path), "--received",
                               "2025-04-22", "--at", AGAIN_AT.isoformat()], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=120)

    refused = run("op.dpmd")
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "Akun operator tidak dapat menyatakan tanggal diterima" in refused.stdout
    done = run("admin.kominfo")
    assert done.returncode == 0, done.stdout + done.stderr
    con = duckdb.connect(str(late.path), read_only=True)
    try:
        by, detail = con.execute(
            "SELECT l.uploaded_by, e.detail FROM load l JOIN load_event e USING (load_id) "
            "WHERE e.action = 'load' AND l.file_name = 'dpmd-cli.xlsx'").fetchone()
    finally:
        con.close()
    assert "admin.kominfo" in by and json.loads(detail)["dinyatakan_oleh"] == by
