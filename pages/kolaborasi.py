"""Kolaborasi OPD: which OPD leads (Pengampu) and supports (Pendukung) which program, and how
each OPD performs in both roles.

Storyboard: how many programs are worked on across OPDs → the OPD × program matrix of roles →
the OPD scorecard: capaian as lead (band) and as supporter, programs led and supported,
quarterly reports of the year, indicators lagging. The sidebar's Dimensi narrows the matrix and
the scorecard (the OPDs with programs of that dimension, scored on those programs; their reports
are counted whole, as an OPD reports on all its programs at once). The sidebar's OPD narrows
the matrix to that OPD's programs; the scorecard keeps every OPD, since it compares them.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from monev.domain.rollup import PLANNED_LABEL
from monev.domain.settings import Rules
from monev.engine import (
    AsOf,
    program_attainment,
    rules_for,
)
from monev.store import uploads
from monev.ui import charts_capaian as cc
from monev.ui import charts_desa as cd
from monev.ui import components, filters, models, nav
from monev.ui.data import cached, derived
from monev.ui.format import angka, md_text, persen, tanggal


def narrowed(roles: pd.DataFrame, flt: filters.Filters) -> pd.DataFrame:
    """Roles in the programs of the sidebar's dimension and of the chosen OPD's programs."""
    keep = pd.Series(True, index=roles.index)
    if flt.dimension:
        keep &= roles["dimension_code"] == flt.dimension
    if flt.opd:
        keep &= roles["program_code"].isin(
            set(roles.loc[roles["opd_code"] == flt.opd, "program_code"]))
    return roles[keep].reset_index(drop=True)


def kpi_row(roles: pd.DataFrame, year: int) -> None:
    """Programs, programs worked on across OPDs, OPDs involved, OPDs per program."""
    n_prog = roles["program_code"].nunique()
    shared = roles.loc[roles["role"] == "pendukung", "program_code"].nunique()
    per_program = roles.groupby("program_code")["opd_code"].nunique()
    n_lead = roles.loc[roles["role"] == "pengampu", "opd_code"].nunique()
    n_sup = roles.loc[roles["role"] == "pendukung", "opd_code"].nunique()
    c1, c2, c3, c4 = st.columns(4)
    with c1:
        st.metric(PLANNED_LABEL, f"{n_prog}", delta=f"tahun {year}, dengan OPD pengampu",
                  delta_color="off", delta_arrow="off", border=True)
    with c2:
        st.metric("Program lintas OPD", f"{shared} dari {n_prog}",
                  delta=persen(shared / n_prog * 100) if n_prog else "–", delta_color="off",
                  delta_arrow="off", border=True,
                  help="Program yang punya setidaknya satu OPD pendukung.")
    with c3:
        st.metric("OPD terlibat", f"{roles['opd_code'].nunique()}",
                  delta=f"{n_lead} pengampu · {n_sup} pendukung",
                  delta_color="off", delta_arrow="off", border=True)
    with c4:
        st.metric("OPD per program", angka(per_program.mean() if len(per_program) else None),
                  delta=f"paling banyak {int(per_program.max()) if len(per_program) else 0}",
                  delta_color="off", delta_arrow="off", border=True,
                  help="Rata-rata jumlah OPD (pengampu dan pendukung) per program.")


def matrix_section(roles: pd.DataFrame, names: dict[str, str], full: dict[str, str],
                   dims: dict[str, str], stem: str) -> None:
    """The OPD × program matrix with its legend, and the same as a downloadable list."""
    items = [(*cd.ROLE_STYLE[r][:3], f"OPD {cd.ROLE_LABELS[r].lower()}")
             for r in ("pengampu", "pendukung")]
    st.markdown(cd.legend_html(items, "Peran"), unsafe_allow_html=True)
    components.chart(cd.role_matrix, roles, names, full, cd.collaboration_finding(roles, names),
                     key="kol_matrix")
    with st.expander("Daftar program dan OPD (Pengampu/Pendukung)"):
        table = cd.role_table(roles, names, dims)
        st.dataframe(table, hide_index=True, key="kol_roles",
                     column_config={"Program": st.column_config.TextColumn(width="large")})
        components.download_buttons(table, f"peran_opd_{stem}", key="kol_dl_roles")


def scorecard_section(flt: filters.Filters, asof: AsOf, rules: Rules, dims: dict[str, str],
                      stem: str) -> None:
    """Per OPD: capaian as lead (band) and as supporter, programs, reports, lagging; on the
    programs of the sidebar's dimension when one is chosen."""
    dim_name = dims.get(flt.dimension, flt.dimension) if flt.dimension else None
    st.subheader(f"Kartu kinerja OPD {asof.label}"
                 + (f" · {md_text(dim_name)}" if dim_name else ""))
    card = derived(models.opd_scorecard, flt.region, asof, rules, flt.dimension)
    if card.empty:
        st.info(f"Belum ada OPD dengan program {md_text(dim_name)} yang direncanakan tahun ini."
                if dim_name else "Belum ada OPD dengan program yang direncanakan tahun ini.",
                icon=":material/info:")
        return
    led = card[card["n_lead"] > 0].rename(columns={"capaian_lead": "capaian",
                                                   "band_lead": "band_code"})
    led = led.sort_values("capaian", na_position="last", kind="stable")
    components.chart(cc.capaian_bars, led, "short_name", cd.lead_finding(card),
                     "Capaian rata-rata program yang diampu tiap OPD", rules,
                     hover_col="opd_name", key="kol_lead")
    components.band_legend()
    table = cd.scorecard_table(card, asof.year)
    styled = components.styled(table, "kol_card", cd.scorecard_styles, card, table)
    components.table(styled, key="kol_card",
                     height=min(1000, 40 * (len(table) + 1) + 4))
    scope = (f"Hanya program {md_text(dim_name)}: capaian dan indikator tertinggal/kritis "
             "dihitung "
             "pada program dimensi ini; laporan triwulan mencakup semua program OPD. "
             if dim_name else "")
    st.caption(f"{scope}Capaian = rata-rata capaian program terhadap target s.d. "
               f"{asof.tw_label}, dengan kode pita. Laporan triwulan {asof.year} dihitung "
               f"untuk OPD pengampu, per {tanggal(asof.date)}. Indikator tertinggal/kritis: "
               "pada program yang diampu.")
    components.download_buttons(cd.scorecard_download(card), f"kartu_kinerja_opd_{stem}",
                                key="kol_dl_card")


def render(flt: filters.Filters) -> None:
    asof = AsOf.latest(flt.year, flt.tw)
    rules = cached(rules_for, flt.region)
    st.caption(f"{md_text(flt.region_name)} · program yang direncanakan tahun {flt.year} · capaian "
               f"{asof.label}")
    programs = cached(program_attainment, flt.region, asof, rules)
    roles = cd.program_roles(programs)
    if roles.empty:
        st.info(f"Tidak ada program masterplan yang direncanakan pada tahun {flt.year}. Pilih "
                "tahun lain di saringan samping.", icon=":material/info:")
        return
    opds = cached(uploads.masterplan_opds, flt.region)
    names = {c: (s if isinstance(s, str) and s else n) for c, n, s in
             zip(opds["opd_code"], opds["name"], opds["short_name"], strict=True)}
    full = {c: (f"{s} – {n}" if isinstance(s, str) and s and s != n else n) for c, n, s in
            zip(opds["opd_code"], opds["name"], opds["short_name"], strict=True)}
    dims = filters.options(flt.region).dimensions
    stem = f"{flt.year}_tw{flt.tw}"
    shown = narrowed(roles, flt)
    if shown.empty:
        st.info("Tidak ada program untuk Dimensi atau OPD yang dipilih di saringan samping.",
                icon=":material/info:")
    else:
        if flt.dimension or flt.opd:
            parts = [dims.get(flt.dimension, flt.dimension)] if flt.dimension else []
            parts += [names.get(flt.opd, flt.opd)] if flt.opd else []
            st.caption(f"Matriks menurut saringan: {' · '.join(map(md_text, parts))}")
        kpi_row(shown, flt.year)
        matrix_section(shown, names, full, dims, stem)
    st.divider()
    scorecard_section(flt, asof, rules, dims, stem)


nav.ensure_routed()
st.title("Kolaborasi OPD")
with components.busy_guard(catch_all=True):
    current = filters.current()
    if not current.has_masterplan:
        cc.no_masterplan("Kolaborasi OPD")
    else:
        render(current)
