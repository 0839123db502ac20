"""The list of pages: add an analytic page by adding one line to :data:`PAGES`.

Each line is (file, title, icon, section). The first line is the default page. Sections are
shown in the sidebar in the order they first appear. Pages in :data:`NO_FILTER_SECTIONS`
(administration) manage their own choices, so the shared sidebar filters are not shown there.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

PAGES: tuple[tuple[str, str, str, str], ...] = (
    ("pages/ringkasan.py", "Ringkasan", ":material/dashboard:", "Pemantauan"),
    ("pages/wilayah.py", "Perbandingan Wilayah", ":material/compare_arrows:", "Pemantauan"),
    ("pages/capaian.py", "Capaian Program", ":material/monitoring:", "Pemantauan"),
    ("pages/tertinggal.py", "Target Tertinggal", ":material/flag:", "Pemantauan"),
    ("pages/kelengkapan.py", "Kelengkapan Laporan", ":material/fact_check:", "Pemantauan"),
    ("pages/desa.py", "Peluncuran Desa", ":material/holiday_village:", "Pemantauan"),
    ("pages/anggaran.py", "Anggaran", ":material/account_balance_wallet:", "Pemantauan"),
    ("pages/kolaborasi.py", "Kolaborasi OPD", ":material/groups:", "Pemantauan"),
    ("pages/unggah.py", "Unggah Data", ":material/upload_file:", "Diskominfo"),
    ("pages/riwayat.py", "Riwayat Unggah", ":material/history:", "Diskominfo"),
    ("pages/revisi.py", "Revisi Masterplan", ":material/edit_calendar:", "Diskominfo"),
    ("pages/rapat.py", "Rapat Evaluasi", ":material/event_note:", "Rapat Evaluasi"),
    ("pages/presentasi.py", "Presentasi", ":material/slideshow:", "Rapat Evaluasi"),
    ("pages/evaluasi.py", "Evaluasi Smart City", ":material/workspace_premium:",
     "Rapat Evaluasi"),
    ("pages/pengguna.py", "Pengguna", ":material/manage_accounts:", "Admin"),
    ("pages/pengaturan.py", "Pengaturan", ":material/tune:", "Admin"),
    ("pages/cadangan.py", "Cadangan", ":material/backup:", "Admin"),
    ("pages/audit.py", "Jejak Audit", ":material/policy:", "Admin"),
    ("pages/publik.py", "Halaman Publik", ":material/public:", "Publik"),
)
# The permission a page needs (monev.auth.PERMISSIONS); pages not listed need only "view".
# Pages check it again themselves, so a typed URL is refused too.
REQUIRES: dict[str, str] = {
    "pages/unggah.py": "upload", "pages/pengguna.py": "users", "pages/audit.py": "audit",
    "pages/pengaturan.py": "settings", "pages/cadangan.py": "backup",
    "pages/evaluasi.py": "meetings",
}
NO_FILTER_SECTIONS: tuple[str, ...] = ("Diskominfo", "Admin", "Publik")
# Pages anyone may open without signing in (read-only; each shows only what a region's admin
# made public). Every other page shows the sign-in form first.
PUBLIC: frozenset[str] = frozenset({"pages/publik.py"})
# Pages that compare regions: listed only when more than one region is loaded; the sidebar's
# Wilayah and OPD filters do not apply there.
ACROSS_REGIONS: frozenset[str] = frozenset({"pages/wilayah.py"})


def sections(can: Callable[[str], bool] | None = None,
             n_regions: int = 1) -> dict[str, list[tuple[str, str, str]]]:
    """Pages grouped by section in declaration order: section -> [(file, title, icon)];
    with ``can`` (a user's permission check) only the pages that user may open, and the
    pages comparing regions only when ``n_regions`` > 1."""
    out: dict[str, list[tuple[str, str, str]]] = {}
    for file, title, icon, section in PAGES:
        if file in ACROSS_REGIONS and n_regions < 2:
            continue
        if can is None or can(REQUIRES.get(file, "view")):
            out.setdefault(section, []).append((file, title, icon))
    return out


def across_regions(title: str) -> bool:
    """Whether the page with this title compares regions (no Wilayah/OPD filter)."""
    return any(t == title and f in ACROSS_REGIONS for f, t, _, _ in PAGES)


def is_public(title: str) -> bool:
    """Whether the page with this title may be opened without signing in."""
    return any(t == title and f in PUBLIC for f, t, _, _ in PAGES)


def section_of(title: str) -> str | None:
    """The section of the page with this title (None when unknown)."""
    return next((s for _, t, _, s in PAGES if t == title), None)


def shows_filters(title: str) -> bool:
    """Whether the shared sidebar filters apply to the page with this title."""
    return section_of(title) not in NO_FILTER_SECTIONS


ROUTED_KEY = "_monev_routed"


def mark_routed() -> None:
    """Called by app.py before running a page: this session goes through the router."""
    import streamlit as st

    st.session_state[ROUTED_KEY] = True


def ensure_routed() -> None:
    """Call first in every page: re-run through app.py if Streamlit ran the page alone.

    Because the page scripts live in a folder named ``pages/``, a fresh server process starts
    in Streamlit's legacy "pages directory" mode, which app.py's ``st.navigation`` call turns
    off. Until then a deep link (e.g. a bookmark of /unggah right after a restart) runs the
    page script alone, without app.py: no wide layout, no filters, file names as navigation.
    This switches the process to st.navigation mode (what ``st.navigation`` itself does) and
    re-runs, so app.py routes the same page. A page run on its own (AppTest of the file) is
    left alone: there the main script is the page itself.
    """
    import streamlit as st
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

    ctx = get_script_run_ctx()
    if ctx is None or st.session_state.get(ROUTED_KEY):
        return
    if Path(ctx.main_script_path).name == "app.py" and PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


# Who may open a page that needs a permission, in words (monev.auth.PERMISSIONS).
PERMISSION_HOLDERS: dict[str, str] = {
    "upload": "admin Diskominfo dan operator OPD", "users": "admin Diskominfo",
    "audit": "admin Diskominfo", "settings": "admin Diskominfo", "backup": "admin Diskominfo",
    "meetings": "admin Diskominfo dan pimpinan",
}


def refused_title(requested: str | None, can: Callable[[str], bool]) -> str | None:
    """The title of the page an address (its path, e.g. 'pengguna') names when this account
    may not open it; None otherwise."""
    for file, title, _, _ in PAGES:
        if requested and Path(file).stem == requested and not can(REQUIRES.get(file, "view")):
            return title
    return None


def refused_notice(title: str, landed: str) -> str:
    """What a user reads after typing or bookmarking the address of a page their account may
    not open: which page, who may open it, what is shown instead."""
    need = next((REQUIRES.get(f, "view") for f, t, _, _ in PAGES if t == title), "view")
    who = PERMISSION_HOLDERS.get(need, "peran lain")
    return (f"Halaman {title} hanya dapat dibuka oleh {who}; akun Anda tidak memiliki akses "
            f"ke sana, jadi yang ditampilkan adalah {landed}.")


def take_refused(can: Callable[[str], bool]) -> str | None:
    """Called by app.py before st.navigation: when this run's address names a page the
    account may not open, forget that address (the default page runs, without Streamlit's
    English "Page not found" dialog) and return the page's title for :func:`show_refused`."""
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

    ctx = get_script_run_ctx()
    if ctx is None:
        return None
    title = refused_title(ctx.pages_manager.intended_page_name, can)
    if title:
        ctx.pages_manager.set_script_intent("", "")
    return title


def show_refused(title: str | None, landed: str) -> None:
    """Say above the page shown why the address typed led here (see :func:`take_refused`)."""
    if title:
        import streamlit as st

        st.warning(refused_notice(title, landed), icon=":material/lock:")
