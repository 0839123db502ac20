"""Kelengkapan Laporan: which OPD sent its quarterly report, on time or late, for the year.

Storyboard: completeness per TW (tiles and a stacked chart whose title states the finding) →
the OPD × TW matrix (colour, symbol and label in every cell; due date in the header) → the
detail list (due date, received date, days late, file, uploader), downloadable.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from monev.engine import AsOf, completeness_by_tw, report_completeness, rules_for
from monev.ui import charts_capaian as cc
from monev.ui import components, filters, nav
from monev.ui.data import cached
from monev.ui.format import KOSONG, md_text, persen, tanggal, tanggal_jam

ROW_PX = 36


def tw_header(tw_label: str, due: object) -> str:
    """'TW III (batas 7 Oktober 2026)'."""
    return f"{tw_label} (batas {tanggal(due)})"


def matrix(reports: pd.DataFrame) -> pd.DataFrame:
    """OPD rows × TW columns, each cell 'symbol Label · date' (text, not colour alone)."""
    headers = {q: tw_header(lab, due) for q, lab, due in
               zip(reports["tw"], reports["tw_label"], reports["due_date"], strict=True)}
    cells = reports.assign(
        opd=[f"{c} · {s}" if isinstance(s, str) and s and s != c else c
             for c, s in zip(reports["opd_code"], reports["opd_short_name"], strict=True)],
        col=reports["tw"].map(headers),
        cell=[cc.report_cell(s, r, d) for s, r, d in
              zip(reports["status"], reports["received_on"], reports["days_late"],
                  strict=True)])
    out = cells.pivot(index="opd", columns="col", values="cell")
    out = out[[headers[q] for q in sorted(headers)]].fillna(KOSONG)
    out.index.name = "OPD"
    out.columns.name = None
    return out.reset_index()


def detail_table(reports: pd.DataFrame) -> pd.DataFrame:
    """One row per OPD × TW with dates, days late and the file received."""
    return pd.DataFrame({
        "OPD": reports["opd_code"], "Nama OPD": reports["opd_name"],
        "Triwulan": reports["tw_label"], "Batas waktu": reports["due_date"].map(tanggal),
        "Diterima": reports["received_on"].map(tanggal),
        "Status": reports["status_label"],
        "Hari terlambat": [str(int(d)) if s in ("terlambat", "belum_melapor") else KOSONG
                           for s, d in zip(reports["status"], reports["days_late"],
                                           strict=True)],
        "Keterangan": reports["reason"],
        "Jumlah kiriman": reports["n_submissions"].astype(int),
        "File": reports["file_name"].where(reports["file_name"].notna(), KOSONG),
        "Diunggah oleh": reports["uploaded_by"].where(reports["uploaded_by"].notna(), KOSONG),
        "Waktu unggah": reports["uploaded_at"].map(tanggal_jam),
    })


def rate_tiles(by_tw: pd.DataFrame) -> None:
    """Completeness (received ÷ due) of each TW in view, with on-time counts."""
    cols = st.columns(4)
    for col, (_, r) in zip(cols, by_tw.iterrows(), strict=False):
        with col:
            if int(r["n_due"]) == 0:
                st.metric(f"Kelengkapan {r['tw_label']}", KOSONG, delta="belum jatuh tempo",
                          delta_color="off", delta_arrow="off", border=True)
                continue
            st.metric(f"Kelengkapan {r['tw_label']}", persen(r["completeness_pct"]),
                      delta=f"{int(r['n_received'])} dari {int(r['n_due'])} OPD · "
                            f"{int(r['n_on_time'])} tepat waktu",
                      delta_color="off", delta_arrow="off", border=True,
                      help="Laporan diterima ÷ laporan yang sudah jatuh tempo.")


def render(flt: filters.Filters) -> None:
    asof = AsOf.latest(flt.year, flt.tw)
    rules = cached(rules_for, flt.region)
    st.caption(f"{md_text(flt.region_name)} · laporan triwulan {flt.year} s.d. "
               f"{asof.tw_label} · "
               f"keadaan per {tanggal(asof.date)} · batas waktu "
               f"{rules.report_due_working_days} hari kerja setelah triwulan berakhir")
    reports = cached(report_completeness, flt.region, asof, rules, False)
    if flt.opd:
        reports = reports[reports["opd_code"] == flt.opd]
    if reports.empty:
        st.info(f"Tidak ada OPD yang wajib melapor pada tahun {flt.year} untuk saringan ini.",
                icon=":material/info:")
        return
    if flt.dimension:
        st.caption("Laporan triwulan disampaikan per OPD: saringan Dimensi tidak berlaku di "
                   "halaman ini.")
    by_tw = completeness_by_tw(reports)
    rate_tiles(by_tw)
    found = cc.completeness_finding(by_tw, flt.tw)
    components.chart(cc.completeness_bars, reports, found.title,
                     found.subtitle(f"laporan triwulan {flt.year} per OPD"), key="kl_chart")

    st.subheader("Laporan per OPD dan triwulan")
    cc.report_legend()
    grid = matrix(reports)
    styled = components.styled(grid, "kl_matrix", cc.report_css, grid, tuple(grid.columns[1:]))
    # every TW in view on a 1280 px screen: a cell's date may be cut, its status never is
    # (the dates are in the Rincian below)
    components.table(styled, key="kl_matrix", row_height=ROW_PX,
                     height=min(ROW_PX * (len(grid) + 1) + 3, 1200),
                     column_config={"OPD": st.column_config.TextColumn(width=170), **{
                         c: st.column_config.TextColumn(width=185) for c in grid.columns[1:]}})
    components.download_buttons(grid, f"kelengkapan_laporan_{flt.year}_tw{flt.tw}",
                                key="kl_dl_matrix", what="matriks")

    with st.expander("Rincian: tanggal, hari terlambat, file dan pengunggah"):
        detail = detail_table(reports)
        components.table(detail, key="kl_detail", column_config={
            "Keterangan": st.column_config.TextColumn(width="large")})
        components.download_buttons(detail, f"rincian_laporan_{flt.year}_tw{flt.tw}",
                                    key="kl_dl_detail", what="rincian")


nav.ensure_routed()
st.title("Kelengkapan Laporan")
with components.busy_guard(catch_all=True):
    current = filters.current()
    if not current.has_masterplan:
        cc.no_masterplan("Kelengkapan Laporan")
    else:
        render(current)
