"""Ringkasan: the executive view of the masterplan for the chosen Tahun and Triwulan.

Storyboard: overall capaian and band → capaian per dimension → programs per band and programs
running ÷ planned → the most lagging programs → reports received this TW, villages at risk →
where the data comes from and how fresh it is. Overall figures cover the whole masterplan; the
sidebar's Dimensi/OPD narrow the program lists.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from monev.domain.rollup import (
    PLANNED_LABEL,
    RUNNING_HELP,
    RUNNING_LABEL,
    reported_text,
    running_text,
)
from monev.domain.setting_text import differences
from monev.domain.text import tw_label
from monev.engine import (
    AsOf,
    completeness_by_tw,
    data_freshness,
    dimension_attainment,
    indicator_attainment,
    masterplan_attainment,
    program_attainment,
    report_completeness,
    rules_for,
    village_rollout,
)
from monev.engine.revisions import REVISED_MARK
from monev.store import uploads
from monev.ui import charts_capaian as cc
from monev.ui import components, filters, nav
from monev.ui import revisions as rv
from monev.ui.data import cached
from monev.ui.format import KOSONG, expected_sentence, md_text, persen, tanggal, tanggal_jam

N_LAGGING = 8
KIND_LABELS = {"masterplan": "Masterplan", "laporan": "Laporan triwulan",
               "revisi": "Revisi masterplan", "rfk": "RFK akhir triwulan"}


def scope_caption(flt: filters.Filters, opd_names: dict[str, str]) -> str | None:
    """'saringan: Smart Governance · Diskominfo' when a sidebar filter is set."""
    parts = []
    if flt.dimension:
        parts.append(filters.options(flt.region).dimensions.get(flt.dimension, flt.dimension))
    if flt.opd:
        parts.append(opd_names.get(flt.opd, flt.opd))
    return f"saringan: {' · '.join(parts)}" if parts else None


def narrowed(programs: pd.DataFrame, flt: filters.Filters) -> pd.DataFrame:
    """Programs of the sidebar's dimension and OPD (lead or supporting)."""
    keep = pd.Series(True, index=programs.index)
    if flt.dimension:
        keep &= programs["dimension_code"] == flt.dimension
    if flt.opd:
        keep &= (programs["lead_opd_code"] == flt.opd) | pd.Series(
            cc.codes_in(programs["supporting_opds"], {flt.opd}), index=programs.index)
    return programs[keep]


def kpi_row(overall: dict, by_tw: pd.DataFrame, villages: pd.DataFrame, n_flagged: int,
            tw_label: str) -> None:
    """Capaian keseluruhan, program berjalan, laporan TW ini, indikator tertinggal, desa."""
    c1, c2, c3, c4, c5 = st.columns(5)
    with c1:
        reported = reported_text(overall["n_with_value"], overall["n_indicators"])
        st.metric("Capaian keseluruhan", persen(overall["capaian"]),
                  delta=f"{cc.band_caption(overall['band_code'])} · {reported}",
                  delta_color="off", delta_arrow="off", border=True,
                  help=f"Rata-rata capaian program terhadap target {overall['period_label']} "
                       "(bobot sama), dari indikator yang dilaporkan triwulan ini saja: "
                       "indikator yang belum dilaporkan tidak punya capaian.")
    with c2:
        st.metric(RUNNING_LABEL, persen(overall["pct_running"]),
                  delta=running_text(overall["n_running"], overall["n_planned"],
                                     overall["year"]),
                  delta_color="off", delta_arrow="off", border=True, help=RUNNING_HELP)
    row = by_tw[by_tw["tw_label"] == tw_label]
    with c3:
        if row.empty or int(row["n_due"].iloc[0]) == 0:
            st.metric(f"Laporan {tw_label} diterima", KOSONG, delta="belum jatuh tempo",
                      delta_color="off", delta_arrow="off", border=True)
        else:
            r = row.iloc[0]
            st.metric(f"Laporan {tw_label} diterima", persen(r["completeness_pct"]),
                      delta=f"{int(r['n_received'])} dari {int(r['n_due'])} OPD · "
                            f"{int(r['n_late'])} terlambat",
                      delta_color="off", delta_arrow="off", border=True)
    with c4:
        st.metric("Indikator tertinggal/kritis", f"{n_flagged} dari "
                  f"{overall['n_with_value']}", delta="lihat Target Tertinggal",
                  delta_color="off", delta_arrow="off", border=True,
                  help=f"Capaian terhadap target s.d. TW di bawah batas Tertinggal, dari "
                       f"indikator yang dilaporkan {tw_label}.")
    status = villages["status"].value_counts() if len(villages) else pd.Series(dtype="int64")
    with c5:
        rawan, bergeser = int(status.get("rawan", 0)), int(status.get("bergeser", 0))
        st.metric("Desa rawan atau bergeser", f"{rawan + bergeser} dari {len(villages)}",
                  delta=f"{rawan} rawan, {bergeser} bergeser", delta_color="off",
                  delta_arrow="off", border=True,
                  help="Desa dan kelurahan sasaran program. Rawan: tenggat perencanaan "
                       "dekat dan tahapnya belum tercapai. Bergeser: tenggat terlewat, "
                       "pendanaan bergeser ke tahun berikutnya.")


def lagging_table(programs: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """The programs with the lowest capaian (computed ones), in Indonesian."""
    done = programs[programs["capaian"].notna()].sort_values("capaian", kind="stable")
    top = done.head(N_LAGGING)
    return pd.DataFrame({
        "Kode": top["program_code"], "Program": top["program_name"],
        "Dimensi": top["dimension_name"],
        "OPD pengampu": [names.get(c, c) for c in top["lead_opd_code"]],
        "Capaian": [cc.capaian_text(v, c) + (f" · {REVISED_MARK}" if r else "")
                    for v, c, r in zip(top["capaian"], top["band_code"], top["revised"])],
        "Pita": [cc.band_caption(c) for c in top["band_code"]],
    })


def freshness_block(fresh: dict) -> None:
    """Where the numbers come from: the latest load, who uploaded it and when."""
    if not fresh.get("load_id"):
        st.caption("Belum ada file yang dimuat.")
        return
    what = md_text(KIND_LABELS.get(str(fresh.get("kind")), str(fresh.get("kind"))))
    if fresh.get("opd_code"):
        what += f" {md_text(fresh['opd_code'])}"
    if fresh.get("tw") and fresh.get("year"):
        what += f" {tw_label(int(fresh['tw']))} {int(fresh['year'])}"
    st.markdown(
        f"**Kemutakhiran data** · unggahan terakhir **{tanggal_jam(fresh['uploaded_at'])}** "
        f"oleh **{md_text(fresh['uploaded_by'])}**: {what} (file "
        f"“{md_text(fresh['file_name'])}”, diterima "
        f"{tanggal(fresh['received_on'])}) · {int(fresh.get('n_active') or 0)} file aktif. "
        "Asal setiap angka dapat dilihat di halaman Capaian Program.")


def watch_list(reports: pd.DataFrame, villages: pd.DataFrame, tw_label: str, year: int,
               names: dict[str, str]) -> None:
    """Who has not reported this TW, who was late with this TW's report (not the year's, as
    Target Tertinggal counts), and villages by calendar status."""
    st.subheader(f"Laporan {tw_label} {year} dan desa sasaran")
    now = reports[reports["tw_label"] == tw_label]
    for status, label in (("belum_melapor", "Belum melapor"), ("terlambat", "Terlambat")):
        who = now[now["status"] == status]
        listed = ", ".join(md_text(names.get(c, c)) for c in who["opd_code"]) or "tidak ada"
        st.markdown(f"**{label} ({len(who)} OPD):** {listed}")
    if villages.empty:
        st.markdown("**Desa/kelurahan sasaran:** belum ada.")
        return
    counts = villages["status_label"].value_counts()
    parts = " · ".join(f"{lab} {int(counts.get(lab, 0))}" for lab in
                       ("Bergeser", "Rawan", "Sesuai jadwal", "Beroperasi"))
    st.markdown(f"**Desa/kelurahan sasaran ({len(villages)} lokasi):** {parts}")
    st.caption("Rawan: tenggat perencanaan desa (RKP Desa, APBDes) atau daerah (RKPD, APBD) "
               "dekat dan tahapnya belum tercapai. Bergeser: tenggat terlewat, pendanaan "
               "bergeser ke tahun berikutnya.")


def dimension_table(dims: pd.DataFrame) -> pd.DataFrame:
    """Capaian and programs running ÷ planned per dimension, in Indonesian."""
    return pd.DataFrame({
        "Dimensi": dims["dimension_name"],
        "Capaian": [cc.capaian_text(v, c) for v, c in
                    zip(dims["capaian"], dims["band_code"], strict=True)],
        "Pita": [cc.band_caption(c) for c in dims["band_code"]],
        "Capaian thd target tahunan": [persen(v) for v in dims["capaian_annual"]],
        "Indikator dilaporkan": [reported_text(a, b) for a, b in
                                 zip(dims["n_with_value"], dims["n_indicators"], strict=True)],
        "Program dinilai": dims["n_programs"].astype(int),
        RUNNING_LABEL: dims["n_running"].astype(int),
        PLANNED_LABEL: dims["n_planned"].astype(int),
        "% berjalan": [persen(v) for v in dims["pct_running"]],
    })


def render(flt: filters.Filters) -> None:
    asof = AsOf.latest(flt.year, flt.tw)
    rules = cached(rules_for, flt.region)
    overall = cached(masterplan_attainment, flt.region, asof, rules)
    st.caption(f"{md_text(flt.region_name)} · capaian {asof.label} · keadaan per "
               f"{tanggal(asof.date)}")
    if overall["n_programs"] == 0:
        st.info(f"Tidak ada program masterplan yang direncanakan pada tahun {flt.year}. "
                "Pilih tahun lain di saringan samping.", icon=":material/info:")
        return
    dims = cached(dimension_attainment, flt.region, asof, rules)
    programs = cached(program_attainment, flt.region, asof, rules)
    indicators = cached(indicator_attainment, flt.region, asof, rules)
    reports = cached(report_completeness, flt.region, asof, rules)
    villages = cached(village_rollout, flt.region, asof, rules)
    by_tw = completeness_by_tw(reports)
    n_flagged = int(indicators["attainment_flag"].notna().sum())

    kpi_row(overall, by_tw, villages, n_flagged, asof.tw_label)
    period = cc.period_note(reports, flt.tw)
    if period and overall["n_indicators_reported"]:
        st.info(period, icon=":material/info:")
    if overall["n_indicators_reported"] == 0:
        st.info(f"Belum ada realisasi yang dilaporkan untuk {asof.label}. Laporan triwulan "
                "OPD diunggah di halaman Unggah Data.", icon=":material/info:")
    methods = expected_sentence(indicators["expected_method"], asof.tw)
    if methods:
        st.caption(f"**Asumsi target s.d. {asof.tw_label}:** {methods}")
    if n_revised := int(indicators["revised"].sum()):
        st.caption(f"**{n_revised} indikator {REVISED_MARK}:** dinilai terhadap target yang "
                   "berlaku menurut revisi masterplan; target semula ditampilkan di Capaian "
                   "Program.")
    if changed := differences(rules):
        st.caption(f"**Aturan yang berbeda dari bawaan** (diatur di halaman Pengaturan): "
                   f"{changed}.")

    opds = cached(uploads.masterplan_opds, flt.region)
    opd_names = {c: (s if isinstance(s, str) and s else n) for c, n, s in
                 zip(opds["opd_code"], opds["name"], opds["short_name"], strict=True)}
    mine = narrowed(programs, flt)
    note = scope_caption(flt, opd_names)

    left, right = components.side_by_side("rk_top")
    with left:
        found = cc.dimension_finding(dims, rules)
        components.chart(cc.capaian_bars, dims, "dimension_name", found.title,
                         found.subtitle(asof.label), rules, key="rk_dim", columns=2)
    with right:
        found = cc.band_count_finding(mine, rules)
        components.chart(cc.band_count_bars, mine, found.title,
                         found.subtitle(note or asof.label), key="rk_band", columns=2)
    components.band_legend()

    st.subheader("Program dengan capaian terendah")
    if note:
        st.caption(f"Menurut {md_text(note)}")
    table = lagging_table(mine, opd_names)
    if table.empty:
        st.caption("Belum ada program dengan capaian terhitung.")
    else:
        components.table(table, key="rk_lagging", column_config={
            "Kode": st.column_config.TextColumn(width=90),
            "Program": st.column_config.TextColumn(width=460)})
        components.download_buttons(table, f"program_terendah_{flt.year}_tw{flt.tw}",
                                    key="rk_dl_lagging", what="program terendah")

    left, right = components.side_by_side("rk_running")
    with left:
        found = cc.running_finding(dims, asof.year)
        components.chart(cc.running_bars, dims, found.title, found.detail, key="rk_run",
                               columns=2)
    with right:
        watch_list(reports, villages, asof.tw_label, asof.year, opd_names)
    with st.expander("Tabel capaian per dimensi"):
        table = dimension_table(dims)
        components.table(table, key="rk_dims")
        components.download_buttons(table, f"capaian_dimensi_{flt.year}_tw{flt.tw}",
                                    key="rk_dl_dims", what="tabel dimensi")

    rv.off_plan_section(flt.region, asof, key="rk_off", opd=flt.opd)
    st.divider()
    freshness_block(cached(data_freshness, flt.region, asof))


nav.ensure_routed()
st.title("Ringkasan")
with components.busy_guard(catch_all=True):
    current = filters.current()
    if not current.has_masterplan:
        cc.no_masterplan("Ringkasan")
    else:
        render(current)
