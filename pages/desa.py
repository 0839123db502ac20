"""Peluncuran Desa: programs rolled out village by village, against the budget calendar.

Storyboard: how many villages operate, are on schedule, at risk (Rawan) or slipped a year
(Bergeser) → where (kecamatan × program) → one program's timeline of planning milestones
(RKP Desa, APBDes, Musrenbang, RKPD, APBD) with the as-of date → the list of villages to act
on, with the reason and the new funding year. Filters: kecamatan and route (desa/APBDes,
desa/APBD, kelurahan/APBD); the sidebar's Dimensi/OPD narrow the programs.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from monev.domain.workdays import quarter_end
from monev.engine import AsOf, program_attainment, rules_for, village_milestones, village_rollout
from monev.ui import charts_capaian as cc
from monev.ui import charts_desa as cd
from monev.ui import components, filters, nav
from monev.ui.data import cached
from monev.ui.format import md_text, persen, tanggal

TODAY, END_OF_TW = "hari_ini", "akhir_tw"


def as_of_choice(flt: filters.Filters) -> tuple[date, str]:
    """The date the calendar is judged on: today, or the end of the chosen TW when it has
    passed. Returns the date and its short label for the chart."""
    today = date.today()
    end = quarter_end(flt.year, flt.tw)
    if end >= today:
        st.caption(f"Keadaan per hari ini, {tanggal(today)}.")
        return today, f"Hari ini {cd.short_date(today)}"
    labels = {TODAY: f"Hari ini ({tanggal(today)})",
              END_OF_TW: f"Akhir {flt.period_label} ({tanggal(end)})"}
    pick = st.radio("Keadaan per", list(labels), format_func=labels.get, key="desa_asof",
                    help="Status desa/kelurahan dinilai terhadap kalender anggaran pada "
                         "tanggal ini.")
    if pick == END_OF_TW:
        return end, f"Akhir {flt.period_label}"
    return today, f"Hari ini {cd.short_date(today)}"


def narrowed(rollout: pd.DataFrame, programs: pd.DataFrame,
             flt: filters.Filters) -> pd.DataFrame:
    """The villages of programs in the sidebar's dimension and OPD (lead or supporting)."""
    keep = pd.Series(True, index=rollout.index)
    if flt.dimension:
        codes = set(programs.loc[programs["dimension_code"] == flt.dimension, "program_code"])
        keep &= rollout["program_code"].isin(codes)
    if flt.opd:
        support = programs[cc.codes_in(programs["supporting_opds"], {flt.opd})]
        keep &= (rollout["lead_opd_code"] == flt.opd) | rollout["program_code"].isin(
            set(support["program_code"]))
    return rollout[keep].reset_index(drop=True)


def kpi_row(shown: pd.DataFrame, rules_window: int) -> None:
    """Lokasi sasaran, Beroperasi, Sesuai jadwal, Rawan, Bergeser."""
    n = len(shown)
    counts = cd.status_counts(shown)
    noun = cd.place_noun(shown["kind"])
    slipped = shown[shown["status"] == "bergeser"]

    def share(k: int) -> str:
        return persen(k / n * 100) if n else "–"

    tiles = [
        ("Lokasi sasaran", f"{n}", f"{noun} · {shown['program_code'].nunique()} program",
         "Desa/kelurahan yang direncanakan menerima program."),
        ("● Beroperasi", f"{counts['beroperasi']}", f"{share(counts['beroperasi'])} dari "
         "sasaran", "Tahap Beroperasi sudah dilaporkan."),
        ("✓ Sesuai jadwal", f"{counts['sesuai_jadwal']}", share(counts["sesuai_jadwal"]),
         "Belum beroperasi, tetapi tidak ada tenggat perencanaan yang terlewat atau dekat."),
        ("⚠ Rawan", f"{counts['rawan']}", f"tenggat ≤ {rules_window} hari lagi",
         "Tenggat perencanaan jatuh dalam waktu dekat dan tahap yang diperlukan belum "
         "tercapai."),
        ("→ Bergeser", f"{counts['bergeser']}",
         f"pendanaan {cd.slip_years_text(slipped['slip_to_year'])}" if len(slipped)
         else "tidak ada", "Tenggat terlewat: pendanaan bergeser ke tahun berikutnya."),
    ]
    for col, (label, value, delta, help_text) in zip(st.columns(len(tiles)), tiles,
                                                     strict=True):
        with col:
            st.metric(label, value, delta=delta, delta_color="off", delta_arrow="off",
                      border=True, help=help_text)


def matrix_section(shown: pd.DataFrame, stem: str) -> None:
    """Kecamatan × program: share operating, with Bergeser and Rawan counts in each cell."""
    matrix = cd.district_matrix(shown)
    names = dict(zip(shown["program_code"], shown["program_name"], strict=True))
    components.chart(cd.district_heatmap, matrix, cd.rollout_finding(shown), names,
                     key="desa_matrix")
    programs = ", ".join(f"**{md_text(c)}** {md_text(n)}" for c, n in sorted(names.items()))
    st.caption(f"Program: {programs}.")
    components.download_buttons(cd.matrix_table(matrix), f"desa_kecamatan_program_{stem}",
                                key="desa_dl_matrix", what="matriks kecamatan × program")


def program_label(code: str, rows: pd.DataFrame, counts: dict[str, int]) -> str:
    """'SOC-01 · Desa Digital (40 lokasi · 5 bergeser · 2 rawan)' from one program's rows."""
    extra = [f"{len(rows)} lokasi"]
    if counts["bergeser"]:
        extra.append(f"{counts['bergeser']} bergeser")
    if counts["rawan"]:
        extra.append(f"{counts['rawan']} rawan")
    return f"{code} · {cd.short(rows['program_name'].iloc[0], 60)} ({' · '.join(extra)})"


def timeline_section(shown: pd.DataFrame, milestones: pd.DataFrame, on: date,
                     on_label: str, stem: str) -> None:
    """One program: its villages' planning milestones on a timeline, then all its villages."""
    st.subheader("Linimasa per program")
    by_code = dict(list(shown.groupby("program_code", sort=True)))
    codes = list(by_code)
    trouble = {c: cd.status_counts(rows) for c, rows in by_code.items()}
    default = max(codes, key=lambda c: (trouble[c]["bergeser"] + trouble[c]["rawan"],
                                        -codes.index(c)))
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    code = left.selectbox("Program", codes, index=codes.index(default), key="desa_program",
                          format_func=lambda c: program_label(c, by_code[c], trouble[c]))
    villages = cd.sort_villages(by_code[code])
    show_all = False
    if len(villages) > cd.GANTT_TOP_N:
        show_all = right.toggle(f"Tampilkan semua {len(villages)} lokasi di grafik",
                                key="desa_all")
    drawn = villages if show_all else villages.head(cd.GANTT_TOP_N)
    mine = milestones[milestones["program_code"] == code]
    title = cd.program_finding(villages, mine, on)
    subtitle = None
    if len(drawn) < len(villages):
        subtitle = (f"{len(drawn)} dari {len(villages)} lokasi ditampilkan, yang paling "
                    "mendesak lebih dulu; semuanya ada di tabel di bawah")
    components.chart(cd.village_gantt, drawn, mine, on, on_label, title, subtitle,
                     key="desa_gantt")
    st.caption("Setiap batang = masa menuju satu tenggat perencanaan pada tahun sebelum tahun "
               "anggaran; lokasi yang bergeser juga menampilkan tenggat tahun anggaran "
               "barunya. " + cd.calendar_caption(mine))
    with st.expander(f"Semua {len(villages)} lokasi program {md_text(code)}"):
        table = cd.village_table(villages)
        st.dataframe(table, hide_index=True, key="desa_program_table",
                     column_config={"Alasan": st.column_config.TextColumn(width="large")})
        components.download_buttons(table, f"desa_{code}_{stem}", key="desa_dl_program",
                                    what="daftar lokasi program")


def risk_section(shown: pd.DataFrame, stem: str) -> None:
    """The villages to act on: Bergeser (with the new funding year) and Rawan, with reasons."""
    table = cd.risk_table(shown)
    counts = cd.status_counts(shown)
    st.subheader(f"Desa/kelurahan rawan dan bergeser ({counts['rawan']} rawan · "
                 f"{counts['bergeser']} bergeser)")
    if table.empty:
        st.success("Tidak ada desa/kelurahan yang rawan atau bergeser pada saringan ini.",
                   icon=":material/check_circle:")
        return
    components.table(table, key="desa_risk", height=min(800, 40 * (len(table) + 1)),
                     column_config={"Alasan": st.column_config.TextColumn(width="large"),
                                    "Program": st.column_config.TextColumn(width="medium")})
    components.download_buttons(table, f"desa_rawan_bergeser_{stem}", key="desa_dl_risk",
                                what="daftar rawan dan bergeser")


def render(flt: filters.Filters) -> None:
    rules = cached(rules_for, flt.region)
    c_kec, c_route, c_asof = st.columns([2, 3, 3])
    with c_asof:
        on, on_label = as_of_choice(flt)
    asof = AsOf.latest(flt.year, flt.tw, on)
    rollout = cached(village_rollout, flt.region, asof, rules)
    if rollout.empty:
        st.info("Belum ada program yang dipantau per desa/kelurahan. Lokasi sasaran "
                "(desa/kelurahan, tahun anggaran, sumber dana) diisi pada masterplan dan "
                "tahapnya dilaporkan OPD dalam laporan triwulan.", icon=":material/info:")
        return
    programs = cached(program_attainment, flt.region, asof, rules)
    scoped = narrowed(rollout, programs, flt)
    if scoped.empty:
        st.info("Tidak ada program desa/kelurahan untuk Dimensi atau OPD yang dipilih di "
                "saringan samping.", icon=":material/info:")
        return
    districts = dict(sorted(zip(scoped["district_code"], scoped["district_name"],
                                strict=True), key=lambda kv: str(kv[1])))
    district = c_kec.selectbox("Kecamatan", [cd.ALL, *districts], key="desa_kecamatan",
                               format_func=lambda c: "Semua kecamatan" if c == cd.ALL
                               else districts[c])
    routes = cd.route_options(scoped)
    route = c_route.radio("Jalur (jenis lokasi dan pendanaan)", list(routes), horizontal=True,
                          format_func=routes.get, key="desa_jalur")
    shown = cd.narrow_villages(scoped, district, route)
    where = "semua kecamatan" if district == cd.ALL else f"Kec. {md_text(districts[district])}"
    way = "semua jalur" if route == cd.ALL else f"jalur {routes[route]}"
    st.caption(f"{md_text(flt.region_name)} · {where} · {way} · status dinilai per "
               f"{tanggal(on)}")
    if shown.empty:
        st.info("Tidak ada desa/kelurahan sasaran untuk kecamatan dan jalur ini.",
                icon=":material/info:")
        return
    stem = f"{on:%Y%m%d}"
    kpi_row(shown, rules.rawan_window_days)
    st.markdown(cd.legend_html(cd.status_legend_items(), "Status"), unsafe_allow_html=True)
    matrix_section(shown, stem)
    st.divider()
    timeline_section(shown, cached(village_milestones, flt.region, asof, rules), on,
                     on_label, stem)
    st.divider()
    risk_section(shown, stem)


nav.ensure_routed()
st.title("Peluncuran Desa")
with components.busy_guard(catch_all=True):
    current = filters.current()
    if not current.has_masterplan:
        cc.no_masterplan("Peluncuran Desa")
    else:
        render(current)
