"""Accounts without a network: argon2 password hashes, roles, sign-in rules. No Streamlit.

Roles (issue "Accounts, roles, audit"):
* admin    — Diskominfo: everything, users, settings, audit trail; the only role that may
  state the date a report was received (``received_date``);
* operator — one OPD: its templates and its own reports; reads everything;
* pimpinan — Bupati, Sekda, Bappeda: reads everything, meetings.

Failed sign-ins (``SignInGuard``, one per server process) are held back per *source*, the
client's address (``client_source``), and per account *and* source:

* a source with more than ``SOURCE_FREE`` failures (whatever names it tried) in
  ``SOURCE_WINDOW`` waits before its next try, twice as long after each further failure,
  at most ``SOURCE_WAIT_MAX``; while it waits it is answered at once, without touching the
  database or running argon2, so spraying names costs the server next to nothing. Clients
  whose address is unknown share one bucket that allows ``SOURCE_FREE_SHARED`` failures;
* an account that failed ``MAX_FAILED`` times from one source within ``LOCK_FOR`` is held
  off from that source until that many failures are older than ``LOCK_FOR``;
* ``MAX_FAILED`` failures of an account from any sources lock it (``app_user.locked_until``,
  ``LOCK_FOR``, extended by each further failure). The lock holds off every source that
  failed on the account within ``LOCK_FOR``, but a source with no such failure is still
  checked: the right password from a new place signs in. So no one can keep another
  person out by failing on purpose, and guessing from many places gets one try per place.

Every refusal that depends on the account (unknown name, wrong password, hold, lock,
inactive) gives the same message, ``REFUSED``, after the same work: one argon2 verify, against
a dummy hash when the name is unknown. A refusal by hold or lock counts against the source
(not the pair: it tested no password), so hammering a held account still makes the source wait.
"""

from __future__ import annotations

import hashlib
import ipaddress
import os
import secrets
import threading
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

ROLES = {"admin": "Admin (Diskominfo)", "operator": "Operator OPD",
         "pimpinan": "Pimpinan (Bupati/Sekda/Bappeda)"}
PERMISSIONS: dict[str, frozenset[str]] = {
    "admin": frozenset({"view", "upload", "upload_any_opd", "masterplan", "restore", "users",
                        "settings", "audit", "meetings", "backup", "received_date"}),
    "operator": frozenset({"view", "upload"}),
    "pimpinan": frozenset({"view", "meetings"}),
}
MAX_FAILED = 5                       # failed sign-ins of an account before a lock/hold
LOCK_FOR = timedelta(minutes=15)
SOURCE_FREE = 10                     # failures from one source in SOURCE_WINDOW before waits
SOURCE_FREE_SHARED = 30              # the same for the shared bucket of unknown addresses
SOURCE_WINDOW = timedelta(minutes=15)
SOURCE_WAIT_FIRST = timedelta(seconds=2)   # the first wait; doubles with each failure after
SOURCE_WAIT_MAX = timedelta(minutes=5)
GUARD_MAX_ENTRIES = 20_000           # sources and (account, source) pairs remembered
SHARED_SOURCE = "tidak diketahui"    # the bucket of clients whose address is unknown
REFUSED = "Nama pengguna atau kata sandi salah."
SESSION_IDLE = timedelta(hours=2)    # a session expires after this long without activity
SESSION_MAX = timedelta(hours=12)    # and after this long in any case
# An open tab re-reads its stored session on the first rerun after any write to the database
# that may end or change a session (monev.ui.session), and at least this often, when it also
# marks the stored session as seen (its idle expiry).
SESSION_CHECK = timedelta(minutes=5)
MIN_PASSWORD = 10
# $MONEV_TRUSTED_PROXIES: comma-separated addresses of reverse proxies whose X-Forwarded-For
# header names the client (see client_source).
TRUSTED_PROXIES_ENV = "MONEV_TRUSTED_PROXIES"

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


@cache
def dummy_hash() -> str:
    """A hash of a random password with the same parameters as the stored ones: verifying an
    unknown name against it costs what verifying an account costs (made once per process)."""
    return _hasher.hash(secrets.token_urlsafe(24))


def password_problem(password: str) -> str | None:
    """Why a new password is not acceptable, in Bahasa Indonesia, or None."""
    if len(password) < MIN_PASSWORD:
        return f"Kata sandi minimal {MIN_PASSWORD} karakter."
    if password.isdigit() or password.isalpha():
        return "Kata sandi harus memuat huruf dan angka."
    return None


OPDS_LISTED = 40  # OPD codes named in a refusal; the rest are counted


def validate_account(role: str, opd_code: str | None,
                     masterplan_opds: Sequence[str] | None = None,
                     region: str | None = None) -> str | None:
    """Why a role/OPD combination is invalid, or None.

    ``masterplan_opds``, when given, are the OPD codes an operator may be bound to: those of
    the active masterplan of the account's ``region`` (of every region when None). An
    operator's OPD must be one of them; none at all means no masterplan is loaded yet, and the
    message says to load it first."""
    if role not in ROLES:
        return f"Peran '{role}' tidak dikenal; pilih: {', '.join(ROLES)}."
    if role != "operator":
        return "Hanya operator yang terikat pada OPD." if opd_code else None
    if masterplan_opds is not None and opd_code in masterplan_opds:
        return None
    where = f" wilayah {region}" if region else ""
    if masterplan_opds is None:
        choice = ""
    elif not masterplan_opds:
        choice = (f"Belum ada masterplan aktif{' untuk' + where if where else ''}, jadi belum "
                  "ada OPD untuk akun operator. Muat masterplan dulu (halaman Unggah Data "
                  "atau 'python -m etl load'), lalu ikat akun operator ke salah satu OPD-nya.")
    else:
        codes = sorted(masterplan_opds)
        listed = ", ".join(codes[:OPDS_LISTED])
        if len(codes) > OPDS_LISTED:
            listed += f", dan {len(codes) - OPDS_LISTED} kode lain"
        choice = f"Kode OPD yang dapat dipilih: {listed}."
    if not opd_code:
        return " ".join(("Operator harus terikat pada satu OPD.", choice)).strip()
    if masterplan_opds is None:
        return None
    if not masterplan_opds:
        return choice
    return f"OPD '{opd_code}' tidak ada di masterplan aktif{where}. {choice}"


def is_locked(locked_until: datetime | None, now: datetime) -> bool:
    """Whether the account is locked (it then admits only sources that did not fail on it)."""
    return locked_until is not None and now < locked_until


def lock_after_failure(failed_attempts: int, locked_until: datetime | None,
                       now: datetime) -> datetime | None:
    """The lock end after one more failure (failed_attempts counts it), or None: a lock
    starts at MAX_FAILED failures and each failure while locked extends it."""
    if failed_attempts >= MAX_FAILED or is_locked(locked_until, now):
        return now + LOCK_FOR
    return None


def trusted_proxies() -> frozenset[str]:
    """The addresses in $MONEV_TRUSTED_PROXIES (none by default)."""
    raw = os.environ.get(TRUSTED_PROXIES_ENV, "")
    return frozenset(a.strip() for a in raw.split(",") if a.strip())


def _address(text: str) -> str | None:
    """A valid IP address in its normal form (port and brackets removed), else None."""
    text = text.strip().strip('"')
    if text.startswith("[") and "]" in text:
        text = text[1:text.index("]")]
    elif text.count(":") == 1:  # IPv4 with a port
        text = text.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def client_source(peer: str | None, forwarded_for: str | None = None,
                  trusted: frozenset[str] = frozenset()) -> str:
    """The source a sign-in is counted against: the client's address.

    ``peer`` is the address the server saw (``st.context.ip_address``: Streamlit 1.67's
    uvicorn already replaces it by the X-Forwarded-For client when the connection comes from
    an address in $FORWARDED_ALLOW_IPS, by default only the machine itself; None when the
    client is the machine itself). Only when ``peer`` is one of ``trusted`` (the configured
    reverse proxies) is ``forwarded_for`` read: its right-most address that is not itself a
    trusted proxy, the one the proxy saw (a client can prepend anything). Without a usable
    address every such client shares :data:`SHARED_SOURCE`.
    """
    address = _address(peer) if peer else None
    if address is not None and address in trusted and forwarded_for:
        for hop in reversed(forwarded_for.split(",")):
            hop_address = _address(hop)
            if hop_address is None:
                break
            if hop_address not in trusted:
                return hop_address
    return address or SHARED_SOURCE


@dataclass
class _Failures:
    """Failed sign-ins of one source or one (account, source) pair, newest last."""

    times: deque[datetime] = field(default_factory=deque)
    wait_until: datetime | None = None

    def recent(self, now: datetime, window: timedelta) -> int:
        """Failures within ``window`` before ``now`` (older ones are dropped)."""
        while self.times and self.times[0] <= now - window:
            self.times.popleft()
        return sum(1 for t in self.times if t <= now)


class SignInGuard:
    """What one server process remembers of failed sign-ins (see the module docstring).

    Thread-safe: every browser session runs in its own thread. Times are those the caller
    passes, so tests can step through windows. A restart forgets everything here; the
    account lock in the database stays.
    """

    def __init__(self, max_entries: int = GUARD_MAX_ENTRIES) -> None:
        self._lock = threading.Lock()
        self._sources: dict[str, _Failures] = {}
        self._pairs: dict[tuple[str, str], _Failures] = {}
        self._max = max_entries

    def clear(self) -> None:
        """Forget every failure (tests)."""
        with self._lock:
            self._sources.clear()
            self._pairs.clear()

    def source_wait(self, source: str, now: datetime) -> timedelta | None:
        """How long the source must still wait before it may try again, or None."""
        with self._lock:
            entry = self._sources.get(source)
            if entry is None or entry.wait_until is None or now >= entry.wait_until:
                return None
            return entry.wait_until - now

    def held(self, username: str, source: str, now: datetime) -> bool:
        """Whether the account is held off from this source (MAX_FAILED recent failures)."""
        with self._lock:
            entry = self._pairs.get((username, source))
            return entry is not None and entry.recent(now, LOCK_FOR) >= MAX_FAILED

    def failed_here(self, username: str, source: str, now: datetime) -> bool:
        """Whether this source failed on the account within LOCK_FOR."""
        with self._lock:
            entry = self._pairs.get((username, source))
            return entry is not None and entry.recent(now, LOCK_FOR) > 0

    def failed(self, username: str, source: str, now: datetime, *,
               pair: bool = True) -> timedelta | None:
        """Count a failed sign-in against the source and (unless ``pair`` is False: an
        attempt refused before its password counted) the (account, source) pair; returns the
        wait it puts on the source, or None."""
        with self._lock:
            self._trim(now)
            if pair:
                self._pairs.setdefault((username, source), _Failures()).times.append(now)
            entry = self._sources.setdefault(source, _Failures())
            entry.times.append(now)
            free = SOURCE_FREE_SHARED if source == SHARED_SOURCE else SOURCE_FREE
            over = entry.recent(now, SOURCE_WINDOW) - free
            if over <= 0:
                return None
            wait = min(SOURCE_WAIT_MAX, SOURCE_WAIT_FIRST * 2 ** min(over - 1, 20))
            entry.wait_until = now + wait
            return wait

    def succeeded(self, username: str, source: str) -> None:
        """A right password from this source: its failures on the account are forgotten."""
        with self._lock:
            self._pairs.pop((username, source), None)

    def _trim(self, now: datetime) -> None:
        """Keep memory bounded: drop what no longer counts, then the oldest entries."""
        if len(self._sources) + len(self._pairs) < self._max:
            return
        keep = max(SOURCE_WINDOW, LOCK_FOR, SOURCE_WAIT_MAX)
        for table in (self._sources, self._pairs):
            for key in [k for k, e in table.items() if e.recent(now, keep) == 0]:
                del table[key]
        for table in (self._pairs, self._sources):  # room for the pair and source to come
            while table and len(self._sources) + len(self._pairs) > self._max - 2:
                del table[next(iter(table))]


GUARD = SignInGuard()


def wait_message(wait: timedelta) -> str:
    """The answer to a source that must wait, in Bahasa Indonesia (it names no account)."""
    seconds = max(1, int(wait.total_seconds() + 0.999))
    when = (f"{seconds} detik" if seconds < 60 else f"{(seconds + 59) // 60} menit")
    return (f"Terlalu banyak percobaan masuk yang gagal dari perangkat ini. Coba lagi dalam "
            f"{when}.")


def session_expired(signed_in_at: datetime, last_seen: datetime, now: datetime) -> bool:
    """Whether a session must sign in again."""
    return now - last_seen > SESSION_IDLE or now - signed_in_at > SESSION_MAX


def new_session_token() -> str:
    """A random session token for the browser's cookie (256 bits, URL- and cookie-safe)."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """The only form of a session token the database keeps (SHA-256: the token is random)."""
    return hashlib.sha256(token.encode()).hexdigest()
