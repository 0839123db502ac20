"""Slides of an evaluation meeting on the projector, and the small forms used with them.

* :func:`meeting_view` gathers everything a meeting shows from its **frozen view** (its data
  cut-off and the rules stored with it, ``monev.engine.meeting``), never the sidebar filters;
  pages load it with ``data.cached(meeting_view, meeting_id)``.
* :func:`pages` turns the deck of ``monev.engine.meeting.slides`` into screen pages: a long
  table (an OPD's lagging items, villages at risk, late reports, last meeting's follow-ups)
  is split so that each page fits a 16:9 screen, judged by the lines its text wraps to.
* :func:`render` writes one page as HTML with large type. Every size is relative to the
  screen height with a pixel floor (body ≥ 24 px, title ≥ 40 px), so a page laid out for
  1280×720 is the same page, larger, on 1920×1080, and the split decided on the server holds
  on both. Every colour carries its band code or label ("62,5% · S", "Kritis").

The rendering functions are plain Python (testable without Streamlit); the widgets at the
end of the module (report downloads, follow-up forms) are used by pages/rapat.py and
pages/presentasi.py.
"""

from __future__ import annotations

import dataclasses
import html
import logging
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import TYPE_CHECKING

import duckdb
import pandas as pd
import streamlit as st

from monev.domain.bands import BY_CODE
from monev.domain.flags import FLAG_KINDS, FLAG_LABELS
from monev.domain.rollup import (
    PLANNED_LABEL,
    RUNNING_LABEL,
    reported_text,
    running_text,
)
from monev.domain.setting_text import differences
from monev.domain.settings import Rules
from monev.domain.text import KOSONG, format_angka, format_persen, format_tanggal, tw_label
from monev.domain.workdays import quarter_end
from monev.engine import program_attainment
from monev.engine.meeting import (
    Slide,
    current_rules,
    followup_review,
    meeting_asof,
    meeting_data,
    meeting_rules,
    slides,
)
from monev.engine.revisions import off_plan
from monev.store import facts
from monev.store import meetings as store
from monev.store.db import DatabaseBusy
from monev.store.meetings import Meeting
from monev.ui import data
from monev.ui.components import XLSX_MIME

if TYPE_CHECKING:
    from monev.reports.evaluation import ReportData

LOG = logging.getLogger(__name__)

LAGGING = ("kritis", "tertinggal", "stagnan", "fisik_keuangan")
SEVERITY = {kind: i for i, kind in enumerate(FLAG_KINDS)}

# Geometry of a slide on the smallest screens designed for, 1280×720 and a 1024×768
# projector, in px of the 24,5 px body text; see module docstring.
SLIDE_PX = 975         # text width: 1024 px less the page margins, at 24 px type (in 24,5 px
                       # units); a 1280×720 screen has 1200

CHAR_PX = 10.8         # average glyph width of the 24,5 px body text (Source Sans; measured
                       # 10,1 px on Indonesian text in chromium, rounded up for safety)
BODY_LINES = 15.5      # body lines (of 1,25 × 24,5 px) between the title and the button bar,
                       # one kept for a title or section line that wraps on a 4:3 screen
HEADER_LINES = 1.3     # a table's header row
ROW_PAD = 0.55         # cell padding and rule of a table row, in lines
BAR_PAD = 0.3          # gap of a bar chart row, in lines
MAX_ROWS = 8           # never more rows on one slide, however short

WHITE, BLACK = "#FFFFFF", "#000000"
# Label-carrying colours (Okabe-Ito, as the bands): the text always names the state.
FLAG_COLORS = {"kritis": BY_CODE["SR"].color, "tertinggal": BY_CODE["R"].color,
               "stagnan": "#CC79A7", "fisik_keuangan": "#E5E7EB", "belum_melapor": "#D55E00",
               "terlambat": "#F0E442", "desa_rawan": "#F0E442", "desa_bergeser": "#D55E00"}
FOLLOWUP_COLORS = {"selesai": "#009E73", "terbuka": "#F0E442", "belum_selesai": "#D55E00"}
REPORT_COLORS = {"tepat_waktu": "#009E73", "terlambat": "#F0E442",
                 "belum_melapor": "#D55E00", "belum_jatuh_tempo": "#E5E7EB"}


# ---------------------------------------------------------------- the frozen view


@dataclass(frozen=True, eq=False)
class MeetingView:
    """Everything one meeting shows, computed from its frozen view."""

    meeting: Meeting
    previous: Meeting | None
    deck: tuple[Slide, ...]
    overall: dict
    dimensions: pd.DataFrame
    programs: pd.DataFrame
    flags: pd.DataFrame
    villages: pd.DataFrame
    reports: pd.DataFrame
    opds: pd.DataFrame          # opd_code, name, short_name of the masterplan at the cut-off
    followups: pd.DataFrame     # decided in this meeting
    review: pd.DataFrame        # last meeting's follow-ups judged on this meeting's data
    rules: Rules
    # items a masterplan revision in force takes off the plan of the meeting's year
    # (monev.engine.revisions.off_plan): listed with their reason on the summary slide
    off_plan: pd.DataFrame = dataclasses.field(default_factory=pd.DataFrame)

    def opd_short(self, code: object) -> str:
        """The OPD's short name ('Dishub'), else its code."""
        row = self.opds[self.opds["opd_code"] == code]
        if row.empty:
            return str(code) if _present(code) else KOSONG
        short = row["short_name"].iloc[0]
        return str(short) if _present(short) else str(row["name"].iloc[0])

    def opd_name(self, code: object) -> str:
        """The OPD's full name, else its code."""
        row = self.opds[self.opds["opd_code"] == code]
        return str(row["name"].iloc[0]) if not row.empty else str(code)

    @property
    def period(self) -> str:
        """'TW III 2026'."""
        return f"{tw_label(self.meeting.tw)} {self.meeting.year}"


def meeting_view(con: duckdb.DuckDBPyConnection, meeting_id: int) -> MeetingView | None:
    """The meeting and all it shows (None when there is no such meeting)."""
    meeting = store.get_meeting(con, int(meeting_id))
    if meeting is None:
        return None
    asof, rules = meeting_asof(meeting), meeting_rules(meeting)
    shown = meeting_data(con, meeting)
    return MeetingView(
        meeting=meeting, previous=store.previous_meeting(con, meeting),
        deck=tuple(slides(con, meeting)), overall=dict(shown["overall"]),  # type: ignore[arg-type]
        dimensions=shown["dimensions"], flags=shown["flags"],  # type: ignore[arg-type]
        villages=shown["villages"], reports=shown["reports"],  # type: ignore[arg-type]
        programs=program_attainment(con, meeting.region_code, asof, rules),
        opds=facts.opds(con, meeting.region_code, meeting.cutoff).rename(
            columns={"opd_name": "name", "opd_short_name": "short_name"}),
        followups=store.followups(con, meeting.meeting_id),
        review=followup_review(con, meeting), rules=rules,
        off_plan=off_plan(con, meeting.region_code, asof))


def _present(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return False
    if isinstance(value, float) and value != value:
        return False
    return str(value).strip() != ""


def _text(value: object) -> str:
    return " ".join(str(value).split()) if _present(value) else KOSONG


def _day(value: object) -> date | None:
    if not _present(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return pd.Timestamp(value).date()  # type: ignore[arg-type]


def _tanggal(value: object) -> str:
    day = _day(value)
    return format_tanggal(day) if day else KOSONG


def cutoff_label(meeting: Meeting) -> str:
    """'23 November 2026 08.00' (Indonesian time separator)."""
    return f"{format_tanggal(meeting.cutoff.date())} {meeting.cutoff:%H.%M}"


def flagged_items(flags: pd.DataFrame, opd: str | None = None,
                  kinds: Sequence[str] | None = LAGGING) -> pd.DataFrame:
    """One row per flagged item (an indicator, a program or a village) with all its flags,
    most urgent first: the rows a decision is taken on.

    Columns: kind (the most urgent), kinds, labels, reasons, item, label (for a chooser),
    opd_code, opd_name, program_code, program_name, indicator_code, village_code, kendala,
    tindak_lanjut.
    """
    rows = flags if kinds is None else flags[flags["kind"].isin(kinds)]
    if opd is not None:
        rows = rows[rows["opd_code"] == opd]
    rows = rows.assign(_sev=rows["kind"].map(SEVERITY)).sort_values("_sev", kind="stable")
    groups: dict[tuple, list] = {}
    for row in rows.itertuples(index=False):
        key = tuple(row_value if _present(row_value) else None for row_value in (
            row.opd_code, row.program_code, row.indicator_code, row.village_code))
        groups.setdefault(key, []).append(row)
    out = []
    for (opd_code, program, indicator, village), members in groups.items():
        first = members[0]
        if _present(first.indicator_name):
            item = _text(first.indicator_name)
        elif _present(first.village_name):
            item = f"{_text(first.village_name)} — {_text(first.program_name)}"
        elif _present(first.program_name):
            item = _text(first.program_name)
        else:
            item = f"Laporan {tw_label(int(first.tw))} {int(first.year)}"
        labels = tuple(dict.fromkeys(str(m.label) for m in members))
        out.append({
            "kind": first.kind, "kinds": tuple(dict.fromkeys(m.kind for m in members)),
            "labels": labels, "reasons": tuple(dict.fromkeys(_text(m.reason) for m in members)),
            "item": item, "label": f"{item} ({', '.join(labels)})",
            "opd_code": opd_code, "opd_name": _text(first.opd_name),
            "program_code": program, "program_name": _text(first.program_name),
            "indicator_code": indicator, "village_code": village,
            "kendala": _text(first.kendala), "tindak_lanjut": _text(first.tindak_lanjut)})
    columns = ["kind", "kinds", "labels", "reasons", "item", "label", "opd_code", "opd_name",
               "program_code", "program_name", "indicator_code", "village_code", "kendala",
               "tindak_lanjut"]
    return pd.DataFrame(out, columns=columns)


# ---------------------------------------------------------------- cells, rows and pages


@dataclass(frozen=True)
class Text:
    """A paragraph of a table cell."""

    text: str
    strong: bool = False
    muted: bool = False


@dataclass(frozen=True)
class Chip:
    """A coloured label: the colour never stands alone, the text names it."""

    text: str
    color: str
    text_color: str = BLACK


@dataclass(frozen=True)
class Line:
    """Chips and texts flowing on one paragraph ("[Kritis] Titik PJU terpasang")."""

    parts: tuple[Text | Chip, ...]


Part = Text | Chip | Line
Cell = tuple[Part, ...]
Row = dict[str, Cell]


@dataclass(frozen=True)
class Column:
    """A table column: key in the row, header, share of the slide width, alignment."""

    key: str
    header: str
    width: float
    align: str = "left"


FOLLOWUP_COLUMNS = (Column("butir", "Butir dan keputusan rapat", 0.42),
                    Column("opd", "OPD", 0.15), Column("batas", "Batas waktu", 0.16),
                    Column("status", "Status", 0.27))
LAGGING_COLUMNS = (Column("butir", "Butir dan masalahnya", 0.45),
                   Column("kendala", "Kendala dan tindak lanjut menurut OPD", 0.55))
VILLAGE_COLUMNS = (Column("program", "Program", 0.40),
                   Column("beroperasi", "Beroperasi", 0.14, "center"),
                   Column("sesuai", "Sesuai jadwal", 0.14, "center"),
                   Column("rawan", "Rawan", 0.12, "center"),
                   Column("bergeser", "Bergeser", 0.20, "center"))
RAWAN_COLUMNS = (Column("program", "Program", 0.28),
                 Column("tenggat", "Tenggat dan tahap", 0.32),
                 Column("desa", "Desa/kelurahan (kecamatan)", 0.40))
REPORT_COLUMNS = (Column("opd", "OPD", 0.24), Column("status", "Status", 0.22),
                  Column("ket", "Keterangan", 0.54))
OFF_PLAN_COLUMNS = (Column("butir", "Program / indikator", 0.38),
                    Column("status", "Status", 0.20),
                    Column("alasan", "Alasan dan dasar hukum", 0.42))


def _chars(width: float, strong: bool = False) -> int:
    """Characters per line in a column of this share of the slide width."""
    chars = int(width * SLIDE_PX / CHAR_PX) - 2
    return max(6, int(chars * 0.95) if strong else chars)


def cell_lines(cell: Cell, width: float) -> int:
    """Lines a cell takes: chips share lines, each text paragraph wraps on its own."""
    lines, chip_chars, per_line = 0, None, _chars(width)
    for part in cell:
        if isinstance(part, Chip):
            size = len(part.text) + 3
            if chip_chars is None or chip_chars + size > per_line:
                lines, chip_chars = lines + 1, 0
            chip_chars += size
        elif isinstance(part, Line):
            chip_chars = None
            # a chip is one unbreakable word with its padding
            words = ["x" * (len(p.text) + 3) if isinstance(p, Chip) else p.text
                     for p in part.parts]
            strong = any(isinstance(p, Text) and p.strong for p in part.parts)
            lines += max(1, len(textwrap.wrap(" ".join(words), _chars(width, strong))))
        else:
            chip_chars = None
            lines += max(1, len(textwrap.wrap(part.text, _chars(width, part.strong))))
    return max(lines, 1)


def row_lines(row: Row, columns: Sequence[Column]) -> float:
    """Height of a table row in body lines, padding included."""
    return max(cell_lines(row.get(c.key, ()), c.width) for c in columns) + ROW_PAD


def paginate(costs: Sequence[float], budget: float = BODY_LINES, fixed: float = HEADER_LINES,
             max_rows: int = MAX_ROWS) -> list[list[int]]:
    """Split rows of these heights into pages that fit ``budget`` lines (indices per page)."""
    pages: list[list[int]] = [[]]
    used = fixed
    for i, cost in enumerate(costs):
        if pages[-1] and (used + cost > budget or len(pages[-1]) >= max_rows):
            pages.append([])
            used = fixed
        pages[-1].append(i)
        used += cost
    return pages


@dataclass(frozen=True, eq=False)
class Page:
    """One screen of the deck: a slide, or one part of a slide split for length."""

    slide: Slide
    part: int = 1
    parts: int = 1
    rows: tuple = ()          # table rows (dicts of cells) or programs (dicts) on this page
    variant: str = ""         # desa: 'program' (summary) or 'rawan' (villages to act on)


def header_lines(columns: Sequence[Column]) -> float:
    """Height of a table's header row: a long header wraps."""
    return max(cell_lines((Text(c.header, strong=True),), c.width) for c in columns) + 0.3


def _split(slide: Slide, rows: list, costs: list[float], budget: float = BODY_LINES,
           fixed: float = HEADER_LINES, variant: str = "") -> list[Page]:
    chunks = paginate(costs, budget, fixed)
    return [Page(slide, i, len(chunks), tuple(rows[j] for j in chunk), variant)
            for i, chunk in enumerate(chunks, start=1)]


def pages(view: MeetingView) -> list[Page]:
    """The deck as screen pages, long tables split so that each page fits the screen."""
    out: list[Page] = []
    for slide in view.deck:
        if slide.kind == "tindak_lanjut":
            rows = followup_rows(view)
            out += _split(slide, rows, [row_lines(r, FOLLOWUP_COLUMNS) for r in rows],
                          fixed=header_lines(FOLLOWUP_COLUMNS))
        elif slide.kind == "dimensi":
            bars = dimension_bars(view, str(slide.key))
            missing = unscored(view, str(slide.key))
            note = cell_lines((Text(_unscored_note(missing)),), 1.0) + 0.4 if missing else 0
            out += _split(slide, bars, [bar_lines(b) for b in bars],
                          fixed=1.4 + note + LEGEND_LINES)
        elif slide.kind == "opd":
            rows = lagging_rows(view, str(slide.key))
            # one line kept for the note on this meeting's decisions
            out += _split(slide, rows, [row_lines(r, LAGGING_COLUMNS) for r in rows],
                          budget=BODY_LINES - 1.2, fixed=header_lines(LAGGING_COLUMNS))
        elif slide.kind == "desa":
            summary = village_rows(view)
            note = cell_lines((Text(VILLAGE_NOTE),), 1.0) + 0.4
            out += _split(slide, summary, [row_lines(r, VILLAGE_COLUMNS) for r in summary],
                          budget=BODY_LINES - note, fixed=header_lines(VILLAGE_COLUMNS),
                          variant="program")
            rawan = rawan_rows(view)
            if rawan:
                out += _split(slide, rawan, [row_lines(r, RAWAN_COLUMNS) for r in rawan],
                              fixed=header_lines(RAWAN_COLUMNS), variant="rawan")
        elif slide.kind == "revisi":
            rows = off_plan_rows(view)
            out += _split(slide, rows, [row_lines(r, OFF_PLAN_COLUMNS) for r in rows],
                          fixed=header_lines(OFF_PLAN_COLUMNS))
        elif slide.kind == "kelengkapan":
            rows = report_rows(view)
            out += _split(slide, rows, [row_lines(r, REPORT_COLUMNS) for r in rows],
                          budget=BODY_LINES - 1.2, fixed=header_lines(REPORT_COLUMNS))
        else:
            out.append(Page(slide))
    # number the parts of a slide across variants (desa: summary then villages at risk)
    counts: dict[int, int] = {}
    for page in out:
        counts[id(page.slide)] = counts.get(id(page.slide), 0) + 1
    seen: dict[int, int] = {}
    numbered = []
    for page in out:
        seen[id(page.slide)] = seen.get(id(page.slide), 0) + 1
        numbered.append(Page(page.slide, seen[id(page.slide)], counts[id(page.slide)],
                             page.rows, page.variant))
    return numbered


# ---------------------------------------------------------------- rows of each kind


def _band_chip(capaian: object, code: object) -> Chip:
    band = BY_CODE.get(str(code), BY_CODE["NA"])
    if band.code == "NA" or not _present(capaian):
        return Chip("Tidak ada data", band.color, band.text_color)
    return Chip(f"{format_persen(float(capaian))} · {band.code}", band.color, band.text_color)


def _level_chip(code: object) -> Chip:
    """The band itself: 'ST · Sangat Tinggi' on its colour."""
    band = BY_CODE.get(str(code), BY_CODE["NA"])
    text = band.label if band.code == "NA" else f"{band.code} · {band.label}"
    return Chip(text, band.color, band.text_color)


def legend_html(rules: Rules) -> str:
    """What the band codes mean, with the thresholds in force for this meeting."""
    bounds = (("ST", f"≥ {format_angka(rules.band_st, 2, trim=True)}"),
              ("T", f"≥ {format_angka(rules.band_t, 2, trim=True)}"),
              ("S", f"≥ {format_angka(rules.band_s, 2, trim=True)}"),
              ("R", f"≥ {format_angka(rules.band_r, 2, trim=True)}"),
              ("SR", f"< {format_angka(rules.band_r, 2, trim=True)}"))
    items = " ".join(f"<span class='mv-legend-item'>{_chip_html(_code_chip(c))}"
                     f"{html.escape(f'{BY_CODE[c].label} {b}')}</span>" for c, b in bounds)
    return f"<div class='mv-legend'>{items}</div>"


def _code_chip(code: str) -> Chip:
    band = BY_CODE[code]
    return Chip(band.code, band.color, band.text_color)


LEGEND_LINES = 1.8   # the legend under a bar chart: one line at 1280 px, and its margin


def _flag_chip(kind: str) -> Chip:
    return Chip(FLAG_LABELS.get(kind, kind), FLAG_COLORS.get(kind, "#E5E7EB"))


def followup_rows(view: MeetingView) -> list[Row]:
    """Last meeting's follow-ups: item and decision, OPD, due date, status (hand or data)."""
    rows: list[Row] = []
    for item in view.review.itertuples(index=False):
        status = str(item.final_status)
        rows.append({
            "butir": (Text(_text(item.item_label), strong=True), Text(_text(item.decision))),
            "opd": (Text(view.opd_short(item.opd_code)),),
            "batas": (Text(_tanggal(item.due_date)),),
            "status": (Chip(str(item.final_status_label), FOLLOWUP_COLORS.get(status, WHITE)),
                       Text(_data_note(item), muted=True)),
        })
    return rows


def _data_note(item: object) -> str:
    if getattr(item, "status", "terbuka") != "terbuka":
        note = getattr(item, "status_note", None)
        return "Ditandai dalam rapat" + (f": {_text(note)}" if _present(note) else "")
    return str(item.data_status_label)  # type: ignore[attr-defined]


def lagging_rows(view: MeetingView, opd: str) -> list[Row]:
    """An OPD's lagging items: the item, what is wrong, its kendala and tindak lanjut."""
    rows: list[Row] = []
    for item in flagged_items(view.flags, opd).itertuples(index=False):
        rows.append({
            "butir": (Line((*[_flag_chip(k) for k in item.kinds],
                            Text(item.item, strong=True))),
                      *[Text(r) for r in item.reasons]),
            "kendala": (Line((Text("Kendala:", strong=True), _filled(item.kendala))),
                        Line((Text("Tindak lanjut:", strong=True),
                              _filled(item.tindak_lanjut)))),
        })
    return rows


def _filled(text: str) -> Text:
    return Text(text) if text != KOSONG else Text("(belum diisi OPD)", muted=True)


def village_rows(view: MeetingView) -> list[Row]:
    """Per program rolled out to villages: how many villages are in each state."""
    villages = view.villages
    if villages.empty:
        return []
    rows: list[Row] = []
    order = villages.assign(_risk=villages["status"].isin(["rawan", "bergeser"]))
    risk = order.groupby("program_code")["_risk"].sum().sort_values(ascending=False, kind="stable")
    for code in risk.index:
        mine = villages[villages["program_code"] == code]
        count = mine["status"].value_counts()
        shifted = mine[mine["status"] == "bergeser"]
        years = sorted({int(y) for y in shifted["slip_to_year"].dropna()})
        bergeser = str(len(shifted))
        if years:
            bergeser += f" (ke {', '.join(map(str, years))})"
        rows.append({
            "program": (Text(_text(mine["program_name"].iloc[0]), strong=True),
                        Text(view.opd_short(mine["lead_opd_code"].iloc[0]), muted=True)),
            "beroperasi": (Text(str(count.get("beroperasi", 0))),),
            "sesuai": (Text(str(count.get("sesuai_jadwal", 0))),),
            "rawan": (Text(str(count.get("rawan", 0)), strong=bool(count.get("rawan", 0))),),
            "bergeser": (Text(bergeser, strong=bool(len(shifted))),),
        })
    return rows


VILLAGE_NOTE = ("Rawan: tenggat anggaran sudah dekat dan tahapnya belum tercapai. Bergeser: "
                "tenggat terlewat, pendanaan mundur ke tahun yang tertulis.")


def rawan_rows(view: MeetingView) -> list[Row]:
    """Villages whose next milestone is near and not reached (still rescuable), one row per
    program and milestone, soonest first."""
    rawan = view.villages[view.villages["status"] == "rawan"]
    if rawan.empty:
        return []
    rawan = rawan.assign(_due=rawan["next_milestone_due"].map(_day))
    on = view.meeting.cutoff.date()
    rows: list[Row] = []
    keys = ["_due", "program_code", "next_milestone", "next_required_stage"]
    for (due, _, milestone, stage), group in rawan.groupby(keys, sort=True, dropna=False):
        left = f" ({(due - on).days} hari lagi)" if due and due >= on else ""
        names = "; ".join(f"{_text(v.village_name)} ({_text(v.district_name)})"
                          for v in group.sort_values("village_name").itertuples(index=False))
        rows.append({
            "program": (Text(_text(group["program_name"].iloc[0]), strong=True),
                        Text(view.opd_short(group["lead_opd_code"].iloc[0]), muted=True)),
            "tenggat": (Text(f"{_text(milestone)}: {_tanggal(due)}{left}", strong=True),
                        Text(f"Tahap: {_text(stage)}")),
            "desa": (Text(f"{len(group)} {_kinds(group)}:", strong=True), Text(names)),
        })
    return rows


def _kinds(group: pd.DataFrame) -> str:
    kinds = sorted({str(k).lower() for k in group["kind_label"]})
    return "/".join(kinds)


def off_plan_rows(view: MeetingView) -> list[Row]:
    """What a masterplan revision in force took off this year's plan, with its reason."""
    off = view.off_plan
    rows: list[Row] = []
    for r in off.itertuples(index=False):
        what = (f"{r.indicator_code} {r.indicator_name}" if isinstance(r.indicator_code, str)
                else f"{r.program_code} {r.program_name}")
        rows.append({"butir": (Text(_text(what), strong=True),
                               Text(f"OPD pengampu: {_text(r.lead_opd_name)}", muted=True)),
                     "status": (Text(_text(r.status_label), strong=True),),
                     "alasan": (Text(_text(r.reason)), Text(_text(r.legal_basis), muted=True))})
    return rows


def report_rows(view: MeetingView) -> list[Row]:
    """OPDs whose report for the meeting's quarter is not in on time."""
    reports = view.reports[view.reports["status"] != "tepat_waktu"]
    order = {"belum_melapor": 0, "terlambat": 1, "belum_jatuh_tempo": 2}
    reports = reports.assign(_o=reports["status"].map(order).fillna(3)).sort_values(
        ["_o", "days_late"], ascending=[True, False], kind="stable")
    return [{"opd": (Text(_text(r.opd_short_name), strong=True),),
             "status": (Chip(str(r.status_label), REPORT_COLORS.get(str(r.status), WHITE)),),
             "ket": (Text(_text(r.reason)),)}
            for r in reports.itertuples(index=False)]


def dimension_bars(view: MeetingView, dimension: str) -> list[dict]:
    """The dimension's programs with a capaian this year, lowest first."""
    progs = view.programs[(view.programs["dimension_code"] == dimension)
                          & view.programs["capaian"].notna()]
    progs = progs.sort_values(["capaian", "program_code"], kind="stable")
    return [{"name": _text(p.program_name), "capaian": p.capaian, "band": p.band_code}
            for p in progs.itertuples(index=False)]


def unscored(view: MeetingView, dimension: str) -> list[str]:
    """The dimension's programs running this year whose capaian cannot be computed yet."""
    progs = view.programs[(view.programs["dimension_code"] == dimension)
                          & view.programs["capaian"].isna()]
    return [_text(n) for n in progs["program_name"]]


def _unscored_note(names: Sequence[str]) -> str:
    return f"Belum ada capaian ({len(names)} program): {'; '.join(names)}."


BAR_NAME_WIDTH = 0.44


def bar_lines(bar: dict) -> float:
    """Height of one bar row: its program name may wrap (a bar is 1,55 lines high)."""
    return max(1.3, cell_lines((Text(bar["name"], strong=True),), BAR_NAME_WIDTH)) + BAR_PAD


# ---------------------------------------------------------------- titles: the finding


def _dim_row(view: MeetingView, code: str) -> pd.Series | None:
    rows = view.dimensions[view.dimensions["dimension_code"] == code]
    return rows.iloc[0] if not rows.empty else None


def title_of(view: MeetingView, page: Page) -> str:
    """The slide's title: its finding, in words."""
    kind = page.slide.kind
    if kind == "tindak_lanjut":
        status = view.review["final_status"] if not view.review.empty else pd.Series([])
        done, late = int((status == "selesai").sum()), int((status == "belum_selesai").sum())
        title = f"{done} dari {len(status)} tindak lanjut selesai"
        return title + (f", {late} belum selesai" if late else "")
    if kind == "ringkasan":
        overall = view.overall
        if not _present(overall.get("capaian")):
            return "Capaian masterplan belum dapat dihitung"
        return (f"Capaian masterplan {format_persen(overall['capaian'])} · "
                f"{overall['band_label']}")
    if kind == "dimensi":
        name = str(page.slide.title)
        bars = dimension_bars(view, str(page.slide.key))
        scored = [b for b in bars if _present(b["capaian"])]
        if not scored:
            return f"{name}: belum ada program yang dinilai"
        limit = view.rules.band_t
        below = [b for b in scored if b["band"] in ("S", "R", "SR")]
        if not below:
            return (f"{name}: semua {len(scored)} program tahun ini ≥ "
                    f"{format_angka(limit, 0)}%")
        return (f"{name}: {len(below)} dari {len(scored)} program di bawah "
                f"{format_angka(limit, 0)}%")
    if kind == "opd":
        items = flagged_items(view.flags, str(page.slide.key))
        kritis = int((items["kind"] == "kritis").sum())
        title = f"{view.opd_short(page.slide.key)}: {len(items)} butir perlu tindak lanjut"
        return title + (f", {kritis} kritis" if kritis else "")
    if kind == "desa":
        status = view.villages["status"] if not view.villages.empty else pd.Series([])
        rawan, geser = int((status == "rawan").sum()), int((status == "bergeser").sum())
        if page.variant == "rawan":
            return f"{rawan} desa/kelurahan rawan: kejar sebelum tenggat"
        if status.empty:
            return "Belum ada program yang diluncurkan per desa/kelurahan"
        if not rawan and not geser:
            return f"Semua {len(status)} desa/kelurahan sesuai jadwal"
        return f"{rawan} desa/kelurahan rawan, {geser} bergeser"
    if kind == "revisi":
        n = len(view.off_plan)
        return (f"{n} butir tidak dinilai tahun {view.meeting.year}: ditunda atau dibatalkan "
                "oleh revisi masterplan")
    if kind == "kelengkapan":
        reports = view.reports
        due = reports[reports["status"] != "belum_jatuh_tempo"]
        got = int(due["status"].isin(["tepat_waktu", "terlambat"]).sum())
        late = int((due["status"] == "terlambat").sum())
        missing = int((due["status"] == "belum_melapor").sum())
        if due.empty:
            return f"Laporan {view.period} belum jatuh tempo"
        title = f"{got} dari {len(due)} OPD sudah melapor"
        parts = [f"{late} terlambat"] * bool(late) + [f"{missing} belum"] * bool(missing)
        return title + ("; " + ", ".join(parts) if parts else ", semua tepat waktu")
    return page.slide.title


def section_of(view: MeetingView, page: Page) -> str:
    """The small line above the title: which part of the deck this is (HTML)."""
    slide, esc = page.slide, html.escape
    if slide.kind == "tindak_lanjut":
        prev = view.previous.title if view.previous else ""
        text = esc(f"Tindak lanjut rapat sebelumnya · {prev}")
    elif slide.kind == "ringkasan":
        text = esc(f"{view.meeting.title} · masterplan sekilas · "
                   f"{view.overall.get('period_label', view.period)}")
    elif slide.kind == "dimensi":
        dim = _dim_row(view, str(slide.key))
        text = esc(f"Dimensi {slide.title}")
        if dim is not None:
            text += (" · capaian " + _chip_html(_band_chip(dim["capaian"], dim["band_code"]))
                     + esc("· " + reported_text(dim["n_with_value"], dim["n_indicators"])
                           + " · program berjalan: " + running_text(
                               dim["n_running"], dim["n_planned"], view.meeting.year)))
    elif slide.kind == "opd":
        text = esc(f"Target tertinggal · {view.opd_name(slide.key)}")
    elif slide.kind == "desa":
        text = esc("Peluncuran desa/kelurahan" + (" · perlu tindakan segera"
                                                  if page.variant == "rawan" else ""))
    elif slide.kind == "revisi":
        text = esc(f"Revisi masterplan · keadaan per {view.period}")
    elif slide.kind == "kelengkapan":
        text = esc(f"Kelengkapan laporan {view.period}")
    else:
        text = esc(slide.title)
    if page.parts > 1:
        text += esc(f" · bagian {page.part} dari {page.parts}")
    return text


# ---------------------------------------------------------------- HTML


def _chip_html(chip: Chip) -> str:
    return (f"<span class='mv-chip' style='background:{chip.color};color:{chip.text_color}'>"
            f"{html.escape(chip.text)}</span>")


def _classes(part: Text) -> str:
    return " ".join(c for c, on in (("mv-strong", part.strong), ("mv-muted", part.muted))
                    if on)


def _span(part: Text) -> str:
    cls = _classes(part)
    return (f"<span class='{cls}'>{html.escape(part.text)}</span>" if cls
            else html.escape(part.text))


def _cell_html(cell: Cell) -> str:
    out, chips = [], []
    for part in cell:
        if isinstance(part, Chip):
            chips.append(_chip_html(part))
            continue
        if chips:
            out.append(f"<div class='mv-chips'>{''.join(chips)}</div>")
            chips = []
        if isinstance(part, Line):
            out.append("<div>" + " ".join(
                _chip_html(p) if isinstance(p, Chip) else _span(p) for p in part.parts)
                + "</div>")
            continue
        cls = _classes(part)
        out.append(f"<div class='{cls}'>{html.escape(part.text)}</div>" if cls
                   else f"<div>{html.escape(part.text)}</div>")
    if chips:
        out.append(f"<div class='mv-chips'>{''.join(chips)}</div>")
    return "".join(out)


def table_html(columns: Sequence[Column], rows: Sequence[Row]) -> str:
    """A large-type table (widths fixed so the page split holds)."""
    cols = "".join(f"<col style='width:{c.width * 100:.1f}%'>" for c in columns)
    head = "".join(f"<th style='text-align:{c.align}'>{html.escape(c.header)}</th>"
                   for c in columns)
    body = "".join(
        "<tr>" + "".join(f"<td style='text-align:{c.align}'>{_cell_html(r.get(c.key, ()))}</td>"
                         for c in columns) + "</tr>"
        for r in rows)
    return (f"<table class='mv-table'><colgroup>{cols}</colgroup><thead><tr>{head}</tr>"
            f"</thead><tbody>{body}</tbody></table>")


def _message(text: str) -> str:
    return f"<div class='mv-message'>{html.escape(text)}</div>"


def _note(text: str) -> str:
    return f"<div class='mv-note'>{html.escape(text)}</div>"


BAR_MAX = 120.0   # the axis ends at 120%; higher values are drawn to the end with a marker


def bars_html(view: MeetingView, bars: Sequence[dict]) -> str:
    """Horizontal bars in band colours, value and band code printed beside each bar."""
    limit = view.rules.band_t
    band_t = BY_CODE["T"]
    refs = ((limit, f"{format_angka(limit, 0)}% · {band_t.code}"), (100.0, "100%"))
    # the band's label ends left of its line, "100%" starts right of its own: centred on
    # their lines they ran into each other on a 1024 px projector ("76% · T100%")
    shift = ("translateX(calc(-100% - 0.3em))", "translateX(0.3em)")
    axis = "".join(f"<span class='mv-axis-label' style='left:{x / BAR_MAX * 100:.2f}%;"
                   f"transform:{move}'>{html.escape(label)}</span>"
                   for (x, label), move in zip(refs, shift, strict=True))
    lines = "".join(f"<span class='mv-ref' style='left:{x / BAR_MAX * 100:.2f}%'></span>"
                    for x, _ in refs)
    rows = [f"<div></div><div class='mv-axis'>{axis}</div><div></div>"]
    for bar in bars:
        chip = _band_chip(bar["capaian"], bar["band"])
        value = float(bar["capaian"]) if _present(bar["capaian"]) else 0.0
        width = max(0.0, min(value, BAR_MAX)) / BAR_MAX * 100
        over = "<span class='mv-over'>»</span>" if value > BAR_MAX else ""
        rows.append(
            f"<div class='mv-bar-name'>{html.escape(bar['name'])}</div>"
            f"<div class='mv-track'>{lines}<div class='mv-bar' style='width:{width:.2f}%;"
            f"background:{chip.color}'></div>{over}</div>"
            f"<div class='mv-bar-value'>{_chip_html(chip)}</div>")
    return f"<div class='mv-bars'>{''.join(rows)}</div>"


def _tile(label: str, value: str, note_html: str) -> str:
    return (f"<div class='mv-tile'><div class='mv-tile-label'>{html.escape(label)}</div>"
            f"<div class='mv-tile-value'>{html.escape(value)}</div>"
            f"<div class='mv-tile-note'>{note_html}</div></div>")


def summary_html(view: MeetingView) -> str:
    """Masterplan at a glance: capaian and band, programs, running ÷ planned, flags."""
    o, flags = view.overall, view.flags
    lagging = len(flagged_items(flags))
    pct = o.get("pct_running")
    tiles = [
        _tile(f"Capaian {o.get('period_label', '')}", format_persen(o.get("capaian")),
              _chip_html(_level_chip(o.get("band_code")))),
        _tile(PLANNED_LABEL, str(o.get("n_planned", 0)),
              html.escape(f"tahun {view.meeting.year}, dari {o.get('n_masterplan', 0)} "
                          "program masterplan")),
        _tile(RUNNING_LABEL, format_persen(pct, 1, trim=True) if _present(pct) else "–",
              html.escape(running_text(o.get("n_running", 0), o.get("n_planned", 0),
                                       view.meeting.year))),
        _tile("Tanda peringatan", str(len(flags)),
              html.escape(f"{lagging} butir perlu tindak lanjut")),
    ]
    counts = flags["kind"].value_counts() if not flags.empty else pd.Series(dtype=int)
    chips = "".join(_chip_html(Chip(f"{FLAG_LABELS[k]}: {int(counts[k])}",
                                    FLAG_COLORS.get(k, "#E5E7EB")))
                    for k in FLAG_KINDS if counts.get(k, 0))
    kinds = (f"<div class='mv-kinds'><span class='mv-strong'>Rincian tanda:</span> {chips}"
             "</div>" if chips else _note("Tidak ada tanda peringatan."))
    changed = differences(view.rules)  # the room judges the figures by these rules
    rules = _note(f"Aturan yang berbeda dari bawaan: {changed}.") if changed else ""
    return f"<div class='mv-tiles'>{''.join(tiles)}</div>{kinds}{rules}"


def body_html(view: MeetingView, page: Page) -> str:
    """The content of a page under its title."""
    kind = page.slide.kind
    if kind == "ringkasan":
        return summary_html(view)
    if kind == "dimensi":
        missing = unscored(view, str(page.slide.key))
        note = _note(_unscored_note(missing)) if missing else ""
        if not page.rows:
            return _message("Belum ada program dimensi ini yang capaiannya dapat dihitung "
                            "tahun ini.") + note
        return bars_html(view, page.rows) + note + legend_html(view.rules)
    if kind == "tindak_lanjut":
        return table_html(FOLLOWUP_COLUMNS, page.rows)
    if kind == "opd":
        decided = view.followups
        n = int((decided["opd_code"] == page.slide.key).sum()) if not decided.empty else 0
        note = (f"Keputusan rapat ini untuk OPD ini: {n} dicatat." if n
                else "Belum ada keputusan rapat ini untuk OPD ini.")
        return table_html(LAGGING_COLUMNS, page.rows) + _note(note)
    if kind == "desa":
        if page.variant == "rawan":
            return table_html(RAWAN_COLUMNS, page.rows)
        if not page.rows:
            return _message("Tidak ada program yang dipantau per desa/kelurahan.")
        return table_html(VILLAGE_COLUMNS, page.rows) + _note(VILLAGE_NOTE)
    if kind == "revisi":
        return table_html(OFF_PLAN_COLUMNS, page.rows) + _note(
            "Butir ini tidak masuk Tertinggal/Kritis dan hitungan program berjalan tahun ini.")
    if kind == "kelengkapan":
        if not page.rows:
            return _message(f"Semua OPD menyerahkan laporan {view.period} tepat waktu.")
        return table_html(REPORT_COLUMNS, page.rows) + _note(
            "OPD lain menyerahkan laporan tepat waktu.")
    return ""


def render(view: MeetingView, page: Page, index: int, total: int) -> str:
    """One page as HTML: section line with the counter, the finding as title, the body."""
    return (f"<div class='mv-slide' data-kind='{page.slide.kind}'>"
            f"<div class='mv-top'><span class='mv-section'>{section_of(view, page)}</span>"
            f"<span class='mv-count'>{index} / {total}</span></div>"
            f"<h1 class='mv-title'>{html.escape(title_of(view, page))}</h1>"
            f"<div class='mv-body'>{body_html(view, page)}</div></div>")


# Hides Streamlit's own chrome (sidebar, header, toolbar, running-man) on the projector page
# and sets the large type; sizes in vh with a px floor (see module docstring).
PROJECTOR_CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
[data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"],
[data-testid="stStatusWidget"], [data-testid="stAppDeployButton"], footer {
  display: none !important; }
[data-testid="stMainBlockContainer"] {
  padding: 1.8vh 3.2vw 12vh 3.2vw !important; max-width: 100% !important; }
.mv-slide { --fs: max(24px, min(3.4vh, 1.91vw)); --fs-title: max(40px, min(6vh, 3.37vw));
  font-size: var(--fs);
  line-height: 1.25; color: #111827; }
.mv-slide * { font-size: inherit; }
.mv-top { display: flex; justify-content: space-between; align-items: baseline; gap: 2vw;
  color: #374151; border-bottom: 0.45vh solid #1F4E79; padding-bottom: 0.5vh; }
.mv-section { min-width: 0; }
.mv-count { font-weight: 700; color: #1F4E79; white-space: nowrap; }
.mv-slide h1.mv-title { font-size: var(--fs-title); line-height: 1.12; font-weight: 700;
  margin: 1.2vh 0 1.6vh 0; padding: 0; color: #111827; letter-spacing: -0.01em; }
.mv-chip { display: inline-block; padding: 0 0.4em; margin: 0.1em 0.35em 0.1em 0;
  border-radius: 0.3em; font-weight: 700; white-space: nowrap;
  box-shadow: inset 0 0 0 2px rgba(0,0,0,0.28); }
.mv-chips { line-height: 1.3; }
.mv-strong { font-weight: 700; }
.mv-muted { color: #4B5563; }
.mv-note { margin-top: 1vh; color: #374151; }
.mv-message { margin-top: 4vh; font-size: calc(var(--fs) * 1.3); font-weight: 600; }
table.mv-table { width: 100%; border-collapse: collapse; table-layout: fixed;
  margin: 0; color: #111827; }
table.mv-table th { background: #1F4E79; color: #FFFFFF; font-weight: 700;
  padding: 0.3vh 0.6vw; border: none; vertical-align: bottom; }
table.mv-table td { padding: 0.55vh 0.6vw; border: none;
  border-bottom: 0.3vh solid #CBD5E1; vertical-align: top; overflow-wrap: anywhere; }
table.mv-table tr:nth-child(even) td { background: #F5F7FA; }
.mv-bars { display: grid; grid-template-columns: 44% 1fr 16%; column-gap: 1.2vw;
  row-gap: 1.1vh; align-items: center; }
.mv-bar-name { font-weight: 700; }
.mv-axis { position: relative; height: calc(var(--fs) * 1.3); }
.mv-axis-label { position: absolute; transform: translateX(-50%); color: #374151;
  white-space: nowrap; bottom: 0; }
.mv-track { position: relative; height: calc(var(--fs) * 1.55); background: #F1F5F9; }
.mv-bar { position: absolute; left: 0; top: 0; bottom: 0;
  box-shadow: inset 0 0 0 2px rgba(0,0,0,0.3); }
.mv-ref { position: absolute; top: -0.5vh; bottom: -0.5vh; border-left: 0.35vh dashed #111827;
  z-index: 1; }
.mv-over { position: absolute; right: 0.2em; top: 0; z-index: 2; font-weight: 700;
  color: #FFFFFF; }
.mv-tiles { display: grid; grid-template-columns: repeat(4, 1fr); gap: 1.4vw; }
.mv-tile { border: 0.3vh solid #CBD5E1; border-radius: 1vh; padding: 1.6vh 1.2vw; }
.mv-tile-label { color: #374151; min-height: 2.5em; }
.mv-tile-value { font-size: max(56px, 9vh); font-weight: 700; line-height: 1.1;
  color: #111827; margin: 0.6vh 0; white-space: nowrap; }
.mv-tile-note { color: #111827; }
.mv-kinds { margin-top: 3vh; line-height: 1.6; }
/* the button bar, fixed at the bottom of the screen */
.st-key-pres_bar { position: fixed; left: 0; right: 0; bottom: 0; z-index: 99;
  background: #FFFFFF; border-top: 0.3vh solid #CBD5E1; padding: 1vh 3.2vw; }
.st-key-pres_bar p, .st-key-pres_bar label, .st-key-pres_bar input {
  font-size: max(20px, 2.8vh) !important; }
.st-key-pres_bar button { min-height: max(44px, 6vh); }
.st-key-pres_prev button p, .st-key-pres_next button p { font-size: max(26px, 3.6vh) !important;
  font-weight: 700; }
.st-key-pres_meta p { color: #374151; margin: 0; }
[data-testid="stPopoverBody"] { min-width: min(56vw, 820px); }
[data-testid="stPopoverBody"] * { font-size: max(18px, 2.5vh) !important; }
.st-key-pres_bar kbd, [data-testid="stSkipToContent"] { display: none !important; }
.mv-legend { margin-top: 2vh; color: #374151; line-height: 1.5; }
.mv-legend-item { white-space: nowrap; margin-right: 1vw; }
.st-key-pres_left, .st-key-pres_right, .st-key-pres_home, .st-key-pres_end {
  display: none !important; }
</style>
"""


def projector_style() -> None:
    """Inject the projector CSS (takes no room on the page)."""
    st.html(PROJECTOR_CSS)


# ---------------------------------------------------------------- writes (via data.write)


def create(con: duckdb.DuckDBPyConnection, region: str, year: int, tw: int, title: str,
           chair: str | None, cutoff: datetime, actor: str) -> int:
    """Record a meeting with the region's rules frozen into it; returns its id."""
    meeting = store.create_meeting(con, region, year, tw, title=title, actor=actor,
                                   rules=current_rules(con, region), chair=chair or None,
                                   cutoff=cutoff)
    return meeting.meeting_id


def record_followup(con: duckdb.DuckDBPyConnection, meeting_id: int, item: dict | None,
                    item_label: str, decision: str, opd: str | None, due: date | None,
                    actor: str) -> int:
    """A decision on a flagged item (``item`` from :func:`flagged_items`) or a free item."""
    item = item or {}
    return store.add_followup(
        con, meeting_id, item_label=item_label, decision=decision, actor=actor,
        opd_code=opd or item.get("opd_code"), due_date=due, flag_kind=item.get("kind"),
        program_code=item.get("program_code"), indicator_code=item.get("indicator_code"),
        village_code=item.get("village_code"))


def mark_followup(con: duckdb.DuckDBPyConnection, followup_id: int, status: str, actor: str,
                  note: str | None) -> None:
    """Set a follow-up's status by hand."""
    store.set_followup_status(con, int(followup_id), status, actor=actor, note=note or None)


def meeting_report(con: duckdb.DuckDBPyConnection, meeting_id: int) -> ReportData:
    """What the meeting's evaluation report shows (rendered after the connection closed)."""
    from monev.reports.evaluation import report_data

    return report_data(con, store.get_meeting(con, int(meeting_id)))  # type: ignore


# ---------------------------------------------------------------- widgets


def default_due(meeting: Meeting) -> date:
    """Default deadline of a decision: the end of the next quarter (the next meeting)."""
    year, tw = (meeting.year + 1, 1) if meeting.tw == 4 else (meeting.year, meeting.tw + 1)
    return quarter_end(year, tw)


def followup_form(view: MeetingView, items: pd.DataFrame, key: str, actor: str,
                  free_item: bool = False) -> None:
    """Record a decision: which item, what will be done, which OPD, by when."""
    opds = list(view.opds["opd_code"])
    other = -1
    choices = list(range(len(items))) + ([other] if free_item else [])
    if not choices:
        st.info("Tidak ada butir yang tertandai untuk diputuskan.")
        return
    with st.form(key, clear_on_submit=True, border=False):
        pick = st.selectbox("Butir", choices, key=f"{key}_butir",
                            format_func=lambda i: "Butir lain (tulis sendiri)" if i == other
                            else str(items.iloc[i]["label"]))
        own = st.text_input("Butir lain", key=f"{key}_lain",
                            placeholder="Diisi bila memilih 'Butir lain'") if free_item else ""
        decision = st.text_area("Keputusan: apa yang akan dilakukan", key=f"{key}_keputusan",
                                height=100)
        opd = st.selectbox("OPD penanggung jawab", [None, *opds], key=f"{key}_opd",
                           format_func=lambda c: "Sesuai butir" if c is None
                           else f"{view.opd_short(c)} – {view.opd_name(c)}")
        due = st.date_input("Batas waktu", value=default_due(view.meeting), key=f"{key}_batas",
                            format="DD/MM/YYYY")
        sent = st.form_submit_button("Simpan tindak lanjut", type="primary", key=f"{key}_simpan",
                                     icon=":material/save:")
    if not sent:
        return
    item = None if pick == other else items.iloc[pick].to_dict()
    label = own.strip() if item is None else str(item["item"])
    if not label:
        st.error("Tuliskan butirnya terlebih dahulu.")
        return
    if not decision.strip():
        st.error("Isi keputusan/tindak lanjut terlebih dahulu.")
        return
    if item is None and opd is None:
        st.error("Pilih OPD penanggung jawab untuk butir ini.")
        return
    data.write(record_followup, view.meeting.meeting_id, item, label, decision, opd, due, actor)
    st.toast("Tindak lanjut dicatat.", icon=":material/check_circle:")
    st.rerun()


def status_form(view: MeetingView, key: str, actor: str) -> None:
    """Mark one of last meeting's follow-ups by hand (done, not done, open)."""
    review = view.review
    if review.empty:
        return
    with st.form(key, clear_on_submit=True, border=False):
        fid = st.selectbox("Tindak lanjut", list(review["followup_id"]), key=f"{key}_id",
                           format_func=lambda i: _review_label(review, i))
        status = st.radio("Status", list(store.FOLLOWUP_STATUS), key=f"{key}_status",
                          format_func=store.FOLLOWUP_STATUS.get, horizontal=True)
        note = st.text_input("Catatan", key=f"{key}_catatan")
        sent = st.form_submit_button("Simpan status", type="primary", key=f"{key}_simpan",
                                     icon=":material/save:")
    if sent:
        data.write(mark_followup, int(fid), status, actor, note.strip())
        st.toast("Status tindak lanjut disimpan.", icon=":material/check_circle:")
        st.rerun()


def _review_label(review: pd.DataFrame, followup_id: int) -> str:
    row = review[review["followup_id"] == followup_id].iloc[0]
    return f"{_text(row['item_label'])} — {_text(row['decision'])[:60]}"


def _report_state(kind: str, meeting_id: int) -> str:
    return f"_rapat_{kind}_{meeting_id}"


def _generate(kind: str, meeting_id: int) -> None:
    """Build one report on click; keep it for this data version."""
    from monev.reports.evaluation import evaluation_pdf, evaluation_workbook

    render = evaluation_workbook if kind == "xlsx" else evaluation_pdf
    what = "Excel" if kind == "xlsx" else "PDF"
    if kind == "pdf":
        from monev.reports.evaluation import chromium_path

        try:
            chromium_path()
        except FileNotFoundError:
            st.warning("PDF belum dapat dibuat: peramban Chromium belum terpasang di server. "
                       "Minta admin Diskominfo memasang paket Debian 'chromium'. Laporan "
                       "Excel tetap dapat diunduh.", icon=":material/warning:")
            return
    with st.spinner(f"Menyusun laporan {what}…"):
        try:
            content = render(data.read(meeting_report, meeting_id))
        except DatabaseBusy:
            raise
        except Exception:  # noqa: BLE001 - logged; the user gets an Indonesian sentence
            LOG.exception("laporan %s rapat %s gagal", kind, meeting_id)
            st.error(f"Laporan {what} gagal disusun. Coba lagi; bila masih gagal, hubungi "
                     "admin Diskominfo.", icon=":material/error:")
            return
    st.session_state[_report_state(kind, meeting_id)] = (data.data_version(), content)


def report_downloads(view: MeetingView) -> None:
    """Two steps per report: prepare (spinner), then download the file."""
    meeting = view.meeting
    stem = f"evaluasi_{meeting.year}_TW{meeting.tw}_rapat{meeting.meeting_id}"
    for kind, what, mime, icon in (("xlsx", "Excel", XLSX_MIME, ":material/table_view:"),
                                   ("pdf", "PDF", "application/pdf",
                                    ":material/picture_as_pdf:")):
        row = st.container(horizontal=True, vertical_alignment="center")
        with row:
            if st.button(f"Siapkan laporan {what}", key=f"siapkan_{kind}", icon=icon):
                _generate(kind, meeting.meeting_id)
            ready = st.session_state.get(_report_state(kind, meeting.meeting_id))
            if ready and ready[0] == data.data_version():
                st.download_button(f"Unduh laporan {what}", ready[1],
                                   file_name=f"{stem}.{kind}", mime=mime, type="primary",
                                   on_click="ignore", key=f"unduh_{kind}",
                                   icon=":material/download:")


def cutoff_at(day: date, at: time) -> datetime:
    """The cut-off of a new meeting from the date and time chosen."""
    return datetime.combine(day, at).replace(second=0, microsecond=0)
