"""Sign-in for the app: accounts in the database (works offline), sessions that expire.

app.py asks ``active_user()`` before any page runs and, when nobody is signed in, shows
``login_page()`` (which stops the script) in place of the requested page; after signing in
the same page (URL) opens. Rate limiting and the audit records
live in ``monev.store.accounts`` (so they hold for every way in, not only this form).
"""

from __future__ import annotations

from datetime import datetime

import streamlit as st

from monev import auth
from monev.store import accounts
from monev.ui import data

USER_KEY = "_monev_user"
SIGNED_IN_KEY = "_monev_signed_in_at"
SEEN_KEY = "_monev_last_seen"


def _now() -> datetime:
    return datetime.now().replace(microsecond=0)


def current_user() -> auth.User | None:
    """The signed-in user of this browser session, or None."""
    return st.session_state.get(USER_KEY)


def _demo_hint(con) -> bool:  # noqa: ANN001 - a DuckDB connection
    row = con.execute("SELECT value_json FROM setting WHERE region_code = '*' AND "
                      "name = 'demo'").fetchone()
    return bool(row and row[0] == "true")


def _sign_in(username: str, password: str) -> tuple[auth.User | None, str]:
    return data.write_account(accounts.sign_in, username.strip(), password)


def sign_out(reason: str | None = None) -> None:
    """End the session (audited)."""
    user = current_user()
    if user is not None:
        data.write_account(accounts.audit, user.username, "sign_out", user.username,
                           {"reason": reason} if reason else None)
    for key in (USER_KEY, SIGNED_IN_KEY, SEEN_KEY):
        st.session_state.pop(key, None)


def active_user() -> auth.User | None:
    """The signed-in user, or None when nobody is or the session has expired."""
    user = current_user()
    if user is None:
        return None
    now = _now()
    if auth.session_expired(st.session_state[SIGNED_IN_KEY], st.session_state[SEEN_KEY], now):
        sign_out("kedaluwarsa")
        st.session_state["_monev_expired"] = True
        return None
    st.session_state[SEEN_KEY] = now
    return user


def login_page() -> None:
    """Show the sign-in form and stop the script (the requested page runs after sign-in)."""
    _login_page()
    st.stop()


def _login_page() -> None:
    st.title("Monev Smart City")
    st.caption("Pemantauan dan evaluasi Masterplan Smart City")
    if st.session_state.pop("_monev_expired", False):
        st.info("Sesi Anda berakhir. Silakan masuk kembali.")
    with st.form("masuk", border=True):
        username = st.text_input("Nama pengguna")
        password = st.text_input("Kata sandi", type="password")
        submitted = st.form_submit_button("Masuk", type="primary")
    if submitted:
        user, message = _sign_in(username, password)
        if user is None:
            st.error(message)
        else:
            now = _now()
            st.session_state.update({USER_KEY: user, SIGNED_IN_KEY: now, SEEN_KEY: now})
            st.rerun()
    if data.read(_demo_hint):
        from etl.demo import DEMO_PASSWORD, DEMO_USERS
        lines = "\n".join(f"- **{u}** — {name}" for u, name, _, _ in DEMO_USERS)
        st.info(f"Data demo Kabupaten Tuban. Akun demo (kata sandi **{DEMO_PASSWORD}**):\n\n"
                f"{lines}")


def require(permission: str) -> auth.User:
    """The signed-in user if their role grants ``permission``; otherwise say so and stop."""
    user = current_user()
    if user is None or not user.can(permission):
        st.error("Halaman ini tidak tersedia untuk peran Anda.")
        st.stop()
    return user  # type: ignore[return-value]


def sidebar_account(user: auth.User) -> None:
    """Who is signed in, and the sign-out button, at the bottom of the sidebar."""
    with st.sidebar:
        st.divider()
        opd = f" · OPD {user.opd_code}" if user.opd_code else ""
        st.caption(f"Masuk sebagai **{user.full_name}** ({user.role_label}{opd})")
        if st.button("Keluar", key="keluar", icon=":material/logout:"):
            sign_out()
            st.rerun()
