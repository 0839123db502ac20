"""Sign-in attacks at the function level (issue "hardening", item 10): nobody can keep an
account out by failing on purpose, unknown names get the same answer after the same work,
sources that keep failing wait, and a flood of failures stays a few audit rows."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from monev import auth
from monev.store import accounts

NOW = datetime(2026, 11, 23, 9, 0)
PASSWORD = "Tuban-Smart-2026"
ATTACKER = "203.0.113.66"
OFFICE = "10.20.0.7"


@pytest.fixture
def people(env):
    accounts.add_user(env.con, "admin.kominfo", "Admin Diskominfo", "admin", PASSWORD,
                      actor="setup", now=NOW)
    accounts.add_user(env.con, "sekda", "Sekretaris Daerah", "pimpinan", PASSWORD,
                      actor="setup", now=NOW)
    return env


@pytest.fixture
def verifies(monkeypatch) -> list[str]:
    """Every argon2 verify the sign-in runs (the hash verified against, in order)."""
    calls: list[str] = []
    real = auth.verify_password

    def counted(stored_hash: str, password: str) -> bool:
        calls.append(stored_hash)
        return real(stored_hash, password)

    monkeypatch.setattr(auth, "verify_password", counted)
    return calls


def _try(env, name: str, password: str, at: datetime, source: str):
    return accounts.sign_in(env.con, name, password, now=at, source=source)


def _audit_rows(env) -> int:
    return env.con.execute("SELECT count(*) FROM audit_event").fetchone()[0]


def test_failures_from_one_source_never_keep_the_admin_out_of_another(people):
    at = NOW
    for cycle in range(3):  # locked again every 15 minutes, as the attack in the issue did
        at += auth.LOCK_FOR + timedelta(minutes=1)
        for _ in range(auth.MAX_FAILED + 2):
            at += timedelta(seconds=5)
            assert _try(people, "admin.kominfo", "tebakan-123", at, ATTACKER) == (
                None, auth.REFUSED)
        locked_until = people.con.execute("SELECT locked_until FROM app_user WHERE username "
                                          "= 'admin.kominfo'").fetchone()[0]
        assert auth.is_locked(locked_until, at)
        # the attacker's source is held off, even with the right password ...
        assert _try(people, "admin.kominfo", PASSWORD, at, ATTACKER) == (None, auth.REFUSED)
        # ... the admin from the office is not
        user, message = _try(people, "admin.kominfo", PASSWORD, at, OFFICE)
        assert user is not None and user.role == "admin", (cycle, message)


def test_a_locked_account_gives_each_new_source_one_try(people):
    at = NOW
    sources = [f"198.51.100.{i}" for i in range(auth.MAX_FAILED)]
    for source in sources:  # five places, one failure each: the account locks
        at += timedelta(seconds=1)
        _try(people, "sekda", "tebakan-123", at, source)
    row = people.con.execute("SELECT locked_until FROM app_user WHERE username = 'sekda'"
                             ).fetchone()
    assert auth.is_locked(row[0], at)
    for source in sources:  # every place that failed is held off, right password or not
        assert _try(people, "sekda", PASSWORD, at, source)[0] is None
    fresh = "198.51.100.99"
    assert _try(people, "sekda", "tebakan-456", at, fresh)[0] is None  # its one try
    assert _try(people, "sekda", PASSWORD, at, fresh)[0] is None       # then held off
    assert _try(people, "sekda", PASSWORD, at, OFFICE)[0] is not None  # a clean place
    later = at + auth.LOCK_FOR + timedelta(seconds=1)
    assert _try(people, "sekda", PASSWORD, later, sources[0])[0] is not None


def test_unknown_names_get_the_same_answer_after_the_same_work(people, verifies):
    accounts.add_user(people.con, "mantan", "Mantan Pegawai", "pimpinan", PASSWORD,
                      actor="setup", now=NOW)
    accounts.set_user(people.con, "mantan", actor="setup", active=False, now=NOW)
    answers = {}
    for what, name, password in (("unknown", "tidak.ada", PASSWORD),
                                 ("wrong", "sekda", "tebakan-123"),
                                 ("inactive", "mantan", PASSWORD)):
        before = len(verifies)
        answers[what] = _try(people, name, password, NOW, OFFICE)
        assert len(verifies) == before + 1, what  # exactly one argon2 verify each
    for i in range(auth.MAX_FAILED):  # held off from this source: still one verify
        _try(people, "sekda", "tebakan-123", NOW + timedelta(seconds=i), ATTACKER)
    before = len(verifies)
    answers["locked"] = _try(people, "sekda", PASSWORD, NOW + timedelta(minutes=1), ATTACKER)
    assert len(verifies) == before + 1
    assert set(answers.values()) == {(None, auth.REFUSED)}
    unknown_hash = verifies[0]
    assert unknown_hash == auth.dummy_hash() and unknown_hash.startswith("$argon2id$")
    stored = people.con.execute("SELECT password_hash FROM app_user WHERE username = 'sekda'"
                                ).fetchone()[0]
    assert unknown_hash.split("$")[:4] == stored.split("$")[:4]  # same parameters


def test_a_source_spraying_names_waits_and_costs_no_verify(people, verifies):
    before = _audit_rows(people)
    answers = []
    for i in range(200):
        answers.append(_try(people, f"tebak{i:03d}", "tebakan-123", NOW + timedelta(
            milliseconds=200 * i), ATTACKER)[1])
    waited = [a for a in answers if a != auth.REFUSED]
    assert answers[:auth.SOURCE_FREE] == [auth.REFUSED] * auth.SOURCE_FREE
    assert waited and all(a.startswith("Terlalu banyak percobaan masuk yang gagal dari "
                                       "perangkat ini. Coba lagi dalam ") for a in waited)
    # 40 s of spraying: the ten free tries, then one per doubling wait (2, 4, 8, 16 s)
    tried = len(verifies)
    assert tried == len(answers) - len(waited) <= auth.SOURCE_FREE + 5
    assert _audit_rows(people) - before == 1  # one row counts every unknown name
    user, _ = _try(people, "admin.kominfo", PASSWORD, NOW + timedelta(seconds=41), OFFICE)
    assert user is not None  # another source is not slowed down
    trail = accounts.audit_trail(people.con)
    sprayed = json.loads(trail[trail["action"] == "sign_in_failed"]["detail"].iloc[0])
    assert sprayed["jumlah"] == tried and sprayed["sumber"] == {ATTACKER: tried}
    assert sprayed["ditahan"] == [ATTACKER] and len(sprayed["nama"]) == tried
    signed = trail[trail["action"] == "sign_in"]
    assert signed["actor"].tolist() == ["admin.kominfo"]
    assert json.loads(signed["detail"].iloc[0]) == {"sumber": OFFICE}


def test_many_sources_add_one_row_per_window(people, monkeypatch):
    monkeypatch.setattr(auth, "verify_password", lambda stored, password: False)  # fast
    before = _audit_rows(people)
    for i in range(200):  # a botnet: every try from another address
        _try(people, f"tebak{i:03d}", "x", NOW + timedelta(seconds=i), f"192.0.2.{i % 250}")
    for i in range(40):
        _try(people, "admin.kominfo", "x", NOW + timedelta(seconds=i), f"198.51.100.{i}")
    rows = accounts.audit_trail(people.con, action="sign_in_failed")
    # 200 s of unknown names fit one 15-minute window; so do the admin's 40 failures
    assert _audit_rows(people) - before == 2 and len(rows) == 2
    details = {a: json.loads(d) for a, d in zip(rows["actor"], rows["detail"], strict=True)}
    assert details["-"]["jumlah"] == 200 and details["admin.kominfo"]["jumlah"] == 40
    assert len(details["-"]["sumber"]) == accounts.AUDIT_LISTED
    assert details["-"]["sumber_lain"] == 200 - accounts.AUDIT_LISTED
    assert details["-"]["nama_lain"] == 200 - accounts.AUDIT_LISTED
    # a new window starts a new row
    _try(people, "tebak", "x", NOW + auth.LOCK_FOR + timedelta(minutes=5), "192.0.2.1")
    assert _audit_rows(people) - before == 3


def test_clients_without_an_address_share_one_larger_bucket(people):
    guard = auth.SignInGuard()
    for i in range(auth.SOURCE_FREE_SHARED):
        assert guard.failed(f"n{i}", auth.SHARED_SOURCE, NOW) is None
    assert guard.failed("n", auth.SHARED_SOURCE, NOW) == auth.SOURCE_WAIT_FIRST
    assert guard.source_wait(auth.SHARED_SOURCE, NOW) == auth.SOURCE_WAIT_FIRST
    assert guard.source_wait(OFFICE, NOW) is None
    assert guard.source_wait(auth.SHARED_SOURCE, NOW + auth.SOURCE_WAIT_FIRST) is None


def test_waits_double_up_to_a_cap_and_end_with_the_window():
    guard = auth.SignInGuard()
    waits = [guard.failed(f"n{i}", ATTACKER, NOW + timedelta(seconds=i))
             for i in range(auth.SOURCE_FREE + 12)]
    assert waits[:auth.SOURCE_FREE] == [None] * auth.SOURCE_FREE
    assert [w.total_seconds() for w in waits[auth.SOURCE_FREE:]] == [
        2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300, 300]
    last = NOW + timedelta(seconds=auth.SOURCE_FREE + 11)
    assert guard.source_wait(ATTACKER, last + timedelta(seconds=299)) == timedelta(seconds=1)
    assert guard.source_wait(ATTACKER, last + auth.SOURCE_WAIT_MAX) is None
    assert guard.failed("n", ATTACKER, NOW + timedelta(hours=1)) is None  # window passed


def test_the_guard_forgets_the_oldest_when_full():
    guard = auth.SignInGuard(max_entries=100)
    for i in range(1000):
        guard.failed("x", f"10.0.{i // 250}.{i % 250}", NOW)
    assert len(guard._sources) + len(guard._pairs) <= 100


@pytest.mark.parametrize(("peer", "forwarded", "trusted", "source"), [
    ("203.0.113.5", None, frozenset(), "203.0.113.5"),
    (None, "203.0.113.5", frozenset(), auth.SHARED_SOURCE),             # the machine itself
    ("203.0.113.5", "1.2.3.4", frozenset(), "203.0.113.5"),             # not a trusted proxy
    ("10.0.0.2", "1.2.3.4, 203.0.113.5", frozenset({"10.0.0.2"}), "203.0.113.5"),
    ("10.0.0.2", "203.0.113.5, 10.0.0.3", frozenset({"10.0.0.2", "10.0.0.3"}),
     "203.0.113.5"),                                                     # two proxies
    ("10.0.0.2", "bukan-alamat", frozenset({"10.0.0.2"}), "10.0.0.2"),   # unusable header
    ("10.0.0.2", None, frozenset({"10.0.0.2"}), "10.0.0.2"),
    ("2001:db8::1", None, frozenset(), "2001:db8::1"),
    ("10.0.0.2", "[2001:db8::7]:5000", frozenset({"10.0.0.2"}), "2001:db8::7"),
    ("bukan-alamat", None, frozenset(), auth.SHARED_SOURCE),
])
def test_the_source_is_the_client_address(peer, forwarded, trusted, source):
    assert auth.client_source(peer, forwarded, trusted) == source


def test_trusted_proxies_come_from_the_environment(monkeypatch):
    monkeypatch.delenv(auth.TRUSTED_PROXIES_ENV, raising=False)
    assert auth.trusted_proxies() == frozenset()
    monkeypatch.setenv(auth.TRUSTED_PROXIES_ENV, " 10.0.0.2, ,10.0.0.3")
    assert auth.trusted_proxies() == {"10.0.0.2", "10.0.0.3"}
