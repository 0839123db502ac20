"""Rapat Evaluasi: the quarterly evaluation meetings. List them, create one for a quarter
with a data cut-off, open one: its figures, the presentation, the reports, its decisions
and last meeting's follow-ups.

A meeting freezes what it shows at its cut-off (``monev.engine.meeting``): uploads made
later do not change it, and the sidebar filters do not apply to it.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import streamlit as st

from monev.domain.rollup import RUNNING_LABEL, running_text
from monev.domain.text import format_persen, tw_label
from monev.store import meetings as store
from monev.ui import components, data, filters, nav, session
from monev.ui import slides as sl
from monev.ui.format import md_text, tanggal, tanggal_jam, triwulan

CHOSEN = "rapat_pilih"


def _int(value: object) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


def create_section(actor: str) -> None:
    """A new meeting: region, quarter, title, chair, data cut-off (default now)."""
    opts = filters.options(st.session_state.get("filter_wilayah"))
    if not opts.regions:
        st.info("Rapat dapat dibuat setelah masterplan dimuat.")
        return
    now = datetime.now().replace(second=0, microsecond=0)
    with st.form("rapat_baru", border=True):
        region = next(iter(opts.regions))
        if len(opts.regions) > 1:
            region = st.selectbox("Wilayah", list(opts.regions), key="rapat_wilayah",
                                  format_func=opts.regions.get)
        c1, c2, c3 = st.columns([1, 1, 3])
        year = c1.selectbox("Tahun", opts.years, index=opts.years.index(opts.default_year),
                            key="rapat_tahun")
        tw = c2.selectbox("Triwulan", (1, 2, 3, 4), index=opts.default_tw - 1,
                          format_func=tw_label, key="rapat_tw")
        title = c3.text_input("Judul rapat", key="rapat_judul",
                              placeholder="Kosongkan: 'Rapat Evaluasi <TW> <tahun>'")
        c4, c5, c6 = st.columns([3, 2, 1])
        chair = c4.text_input("Dipimpin oleh", key="rapat_pimpinan",
                              placeholder="mis. Sekretaris Daerah")
        day = c5.date_input("Data per tanggal", value=now.date(), max_value=now.date(),
                            format="DD/MM/YYYY", key="rapat_tanggal")
        at = c6.time_input("Jam", value=now.time(), step=60, key="rapat_jam")
        st.caption("Rapat menampilkan data yang sudah masuk sampai batas ini; unggahan "
                   "sesudahnya tidak mengubah isi rapat.")
        sent = st.form_submit_button("Buat rapat", type="primary", icon=":material/add:",
                                     key="rapat_buat")
    if not sent:
        return
    cutoff = sl.cutoff_at(day, at)
    if cutoff > datetime.now():
        st.error("Batas data tidak boleh di masa depan: isi rapat harus sudah pasti.")
        return
    title = title.strip() or f"Rapat Evaluasi {tw_label(tw)} {year}"
    meeting_id = data.write(sl.create, region, year, tw, title, chair.strip(), cutoff, actor)
    st.session_state[CHOSEN] = meeting_id
    st.query_params["rapat"] = str(meeting_id)
    st.session_state["_rapat_dibuat"] = title
    st.rerun()


def meeting_table(listing: pd.DataFrame) -> None:
    table = pd.DataFrame({
        "No.": listing["meeting_id"].astype(int),
        "Judul": listing["title"],
        "Periode": [f"{triwulan(t)} {y}" for t, y in zip(listing["tw"], listing["year"],
                                                        strict=True)],
        "Data per": listing["cutoff"].map(tanggal_jam),
        "Dipimpin oleh": listing["chair"].fillna("–"),
        "Tindak lanjut": listing["n_followups"].astype(int),
        "Dibuat oleh": listing["created_by"],
    })
    st.dataframe(table, hide_index=True, width="stretch")


def _keep_choice() -> None:
    st.query_params["rapat"] = str(st.session_state[CHOSEN])


def detail(view: sl.MeetingView, can_manage: bool, actor: str | None) -> None:
    """One meeting: figures, presentation links, reports, decisions, last follow-ups."""
    meeting, overall = view.meeting, view.overall
    # Title, chair and names are typed by users: escaped, never Markdown (md_text).
    st.subheader(md_text(meeting.title))
    chair = f" · dipimpin {md_text(meeting.chair)}" if meeting.chair else ""
    st.caption(f"{overall.get('period_label', view.period)} · data per "
               f"{sl.cutoff_label(meeting)}{chair} · dibuat oleh "
               f"{md_text(meeting.created_by)}")
    with st.container(horizontal=True):
        st.page_link("pages/presentasi.py", label="Buka presentasi",
                     icon=":material/slideshow:",
                     query_params={"rapat": str(meeting.meeting_id), "slide": "1"})
        st.link_button("Buka untuk proyektor (tab baru)",
                       f"presentasi?rapat={meeting.meeting_id}&slide=1&embed=true",
                       icon=":material/open_in_new:")
    flags = view.flags
    reports = view.reports[view.reports["status"] != "belum_jatuh_tempo"]
    got = int(reports["status"].isin(["tepat_waktu", "terlambat"]).sum())
    cols = st.columns(4)
    with cols[0]:
        components.kpi_tile(f"Capaian ({md_text(overall.get('band_label', ''))})",
                            f"{format_persen(overall.get('capaian'))} · "
                            f"{overall.get('band_code', '')}")
    with cols[1]:
        components.kpi_tile(RUNNING_LABEL, format_persen(overall.get("pct_running")),
                            delta=running_text(overall.get("n_running", 0),
                                               overall.get("n_planned", 0), meeting.year),
                            delta_color="off")
    with cols[2]:
        components.kpi_tile("Butir perlu tindak lanjut", len(sl.flagged_items(flags)))
    with cols[3]:
        components.kpi_tile("Laporan OPD masuk", f"{got} dari {len(reports)}")

    st.markdown("#### Laporan evaluasi")
    st.caption("Excel untuk diolah, PDF untuk dibagikan; keduanya dari data yang dibekukan "
               "rapat ini.")
    sl.report_downloads(view)

    st.markdown("#### Keputusan rapat ini")
    decided = view.followups
    if decided.empty:
        st.caption("Belum ada keputusan yang dicatat.")
    else:
        st.dataframe(pd.DataFrame({
            "Butir": decided["item_label"], "Keputusan": decided["decision"],
            "OPD": decided["opd_code"].map(view.opd_short),
            "Batas waktu": decided["due_date"].map(tanggal),
            "Dicatat oleh": decided["created_by"],
        }), hide_index=True, width="stretch")
    if can_manage and actor:
        with st.expander("Catat keputusan / tindak lanjut", icon=":material/edit_note:"):
            items = sl.flagged_items(flags, kinds=None)
            sl.followup_form(view, items, "fu_rapat", actor, free_item=True)

    if view.previous is not None and not view.review.empty:
        st.markdown(f"#### Tindak lanjut rapat sebelumnya: {md_text(view.previous.title)}")
        review = view.review
        st.dataframe(pd.DataFrame({
            "Butir": review["item_label"], "Keputusan": review["decision"],
            "OPD": review["opd_code"].map(view.opd_short),
            "Batas waktu": review["due_date"].map(tanggal),
            "Status": review["final_status_label"],
            "Menurut data": review["data_status_label"],
        }), hide_index=True, width="stretch")
        if can_manage and actor:
            with st.expander("Tandai status tindak lanjut", icon=":material/task_alt:"):
                sl.status_form(view, "status_rapat", actor)


def main() -> None:
    st.title("Rapat Evaluasi")
    st.caption("Rapat evaluasi triwulanan Masterplan Smart City. Setiap rapat membekukan data "
               "pada batas waktunya: yang ditampilkan dan dilaporkan tidak berubah oleh "
               "unggahan berikutnya.")
    user = session.current_user()
    can_manage = user is not None and user.can("meetings")
    created = st.session_state.pop("_rapat_dibuat", None)
    if created:
        st.success(f"Rapat “{md_text(created)}” dibuat.", icon=":material/check_circle:")
    with components.busy_guard(stop=True, catch_all=True):
        if can_manage:
            with st.expander("Buat rapat baru", icon=":material/add:"):
                create_section(user.username)  # type: ignore[union-attr]
        listing = data.cached(store.meetings)
    if not can_manage:
        st.caption("Rapat dibuat dan keputusannya dicatat oleh admin Diskominfo atau pimpinan.")
    if listing.empty:
        st.info("Belum ada rapat evaluasi.")
        return
    meeting_table(listing)
    ids = [int(i) for i in listing["meeting_id"]]
    wanted = _int(st.query_params.get("rapat"))
    if wanted in ids:
        st.session_state[CHOSEN] = wanted
    elif st.session_state.get(CHOSEN) not in ids:
        st.session_state[CHOSEN] = ids[0]
    titles = dict(zip(ids, listing["title"], strict=True))
    st.selectbox("Buka rapat", ids, key=CHOSEN, on_change=_keep_choice,
                 format_func=lambda i: f"{i}. {titles[i]}")
    with components.busy_guard(stop=True, catch_all=True):
        view = data.cached(sl.meeting_view, st.session_state[CHOSEN])
        if view is not None:
            detail(view, can_manage, user.username if user else None)


nav.ensure_routed()
main()
