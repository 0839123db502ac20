"""Masterplan Smart City untuk warga: the public page (issue 30).

Reachable without signing in, read-only, and only for a region whose admin switched it on
(page Evaluasi Smart City); off by default, and then it shows nothing of the region. It shows
what a resident can read: the programs, capaian per dimension in words, villages reached.
Nothing internal: no kendala, no accounts, no file names, no upload links.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from monev.engine import evaluation as en
from monev.store import evaluation as store
from monev.ui import components, data, nav
from monev.ui.format import md_text, persen

OFF = "Halaman publik belum dibuka oleh pemerintah daerah."


def _table(frame: pd.DataFrame) -> None:
    """A plain HTML table (its text is in the page, readable by any browser and screen
    reader). st.table draws every cell as Markdown: each is made inert with md_text, so a
    program name from a workbook can never become a link or an image."""
    st.table(frame.map(md_text).rename(columns=md_text), hide_index=True)


def main() -> None:
    """The page."""
    with components.busy_guard(stop=True, catch_all=True):
        regions = data.cached(store.public_regions)
        if not regions:
            st.title("Masterplan Smart City")
            st.info(OFF)
            return
        wanted = st.query_params.get("wilayah")
        region = wanted if wanted in regions else regions[0]
        view = data.cached(en.public_view, region)
    if view is None:
        st.title("Masterplan Smart City")
        st.info(OFF)
        return
    st.title(f"Smart City {md_text(view.region_name)}")
    years = ("" if str(view.start_year) in view.title
             else f" ({view.start_year}–{view.end_year})")
    st.caption(f"{md_text(view.title)}{years}. Angka menurut laporan perangkat daerah "
               f"{view.period_label}.")
    overall = view.overall
    cols = st.columns(3)
    with cols[0]:
        components.kpi_tile("Rata-rata capaian program",
                            f"{persen(overall['capaian'])} ({md_text(overall['band_label'])})",
                            help="Seberapa jauh target program tahun ini sudah tercapai.")
    with cols[1]:
        components.kpi_tile("Program yang sudah berjalan",
                            f"{overall['n_running']} dari {overall['n_planned']}")
    villages = view.villages
    with cols[2]:
        components.kpi_tile("Desa/kelurahan yang layanannya sudah beroperasi",
                            f"{villages['n_villages_operating']} dari {villages['n_villages']}")
    st.markdown("#### Kemajuan per bidang")
    dims = view.dimensions
    _table(pd.DataFrame({
        "Bidang": dims["dimension_name"],
        "Capaian": [persen(c) if not pd.isna(c) else "belum ada data"
                    for c in dims["capaian"]],
        "Tingkat": dims["band_label"].where(dims["capaian"].notna(), "–"),
        "Program berjalan": [f"{int(r)} dari {int(p)}"
                             for r, p in zip(dims["n_running"], dims["n_planned"],
                                             strict=True)],
    }))
    st.markdown("#### Program tahun ini")
    progs = view.programs
    _table(pd.DataFrame({
        "Program": progs["program_name"], "Bidang": progs["dimension_name"],
        "Dikerjakan oleh": progs["opd_name"],
        "Program cepat (quick win)": progs["quick_win"].map({True: "Ya", False: "–"}),
        "Keadaan": progs["status"],
    }))
    st.caption(f"Capaian: realisasi dibanding target sampai triwulan ini. Tingkat: "
               f"{view.bands}.")


nav.ensure_routed()
main()
