"""The quarterly evaluation report of a meeting, generated offline from its frozen view:
an Excel workbook (formatted for printing) and a PDF with the charts.

The PDF is an HTML page printed by the machine's headless Debian chromium (no internet);
its chart is a static plotly.js figure inlined in the page, drawn by that same chromium.
Every text taken from uploaded files is neutralised against formula injection in the
workbook; the HTML escapes it.
"""

from __future__ import annotations

import html
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import plotly.graph_objects as go

from monev.domain.bands import BY_CODE
from monev.domain.rollup import PLANNED_LABEL, RUNNING_LABEL, running_text
from monev.domain.setting_text import differences
from monev.domain.text import format_persen, format_tanggal
from monev.engine.meeting import followup_review, meeting_data, meeting_rules
from monev.export import frames_to_xlsx
from monev.store import meetings as store
from monev.store.meetings import Meeting

CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome")
FONT = 18


def _dimension_table(dims: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "Dimensi": dims["dimension_name"],
        "Capaian (%)": dims["capaian"].round(2),
        "Tingkat": dims["band_code"] + " · " + dims["band_label"],
        RUNNING_LABEL: dims["n_running"], PLANNED_LABEL: dims["n_planned"],
        "Berjalan (%)": dims["pct_running"].round(1)})


def _flag_table(flags: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "Tanda": flags["label"], "OPD": flags["opd_name"].fillna(flags["opd_code"]),
        "Program": flags["program_name"], "Indikator": flags["indicator_name"],
        "Desa/Kelurahan": flags["village_name"], "Alasan": flags["reason"],
        "Kendala": flags["kendala"], "Tindak Lanjut": flags["tindak_lanjut"]})


def _village_table(villages: pd.DataFrame) -> pd.DataFrame:
    risky = villages[villages["status"].isin(["rawan", "bergeser"])]
    return pd.DataFrame({
        "Program": risky["program_name"], "Kecamatan": risky["district_name"],
        "Desa/Kelurahan": risky["village_name"], "Jenis": risky["kind_label"],
        "Status": risky["status_label"], "Alasan": risky["reason"],
        "Bergeser ke tahun": risky["slip_to_year"]})


def _report_table(reports: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "OPD": reports["opd_name"], "Triwulan": reports["tw_label"],
        "Batas waktu": reports["due_date"], "Diterima": reports["received_on"],
        "Status": reports["status_label"], "Keterangan": reports["reason"]})


def _followup_table(items: pd.DataFrame) -> pd.DataFrame:
    if items.empty:
        return pd.DataFrame(columns=["Butir", "OPD", "Keputusan", "Batas waktu", "Status"])
    out = pd.DataFrame({"Butir": items["item_label"], "OPD": items["opd_code"],
                        "Keputusan": items["decision"], "Batas waktu": items["due_date"]})
    if "final_status_label" in items:
        out["Status"] = items["final_status_label"]
        out["Menurut data"] = items["data_status_label"]
    else:
        out["Status"] = items["status"].map(store.FOLLOWUP_STATUS)
    return out


def _summary(meeting: Meeting, data: dict) -> pd.DataFrame:
    overall = data["overall"]
    flags = data["flags"]
    reports = data["reports"]
    due = reports[reports["status"] != "belum_jatuh_tempo"]
    received = due["status"].isin(["tepat_waktu", "terlambat"]).sum()
    rows = [
        ("Rapat", meeting.title),
        ("Periode", overall["period_label"]),
        ("Data per", meeting.cutoff.strftime("%d-%m-%Y %H:%M")),
        ("Capaian keseluruhan", f"{format_persen(overall['capaian'])} "
                                f"({overall['band_code']} · {overall['band_label']})"),
        (RUNNING_LABEL, running_text(overall["n_running"], overall["n_planned"],
                                     overall["year"])),
        ("Target tertinggal/kritis", int(flags["kind"].isin(["tertinggal", "kritis"]).sum())),
        ("Desa/kelurahan rawan atau bergeser",
         int(data["villages"]["status"].isin(["rawan", "bergeser"]).sum())),
        ("Laporan OPD masuk", f"{received} dari {len(due)}"),
        ("Aturan yang berbeda dari bawaan", differences(meeting_rules(meeting)) or "tidak ada"),
    ]
    return pd.DataFrame(rows, columns=["Uraian", "Nilai"])


@dataclass(frozen=True)
class ReportData:
    """Everything the evaluation report shows, read in one go: rendering (charts, chromium,
    openpyxl) then runs after the database connection is closed, holding no lock."""

    meeting: Meeting
    data: dict[str, Any]           # meeting_data
    programs: pd.DataFrame         # program_code, dimension_code of the meeting's programs
    followups: pd.DataFrame        # decisions of this meeting
    review: pd.DataFrame           # follow-ups of the previous meeting
    # masterplan revisions of the view: items off the plan and revised targets (_revisions)
    revisions: pd.DataFrame = field(default_factory=pd.DataFrame)


def report_data(con: duckdb.DuckDBPyConnection, meeting: Meeting) -> ReportData:
    """Read what the report needs (the meeting's frozen view)."""
    from monev.engine.attainment import program_attainment
    from monev.engine.meeting import meeting_asof

    programs = program_attainment(con, meeting.region_code, meeting_asof(meeting),
                                  meeting_rules(meeting))[["program_code", "dimension_code"]]
    return ReportData(meeting, meeting_data(con, meeting), programs,
                      store.followups(con, meeting.meeting_id), followup_review(con, meeting),
                      _revisions(con, meeting))


REVISION_COLUMNS = ["Program", "Indikator", "Revisi", "Target berlaku", "Target semula",
                    "Keterangan"]


def _revisions(con: duckdb.DuckDBPyConnection, meeting: Meeting) -> pd.DataFrame:
    """The masterplan revisions a meeting's figures stand on: items off the plan of its year
    (with the reason) and indicators judged against a revised target ("direvisi")."""
    from monev.engine.attainment import indicator_attainment
    from monev.engine.meeting import meeting_asof
    from monev.engine.revisions import REVISED_MARK, off_plan

    asof = meeting_asof(meeting)
    off = off_plan(con, meeting.region_code, asof)
    inds = indicator_attainment(con, meeting.region_code, asof, meeting_rules(meeting))
    inds = inds[inds["revised"].astype(bool)]
    rows = [(f"{p} {n}", i if isinstance(i, str) else "Seluruh program", s, None, None,
             f"{r} ({b})") for p, n, i, s, r, b in zip(
                 off["program_code"], off["program_name"], off["indicator_code"],
                 off["status_label"], off["reason"], off["legal_basis"], strict=True)]
    rows += [(f"{p} {pn}", f"{i} {n}", f"Target {REVISED_MARK}", t, o, note)
             for p, pn, i, n, t, o, note in zip(
                 inds["program_code"], inds["program_name"], inds["indicator_code"],
                 inds["indicator_name"], inds["annual_target"], inds["target_original"],
                 inds["revision_note"], strict=True)]
    return pd.DataFrame(rows, columns=REVISION_COLUMNS)


def evaluation_workbook(report: ReportData) -> bytes:
    """The report as an .xlsx: summary, dimensions (and one sheet each), lagging list,
    village risk, completeness, follow-ups."""
    meeting, data = report.meeting, report.data
    sheets: dict[str, pd.DataFrame] = {"Ringkasan": _summary(meeting, data),
                                       "Dimensi": _dimension_table(data["dimensions"])}
    flags = data["flags"]
    for row in data["dimensions"].itertuples():
        codes = report.programs.loc[report.programs["dimension_code"] == row.dimension_code,
                                    "program_code"]
        sheets[str(row.dimension_name)[:31]] = _flag_table(
            flags[flags["program_code"].isin(set(codes))])
    sheets["Target Tertinggal"] = _flag_table(flags)
    sheets["Risiko Desa"] = _village_table(data["villages"])
    sheets["Kelengkapan Laporan"] = _report_table(data["reports"])
    sheets["Tindak Lanjut"] = _followup_table(report.followups)
    if not report.review.empty:
        sheets["TL Rapat Sebelumnya"] = _followup_table(report.review)
    if not report.revisions.empty:
        sheets["Revisi Masterplan"] = report.revisions
    return frames_to_xlsx(sheets, title=f"Evaluasi Masterplan Smart City — {meeting.title}")


# ---------------------------------------------------------------- PDF


def dimension_chart(dims: pd.DataFrame, period: str) -> go.Figure:
    """Capaian per dimension in band colours, label and band code printed on each bar."""
    dims = dims.sort_values("capaian", na_position="first")
    colors = [BY_CODE[c].color for c in dims["band_code"]]
    text = [f"{format_persen(v)} · {c}" for v, c in zip(dims["capaian"], dims["band_code"],
                                                          strict=True)]
    worst = dims.dropna(subset=["capaian"]).head(1)
    title = (f"{worst['dimension_name'].iloc[0]} paling rendah: "
             f"{format_persen(worst['capaian'].iloc[0])} ({worst['band_label'].iloc[0]})"
             if not worst.empty else f"Capaian per dimensi {period}")
    fig = go.Figure(go.Bar(x=dims["capaian"].clip(upper=120), y=dims["dimension_name"],
                           orientation="h", marker_color=colors, text=text,
                           textposition="outside", textfont_size=FONT))
    fig.update_layout(title=dict(text=title, font_size=FONT + 6), font_size=FONT,
                      xaxis=dict(range=[0, 130], title="Capaian (%)"), template="simple_white",
                      margin=dict(l=20, r=20, t=70, b=50), height=480, width=1000)
    return fig


def _chart_html(fig: go.Figure) -> str:
    """The chart as a static plotly.js figure inside the page (plotly.js inlined, no
    network): chromium draws it while it loads the page it prints, so no second browser
    (kaleido's) has to start for a report; kaleido's own chromium could hang the report."""
    return fig.to_html(full_html=False, include_plotlyjs=True, default_width="1000px",
                       default_height="480px",
                       config={"staticPlot": True, "displayModeBar": False})


# What a section says when it has no rows (instead of a table header with nothing under it).
EMPTY_SECTION = {
    "Target tertinggal dan kritis": "Tidak ada target yang tertinggal atau kritis.",
    "Risiko peluncuran desa/kelurahan": "Tidak ada desa/kelurahan yang rawan atau bergeser.",
    "Kelengkapan laporan": "Tidak ada laporan triwulan yang wajib diserahkan.",
    "Tindak lanjut": "Belum ada tindak lanjut yang dicatat pada rapat ini.",
}


def _html_table(df: pd.DataFrame, limit: int = 60) -> str:
    """The table as HTML (at most ``limit`` rows); '' when it has no rows."""
    if df.empty:
        return ""
    shown = df.head(limit)
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in shown.columns)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(_cell(v))}</td>" for v in row) + "</tr>"
                   for row in shown.itertuples(index=False))
    more = (f"<p class='more'>… dan {len(df) - limit} baris lagi (lihat lampiran Excel).</p>"
            if len(df) > limit else "")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{more}"


def _cell(value: object) -> str:
    if value is None or (isinstance(value, float) and value != value) or value is pd.NaT:
        return "–"
    if hasattr(value, "date") and callable(value.date):
        return format_tanggal(value.date())
    if hasattr(value, "year") and hasattr(value, "month"):
        return format_tanggal(value)
    if isinstance(value, float):
        return format_persen(value).removesuffix("%") if value != int(value) else str(int(value))
    return str(value)


def evaluation_html(report: ReportData) -> str:
    """The report as one printable HTML page (A4 landscape), charts embedded as PNG."""
    meeting, data = report.meeting, report.data
    overall = data["overall"]
    sections = [
        ("Ringkasan", _html_table(_summary(meeting, data))),
        ("Capaian per dimensi",
         _chart_html(dimension_chart(data["dimensions"], overall["period_label"]))
         + _html_table(_dimension_table(data["dimensions"]))),
        ("Target tertinggal dan kritis", _html_table(_flag_table(
            data["flags"][data["flags"]["kind"].isin(["kritis", "tertinggal"])]))),
        ("Risiko peluncuran desa/kelurahan", _html_table(_village_table(data["villages"]))),
        ("Kelengkapan laporan", _html_table(_report_table(data["reports"]))),
        ("Tindak lanjut", _html_table(_followup_table(report.followups))),
    ]
    if not report.revisions.empty:
        sections.append(("Revisi masterplan (ditunda, dibatalkan, target direvisi)",
                         _html_table(report.revisions)))
    body = "".join(
        f"<section><h2>{html.escape(t)}</h2>{content}</section>" if content else
        f"<section class='none'><h2>{html.escape(t)}</h2><p>"
        f"{html.escape(EMPTY_SECTION.get(t, 'Tidak ada data untuk bagian ini.'))}</p></section>"
        for t, content in sections)
    return f"""<!doctype html><html lang="id"><head><meta charset="utf-8">
<title>{html.escape(meeting.title)}</title><style>
@page {{ size: A4 landscape; margin: 14mm 14mm 16mm; {PAGE_NUMBERS} }}
body {{ font-family: 'DejaVu Sans', sans-serif; font-size: 11pt; color: #111; }}
h1 {{ font-size: 20pt; margin: 0 0 4pt; }} h2 {{ font-size: 15pt; margin: 0 0 8pt; }}
section {{ page-break-before: always; }} section:first-of-type {{ page-break-before: auto; }}
section.none {{ page-break-before: auto; margin-top: 14pt; }}
table {{ border-collapse: collapse; width: 100%; font-size: 9.5pt; }}
th {{ background: #1F4E79; color: #fff; text-align: left; }}
th, td {{ border: 1px solid #999; padding: 3pt 5pt; vertical-align: top; }}
tr {{ page-break-inside: avoid; }} img {{ width: 100%; max-width: 24cm; }}
.more {{ font-style: italic; }}
</style></head><body>
<h1>Evaluasi Masterplan Smart City — {html.escape(meeting.title)}</h1>
<p>{html.escape(overall['period_label'])} · data per {meeting.cutoff:%d-%m-%Y %H:%M}</p>
{body}</body></html>"""


def chromium_path() -> str:
    """The headless browser used to print the PDF (Debian's chromium)."""
    for name in CHROMIUM_CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    raise FileNotFoundError("Chromium tidak ditemukan; pasang paket Debian 'chromium'.")


PAGE_NUMBERS = ("@bottom-right { content: \"Halaman \" counter(page) \" dari \" "
                "counter(pages); font-family: 'DejaVu Sans', sans-serif; font-size: 9pt; "
                "color: #444; }")


def evaluation_pdf(report: ReportData) -> bytes:
    """The report as a PDF, printed by headless chromium from evaluation_html."""
    return html_to_pdf(evaluation_html(report))


def html_to_pdf(page: str) -> bytes:
    """A self-contained HTML page printed to PDF by the machine's headless chromium (no
    header or footer of chromium's own; the page's CSS numbers its pages, see
    ``PAGE_NUMBERS``). Every report and pack prints through here."""
    with tempfile.TemporaryDirectory(prefix="monev-pdf-") as tmp:
        src, out = Path(tmp) / "laporan.html", Path(tmp) / "laporan.pdf"
        src.write_text(page, encoding="utf-8")
        subprocess.run([chromium_path(), "--headless", "--no-sandbox", "--disable-gpu",
                        "--disable-dev-shm-usage", "--disable-background-networking",
                        "--no-first-run", "--disable-component-update", "--disable-sync",
                        f"--user-data-dir={tmp}/profile", "--no-pdf-header-footer",
                        f"--print-to-pdf={out}", src.as_uri()],
                       check=True, capture_output=True, timeout=120)
        return out.read_bytes()
