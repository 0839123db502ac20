"""Sign-in attacks through the real app (AppTest), and open tabs that follow their account
(issue "hardening", item 10); the upload page's received date (item 7)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from monev import auth
from monev.store import accounts
from monev.ui import data, session
from tests.app.conftest import (  # noqa: F401 - the app fixtures, for this module
    _clear_streamlit_caches,
    _navigation_mode,
    _signed_in,
    mp_db,
)

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
PASSWORD = "Tuban-Sandi-2026"
ATTACKER = "203.0.113.66"
OFFICE = "10.20.0.7"


@pytest.fixture
def people(mp_db: Path, monkeypatch: pytest.MonkeyPatch) -> Path:  # noqa: F811
    con = duckdb.connect(str(mp_db))
    accounts.add_user(con, "admin.kominfo", "Admin Diskominfo", "admin", PASSWORD, actor="uji")
    accounts.add_user(con, "op.dpmd", "Operator DPMD", "operator", PASSWORD, opd_code="DPMD",
                      actor="uji")
    accounts.add_user(con, "sekda", "Sekretaris Daerah", "pimpinan", PASSWORD, actor="uji")
    con.close()
    now = datetime.now().replace(microsecond=0)
    monkeypatch.setattr(session, "_now", lambda: now)  # a still clock: waits do not run out
    return mp_db


@pytest.fixture
def source(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The client address the sign-in page sees: set ``source[0]``."""
    where = [OFFICE]
    monkeypatch.setattr(session, "_source", lambda: where[0])
    return where


def _form(at: AppTest, username: str, password: str) -> AppTest:
    at.text_input[0].input(username)
    at.text_input[1].input(password)
    return at.button[0].click().run()


def _answer(at: AppTest) -> tuple[list[str], list[str]]:
    return [e.value for e in at.error], [c.value for c in at.caption if c.value == session.HINT]


def _signed_in_as(at: AppTest) -> str | None:
    user = at.session_state.get(session.USER_KEY)
    return user.username if user else None


def _change(path: Path, **change: object) -> None:
    con = duckdb.connect(str(path))
    try:
        accounts.set_user(con, actor="admin.kominfo", **change)  # type: ignore[arg-type]
    finally:
        con.close()


@pytest.mark.signed_out
def test_an_attackers_failures_do_not_keep_the_admin_out(people, source):
    at = AppTest.from_file(APP, default_timeout=60).run()
    source[0] = ATTACKER
    for _ in range(auth.MAX_FAILED):
        at = _form(at, "admin.kominfo", "tebakan-123")
        assert _answer(at) == ([auth.REFUSED], [session.HINT])
    at = _form(at, "admin.kominfo", PASSWORD)  # held off from the attacker's address
    assert _answer(at)[0] == [auth.REFUSED] and _signed_in_as(at) is None
    con = duckdb.connect(str(people), read_only=True)
    locked_until = con.execute("SELECT locked_until FROM app_user WHERE username = "
                               "'admin.kominfo'").fetchone()[0]
    con.close()
    assert locked_until is not None  # the account is locked ...
    admin = AppTest.from_file(APP, default_timeout=60).run()
    source[0] = OFFICE
    admin = _form(admin, "admin.kominfo", PASSWORD)  # ... and the admin still signs in
    assert not admin.error and _signed_in_as(admin) == "admin.kominfo"


@pytest.mark.signed_out
def test_an_unknown_name_is_answered_like_a_wrong_password(people, source, monkeypatch):
    verified: list[str] = []
    real = auth.verify_password
    monkeypatch.setattr(auth, "verify_password",
                        lambda stored, password: verified.append(stored) or real(stored,
                                                                                  password))
    at = AppTest.from_file(APP, default_timeout=60).run()
    at = _form(at, "tidak.ada", PASSWORD)
    unknown = _answer(at)
    assert len(verified) == 1
    at = _form(at, "sekda", "tebakan-123")
    assert _answer(at) == unknown == ([auth.REFUSED], [session.HINT])
    assert len(verified) == 2  # argon2 ran for both


@pytest.mark.signed_out
def test_spraying_names_waits_and_the_admin_sign_in_stays_findable(people, source):
    at = AppTest.from_file(APP, default_timeout=60).run()
    source[0] = ATTACKER
    con = duckdb.connect(str(people), read_only=True)
    rows_before = con.execute("SELECT count(*) FROM audit_event").fetchone()[0]
    con.close()
    answers = [_answer(_form(at, f"tebak{i:02d}", "tebakan-123"))[0][0]
               for i in range(auth.SOURCE_FREE + 3)]
    assert answers[:auth.SOURCE_FREE + 1] == [auth.REFUSED] * (auth.SOURCE_FREE + 1)
    assert answers[-2:] == [auth.wait_message(auth.SOURCE_WAIT_FIRST)] * 2
    source[0] = OFFICE
    admin = _form(AppTest.from_file(APP, default_timeout=60).run(), "admin.kominfo", PASSWORD)
    assert _signed_in_as(admin) == "admin.kominfo"
    con = duckdb.connect(str(people), read_only=True)
    added = con.execute("SELECT action, actor, detail FROM audit_event ORDER BY audit_id"
                        ).fetchall()[rows_before:]
    con.close()
    assert [(a, b) for a, b, _ in added] == [("sign_in_failed", "-"),
                                            ("sign_in", "admin.kominfo")]
    assert json.loads(added[0][2])["jumlah"] == auth.SOURCE_FREE + 1
    page = admin.switch_page("pages/audit.py").run()
    table = page.dataframe[0].value
    signed = table[table["Tindakan"] == "Masuk"]
    assert signed["Pengguna"].tolist() == ["admin.kominfo"]
    assert signed["Rincian"].tolist() == [f"dari {OFFICE}"]
    failed = table[table["Tindakan"] == "Gagal masuk"]["Rincian"].tolist()
    assert failed == [f"{auth.SOURCE_FREE + 1} kali gagal, terakhir: nama pengguna tidak "
                      f"dikenal; dari {ATTACKER}; nama dicoba: "
                      + ", ".join(f"tebak{i:02d}" for i in range(auth.SOURCE_FREE + 1))
                      + f"; diminta menunggu: {ATTACKER}"]


@pytest.mark.signed_out
@pytest.mark.parametrize("change", [{"active": False}, {"password": "Sandi-Baru-2026"}])
def test_an_open_tab_ends_on_its_next_rerun(people, source, change):
    at = _form(AppTest.from_file(APP, default_timeout=60).run(), "op.dpmd", PASSWORD)
    assert _signed_in_as(at.run()) == "op.dpmd"
    _change(people, username="op.dpmd", **change)
    at.run()  # the first rerun after the change
    assert _signed_in_as(at) is None and at.text_input[0].label == "Nama pengguna"
    assert [i.value for i in at.info][:1] == ["Sesi Anda berakhir. Silakan masuk kembali."]


@pytest.mark.signed_out
def test_a_rerun_reads_the_session_only_after_a_change_that_matters(people, source,
                                                                    monkeypatch):
    reads: list[str] = []
    real = accounts.session_account
    monkeypatch.setattr(accounts, "session_account",
                        lambda con, token, now=None: reads.append(token) or real(con, token,
                                                                                  now))
    tab = _form(AppTest.from_file(APP, default_timeout=60).run(), "sekda", PASSWORD)
    tab.run()
    assert reads == []  # nothing changed: a stat of the file, no connection
    now = session._now()
    # another person's sign-in and failure, as the sign-in form does them, end no session
    _, _, token = session._quiet(session._sign_in, "op.dpmd", PASSWORD, OFFICE, now)
    session._quiet(session._sign_in, "op.dpmd", "tebakan-123", OFFICE, now)
    tab.run()
    assert reads == [] and token
    # a sign-out (as the sidebar's button does it) may end a session another tab shares
    data.write_account(session._end_session, "op.dpmd", token, None)
    tab.run()
    assert len(reads) == 1 and _signed_in_as(tab) == "sekda"
    data.write(lambda con: accounts.set_user(con, "op.dpmd", actor="admin.kominfo",
                                             role="pimpinan"))
    tab.run()
    tab.run()
    assert len(reads) == 2 and _signed_in_as(tab) == "sekda"


@pytest.mark.signed_in_as("operator")
def test_an_operator_has_no_received_date_to_state(mp_db):  # noqa: F811
    at = AppTest.from_file(str(ROOT / "pages" / "unggah.py"), default_timeout=60).run()
    assert not at.exception
    assert not [d for d in at.date_input if d.key == "exp_diterima"]
    assert any(c.value.startswith("Tanggal diterima: tanggal unggah. Hanya admin Diskominfo")
               for c in at.caption)


def test_an_admin_may_state_the_received_date(mp_db):  # noqa: F811
    at = AppTest.from_file(str(ROOT / "pages" / "unggah.py"), default_timeout=60).run()
    assert not at.exception
    assert at.date_input(key="exp_diterima").value == datetime.now().date()
