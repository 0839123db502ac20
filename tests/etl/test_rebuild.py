"""Rebuild and restore lose nothing: what the archive journal does not hold (accounts, rule
settings, meetings, follow-ups, the audit trail, rejected attempts) is carried over, from the
replaced file or from a backup, and the replaced database and journal are set aside."""

from __future__ import annotations

import json
import os
import pwd
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from etl.backup import backup, restore, table_rows
from etl.rebuild import (
    HISTORY_TABLES,
    KEPT_TABLES,
    LOAD_TABLES,
    RebuildRefused,
    rebuild,
    report,
)
from monev.engine.meeting import current_rules
from monev.store import accounts, db, lineage, rule_settings
from monev.store import meetings as store
from tests.helpers import RECEIVED, REGION, Env, report_bytes

ROOT = Path(__file__).resolve().parents[2]
T1 = datetime(2025, 4, 7, 10, 0)
T2 = datetime(2025, 4, 9, 10, 0)
T3 = datetime(2025, 4, 12, 9, 0)
REBUILT_AT = datetime(2025, 5, 1, 8, 0)


def _report(env: Env, value: float) -> bytes:
    return report_bytes(env.con, "KOMINFO", 2025, 1,
                        {"realisasi": {"GOV-01.1": {"realisasi": value}}})


def _value(path: Path) -> float | None:
    con = duckdb.connect(str(path), read_only=True)
    try:
        rows = con.execute("SELECT r.value FROM realisation r JOIN active_load USING (load_id) "
                           "WHERE indicator_code = 'GOV-01.1'").fetchall()
    finally:
        con.close()
    return rows[0][0] if rows else None


def _lived_in(env: Env) -> None:
    """What a working installation holds besides its loads: a correction that superseded a
    report, a rejected upload, an account, a regency's setting, a meeting with a follow-up,
    a sign-in with its session."""
    assert env.load(_report(env, 5), "tw1.xlsx", at=T1, received_on=RECEIVED).status == "loaded"
    assert env.load(_report(env, 8), "tw1-revisi.xlsx", at=T2,
                    received_on=RECEIVED).status == "loaded"
    assert env.load(b"bukan workbook", "rusak.xlsx", at=T2).status == "rejected"
    accounts.add_user(env.con, "kominfo.ops", "Operator Kominfo", "operator",
                      "sandi-yang-panjang-1", opd_code="KOMINFO", actor="admin", now=T1)
    rule_settings.change(env.con, REGION, {"report_due_working_days": 10}, actor="admin",
                         now=T1)
    meeting = store.create_meeting(env.con, REGION, 2025, 1, title="Rapat Evaluasi TW I",
                                   actor="admin", rules=current_rules(env.con, REGION),
                                   cutoff=T2, now=T2)
    store.add_followup(env.con, meeting.meeting_id, item_label="GOV-01", decision="Ganti server",
                       actor="admin", opd_code="KOMINFO", due_date=date(2025, 6, 30), now=T2)
    assert accounts.sign_in(env.con, "kominfo.ops", "sandi-yang-panjang-1", now=T2)
    accounts.start_session(env.con, "kominfo.ops", now=T2)


def test_a_rebuild_keeps_everything_the_journal_does_not_hold(mp_env):
    _lived_in(mp_env)
    mp_env.close()
    before = table_rows(mp_env.path)

    done = rebuild(mp_env.path, actor="admin.uji", now=REBUILT_AT)

    after = table_rows(mp_env.path)
    assert set(after) == set(before)
    assert {t for t in before if after[t] != before[t]} == {"audit_event"}
    added = [r for r in after["audit_event"] if r not in before["audit_event"]]
    assert len(after["audit_event"]) == len(before["audit_event"]) + 1
    assert "'admin.uji', 'rebuild'" in added[0] and "2025, 5, 1, 8, 0" in added[0]
    assert done.source == "database" and done.history_carried
    assert {t: done.carried[t] for t in ("app_user", "setting", "meeting", "followup")} == {
        "app_user": 1, "setting": 1, "meeting": 1, "followup": 1}
    # the replaced file is kept, unchanged, in backups/ beside the database
    assert done.kept_as == (mp_env.path.parent / "backups"
                            / f"{mp_env.path.stem}-sebelum-bangun-ulang-20250501-080000.duckdb")
    assert table_rows(done.kept_as) == before
    lines, warnings = report(done)
    assert warnings == []
    assert ("Dibawa dari database lama: 1 akun, 1 sesi masuk, 1 pengaturan, 1 rapat, "
            "1 tindak lanjut") in lines[1]
    assert lines[2] == "Riwayat unggah dibawa utuh, termasuk percobaan yang ditolak."


def test_a_damaged_database_is_kept_and_a_backup_gives_back_the_rest(mp_env, tmp_path):
    _lived_in(mp_env)
    mp_env.close()
    folder = backup(mp_env.path, tmp_path / "cadangan")
    later = Env(mp_env.path)                 # a report arrives after the backup
    assert later.load(_report(later, 13), "tw1-revisi-2.xlsx", at=T3,
                      received_on=RECEIVED).status == "loaded"
    later_id = later.con.execute("SELECT max(load_id) FROM load").fetchone()[0]
    later.close()
    damaged = b"\x00rusak" * 5000
    mp_env.path.write_bytes(damaged)

    first = rebuild(mp_env.path, actor="admin.uji", now=REBUILT_AT)
    assert first.source is None and first.unreadable
    assert first.kept_as.read_bytes() == damaged       # never deleted, never overwritten
    assert _value(mp_env.path) == 13                  # every load is back from the journal
    lines, warnings = report(first)
    assert "database lama tidak dapat dibaca" in warnings[0]
    assert "--backup FOLDER" in warnings[0]

    second = rebuild(mp_env.path, backup_dir=folder, actor="admin.uji",
                     now=datetime(2025, 5, 1, 8, 5))
    assert second.source == "backup"
    assert second.only_replayed == [later_id] and second.only_before == []
    assert not second.history_carried
    assert _value(mp_env.path) == 13
    con = duckdb.connect(str(mp_env.path), read_only=True)
    try:
        assert con.execute("SELECT username FROM app_user").fetchall() == [("kominfo.ops",)]
        assert con.execute("SELECT region_code, name, value_json FROM setting").fetchall() == [
            (REGION, "report_due_working_days", "10")]
        assert con.execute("SELECT decision FROM followup").fetchall() == [("Ganti server",)]
        assert con.execute("SELECT count(*) FROM load_event WHERE action = 'load'"
                           ).fetchone()[0] == 4
        rebuilds = con.execute("SELECT actor, detail FROM audit_event WHERE action = 'rebuild'"
                               ).fetchall()
    finally:
        con.close()
    assert rebuilds == [("admin.uji", json.dumps({"diputar_ulang": 4, "sumber": "backup"}))]
    lines, warnings = report(second)
    assert warnings == []
    assert lines[1].startswith("Dibawa dari cadangan: 1 akun")
    assert f"hanya di jurnal (#{later_id})" in lines[2]


def test_a_rebuild_that_would_lose_a_load_is_refused_and_changes_nothing(mp_env):
    """A load missing from the journal (a crash between COMMIT and the journal) is put back
    from the database (tests/security/test_journal_recovery.py), unless its archived file
    is gone too: then the rebuild would lose it, and is refused."""
    _lived_in(mp_env)
    mp_env.close()
    journal = db.archive_root(mp_env.path) / "journal.jsonl"
    entries = journal.read_text(encoding="utf-8").splitlines(keepends=True)
    lost = json.loads(entries[-1])["load_id"]  # e.g. a crash between COMMIT and the journal
    journal.write_text("".join(entries[:-1]), encoding="utf-8")
    (db.archive_root(mp_env.path) / json.loads(entries[-1])["archive_path"]).unlink()
    before = mp_env.path.read_bytes()

    with pytest.raises(RebuildRefused, match=rf"tidak ada di jurnal arsip \(#{lost}\)"):
        rebuild(mp_env.path, actor="admin.uji", now=REBUILT_AT)

    assert mp_env.path.read_bytes() == before
    assert sorted(p.name for p in mp_env.path.parent.iterdir()) == ["archive", "monev.duckdb"]


def test_an_unreadable_table_keeps_the_replay_and_says_so(mp_env, monkeypatch):
    _lived_in(mp_env)
    mp_env.close()
    monkeypatch.setattr("etl.rebuild.KEPT_TABLES", (*KEPT_TABLES, "tabel_hilang"))

    done = rebuild(mp_env.path, actor="admin.uji", now=REBUILT_AT)

    assert done.source is None and "tabel_hilang" in done.unreadable
    con = duckdb.connect(str(mp_env.path), read_only=True)
    try:  # all or nothing: no account was carried before the failing table
        assert con.execute("SELECT count(*) FROM app_user").fetchone()[0] == 0
    finally:
        con.close()
    assert _value(mp_env.path) == 8
    assert _value(done.kept_as) == 8


def test_restore_sets_the_replaced_database_and_journal_aside(mp_env, tmp_path):
    assert mp_env.load(_report(mp_env, 5), "tw1.xlsx", at=T1,
                       received_on=RECEIVED).status == "loaded"
    mp_env.close()
    folder = backup(mp_env.path, tmp_path / "cadangan")
    later = Env(mp_env.path)
    assert later.load(_report(later, 8), "tw1-revisi.xlsx", at=T2,
                      received_on=RECEIVED).status == "loaded"
    newer_file = db.archive_root(mp_env.path) / later.con.execute(
        "SELECT archive_path FROM load ORDER BY load_id DESC LIMIT 1").fetchone()[0]
    later.close()
    journal = db.archive_root(mp_env.path) / "journal.jsonl"
    journal_before = journal.read_bytes()

    done = restore(folder, mp_env.path, now=REBUILT_AT)

    assert _value(mp_env.path) == 5                  # back to the backup
    assert _value(done.kept_as) == 8                 # the replaced database is kept
    assert done.journal_kept_as.read_bytes() == journal_before
    assert newer_file.exists()                       # the newer upload stays archived
    assert journal.read_bytes() == (folder / "archive" / "journal.jsonl").read_bytes()
    assert done.counts["load"] == 2


def _cli(*args: str, db_path: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MONEV_DB": str(db_path),
           "MONEV_USER": "admin.uji"}
    return subprocess.run([sys.executable, "-m", "etl", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_rebuild_command_reports_what_it_kept(mp_env, tmp_path):
    _lived_in(mp_env)
    mp_env.close()
    wrong = _cli("rebuild", "--backup", str(tmp_path / "bukan-cadangan"), db_path=mp_env.path)
    assert wrong.returncode == 1 and "bukan folder cadangan" in wrong.stderr
    assert not (mp_env.path.parent / "backups").exists()   # refused before any work

    done = _cli("rebuild", db_path=mp_env.path)

    assert done.returncode == 0, done.stderr
    assert "Dibawa dari database lama: 1 akun" in done.stdout
    assert "Database lama disimpan sebagai" in done.stdout and done.stderr == ""
    con = duckdb.connect(str(mp_env.path), read_only=True)
    try:
        os_user = pwd.getpwuid(os.getuid()).pw_name   # the CLI records it beside the name
        assert con.execute("SELECT actor FROM audit_event WHERE action = 'rebuild'"
                           ).fetchall() == [(f"admin.uji (CLI, pengguna OS: {os_user})",)]
    finally:
        con.close()


def test_every_table_is_seeded_replayed_derived_or_kept(tmp_path):
    """A new table must say how a rebuild treats it, or a rebuild would empty it."""
    path = tmp_path / "skema.duckdb"
    db.ensure_database(path)
    con = duckdb.connect(str(path), read_only=True)
    names = {t for (t,) in con.execute("SELECT table_name FROM information_schema.tables "
                                       "WHERE table_type = 'BASE TABLE'").fetchall()}
    con.close()
    seeded = {t for t in names if t.startswith("ref_")} | {"dimension", "sub_dimension",
                                                           "schema_info"}
    derived = {t for t in names if t.startswith("cur_")}
    assert names - seeded - derived - set(lineage.FACT_TABLES) - set(LOAD_TABLES) \
        - set(HISTORY_TABLES) - set(KEPT_TABLES) == set()
