"""The audit trail in words: what each action is called, and what its recorded detail says, for
the Jejak Audit page and its download (the trail stores the detail as JSON)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime

import duckdb
import pandas as pd

from monev import auth
from monev.domain.setting_text import LABELS as SETTING_LABELS
from monev.domain.setting_text import stored_text
from monev.domain.text import format_angka, tw_label
from monev.store import accounts
from monev.store.meetings import FOLLOWUP_STATUS
from monev.ui.format import KOSONG, tanggal_jam
from monev.ui.upload import counts_text, value_text

ACTION_LABELS: dict[str, str] = {
    "sign_in": "Masuk", "sign_in_failed": "Gagal masuk", "sign_out": "Keluar",
    "load": "Dimuat", "supersede": "Digantikan", "restore": "Dipulihkan", "delete": "Ditarik",
    "reject": "Ditolak", "unchanged": "Tidak berubah", "dry_run": "Uji coba unggah",
    "user_add": "Akun dibuat",
    "user_change": "Akun diubah", "settings_change": "Pengaturan diubah",
    "backup": "Cadangan dibuat", "backup_download": "Cadangan diunduh",
    "restore_backup": "Cadangan dipulihkan", "rebuild": "Database dibangun ulang dari arsip",
    "meeting_add": "Rapat dibuat", "followup_add": "Tindak lanjut dicatat",
    "followup_status": "Status tindak lanjut diubah",
}
# Actions whose target is an id (a load without a file name, a meeting, a follow-up).
NUMBERED: dict[str, str] = {
    "load": "muatan", "supersede": "muatan", "restore": "muatan", "delete": "muatan",
    "meeting_add": "rapat", "followup_add": "tindak lanjut", "followup_status": "tindak lanjut",
}
SIGN_IN_REFUSED: dict[str, str] = {
    "unknown": "nama pengguna tidak dikenal", "locked": "akun dikunci untuk alamat ini",
    "inactive": "akun nonaktif", "password": "kata sandi salah",
}


def action_label(action: str) -> str:
    """The action in Bahasa Indonesia ('settings_change' -> 'Pengaturan diubah')."""
    return ACTION_LABELS.get(action, action)


def target_text(action: str, target: object) -> str:
    """What the action was done to; a setting by its Indonesian name, not its code."""
    if not isinstance(target, str) or not target:  # None, or NaN from a NULL in a frame
        return KOSONG
    if action == "settings_change":
        return SETTING_LABELS.get(target, target)
    if target.isdigit() and action in NUMBERED:  # an id: say of what
        return f"{NUMBERED[action]} #{target}"
    return target


def detail_text(action: str, target: object, detail: object) -> str:
    """The recorded detail in words ('' when none); a detail of an unknown shape as 'key:
    value' pairs, never lost."""
    if not isinstance(detail, str) or not detail:  # None, or NaN from a NULL in a frame
        return ""
    try:
        values = json.loads(detail)
    except ValueError:
        return detail
    if not isinstance(values, dict):
        return str(values)
    describe = _DESCRIBE.get(action)
    try:
        return describe(values, target) if describe else _pairs(values)
    except (AttributeError, KeyError, TypeError, ValueError):
        return _pairs(values)


def _pairs(values: dict) -> str:
    return "; ".join(f"{k}: {_words(v)}" for k, v in values.items())


def _words(value: object) -> str:
    """A detail value as a reader writes it: '–' for none, 'ya'/'tidak', 3,8 not 3.8, a list
    or a mapping spelled out (never Python's None, [...] or {...})."""
    if value is None:
        return KOSONG
    if isinstance(value, bool):
        return "ya" if value else "tidak"
    if isinstance(value, (int, float)):
        return str(value_text(value))
    if isinstance(value, list):
        return ", ".join(_words(v) for v in value) if value else KOSONG
    if isinstance(value, dict):
        return "(" + ", ".join(f"{k} {_words(v)}" for k, v in value.items()) + ")"
    return str(value)


def _load(d: dict, _: str | None) -> str:
    counts = counts_text(d.get("counts") or {})
    replaced = f"menggantikan muatan #{d['supersedes']}" if d.get("supersedes") else ""
    stated = (f"tanggal diterima {datetime.fromisoformat(d['tanggal_diterima']):%d-%m-%Y} "
              f"dinyatakan oleh {d['dinyatakan_oleh']}" if d.get("dinyatakan_oleh") else "")
    return "; ".join(p for p in (counts, replaced, stated) if p)


def _user_change(d: dict, _: str | None) -> str:
    parts = []
    if "active" in d:
        parts.append("diaktifkan" if d["active"] else "dinonaktifkan")
    if "password" in d:
        parts.append("kata sandi diganti")
    if "role" in d:
        parts.append(f"peran {auth.ROLES.get(d['role'], d['role'])}")
    if d.get("opd"):
        parts.append(f"OPD {d['opd']}")
    if "region" in d:
        parts.append("semua wilayah" if d["region"] == "semua" else f"wilayah {d['region']}")
    return ", ".join(parts)


def _source(source: str) -> str:
    return "alamat tidak diketahui" if source == auth.SHARED_SOURCE else source


def _sign_in_failed(d: dict, _: str | None) -> str:
    """One failure (older rows), or the failures of one account, or of every unknown name,
    in one window (monev.store.accounts.audit_failure)."""
    why = SIGN_IN_REFUSED.get(d["reason"], d["reason"])
    count = int(d.get("jumlah", 1))
    parts = [why if count == 1 else f"{format_angka(count, 0)} kali gagal, terakhir: {why}"]
    if d.get("locked"):
        parts.append(f"akun dikunci {int(auth.LOCK_FOR.total_seconds() // 60)} menit")
    sources = d.get("sumber") or {}
    if len(sources) == 1 and not d.get("sumber_lain"):
        parts.append(f"dari {_source(next(iter(sources)))}")
    elif sources:
        others = f" dan {d['sumber_lain']} kali dari alamat lain" if d.get("sumber_lain") else ""
        parts.append("dari " + ", ".join(f"{_source(s)} ({n}×)" for s, n in sources.items())
                     + others)
    if d.get("nama"):
        others = f" dan {d['nama_lain']} nama lain" if d.get("nama_lain") else ""
        parts.append("nama dicoba: " + ", ".join(d["nama"]) + others)
    if d.get("ditahan"):
        parts.append("diminta menunggu: " + ", ".join(map(_source, d["ditahan"])))
    return "; ".join(parts)


def _settings_change(d: dict, name: str | None) -> str:
    where = "semua wilayah" if d["wilayah"] == "*" else f"wilayah {d['wilayah']}"
    return (f"{where}: {stored_text(str(name), d['sebelum'])} → "
            f"{stored_text(str(name), d['sesudah'])}")


def _meeting_add(d: dict, _: str | None) -> str:
    cutoff = tanggal_jam(datetime.fromisoformat(str(d["cutoff"])))
    return f"{d['title']}; {tw_label(int(d['tw']))} {d['year']}; data per {cutoff}"


def _followup_add(d: dict, _: str | None) -> str:
    opd = f", OPD {d['opd']}" if d.get("opd") else ""
    return f"rapat #{d['meeting']}{opd}: {d['item']}"


def _rebuild(d: dict, _: str | None) -> str:
    source = {"database": "database lama", "backup": "cadangan"}.get(d.get("sumber") or "")
    kept = (f"akun, pengaturan, rapat dan jejak audit dari {source}" if source
            else "akun, pengaturan, rapat dan jejak audit tidak terbawa")
    return f"{format_angka(d['diputar_ulang'], 0)} peristiwa diputar ulang; {kept}"


_DESCRIBE: dict[str, Callable[[dict, str | None], str]] = {
    "load": _load,
    "supersede": lambda d, _: f"digantikan oleh muatan #{d['replaced_by']}",
    "restore": lambda d, _: (f"menggantikan muatan #{d['replaces']}" if d.get("replaces")
                             else "tidak ada muatan aktif yang digantikan"),
    "reject": lambda d, _: f"{format_angka(d['issues'], 0)} masalah",
    "user_add": lambda d, _: (f"peran {auth.ROLES.get(d['role'], d['role'])}"
                              + (f", OPD {d['opd']}" if d.get("opd") else "")),
    "user_change": _user_change,
    "sign_in_failed": _sign_in_failed,
    "sign_in": lambda d, _: f"dari {_source(d['sumber'])}" if d.get("sumber") else "",
    "sign_out": lambda d, _: {"kedaluwarsa": "sesi kedaluwarsa"}.get(d["reason"], d["reason"]),
    "settings_change": _settings_change,
    "meeting_add": _meeting_add,
    "followup_add": _followup_add,
    "followup_status": lambda d, _: FOLLOWUP_STATUS.get(d["status"], d["status"]),
    "rebuild": _rebuild,
}


def trail_table(con: duckdb.DuckDBPyConnection, limit: int) -> pd.DataFrame:
    """The newest ``limit`` entries of the audit trail in words (Waktu, Pengguna, Tindakan,
    Sasaran, Rincian), with the stored ``event_at``, ``actor`` and ``action`` beside them for
    the page's filters (read once per write by ``data.latest``, not per view)."""
    trail = accounts.audit_trail(con, None, None, None, limit)
    return pd.DataFrame({
        "event_at": trail["event_at"], "actor": trail["actor"], "action": trail["action"],
        "Waktu": trail["event_at"].map(tanggal_jam),
        "Pengguna": trail["actor"],
        "Tindakan": trail["action"].map(action_label),
        "Sasaran": [target_text(a, t) for a, t in zip(trail["action"], trail["target"],
                                                      strict=True)],
        "Rincian": [detail_text(a, t, d) for a, t, d in zip(trail["action"], trail["target"],
                                                            trail["detail"], strict=True)],
    })
