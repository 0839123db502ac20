"""Capaian Program: drill down dimension → program → indicator.

Storyboard: programs of the dimension (chart + table) → one program (capaian, lead and
supporting OPDs, realisasi fisik vs anggaran, its indicators) → one indicator over TW I–IV
(realisation vs target s.d. TW and the annual target, how the expected value was set) → the
source of every number (file, sheet, row, uploader, time).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from monev.domain import accumulation as acc
from monev.engine import (
    AsOf,
    budget_summary,
    indicator_attainment,
    indicator_series,
    program_attainment,
    report_completeness,
    rules_for,
    trace_indicator,
)
from monev.engine.revisions import REVISED_MARK
from monev.store import uploads
from monev.ui import charts_capaian as cc
from monev.ui import components, filters, nav
from monev.ui import revisions as rv
from monev.ui.data import cached
from monev.ui.format import (
    KOSONG,
    angka,
    md_text,
    persen,
    rupiah,
    tanggal,
    tanggal_jam,
    triwulan,
)

ALL = "*"
TABLE_LABELS = {"indicator": "Kondisi awal", "target": "Target",
                "realisation": "Realisasi"}
BASIS_LABELS = {"tw": "Nilai TW ini", "sdtw": "Kumulatif s.d. TW"}
# Short names of the expected-to-date methods for the indicator table (the full sentence,
# expected_method_label, is shown under the chart of the chosen indicator).
METHOD_SHORT = {acc.TARGET_TW: "Target TW rencana aksi",
                acc.PROPORSIONAL: "Target tahunan × {tw}/4",
                acc.INTERPOLASI: "Interpolasi dari kondisi awal",
                acc.INTERPOLASI_BASELINE_0: "Interpolasi (kondisi awal 0)",
                acc.INTERPOLASI_REALISASI_LALU: "Interpolasi dari realisasi TW IV tahun lalu",
                acc.INTERPOLASI_TARGET_LALU: "Interpolasi dari target tahun lalu",
                acc.TARGET_TAHUNAN: "Target tahunan (rata-rata)"}


def opd_names(region: str) -> dict[str, str]:
    """OPD code -> short name (full name when there is no short name)."""
    opds = cached(uploads.masterplan_opds, region)
    return {c: (s if isinstance(s, str) and s else n) for c, n, s in
            zip(opds["opd_code"], opds["name"], opds["short_name"], strict=True)}


def choose_dimension(flt: filters.Filters, programs: pd.DataFrame) -> str | None:
    """The sidebar's dimension, else a page choice (None = every dimension)."""
    if flt.dimension:
        return flt.dimension
    dims = dict(zip(programs["dimension_code"], programs["dimension_name"], strict=True))
    picked = st.columns([1, 2])[0].selectbox(
        "Dimensi", [ALL, *dims], key="cp_dimensi",
        format_func=lambda c: "Semua dimensi" if c == ALL else dims[c])
    return None if picked == ALL else picked


def program_table(programs: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """The programs shown, in Indonesian (for the screen and the download)."""
    return pd.DataFrame({
        "Kode": programs["program_code"], "Program": programs["program_name"],
        "Dimensi": programs["dimension_name"],
        "OPD pengampu": [names.get(c, c) for c in programs["lead_opd_code"]],
        "OPD pendukung": [cc.join_names(s, names) for s in programs["supporting_opds"]],
        "Capaian": [cc.capaian_text(v, c) for v, c in
                    zip(programs["capaian"], programs["band_code"], strict=True)],
        "Capaian thd target tahunan": [persen(v) for v in programs["capaian_annual"]],
        "Pita": [cc.band_caption(c) for c in programs["band_code"]],
        "Indikator terhitung": [f"{int(a)} dari {int(b)}" for a, b in
                                zip(programs["n_computed"], programs["n_indicators"],
                                    strict=True)],
    })


def program_detail(prog: pd.Series, budget: pd.DataFrame, names: dict[str, str],
                   asof: AsOf) -> None:
    """Capaian, OPDs and realisasi fisik vs anggaran of one program."""
    lead = names.get(prog["lead_opd_code"], prog["lead_opd_code"])
    st.markdown(f"**OPD pengampu:** {md_text(prog['lead_opd_name'])} ({md_text(lead)})"
                f" · **OPD pendukung:** "
                f"{md_text(cc.join_names(prog['supporting_opds'], names))} · "
                f"**Sub-dimensi:** {md_text(prog['sub_dimension'] or KOSONG)} · "
                f"**Horizon:** {md_text(prog['horizon'] or KOSONG)}")
    row = budget[budget["program_code"] == prog["program_code"]]
    b = row.iloc[0] if len(row) else None
    c1, c2, c3, c4 = st.columns(4)
    with c1:
        st.metric(f"Capaian program {asof.label}", persen(prog["capaian"]),
                  delta=cc.band_caption(prog["band_code"]), delta_color="off",
                  delta_arrow="off", border=True,
                  help="Rata-rata capaian indikatornya terhadap target s.d. TW.")
    with c2:
        fisik = None if b is None else b["fisik_pct"]
        st.metric("Realisasi fisik", persen(fisik),
                  delta=("dilaporkan " + triwulan(b["fisik_tw"])) if b is not None
                  and pd.notna(b["fisik_tw"]) else "belum dilaporkan",
                  delta_color="off", delta_arrow="off", border=True)
    with c3:
        absorb = None if b is None else b["absorption_pct"]
        pagu = None if b is None else b["pagu"]
        real = None if b is None else b["realisasi_ytd"]
        has_pagu = pagu is not None and pd.notna(pagu)
        st.metric("Realisasi anggaran", persen(absorb),
                  delta=f"{rupiah(real)} dari pagu {rupiah(pagu)}" if has_pagu
                  else "belum ada pagu dilaporkan", delta_color="off",
                  delta_arrow="off", border=True)
    with c4:
        gap = None if b is None else b["gap_points"]
        flagged = b is not None and bool(b["imbalance"])
        st.metric("Selisih fisik − keuangan",
                  KOSONG if gap is None or pd.isna(gap) else f"{angka(gap, 1)} poin",
                  delta="tidak seimbang" if flagged else "seimbang" if gap is not None
                  and pd.notna(gap) else "belum dapat dihitung",
                  delta_color="off", delta_arrow="off", border=True)
    if b is not None and bool(b["imbalance"]):
        st.markdown(f":material/warning: **Fisik–keuangan tidak seimbang:** "
                    f"{md_text(b['imbalance_reason'])}")


def indicator_table(inds: pd.DataFrame, tw: int) -> pd.DataFrame:
    """Indicators of a program: targets (a revised one marked, its original beside it),
    realisation to date, capaian and the method used."""
    table = pd.DataFrame({
        "Kode": inds["indicator_code"], "Indikator": inds["indicator_name"],
        "Satuan": inds["unit"],
        "Target tahunan": [rv.target_text(v, o, r) for v, o, r in
                           zip(inds["annual_target"], inds["target_original"], inds["revised"],
                               strict=True)],
        "Target s.d. TW": [angka(v, 2) for v in inds["expected"]],
        "Realisasi s.d. TW": [angka(v, 2) for v in inds["realisation_ytd"]],
        "Capaian": [cc.capaian_text(v, c) if s == "ok" else lab for v, c, s, lab in
                    zip(inds["capaian_expected"], inds["band_code"], inds["status"],
                        inds["status_label"], strict=True)],
        "Pita": [cc.band_caption(c) for c in inds["band_code"]],
        "Target s.d. TW dihitung dari": [
            METHOD_SHORT[m].format(tw=tw) if m in METHOD_SHORT else lab for m, lab in
            zip(inds["expected_method"], inds["expected_method_label"], strict=True)],
    })
    if inds["revised"].any():
        table.insert(4, "Target semula", [angka(o, 2) if r else "" for o, r in
                                          zip(inds["target_original"], inds["revised"],
                                              strict=True)])
    return table


def series_table(series: pd.DataFrame) -> pd.DataFrame:
    """TW I–IV of one indicator (TWs after the view show no realisation)."""
    return pd.DataFrame({
        "Triwulan": series["tw_label"],
        "Realisasi dilaporkan": [angka(v, 2) for v in series["realisation"]],
        "Dasar nilai": [BASIS_LABELS.get(b, KOSONG) if isinstance(b, str) else KOSONG
                        for b in series["basis"]],
        "Realisasi s.d. TW": [angka(v, 2) for v in series["realisation_ytd"]],
        "Target TW (rencana aksi)": [angka(v, 2) for v in series["target_tw"]],
        "Target s.d. TW": [angka(v, 2) for v in series["expected"]],
        "Capaian": [persen(v) for v in series["capaian_expected"]],
        "Cara menghitung target s.d. TW": series["expected_method_label"],
    })


def trace_table(trace: pd.DataFrame) -> pd.DataFrame:
    """Every source row behind the indicator's numbers, in Indonesian."""
    return pd.DataFrame({
        "Data": trace["table"].map(TABLE_LABELS).fillna(trace["table"]),
        "Triwulan": [("Tahunan" if t == 0 else triwulan(t)) if pd.notna(t) else KOSONG
                     for t in trace["tw"]],
        "Nilai": [angka(v, 2) for v in trace["value"]],
        "Dasar nilai": [BASIS_LABELS.get(b, KOSONG) if isinstance(b, str) else KOSONG
                        for b in trace["basis"]],
        "File": trace["file_name"], "Sheet": trace["sheet"],
        "Baris": [str(int(r)) if pd.notna(r) else KOSONG for r in trace["row"]],
        "Diunggah oleh": trace["uploaded_by"],
        "Waktu unggah": [tanggal_jam(t) for t in trace["uploaded_at"]],
        "Tanggal diterima": [tanggal(t) for t in trace["received_on"]],
        "No. muatan": [str(int(v)) if pd.notna(v) else KOSONG for v in trace["load_id"]],
    })


def series_section(ind: pd.Series, series: pd.DataFrame, flt: filters.Filters,
                   asof: AsOf) -> None:
    """The indicator over TW I–IV: chart, how its expected value is set, the TW table."""
    rules = cached(rules_for, flt.region)
    polarity = ("makin rendah makin baik" if ind["polarity"] == "negatif"
                else "makin tinggi makin baik")
    found = cc.series_finding(series, asof.tw, ind["unit"], rules)
    components.chart(cc.series_chart, series, found.title,
                     found.subtitle(f"{ind['indicator_code']} · {polarity}"), ind["unit"], rules,
                     key="cp_series")
    components.band_legend(title="Warna batang = pita capaian s.d. TW")
    unit = md_text(ind["unit"]) if isinstance(ind["unit"], str) else ""
    st.caption(f"**Target s.d. {asof.tw_label}:** {md_text(ind['expected_method_label'])}. "
               f"Akumulasi: {md_text(ind['accumulation_label'])} · polaritas: "
               f"{md_text(ind['polarity_label'].lower())} · kondisi awal: "
               f"{angka(ind['baseline'], 2)} {unit}. TW setelah "
               f"{asof.tw_label} belum termasuk periode yang dilihat.")
    table = series_table(series)
    components.table(table, key="cp_series_table")
    components.download_buttons(table, f"indikator_{ind['indicator_code']}_{flt.year}",
                                key="cp_dl_series", what="rincian TW")


def indicator_section(ind: pd.Series, flt: filters.Filters, asof: AsOf) -> None:
    """One indicator over TW I–IV and the source rows of its numbers."""
    series = cached(indicator_series, flt.region, asof, ind["indicator_code"])
    if series.empty or (series["expected"].isna().all()
                        and series["realisation_ytd"].isna().all()):
        st.info(f"Indikator {md_text(ind['indicator_code'])} belum punya target maupun "
                f"realisasi untuk "
                f"tahun {flt.year}.", icon=":material/info:")
    else:
        series_section(ind, series, flt, asof)

    st.subheader("Sumber angka")
    trace = cached(trace_indicator, flt.region, asof, ind["indicator_code"])
    if trace.empty:
        st.caption("Belum ada baris sumber untuk indikator ini.")
        return
    st.caption("Setiap angka di atas berasal dari baris berikut: file, sheet dan nomor baris "
               "di file itu, siapa yang mengunggah, dan kapan.")
    shown = trace_table(trace)
    components.table(shown, key="cp_trace")
    components.download_buttons(shown, f"sumber_{ind['indicator_code']}_{flt.year}",
                                key="cp_dl_trace", what="sumber angka")


def render(flt: filters.Filters) -> None:
    asof = AsOf.latest(flt.year, flt.tw)
    rules = cached(rules_for, flt.region)
    st.caption(f"{md_text(flt.region_name)} · capaian {asof.label} terhadap target s.d. TW")
    programs = cached(program_attainment, flt.region, asof, rules)
    if programs.empty:
        st.info(f"Tidak ada program masterplan yang direncanakan pada tahun {flt.year}. "
                "Pilih tahun lain di saringan samping.", icon=":material/info:")
        return
    note = cc.period_note(cached(report_completeness, flt.region, asof, rules), flt.tw)
    if note and int(programs["n_computed"].sum()):
        st.info(note, icon=":material/info:")
    names = opd_names(flt.region)
    if flt.opd:
        programs = programs[(programs["lead_opd_code"] == flt.opd) | pd.Series(
            cc.codes_in(programs["supporting_opds"], {flt.opd}), index=programs.index)]
    dimension = choose_dimension(flt, programs)
    if dimension:
        programs = programs[programs["dimension_code"] == dimension]
    if programs.empty:
        st.info("Tidak ada program yang sesuai saringan. Ubah Dimensi atau OPD.",
                icon=":material/info:")
        return
    scope = (programs["dimension_name"].iloc[0] + ": ") if dimension else ""
    found = cc.program_finding(programs, rules)
    components.chart(
        cc.capaian_bars,
        programs.assign(label=[f"{c} {cc.short(n, 34)}" for c, n in
                               zip(programs["program_code"], programs["program_name"],
                                   strict=True)],
                        program_name=[n + (f" ({REVISED_MARK})" if r else "") for n, r in
                                      zip(programs["program_name"], programs["revised"],
                                          strict=True)]),
        "label", scope + found.title, found.subtitle(f"capaian program {asof.label}"), rules,
        hover_col="program_name", key="cp_programs")
    components.band_legend()
    table = program_table(programs, names)
    with st.expander(f"Tabel {len(programs)} program", expanded=False):
        components.table(table, key="cp_program_table",
                         column_config={"Program": st.column_config.TextColumn(width="large")})
        components.download_buttons(table, f"capaian_program_{flt.year}_tw{flt.tw}",
                                    key="cp_dl_programs", what="tabel program")

    rv.off_plan_section(flt.region, asof, key="cp_off", opd=flt.opd)
    st.divider()
    by_code = {r["program_code"]: r for _, r in programs.iterrows()}
    code = st.selectbox(
        "Program", list(by_code), key="cp_program",
        format_func=lambda c: f"{c} · {by_code[c]['program_name']} · "
                              f"{cc.capaian_text(by_code[c]['capaian'], by_code[c]['band_code'])}")
    prog = by_code[code]
    st.subheader(f"{md_text(prog['program_code'])} {md_text(prog['program_name'])}")
    program_detail(prog, cached(budget_summary, flt.region, asof, rules, "program"), names,
                   asof)
    rv.history_expander(flt.region, asof, code, key="cp_revisions")

    inds = cached(indicator_attainment, flt.region, asof, rules)
    inds = inds[inds["program_code"] == code]
    if inds.empty:
        st.info("Program ini belum punya indikator.", icon=":material/info:")
        return
    table = indicator_table(inds, asof.tw)
    components.table(table, key="cp_indicators",
                     column_config={"Indikator": st.column_config.TextColumn(width="large")})
    components.download_buttons(table, f"indikator_{code}_{flt.year}_tw{flt.tw}",
                                key="cp_dl_indicators", what="tabel indikator")
    for note in inds.loc[inds["revised"].astype(bool), "revision_note"]:
        st.caption(f":material/edit_calendar: **{REVISED_MARK.capitalize()}:** {md_text(note)}")

    by_ind = {r["indicator_code"]: r for _, r in inds.iterrows()}
    ind_code = st.selectbox(
        "Indikator", list(by_ind), key=f"cp_indicator_{code}",
        format_func=lambda c: f"{c} · {by_ind[c]['indicator_name']}")
    indicator_section(by_ind[ind_code], flt, asof)


nav.ensure_routed()
st.title("Capaian Program")
with components.busy_guard(catch_all=True):
    current = filters.current()
    if not current.has_masterplan:
        cc.no_masterplan("Capaian Program")
    else:
        render(current)
