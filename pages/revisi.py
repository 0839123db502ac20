"""Revisi Masterplan: the revisions in force and their history; an admin records one.

Storyboard: the list of revisions (everyone) → the revision workbooks loaded → (admin) a form
for one revision: check (dry run) → save. Many revisions at once: the revision workbook or the
"Revisi" sheet of the masterplan workbook, uploaded on Unggah Data.
"""

from __future__ import annotations

import functools
from datetime import date

import streamlit as st

from monev.engine import AsOf
from monev.engine.revisions import program_history
from monev.store import revisions as store
from monev.ui import components, filters, nav, session, upload
from monev.ui import revisions as rv
from monev.ui.data import cached
from monev.ui.format import md_text


def list_section(region: str, asof: AsOf) -> None:
    """Every revision of the region and the revision workbooks loaded."""
    history = cached(program_history, region, asof)
    if history.empty:
        st.info("Belum ada revisi masterplan yang dicatat.", icon=":material/info:")
    else:
        st.caption(f"{len(history)} revisi. Status dinilai pada akhir {asof.tw_label} "
                   f"{asof.year}; target semula di masterplan tidak pernah diubah.")
        table = rv.history_table(history)
        components.table(table, key="rv_list")
        components.download_buttons(table, "revisi_masterplan", key="rv_dl",
                                    what="daftar revisi")
    loads = rv.loads_table(region)
    if len(loads):
        with st.expander(f"Berkas revisi yang diunggah ({len(loads)})",
                         icon=":material/folder_open:"):
            components.table(loads, key="rv_loads")
            st.caption("Revisi yang salah ditarik lewat halaman Riwayat Unggah (muatan itu "
                       "dinonaktifkan dan dapat dipulihkan).")


def form_section(region: str) -> None:
    """One revision from a form: dry run, then save."""
    st.subheader("Catat revisi", divider="gray")
    programs = cached(store.masterplan_programs, region)
    indicators = cached(store.masterplan_indicators, region)
    names = dict(zip(programs["program_code"], programs["name"], strict=True))
    c1, c2 = st.columns([1, 2])
    kind = c1.selectbox("Jenis revisi", rv.KIND_CHOICES, key="rv_jenis",
                        format_func=lambda k: rv.KIND_LABELS[k])
    c2.caption(rv.KIND_HELP[kind])
    program = c2.selectbox("Program", list(names), key="rv_program",
                           format_func=lambda c: f"{c} · {names[c]}")
    own = indicators[indicators["program_code"] == program]
    labels = dict(zip(own["indicator_code"], own["name"], strict=True))
    options = ([] if kind == "target_diubah" else [""]) + list(labels)
    indicator = c1.selectbox("Indikator", options, key=f"rv_indikator_{kind}",
                             format_func=lambda c: f"{c} · {labels[c]}" if c
                             else "Seluruh program")
    c3, c4, c5, c6 = st.columns(4)
    this_year = date.today().year
    year = c3.number_input("Tahun", 2000, 2100, this_year, step=1, key="rv_tahun")
    new_year = None
    if kind in ("ditunda", "dijadwal_ulang"):
        new_year = c4.number_input("Tahun Baru", 2000, 2100, this_year + 1, step=1,
                                   key="rv_tahun_baru")
    tw = None
    if kind in ("dijadwal_ulang", "target_diubah", "ditambah"):
        tw = c5.selectbox("TW", (None, 1, 2, 3, 4), key="rv_tw",
                          format_func=lambda t: "Tahunan" if t is None else rv.tw_text(t))
    target = None
    if kind in ("target_diubah", "ditambah"):
        target = c6.number_input("Target Baru", value=None, min_value=0.0, step=1.0,
                                 key="rv_target", placeholder="kosong")
    reason = st.text_area("Alasan", key="rv_alasan", max_chars=500,
                          placeholder="mis. Refocusing anggaran untuk penanganan bencana")
    c7, c8, c9 = st.columns(3)
    number = c7.text_input("Nomor dasar hukum", key="rv_nomor", max_chars=200,
                           placeholder="mis. Perbup Tuban No. 45 Tahun 2026")
    legal_date = c8.date_input("Tanggal dasar hukum", value=None, format="DD/MM/YYYY",
                               key="rv_tanggal")
    effective = c9.date_input("Berlaku mulai", value=None, format="DD/MM/YYYY",
                              key="rv_berlaku")
    row = rv.revision_row(kind, program, indicator or None, int(year),
                          None if new_year is None else int(new_year), tw, target, reason,
                          number, legal_date, effective)
    if st.button("Periksa (uji coba)", key="rv_periksa", icon=":material/fact_check:"):
        st.session_state["rv_checked"] = (row, rv.check(region, row))
    stored = st.session_state.get("rv_checked")
    if not stored or stored[0] != row:
        st.caption("Revisi diperiksa dahulu tanpa mengubah data; baru disimpan setelah Anda "
                   "menekan **Simpan revisi**.")
        return
    item = stored[1]
    if not item.loadable:
        st.error(md_text(item.result.message), icon=":material/error:")
        if item.result.issues:
            components.table(upload.issues_table(item.result.issues), key="rv_issues")
        return
    st.info(md_text(item.result.message), icon=":material/fact_check:")
    if st.button("Simpan revisi", type="primary", key="rv_simpan",
                 icon=":material/database_upload:"):
        results = rv.save(item)
        st.session_state.pop("rv_checked", None)
        st.session_state["rv_done"] = [(r.ok, r.message) for r in results]
        st.rerun()


nav.ensure_routed()
user = session.require("view")
st.title("Revisi Masterplan")
st.caption("Penundaan, penjadwalan ulang, perubahan target, pembatalan dan penambahan program "
           "berdasarkan Perbup/Perwali atau keputusan Dewan Smart City.")
with components.busy_guard(stop=True, catch_all=True):
    opts = filters.options()
    regions = {c: n for c, n in opts.regions.items() if user.region_code in (None, c)}
    region = next(iter(regions), None)
    if len(regions) > 1:
        region = st.selectbox("Wilayah", list(regions), format_func=regions.get,
                              key="rv_wilayah")
    if region is None:
        st.info("Belum ada masterplan yang dimuat.", icon=":material/info:")
        st.stop()
    for ok, message in st.session_state.pop("rv_done", []):
        if ok:
            st.success(md_text(message), icon=":material/check_circle:")
        else:
            st.error(md_text(message), icon=":material/error:")
    today = date.today()
    year, tw = filters.last_closed_tw(today)
    view = AsOf.latest(year, tw, today)
    with components.busy_guard(catch_all=True):
        list_section(region, view)
    if user.can("masterplan"):
        with components.busy_guard(catch_all=True):
            form_section(region)
        st.download_button("Unduh template workbook revisi (banyak revisi sekaligus)",
                           functools.partial(rv.template_bytes, region),
                           file_name=f"template_revisi_{region}.xlsx",
                           mime=components.XLSX_MIME, on_click="ignore",
                           icon=":material/download:", key="rv_template")
        st.caption("Workbook revisi yang sudah diisi diunggah di halaman Unggah Data.")
