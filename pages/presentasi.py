"""Presentasi: one evaluation meeting on the projector, one finding per slide.

The URL says what is on screen: ``/presentasi?rapat=<id>&slide=<n>`` opens meeting <id> at
slide <n> (1-based) and is kept in sync as the presenter moves, so a link or a reload lands
on the same slide (add ``&embed=true`` for a bare projector tab). Next: PageDown (a
presentation clicker) or the right arrow; previous: PageUp or the left arrow; Home and End
jump to the first and last slide. Every shown figure comes from the meeting's frozen view.
"""

from __future__ import annotations

import time

import streamlit as st

from monev.store import meetings as store
from monev.ui import components, data, nav, session
from monev.ui import slides as sl
from monev.ui.format import tanggal_jam, triwulan

SHOWN = "_pres_shown"      # (meeting id, slide, monotonic time it appeared)
AUTO, SECONDS = "pres_auto", "pres_secs"


def _int(value: object) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


def _current() -> int:
    return _int(st.query_params.get("slide")) or 1


def _go(to: int, total: int) -> None:
    st.query_params["slide"] = str(min(max(to, 1), total))


def _restart() -> None:
    """Auto-advance switched on or its pace changed: the current slide's time starts now."""
    shown = st.session_state.get(SHOWN)
    if shown:
        st.session_state[SHOWN] = (shown[0], shown[1], time.monotonic())


def _step(delta: int, total: int) -> None:
    """Button callback: move from the slide now in the URL (two quick presses move two)."""
    _go(_current() + delta, total)


def picker(message: str | None = None) -> None:
    """No meeting chosen: choose one (this view keeps the normal app around it)."""
    st.title("Presentasi Rapat Evaluasi")
    if message:
        st.warning(message, icon=":material/warning:")
    with components.busy_guard(stop=True, catch_all=True):
        listing = data.cached(store.meetings)
    if listing.empty:
        st.info("Belum ada rapat evaluasi. Buat rapat di halaman Rapat Evaluasi, lalu buka "
                "presentasinya dari sana.")
        st.page_link("pages/rapat.py", label="Ke halaman Rapat Evaluasi",
                     icon=":material/event_note:")
        return
    labels = {int(r.meeting_id): f"{r.title} — {triwulan(r.tw)} {r.year}, data per "
              f"{tanggal_jam(r.cutoff)}" for r in listing.itertuples(index=False)}
    chosen = st.selectbox("Rapat", list(labels), format_func=labels.get, key="pres_pilih")
    if st.button("Mulai presentasi", type="primary", icon=":material/slideshow:",
                 key="pres_mulai"):
        st.query_params.update({"rapat": str(chosen), "slide": "1"})
        st.rerun()


def button_bar(view: sl.MeetingView, page: sl.Page, index: int, total: int) -> None:
    """The bar at the bottom: meeting, previous/next, auto-advance, decisions, exit."""
    user = session.current_user()
    meeting = view.meeting
    with st.container(horizontal=True, key="pres_bar", vertical_alignment="center", gap="small"):
        with st.container(key="pres_meta", width="stretch"):
            st.markdown(f"Data per {sl.cutoff_label(meeting)}")
        st.button("◀", key="pres_prev", shortcut="PageUp", on_click=_step, args=(-1, total),
                  disabled=index <= 1, help="Slide sebelumnya")
        st.button("▶", key="pres_next", shortcut="PageDown", on_click=_step, args=(1, total),
                  disabled=index >= total, help="Slide berikutnya")
        # A button takes one shortcut: the arrow keys and Home/End get hidden twins.
        st.button("◀", key="pres_left", shortcut="Left", on_click=_step, args=(-1, total))
        st.button("▶", key="pres_right", shortcut="Right", on_click=_step, args=(1, total))
        st.button("Awal", key="pres_home", shortcut="Home", on_click=_go, args=(1, total))
        st.button("Akhir", key="pres_end", shortcut="End", on_click=_go, args=(total, total))
        st.toggle("Maju otomatis", key=AUTO, on_change=_restart,
                  help="Pindah ke slide berikutnya setiap beberapa detik; berhenti di slide "
                       "terakhir.")
        if st.session_state.get(AUTO):
            st.number_input("Detik per slide", min_value=5, max_value=600, value=30, step=5,
                            key=SECONDS, width=110, label_visibility="collapsed",
                            on_change=_restart)
            st.markdown("detik")
        if user is not None and user.can("meetings"):
            if page.slide.kind == "opd":
                items = sl.flagged_items(view.flags, str(page.slide.key))
                with st.popover("Catat tindak lanjut", icon=":material/edit_note:"):
                    sl.followup_form(view, items, f"fu_{page.slide.key}", user.username)
            elif page.slide.kind == "tindak_lanjut":
                with st.popover("Tandai status", icon=":material/task_alt:"):
                    sl.status_form(view, "status_slide", user.username)
        st.page_link("pages/rapat.py", label="Tutup", icon=":material/close:",
                     query_params={"rapat": str(meeting.meeting_id)})


def ticker(total: int, seconds: float) -> None:
    """Auto-advance: a fragment that wakes every few seconds and moves to the next slide
    once the current one has been on screen long enough (stops at the last slide)."""

    @st.fragment(run_every=seconds)
    def tick() -> None:
        shown = st.session_state.get(SHOWN)
        current = _current()
        if shown and time.monotonic() - shown[2] >= seconds - 0.5 and current < total:
            _go(current + 1, total)
            st.rerun()

    tick()


def presentation(meeting_id: int) -> None:
    with components.busy_guard(stop=True, catch_all=True):
        view = data.cached(sl.meeting_view, meeting_id)
    if view is None:
        picker(f"Rapat nomor {meeting_id} tidak ditemukan. Pilih rapat lain.")
        return
    deck = sl.pages(view)
    total = len(deck)
    index = min(max(_current(), 1), total)
    if st.query_params.get("slide") != str(index):
        st.query_params["slide"] = str(index)
    if (st.session_state.get(SHOWN) or (None, None))[:2] != (meeting_id, index):
        st.session_state[SHOWN] = (meeting_id, index, time.monotonic())
    sl.projector_style()
    st.html(sl.render(view, deck[index - 1], index, total))
    button_bar(view, deck[index - 1], index, total)
    if st.session_state.get(AUTO):
        ticker(total, float(st.session_state.get(SECONDS) or 30))


nav.ensure_routed()

chosen = _int(st.query_params.get("rapat"))
if chosen is None:
    picker()
else:
    presentation(chosen)
