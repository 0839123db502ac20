"""Accounts without a network: argon2 password hashes, roles, sign-in rules. No Streamlit.

Roles (issue "Accounts, roles, audit"):
* admin    — Diskominfo: everything, users, settings, audit trail;
* operator — one OPD: its templates and its own reports; reads everything;
* pimpinan — Bupati, Sekda, Bappeda: reads everything, meetings.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

ROLES = {"admin": "Admin (Diskominfo)", "operator": "Operator OPD",
         "pimpinan": "Pimpinan (Bupati/Sekda/Bappeda)"}
PERMISSIONS: dict[str, frozenset[str]] = {
    "admin": frozenset({"view", "upload", "upload_any_opd", "masterplan", "restore", "users",
                        "settings", "audit", "meetings", "backup"}),
    "operator": frozenset({"view", "upload"}),
    "pimpinan": frozenset({"view", "meetings"}),
}
MAX_FAILED = 5                       # failed sign-ins before a lock
LOCK_FOR = timedelta(minutes=15)
SESSION_IDLE = timedelta(hours=2)    # a session expires after this long without activity
SESSION_MAX = timedelta(hours=12)    # and after this long in any case
# A signed-in browser re-reads its stored session this often: a sign-out in another tab, a
# deactivated account or a changed role reaches an open tab within this time.
SESSION_CHECK = timedelta(minutes=5)
MIN_PASSWORD = 10

# argon2id with OWASP's recommended minimum (19 MiB, 2 passes, 1 lane): a sign-in costs about
# 40 ms and 19 MiB instead of the library default's 64 MiB over 4 lanes, which matters when a
# 2-core server signs in a room of users at once. Hashes carry their parameters, so older
# hashes still verify.
_hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)


@dataclass(frozen=True)
class User:
    """A signed-in user as the app and the loader see them."""

    username: str
    full_name: str
    role: str
    opd_code: str | None = None
    region_code: str | None = None

    def can(self, permission: str) -> bool:
        """Whether the role grants a permission."""
        return permission in PERMISSIONS.get(self.role, frozenset())

    @property
    def role_label(self) -> str:
        """The role in Bahasa Indonesia."""
        return ROLES.get(self.role, self.role)


def hash_password(password: str) -> str:
    """An argon2id hash of the password (the only form ever stored)."""
    problem = password_problem(password)
    if problem:
        raise ValueError(problem)
    return _hasher.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    """True when the password matches the stored hash."""
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def password_problem(password: str) -> str | None:
    """Why a new password is not acceptable, in Bahasa Indonesia, or None."""
    if len(password) < MIN_PASSWORD:
        return f"Kata sandi minimal {MIN_PASSWORD} karakter."
    if password.isdigit() or password.isalpha():
        return "Kata sandi harus memuat huruf dan angka."
    return None


def validate_account(role: str, opd_code: str | None) -> str | None:
    """Why a role/OPD combination is invalid, or None."""
    if role not in ROLES:
        return f"Peran '{role}' tidak dikenal; pilih: {', '.join(ROLES)}."
    if role == "operator" and not opd_code:
        return "Operator harus terikat pada satu OPD (--opd)."
    if role != "operator" and opd_code:
        return "Hanya operator yang terikat pada OPD."
    return None


def is_locked(locked_until: datetime | None, now: datetime) -> bool:
    """Whether sign-in is refused because of too many failed attempts."""
    return locked_until is not None and now < locked_until


def lock_after_failure(failed_attempts: int, now: datetime) -> datetime | None:
    """The lock end after one more failure (failed_attempts counts it), or None."""
    return now + LOCK_FOR if failed_attempts >= MAX_FAILED else None


def session_expired(signed_in_at: datetime, last_seen: datetime, now: datetime) -> bool:
    """Whether a session must sign in again."""
    return now - last_seen > SESSION_IDLE or now - signed_in_at > SESSION_MAX


def new_session_token() -> str:
    """A random session token for the browser's cookie (256 bits, URL- and cookie-safe)."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """The only form of a session token the database keeps (SHA-256: the token is random)."""
    return hashlib.sha256(token.encode()).hexdigest()
