"""Jejak Audit (admin): every sign-in, upload, dry run, supersede, restore, user and settings
change, with who and when; filterable and downloadable."""

from __future__ import annotations

from datetime import date, datetime, time

import pandas as pd
import streamlit as st

from monev.store import accounts
from monev.ui import components, data, nav, session
from monev.ui.format import tanggal_jam

nav.ensure_routed()
session.require("audit")

ACTION_LABELS = {
    "sign_in": "Masuk", "sign_in_failed": "Gagal masuk", "sign_out": "Keluar",
    "load": "Dimuat", "supersede": "Digantikan", "restore": "Dipulihkan", "delete": "Ditarik",
    "reject": "Ditolak", "dry_run": "Uji coba unggah", "user_add": "Akun dibuat",
    "user_change": "Akun diubah", "settings_change": "Pengaturan diubah",
    "backup": "Cadangan dibuat", "backup_download": "Cadangan diunduh",
    "restore_backup": "Cadangan dipulihkan",
    "rebuild": "Database dibangun ulang dari arsip",
    "meeting_add": "Rapat dibuat", "followup_add": "Tindak lanjut dicatat",
    "followup_status": "Status tindak lanjut diubah",
}
ALL = "Semua"

st.title("Jejak Audit")
st.caption("Siapa melakukan apa dan kapan: masuk, unggah, uji coba, penggantian, pemulihan, "
           "perubahan akun dan pengaturan.")

with components.busy_guard(stop=True):
    # Read each time: sign-ins add to it without changing the data version (data.py).
    trail = data.read(accounts.audit_trail, None, None, None, 5000)

cols = st.columns(3)
actor = cols[0].selectbox("Pengguna", [ALL, *sorted(trail["actor"].dropna().unique())])
labels = {ACTION_LABELS.get(a, a): a for a in sorted(trail["action"].dropna().unique())}
action = cols[1].selectbox("Tindakan", [ALL, *labels])
since = cols[2].date_input("Sejak tanggal", value=None, format="DD/MM/YYYY")

shown = trail
if actor != ALL:
    shown = shown[shown["actor"] == actor]
if action != ALL:
    shown = shown[shown["action"] == labels[action]]
if isinstance(since, date):
    shown = shown[shown["event_at"] >= pd.Timestamp(datetime.combine(since, time()))]

table = pd.DataFrame({
    "Waktu": shown["event_at"].map(tanggal_jam),
    "Pengguna": shown["actor"],
    "Tindakan": shown["action"].map(lambda a: ACTION_LABELS.get(a, a)),
    "Sasaran": shown["target"],
    "Rincian": shown["detail"],
})
st.metric("Jumlah catatan", f"{len(table):,}".replace(",", "."))
if table.empty:
    st.info("Belum ada catatan yang cocok dengan pilihan di atas.")
else:
    st.dataframe(table, hide_index=True, width="stretch")
    components.download_buttons(table, "jejak-audit")
