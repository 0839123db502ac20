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
               "settings", "audit", "meetings"}, set()),
    ("operator", {"view", "upload"}, {"upload_any_opd", "masterplan", "restore", "users",
                                      "settings", "audit", "meetings"}),
    ("pimpinan", {"view", "meetings"}, {"upload", "upload_any_opd", "masterplan", "restore",
                                        "users", "settings", "audit"}),
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
    assert user is None and "dikunci sementara" in message
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
    result = users.load(data, "kominfo.xlsx", received_on=RECEIVED,
                        expect=Expect(opd_scope="DPMD"), actor="op.dpmd")
    assert result.status == "rejected"
    assert any(i.check == "di_luar_wewenang" and "hanya untuk OPD DPMD" in i.text()
               for i in result.issues)
    own = report_bytes(users.con, "DPMD", 2025, 1, {"realisasi": {"SOC-01.1": {"realisasi": 25}}})
    assert users.load(own, "dpmd.xlsx", received_on=RECEIVED, expect=Expect(opd_scope="DPMD"),
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
    result = users.load(first, "v1.xlsx", received_on=RECEIVED,
                        expect=Expect(opd_scope="DPMD"), actor="op.dpmd")
    assert result.status == "rejected"
    active = users.con.execute("SELECT r.value FROM realisation r JOIN active_load USING "
                               "(load_id) WHERE indicator_code = 'GOV-01.1'").fetchall()
    assert active == [(7.0,)]
