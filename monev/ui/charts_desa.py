"""Charts, finding titles and tables for Peluncuran Desa, Anggaran and Kolaborasi OPD.

Every builder takes an engine frame (``village_rollout``, ``village_milestones``,
``budget_summary``, ``opd_attainment``, ``program_attainment``, ``report_completeness``) and
returns a plotly figure or a plain DataFrame; the ``*_finding`` functions compute the title that
states what the chart shows. Nothing here queries the database or applies a monitoring rule:
statuses, slip years, absorption and the imbalance flag come from the engine.

Colours are few and colour-blind safe (Okabe-Ito, as the bands), and every colour carries a
symbol or a word next to it, so a projector or a colour-blind reader loses nothing.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Mapping
from datetime import date, timedelta

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from monev.domain.bands import BY_CODE
from monev.domain.settings import DEFAULT, Rules
from monev.domain.text import KOSONG
from monev.ui.format import angka, persen, rupiah, tanggal
from monev.ui.format import is_missing as _missing
from monev.ui.theme import ACCENT, BASE_FONT_PX, GRID, MUTED, TEXT, figure_layout, plot_px, text_px

ALL = "*"
BULAN_PENDEK = ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov",
                "Des")

# ---------------------------------------------------------------- village rollout

# Calendar status of a village: (fill, text colour, symbol); most urgent first.
STATUS_ORDER = ("bergeser", "rawan", "sesuai_jadwal", "beroperasi")
STATUS_STYLE: dict[str, tuple[str, str, str]] = {
    "bergeser": ("#D55E00", "#000000", "→"),
    "rawan": ("#E69F00", "#000000", "⚠"),
    "sesuai_jadwal": ("#56B4E9", "#000000", "✓"),
    "beroperasi": ("#0072B2", "#FFFFFF", "●"),
}
STATUS_LABELS = {"bergeser": "Bergeser", "rawan": "Rawan", "sesuai_jadwal": "Sesuai jadwal",
                 "beroperasi": "Beroperasi"}
# State of one planning milestone of one village (village_milestones.state).
MILESTONE_ORDER = ("terpenuhi", "terpenuhi_terlambat", "terlewat", "mendatang")
MILESTONE_STYLE: dict[str, tuple[str, str, str]] = {
    "terpenuhi": ("#0072B2", "#FFFFFF", "✓"),
    "terpenuhi_terlambat": ("#E69F00", "#000000", "◷"),
    "terlewat": ("#D55E00", "#000000", "✗"),
    "mendatang": ("#D1D5DB", "#000000", "…"),
}
MILESTONE_LABELS = {"terpenuhi": "Tercapai tepat waktu", "terpenuhi_terlambat":
                    "Tercapai terlambat", "terlewat": "Terlewat",
                    "mendatang": "Belum jatuh tempo"}
# A fill pattern as a second cue besides the colour (orange and vermillion are close for some
# colour-blind readers): dots for late, crosses for missed.
MILESTONE_PATTERN = {"terpenuhi": "", "terpenuhi_terlambat": ".", "terlewat": "x",
                     "mendatang": ""}
# Kind of place and funding route, as offered in the "Jalur" filter.
ROUTE_CHOICES = {"desa|apbdes": "Desa (APBDes)", "desa|apbd": "Desa (APBD)",
                 "kelurahan|apbd": "Kelurahan (APBD)"}
GANTT_TOP_N = 30
LABELLED = 4   # imbalanced programs labelled in each corner of the scatter (others: hover)


def _as_date(x: object) -> date | None:
    if _missing(x):
        return None
    if isinstance(x, pd.Timestamp):
        return x.date()
    return x if isinstance(x, date) else None


def wrap(text: str, width: int) -> str:
    """A chart title broken into lines of at most ``width`` characters (plotly does not wrap
    titles), joined with <br>."""
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "<br>".join(lines)


def short_date(d: date) -> str:
    """'30 Sep 2026'."""
    return f"{d.day} {BULAN_PENDEK[d.month - 1]} {d.year}"


def short(text: object, limit: int = 40) -> str:
    """A label cut to ``limit`` characters with an ellipsis."""
    s = "" if _missing(text) else str(text)
    return s if len(s) <= limit else s[: limit - 1].rstrip() + "…"


def place_noun(kinds: Iterable[object]) -> str:
    """'desa', 'kelurahan' or 'desa/kelurahan' for the kinds present."""
    found = {str(k) for k in kinds if not _missing(k)}
    if found == {"desa"}:
        return "desa"
    if found == {"kelurahan"}:
        return "kelurahan"
    return "desa/kelurahan"


def route_options(rollout: pd.DataFrame) -> dict[str, str]:
    """The 'Jalur' choices present in the data: {ALL: 'Semua', 'kelurahan|apbd': ...}."""
    present = {f"{k}|{r}" for k, r in zip(rollout["kind"], rollout["route"], strict=True)}
    return {ALL: "Semua", **{key: label for key, label in ROUTE_CHOICES.items()
                             if key in present}}


def narrow_villages(rollout: pd.DataFrame, district: str | None = None,
                    route: str | None = None) -> pd.DataFrame:
    """The villages of one kecamatan (district code) and one 'kind|route' choice."""
    keep = np.ones(len(rollout), dtype=bool)
    if district and district != ALL:
        keep &= (rollout["district_code"] == district).to_numpy(dtype=bool)
    if route and route != ALL:
        kind, way = route.split("|", 1)
        keep &= ((rollout["kind"] == kind) & (rollout["route"] == way)).to_numpy(dtype=bool)
    return rollout[keep].reset_index(drop=True)


def status_counts(rollout: pd.DataFrame) -> dict[str, int]:
    """Villages per status, every status present (0 when none)."""
    counts = rollout["status"].value_counts() if len(rollout) else pd.Series(dtype="int64")
    return {s: int(counts.get(s, 0)) for s in STATUS_ORDER}


def program_summary(rollout: pd.DataFrame) -> pd.DataFrame:
    """One row per program (index: program_code, sorted): ``program_name``, ``lokasi`` (its
    villages) and the villages in each status (STATUS_ORDER columns, 0 when none); counted
    in one pass, without a table per program."""
    by = rollout.groupby("program_code", sort=True)
    counts = (rollout.groupby(["program_code", "status"], sort=False).size()
              .unstack(fill_value=0).reindex(columns=list(STATUS_ORDER), fill_value=0))
    out = pd.DataFrame({"program_name": by["program_name"].first(), "lokasi": by.size()})
    return out.join(counts).fillna(0).astype({s: "int64" for s in STATUS_ORDER})


def slip_years_text(years: Iterable[object]) -> str:
    """'ke 2028' or 'ke 2027–2028'."""
    found = sorted({int(y) for y in years if not _missing(y)})
    if not found:
        return ""
    return f"ke {found[0]}" if len(found) == 1 else f"ke {found[0]}–{found[-1]}"


def rollout_finding(rollout: pd.DataFrame) -> str:
    """Headline of the kecamatan × program matrix, e.g. '76 dari 129 desa/kelurahan
    beroperasi (58,9%); 21 bergeser ke 2026–2028, terbanyak di Kec. Bancar (5)'."""
    n = len(rollout)
    if n == 0:
        return "Belum ada desa/kelurahan sasaran"
    noun = place_noun(rollout["kind"])
    counts = status_counts(rollout)
    text = (f"{counts['beroperasi']} dari {n} {noun} beroperasi "
            f"({persen(counts['beroperasi'] / n * 100)})")
    slipped = rollout[rollout["status"] == "bergeser"]
    if len(slipped):
        per = slipped["district_name"].value_counts()
        text += (f"; {len(slipped)} bergeser {slip_years_text(slipped['slip_to_year'])}, "
                 f"terbanyak di Kec. {per.index[0]} ({int(per.iloc[0])})")
    elif counts["rawan"]:
        text += f"; {counts['rawan']} rawan"
    else:
        text += "; tidak ada yang rawan atau bergeser"
    return text


def district_matrix(rollout: pd.DataFrame) -> pd.DataFrame:
    """Kecamatan × program counts by status and the share operating (one row per pair)."""
    cols = ["district_code", "district_name", "program_code", "program_name", "n",
            *STATUS_ORDER, "pct_beroperasi"]
    if rollout.empty:
        return pd.DataFrame(columns=cols)
    work = rollout[["district_code", "district_name", "program_code", "program_name"]].copy()
    for s in STATUS_ORDER:
        work[s] = (rollout["status"] == s).astype("int64").to_numpy()
    work["n"] = 1
    out = work.groupby(["district_code", "district_name", "program_code", "program_name"],
                       as_index=False, dropna=False).sum()
    out["pct_beroperasi"] = out["beroperasi"] / out["n"] * 100
    return out.sort_values(["district_name", "program_code"], kind="stable")[cols].reset_index(
        drop=True)


def matrix_table(matrix: pd.DataFrame) -> pd.DataFrame:
    """The kecamatan × program counts in Indonesian (for the screen and the download)."""
    return pd.DataFrame({
        "Kecamatan": matrix["district_name"], "Kode program": matrix["program_code"],
        "Program": matrix["program_name"], "Lokasi sasaran": matrix["n"],
        "Beroperasi": matrix["beroperasi"], "Sesuai jadwal": matrix["sesuai_jadwal"],
        "Rawan": matrix["rawan"], "Bergeser": matrix["bergeser"],
        "Beroperasi (%)": matrix["pct_beroperasi"].round(1),
    })


def _ink(fraction: float) -> str:
    """Black text on light blue, white on dark blue (the Blues scale passes ~55%)."""
    return "#FFFFFF" if fraction >= 0.55 else "#000000"


def district_heatmap(matrix: pd.DataFrame, title: str,
                     program_names: Mapping[str, str] | None = None) -> go.Figure:
    """Kecamatan (rows) × program (columns): colour = share of villages operating (one blue
    scale), text = 'operating/planned' and the villages Bergeser (→) and Rawan (⚠)."""
    districts = sorted(matrix["district_name"].dropna().unique().tolist())
    programs = sorted(matrix["program_code"].dropna().unique().tolist())
    names = dict(program_names or {})
    lookup = {(r.district_name, r.program_code): r for r in matrix.itertuples()}
    z, hover, notes = [], [], []
    fig = go.Figure()
    for d in districts:
        z_row, h_row = [], []
        for p in programs:
            r = lookup.get((d, p))
            if r is None:
                z_row.append(None)
                h_row.append(f"Kec. {d}<br>{p}: tidak ada lokasi sasaran")
                continue
            z_row.append(float(r.pct_beroperasi))
            h_row.append(f"Kec. {d}<br>{p} {html.escape(short(names.get(p, ''), 50))}<br>"
                         f"{r.beroperasi} dari {r.n} beroperasi · {r.sesuai_jadwal} sesuai "
                         f"jadwal · {r.rawan} rawan · {r.bergeser} bergeser")
            text = f"<b>{r.beroperasi}/{r.n}</b>"
            extra = []
            if r.bergeser:
                extra.append(f"→{r.bergeser}")
            if r.rawan:
                extra.append(f"⚠{r.rawan}")
            if extra:
                text += " " + " ".join(extra)
            notes.append({"x": p, "y": d, "text": text, "showarrow": False,
                          "font": {"size": BASE_FONT_PX - 1,
                                   "color": _ink(float(r.pct_beroperasi) / 100)}})
        z.append(z_row)
        hover.append(h_row)
    fig.add_trace(go.Heatmap(
        z=z, x=programs, y=districts, zmin=0, zmax=100, colorscale="Blues", xgap=3, ygap=3,
        customdata=hover, hovertemplate="%{customdata}<extra></extra>",
        colorbar={"title": {"text": "Beroperasi", "side": "top"}, "ticksuffix": "%",
                  "tickvals": [0, 25, 50, 75, 100], "thickness": 18, "len": 0.6}))
    fig = figure_layout(fig, title, "Angka di sel: beroperasi/sasaran · → bergeser · ⚠ rawan",
                        height=max(380, 200 + 38 * len(districts)))
    fig.update_xaxes(side="top", title_text="", showgrid=False, tickangle=0, ticks="")
    fig.update_yaxes(autorange="reversed", title_text="", showgrid=False, ticks="")
    # set at once: plotly re-validates every annotation on each add_annotation call
    fig.update_layout(plot_bgcolor="#FFFFFF", margin={"t": 150}, annotations=notes)
    return fig


def village_label(frame: pd.DataFrame) -> list[str]:
    """'Kayen · Bancar' per row (village code added when a name repeats)."""
    base = [f"{v} · {d}" for v, d in zip(frame["village_name"], frame["district_name"],
                                         strict=True)]
    seen = pd.Series(base).duplicated(keep=False).tolist()
    return [f"{b} ({c})" if dup else b for b, c, dup in zip(base, frame["village_code"], seen,
                                                           strict=True)]


def sort_villages(frame: pd.DataFrame) -> pd.DataFrame:
    """Most urgent status first, then funding year, kecamatan and name."""
    rank = {s: i for i, s in enumerate(STATUS_ORDER)}
    return frame.assign(_rank=frame["status"].map(rank).fillna(len(rank))).sort_values(
        ["_rank", "effective_funding_year", "district_name", "village_name"],
        kind="stable").drop(columns="_rank").reset_index(drop=True)


def status_text(status: object, slip_to: object) -> str:
    """'→ Bergeser ke 2028', '⚠ Rawan', '✓ Sesuai jadwal', '● Beroperasi'."""
    key = str(status)
    symbol = STATUS_STYLE.get(key, ("", "", ""))[2]
    label = STATUS_LABELS.get(key, key)
    if key == "bergeser" and not _missing(slip_to):
        label += f" ke {int(slip_to)}"  # type: ignore[arg-type]
    return f"{symbol} {label}".strip()


def first_missed(milestones: pd.DataFrame) -> pd.DataFrame:
    """Per program × village, the first milestone not met by its due date (late or missed)."""
    late = milestones[milestones["state"].isin(["terpenuhi_terlambat", "terlewat"])]
    return late.sort_values("due", kind="stable").drop_duplicates(
        ["program_code", "village_code"], keep="first")


def program_finding(villages: pd.DataFrame, milestones: pd.DataFrame, on: date) -> str:
    """Headline of one program's timeline, e.g. '5 dari 12 desa bergeser ke 2028: Penetapan
    RKP Desa 2027 terlewat' (the milestone named by its funding year) or '4 kelurahan rawan:
    Persetujuan bersama APBD 30 Nov 2026, tinggal 7 hari'."""
    n = len(villages)
    if n == 0:
        return "Belum ada desa/kelurahan sasaran"
    noun = place_noun(villages["kind"])
    counts = status_counts(villages)
    slipped = villages[villages["status"] == "bergeser"]
    if len(slipped):
        text = f"{len(slipped)} dari {n} {noun} bergeser {slip_years_text(slipped['slip_to_year'])}"
        mine = milestones.merge(slipped[["program_code", "village_code"]],
                                on=["program_code", "village_code"])
        missed = first_missed(mine)
        if len(missed):
            top = (missed["milestone"] + " " + missed["funding_year"].astype(str)
                   ).value_counts()
            text += f": {top.index[0]} terlewat"
            if len(top) > 1:
                text += f" ({int(top.iloc[0])} {noun})"
        if counts["rawan"]:
            text += f"; {counts['rawan']} rawan"
        return text
    risky = villages[villages["status"] == "rawan"]
    if len(risky):
        dues = [(d, m) for d, m in zip(risky["next_milestone_due"].map(_as_date),
                                       risky["next_milestone"], strict=True) if d is not None]
        text = f"{len(risky)} dari {n} {noun} rawan"
        if dues:
            due, name = min(dues)
            text += f": tenggat {name} {short_date(due)}, tinggal {(due - on).days} hari"
        return text
    if counts["beroperasi"] == n:
        return f"Semua {n} {noun} sudah beroperasi"
    return f"Semua {n} {noun} sesuai jadwal; {counts['beroperasi']} sudah beroperasi"


def _ms(d: date) -> str:
    return d.isoformat()


def _month_ticks(first: date, last: date, step: int = 3) -> tuple[list[str], list[str]]:
    """Tick positions on the 1st of every ``step``-th month from January (3: Jan/Apr/Jul/Oct)
    with Indonesian month names (the year under January)."""
    vals, texts = [], []
    y, m = first.year, ((first.month - 1) // step) * step + 1
    while date(y, m, 1) <= last:
        d = date(y, m, 1)
        vals.append(_ms(d))
        texts.append(f"{BULAN_PENDEK[m - 1]}<br>{y}" if m == 1 else BULAN_PENDEK[m - 1])
        m += step
        if m > 12:
            y, m = y + 1, 1
    return vals, texts


def village_gantt(villages: pd.DataFrame, milestones: pd.DataFrame, on: date, on_label: str,
                  title: str, subtitle: str | None = None) -> go.Figure:
    """One row per village (in the order given): each planning milestone of its funding year
    (and, for a village that slipped, of the year it slipped to) as a bar from the previous
    milestone to its due date, coloured and marked by its state
    (✓ tercapai, ◷ terlambat, ✗ terlewat, … belum jatuh tempo); ◆ the dates stages were
    reached; the status at the end of the row; a vertical line at the as-of date."""
    labels = village_label(villages)
    key = {(p, v): lab for p, v, lab in zip(villages["program_code"], villages["village_code"],
                                            labels, strict=True)}
    ms = milestones.assign(_label=[key.get((p, v)) for p, v in
                                   zip(milestones["program_code"], milestones["village_code"],
                                       strict=True)])
    ms = ms[ms["_label"].notna()]
    fig = go.Figure()
    for state in MILESTONE_ORDER:
        part = ms[ms["state"] == state]
        if part.empty:
            continue
        fill, ink, symbol = MILESTONE_STYLE[state]
        starts = [_as_date(s) for s in part["start"]]
        dues = [_as_date(d) for d in part["due"]]
        hover = [f"{lab}<br>{m}: tenggat {tanggal(d)}"
                 f"{'' if cy == fy else f' (jadwal baru, tahun anggaran {cy})'}<br>Tahap {rs}: "
                 f"{'tercapai ' + tanggal(r) if _as_date(r) else 'belum tercapai'}"
                 f"<br>{MILESTONE_LABELS[state]}"
                 for lab, m, d, rs, r, cy, fy in zip(
                     part["_label"], part["milestone"], dues, part["required_stage"],
                     part["reached_on"], part["cycle_year"], part["funding_year"],
                     strict=True)]
        fig.add_trace(go.Bar(
            base=[_ms(s) for s in starts], x=[(d - s).days * 86_400_000 for s, d in
                                              zip(starts, dues, strict=True)],
            y=list(part["_label"]), orientation="h", name=f"{symbol} {MILESTONE_LABELS[state]}",
            marker={"color": fill, "line": {"color": "#FFFFFF", "width": 1.5},
                    "pattern": {"shape": MILESTONE_PATTERN[state], "fgcolor": ink,
                                "size": 7, "solidity": 0.3, "fillmode": "overlay"}},
            customdata=hover, hovertemplate="%{customdata}<extra></extra>",
            legendrank=MILESTONE_ORDER.index(state)))
    stage_x, stage_y, stage_hover = [], [], []
    for lab, dates in zip(labels, villages["stage_dates"], strict=True):
        for stage, when in sorted((dates or {}).items(), key=lambda kv: str(kv[1])):
            when = _as_date(when)
            if stage == "Rencana" or when is None:
                continue
            stage_x.append(_ms(when))
            stage_y.append(lab)
            stage_hover.append(f"{lab}<br>{stage}: {tanggal(when)}")
    if stage_x:
        fig.add_trace(go.Scatter(
            x=stage_x, y=stage_y, mode="markers", name="◆ Tahap tercapai (tanggal laporan)",
            marker={"symbol": "diamond", "size": 11, "color": TEXT,
                    "line": {"color": "#FFFFFF", "width": 1}},
            customdata=stage_hover, hovertemplate="%{customdata}<extra></extra>",
            legendrank=10))
    nxt = [(lab, _as_date(d), m, rs) for lab, d, m, rs in
           zip(labels, villages["next_milestone_due"], villages["next_milestone"],
               villages["next_required_stage"], strict=True) if _as_date(d) is not None]
    if nxt:
        fig.add_trace(go.Scatter(
            x=[_ms(d) for _, d, _, _ in nxt], y=[lab for lab, _, _, _ in nxt], mode="markers",
            name="▷ Tenggat berikutnya",
            marker={"symbol": "triangle-right-open", "size": 14, "color": TEXT,
                    "line": {"width": 2.5}},
            customdata=[f"{lab}<br>Tenggat berikutnya: {m}, {tanggal(d)}<br>Tahap yang "
                        f"diperlukan: {rs}" for lab, d, m, rs in nxt],
            hovertemplate="%{customdata}<extra></extra>", legendrank=11))
    starts = [d for d in (_as_date(s) for s in ms["start"]) if d is not None]
    ends = ([d for d in (_as_date(s) for s in ms["due"]) if d is not None] + [on]
            + [d for _, d, _, _ in nxt])
    first = min(starts) if starts else date(on.year - 1, 1, 1)
    last = max(ends)
    span = max((last - first).days, 365)
    text_x = last + timedelta(days=max(20, span // 60))
    colours = {s: STATUS_STYLE[s][0] for s in STATUS_STYLE}
    texts = [status_text(s, y) for s, y in zip(villages["status"], villages["slip_to_year"],
                                                strict=True)]
    axis_start = first - timedelta(days=10)
    axis_end = max(last + timedelta(days=max(150, span * 28 // 100)),
                   _status_room(axis_start, text_x, labels, texts))
    # The status of each row is written after the last date, free to run past the axis into
    # the right margin: clipped at the axis, "Bergeser ke 2028" lost its year on a narrow page.
    fig.add_trace(go.Scatter(
        x=[_ms(text_x)] * len(labels), y=labels, mode="text", textposition="middle right",
        text=[f"<span style='color:{colours.get(s, TEXT)}'><b>{t[:1]}</b></span>"
              f"{html.escape(t[1:])}" for s, t in zip(villages["status"], texts, strict=True)],
        textfont={"size": BASE_FONT_PX - 1, "color": TEXT}, hoverinfo="skip",
        showlegend=False, cliponaxis=False))
    # Years: a faint line on every 1 January; the as-of date: a solid line with its label.
    for year in range(first.year + 1, last.year + 1):
        fig.add_shape(type="line", x0=_ms(date(year, 1, 1)), x1=_ms(date(year, 1, 1)), y0=0,
                      y1=1, yref="paper", line={"color": MUTED, "width": 1}, layer="below")
    fig.add_shape(type="line", x0=_ms(on), x1=_ms(on), y0=0, y1=1, yref="paper",
                  line={"color": TEXT, "width": 2.5, "dash": "dash"})
    fig.add_annotation(x=_ms(on), y=1, yref="paper", yanchor="bottom", showarrow=False,
                       text=f"<b>{html.escape(on_label)}</b>", xanchor="center",
                       font={"size": BASE_FONT_PX - 1, "color": TEXT},
                       bgcolor="rgba(255,255,255,0.9)")
    # Separate the status groups with a thin line.
    statuses = list(villages["status"])
    for i in range(1, len(statuses)):
        if statuses[i] != statuses[i - 1]:
            fig.add_shape(type="line", x0=0, x1=1, xref="paper", y0=i - 0.5, y1=i - 0.5,
                          line={"color": MUTED, "width": 1.5})
    # Quarterly ticks up to two years, half-yearly beyond (they would be turned on their side).
    tickvals, ticktext = _month_ticks(first, last + timedelta(days=20),
                                      3 if span <= 2 * 366 else 6)
    height = max(420, 300 + 34 * len(labels))
    fig = figure_layout(fig, title, subtitle, height=height)
    fig.update_xaxes(type="date", range=[_ms(axis_start), _ms(axis_end)],
                     tickvals=tickvals, ticktext=ticktext, showgrid=True, gridcolor=GRID,
                     title_text="")
    fig.update_yaxes(autorange="reversed", title_text="", categoryorder="array",
                     categoryarray=labels, showgrid=False)
    fig.update_layout(barmode="overlay", bargap=0.3,
                      legend={"orientation": "h", "yref": "container", "y": 0,
                              "yanchor": "bottom", "x": 0, "traceorder": "normal"},
                      margin={"t": 160 if subtitle else 130, "b": 150})
    return fig


def _status_room(start: date, text_x: date, labels: list[str], texts: list[str]) -> date:
    """The axis end that leaves the widest status room after ``text_x`` in the plot of the
    chart on the narrowest screen (``theme.plot_px``)."""
    need = max((text_px(t, BASE_FONT_PX - 1) for t in texts), default=0) + 12  # its gap, spare
    share = min(need / max(plot_px(labels), 1), 0.5)
    return start + (text_x - start) / (1 - share)


def calendar_caption(milestones: pd.DataFrame) -> str:
    """The planning calendar behind the bars, per route: 'Jalur APBDes (tahun sebelum tahun
    anggaran): Musyawarah Desa 30 Jun → Penetapan RKP Desa 30 Sep → …'."""
    names = {"apbdes": "Jalur APBDes", "apbd": "Jalur APBD kabupaten"}
    parts = []
    for route in ("apbdes", "apbd"):
        rows = milestones[(milestones["route"] == route)
                          & (milestones["cycle_year"] == milestones["funding_year"])]
        if rows.empty:
            continue
        year = int(rows["funding_year"].iloc[0])
        first = rows[rows["funding_year"] == year].drop_duplicates("milestone")
        steps = " → ".join(f"{m} {_as_date(d).day} {BULAN_PENDEK[_as_date(d).month - 1]}"
                           for m, d in zip(first["milestone"], first["due"], strict=True)
                           if _as_date(d) is not None)
        parts.append(f"**{names[route]}** (tahun sebelum tahun anggaran): {steps}")
    return " · ".join(parts)


def risk_table(rollout: pd.DataFrame) -> pd.DataFrame:
    """Villages Rawan and Bergeser, most urgent first, with reason and slip year (Indonesian
    columns; values are text so the screen and the download read alike)."""
    risky = sort_villages(rollout[rollout["status"].isin(["bergeser", "rawan"])])
    return village_table(risky)


def village_table(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per program × village in Indonesian."""
    return pd.DataFrame({
        "Status": [status_text(s, None) for s in frame["status"]],
        "Bergeser ke tahun": [KOSONG if _missing(y) else str(int(y))
                              for y in frame["slip_to_year"]],
        "Desa/Kelurahan": frame["village_name"], "Jenis": frame["kind_label"],
        "Kecamatan": frame["district_name"],
        "Program": [f"{c} · {n}" for c, n in zip(frame["program_code"], frame["program_name"],
                                                  strict=True)],
        "Alasan": frame["reason"],
        "Tahap saat ini": frame["current_stage"],
        "Sejak": [tanggal(d) if _as_date(d) else KOSONG for d in frame["current_stage_on"]],
        "Tenggat berikutnya": [KOSONG if _missing(m) else f"{m}, {tanggal(d)}"
                               for m, d in zip(frame["next_milestone"],
                                               frame["next_milestone_due"], strict=True)],
        "Tahun anggaran (rencana)": [str(int(y)) for y in frame["funding_year"]],
        "Jalur pendanaan": frame["route_label"], "Sumber dana": frame["funding_source"],
        "Kode wilayah": frame["village_code"],
    })


def legend_html(items: Iterable[tuple[str, str, str, str]], title: str = "Keterangan") -> str:
    """One line of swatches (fill, text colour, symbol) each with its label next to it."""
    spans = "".join(
        f"<span style='display:inline-flex;align-items:center;margin:0 1.2em 0.3em 0'>"
        f"<span style='display:inline-block;min-width:1.8em;padding:0.1em 0.4em;"
        f"border-radius:0.3em;background:{fill};color:{ink};font-weight:700;"
        f"text-align:center'>{html.escape(symbol)}</span>"
        f"<span style='margin-left:0.4em'>{html.escape(label)}</span></span>"
        for fill, ink, symbol, label in items)
    return (f"<div style='font-size:{BASE_FONT_PX}px'><b>{html.escape(title)}:</b> "
            f"{spans}</div>")


def status_legend_items() -> list[tuple[str, str, str, str]]:
    """(fill, ink, symbol, label) of each village status."""
    return [(*STATUS_STYLE[s], STATUS_LABELS[s]) for s in STATUS_ORDER]


# ---------------------------------------------------------------- budget

def rupiah_ticks(top: float, n: int = 5) -> tuple[list[float], list[str]]:
    """'Nice' tick values from 0 to ``top`` and their labels in short rupiah (Rp 1,5 M)."""
    if not top or top <= 0 or not math.isfinite(top):
        return [0.0], ["Rp 0"]
    raw = top / n
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    vals = [i * step for i in range(int(top // step) + 2)]
    return vals, ["Rp 0" if v == 0 else rupiah(v) for v in vals]


def budget_total(frame: pd.DataFrame) -> dict[str, float | None]:
    """Total pagu, realisasi and absorption of a budget frame (sums of what is reported)."""
    pagu = pd.to_numeric(frame["pagu"], errors="coerce")
    real = pd.to_numeric(frame["realisasi_ytd"], errors="coerce")
    p = float(pagu.sum()) if pagu.notna().any() else None
    r = float(real.sum()) if real.notna().any() else None
    pct = r / p * 100 if p and r is not None else None
    return {"pagu": p, "realisasi": r, "absorption_pct": pct}


def aggregate_budget(sources: pd.DataFrame, key: str) -> pd.DataFrame:
    """budget_summary(by='source') rows summed by ``key`` (pagu, realisasi_ytd,
    absorption_pct, n_programs), as the engine sums them (a missing realisation stays missing)."""
    if sources.empty:
        return pd.DataFrame(columns=[key, "n_programs", "pagu", "realisasi_ytd",
                                     "absorption_pct"])
    g = sources.groupby(key, dropna=False)
    out = pd.DataFrame({"n_programs": g["program_code"].nunique(),
                        "pagu": g["pagu"].sum(min_count=1),
                        "realisasi_ytd": g["realisasi_ytd"].sum(min_count=1)}).reset_index()
    out["absorption_pct"] = out["realisasi_ytd"] / out["pagu"].where(out["pagu"] > 0) * 100
    return out


def absorption_finding(frame: pd.DataFrame, label_col: str, what: str,
                       period: str) -> str:
    """'Serapan s.d. TW III 2026 Rp 17,7 M dari Rp 37 M (48%); terendah GOV-07 23,2%'."""
    tot = budget_total(frame)
    if tot["pagu"] is None:
        return f"Belum ada pagu {what} yang dilaporkan"
    text = (f"Serapan {period} {rupiah(tot['realisasi'] or 0)} dari {rupiah(tot['pagu'])} "
            f"({persen(tot['absorption_pct'])})")
    done = frame[pd.to_numeric(frame["absorption_pct"], errors="coerce").notna()]
    if len(done) > 1:
        low = done.sort_values("absorption_pct", kind="stable").iloc[0]
        text += f"; terendah {low[label_col]} {persen(low['absorption_pct'])}"
    return text


def extremes_finding(frame: pd.DataFrame, label_col: str, what: str) -> str:
    """'Serapan terendah BUMD 21,6% (Rp 44,7 jt dari Rp 207,4 jt); tertinggi ADD 61,2%'."""
    done = frame[pd.to_numeric(frame["absorption_pct"], errors="coerce").notna()]
    if done.empty:
        return f"Belum ada serapan anggaran per {what}"
    order = done.sort_values("absorption_pct", kind="stable")
    low, high = order.iloc[0], order.iloc[-1]
    text = (f"Serapan terendah {low[label_col]} {persen(low['absorption_pct'])} "
            f"({rupiah(low['realisasi_ytd'])} dari {rupiah(low['pagu'])})")
    if len(order) > 1:
        text += f"; tertinggi {high[label_col]} {persen(high['absorption_pct'])}"
    return text


def budget_bars(frame: pd.DataFrame, label_col: str, title: str, subtitle: str | None = None,
                hover_col: str | None = None) -> go.Figure:
    """Pagu (wide grey bar) with the realisation inside it (narrow blue bar), one row per item
    in the order given, '48% · Rp 1,7 M dari Rp 2,7 M' next to each; no budget: 'belum ada
    pagu'."""
    labels = [str(x) for x in frame[label_col]]
    pagu = pd.to_numeric(frame["pagu"], errors="coerce")
    real = pd.to_numeric(frame["realisasi_ytd"], errors="coerce")
    pct = pd.to_numeric(frame["absorption_pct"], errors="coerce")
    hover = [str(x) for x in frame[hover_col]] if hover_col else labels
    text = [("belum ada pagu" if _missing(p) else
             f"<b>{persen(k)}</b> · {rupiah(0 if _missing(r) else r)} dari {rupiah(p)}")
            for p, r, k in zip(pagu, real, pct, strict=True)]
    fig = go.Figure()
    fig.add_trace(go.Bar(
        x=pagu.fillna(0).tolist(), y=labels, orientation="h", name="Pagu",
        marker={"color": "#D1D5DB", "line": {"color": MUTED, "width": 1}}, width=0.8,
        text=text, textposition="outside", cliponaxis=False,
        textfont={"size": BASE_FONT_PX - 1, "color": TEXT},
        customdata=[[h, rupiah(p)] for h, p in zip(hover, pagu, strict=True)],
        hovertemplate="%{customdata[0]}<br>Pagu %{customdata[1]}<extra></extra>"))
    fig.add_trace(go.Bar(
        x=real.fillna(0).tolist(), y=labels, orientation="h", name="Realisasi anggaran",
        marker={"color": ACCENT}, width=0.45,
        customdata=[[h, rupiah(r), persen(k)] for h, r, k in zip(hover, real, pct, strict=True)],
        hovertemplate="%{customdata[0]}<br>Realisasi %{customdata[1]} (%{customdata[2]})"
                      "<extra></extra>"))
    top = float(pagu.max()) if pagu.notna().any() else 1.0
    vals, texts = rupiah_ticks(top)
    fig = figure_layout(fig, title, subtitle, height=max(340, 190 + 40 * len(labels)))
    fig.update_xaxes(range=[0, top * 1.6], tickvals=vals, ticktext=texts, title_text="")
    fig.update_yaxes(autorange="reversed", title_text="", categoryorder="array",
                     categoryarray=labels)
    fig.update_layout(barmode="overlay", legend={"orientation": "h", "y": 1.0,
                                                 "yanchor": "bottom", "x": 0},
                      margin={"t": 150 if subtitle else 125})
    return fig


def balance_finding(programs: pd.DataFrame, rules: Rules = DEFAULT) -> str:
    """Headline of the fisik-vs-keuangan chart: how many programs are out of balance and which
    way ('3 dari 27 program tidak seimbang: fisik mendahului serapan anggaran')."""
    both = programs[pd.to_numeric(programs["fisik_pct"], errors="coerce").notna()
                    & pd.to_numeric(programs["absorption_pct"], errors="coerce").notna()]
    if both.empty:
        return "Realisasi fisik dan anggaran belum dilaporkan bersamaan"
    bad = both[both["imbalance"].astype(bool)]
    limit = angka(rules.imbalance_points)
    if bad.empty:
        return f"Semua {len(both)} program seimbang: selisih fisik–anggaran ≤ {limit} poin"
    ahead = int((bad["gap_points"] > 0).sum())
    behind = len(bad) - ahead
    if behind == 0:
        how = "fisik mendahului serapan anggaran"
    elif ahead == 0:
        how = "serapan anggaran mendahului fisik"
    else:
        how = f"{ahead} fisik mendahului anggaran, {behind} sebaliknya"
    return f"{len(bad)} dari {len(both)} program tidak seimbang: {how}"


def balance_scatter(programs: pd.DataFrame, title: str, rules: Rules = DEFAULT,
                    subtitle: str | None = None) -> go.Figure:
    """Realisasi fisik (%) against realisasi anggaran (%) per program: the balanced band
    (difference ≤ the imbalance setting) shaded, balanced programs as blue dots, imbalanced
    ones as vermillion diamonds labelled with their code and both figures."""
    fisik = pd.to_numeric(programs["fisik_pct"], errors="coerce")
    uang = pd.to_numeric(programs["absorption_pct"], errors="coerce")
    both = programs[fisik.notna() & uang.notna()].assign(_f=fisik, _u=uang)
    top = max(100.0, float(both[["_f", "_u"]].max().max()) + 8 if len(both) else 100.0)
    band = float(rules.imbalance_points)
    fig = go.Figure()
    fig.add_trace(go.Scatter(  # |fisik − anggaran| ≤ band inside the square
        x=[0, band, top, top, top - band, 0, 0], y=[0, 0, top - band, top, top, band, 0],
        fill="toself", mode="lines", line={"width": 0}, fillcolor="rgba(86,180,233,0.18)",
        name=f"Seimbang (selisih ≤ {angka(band)} poin)", hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=[0, top], y=[0, top], mode="lines", name="Fisik = anggaran",
                             line={"color": MUTED, "width": 1.5, "dash": "dash"},
                             hoverinfo="skip"))
    ok = both[~both["imbalance"].astype(bool)]
    bad = both[both["imbalance"].astype(bool)]

    def hover(frame: pd.DataFrame) -> list[str]:
        return [f"{c} · {html.escape(short(n, 50))}<br>Fisik {persen(f)} · anggaran "
                f"{persen(u)} · selisih {angka(abs(f - u))} poin"
                for c, n, f, u in zip(frame["program_code"], frame["program_name"],
                                      frame["_f"], frame["_u"], strict=True)]

    fig.add_trace(go.Scatter(
        x=ok["_u"].tolist(), y=ok["_f"].tolist(), mode="markers", name="● Program seimbang",
        marker={"size": 14, "color": ACCENT, "line": {"color": "#FFFFFF", "width": 1}},
        customdata=hover(ok), hovertemplate="%{customdata}<extra></extra>"))
    fig.add_trace(go.Scatter(
        x=bad["_u"].tolist(), y=bad["_f"].tolist(), mode="markers",
        name="◆ Tidak seimbang",
        marker={"size": 20, "symbol": "diamond", "color": "#D55E00",
                "line": {"color": TEXT, "width": 1}},
        customdata=hover(bad), hovertemplate="%{customdata}<extra></extra>"))
    # Labels stacked in the empty corners (fisik ahead: upper left; anggaran ahead: lower
    # right), each with a line to its point, so that neighbouring points never hide them.
    above = bad[bad["_f"] > bad["_u"]].sort_values("_f", ascending=False, kind="stable")
    below = bad[bad["_f"] <= bad["_u"]].sort_values("_u", ascending=True, kind="stable")
    for corner, part in (("upper", above), ("lower", below)):
        for i, (code, f, u) in enumerate(zip(part["program_code"], part["_f"], part["_u"],
                                             strict=True)):
            if i >= LABELLED:
                break
            upper = corner == "upper"
            fig.add_annotation(
                x=u, y=f, axref="x", ayref="y", ax=top * 0.02 if upper else top * 0.98,
                ay=top * (0.95 - 0.14 * i) if upper else top * (0.07 + 0.14 * i),
                text=f"<b>{code}</b><br>fisik {persen(f)} · anggaran {persen(u)}",
                xanchor="left" if upper else "right", align="left", showarrow=True,
                arrowhead=0, arrowwidth=1.5, arrowcolor=TEXT,
                font={"size": BASE_FONT_PX - 2, "color": TEXT},
                bgcolor="rgba(255,255,255,0.9)")
    fig = figure_layout(fig, title, subtitle, height=720)
    ticks = list(range(0, int(top) + 1, 20))
    fig.update_xaxes(range=[-1, top + 2], tickvals=ticks, ticksuffix="%",
                     title_text="Realisasi anggaran s.d. TW (% pagu)")
    fig.update_yaxes(range=[-1, top + 2], tickvals=ticks, ticksuffix="%",
                     title_text="Realisasi fisik (%)")
    fig.update_layout(legend={"orientation": "h", "yref": "container", "y": 0,
                              "yanchor": "bottom", "x": 0},
                      margin={"t": 150 if subtitle else 120, "b": 150})
    return fig


def budget_table(frame: pd.DataFrame, short_names: Mapping[str, str] | None = None
                 ) -> pd.DataFrame:
    """budget_summary(by='program') in Indonesian (numbers stay numbers for the download)."""
    names = dict(short_names or {})
    return pd.DataFrame({
        "Kode": frame["program_code"], "Program": frame["program_name"],
        "OPD pengampu": [names.get(c, n) for c, n in zip(frame["lead_opd_code"],
                                                          frame["lead_opd_name"], strict=True)],
        "Jumlah sumber dana": frame["n_sources"],
        "Pagu (Rp)": frame["pagu"], "Realisasi anggaran (Rp)": frame["realisasi_ytd"],
        "Realisasi anggaran (%)": pd.to_numeric(frame["absorption_pct"]).round(2),
        "Realisasi fisik (%)": pd.to_numeric(frame["fisik_pct"]).round(2),
        "Selisih fisik − anggaran (poin)": pd.to_numeric(frame["gap_points"]).round(2),
        "Tidak seimbang": frame["imbalance"].map({True: "Ya", False: "Tidak"}),
        "Keterangan": frame["imbalance_reason"],
    })


def budget_display(table: pd.DataFrame) -> pd.DataFrame:
    """A budget table (from budget_table or the funding source/OPD ones) formatted for the
    screen: rupiah and percentages in Indonesian."""
    out = table.copy()
    for col in out.columns:
        if col.endswith("(Rp)"):
            out[col] = out[col].map(rupiah).astype(object)
        elif col.endswith("(%)"):
            out[col] = out[col].map(persen).astype(object)
        elif col.endswith("(poin)"):
            out[col] = out[col].map(lambda v: angka(v, 1)).astype(object)
    if "Keterangan" in out:
        out["Keterangan"] = out["Keterangan"].map(lambda v: KOSONG if _missing(v) else v)
    return out


# ---------------------------------------------------------------- OPD collaboration

ROLE_STYLE: dict[str, tuple[str, str, str]] = {  # role -> (fill, text colour, letter)
    "pengampu": ("#0072B2", "#FFFFFF", "P"),
    "pendukung": ("#E69F00", "#000000", "D"),
}
ROLE_LABELS = {"pengampu": "Pengampu", "pendukung": "Pendukung"}


def split_codes(value: object) -> list[str]:
    """'BAPPEDA, DISDUKCAPIL' -> ['BAPPEDA', 'DISDUKCAPIL']."""
    if _missing(value):
        return []
    return [p.strip() for p in str(value).split(",") if p.strip()]


def program_roles(programs: pd.DataFrame) -> pd.DataFrame:
    """Long frame from program_attainment: program_code, program_name, dimension_code,
    opd_code, role ('pengampu' for the lead OPD, 'pendukung' for each supporting OPD)."""
    rows = []
    for r in programs.itertuples():
        if not _missing(r.lead_opd_code):
            rows.append((r.program_code, r.program_name, r.dimension_code, r.lead_opd_code,
                         "pengampu"))
        for code in split_codes(r.supporting_opds):
            if code != r.lead_opd_code:
                rows.append((r.program_code, r.program_name, r.dimension_code, code,
                             "pendukung"))
    frame = pd.DataFrame(rows, columns=["program_code", "program_name", "dimension_code",
                                        "opd_code", "role"])
    frame["role_label"] = frame["role"].map(ROLE_LABELS)
    return frame


def collaboration_finding(roles: pd.DataFrame, names: Mapping[str, str]) -> str:
    """'24 dari 27 program dikerjakan lintas OPD; Diskominfo terlibat di 19 program
    (5 pengampu, 14 pendukung)'."""
    if roles.empty:
        return "Belum ada program dengan OPD pengampu"
    n_prog = roles["program_code"].nunique()
    shared = roles[roles["role"] == "pendukung"]["program_code"].nunique()
    per = roles.groupby("opd_code")["program_code"].nunique().sort_values(
        ascending=False, kind="stable")
    top = per.index[0]
    lead = int(((roles["opd_code"] == top) & (roles["role"] == "pengampu")).sum())
    sup = int(((roles["opd_code"] == top) & (roles["role"] == "pendukung")).sum())
    return (f"{shared} dari {n_prog} program dikerjakan lintas OPD; "
            f"{names.get(top, top)} terlibat di {int(per.iloc[0])} program "
            f"({lead} pengampu, {sup} pendukung)")


def role_matrix(roles: pd.DataFrame, names: Mapping[str, str],
                full_names: Mapping[str, str], title: str) -> go.Figure:
    """OPD (rows, most involved first) × program (columns, by code): 'P' on blue where the OPD
    leads the program, 'D' on orange where it supports it."""
    programs = sorted(roles["program_code"].unique().tolist())
    prog_names = dict(zip(roles["program_code"], roles["program_name"], strict=True))
    involvement = roles.groupby("opd_code").agg(
        n=("program_code", "nunique"),
        lead=("role", lambda s: int((s == "pengampu").sum()))).reset_index()
    involvement["name"] = involvement["opd_code"].map(lambda c: names.get(c, c))
    involvement = involvement.sort_values(["n", "lead", "name"], ascending=[False, False, True],
                                          kind="stable")
    opds = involvement["opd_code"].tolist()
    rows = [f"{names.get(c, c)} ({n})" for c, n in zip(opds, involvement["n"], strict=True)]
    role_at = {(o, p): r for o, p, r in zip(roles["opd_code"], roles["program_code"],
                                            roles["role"], strict=True)}
    fig = go.Figure()
    fig.add_trace(go.Heatmap(  # the empty grid
        z=[[0] * len(programs) for _ in opds], x=programs, y=rows, xgap=2, ygap=2,
        colorscale=[[0, "#F3F4F6"], [1, "#F3F4F6"]], showscale=False, hoverinfo="skip"))
    row_of = dict(zip(opds, rows, strict=True))
    for role in ("pengampu", "pendukung"):
        fill, ink, letter = ROLE_STYLE[role]
        z, hover = [], []
        for o in opds:
            z.append([1 if role_at.get((o, p)) == role else None for p in programs])
            hover.append([f"{html.escape(full_names.get(o, o))}<br>{p} · "
                          f"{html.escape(short(prog_names.get(p, ''), 50))}<br>"
                          f"OPD {ROLE_LABELS[role].lower()}" for p in programs])
        fig.add_trace(go.Heatmap(
            z=z, x=programs, y=rows, xgap=2, ygap=2, colorscale=[[0, fill], [1, fill]],
            showscale=False, customdata=hover, hovertemplate="%{customdata}<extra></extra>",
            name=ROLE_LABELS[role]))
        # The letters as text marks on the filled cells only: a heatmap's texttemplate draws
        # (and measures) a text for every cell, which took the browser seconds at 40 programs.
        cells = [(p, row_of[o]) for (o, p), r in role_at.items() if r == role and o in row_of]
        fig.add_trace(go.Scatter(
            x=[p for p, _ in cells], y=[row for _, row in cells], mode="text",
            text=[f"<b>{letter}</b>"] * len(cells), hoverinfo="skip", showlegend=False,
            textfont={"size": BASE_FONT_PX, "color": ink}))
        fig.add_trace(go.Scatter(  # a legend entry with the letter next to the colour
            x=[None], y=[None], mode="markers", name=f"{letter} = OPD {ROLE_LABELS[role].lower()}",
            marker={"symbol": "square", "size": 18, "color": fill}))
    fig = figure_layout(fig, title, "Angka di belakang nama OPD: jumlah program yang diikuti",
                        height=max(420, 260 + 36 * len(rows)))
    fig.update_xaxes(side="top", tickangle=-60, title_text="", showgrid=False, ticks="",
                     tickfont={"size": BASE_FONT_PX - 3})
    fig.update_yaxes(autorange="reversed", title_text="", showgrid=False, ticks="")
    fig.update_layout(legend={"orientation": "h", "y": -0.02, "yanchor": "top", "x": 0},
                      margin={"t": 200, "b": 40})
    return fig


def report_summary(reports: pd.DataFrame) -> pd.DataFrame:
    """Per OPD of report_completeness: reports due, received, late, missing."""
    cols = ["opd_code", "n_due", "n_received", "n_late", "n_missing"]
    if reports.empty:
        return pd.DataFrame(columns=cols)
    s = reports["status"]
    work = pd.DataFrame({
        "opd_code": reports["opd_code"],
        "n_due": (s != "belum_jatuh_tempo").astype("int64"),
        "n_received": s.isin(["tepat_waktu", "terlambat"]).astype("int64"),
        "n_late": (s == "terlambat").astype("int64"),
        "n_missing": (s == "belum_melapor").astype("int64")})
    return work.groupby("opd_code", as_index=False).sum()[cols]


def opd_scorecard(lead: pd.DataFrame, support: pd.DataFrame, reports: pd.DataFrame,
                  indicators: pd.DataFrame, opds: pd.DataFrame) -> pd.DataFrame:
    """One row per OPD of the masterplan that leads or supports a program this year: capaian
    and band as lead and as supporter, programs led/supported, reports of the year, indicators
    flagged Tertinggal/Kritis in the programs it leads. Raw values (formatted when shown)."""
    base = opds[["opd_code", "name", "short_name"]].rename(columns={"name": "opd_name"})
    lead_part = lead[["opd_code", "capaian", "band_code", "n_programs"]].rename(columns={
        "capaian": "capaian_lead", "band_code": "band_lead", "n_programs": "n_lead"})
    sup_part = support[["opd_code", "capaian", "band_code", "n_programs"]].rename(columns={
        "capaian": "capaian_support", "band_code": "band_support", "n_programs": "n_support"})
    flagged = indicators[indicators["attainment_flag"].notna()]
    lagging = flagged.groupby("lead_opd_code").size().rename("n_lagging").reset_index().rename(
        columns={"lead_opd_code": "opd_code"})
    card = lead_part.merge(sup_part, on="opd_code", how="outer")
    card = card.merge(base, on="opd_code", how="left").merge(
        report_summary(reports), on="opd_code", how="left").merge(lagging, on="opd_code",
                                                                  how="left")
    for col in ("n_lead", "n_support", "n_lagging"):
        card[col] = pd.to_numeric(card[col]).fillna(0).astype("int64")
    for col in ("n_due", "n_received", "n_late", "n_missing"):
        card[col] = pd.to_numeric(card[col]).astype("Int64")
    card["capaian_lead"] = pd.to_numeric(card["capaian_lead"]).astype("float64")
    card["capaian_support"] = pd.to_numeric(card["capaian_support"]).astype("float64")
    card["short_name"] = [s if isinstance(s, str) and s else (n if isinstance(n, str) else c)
                          for s, n, c in zip(card["short_name"], card["opd_name"],
                                             card["opd_code"], strict=True)]
    card["n_programs"] = card["n_lead"] + card["n_support"]
    card = card.sort_values(["capaian_lead", "short_name"], na_position="last", kind="stable")
    return card[["opd_code", "short_name", "opd_name", "n_programs", "n_lead", "capaian_lead",
                 "band_lead", "n_support", "capaian_support", "band_support", "n_due",
                 "n_received", "n_late", "n_missing", "n_lagging"]].reset_index(drop=True)


def _cap_text(value: object, code: object) -> str:
    return KOSONG if _missing(value) else f"{persen(value)} · {code}"


def _report_text(due: object, received: object, late: object, missing: object) -> str:
    if _missing(due):
        return "Tidak wajib (bukan pengampu)"
    if int(due) == 0:  # type: ignore[arg-type]
        return "Belum jatuh tempo"
    text = f"{int(received)} dari {int(due)} diterima"  # type: ignore[arg-type]
    extra = []
    if not _missing(late) and int(late):  # type: ignore[arg-type]
        extra.append(f"{int(late)} terlambat")  # type: ignore[arg-type]
    if not _missing(missing) and int(missing):  # type: ignore[arg-type]
        extra.append(f"{int(missing)} belum")  # type: ignore[arg-type]
    return text + (f" · {', '.join(extra)}" if extra else "")


def scorecard_table(card: pd.DataFrame, year: int) -> pd.DataFrame:
    """The scorecard in Indonesian for the screen (values as text)."""
    return pd.DataFrame({
        "OPD": card["short_name"], "Jumlah program": card["n_programs"],
        "Program diampu": card["n_lead"],
        "Capaian sebagai pengampu": [_cap_text(v, c) for v, c in
                                     zip(card["capaian_lead"], card["band_lead"], strict=True)],
        "Program didukung": card["n_support"],
        "Capaian sebagai pendukung": [_cap_text(v, c) for v, c in
                                      zip(card["capaian_support"], card["band_support"],
                                          strict=True)],
        f"Laporan triwulan {year}": [_report_text(d, r, la, m) for d, r, la, m in
                                     zip(card["n_due"], card["n_received"], card["n_late"],
                                         card["n_missing"], strict=True)],
        "Indikator tertinggal/kritis": card["n_lagging"],
    })


def scorecard_download(card: pd.DataFrame) -> pd.DataFrame:
    """The scorecard with numbers as numbers (for Excel)."""
    return pd.DataFrame({
        "Kode OPD": card["opd_code"], "OPD": card["short_name"], "Nama OPD": card["opd_name"],
        "Jumlah program": card["n_programs"], "Program diampu": card["n_lead"],
        "Capaian sebagai pengampu (%)": card["capaian_lead"].round(2),
        "Pita pengampu": card["band_lead"], "Program didukung": card["n_support"],
        "Capaian sebagai pendukung (%)": card["capaian_support"].round(2),
        "Pita pendukung": card["band_support"], "Laporan wajib": card["n_due"],
        "Laporan diterima": card["n_received"], "Laporan terlambat": card["n_late"],
        "Laporan belum masuk": card["n_missing"],
        "Indikator tertinggal/kritis": card["n_lagging"],
    })


def role_table(roles: pd.DataFrame, names: Mapping[str, str],
               dimension_names: Mapping[str, str]) -> pd.DataFrame:
    """Program × OPD roles in Indonesian (the matrix as a list)."""
    order = roles.assign(_r=roles["role"].map({"pengampu": 0, "pendukung": 1})).sort_values(
        ["program_code", "_r", "opd_code"], kind="stable")
    return pd.DataFrame({
        "Kode program": order["program_code"], "Program": order["program_name"],
        "Dimensi": order["dimension_code"].map(lambda d: dimension_names.get(d, d)),
        "OPD": order["opd_code"].map(lambda c: names.get(c, c)), "Peran": order["role_label"],
    })


def lead_finding(card: pd.DataFrame) -> str:
    """'Dispendukcapil terendah sebagai pengampu: 71,1% (Sedang); 9 dari 15 OPD Sangat
    Tinggi'."""
    done = card[card["capaian_lead"].notna()].sort_values("capaian_lead", kind="stable")
    if done.empty:
        return "Capaian OPD pengampu belum dapat dihitung"
    low = done.iloc[0]
    label = BY_CODE.get(str(low["band_lead"]), BY_CODE["NA"]).label
    best = int((done["band_lead"] == "ST").sum())
    return (f"{low['short_name']} terendah sebagai pengampu: {persen(low['capaian_lead'])} "
            f"({label}); {best} dari {len(done)} OPD Sangat Tinggi")


def scorecard_styles(card: pd.DataFrame, table: pd.DataFrame) -> pd.DataFrame:
    """CSS per cell of scorecard_table: band colours behind the two capaian columns, orange
    behind late/missing reports and lagging indicators."""
    css = pd.DataFrame("", index=table.index, columns=table.columns)
    for col, band_col in (("Capaian sebagai pengampu", "band_lead"),
                          ("Capaian sebagai pendukung", "band_support")):
        css[col] = [
            "" if _missing(code) or str(code) not in BY_CODE else
            f"background-color: {BY_CODE[str(code)].color}; "
            f"color: {BY_CODE[str(code)].text_color}; font-weight: 600"
            for code in card[band_col]]
    report_col = next(c for c in table.columns if c.startswith("Laporan triwulan"))
    css[report_col] = ["background-color: #FCE7D6" if ("terlambat" in str(t) or "belum" in
                                                       str(t)) else "" for t in
                       table[report_col]]
    css["Indikator tertinggal/kritis"] = ["background-color: #FCE7D6; font-weight: 600"
                                          if int(n) else "" for n in card["n_lagging"]]
    return css
