"""Jejak Audit (admin): every sign-in, upload, dry run, supersede, restore, user and settings
change, with who and when; filterable and downloadable."""

from __future__ import annotations

from datetime import date, datetime, time

import pandas as pd
import streamlit as st

from monev.ui import audit_text, components, data, nav, session
from monev.ui.audit_text import action_label

nav.ensure_routed()
session.require("audit")

ALL = "Semua"

st.title("Jejak Audit")
st.caption("Siapa melakukan apa dan kapan: masuk, unggah, uji coba, penggantian, pemulihan, "
           "perubahan akun dan pengaturan, cadangan, rapat dan tindak lanjut.")

with components.busy_guard(stop=True):
    # Read again after every write: sign-ins add to it without changing the data version.
    trail = data.latest(audit_text.trail_table, 5000)

cols = st.columns(3)
actor = cols[0].selectbox("Pengguna", [ALL, *sorted(trail["actor"].dropna().unique())])
labels = {action_label(a): a for a in sorted(trail["action"].dropna().unique())}
action = cols[1].selectbox("Tindakan", [ALL, *labels])
since = cols[2].date_input("Sejak tanggal", value=None, format="DD/MM/YYYY")

shown = trail
if actor != ALL:
    shown = shown[shown["actor"] == actor]
if action != ALL:
    shown = shown[shown["action"] == labels[action]]
if isinstance(since, date):
    shown = shown[shown["event_at"] >= pd.Timestamp(datetime.combine(since, time()))]

table = shown[["Waktu", "Pengguna", "Tindakan", "Sasaran", "Rincian"]]
st.metric("Jumlah catatan", f"{len(table):,}".replace(",", "."))
if table.empty:
    st.info("Belum ada catatan yang cocok dengan pilihan di atas.")
else:
    components.table(table, key="au_events", width="stretch",
                     column_config={"Rincian": st.column_config.TextColumn(width="large")})
    components.download_buttons(table, "jejak-audit")
