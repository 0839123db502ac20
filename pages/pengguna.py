"""Pengguna (admin): accounts and roles; create an account; change one's role, OPD, region or
status; reset a password."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from monev import auth
from monev.store import accounts
from monev.ui import components, data, filters, nav, session
from monev.ui.format import md_text

ALL_REGIONS = "Semua wilayah"
FLASH_KEY = "pengguna_pesan"
OPD_HELP = ("Operator terikat pada satu OPD dari masterplan aktif wilayahnya; peran lain tanpa "
            "OPD.")
REGION_HELP = "Akun yang terikat pada satu wilayah hanya dapat memuat file wilayah itu."

nav.ensure_routed()
admin = session.require("users")

st.title("Pengguna")
st.caption("Admin (Diskominfo) mengelola akun. Operator terikat pada satu OPD; pimpinan hanya "
           "membaca dan memimpin rapat. Kata sandi disimpan sebagai hash argon2, tidak pernah "
           "dalam bentuk asli.")

with components.busy_guard(stop=True):
    # Read again after every write: sign-ins change failed attempts and lock-outs.
    people = data.latest(accounts.users)
    # The OPDs an operator may be bound to: those of the active masterplans (the account's
    # region is checked when it is saved, by monev.store.accounts).
    opd_table = data.cached(accounts.operator_opds, None)
    regions = filters.options().regions

table = pd.DataFrame({
    "Nama pengguna": people["username"], "Nama": people["full_name"],
    "Peran": people["role"].map(auth.ROLES), "OPD": people["opd_code"].fillna("–"),
    "Wilayah": people["region_code"].where(people["region_code"].notna(), ALL_REGIONS),
    "Aktif": people["active"].map({True: "Ya", False: "Tidak"}),
    "Gagal masuk": people["failed_attempts"],
})
components.table(table, key="us_users", width="stretch")

opd_names = dict(zip(opd_table["opd_code"], opd_table["name"]))


def opd_label(code: str) -> str:
    """An OPD choice: code and name, or the blank choice for accounts of other roles."""
    if not code:
        return "– (bukan operator)"
    return f"{code} – {opd_names[code]}" if code in opd_names else code


def region_label(code: str) -> str:
    """A region choice: name and code, or every region."""
    if not code:
        return ALL_REGIONS
    return f"{regions[code]} ({code})" if code in regions else code


def role_of(label: str) -> str:
    """The role code of a role's label."""
    return next(k for k, v in auth.ROLES.items() if v == label)


if message := st.session_state.pop(FLASH_KEY, None):  # after the rerun that shows the change
    st.success(message)
if not opd_names:
    st.info("Belum ada masterplan aktif, jadi belum ada OPD untuk akun operator. Muat "
            "masterplan dulu di halaman Unggah Data; akun admin dan pimpinan dapat dibuat "
            "sekarang.")

st.subheader("Buat akun")
with st.form("akun_baru", clear_on_submit=True):
    c1, c2 = st.columns(2)
    username = c1.text_input("Nama pengguna", key="baru_nama")
    full_name = c2.text_input("Nama lengkap", key="baru_nama_lengkap")
    role_label = c1.selectbox("Peran", list(auth.ROLES.values()), key="baru_peran")
    opd = c2.selectbox("OPD (khusus operator)", ["", *opd_names], format_func=opd_label,
                       key="baru_opd", help=OPD_HELP)
    region = c2.selectbox("Wilayah", ["", *regions], format_func=region_label,
                          key="baru_wilayah", help=REGION_HELP)
    password = c1.text_input("Kata sandi awal", type="password", key="baru_sandi",
                             help=f"Minimal {auth.MIN_PASSWORD} karakter, huruf dan angka.")
    created = st.form_submit_button("Buat akun", type="primary")
if created:
    role = role_of(role_label)
    try:
        with components.busy_guard():
            data.write(lambda con: accounts.add_user(
                con, username.strip(), full_name.strip() or username.strip(), role, password,
                opd_code=opd or None, region_code=region or None, actor=admin.username))
            st.session_state[FLASH_KEY] = f"Akun {md_text(username.strip())} dibuat."
            st.rerun()
    except ValueError as exc:
        st.error(md_text(str(exc)))

st.subheader("Ubah akun")
if not people.empty:
    who = st.selectbox("Akun", list(people["username"]), key="ubah_siapa")
    current = people[people["username"] == who].iloc[0]
    now_opd = current["opd_code"] if isinstance(current["opd_code"], str) else ""
    now_region = current["region_code"] if isinstance(current["region_code"], str) else ""
    opd_choices = ["", *opd_names, *([now_opd] if now_opd not in opd_names else [])]
    region_choices = ["", *regions, *([now_region] if now_region not in regions else [])]
    roles = list(auth.ROLES.values())
    with st.form("ubah_akun"):  # the fields start from the chosen account, keyed by it
        c1, c2 = st.columns(2)
        new_role = c1.selectbox("Peran", roles, index=roles.index(auth.ROLES[current["role"]]),
                                key=f"ubah_peran_{who}")
        new_opd = c2.selectbox("OPD (khusus operator)", opd_choices,
                               index=opd_choices.index(now_opd), format_func=opd_label,
                               key=f"ubah_opd_{who}", help=OPD_HELP)
        active = c1.radio("Status", ["Aktif", "Nonaktif"], index=0 if current["active"] else 1,
                          horizontal=True, key=f"ubah_status_{who}")
        new_region = c2.selectbox("Wilayah", region_choices,
                                  index=region_choices.index(now_region),
                                  format_func=region_label, key=f"ubah_wilayah_{who}",
                                  help=REGION_HELP)
        new_password = c1.text_input("Kata sandi baru (kosongkan bila tidak diganti)",
                                     type="password", key=f"ubah_sandi_{who}")
        changed = st.form_submit_button("Simpan")
    if changed:
        role = role_of(new_role)
        try:
            with components.busy_guard():
                done = data.write(lambda con: accounts.set_user(
                    con, who, actor=admin.username, active=active == "Aktif",
                    password=new_password or None, role=role,
                    opd_code=new_opd if role == "operator" else None,
                    region_code=new_region or "*"))
                if not done:
                    st.info("Tidak ada yang berubah.")
                else:  # the fields start again from the account as it is now
                    for field in ("peran", "opd", "status", "wilayah", "sandi"):
                        st.session_state.pop(f"ubah_{field}_{who}", None)
                    st.session_state[FLASH_KEY] = f"Akun {md_text(who)} diperbarui."
                    st.rerun()
        except ValueError as exc:
            st.error(md_text(str(exc)))
