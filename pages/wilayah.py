"""Perbandingan Wilayah: every regency/city loaded, compared (province or national view).

Storyboard: scope (all provinces or one) and headline tiles → the lowest regencies on overall
capaian (or the sidebar's dimension) → regencies per band → per province (national view) →
the regency table with every dimension, report completeness and villages at risk,
downloadable. Listed in the navigation only when more than one regency is loaded; the same
national rules ('*' settings) judge every region.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from monev.domain.bands import band
from monev.domain.settings import Rules
from monev.engine import AsOf, rules_for
from monev.engine.national import region_comparison
from monev.ui import charts_capaian as cc
from monev.ui import charts_wilayah as cw
from monev.ui import components, filters, models, nav
from monev.ui.data import cached, derived
from monev.ui.format import angka, persen, tanggal

ALL_RULES = "*"


def headline(comp: pd.DataFrame, rules: Rules) -> None:
    """Regencies shown, median capaian, regencies lagging, reports received, villages at risk."""
    c1, c2, c3, c4 = st.columns(4)
    done = comp[comp["capaian"].notna()]
    median = done["capaian"].median() if len(done) else None
    with c1:
        st.metric("Kabupaten/kota", angka(len(comp), 0),
                  delta=f"{angka(len(done), 0)} dengan capaian", delta_color="off",
                  delta_arrow="off", border=True)
    with c2:
        code = band(median, rules).code
        st.metric("Median capaian", persen(median), delta=cc.band_caption(code),
                  delta_color="off", delta_arrow="off", border=True,
                  help="Nilai tengah capaian keseluruhan kabupaten/kota.")
    due, got = int(comp["reports_due"].sum()), int(comp["reports_received"].sum())
    with c3:
        st.metric("Laporan OPD diterima", persen(got / due * 100) if due else "–",
                  delta=f"{angka(got, 0)} dari {angka(due, 0)}", delta_color="off",
                  delta_arrow="off", border=True,
                  help="Laporan triwulan yang diterima ÷ yang sudah jatuh tempo, semua wilayah.")
    risk, villages = int(comp["n_villages_at_risk"].sum()), int(comp["n_villages"].sum())
    with c4:
        st.metric("Desa/Kelurahan berisiko", angka(risk, 0),
                  delta=f"dari {angka(villages, 0)} · {persen(risk / villages * 100)}"
                  if villages else "tidak ada rencana desa", delta_color="off",
                  delta_arrow="off", border=True,
                  help="Rawan atau bergeser dari jadwal anggaran desa pada salah satu program.")


def province_view(table: pd.DataFrame) -> None:
    """One row per province (national view only)."""
    st.subheader("Per provinsi", divider="gray")
    st.dataframe(components.styled(table, "wl_provinsi", cw.band_css, table,
                                   ("Median capaian",)), hide_index=True, key="wl_provinsi")


def render(flt: filters.Filters) -> None:
    asof = AsOf.latest(flt.year, flt.tw)
    rules = cached(rules_for, ALL_RULES)
    comp = cached(region_comparison, asof, rules)
    if comp.empty:
        st.info(f"Belum ada masterplan yang berlaku untuk tahun {flt.year}.",
                icon=":material/info:")
        return
    choices = cw.province_choices(comp)
    province = st.selectbox("Cakupan", list(choices), format_func=choices.get,
                            key="wl_cakupan")
    dimensions = filters.options(flt.region).dimensions
    model = derived(models.region_tables, asof, rules, province, tuple(dimensions.items()))
    shown = model.shown
    st.caption(f"Capaian {asof.label} · keadaan per {tanggal(asof.date)} · aturan yang sama "
               "untuk semua wilayah · saringan Wilayah dan OPD tidak berlaku di halaman ini")
    headline(shown, rules)
    column, what = (("capaian", "keseluruhan") if not flt.dimension else
                    (f"capaian_{flt.dimension.lower()}", dimensions[flt.dimension]))
    components.chart(cw.ranked_bars, shown, column, what, rules, key="wl_ranked")
    components.chart(cw.band_bars, shown, rules, key="wl_bands")
    components.band_legend()
    if model.provinces is not None:
        province_view(model.provinces)
    st.subheader("Per kabupaten/kota", divider="gray")
    table = model.regions
    st.dataframe(components.styled(table, "wl_table", cw.band_css, table, model.band_columns),
                 hide_index=True, key="wl_table")
    components.download_buttons(table, f"perbandingan_wilayah_{flt.year}_tw{flt.tw}",
                                key="wl_dl")


nav.ensure_routed()
st.title("Perbandingan Wilayah")
with components.busy_guard(catch_all=True):
    current = filters.current()
    if filters.region_count() < 2:
        st.info("Perbandingan tersedia bila masterplan lebih dari satu kabupaten/kota sudah "
                "dimuat.", icon=":material/info:")
    else:
        render(current)
