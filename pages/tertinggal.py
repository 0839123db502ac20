"""Target Tertinggal: every early-warning flag of the view with its reason and follow-up.

Storyboard: how many flags of each kind → choose kinds and OPD → the list (reason, OPD,
program/indicator/village, kendala, tindak lanjut), sortable and downloadable as Excel.
The sidebar's Dimensi narrows flags that belong to a program (report flags belong to an OPD,
not a dimension, and are then left out); its OPD narrows every flag.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from monev.domain.flags import FLAG_KINDS, FLAG_LABELS
from monev.engine import (
    AsOf,
    all_flags,
    flag_counts,
    indicator_attainment,
    report_completeness,
    rules_for,
)
from monev.store import facts, uploads
from monev.ui import charts_capaian as cc
from monev.ui import components, filters, nav
from monev.ui.data import cached
from monev.ui.format import KOSONG, angka, md_text, tanggal, triwulan

ALL = "*"
HELP = {
    "kritis": "Capaian terhadap target s.d. TW di bawah batas Kritis.",
    "belum_melapor": "Laporan triwulan yang sudah jatuh tempo belum diterima.",
    "desa_bergeser": "Tenggat perencanaan desa/kelurahan terlewat: pendanaan bergeser.",
    "tertinggal": "Capaian terhadap target s.d. TW di bawah batas Tertinggal.",
    "stagnan": "Realisasi tidak berubah dua triwulan terakhir padahal target naik.",
    "fisik_keuangan": "Realisasi fisik dan realisasi anggaran berselisih terlalu jauh.",
    "terlambat": "Laporan triwulan diterima setelah batas waktu.",
    "desa_rawan": "Tenggat perencanaan desa/kelurahan dekat, tahapnya belum tercapai.",
}


def _text(value: object) -> str:
    return value if isinstance(value, str) and value.strip() else KOSONG


def _coded(code: object, name: object) -> str:
    if not isinstance(code, str) or not code:
        return KOSONG
    return f"{code} · {name}" if isinstance(name, str) and name else code


def narrowed(flags: pd.DataFrame, flt: filters.Filters, asof: AsOf) -> pd.DataFrame:
    """Flags of the sidebar's OPD and dimension (via the program's dimension)."""
    keep = pd.Series(True, index=flags.index)
    if flt.opd:
        keep &= flags["opd_code"] == flt.opd
    if flt.dimension:
        programs = cached(facts.programs, flt.region, asof.cutoff)
        dims = dict(zip(programs["program_code"], programs["dimension_code"], strict=True))
        keep &= pd.Series([dims.get(p) == flt.dimension for p in flags["program_code"]],
                          index=flags.index)
    return flags[keep]


def count_tiles(counts: pd.DataFrame) -> None:
    """One tile per flag kind, most urgent first, in two rows of four."""
    rows = [counts.iloc[:4], counts.iloc[4:]]
    for part in rows:
        cols = st.columns(4)
        for col, (_, r) in zip(cols, part.iterrows(), strict=False):
            with col:
                st.metric(r["label"], int(r["n"]), delta=r["scope"], delta_color="off",
                          delta_arrow="off", help=HELP.get(r["kind"]), border=True)


def flag_table(flags: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """The flags in Indonesian, one row each (OPD by its short name)."""
    notes = [f"{triwulan(t)} {int(y)}" if pd.notna(t) and pd.notna(y) else KOSONG
             for t, y in zip(flags["notes_tw"], flags["notes_year"], strict=True)]
    target = [_coded(i, n) if isinstance(i, str) and i else _coded(v, vn)
              for i, n, v, vn in zip(flags["indicator_code"], flags["indicator_name"],
                                     flags["village_code"], flags["village_name"],
                                     strict=True)]
    return pd.DataFrame({
        "Jenis": flags["label"],
        "Alasan": flags["reason"],
        "OPD": [names.get(c, c) if isinstance(c, str) else KOSONG for c in flags["opd_code"]],
        "Program": [_coded(c, n) for c, n in zip(flags["program_code"], flags["program_name"],
                                                 strict=True)],
        "Indikator / Desa": target,
        "Kendala": [_text(v) for v in flags["kendala"]],
        "Tindak Lanjut": [_text(v) for v in flags["tindak_lanjut"]],
        "Catatan dari laporan": notes,
    })


def detail_card(row: pd.Series) -> None:
    """One flag in full (long texts are cut in the table)."""
    with st.container(border=True):
        # Every text here comes from uploaded files: escaped, never Markdown (md_text).
        st.markdown(f"**{md_text(row['Jenis'])}** · {md_text(row['OPD'])} · "
                    f"{md_text(row['Program'])}")
        st.markdown(f"**Alasan:** {md_text(row['Alasan'])}")
        if row["Indikator / Desa"] != KOSONG:
            st.markdown(f"**Indikator / Desa:** {md_text(row['Indikator / Desa'])}")
        st.markdown(f"**Kendala:** {md_text(row['Kendala'])}")
        st.markdown(f"**Tindak Lanjut:** {md_text(row['Tindak Lanjut'])} "
                    f"(laporan {md_text(row['Catatan dari laporan'])})")


def opd_names(region: str) -> dict[str, str]:
    """OPD code -> short name (full name when there is no short name)."""
    opds = cached(uploads.masterplan_opds, region)
    return {c: (s if isinstance(s, str) and s else n) for c, n, s in
            zip(opds["opd_code"], opds["name"], opds["short_name"], strict=True)}


def render(flt: filters.Filters) -> None:
    asof = AsOf.latest(flt.year, flt.tw)
    rules = cached(rules_for, flt.region)
    st.caption(f"{md_text(flt.region_name)} · peringatan dini {asof.label} · keadaan per "
               f"{tanggal(asof.date)}")
    note = cc.period_note(cached(report_completeness, flt.region, asof, rules), flt.tw)
    # The indicator view is the one the flags were built from (one snapshot, monev/engine).
    if note and (cached(indicator_attainment, flt.region, asof, rules)["n_reported"] > 0).any():
        st.info(note, icon=":material/info:")
    flags = narrowed(cached(all_flags, flt.region, asof, rules), flt, asof)
    counts = flag_counts(flags, asof)
    count_tiles(counts)
    st.caption(f"Tertinggal: capaian terhadap target s.d. {asof.tw_label} di bawah "
               f"{angka(rules.tertinggal_below)}%; Kritis: di bawah "
               f"{angka(rules.kritis_below)}%. Setiap tanda membawa kendala dan tindak "
               "lanjut terakhir dari laporan OPD.")
    if flt.dimension:
        st.caption("Saringan Dimensi aktif: tanda laporan OPD (Belum melapor, Terlambat) "
                   "tidak termasuk karena tidak terkait satu program.")
    if flags.empty:
        st.success(f"Tidak ada tanda peringatan untuk {asof.label} pada saringan ini.",
                   icon=":material/check_circle:")
        return

    names = opd_names(flt.region)
    n_by_kind = dict(zip(counts["kind"], counts["n"], strict=True))
    present = [k for k in FLAG_KINDS if n_by_kind.get(k, 0)]
    kinds = st.pills("Jenis tanda", present, selection_mode="multi", default=present,
                     key="tt_jenis",
                     format_func=lambda k: f"{FLAG_LABELS[k]} ({n_by_kind.get(k, 0)})")
    shown = flags[flags["kind"].isin(kinds or [])]
    if not flt.opd:
        present_opds = sorted(o for o in set(flags["opd_code"]) if isinstance(o, str))
        opd = st.columns([1, 2])[0].selectbox(
            "OPD", [ALL, *present_opds], key="tt_opd",
            format_func=lambda c: "Semua OPD" if c == ALL else f"{names.get(c, c)} ({c})")
        if opd != ALL:
            shown = shown[shown["opd_code"] == opd]
    if shown.empty:
        st.info("Tidak ada tanda yang sesuai pilihan. Pilih jenis tanda di atas.",
                icon=":material/info:")
        return
    table = flag_table(shown, names)
    st.markdown(f"**{len(table)} tanda** · klik judul kolom untuk mengurutkan, klik baris "
                "untuk membaca lengkap.")
    picked = components.table(
        table, key="tt_table", on_select="rerun",
        selection_mode="single-row", height=min(36 * (len(table) + 1) + 3, 560),
        column_order=[c for c in table.columns if c != "Catatan dari laporan"],
        column_config={
            "Jenis": st.column_config.TextColumn(width=110),
            "Alasan": st.column_config.TextColumn(width=300),
            "OPD": st.column_config.TextColumn(width=110),
            "Program": st.column_config.TextColumn(width=150),
            "Indikator / Desa": st.column_config.TextColumn(width=150),
            "Kendala": st.column_config.TextColumn(width=230),
            "Tindak Lanjut": st.column_config.TextColumn(width=230),
        })
    components.download_buttons(table, f"target_tertinggal_{flt.year}_tw{flt.tw}",
                                key="tt_dl", what="daftar tanda")
    rows = list(getattr(getattr(picked, "selection", None), "rows", []) or [])
    if rows and rows[0] < len(table):
        detail_card(table.iloc[rows[0]])


nav.ensure_routed()
st.title("Target Tertinggal")
with components.busy_guard(catch_all=True):
    current = filters.current()
    if not current.has_masterplan:
        cc.no_masterplan("Target Tertinggal")
    else:
        render(current)
