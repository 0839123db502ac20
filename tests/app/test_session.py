"""Sign-in through the real app: the form, wrong passwords, roles and what each may open."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from monev import auth
from monev.store import accounts
from monev.ui import session

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app.py"
PASSWORD = "Tuban-Sandi-2026"


@pytest.fixture
def people(mp_db: Path) -> Path:
    con = duckdb.connect(str(mp_db))
    accounts.add_user(con, "admin.kominfo", "Admin Diskominfo", "admin", PASSWORD, actor="uji")
    accounts.add_user(con, "op.dpmd", "Operator DPMD", "operator", PASSWORD, opd_code="DPMD",
                      actor="uji")
    accounts.add_user(con, "sekda", "Sekretaris Daerah", "pimpinan", PASSWORD, actor="uji")
    con.close()
    return mp_db


def _sign_in(at: AppTest, username: str, password: str) -> AppTest:
    at.text_input[0].input(username)
    at.text_input[1].input(password)
    return at.button[0].click().run()


@pytest.mark.signed_out
def test_sign_in_form_refuses_a_wrong_password_and_admits_the_right_one(people):
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    assert [t.value for t in at.title] == ["Monev Smart City"]
    assert not at.sidebar.button  # nothing but the form before signing in
    at = _sign_in(at, "sekda", "salah-sandi-1")
    assert [e.value for e in at.error] == ["Nama pengguna atau kata sandi salah."]
    at = _sign_in(at, "sekda", PASSWORD)
    assert not at.exception and not at.error
    assert any("Sekretaris Daerah" in c.value for c in at.sidebar.caption)
    con = duckdb.connect(str(people), read_only=True)
    actions = [a for (a,) in con.execute(
        "SELECT action FROM audit_event WHERE actor = 'sekda' ORDER BY audit_id").fetchall()]
    con.close()
    assert actions == ["sign_in_failed", "sign_in"]


@pytest.mark.signed_out
def test_sign_out(people):
    at = _sign_in(AppTest.from_file(str(APP), default_timeout=60).run(), "admin.kominfo",
                  PASSWORD)
    at = at.sidebar.button(key="keluar").click().run()
    assert at.text_input[0].label == "Nama pengguna"


def _handed_cookie(at: AppTest) -> str | None:
    """The token the page's script stores in the session cookie ('' when it deletes it)."""
    for element in at.get("html"):
        found = re.search(rf"{session.COOKIE}=([^;]*);", element.proto.body)
        if found:
            return found.group(1)
    return None


def _stored_sessions(path: Path) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    rows = con.execute("SELECT token_hash, username, ended_at IS NULL FROM web_session "
                       "ORDER BY signed_in_at").fetchall()
    con.close()
    return rows


def _reloaded(monkeypatch: pytest.MonkeyPatch, token: str | None) -> AppTest:
    """A new Streamlit session, as a reload or a second tab opens, sending this cookie."""
    monkeypatch.setattr(session, "_cookie", lambda: token)
    return AppTest.from_file(str(APP), default_timeout=60).run()


@pytest.mark.signed_out
def test_a_reload_stays_signed_in_until_sign_out(people, monkeypatch):
    at = _sign_in(AppTest.from_file(str(APP), default_timeout=60).run(), "sekda", PASSWORD)
    token = _handed_cookie(at)
    assert token and _stored_sessions(people) == [(auth.token_hash(token), "sekda", True)]
    assert _handed_cookie(at.run()) is None  # handed over once

    again = _reloaded(monkeypatch, token)
    assert not again.text_input and not again.exception
    assert any("Sekretaris Daerah" in c.value for c in again.sidebar.caption)

    again.sidebar.button(key="keluar").click().run()
    assert _stored_sessions(people) == [(auth.token_hash(token), "sekda", False)]
    gone = _reloaded(monkeypatch, token)
    assert gone.text_input[0].label == "Nama pengguna"
    assert _handed_cookie(gone) == ""  # the browser is told to forget it
    assert _handed_cookie(_reloaded(monkeypatch, "not-a-session")) == ""
    assert _handed_cookie(_reloaded(monkeypatch, None)) is None


@pytest.mark.signed_out
def test_an_open_tab_follows_its_stored_session(people, monkeypatch):
    at = _sign_in(AppTest.from_file(str(APP), default_timeout=60).run(), "op.dpmd", PASSWORD)
    token = _handed_cookie(at)
    con = duckdb.connect(str(people))
    accounts.set_user(con, "op.dpmd", actor="admin.kominfo", role="pimpinan")
    con.close()
    assert at.run().session_state[session.USER_KEY].role == "pimpinan"  # the next rerun
    at.session_state[session.CHECKED_KEY] -= auth.SESSION_CHECK + timedelta(seconds=1)
    assert at.run().session_state[session.USER_KEY].role == "pimpinan"  # marked seen

    con = duckdb.connect(str(people))
    accounts.end_session(con, token)  # signed out in another tab
    con.close()
    at.run()
    assert at.text_input[0].label == "Nama pengguna"
    assert [i.value for i in at.info][:1] == ["Sesi Anda berakhir. Silakan masuk kembali."]


@pytest.mark.signed_in_as("pimpinan")
def test_pimpinan_cannot_open_the_upload_page(mp_db):
    at = AppTest.from_file(str(ROOT / "pages" / "unggah.py"), default_timeout=60).run()
    assert [e.value for e in at.error] == ["Halaman ini tidak tersedia untuk peran Anda."]
    assert not at.file_uploader


@pytest.mark.signed_in_as("operator")
def test_operator_cannot_open_admin_pages(mp_db):
    for page in ("pengguna.py", "audit.py"):
        at = AppTest.from_file(str(ROOT / "pages" / page), default_timeout=60).run()
        assert [e.value for e in at.error] == ["Halaman ini tidak tersedia untuk peran Anda."]


@pytest.mark.signed_in_as("operator")
def test_operator_upload_of_another_opd_is_refused_through_the_page(mp_db):
    from tests.helpers import report_bytes

    con = duckdb.connect(str(mp_db))
    data = report_bytes(con, "KOMINFO", 2025, 1, {"realisasi": {"GOV-01.1": {"realisasi": 5}}})
    con.close()
    at = AppTest.from_file(str(ROOT / "pages" / "unggah.py"), default_timeout=60).run()
    assert not at.error
    # the page builds its expectation from the signed-in account: scoped to DPMD
    at.file_uploader[0].upload("kominfo.xlsx", data)  # type: ignore[attr-defined]
    at.run()
    texts = " ".join(str(m.value) for m in (*at.markdown, *at.error, *at.caption))
    texts += " ".join(str(d.value) for d in at.dataframe)
    assert "hanya untuk OPD DPMD" in texts


def test_admin_pages_show_the_audit_trail_and_users(mp_db):
    con = duckdb.connect(str(mp_db))
    accounts.add_user(con, "op.x", "Operator X", "operator", PASSWORD, opd_code="DPMD",
                      actor="admin.uji")
    assert accounts.sign_in(con, "op.x", PASSWORD)[0]       # an event with no detail (NULL)
    con.execute("INSERT INTO audit_event VALUES (99, now(), 'uji', 'backup', NULL, NULL)")
    con.close()
    at = AppTest.from_file(str(ROOT / "pages" / "audit.py"), default_timeout=60).run()
    assert not at.exception and not at.error
    assert "Akun dibuat" in at.dataframe[0].value["Tindakan"].tolist()
    assert "peran Operator OPD, OPD DPMD" in at.dataframe[0].value["Rincian"].tolist()
    at = AppTest.from_file(str(ROOT / "pages" / "pengguna.py"), default_timeout=60).run()
    assert "op.x" in at.dataframe[0].value["Nama pengguna"].tolist()
