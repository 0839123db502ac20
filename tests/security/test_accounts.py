"""Accounts: argon2 hashes, roles, rate limiting, session expiry, audit; loader scoping."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from etl.validate import Expect
from monev import auth
from monev.store import accounts
from tests.helpers import RECEIVED, masterplan_bytes, report_bytes

NOW = datetime(2026, 11, 23, 9, 0)
PASSWORD = "Tuban-Smart-2026"


@pytest.fixture
def users(mp_env):
    accounts.add_user(mp_env.con, "admin.kominfo", "Admin Diskominfo", "admin", PASSWORD,
                      actor="setup", now=NOW)
    accounts.add_user(mp_env.con, "op.dpmd", "Operator DPMD", "operator", PASSWORD,
                      opd_code="DPMD", actor="admin.kominfo", now=NOW)
    accounts.add_user(mp_env.con, "sekda", "Sekretaris Daerah", "pimpinan", PASSWORD,
                      actor="admin.kominfo", now=NOW)
    return mp_env


def test_password_is_stored_only_as_an_argon2_hash(users):
    stored = users.con.execute("SELECT password_hash FROM app_user").fetchall()
    assert all(h.startswith("$argon2id$") and PASSWORD not in h for (h,) in stored)
    everything = repr(users.snapshot())
    assert PASSWORD not in everything  # not in any table, audit detail included


def test_weak_password_and_bad_role_combinations_are_refused(env):
    with pytest.raises(ValueError, match="minimal"):
        accounts.add_user(env.con, "x", "X", "admin", "pendek", actor="t")
    with pytest.raises(ValueError, match="terikat pada satu OPD"):
        accounts.add_user(env.con, "y", "Y", "operator", PASSWORD, actor="t")
    with pytest.raises(ValueError, match="Hanya operator"):
        accounts.add_user(env.con, "z", "Z", "pimpinan", PASSWORD, opd_code="DPMD", actor="t")


@pytest.mark.parametrize(("role", "allowed", "refused"), [
    ("admin", {"view", "upload", "upload_any_opd", "masterplan", "restore", "users",
               "settings", "audit", "meetings", "backup"}, set()),
    ("operator", {"view", "upload"}, {"upload_any_opd", "masterplan", "restore", "users",
                                      "settings", "audit", "meetings", "backup"}),
    ("pimpinan", {"view", "meetings"}, {"upload", "upload_any_opd", "masterplan", "restore",
                                        "users", "settings", "audit", "backup"}),
])
def test_each_role_can_exactly_its_part(role, allowed, refused):
    user = auth.User("u", "U", role, "DPMD" if role == "operator" else None)
    assert all(user.can(p) for p in allowed)
    assert not any(user.can(p) for p in refused)


def test_sign_in_and_rate_limit(users):
    user, message = accounts.sign_in(users.con, "sekda", PASSWORD, now=NOW)
    assert user is not None and user.role == "pimpinan" and message == "Berhasil masuk."
    for i in range(auth.MAX_FAILED):
        user, message = accounts.sign_in(users.con, "op.dpmd", "salah-123456",
                                         now=NOW + timedelta(seconds=i))
        assert user is None and message == "Nama pengguna atau kata sandi salah."
    user, message = accounts.sign_in(users.con, "op.dpmd", PASSWORD,
                                     now=NOW + timedelta(minutes=1))
    assert user is None and message == auth.REFUSED  # held: the same answer as a wrong one
    user, _ = accounts.sign_in(users.con, "op.dpmd", PASSWORD,
                               now=NOW + auth.LOCK_FOR + timedelta(minutes=1))
    assert user is not None and user.opd_code == "DPMD"


def test_unknown_and_inactive_accounts_get_the_same_answer(users):
    accounts.set_user(users.con, "sekda", actor="admin.kominfo", active=False, now=NOW)
    assert accounts.sign_in(users.con, "sekda", PASSWORD, now=NOW)[1] == (
        accounts.sign_in(users.con, "tidak.ada", PASSWORD, now=NOW)[1])


def test_session_expiry():
    start = NOW
    assert not auth.session_expired(start, start + timedelta(minutes=30),
                                    start + timedelta(minutes=40))
    assert auth.session_expired(start, start, start + auth.SESSION_IDLE + timedelta(seconds=1))
    assert auth.session_expired(start, start + timedelta(hours=11, minutes=59),
                                start + auth.SESSION_MAX + timedelta(seconds=1))


def test_a_browser_session_resumes_until_it_ends(users):
    token = accounts.start_session(users.con, "sekda", now=NOW)
    assert token not in repr(users.snapshot())  # only its hash is stored
    assert accounts.resume_session(users.con, "another-token", now=NOW) is None
    user, signed_in_at = accounts.resume_session(users.con, token,
                                                 now=NOW + timedelta(minutes=5))
    assert (user.username, user.role, signed_in_at) == ("sekda", "pimpinan", NOW)
    accounts.end_session(users.con, token, now=NOW + timedelta(minutes=6))
    assert accounts.resume_session(users.con, token, now=NOW + timedelta(minutes=7)) is None


def test_a_browser_session_expires_like_the_app_session(users):
    idle = accounts.start_session(users.con, "sekda", now=NOW)
    busy = accounts.start_session(users.con, "sekda", now=NOW)
    seen = NOW
    while seen + auth.SESSION_IDLE < NOW + auth.SESSION_MAX:  # used every 2 hours less a minute
        seen += auth.SESSION_IDLE - timedelta(minutes=1)
        assert accounts.resume_session(users.con, busy, now=seen) is not None
    assert accounts.resume_session(users.con, busy, now=NOW + auth.SESSION_MAX
                                   + timedelta(seconds=1)) is None
    assert accounts.resume_session(users.con, idle, now=NOW + auth.SESSION_IDLE
                                   + timedelta(seconds=1)) is None
    ended = users.con.execute("SELECT count(*) FROM web_session WHERE ended_at IS NOT NULL"
                              ).fetchone()[0]
    assert ended == 2
    accounts.start_session(users.con, "sekda", now=NOW + auth.SESSION_MAX)
    assert users.con.execute("SELECT count(*) FROM web_session").fetchone()[0] == 1


def test_a_browser_session_follows_the_account(users):
    token = accounts.start_session(users.con, "op.dpmd", now=NOW)
    accounts.set_user(users.con, "op.dpmd", actor="admin.kominfo", role="pimpinan", now=NOW)
    user, _ = accounts.resume_session(users.con, token, now=NOW)
    assert (user.role, user.opd_code) == ("pimpinan", None)
    accounts.set_user(users.con, "op.dpmd", actor="admin.kominfo", active=False, now=NOW)
    assert accounts.resume_session(users.con, token, now=NOW) is None
    accounts.set_user(users.con, "op.dpmd", actor="admin.kominfo", active=True, now=NOW)
    assert accounts.resume_session(users.con, token, now=NOW) is None  # ended for good


def test_a_new_password_ends_the_browser_sessions(users):
    mine = accounts.start_session(users.con, "sekda", now=NOW)
    other = accounts.start_session(users.con, "op.dpmd", now=NOW)
    accounts.set_user(users.con, "sekda", actor="admin.kominfo", password="Sandi-Baru-2026",
                      now=NOW)
    assert accounts.resume_session(users.con, mine, now=NOW) is None
    assert accounts.resume_session(users.con, other, now=NOW) is not None


def test_sessions_reach_a_database_made_before_they_were_kept(users):
    users.con.execute("DROP TABLE web_session")
    users.con.execute("UPDATE schema_info SET digest = 'older'")
    token = accounts.start_session(users.con, "sekda", now=NOW)
    assert accounts.resume_session(users.con, token, now=NOW)[0].username == "sekda"


def test_audit_records_each_action_kind(users):
    accounts.sign_in(users.con, "sekda", PASSWORD, now=NOW)
    accounts.sign_in(users.con, "sekda", "keliru-12345", now=NOW)
    accounts.set_user(users.con, "op.dpmd", actor="admin.kominfo", password="Baru-Sandi-2026",
                      now=NOW)
    accounts.audit(users.con, "admin.kominfo", "settings_change", "rawan_window_days",
                   {"old": 60, "new": 45}, now=NOW)
    users.load(b"bukan excel", "x.xlsx")
    trail = accounts.audit_trail(users.con)
    assert {"user_add", "sign_in", "sign_in_failed", "user_change", "settings_change", "load",
            "reject"} <= set(trail["action"])
    change = trail[trail["action"] == "user_change"].iloc[0]
    assert change["actor"] == "admin.kominfo" and "Baru-Sandi" not in change["detail"]


def test_operator_upload_for_another_opd_is_refused_by_the_loader(users):
    data = report_bytes(users.con, "KOMINFO", 2025, 1,
                        {"realisasi": {"GOV-01.1": {"realisasi": 5}}})
    result = users.load(data, "kominfo.xlsx", expect=Expect(opd_scope="DPMD"), actor="op.dpmd")
    assert result.status == "rejected"
    assert any(i.check == "di_luar_wewenang" and "hanya untuk OPD DPMD" in i.text()
               for i in result.issues)
    own = report_bytes(users.con, "DPMD", 2025, 1, {"realisasi": {"SOC-01.1": {"realisasi": 25}}})
    assert users.load(own, "dpmd.xlsx", expect=Expect(opd_scope="DPMD"),
                      actor="op.dpmd").status == "loaded"


def test_operator_cannot_upload_a_masterplan(users):
    result = users.load(masterplan_bytes(), "mp2.xlsx", expect=Expect(opd_scope="DPMD"),
                        actor="op.dpmd")
    assert result.status == "rejected"
    assert "tidak boleh mengunggah masterplan" in result.issues[0].message


def test_operator_cannot_restore_another_opd_report_by_uploading_its_old_bytes(users):
    first = report_bytes(users.con, "KOMINFO", 2025, 1,
                         {"realisasi": {"GOV-01.1": {"realisasi": 5}}})
    users.load(first, "v1.xlsx", received_on=RECEIVED)
    users.load(report_bytes(users.con, "KOMINFO", 2025, 1,
                            {"realisasi": {"GOV-01.1": {"realisasi": 7}}}), "v2.xlsx",
               received_on=RECEIVED)
    result = users.load(first, "v1.xlsx", expect=Expect(opd_scope="DPMD"), actor="op.dpmd")
    assert result.status == "rejected"
    active = users.con.execute("SELECT r.value FROM realisation r JOIN active_load USING "
                               "(load_id) WHERE indicator_code = 'GOV-01.1'").fetchall()
    assert active == [(7.0,)]
