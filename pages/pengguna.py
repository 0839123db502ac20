"""Pengguna (admin): accounts and roles; create an account, deactivate one, reset a password."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from monev import auth
from monev.store import accounts
from monev.ui import components, data, filters, nav, session
from monev.ui.format import md_text

ALL_REGIONS = "Semua wilayah"

nav.ensure_routed()
admin = session.require("users")

st.title("Pengguna")
st.caption("Admin (Diskominfo) mengelola akun. Operator terikat pada satu OPD; pimpinan hanya "
           "membaca dan memimpin rapat. Kata sandi disimpan sebagai hash argon2, tidak pernah "
           "dalam bentuk asli.")

with components.busy_guard(stop=True):
    # Read each time: sign-ins change failed attempts and lock-outs (data.write_account).
    people = data.read(accounts.users)

table = pd.DataFrame({
    "Nama pengguna": people["username"], "Nama": people["full_name"],
    "Peran": people["role"].map(auth.ROLES), "OPD": people["opd_code"],
    "Wilayah": people["region_code"].where(people["region_code"].notna(), ALL_REGIONS),
    "Aktif": people["active"].map({True: "Ya", False: "Tidak"}),
    "Gagal masuk": people["failed_attempts"],
})
st.dataframe(table, hide_index=True, width="stretch")

st.subheader("Buat akun")
with st.form("akun_baru", clear_on_submit=True):
    c1, c2 = st.columns(2)
    username = c1.text_input("Nama pengguna")
    full_name = c2.text_input("Nama lengkap")
    role_label = c1.selectbox("Peran", list(auth.ROLES.values()))
    opd = c2.text_input("Kode OPD (khusus operator)")
    regions = filters.options().regions
    region = c2.selectbox("Wilayah", ["", *regions],
                          format_func=lambda c: f"{regions[c]} ({c})" if c else ALL_REGIONS,
                          help="Akun yang terikat pada satu wilayah hanya dapat memuat file "
                               "wilayah itu.")
    password = c1.text_input("Kata sandi awal", type="password",
                             help=f"Minimal {auth.MIN_PASSWORD} karakter, huruf dan angka.")
    created = st.form_submit_button("Buat akun", type="primary")
if created:
    role = next(k for k, v in auth.ROLES.items() if v == role_label)
    try:
        with components.busy_guard():
            data.write(lambda con: accounts.add_user(
                con, username.strip(), full_name.strip() or username.strip(), role, password,
                opd_code=opd.strip().upper() or None, region_code=region or None,
                actor=admin.username))
            st.success(f"Akun {md_text(username)} dibuat.")
    except ValueError as exc:
        st.error(md_text(str(exc)))

st.subheader("Ubah akun")
if not people.empty:
    with st.form("ubah_akun"):
        who = st.selectbox("Akun", list(people["username"]))
        active = st.radio("Status", ["Aktif", "Nonaktif"], horizontal=True)
        new_password = st.text_input("Kata sandi baru (kosongkan bila tidak diganti)",
                                     type="password")
        changed = st.form_submit_button("Simpan")
    if changed:
        try:
            with components.busy_guard():
                data.write(lambda con: accounts.set_user(
                    con, who, actor=admin.username, active=active == "Aktif",
                    password=new_password or None))
                st.success(f"Akun {md_text(who)} diperbarui.")
        except ValueError as exc:
            st.error(md_text(str(exc)))
