"""Users and the audit trail: the one place for their SQL."""

from __future__ import annotations

import json
from datetime import datetime

import duckdb
import pandas as pd

from monev import auth
from monev.store import db

AUDIT_LISTED = 20  # sources and unknown names listed by name in one failed sign-in row


def operator_opds(con: duckdb.DuckDBPyConnection, region: str | None = None) -> pd.DataFrame:
    """The OPDs an operator account may be bound to: those of the active masterplan of
    ``region``, or of every region's when None; one row per code (opd_code, name), sorted."""
    return con.execute(
        """SELECT o.opd_code, min(o.name) AS name FROM opd o JOIN active_load a USING (load_id)
           WHERE ? IS NULL OR o.region_code = ? GROUP BY o.opd_code ORDER BY o.opd_code""",
        [region, region]).df()


def _opd_binding(con: duckdb.DuckDBPyConnection, role: str, opd_code: str | None,
                 region: str | None) -> tuple[str | None, list[str] | None]:
    """(OPD code as the masterplan writes it, the codes an operator may take) for an account
    of ``role`` in ``region``; the codes are None for other roles (nothing to check)."""
    opd = (opd_code or "").strip() or None
    if role != "operator":
        return opd, None
    codes = list(operator_opds(con, region)["opd_code"])
    if opd is not None:  # typed in any case: bind to the masterplan's spelling
        opd = next((c for c in codes if c.upper() == opd.upper()), opd)
    return opd, codes


def add_user(con: duckdb.DuckDBPyConnection, username: str, full_name: str, role: str,
             password: str, *, opd_code: str | None = None, region_code: str | None = None,
             actor: str, now: datetime | None = None) -> auth.User:
    """Create a user (password stored only as an argon2 hash) and audit it. An operator is
    bound to an OPD of the active masterplan of its region (of any region when it has none);
    another code, or no masterplan yet, is refused with a message naming what to do."""
    now = now or datetime.now().replace(microsecond=0)
    region_code = None if region_code in ("*", "") else region_code
    opd_code, codes = _opd_binding(con, role, opd_code, region_code)
    problem = auth.validate_account(role, opd_code, codes, region_code)
    if problem:
        raise ValueError(problem)
    if con.execute("SELECT 1 FROM app_user WHERE username = ?", [username]).fetchone():
        raise ValueError(f"Pengguna '{username}' sudah ada.")
    hashed = auth.hash_password(password)
    con.execute("INSERT INTO app_user (username, full_name, role, region_code, opd_code, "
                "password_hash, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [username, full_name, role, region_code, opd_code, hashed, now, actor])
    audit(con, actor, "user_add", username, {"role": role, "opd": opd_code}, now)
    return auth.User(username, full_name, role, opd_code, region_code)


def set_user(con: duckdb.DuckDBPyConnection, username: str, *, actor: str,
             active: bool | None = None, password: str | None = None,
             role: str | None = None, opd_code: str | None = None,
             region_code: str | None = None, now: datetime | None = None) -> dict[str, object]:
    """Change a user's status, password, role, OPD or region ('*' = every region); None
    leaves a field as it is. A role other than operator drops the OPD. A new role, OPD or
    region of an operator is checked like :func:`add_user` (an OPD of the active masterplan
    of the account's region). Only what differs is changed, and audited (never the
    password); returns the audited changes ({} when nothing changed). A new password or a
    deactivation ends the user's browser sessions."""
    now = now or datetime.now().replace(microsecond=0)
    row = con.execute("SELECT role, opd_code, region_code, active FROM app_user "
                      "WHERE username = ?", [username]).fetchone()
    if row is None:
        raise ValueError(f"Pengguna '{username}' tidak ada.")
    old_role, old_opd, old_region, old_active = row
    new_role = role or old_role
    new_region = old_region if region_code is None else (None if region_code == "*"
                                                         else region_code)
    if opd_code is None:
        opd_code = old_opd if new_role == "operator" else None
    new_opd, codes = _opd_binding(con, new_role, opd_code, new_region)
    bound = (new_role, new_opd, new_region) != (old_role, old_opd, old_region)
    problem = auth.validate_account(new_role, new_opd, codes if bound else None, new_region)
    if problem:
        raise ValueError(problem)
    changes: dict[str, object] = {}
    if active is not None and active != old_active:
        con.execute("UPDATE app_user SET active = ? WHERE username = ?", [active, username])
        changes["active"] = active
    if password is not None:
        con.execute("UPDATE app_user SET password_hash = ?, failed_attempts = 0, "
                    "locked_until = NULL WHERE username = ?",
                    [auth.hash_password(password), username])
        changes["password"] = "diganti"
    if (new_role, new_opd) != (old_role, old_opd):
        con.execute("UPDATE app_user SET role = ?, opd_code = ? WHERE username = ?",
                    [new_role, new_opd, username])
        if new_role != old_role:
            changes["role"] = new_role
        changes["opd"] = new_opd
    if new_region != old_region:
        con.execute("UPDATE app_user SET region_code = ? WHERE username = ?",
                    [new_region, username])
        changes["region"] = new_region or "semua"
    if password is not None or active is False:
        con.execute("UPDATE web_session SET ended_at = ? WHERE username = ? "
                    "AND ended_at IS NULL", [now, username])
    if changes:
        audit(con, actor, "user_change", username, changes, now)
    return changes


def sign_in(con: duckdb.DuckDBPyConnection, username: str, password: str,
            now: datetime | None = None, *, source: str = auth.SHARED_SOURCE,
            guard: auth.SignInGuard | None = None) -> tuple[auth.User | None, str]:
    """Check credentials; returns (user or None, message in Indonesian).

    ``source`` is the client's address (``auth.client_source``). The rules are those of
    ``monev.auth`` (``guard`` defaults to the process's ``auth.GUARD``): a source that must
    wait is answered at once, with no database work and no argon2; every other refusal, for an
    unknown name, a wrong password, a lock, a hold or an inactive account, runs one argon2
    verify and answers ``auth.REFUSED``. Failed sign-ins are audited one row per account (or
    one for all unknown names) per ``LOCK_FOR`` window, with a counter (``audit_failure``).
    """
    now = now or datetime.now().replace(microsecond=0)
    guard = guard or auth.GUARD
    wait = guard.source_wait(source, now)
    if wait is not None:
        return None, auth.wait_message(wait)
    row = con.execute(
        "SELECT full_name, role, opd_code, region_code, password_hash, active, "
        "failed_attempts, locked_until FROM app_user WHERE username = ?", [username]).fetchone()
    if row is None:  # the same work as for an account: a verify, an update, the audit
        auth.verify_password(auth.dummy_hash(), password)
        con.execute("UPDATE app_user SET failed_attempts = failed_attempts WHERE username = ?",
                    [username])  # matches no row
        _failed(con, guard, username, None, "unknown", source, now)
        return None, auth.REFUSED
    full_name, role, opd, region, hashed, active, failed, locked_until = row
    right = auth.verify_password(hashed, password)  # always, so every answer costs the same
    if guard.held(username, source, now) or (auth.is_locked(locked_until, now)
                                              and guard.failed_here(username, source, now)):
        # tried no password: counted against the source only, and audited
        wait = guard.failed(username, source, now, pair=False)
        audit_failure(con, username, "locked", source, now, locked=True,
                      waits=wait is not None)
        return None, auth.REFUSED
    if not active or not right:
        failed += 1
        lock = auth.lock_after_failure(failed, locked_until, now)
        con.execute("UPDATE app_user SET failed_attempts = ?, locked_until = ? "
                    "WHERE username = ?", [0 if lock else failed, lock or locked_until,
                                           username])
        _failed(con, guard, username, username, "password" if active else "inactive", source,
                now, locked=lock is not None)
        return None, auth.REFUSED
    guard.succeeded(username, source)
    if not auth.is_locked(locked_until, now):  # a lock stays until it ends: it guards others
        con.execute("UPDATE app_user SET failed_attempts = 0, locked_until = NULL "
                    "WHERE username = ?", [username])
    audit(con, username, "sign_in", username, {"sumber": source}, now)
    return auth.User(username, full_name, role, opd, region), "Berhasil masuk."


def _failed(con: duckdb.DuckDBPyConnection, guard: auth.SignInGuard, typed: str,
            account: str | None, reason: str, source: str, now: datetime,
            locked: bool = False) -> None:
    """Count a failed sign-in in the guard (the name as typed) and in the audit trail."""
    wait = guard.failed(typed, source, now)
    audit_failure(con, account, reason, source, now, locked=locked, typed=typed,
                  waits=wait is not None)


def audit_failure(con: duckdb.DuckDBPyConnection, account: str | None, reason: str,
                  source: str, now: datetime, *, locked: bool = False, typed: str = "",
                  waits: bool = False) -> None:
    """Count a failed sign-in in the audit trail: one ``sign_in_failed`` row per account (actor
    and target the account; actor '-' for every unknown name) per ``auth.LOCK_FOR`` window
    from its first failure, whose detail counts the failures (``jumlah``) and, per source, how
    many came from it (``sumber``; at most ``AUDIT_LISTED`` sources, the rest counted in
    ``sumber_lain``), the sources made to wait (``ditahan``), the unknown names tried
    (``nama``, ``nama_lain``), the last reason and time. So a flood of failures adds a few
    rows, never pushes other events out of view, and every source stays on record."""
    actor = account or "-"
    row = con.execute(
        "SELECT audit_id, detail FROM audit_event WHERE action = 'sign_in_failed' "
        "AND actor = ? AND event_at > ? ORDER BY audit_id DESC LIMIT 1",
        [actor, now - auth.LOCK_FOR]).fetchone()
    detail = _json_dict(row[1]) if row else {}
    detail["reason"] = reason
    detail["locked"] = bool(locked)
    detail["jumlah"] = int(detail.get("jumlah", 1 if row else 0)) + 1
    detail["terakhir"] = now.isoformat(sep=" ")
    sources = detail.setdefault("sumber", {})
    if source in sources or len(sources) < AUDIT_LISTED:
        sources[source] = int(sources.get(source, 0)) + 1
    else:
        detail["sumber_lain"] = int(detail.get("sumber_lain", 0)) + 1
    held = detail.setdefault("ditahan", []) if waits else []
    if waits and source not in held and len(held) < AUDIT_LISTED:
        held.append(source)
    if account is None:
        names = detail.setdefault("nama", [])
        name = typed[:64]
        if name not in names:
            if len(names) < AUDIT_LISTED:
                names.append(name)
            else:
                detail["nama_lain"] = int(detail.get("nama_lain", 0)) + 1
    if row is None:
        audit(con, actor, "sign_in_failed", account, detail, now)
    else:
        con.execute("UPDATE audit_event SET detail = ? WHERE audit_id = ?",
                    [json.dumps(detail, ensure_ascii=False, default=str), row[0]])


def _json_dict(text: str | None) -> dict:
    try:
        value = json.loads(text) if text else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def start_session(con: duckdb.DuckDBPyConnection, username: str,
                  now: datetime | None = None) -> str:
    """Record a new signed-in browser session; returns its token for the cookie (only its
    hash is stored). Sessions that ended or expired are removed first."""
    now = now or datetime.now().replace(microsecond=0)
    db.init_schema(con)  # a database made before sessions were kept gets their table
    con.execute("DELETE FROM web_session WHERE ended_at IS NOT NULL OR last_seen < ? "
                "OR signed_in_at < ?", [now - auth.SESSION_IDLE, now - auth.SESSION_MAX])
    token = auth.new_session_token()
    con.execute("INSERT INTO web_session VALUES (?, ?, ?, ?, NULL)",
                [auth.token_hash(token), username, now, now])
    return token


def _session_row(con: duckdb.DuckDBPyConnection, key: str) -> tuple | None:
    return con.execute(
        "SELECT s.username, s.signed_in_at, s.last_seen, u.full_name, u.role, u.opd_code, "
        "u.region_code, coalesce(u.active, FALSE) FROM web_session s "
        "LEFT JOIN app_user u USING (username) WHERE s.token_hash = ? AND s.ended_at IS NULL",
        [key]).fetchone()


def resume_session(con: duckdb.DuckDBPyConnection, token: str, now: datetime | None = None
                   ) -> tuple[auth.User, datetime] | None:
    """The account of a session still valid, as it is now (its role may have changed), and
    when the session signed in; marks the session seen. None when the token is unknown, the
    session ended or expired, or the account was deactivated (the session is ended then)."""
    now = now or datetime.now().replace(microsecond=0)
    db.init_schema(con)
    key = auth.token_hash(token)
    row = _session_row(con, key)
    if row is None:
        return None
    username, signed_in_at, last_seen, full_name, role, opd, region, active = row
    if not active or auth.session_expired(signed_in_at, last_seen, now):
        end_session(con, token, now)
        return None
    con.execute("UPDATE web_session SET last_seen = ? WHERE token_hash = ?", [now, key])
    return auth.User(username, full_name, role, opd, region), signed_in_at


def session_account(con: duckdb.DuckDBPyConnection, token: str, now: datetime | None = None
                    ) -> tuple[auth.User, datetime] | None:
    """Like :func:`resume_session` on a read-only connection: the account of a session still
    valid and when it signed in, or None; writes nothing (an open tab checks it on the rerun
    after any change: one lookup of the session and its account)."""
    now = now or datetime.now().replace(microsecond=0)
    row = _session_row(con, auth.token_hash(token))
    if row is None:
        return None
    username, signed_in_at, last_seen, full_name, role, opd, region, active = row
    if not active or auth.session_expired(signed_in_at, last_seen, now):
        return None
    return auth.User(username, full_name, role, opd, region), signed_in_at


def end_session(con: duckdb.DuckDBPyConnection, token: str,
                now: datetime | None = None) -> None:
    """End a browser session (sign-out, expiry): its token no longer signs anyone in."""
    now = now or datetime.now().replace(microsecond=0)
    con.execute("UPDATE web_session SET ended_at = ? WHERE token_hash = ? AND ended_at IS NULL",
                [now, auth.token_hash(token)])


def users(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every user without the password hash."""
    return con.execute(
        "SELECT username, full_name, role, region_code, opd_code, active, failed_attempts, "
        "locked_until, created_at, created_by FROM app_user ORDER BY username").df()


def audit(con: duckdb.DuckDBPyConnection, actor: str, action: str, target: str | None,
          detail: dict | None = None, now: datetime | None = None) -> None:
    """Append an action to the audit trail."""
    now = now or datetime.now().replace(microsecond=0)
    audit_id = con.execute("SELECT coalesce(max(audit_id), 0) + 1 FROM audit_event"
                           ).fetchone()[0]
    con.execute("INSERT INTO audit_event VALUES (?, ?, ?, ?, ?, ?)",
                [audit_id, now, actor, action, target,
                 None if detail is None else json.dumps(detail, ensure_ascii=False,
                                                        default=str)])


def audit_trail(con: duckdb.DuckDBPyConnection, actor: str | None = None,
                action: str | None = None, since: datetime | None = None,
                limit: int = 1000) -> pd.DataFrame:
    """The audit trail (loads and other actions), newest first, optionally filtered."""
    return con.execute(
        """SELECT event_at, actor, action, target, detail FROM audit_trail
           WHERE (? IS NULL OR actor = ?) AND (? IS NULL OR action = ?)
             AND (? IS NULL OR event_at >= ?)
           ORDER BY event_at DESC LIMIT ?""",
        [actor, actor, action, action, since, since, limit]).df()
