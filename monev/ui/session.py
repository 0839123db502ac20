"""Sign-in for the app: accounts in the database (works offline), sessions that expire.

app.py asks ``active_user()`` before any page runs and, when nobody is signed in, shows
``login_page()`` (which stops the script) in place of the requested page; after signing in
the same page (URL) opens. Rate limiting and the audit records
live in ``monev.store.accounts`` (so they hold for every way in, not only this form).

A reload or a second tab opens a new Streamlit session. So that it stays signed in, signing in
records a session in the database (``accounts.start_session``) and hands the browser its
random token in a cookie (:data:`COOKIE`, set by a script on the next page run, SameSite
Strict, as long as :data:`auth.SESSION_MAX`). A new Streamlit session reads the cookie
(``st.context.cookies``) and resumes the stored session if it is still valid. Signing out
ends the stored session, so the cookie no longer signs anyone in.

An open tab follows its stored session on its first rerun after a change (``_still_valid``):
each rerun compares the database file's and its WAL's ``os.stat`` with what it saw at its last
check (about 4 µs; no connection), and only when they differ re-reads its session and account
on a short read-only connection (about 35 ms on the demo database, most of it opening the
file). Writes that can neither end nor change another tab's session (a sign-in, a failed one,
a tab marking its session seen) are noted as leaving the stamp as it was (``_quiet``), so they
trigger no re-read; a sign-out, a new password, a deactivation, a role change, an upload do.
At least every :data:`auth.SESSION_CHECK` the tab also marks its stored session seen.

Sign-in is counted per source, the client's address (``_source``), see ``monev.auth``.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from pathlib import Path

import duckdb
import streamlit as st

from monev import auth
from monev.store import accounts, db
from monev.ui import data
from monev.ui.format import md_text

LOG = logging.getLogger(__name__)
USER_KEY = "_monev_user"
SIGNED_IN_KEY = "_monev_signed_in_at"
SEEN_KEY = "_monev_last_seen"
TOKEN_KEY = "_monev_token"            # the token of this session's stored session
CHECKED_KEY = "_monev_checked_at"     # when the stored session was last marked seen
STAMP_KEY = "_monev_checked_stamp"    # the database's stamp at the last check
SET_COOKIE_KEY = "_monev_set_cookie"  # a token to hand the browser on the next run
TRIED_KEY = "_monev_cookie_tried"     # the cookie token this session already tried
COOKIE = "monev_sesi"
_KEYS = (USER_KEY, SIGNED_IN_KEY, SEEN_KEY, TOKEN_KEY, CHECKED_KEY, STAMP_KEY, SET_COOKIE_KEY)
HINT = (f"Setelah {auth.MAX_FAILED} kali gagal, akun itu tidak dapat dicoba dari perangkat ini "
        f"selama {int(auth.LOCK_FOR.total_seconds() // 60)} menit. Lupa kata sandi? Hubungi "
        "admin Diskominfo.")


def _now() -> datetime:
    return datetime.now().replace(microsecond=0)


def current_user() -> auth.User | None:
    """The signed-in user of this browser session, or None."""
    return st.session_state.get(USER_KEY)


def _demo_hint(con) -> bool:  # noqa: ANN001 - a DuckDB connection
    row = con.execute("SELECT value_json FROM setting WHERE region_code = '*' AND "
                      "name = 'demo'").fetchone()
    return bool(row and row[0] == "true")


def _sign_in(con, username: str, password: str,  # noqa: ANN001 - a DuckDB connection
             source: str, now: datetime) -> tuple[auth.User | None, str, str | None]:
    """Check the credentials and, when they pass, record a browser session: the user, the
    message and the session's token."""
    user, message = accounts.sign_in(con, username, password, now, source=source)
    return user, message, accounts.start_session(con, user.username, now) if user else None


def _source() -> str:
    """The client's address as the sign-in limits count it (``auth.client_source``)."""
    peer = st.context.ip_address
    forwarded = st.context.headers.get("X-Forwarded-For")
    return auth.client_source(peer if isinstance(peer, str) else None,
                              forwarded if isinstance(forwarded, str) else None,
                              auth.trusted_proxies())


# The stamp after a quiet write -> the stamp before it (a write that ends or changes no
# other session: a sign-in, a refused one, a tab marking its session seen).
_QUIET: dict[tuple, tuple] = {}
_QUIET_LOCK = threading.Lock()


def _stamp(path: Path) -> tuple:
    """The database's stamp, quiet writes left out."""
    stamp = db.file_stamp(path)
    with _QUIET_LOCK:
        return _QUIET.get(stamp, stamp)


def _quiet(fn, *args):  # noqa: ANN001, ANN202 - as data.write_account
    """``data.write_account(fn, *args)`` for a write that no other tab has to notice."""
    path = data.ensure()
    with data.LOCK:
        before = _stamp(path)
        result = data.write_account(fn, *args)
        with _QUIET_LOCK:
            if len(_QUIET) > 10_000:
                _QUIET.clear()
            _QUIET[db.file_stamp(path)] = before
    return result


def _end_session(con, username: str, token: str | None,  # noqa: ANN001 - DuckDB
                 reason: str | None) -> None:
    accounts.audit(con, username, "sign_out", username, {"reason": reason} if reason else None)
    if token:
        accounts.end_session(con, token)


def sign_out(reason: str | None = None) -> None:
    """End the session (audited); the browser's cookie no longer signs anyone in."""
    user = current_user()
    if user is not None:
        data.write_account(_end_session, user.username, st.session_state.get(TOKEN_KEY),
                           reason)
    _forget()


def _forget() -> None:
    for key in _KEYS:
        st.session_state.pop(key, None)


def _signed_in(user: auth.User, signed_in_at: datetime, token: str | None,
               now: datetime) -> None:
    st.session_state.update({USER_KEY: user, SIGNED_IN_KEY: signed_in_at, SEEN_KEY: now,
                             TOKEN_KEY: token, CHECKED_KEY: now,
                             STAMP_KEY: _stamp(data.db_path())})


def _cookie() -> str | None:
    """The session cookie the browser sent when this page was loaded (None without one)."""
    value = st.context.cookies.get(COOKIE)
    return value if isinstance(value, str) and value else None


def _resume_from_cookie() -> auth.User | None:
    """The user of the session the browser's cookie names, if it is still valid (tried once
    per Streamlit session: the cookie is that of the page load)."""
    token = _cookie()
    if not token or st.session_state.get(TRIED_KEY) == token:
        return None
    try:
        found = _quiet(accounts.resume_session, token)
    except data.DatabaseBusy:
        return None  # the sign-in form shows; the next run tries again
    st.session_state[TRIED_KEY] = token
    if found is None:
        return None
    user, signed_in_at = found
    _signed_in(user, signed_in_at, token, _now())
    return user


def _peek(token: str, now: datetime) -> tuple[auth.User, datetime] | None | bool:
    """The stored session's account on a read-only connection, without waiting: False when
    the database is busy (this process writing, or another process holding it)."""
    if not data.LOCK.acquire(blocking=False):
        return False
    try:
        with db.opened(data.db_path(), read_only=True, settings=db.READ_SETTINGS) as con:
            return accounts.session_account(con, token, now)
    except (data.DatabaseBusy, duckdb.Error):
        LOG.warning("the stored session could not be checked; tried again on the next run",
                    exc_info=True)
        return False
    finally:
        data.LOCK.release()


def _still_valid(user: auth.User, now: datetime) -> auth.User | None:
    """The account as it is now, or None when the stored session was ended elsewhere (signed
    out in another tab, a new password, account deactivated): re-read on the first rerun
    after the database changed, and marked seen every SESSION_CHECK (see the module
    docstring)."""
    token = st.session_state.get(TOKEN_KEY)
    if not token:
        return user
    path = data.db_path()
    stamp = _stamp(path)
    if now - st.session_state.get(CHECKED_KEY, now) >= auth.SESSION_CHECK:
        try:
            found = _quiet(accounts.resume_session, token, now)
        except data.DatabaseBusy:
            return user  # checked again on the next run
        st.session_state[CHECKED_KEY] = now
        stamp = _stamp(path)
    elif stamp != st.session_state.get(STAMP_KEY):
        found = _peek(token, now)
        if found is False:
            return user  # the stamp is left as it was: the next run looks again
    else:
        return user
    st.session_state[STAMP_KEY] = stamp
    if found is None:
        return None
    st.session_state[USER_KEY] = found[0]
    return found[0]


def active_user() -> auth.User | None:
    """The signed-in user, or None when nobody is or the session has expired."""
    data.pin_snapshot()  # cluster mode: this rerun reads the newest snapshot (else nothing)
    user = current_user() or _resume_from_cookie()
    if user is None:
        return None
    now = _now()
    if auth.session_expired(st.session_state[SIGNED_IN_KEY], st.session_state[SEEN_KEY], now):
        sign_out("kedaluwarsa")
        st.session_state["_monev_expired"] = True
        return None
    user = _still_valid(user, now)
    if user is None:
        _forget()
        st.session_state["_monev_expired"] = True
        return None
    st.session_state[SEEN_KEY] = now
    return user


def _cookie_script(token: str | None) -> str:
    """A script that stores ``token`` in the session cookie, or deletes the cookie."""
    value = (f"{token}; Max-Age={int(auth.SESSION_MAX.total_seconds())}" if token
             else "; Max-Age=0")
    return (f"<script>document.cookie = '{COOKIE}={value}; Path=/; SameSite=Strict' + "
            "(location.protocol === 'https:' ? '; Secure' : '');</script>")


def _hand_cookie(token: str | None) -> None:
    st.html(_cookie_script(token), width="content", unsafe_allow_javascript=True)


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
        source, now = _source(), _now()
        wait = auth.GUARD.source_wait(source, now)
        if wait is not None:  # answered without opening the database or running argon2
            user, message, token = None, auth.wait_message(wait), None
        else:
            user, message, token = _quiet(_sign_in, username.strip(), password, source, now)
        if user is None:
            st.error(message)
            st.caption(HINT)
        else:
            _signed_in(user, now, token, now)
            st.session_state[SET_COOKIE_KEY] = token
            st.rerun()
    if data.cached(_demo_hint):  # no connection per attempt (cached per data version)
        from etl.demo import DEMO_PASSWORD, DEMO_USERS
        lines = "\n".join(f"- **{u}** — {name}" for u, name, _, _ in DEMO_USERS)
        st.info(f"Data demo Kabupaten Tuban. Akun demo (kata sandi **{DEMO_PASSWORD}**):\n\n"
                f"{lines}")
    cookie = _cookie()
    if cookie and st.session_state.get(TRIED_KEY) == cookie:
        _hand_cookie(None)  # it names a session that ended: the browser forgets it


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
        opd = f" · OPD {md_text(user.opd_code)}" if user.opd_code else ""
        st.caption(f"Masuk sebagai **{md_text(user.full_name)}** ({user.role_label}{opd})")
        if st.button("Keluar", key="keluar", icon=":material/logout:"):
            sign_out()
            st.rerun()
        token = st.session_state.pop(SET_COOKIE_KEY, None)
        if token:
            _hand_cookie(token)
