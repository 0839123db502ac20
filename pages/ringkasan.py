"""Ringkasan: placeholder showing what has been loaded."""

import streamlit as st

from monev.store import db, lineage

st.title("Monev Smart City")
path = db.default_db_path()
if not path.exists():
    st.info("Belum ada data. Jalankan `make run` untuk membuat data demo.")
else:
    with db.opened(path, read_only=True, retries=20) as con:
        hist = lineage.history(con)
    st.metric("Jumlah file dimuat", len(hist))
    st.dataframe(hist[["load_id", "kind", "opd_code", "year", "tw", "file_name", "uploaded_by",
                       "uploaded_at"]], hide_index=True)
