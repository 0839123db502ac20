"""Charts, finding titles and small page helpers for the monitoring pages (Ringkasan,
Capaian Program, Target Tertinggal, Kelengkapan Laporan).

Every chart is built from an engine frame and a title that *states the finding*, computed from
the data (``*_finding`` functions, plain text, tested without Streamlit). Capaian bars use the
band colours only, print the value and band code next to every colour ("62,5% · S") and are
clipped at :data:`CLIP` with a ▶ marker when the real value is higher (the text keeps the real
value).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import NamedTuple

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from monev.domain.bands import BANDS, BY_CODE, band
from monev.domain.rollup import RUNNING_LABEL, running_text
from monev.domain.settings import DEFAULT, Rules
from monev.domain.text import KOSONG, format_persen
from monev.ui.format import angka, persen, tanggal
from monev.ui.format import is_missing as _missing
from monev.ui.theme import (
    ACCENT,
    BAND_COLORS,
    BASE_FONT_PX,
    MUTED,
    TEXT,
    cell_css,
    figure_layout,
)

CLIP = 120.0            # capaian bars stop here; a marker shows that the value is higher
AXIS_MAX = 152.0        # room right of the clip for the value text
NO_DATA = "Belum ada data"
UNGGAH_PAGE = "pages/unggah.py"

# Quarterly report status: colour-blind-safe colours (Okabe-Ito, as the bands) + a symbol and
# the label in every cell, never the colour alone.
REPORT_STYLE: dict[str, tuple[str, str, str]] = {   # status -> (fill, text colour, symbol)
    "tepat_waktu": ("#0072B2", "#FFFFFF", "✓"),
    "terlambat": ("#E69F00", "#000000", "!"),
    "belum_melapor": ("#D55E00", "#000000", "✗"),
    "belum_jatuh_tempo": ("#E5E7EB", "#000000", "…"),
}
REPORT_ORDER = ("tepat_waktu", "terlambat", "belum_melapor", "belum_jatuh_tempo")
REPORT_LABELS = {"tepat_waktu": "Tepat waktu", "terlambat": "Terlambat",
                 "belum_melapor": "Belum melapor", "belum_jatuh_tempo": "Belum jatuh tempo"}


class Finding(NamedTuple):
    """A chart headline stating the finding, and one line of detail under it."""

    title: str
    detail: str

    def subtitle(self, context: str) -> str:
        """The detail and the chart's context on one line."""
        return " · ".join(p for p in (self.detail, context) if p)


# ---------------------------------------------------------------- small text helpers

def band_caption(code: object) -> str:
    """'ST – Sangat Tinggi'; 'Tidak ada data' for NA or a missing code."""
    band = BY_CODE.get(str(code)) if not _missing(code) else None
    return (band or BY_CODE["NA"]).caption


def band_label(code: object) -> str:
    """'Sangat Tinggi'; 'Tidak ada data' for NA or a missing code."""
    band = BY_CODE.get(str(code)) if not _missing(code) else None
    return (band or BY_CODE["NA"]).label


def capaian_text(value: object, code: object) -> str:
    """'62,5% · S' (value and band code side by side); 'Belum ada data' when missing. Always
    one decimal ('85,0% · T' beside '90,1% · T'), as on the slides: one precision for one
    kind of figure."""
    if _missing(value):
        return NO_DATA
    return f"{format_persen(float(value), 1)} · {code}"  # type: ignore[arg-type]


def capaian_band_text(value: object, code: object) -> str:
    """'62,5% (Rendah)'; 'belum ada data' when missing (for sentences)."""
    if _missing(value):
        return NO_DATA.lower()
    return f"{persen(value)} ({band_label(code)})"


def short(text: object, limit: int = 42) -> str:
    """A label cut to ``limit`` characters with an ellipsis (chart axis labels)."""
    s = "" if _missing(text) else str(text)
    return s if len(s) <= limit else s[: limit - 1].rstrip() + "…"


def join_names(codes: object, names: Mapping[str, str]) -> str:
    """'BAPPEDA, KOMINFO' -> 'Bappeda Litbang, Diskominfo' (names looked up, code if unknown)."""
    if _missing(codes) or not str(codes).strip():
        return KOSONG
    return ", ".join(names.get(c.strip(), c.strip()) for c in str(codes).split(","))


# ---------------------------------------------------------------- findings (titles)

def _computed(frame: pd.DataFrame, col: str = "capaian") -> pd.DataFrame:
    return frame[pd.to_numeric(frame[col], errors="coerce").notna()]


def dimension_finding(dims: pd.DataFrame, rules: Rules = DEFAULT) -> Finding:
    """Headline of the capaian-per-dimension chart, e.g.
    ('Smart Living tertinggal: 58,2% (Rendah)', 'batas tertinggal 76%')."""
    done = _computed(dims)
    if done.empty:
        return Finding("Capaian per dimensi belum dapat dihitung",
                       "belum ada realisasi yang dilaporkan")
    low = done.sort_values("capaian", kind="stable")
    worst = low.iloc[0]
    lowest = f"{worst['dimension_name']} {capaian_band_text(worst['capaian'], worst['band_code'])}"
    n_lag = int((low["capaian"] < rules.tertinggal_below).sum())
    limit = f"batas tertinggal {angka(rules.tertinggal_below)}%"
    if n_lag == 1:
        return Finding(f"{worst['dimension_name']} tertinggal: "
                       f"{capaian_band_text(worst['capaian'], worst['band_code'])}", limit)
    if n_lag > 1:
        return Finding(f"{n_lag} dari {len(done)} dimensi tertinggal", f"terendah {lowest}")
    return Finding(f"Terendah: {lowest}", f"semua di atas {limit}")


def program_finding(programs: pd.DataFrame, rules: Rules = DEFAULT) -> Finding:
    """Headline of a program chart: how many programs lag, and the lowest one."""
    done = _computed(programs)
    if done.empty:
        return Finding("Capaian program belum dapat dihitung",
                       "belum ada realisasi yang dilaporkan")
    low = done.sort_values("capaian", kind="stable")
    worst = low.iloc[0]
    n_lag = int((low["capaian"] < rules.tertinggal_below).sum())
    lowest = (f"terendah {worst['program_code']} "
              f"{capaian_band_text(worst['capaian'], worst['band_code'])}")
    if n_lag:
        return Finding(f"{n_lag} dari {len(done)} program tertinggal", lowest)
    return Finding(f"Semua {len(done)} program ≥ {angka(rules.tertinggal_below)}%", lowest)


def band_count_finding(programs: pd.DataFrame, rules: Rules = DEFAULT) -> Finding:
    """('4 dari 27 program di bawah pita Tinggi', '14 program Sangat Tinggi')."""
    done = _computed(programs)
    if done.empty:
        return Finding("Belum ada capaian program", "belum ada realisasi yang dilaporkan")
    below = int((done["capaian"] < rules.band_t).sum())
    best = int((done["band_code"] == "ST").sum())
    detail = f"{best} program Sangat Tinggi"
    if below:
        return Finding(f"{below} dari {len(done)} program di bawah pita Tinggi", detail)
    return Finding(f"Semua {len(done)} program berpita Tinggi ke atas", detail)


def running_finding(dims: pd.DataFrame, year: int) -> Finding:
    """('Program berjalan: 30 dari 42 program yang direncanakan tahun 2026 (71,4%)',
    'terendah Smart Branding 2 dari 6')."""
    planned = int(dims["n_planned"].sum())
    running = int(dims["n_running"].sum())
    if not planned:
        return Finding(f"Tidak ada program masterplan yang direncanakan tahun {year}", "")
    title = (f"{RUNNING_LABEL}: {running_text(running, planned, year)} "
             f"({persen(running / planned * 100)})")
    has_plan = dims[dims["n_planned"] > 0]
    low = has_plan.sort_values("pct_running", kind="stable").iloc[0]
    if low["n_running"] < low["n_planned"]:
        return Finding(title, f"terendah {low['dimension_name']} "
                              f"{int(low['n_running'])} dari {int(low['n_planned'])}")
    return Finding(title, "semua program dalam rencana sudah berjalan")


def series_finding(series: pd.DataFrame, tw: int, unit: object,
                   rules: Rules = DEFAULT) -> Finding:
    """Headline of an indicator's TW chart: capaian at the viewed TW, realisation vs target."""
    row = series[series["tw"] == tw]
    if row.empty:
        return Finding("Belum ada data indikator ini", "")
    r = row.iloc[0]
    sat = "" if _missing(unit) else f" {unit}"
    if _missing(r["realisation_ytd"]):
        return Finding(f"Realisasi {r['sd_tw_label']} belum dilaporkan",
                       f"target {r['sd_tw_label']} {angka(r['expected'], 2)}{sat}")
    detail = (f"realisasi {angka(r['realisation_ytd'], 2)}{sat} dari target "
              f"{r['sd_tw_label']} {angka(r['expected'], 2)}{sat}")
    if _missing(r["capaian_expected"]):
        return Finding(f"Capaian {r['sd_tw_label']} tidak dapat dihitung", detail)
    code = band(float(r["capaian_expected"]), rules).code
    return Finding(f"Capaian {r['sd_tw_label']}: "
                   f"{capaian_band_text(r['capaian_expected'], code)}", detail)


def completeness_finding(by_tw: pd.DataFrame, tw: int) -> Finding:
    """('Laporan TW III: 14 dari 15 OPD (93,3%)', '1 belum melapor, 4 terlambat'); when the
    chosen TW is not due yet, the finding of the latest TW that is."""
    row = by_tw[by_tw["tw"] == tw]
    if row.empty:
        return Finding("Belum ada laporan triwulan yang wajib", "")
    r = row.iloc[0]
    note = ""
    if int(r["n_due"]) == 0:
        due = by_tw[(by_tw["n_due"] > 0) & (by_tw["tw"] < tw)]
        if due.empty:
            return Finding(f"Laporan {r['tw_label']} belum jatuh tempo",
                           f"{int(r['n_opd'])} OPD wajib melapor")
        note = f"{r['tw_label']} belum jatuh tempo"
        r = due.iloc[-1]
    title = (f"Laporan {r['tw_label']}: {int(r['n_received'])} dari {int(r['n_due'])} OPD "
             f"({persen(r['completeness_pct'])})")
    parts = []
    if int(r["n_missing"]):
        parts.append(f"{int(r['n_missing'])} belum melapor")
    if int(r["n_late"]):
        parts.append(f"{int(r['n_late'])} terlambat")
    detail = ", ".join(parts) if parts else "semua tepat waktu"
    return Finding(title, f"{detail}; {note}" if note else detail)


def period_note(reports: pd.DataFrame, tw: int) -> str | None:
    """A warning sentence when no report of the viewed TW has been received yet: capaian then
    compares the realisation reported so far with the target of that TW."""
    now = reports[reports["tw"] == tw]
    if now.empty or now["status"].isin(["tepat_waktu", "terlambat"]).any():
        return None
    label = str(now["tw_label"].iloc[0])
    return (f"Belum ada laporan {label} yang diterima. Capaian di bawah membandingkan realisasi "
            f"yang sudah dilaporkan dengan target s.d. {label}, sehingga tampak lebih rendah. "
            "Untuk gambaran yang adil pilih triwulan terakhir yang sudah dilaporkan.")


def method_summary(indicators: pd.DataFrame) -> str:
    """Which expected-to-date assumption is used, with indicator counts, most used first."""
    if indicators.empty:
        return ""
    counts = indicators["expected_method_label"].dropna().value_counts()
    return "; ".join(f"{label} ({int(n)} indikator)" for label, n in counts.items())


# ---------------------------------------------------------------- charts

SUBTITLE_COLOR = "#4B5563"   # darker than the theme's muted grey: readable on a projector


def _layout(fig: go.Figure, title: str, subtitle: str | None, height: int) -> go.Figure:
    """The Monev template, the finding as title, a readable subtitle and room above."""
    fig = figure_layout(fig, title, subtitle or None, height=height)
    if subtitle:
        fig.update_layout(title_subtitle_font_color=SUBTITLE_COLOR)
    fig.update_layout(margin={"t": 125 if subtitle else 80})
    return fig


def _band_codes(frame: pd.DataFrame) -> list[str]:
    return [c if not _missing(c) and c in BY_CODE else "NA" for c in frame["band_code"]]


def capaian_bars(frame: pd.DataFrame, label_col: str, title: str,
                 subtitle: str | None = None, rules: Rules = DEFAULT,
                 hover_col: str | None = None) -> go.Figure:
    """Horizontal capaian bars (first row on top) in band colours, '62,5% · S' beside each bar,
    clipped at CLIP with a ▶ marker, reference lines at 100% and the Tertinggal threshold."""
    labels = list(frame[label_col].astype(str))
    values = pd.to_numeric(frame["capaian"], errors="coerce")
    codes = _band_codes(frame)
    shown = [0.0 if _missing(v) else min(float(v), CLIP) for v in values]
    text = [capaian_text(v, c) for v, c in zip(values, codes, strict=True)]
    hover = list(frame[hover_col].astype(str)) if hover_col else labels
    fig = go.Figure(go.Bar(
        x=shown, y=labels, orientation="h", text=text, textposition="outside",
        cliponaxis=False, marker={"color": [BAND_COLORS[c] for c in codes],
                                  "line": {"color": TEXT, "width": 0.5}},
        textfont={"size": BASE_FONT_PX, "color": TEXT},
        customdata=[[h, band_caption(c)] for h, c in zip(hover, codes, strict=True)],
        hovertemplate="%{customdata[0]}<br>%{text}<br>%{customdata[1]}<extra></extra>",
        showlegend=False))
    over = [lab for lab, v in zip(labels, values, strict=True)
            if not _missing(v) and float(v) > CLIP]
    if over:
        fig.add_trace(go.Scatter(
            x=[CLIP] * len(over), y=over, mode="markers",
            marker={"symbol": "triangle-right", "size": 18, "color": TEXT},
            hovertemplate=f"Di atas {angka(CLIP)}%: batang dipotong<extra></extra>",
            showlegend=False))
    fig.add_vline(x=100, line={"color": TEXT, "width": 1.5, "dash": "dash"}, layer="below")
    fig.add_vline(x=rules.tertinggal_below, line={"color": MUTED, "width": 1.5, "dash": "dot"},
                  layer="below")
    fig.add_annotation(x=100, y=1, yref="paper", yanchor="bottom", showarrow=False,
                       text="Target 100%", font={"size": BASE_FONT_PX - 2, "color": TEXT})
    fig.add_annotation(x=rules.tertinggal_below, y=1, yref="paper", yanchor="bottom",
                       showarrow=False, xanchor="right",
                       text=f"Batas tertinggal {angka(rules.tertinggal_below)}%",
                       font={"size": BASE_FONT_PX - 2, "color": SUBTITLE_COLOR})
    fig = _layout(fig, title, subtitle, max(320, 170 + 44 * len(labels)))
    fig.update_xaxes(range=[0, AXIS_MAX], tickvals=[0, 20, 40, 60, 80, 100, 120],
                     ticksuffix="%", title_text="Capaian terhadap target s.d. TW"
                     + (" (▶ = di atas 120%, batang dipotong)" if over else ""))
    fig.update_yaxes(autorange="reversed", title_text="")
    fig.update_layout(bargap=0.3)
    return fig


def band_count_bars(programs: pd.DataFrame, title: str,
                    subtitle: str | None = None, unit: str = "program") -> go.Figure:
    """Number of rows (programs, or another ``unit``) per band (every band; NA only when
    present), horizontal, band colours with the code and label on the axis and the count
    beside the bar."""
    codes = pd.Series(_band_codes(programs), dtype=object)
    counts = codes.value_counts()
    bands = [b for b in BANDS if b.code != "NA" or counts.get("NA", 0)]
    n = [int(counts.get(b.code, 0)) for b in bands]
    fig = go.Figure(go.Bar(
        x=n, y=[b.caption for b in bands], orientation="h",
        text=[f"{k} {unit}" for k in n], textposition="outside", cliponaxis=False,
        marker={"color": [b.color for b in bands], "line": {"color": TEXT, "width": 0.5}},
        textfont={"size": BASE_FONT_PX, "color": TEXT},
        hovertemplate=f"%{{y}}: %{{x}} {unit}<extra></extra>", showlegend=False))
    fig = _layout(fig, title, subtitle, max(320, 170 + 44 * len(bands)))
    top = max(n + [1])
    fig.update_xaxes(range=[0, top * 1.35], title_text=f"Jumlah {unit}", tickformat="d",
                     dtick=max(1, math.ceil(top / 5)))
    fig.update_yaxes(autorange="reversed", title_text="")
    fig.update_layout(bargap=0.3)
    return fig


def running_bars(dims: pd.DataFrame, title: str, subtitle: str | None = None) -> go.Figure:
    """Programs running ÷ planned per dimension (%), one accent colour, 'n dari m · p%'
    inside the bar (outside when the bar is short)."""
    has = dims[dims["n_planned"] > 0]
    pct = pd.to_numeric(has["pct_running"], errors="coerce").fillna(0.0)
    text = [f"{int(r)} dari {int(p)} · {persen(v)}" for r, p, v in
            zip(has["n_running"], has["n_planned"], pct, strict=True)]
    inside = [v >= 45 for v in pct]
    fig = go.Figure(go.Bar(
        x=list(pct), y=list(has["dimension_name"]), orientation="h", text=text,
        textposition=["inside" if i else "outside" for i in inside],
        insidetextanchor="end", cliponaxis=False, marker={"color": ACCENT},
        textfont={"size": BASE_FONT_PX,
                  "color": ["#FFFFFF" if i else TEXT for i in inside]},
        hovertemplate="%{y}: %{text}<extra></extra>", showlegend=False))
    fig = _layout(fig, title, subtitle, max(320, 170 + 44 * len(has)))
    fig.update_xaxes(range=[0, 104], tickvals=[0, 25, 50, 75, 100], ticksuffix="%",
                     title_text="% program berjalan dari yang direncanakan")
    fig.update_yaxes(autorange="reversed", title_text="")
    fig.update_layout(bargap=0.3)
    return fig


def series_chart(series: pd.DataFrame, title: str, subtitle: str | None, unit: object,
                 rules: Rules = DEFAULT) -> go.Figure:
    """An indicator over TW I–IV: realisation to date (bars in the band of its capaian, value
    and band code printed), the expected-to-date line and the annual target (dashed)."""
    sat = "" if _missing(unit) else f" {unit}"
    shown = series[series["in_view"].astype(bool)]
    codes = [band(None if _missing(c) else float(c), rules).code
             for c in shown["capaian_expected"]]
    fig = go.Figure()
    fig.add_trace(go.Bar(
        x=list(shown["tw_label"]),
        y=[0.0 if _missing(v) else float(v) for v in shown["realisation_ytd"]],
        name="Realisasi s.d. TW (warna = pita capaian)",
        text=["Belum lapor" if _missing(v) else f"{angka(v, 2)} · {c}"
              for v, c in zip(shown["realisation_ytd"], codes, strict=True)],
        textposition="outside", cliponaxis=False,
        marker={"color": [BAND_COLORS[c] for c in codes], "line": {"color": TEXT, "width": 0.5}},
        textfont={"size": BASE_FONT_PX, "color": TEXT},
        customdata=[capaian_text(v, c) for v, c in
                    zip(shown["capaian_expected"], codes, strict=True)],
        hovertemplate=f"%{{x}}: %{{y:,.2f}}{sat}<br>Capaian %{{customdata}}<extra></extra>"))
    fig.add_trace(go.Scatter(
        x=list(series["tw_label"]), y=list(series["expected"]), name="Target s.d. TW",
        mode="lines+markers", line={"color": TEXT, "width": 3},
        marker={"size": 13, "symbol": "diamond", "color": TEXT},
        hovertemplate=f"%{{x}}: target s.d. TW %{{y:,.2f}}{sat}<extra></extra>"))
    annual = pd.to_numeric(series["annual_target"], errors="coerce").dropna()
    if len(annual):
        fig.add_hline(y=float(annual.iloc[0]), line={"color": MUTED, "width": 2, "dash": "dash"},
                      annotation_text=f"Target tahunan {angka(annual.iloc[0], 2)}{sat}",
                      annotation_position="top left",
                      annotation_font={"size": BASE_FONT_PX - 2, "color": TEXT})
    values = pd.concat([pd.to_numeric(series["realisation_ytd"], errors="coerce"),
                        pd.to_numeric(series["expected"], errors="coerce"), annual])
    top = float(values.max()) if values.notna().any() else 1.0
    fig = _layout(fig, title, subtitle, 520)
    fig.update_yaxes(range=[0, max(top, 1e-9) * 1.2], title_text=f"Nilai{sat}".strip())
    fig.update_xaxes(title_text="", categoryorder="array",
                     categoryarray=list(series["tw_label"]))
    fig.update_layout(bargap=0.4, legend={"y": -0.12})
    return fig


def completeness_bars(reports: pd.DataFrame, title: str,
                      subtitle: str | None = None) -> go.Figure:
    """OPD reports per TW stacked by status (colour, symbol and count in every segment,
    the label in the legend)."""
    tws = list(dict.fromkeys(reports["tw_label"]))
    fig = go.Figure()
    for status in REPORT_ORDER:
        fill, ink, symbol = REPORT_STYLE[status]
        counts = [int(((reports["tw_label"] == t) & (reports["status"] == status)).sum())
                  for t in tws]
        if not any(counts):
            continue
        label = REPORT_LABELS[status]
        fig.add_trace(go.Bar(
            x=counts, y=tws, orientation="h", name=f"{symbol} {label}",
            marker={"color": fill, "line": {"color": TEXT, "width": 0.5}},
            text=[f"{symbol} {n}" if n else "" for n in counts], textposition="inside",
            insidetextanchor="middle", textfont={"size": BASE_FONT_PX, "color": ink},
            hovertemplate=f"%{{y}}: %{{x}} OPD {label.lower()}<extra></extra>"))
    fig = _layout(fig, title, subtitle, max(320, 220 + 56 * len(tws)))
    fig.update_layout(barmode="stack", bargap=0.3, showlegend=True,
                      legend={"y": -0.22, "traceorder": "normal"})
    most = int(reports.groupby("tw_label").size().max()) if len(reports) else 1
    fig.update_xaxes(title_text="", tickformat="d", ticksuffix=" OPD",
                     dtick=max(1, math.ceil(most / 8)))
    fig.update_yaxes(autorange="reversed", title_text="")
    return fig


# ---------------------------------------------------------------- page helpers

def no_masterplan(what: str = "halaman ini") -> None:
    """The friendly empty state: nothing loaded yet, go to Unggah Data (a link when the
    signed-in user may open that page; otherwise who to ask)."""
    st.info(f"Belum ada data untuk {what}. Unggah masterplan Smart City lalu laporan triwulan "
            "OPD di halaman **Unggah Data**.", icon=":material/info:")
    try:
        st.page_link(UNGGAH_PAGE, label="Buka Unggah Data", icon=":material/upload_file:")
    except StreamlitPageNotFoundError:  # the page is not in this user's navigation
        st.caption("Halaman Unggah Data dibuka oleh admin Diskominfo; hubungi mereka untuk "
                   "memuat masterplan dan laporan.")


def report_cell(status: str, received: object, days_late: object) -> str:
    """Text of one OPD × TW cell: symbol, label and the date or days late."""
    symbol = REPORT_STYLE.get(status, ("", "", ""))[2]
    label = REPORT_LABELS.get(status, status)
    if status in ("tepat_waktu", "terlambat") and not _missing(received):
        extra = f" · {tanggal(received)}"
        if status == "terlambat" and not _missing(days_late):
            extra += f" (+{int(days_late)} hari)"
        return f"{symbol} {label}{extra}"
    if status == "belum_melapor" and not _missing(days_late):
        return f"{symbol} {label} ({int(days_late)} hari)"
    return f"{symbol} {label}"


def report_css(table: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """The status fills of the report matrix's cells of ``columns`` (``components.styled``)."""
    return cell_css(table, columns, report_cell_style)


def report_cell_style(text: object) -> str:
    """CSS for a matrix cell from its text (the symbol at its start tells the status)."""
    for fill, ink, symbol in REPORT_STYLE.values():
        if isinstance(text, str) and text.startswith(symbol):
            return f"background-color: {fill}; color: {ink}; font-weight: 600"
    return ""


def report_legend() -> None:
    """One line: a swatch with the symbol and label of each report status."""
    items = "".join(
        f"<span style='display:inline-flex;align-items:center;margin:0 1.2em 0.3em 0'>"
        f"<span style='display:inline-block;min-width:1.8em;padding:0.1em 0.4em;"
        f"border-radius:0.3em;background:{fill};color:{ink};font-weight:700;"
        f"text-align:center'>{symbol}</span>"
        f"<span style='margin-left:0.4em'>{REPORT_LABELS[status]}</span></span>"
        for status, (fill, ink, symbol) in REPORT_STYLE.items())
    st.markdown(f"<div style='font-size:{BASE_FONT_PX}px'><b>Keterangan:</b> {items}</div>",
                unsafe_allow_html=True)


def codes_in(values: Iterable[object], wanted: set[str]) -> list[bool]:
    """For each 'A, B' string: does it name one of the wanted codes."""
    out = []
    for v in values:
        parts = set() if _missing(v) else {p.strip() for p in str(v).split(",")}
        out.append(bool(parts & wanted))
    return out
