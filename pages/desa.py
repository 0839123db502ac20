"""Peluncuran Desa: programs rolled out village by village, against the budget calendar.

Storyboard: how many villages operate, are on schedule, at risk (Rawan) or slipped a year
(Bergeser) → where (kecamatan × program) → one program's timeline of planning milestones
(RKP Desa, APBDes, Musrenbang, RKPD, APBD) with the as-of date → the list of villages to act
on, with the reason and the new funding year. Filters: kecamatan and route (desa/APBDes,
desa/APBD, kelurahan/APBD); the sidebar's Dimensi/OPD narrow the programs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date

import streamlit as st

from monev.domain.workdays import quarter_end
from monev.engine import AsOf, rules_for, village_rollout
from monev.ui import charts_capaian as cc
from monev.ui import charts_desa as cd
from monev.ui import components, filters, models, nav
from monev.ui.data import cached, derived
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


def kpi_row(view: models.VillageView, rules_window: int) -> None:
    """Lokasi sasaran, Beroperasi, Sesuai jadwal, Rawan, Bergeser."""
    shown, counts = view.shown, view.counts
    n = len(shown)
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


def matrix_section(view: models.VillageView, stem: str) -> None:
    """Kecamatan × program: share operating, with Bergeser and Rawan counts in each cell."""
    components.chart(cd.district_heatmap, view.matrix, view.finding, view.names,
                     key="desa_matrix")
    programs = ", ".join(f"**{md_text(c)}** {md_text(n)}" for c, n in sorted(view.names.items()))
    st.caption(f"Program: {programs}.")
    components.download_buttons(cd.matrix_table(view.matrix), f"desa_kecamatan_program_{stem}",
                                key="desa_dl_matrix", what="matriks kecamatan × program")


def program_label(code: str, row: Mapping[str, object]) -> str:
    """'SOC-01 · Desa Digital (40 lokasi · 5 bergeser · 2 rawan)' from the program's row of
    ``cd.program_summary``."""
    extra = [f"{int(row['lokasi'])} lokasi"]
    if row["bergeser"]:
        extra.append(f"{int(row['bergeser'])} bergeser")
    if row["rawan"]:
        extra.append(f"{int(row['rawan'])} rawan")
    return f"{code} · {cd.short(row['program_name'], 60)} ({' · '.join(extra)})"


def timeline_section(view: models.VillageView, pick: Callable[[str], models.ProgramVillages],
                     on_label: str, stem: str) -> None:
    """One program: its villages' planning milestones on a timeline, then all its villages
    (``pick(code)``: the program's part of the view)."""
    st.subheader("Linimasa per program")
    summary = view.programs
    codes = list(summary)
    default = max(codes, key=lambda c: (summary[c]["bergeser"] + summary[c]["rawan"],
                                        -codes.index(c)))
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    code = left.selectbox("Program", codes, index=codes.index(default), key="desa_program",
                          format_func=lambda c: program_label(c, summary[c]))
    part = pick(code)
    villages = part.villages
    show_all = False
    if len(villages) > cd.GANTT_TOP_N:
        show_all = right.toggle(f"Tampilkan semua {len(villages)} lokasi di grafik",
                                key="desa_all")
    drawn = villages if show_all else villages.head(cd.GANTT_TOP_N)
    subtitle = None
    if len(drawn) < len(villages):
        subtitle = (f"{len(drawn)} dari {len(villages)} lokasi ditampilkan, yang paling "
                    "mendesak lebih dulu; semuanya ada di tabel di bawah")
    components.chart(cd.village_gantt, drawn, part.milestones, part.on, on_label,
                     part.finding, subtitle, key="desa_gantt")
    st.caption("Setiap batang = masa menuju satu tenggat perencanaan pada tahun sebelum tahun "
               "anggaran; lokasi yang bergeser juga menampilkan tenggat tahun anggaran "
               "barunya. " + part.caption)
    with st.expander(f"Semua {len(villages)} lokasi program {md_text(code)}"):
        table = cd.village_table(villages)
        st.dataframe(table, hide_index=True, key="desa_program_table",
                     column_config={"Alasan": st.column_config.TextColumn(width="large")})
        components.download_buttons(table, f"desa_{code}_{stem}", key="desa_dl_program",
                                    what="daftar lokasi program")


def risk_section(view: models.VillageView, stem: str) -> None:
    """The villages to act on: Bergeser (with the new funding year) and Rawan, with reasons."""
    table, counts = view.risk, view.counts
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
    scope = (flt.region, asof, rules, flt.dimension, flt.opd)
    scoped = derived(models.village_scope, *scope)
    if scoped.empty and cached(village_rollout, flt.region, asof, rules).empty:
        st.info("Belum ada program yang dipantau per desa/kelurahan. Lokasi sasaran "
                "(desa/kelurahan, tahun anggaran, sumber dana) diisi pada masterplan dan "
                "tahapnya dilaporkan OPD dalam laporan triwulan.", icon=":material/info:")
        return
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
    view = derived(models.village_view, *scope, district, route)
    where = "semua kecamatan" if district == cd.ALL else f"Kec. {md_text(districts[district])}"
    way = "semua jalur" if route == cd.ALL else f"jalur {routes[route]}"
    st.caption(f"{md_text(flt.region_name)} · {where} · {way} · status dinilai per "
               f"{tanggal(on)}")
    if view.shown.empty:
        st.info("Tidak ada desa/kelurahan sasaran untuk kecamatan dan jalur ini.",
                icon=":material/info:")
        return
    stem = f"{on:%Y%m%d}"
    kpi_row(view, rules.rawan_window_days)
    st.markdown(cd.legend_html(cd.status_legend_items(), "Status"), unsafe_allow_html=True)
    matrix_section(view, stem)
    st.divider()
    timeline_section(view, lambda code: derived(models.program_villages, *scope, district,
                                                route, code, on), on_label, stem)
    st.divider()
    risk_section(view, stem)


nav.ensure_routed()
st.title("Peluncuran Desa")
with components.busy_guard(catch_all=True):
    current = filters.current()
    if not current.has_masterplan:
        cc.no_masterplan("Peluncuran Desa")
    else:
        render(current)
