"""Cadangan (admin): back up the whole database and its upload archive, and take a copy away.

Storyboard: what a backup holds and how it is restored → make one now → the backups kept on the
server, one downloadable as a zip (to keep off the server) → the files a restore or a rebuild
set aside. Restoring replaces the database, so it is a server command, not a button here.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from etl import backup as bk
from monev.store import accounts
from monev.ui import components, data, filters, nav, session
from monev.ui.format import tanggal_jam, ukuran

FLASH_KEY = "_cadangan_dibuat"

nav.ensure_routed()
admin = session.require("backup")

st.title("Cadangan")
st.caption("Cadangan memuat seluruh database (data, akun, pengaturan, rapat, tindak lanjut dan "
           "jejak audit) beserta arsip file unggahan. Simpan salinannya di luar server: unduh "
           "sebagai zip di bawah. Pemulihan dijalankan di server dengan `python -m etl restore "
           "FOLDER_ATAU_ZIP`; database yang diganti disisihkan, tidak dihapus.")

with components.busy_guard(stop=True):
    regions = filters.options().regions
others = sorted(set(regions) - {admin.region_code}) if admin.region_code else []
if others:  # a backup holds every region: an admin bound to one may not take the others
    st.warning(f"Cadangan memuat semua wilayah, termasuk {len(others)} wilayah di luar "
               "wilayah akun Anda. Mintalah admin tanpa ikatan wilayah untuk membuatnya.",
               icon=":material/lock:")
    st.stop()

path = data.db_path()
if st.button("Buat cadangan sekarang", type="primary", icon=":material/backup:"):
    with components.busy_guard():
        folder = bk.new_backup_folder(path)
        # Audited first, so the backup carries the record of its own making.
        data.write_account(accounts.audit, admin.username, "backup", folder.name)
        data.read(lambda con: bk.backup(path, folder, con=con))
        size = next(s.size for s in bk.stored(path) if s.path == folder)
        st.session_state[FLASH_KEY] = f"Cadangan {folder.name} dibuat ({ukuran(size)})."
        st.rerun()
if message := st.session_state.pop(FLASH_KEY, None):
    st.success(message, icon=":material/check_circle:")

kept = bk.stored(path)
backups = [s for s in kept if s.is_backup]
st.subheader("Cadangan di server", divider="gray")
if not backups:
    st.caption("Belum ada cadangan di server.")
else:
    st.dataframe(pd.DataFrame({
        "Cadangan": [b.path.name for b in backups],
        "Dibuat": [tanggal_jam(b.made_at) for b in backups],
        "Ukuran": [ukuran(b.size) for b in backups],
    }), hide_index=True, width="stretch")
    chosen = st.selectbox("Unduh cadangan", backups, format_func=lambda b: b.path.name,
                          key="cadangan_pilih")

    def download() -> bytes:
        """The chosen backup as a zip; the download is audited (it holds every account)."""
        data.write_account(accounts.audit, admin.username, "backup_download",
                           chosen.path.name)
        return bk.zipped(chosen.path)

    st.download_button(f"Unduh {chosen.path.name}.zip ({ukuran(chosen.size)})", download,
                       file_name=f"{chosen.path.name}.zip", mime="application/zip",
                       on_click="ignore", icon=":material/download:", key="cadangan_unduh")

aside = [s for s in kept if not s.is_backup]
if aside:
    st.subheader("File yang disisihkan", divider="gray")
    st.caption("Database dan jurnal arsip yang diganti oleh pemulihan atau bangun ulang. "
               "Hapus di server bila sudah tidak diperlukan.")
    st.dataframe(pd.DataFrame({
        "File": [s.path.name for s in aside],
        "Disisihkan": [tanggal_jam(s.made_at) for s in aside],
        "Ukuran": [ukuran(s.size) for s in aside],
    }), hide_index=True, width="stretch")
