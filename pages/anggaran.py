"""Anggaran: budget absorption (pagu vs realisasi) and physical vs financial progress.

Storyboard: total pagu, realisasi anggaran and absorption s.d. TW → which programs are out of
balance (realisasi fisik vs realisasi anggaran, the 10-point band) → pagu vs realisasi per
program → per sumber dana and per OPD pengampu → the full table. The sidebar's Dimensi/OPD
narrow the programs.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from monev.domain.settings import Rules
from monev.engine import AsOf, budget_summary, rules_for
from monev.store import uploads
from monev.ui import charts_capaian as cc
from monev.ui import charts_desa as cd
from monev.ui import components, filters, nav
from monev.ui.data import cached
from monev.ui.format import angka, md_text, persen, rupiah, tanggal

SORTS = {"serapan": "Serapan terendah dulu", "pagu": "Pagu terbesar dulu"}


def narrowed(frame: pd.DataFrame, flt: filters.Filters) -> pd.DataFrame:
    """Programs of the sidebar's dimension and lead OPD."""
    keep = pd.Series(True, index=frame.index)
    if flt.dimension:
        keep &= frame["dimension_code"] == flt.dimension
    if flt.opd:
        keep &= frame["lead_opd_code"] == flt.opd
    return frame[keep].reset_index(drop=True)


def kpi_row(programs: pd.DataFrame, period: str, year: int, limit: float) -> None:
    """Total pagu, realisasi anggaran, absorption, programs out of balance."""
    tot = cd.budget_total(programs)
    with_budget = int(pd.to_numeric(programs["pagu"], errors="coerce").notna().sum())
    both = programs[programs["fisik_pct"].notna() & programs["absorption_pct"].notna()]
    n_bad = int(programs["imbalance"].astype(bool).sum())
    c1, c2, c3, c4 = st.columns(4)
    with c1:
        st.metric(f"Total pagu {year}", rupiah(tot["pagu"]),
                  delta=f"{with_budget} program beranggaran", delta_color="off",
                  delta_arrow="off", border=True,
                  help="Pagu menurut laporan triwulan terakhir tiap program dan sumber dana.")
    with c2:
        st.metric(f"Realisasi anggaran {period}", rupiah(tot["realisasi"]),
                  delta=f"sisa {rupiah((tot['pagu'] or 0) - (tot['realisasi'] or 0))}",
                  delta_color="off", delta_arrow="off", border=True)
    with c3:
        st.metric("Serapan anggaran", persen(tot["absorption_pct"]),
                  delta="realisasi ÷ pagu", delta_color="off", delta_arrow="off", border=True)
    with c4:
        st.metric("Fisik–keuangan tidak seimbang", f"{n_bad} dari {len(both)}",
                  delta=f"selisih > {angka(limit)} poin", delta_color="off",
                  delta_arrow="off", border=True,
                  help="Program yang realisasi fisik dan realisasi anggarannya berselisih "
                       "lebih dari batas yang ditetapkan.")


def balance_section(programs: pd.DataFrame, rules: Rules, period: str,
                    short_names: dict[str, str]) -> None:
    """Scatter of fisik vs keuangan with the imbalanced programs listed beside it."""
    left, right = components.side_by_side("ang_balance")
    with left:
        title, _, how = cd.balance_finding(programs, rules).partition(": ")
        components.chart(cd.balance_scatter, programs, title, rules, how.capitalize() or None,
                         key="ang_scatter", columns=2)
        st.caption(f"Realisasi fisik terakhir dan realisasi anggaran {period}. Di atas garis "
                   "putus-putus: fisik mendahului anggaran (pembayaran tertinggal); di bawah: "
                   "anggaran mendahului fisik.")
    with right:
        st.subheader("Program tidak seimbang")
        bad = programs[programs["imbalance"].astype(bool)].copy()
        if bad.empty:
            st.success("Tidak ada program dengan selisih fisik–anggaran di atas "
                       f"{angka(rules.imbalance_points)} poin.", icon=":material/check_circle:")
            return
        bad = bad.sort_values("gap_points", key=abs, ascending=False, kind="stable")
        table = pd.DataFrame({
            "Kode": bad["program_code"], "Program": bad["program_name"],
            "OPD pengampu": [short_names.get(c, n) for c, n in
                             zip(bad["lead_opd_code"], bad["lead_opd_name"], strict=True)],
            "Fisik": bad["fisik_pct"].map(persen), "Anggaran": bad["absorption_pct"].map(persen),
            "Selisih (poin)": bad["gap_points"].map(lambda v: angka(v, 1)),
            "Keterangan": bad["imbalance_reason"]})
        st.dataframe(table.drop(columns="Keterangan"), hide_index=True, key="ang_bad",
                     column_config={"Program": st.column_config.TextColumn(width="medium")})
        for code, reason in zip(table["Kode"], table["Keterangan"], strict=True):
            st.markdown(f"**{md_text(code)}** — {md_text(reason)}")
        components.download_buttons(table, "program_tidak_seimbang", key="ang_dl_bad")


def program_chart(programs: pd.DataFrame, period: str) -> None:
    """Pagu vs realisasi per program, sorted by the user's choice."""
    sort = st.radio("Urutan program", list(SORTS), format_func=SORTS.get, horizontal=True,
                    key="ang_sort")
    frame = programs.assign(_label=[f"{c} · {cd.short(n, 32)}" for c, n in
                                    zip(programs["program_code"], programs["program_name"],
                                        strict=True)],
                            _hover=[f"{c} · {n}" for c, n in
                                    zip(programs["program_code"], programs["program_name"],
                                        strict=True)])
    if sort == "pagu":
        frame = frame.sort_values("pagu", ascending=False, na_position="last", kind="stable")
    else:
        frame = frame.sort_values("absorption_pct", na_position="last", kind="stable")
    title = cd.absorption_finding(frame.assign(_code=frame["program_code"]), "_code",
                                  "program", period)
    components.chart(cd.budget_bars, frame, "_label", title, "Pagu (abu-abu) dan realisasi "
                     "anggaran (biru) per program", hover_col="_hover", key="ang_program")


def source_chart(by_source: pd.DataFrame, period: str, stem: str) -> None:
    """Absorption per funding source, with its table."""
    by_source = by_source.sort_values("pagu", ascending=False, kind="stable")
    components.chart(cd.budget_bars, by_source, "funding_source",
                     cd.extremes_finding(by_source, "funding_source", "sumber dana"),
                     f"Pagu dan realisasi anggaran {period} per sumber dana", key="ang_source")
    table = pd.DataFrame({
        "Sumber dana": by_source["funding_source"], "Jumlah program": by_source["n_programs"],
        "Pagu (Rp)": by_source["pagu"], "Realisasi anggaran (Rp)": by_source["realisasi_ytd"],
        "Realisasi anggaran (%)": pd.to_numeric(by_source["absorption_pct"]).round(2)})
    st.dataframe(cd.budget_display(table), hide_index=True, key="ang_source_table")
    components.download_buttons(table, f"anggaran_sumber_dana_{stem}", key="ang_dl_source")


def opd_chart(by_opd: pd.DataFrame, short_names: dict[str, str], period: str,
              stem: str) -> None:
    """Absorption per lead OPD (the programs it leads), with its table."""
    by_opd = by_opd.assign(_name=by_opd["opd_code"].map(lambda c: short_names.get(c, c)))
    by_opd = by_opd.sort_values("absorption_pct", na_position="last", kind="stable")
    components.chart(cd.budget_bars, by_opd, "_name", cd.extremes_finding(by_opd, "_name", "OPD"),
                     f"Pagu dan realisasi anggaran {period} per OPD pengampu (program yang "
                     "diampu)", key="ang_opd")
    table = pd.DataFrame({
        "OPD": by_opd["_name"], "Jumlah program": by_opd["n_programs"],
        "Pagu (Rp)": by_opd["pagu"], "Realisasi anggaran (Rp)": by_opd["realisasi_ytd"],
        "Realisasi anggaran (%)": pd.to_numeric(by_opd["absorption_pct"]).round(2)})
    st.dataframe(cd.budget_display(table), hide_index=True, key="ang_opd_table")
    components.download_buttons(table, f"anggaran_opd_{stem}", key="ang_dl_opd")


def program_table(programs: pd.DataFrame, short_names: dict[str, str], stem: str) -> None:
    """Every program's budget and progress, downloadable."""
    table = cd.budget_table(programs, short_names)
    st.dataframe(cd.budget_display(table), hide_index=True, key="ang_table",
                 column_config={"Program": st.column_config.TextColumn(width="large"),
                                "Keterangan": st.column_config.TextColumn(width="large")})
    components.download_buttons(table, f"anggaran_program_{stem}", key="ang_dl_table")


def render(flt: filters.Filters) -> None:
    asof = AsOf.latest(flt.year, flt.tw)
    rules = cached(rules_for, flt.region)
    period = asof.label
    st.caption(f"{md_text(flt.region_name)} · realisasi anggaran {period} · keadaan per "
               f"{tanggal(asof.date)}")
    all_programs = cached(budget_summary, flt.region, asof, rules, "program")
    programs = narrowed(all_programs, flt)
    if programs.empty:
        st.info(f"Tidak ada program yang direncanakan pada tahun {flt.year} untuk saringan ini. "
                "Pilih tahun, Dimensi atau OPD lain di saringan samping.", icon=":material/info:")
        return
    if cd.budget_total(programs)["pagu"] is None:
        st.info(f"Belum ada pagu dan realisasi anggaran yang dilaporkan untuk {period}. "
                "Laporan triwulan OPD diunggah di halaman Unggah Data.", icon=":material/info:")
        return
    kpi_row(programs, period, flt.year, rules.imbalance_points)
    narrowed_view = bool(flt.dimension or flt.opd)
    if narrowed_view:
        st.caption("Menurut saringan Dimensi/OPD di samping.")
    opds = cached(uploads.masterplan_opds, flt.region)
    short_names = {c: (s if isinstance(s, str) and s else n) for c, n, s in
                   zip(opds["opd_code"], opds["name"], opds["short_name"], strict=True)}
    balance_section(programs, rules, period, short_names)
    st.divider()
    stem = f"{flt.year}_tw{flt.tw}"
    if narrowed_view:  # the engine's totals cover every program: sum the chosen ones
        sources = cached(budget_summary, flt.region, asof, rules, "source")
        sources = sources[sources["program_code"].isin(set(programs["program_code"]))]
        by_source = cd.aggregate_budget(sources, "funding_source")
        by_opd = cd.aggregate_budget(programs, "lead_opd_code").rename(
            columns={"lead_opd_code": "opd_code"})
    else:
        by_source = cached(budget_summary, flt.region, asof, rules, "funding_source")
        by_opd = cached(budget_summary, flt.region, asof, rules, "opd")
    tab_program, tab_source, tab_opd, tab_table = st.tabs(
        ["Per program", "Per sumber dana", "Per OPD", "Tabel program"])
    with tab_program:
        program_chart(programs, period)
    with tab_source:
        source_chart(by_source, period, stem)
    with tab_opd:
        opd_chart(by_opd, short_names, period, stem)
    with tab_table:
        program_table(programs, short_names, stem)


nav.ensure_routed()
st.title("Anggaran")
with components.busy_guard(catch_all=True):
    current = filters.current()
    if not current.has_masterplan:
        cc.no_masterplan("Anggaran")
    else:
        render(current)
