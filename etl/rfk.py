"""The monthly FORM RFK (laporan realisasi fisik dan keuangan) read as a TW's budget and
physical progress.

The layout is data (``etl/profiles/rfk.csv``): the labels of the title block (SKPD, "KONDISI
S/D TGL."), the phrases of the column groups (Nilai DPA, Keuangan, Fisik), their parts
(Rencana, Realisasi, Capaian, Sisa Anggaran) and the markers under them (Rp, % KUM, % TTB).
A workbook that ``recognised`` names as an RFK is read in two steps, as the E.81 (etl/e81.py):

1. ``read_into`` (no database): the RFK sheet's grid is parsed in a sandbox worker like every
   upload, then laid out here from Python values.
2. ``resolve`` (with the database, inside the load's checks): region, OPD, year and TW, the
   program texts mapped to masterplan codes through the same mapping as the E.81
   (``monev.store.mapping``, ``jenis`` program), then the book becomes a report of budget
   (``anggaran``) and physical progress (``fisik``) that the template's own checks take.

Decisions (issue 27):

* **The reporting date decides the TW.** "KONDISI S/D TGL. 31 Maret 2023" (or the month in
  the title) is the RFK of TW I; only the months that end a quarter (Maret, Juni, September,
  Desember) are loaded, any other month is refused, saying so.
* **Cumulative, never added.** The realisation columns taken are the cumulative ones (Rp under
  Realisasi, % KUM of Fisik); the report's basis is ``sdtw``, so its rupiah restart the
  year-to-date sum instead of being added to earlier quarters. The % TTB columns are never
  read (in the Banjarmasin form TTB is the figure weighted by the row's share of the DPA).
* **Its own scope.** An RFK load has kind ``rfk`` and scope ``<region>|rfk|<opd>|<year>|<tw>``:
  it supersedes only the same OPD's earlier RFK of that TW, never the quarterly report (whose
  kinerja figures stay active). Budget and fisik rows are read "latest upload wins" per
  program, source and TW (``monev.store.facts``): an RFK loaded after the quarterly report
  replaces its budget and fisik of that TW, a report loaded after the RFK replaces the RFK's.
* **Program rows and the rows under them.** A row is a program row as in the E.81 (mapped,
  the OPD's own program name, 'Program …', or very close to one); kegiatan and sub-kegiatan
  rows belong to the program above (or to the program the title block names). A row without
  its own figures takes the sum of the rows under it (fisik weighted by pagu); a row with its
  own figures must agree with the rows under it, else the file is refused naming the row.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date, datetime

import duckdb

from etl import forms, vocab
from etl import values as v
from etl.e81 import (
    FUZZY_PROGRAM,
    MAP_HINT,
    MAX_NAMED,
    Resolution,
    Target,
    Text,
    opd_target,
    region_target,
)
from etl.spec import sheet as spec_sheet
from etl.validate import TW_NAMES, Expect
from etl.workbook import ParsedWorkbook, Table, _fill_merged
from monev.store import mapping
from monev.store.lineage import ACTIVE_LOAD_IDS

KIND = "rfk"
HEADER_SCAN_ROWS = 30
DEFAULT_SOURCE = "APBD"   # an RFK reports the DPA, a document of the APBD
QUARTER_OF_MONTH = {3: 1, 6: 2, 9: 3, 12: 4}
MONTHS = ("", "Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
          "September", "Oktober", "November", "Desember")
TOLERANCE = 1.0           # rupiah: a program row and the sum of its rows agree within this
COL_URAIAN = "Uraian Kegiatan"
COL_DATE = "Kondisi s/d tgl"


def profile() -> forms.Profile:
    """The RFK layout as data (``forms.profile``)."""
    return forms.profile("rfk")


def _role(part: str, text: str, *, start: bool = False, whole: bool = False) -> str | None:
    """``forms.role`` in the RFK profile."""
    return forms.role("rfk", part, text, start=start, whole=whole)


@dataclass
class RfkRow:
    """One body row: its text and raw figures (pagu and realisation in rupiah, fisik in %)."""

    row: int                                  # 1-based
    uraian: str | None = None
    pagu: object = None
    realisasi: object = None
    fisik: object = None
    sumber_dana: object = None
    from_title: bool = False                  # the program the title block names
    indikator: None = None                    # (an RFK has no indicators; as E81Row)
    opd: None = None


@dataclass
class RfkForm:
    """An RFK sheet laid out: title lines, the reporting date, rows."""

    sheet: str
    title: list[str] = field(default_factory=list)
    header_row: int = 0
    rows: list[RfkRow] = field(default_factory=list)
    reported: date | None = None              # "KONDISI S/D TGL." as a date
    month: tuple[int, int] | None = None      # (year, month) of the report
    date_text: str | None = None              # as the file wrote it
    date_row: int | None = None
    headers: dict[str, str] = field(default_factory=dict)   # role -> header as written
    has_source: bool = False

    def year(self) -> int | None:
        """The year of the reporting date."""
        return self.month[0] if self.month else None

    def tw(self) -> int | None:
        """The TW whose RFK this is (its month ends that quarter), or None."""
        return QUARTER_OF_MONTH.get(self.month[1]) if self.month else None

    def period(self) -> str:
        """'Maret 2023' (or '' when the date was not found)."""
        return f"{MONTHS[self.month[1]]} {self.month[0]}" if self.month else ""


def recognised(names: list[str], peek: list[tuple[str, list[list[str]]]]) -> str | None:
    """The sheet of a FORM RFK among the peeked sheets (its first rows name the form and its
    header names Uraian, Keuangan and Fisik), or None."""
    from etl.lookalike import _words
    phrases = dict(profile()["title"])["form"]
    for name, rows in peek:
        text = _words(name + " | " + " | ".join(" ".join(cells) for cells in rows))
        if any(f" {p} " in text for p in phrases) and all(
                f" {w} " in text for w in ("uraian", "keuangan", "fisik")):
            return name
    return None


def read_into(book: ParsedWorkbook, data: bytes, sheet: str) -> None:
    """Read the RFK sheet (parsed in a sandbox worker) into ``book.form``; the book's kind
    becomes 'rfk' (``resolve`` makes it a report once the database is at hand)."""
    forms.read_sheet(book, data, sheet, KIND, layout, "rfk_tata_letak")


def _text(cell: object) -> str | None:
    if v.is_blank(cell) or not isinstance(cell, str):
        return None
    text = " ".join(cell.split())
    return text or None


_NUMBERING = re.compile(r"^\(?\d+[a-z]?\)?(\s*=.*)?$")


def _is_numbering(row: list) -> bool:
    filled = [c for c in row if not v.is_blank(c)]
    return len(filled) >= 3 and all(
        isinstance(c, (int, float)) or _NUMBERING.match(str(c).strip().lower())
        for c in filled)


def layout(sheet: str, grid: list[list], merged: list,
           percent: set[tuple[int, int]] | frozenset = frozenset()) -> RfkForm | str:
    """Lay an RFK grid out; a text saying what is missing when it cannot be."""
    if merged:
        _fill_merged(grid, merged)
    norm = [[v.norm_header(c) if isinstance(c, str) else "" for c in row]
            for row in grid[:HEADER_SCAN_ROWS + 4]]
    top = None
    for r, row in enumerate(norm[:HEADER_SCAN_ROWS]):
        roles = {_role("column", c) for c in row if c}
        groups = {_role("group", c, whole=True) or _role("group", c, start=True)
                  for c in row if c}
        if "uraian" in roles and groups & {"keuangan", "fisik"}:
            top = r
            break
    if top is None:
        return ("Baris judul kolom FORM RFK (Uraian Kegiatan, Keuangan, Fisik) tidak "
                "ditemukan di 30 baris pertama.")
    last = top
    for r in range(top + 1, min(top + 4, len(norm))):
        if _is_numbering(grid[r]) or not any(norm[r]):
            break
        if any(_text(c) and not _is_number_text(c) for c in grid[r]):
            last = r
    form = RfkForm(sheet=sheet, header_row=top + 1)
    form.title = _title_lines(grid[:top])
    _reporting_date(form, grid[:top])
    width = max(len(row) for row in grid[top:last + 1])
    cols = _columns(grid, norm, top, last, width, form)
    missing = [name for role, name in (("uraian", COL_URAIAN), ("pagu", "Nilai DPA (Rp)"),
                                       ("realisasi", "Realisasi Keuangan (Rp)"),
                                       ("fisik", "Realisasi Fisik KUM (%)"))
               if role not in cols]
    if missing:
        return ("Kolom FORM RFK tidak ditemukan: " + ", ".join(missing) + ". Gunakan susunan "
                "kolom FORM RFK (Nilai DPA, Keuangan: Rencana/Realisasi Rp dan % KUM, Fisik: "
                "Rencana/Realisasi KUM). Yang dimuat adalah FORM RFK satu OPD; rekap RFK "
                "per SKPD tidak dimuat.")
    start = last + 1
    while start < len(grid) and (_is_numbering(grid[start]) or
                                 all(v.is_blank(c) for c in grid[start])):
        start += 1
    _body(form, grid, start, cols, percent)
    return form


def _is_number_text(cell: object) -> bool:
    return isinstance(cell, str) and bool(_NUMBERING.match(cell.strip().lower()))


def _title_lines(rows: list[list]) -> list[str]:
    """The title block as lines: 'SKPD : Dinas …', one per row with text."""
    out = []
    for row in rows:
        cells = list(dict.fromkeys(t for c in row if (t := _cell_text(c))))
        if cells:
            out.append(" ".join(cells))
    return out


def _cell_text(cell: object) -> str | None:
    if v.is_blank(cell):
        return None
    if isinstance(cell, datetime):
        return cell.date().isoformat()
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return " ".join(str(cell).split()) or None


_MONTH_YEAR = re.compile(r"\b([a-z]+)\s+(\d{4})\b")


def _month_of(text: str) -> tuple[int, int] | None:
    """(year, month) of 'Maret 2023' / 'bulan Maret 2023' in a normalised text."""
    for word, year in _MONTH_YEAR.findall(text):
        month = v._MONTHS.get(word) if len(word) >= 3 else None
        if month and (len(word) >= 4 or word == MONTHS[month].lower()):  # 'Mei', 'Sept'
            return int(year), month
    return None


def _reporting_date(form: RfkForm, rows: list[list]) -> None:
    """The reporting date: the 'KONDISI S/D TGL.' row's value (a date cell, '31 Maret
    2023', '31-03-2023'), else the month named in the title block ('BULAN MARET 2023')."""
    for r, row in enumerate(rows):
        cells = [c for c in row if not v.is_blank(c)]
        if not cells or not isinstance(cells[0], str):
            continue
        if _role("label", v.norm_header(cells[0]), start=True) != "tanggal":
            continue
        form.date_row = r + 1
        rest = cells[1:] or [re.sub(r"^[^:]*:", "", cells[0])]
        for cell in rest:
            if isinstance(cell, (date, datetime)):
                when = cell.date() if isinstance(cell, datetime) else cell
                form.reported, form.month = when, (when.year, when.month)
                form.date_text = f"{when:%d-%m-%Y}"
                return
            text = str(cell).strip().lstrip(":").strip()
            if not text:
                continue
            form.date_text = text
            try:
                when = v.parse_date(text)
            except ValueError:
                when = None
            if when is not None:
                form.reported, form.month = when, (when.year, when.month)
                return
            month = _month_of(v.norm_header(text))
            if month:
                form.month = month
                return
    for line in form.title:
        month = _month_of(v.norm_header(line))
        if month:
            form.month = month
            return


def _columns(grid: list[list], norm: list[list[str]], top: int, last: int, width: int,
             form: RfkForm) -> dict[str, int | tuple[int, int]]:
    """The columns read, by role: uraian (first, end), pagu, realisasi (Rp, cumulative),
    fisik (realisation KUM), sumber_dana, kode."""
    def cell(r: int, c: int) -> str:
        return norm[r][c] if c < len(norm[r]) else ""

    # a group or part written once over several columns without a merge: carried right
    # over the columns whose lower header cells are filled
    carried: dict[tuple[int, int], str] = {}
    for r in range(top, last):
        current = ""
        for c in range(width):
            text = cell(r, c)
            below = any(cell(q, c) for q in range(r + 1, last + 1))
            if text:
                current = text
                carried[r, c] = text
            elif below and current and r == top:
                carried[r, c] = current
            else:
                carried[r, c] = ""
                if r > top:
                    current = ""
    cols: dict[str, int | tuple[int, int]] = {}
    for c in range(width):
        group_text = carried.get((top, c), cell(top, c))
        role = _role("column", group_text) if group_text else None
        group = _role("group", group_text, whole=True) or _role("group", group_text, start=True)
        if role == "uraian" and "uraian" not in cols:
            end = c + 1
            while end < width and carried.get((top, end), cell(top, end)) == group_text:
                end += 1
            cols["uraian"] = (c, end)
            form.headers["uraian"] = _cell_text(grid[top][c]) or COL_URAIAN
            continue
        if role in ("sumber_dana", "kode") and role not in cols and not group:
            cols[role] = c
            form.has_source = form.has_source or role == "sumber_dana"
            continue
        if group is None:
            continue
        parts = [carried.get((r, c), cell(r, c)) for r in range(top + 1, last + 1)]
        sub = next((_role("sub", p, start=True) for p in parts if p and p != group_text
                    and _role("sub", p, start=True)), None)
        marker = parts[-1] if parts else ""
        mark = _role("marker", marker, start=True) if marker else None
        raw_marker = str(grid[last][c]) if c < len(grid[last]) else ""
        shown = " ".join(dict.fromkeys(t for r in range(top, last + 1)
                                       if (t := _cell_text(grid[r][c] if c < len(grid[r])
                                                           else None))))
        if group == "pagu" and "pagu" not in cols and "%" not in raw_marker and \
                (mark == "rp" or not marker or marker == group_text):
            cols["pagu"] = c
            form.headers["pagu"] = shown
        elif group == "keuangan" and sub == "realisasi" and mark == "rp" and \
                "realisasi" not in cols:
            cols["realisasi"] = c
            form.headers["realisasi"] = shown
        elif group == "fisik" and sub == "realisasi" and mark in ("kum", None) and \
                "fisik" not in cols and (mark == "kum" or last == top + 1):
            cols["fisik"] = c
            form.headers["fisik"] = shown
    return cols


def _body(form: RfkForm, grid: list[list], start: int, cols: dict,
          percent: set[tuple[int, int]] | frozenset) -> None:
    first, end = cols["uraian"]
    for r, row in enumerate(grid[:form.header_row - 1]):
        cells = [t for c in row if (t := _cell_text(c))]
        label, colon, said = cells[0].partition(":") if cells else ("", "", "")
        if not cells or _role("label", v.norm_header(label), whole=True) != "program":
            continue
        text = (said if colon else " ".join(cells[1:])).lstrip(" :").strip()
        if text.strip(" .:"):  # 'PROGRAM : ........' of a blank form names none
            form.rows.append(RfkRow(row=r + 1, uraian=text, from_title=True))
        break

    def at(row: list, c: int | None) -> object:
        return row[c] if c is not None and c < len(row) else None

    for r in range(start, len(grid)):
        row = grid[r]
        texts = [t for c in range(0, end) if (t := _text(at(row, c)))]
        label = v.norm_header(texts[0]) if texts else ""
        if label and _role("row", label, start=True) == "footer":
            break
        if label and _role("row", label, start=True) == "skip":
            continue
        uraian = next((t for c in range(first, end) if (t := _text(at(row, c)))), None)
        item = RfkRow(row=r + 1, uraian=uraian, pagu=at(row, cols["pagu"]),
                      realisasi=at(row, cols["realisasi"]),
                      sumber_dana=at(row, cols.get("sumber_dana")))
        fisik_col = cols["fisik"]
        raw = at(row, fisik_col)
        item.fisik = (raw * 100 if (r, fisik_col) in percent and isinstance(raw, int | float)
                      else raw)
        if uraian is None and all(_zero(x) for x in (item.pagu, item.realisasi, item.fisik)):
            continue
        form.rows.append(item)


def _zero(value: object) -> bool:
    """Blank, or a number 0 (a formula row of an unfilled template)."""
    return v.is_blank(value) or (isinstance(value, int | float) and value == 0)


# ---------------------------------------------------------------- resolving against the database


def target_of(con: duckdb.DuckDBPyConnection, form: RfkForm, expect: Expect,
              state_of: object) -> tuple[Target, object]:
    """Region, OPD, year and TW of an RFK (from the uploader, the account, the title block
    and its reporting date), and the region's masterplan state (None when not loaded)."""
    t = Target()
    state = region_target(con, form, expect, state_of, t)
    t.year, t.tw = form.year(), form.tw()
    if expect.year and t.year and t.year != expect.year:
        t.problems.append(("Tahun", t.year, f"RFK ini untuk {form.period()}, padahal yang "
                           f"diunggah untuk tahun {expect.year}."))
    if expect.tw and t.tw and t.tw != expect.tw:
        t.problems.append(("Triwulan", TW_NAMES[t.tw], f"RFK {form.period()} adalah RFK "
                           f"{TW_NAMES[t.tw]}, padahal yang diunggah untuk "
                           f"{TW_NAMES[expect.tw]}."))
    opd_target(con, form, expect, state, t)
    return t, state


def resolve_texts(form: RfkForm, state: object, opd: str | None,
                  mapped: dict[tuple[str, str], mapping.Mapped]) -> Resolution:
    """Which rows are program rows and which code each means, which texts are still to map
    (as the E.81's, programs only); ``Resolution.programs`` holds each program row with its
    code ('-': not part of the masterplan)."""
    from rapidfuzz import fuzz, process, utils
    res = Resolution(opd=opd)
    programs = getattr(state, "programs", None)
    own: dict[str, str] = {}
    if programs is not None and len(programs):
        lead = programs["lead_opd_code"]
        own = {code: name for code, name in programs["name"].items()
               if opd is None or lead[code] == opd}
    keys: dict[str, list[str]] = {}
    for code, name in own.items():
        keys.setdefault(mapping.text_key(name), []).append(code)
    names = list(own.values())
    asked: set[str] = set()
    for item in form.rows:
        if item.uraian is None:
            continue
        key = mapping.text_key(item.uraian)
        hit = mapped.get(("program", key))
        if hit is None and key.startswith("program ") and key[8:] in keys:
            key = key[8:]  # 'Program Satu Data Tuban' is the OPD's program 'Satu Data Tuban'
        if not (hit is not None or len(keys.get(key, ())) == 1 or key.startswith("program ")
                or item.from_title or (names and process.extractOne(
                    item.uraian, names, scorer=fuzz.WRatio, processor=utils.default_process,
                    score_cutoff=FUZZY_PROGRAM) is not None)):
            continue
        if hit is not None:
            res.used.add(hit.mapping_id)
            res.programs.append((item, hit.code))  # type: ignore[arg-type]
        elif len(keys.get(key, ())) == 1:
            res.programs.append((item, keys[key][0]))  # type: ignore[arg-type]
        else:
            res.programs.append((item, ""))  # type: ignore[arg-type]
            if key not in asked:
                asked.add(key)
                res.unmapped.append(Text("program", item.uraian, item.row))
    return res


@dataclass
class Figures:
    """A program's figures: pagu and cumulative realisation (rupiah), fisik (%)."""

    pagu: float | None = None
    realisasi: float | None = None
    fisik: float | None = None
    source: str | None = None
    rows: int = 0                              # rows summed (0: the program row's own)
    row: int = 0                               # the program row (1-based)

    def empty(self) -> bool:
        """No figure, or only zeros (an unfilled template)."""
        return all(x is None or x == 0 for x in (self.pagu, self.realisasi, self.fisik))


def resolve(con: duckdb.DuckDBPyConnection, book: ParsedWorkbook, expect: Expect,
            state_of: object) -> None:
    """Turn an RFK book into a report of budget and fisik (``kind = 'laporan'`` tables, basis
    s.d. TW) or record why not, in one list: region, reporting date (a month that does not
    end a quarter is refused), masterplan, OPD, unmapped program texts, figures."""
    form = book.form
    if not isinstance(form, RfkForm):
        return
    sheet = form.sheet
    t, state = target_of(con, form, expect, state_of)
    for column, value, message in t.problems:
        book.issue(sheet, None, column, "salah_opd_periode", value, message)
    if t.region is None:
        book.issue(sheet, None, "Wilayah", "wajib", None, "Wilayah RFK ini tidak dapat "
                   "ditentukan: baris SKPD dan judulnya tidak menyebut kabupaten/kota yang "
                   "dikenal. Pilih wilayah saat mengunggah (python -m etl load BERKAS "
                   "--wilayah KODE).")
    _check_month(book, form)
    if t.region is None:
        return
    if state is None:
        where = f"{t.region_name} ({t.region})" if t.region_name else t.region
        book.issue(sheet, None, "Wilayah", "masterplan_belum_ada", where,
                   f"Masterplan wilayah {where} belum dimuat, jadi program RFK ini belum dapat "
                   "dicocokkan dengan kode masterplan. Muat masterplan wilayah itu terlebih "
                   "dahulu.")
        return
    if t.opd is None:
        book.issue(sheet, None, "OPD", "wajib", None, "OPD RFK ini tidak dapat ditentukan "
                   "dari baris SKPD-nya. Pilih OPD saat mengunggah (di halaman Unggah Data, "
                   "atau python -m etl load BERKAS --opd KODE).")
        return
    res = resolve_texts(form, state, t.opd,
                        mapping.for_load(con, t.region, expect.mapping_ids))
    for text in res.unmapped[:MAX_NAMED]:
        book.issue(sheet, text.row or form.header_row, form.headers.get("uraian", COL_URAIAN),
                   "belum_dipetakan", text.text,
                   f"Program '{text.text}' belum dipetakan ke kode masterplan wilayah "
                   f"{t.region}. {MAP_HINT}")
    if len(res.unmapped) > MAX_NAMED:
        book.issue(sheet, None, form.headers.get("uraian", COL_URAIAN), "belum_dipetakan", None,
                   f"… dan {len(res.unmapped) - MAX_NAMED} program lain belum dipetakan. "
                   "Periksa apakah file ini memang FORM RFK OPD yang dipilih.")
    figures = _figures(book, form, res)  # its cells checked in the same pass
    if book.issues:
        return
    if not figures:
        book.issue(sheet, None, None, "kosong", None, f"RFK {form.period()} ini tidak berisi "
                   "angka anggaran maupun fisik untuk program masterplan (semua kosong atau "
                   "0). Tidak ada data yang diubah.")
        return
    book.mapping_used = sorted(res.used)
    _as_report(book, form, figures, t)
    _against_loaded(con, book, form, figures, t)


def _check_month(book: ParsedWorkbook, form: RfkForm) -> None:
    """The reporting date must be found and end a quarter."""
    column = COL_DATE
    if form.month is None:
        shown = f" ('{form.date_text}')" if form.date_text else ""
        book.issue(form.sheet, form.date_row, column, "tanggal", form.date_text,
                   f"Tanggal kondisi RFK{shown} tidak terbaca. Isi baris 'KONDISI S/D TGL.' "
                   "dengan tanggal akhir bulan laporan, misalnya 31 Maret 2023.")
        return
    if form.tw() is None:
        book.issue(form.sheet, form.date_row, column, "bukan_akhir_triwulan",
                   form.date_text or form.period(),
                   f"RFK bulan {form.period()} bukan akhir triwulan; yang dimuat hanya RFK "
                   "Maret, Juni, September dan Desember. Tidak ada data yang diubah.")
        return
    year, month = form.month
    if form.reported is not None and form.reported.day != calendar.monthrange(year, month)[1]:
        book.notes.append(f"Kondisi RFK s/d {form.reported:%d-%m-%Y}, belum akhir bulan; "
                          f"dimuat sebagai {TW_NAMES[form.tw() or 1]} {year}.")


def _number(book: ParsedWorkbook, sheet: str, row: int, column: str, raw: object,
            ) -> float | None:
    if v.is_blank(raw):
        return None
    try:
        return v.parse_number(raw)
    except ValueError as exc:
        book.issue(sheet, row, column, "format", raw, f"Nilai '{raw}' tidak valid: {exc}.")
        return None


def _figures(book: ParsedWorkbook, form: RfkForm, res: Resolution) -> dict[str, Figures]:
    """Each masterplan program's figures: its row's own, or the sum of the rows under it
    (kegiatan rows holding the sum of their sub-kegiatan rows); a row whose own figures
    disagree with the rows under it refuses the file."""
    sheet, heads = form.sheet, form.headers
    code_of = {id(item): code for item, code in res.programs}
    groups: list[tuple[RfkRow, str, list[RfkRow]]] = []
    for item in form.rows:
        if id(item) in code_of:
            groups.append((item, code_of[id(item)], []))
        elif groups:
            groups[-1][2].append(item)
        elif not all(_zero(x) for x in (item.pagu, item.realisasi, item.fisik)):
            book.issue(sheet, item.row, heads.get("uraian", COL_URAIAN), "tanpa_program",
                       item.uraian, f"Baris '{item.uraian or ''}' berisi angka tetapi tidak "
                       "berada di bawah baris Program mana pun. Tambahkan baris program di "
                       "atasnya (atau isi 'PROGRAM :' di judul).")
    out: dict[str, Figures] = {}
    for head, code, under in groups:
        if code == mapping.SKIP:  # not part of the masterplan: its rows are not read
            continue
        own = _row_figures(book, sheet, heads, head)
        kegiatan: list[tuple[RfkRow, Figures, list[Figures]]] = []
        loose: list[Figures] = []
        for item in under:
            fig = _row_figures(book, sheet, heads, item)
            if (v.norm_header(item.uraian or '') + ' ').startswith('kegiatan '):
                kegiatan.append((item, fig, []))
            elif kegiatan:
                kegiatan[-1][2].append(fig)     # a sub-kegiatan of the kegiatan above
            else:
                loose.append(fig)
        parts = [_settled(book, sheet, heads, item, fig, children)
                 for item, fig, children in kegiatan] + loose
        total = _sum(parts)
        if not own.empty() and not total.empty():
            _agree(book, sheet, heads, head, own, total)
        fig = own if not own.empty() else total
        if not code:  # still to map: its cells are checked, nothing is kept
            continue
        if not v.is_blank(head.sumber_dana):
            fig.source = _source(book, sheet, head)
        if fig.empty():
            continue
        fig.row = head.row
        fig.rows = 0 if fig is own else fig.rows
        if code in out:  # two rows of the form mapped to one masterplan program
            fig = _sum([out[code], fig])
            fig.row, fig.source = out[code].row, out[code].source
        out[code] = fig
    return out


def _row_figures(book: ParsedWorkbook, sheet: str, heads: dict[str, str],
                 item: RfkRow) -> Figures:
    fig = Figures(_number(book, sheet, item.row, heads.get("pagu", "Nilai DPA"), item.pagu),
                  _number(book, sheet, item.row, heads.get("realisasi", "Realisasi Rp"),
                          item.realisasi),
                  _number(book, sheet, item.row, heads.get("fisik", "Fisik"), item.fisik))
    for name, value in (("pagu", fig.pagu), ("realisasi", fig.realisasi)):
        if value is not None and value < 0:
            book.issue(sheet, item.row, heads.get(name), "negatif", value,
                       "Nilai rupiah tidak boleh negatif.")
    if fig.fisik is not None and not 0 <= fig.fisik <= 100:
        book.issue(sheet, item.row, heads.get("fisik"), "fisik_0_100", fig.fisik,
                   f"Realisasi fisik {fig.fisik:g}% tidak mungkin; isi antara 0 dan 100.")
    return fig


def _settled(book: ParsedWorkbook, sheet: str, heads: dict[str, str], item: RfkRow,
             fig: Figures, children: list[Figures]) -> Figures:
    """A kegiatan row's figures: its own (checked against its sub-kegiatan rows) or their
    sum."""
    total = _sum(children)
    if fig.empty():
        return total
    if not total.empty():
        _agree(book, sheet, heads, item, fig, total)
    return fig


def _sum(parts: list[Figures]) -> Figures:
    """Rupiah added; fisik weighted by pagu (the RFK's own weighting)."""
    parts = [p for p in parts if not p.empty()]
    if not parts:
        return Figures()
    pagu = sum(p.pagu or 0 for p in parts) if any(p.pagu is not None for p in parts) else None
    real = (sum(p.realisasi or 0 for p in parts)
            if any(p.realisasi is not None for p in parts) else None)
    weighted = [(p.fisik, p.pagu) for p in parts if p.fisik is not None and p.pagu]
    fisik = (round(sum(f * w for f, w in weighted) / sum(w for _, w in weighted), 6)
             if weighted else None)
    return Figures(pagu, real, fisik, rows=len(parts))


def _agree(book: ParsedWorkbook, sheet: str, heads: dict[str, str], item: RfkRow,
           own: Figures, total: Figures) -> None:
    """A row with its own figures and rows under it: the rupiah must be their sum."""
    for name, mine, theirs in (("pagu", own.pagu, total.pagu),
                               ("realisasi", own.realisasi, total.realisasi)):
        if mine is not None and theirs is not None and abs(mine - theirs) > TOLERANCE:
            book.issue(sheet, item.row, heads.get(name), "jumlah_tidak_cocok", mine,
                       f"{heads.get(name, name)} baris '{item.uraian}' "
                       f"({v_rupiah(mine)}) tidak sama dengan jumlah baris di bawahnya "
                       f"({v_rupiah(theirs)}). Samakan angkanya agar tidak terhitung ganda "
                       "atau salah.")


def v_rupiah(value: float) -> str:
    """'Rp 1.500.000' as people read it."""
    return "Rp " + f"{value:,.0f}".replace(",", ".")


def _source(book: ParsedWorkbook, sheet: str, item: RfkRow) -> str | None:
    try:
        return vocab.parse_source(item.sumber_dana)
    except ValueError as exc:
        book.issue(sheet, item.row, "Sumber Dana", "format", item.sumber_dana,
                   f"Nilai '{item.sumber_dana}' tidak valid: {exc}.")
        return None


def _as_report(book: ParsedWorkbook, form: RfkForm, figures: dict[str, Figures],
               t: Target) -> None:
    """Fill the book's Info and tables as a report of TW ``t.tw`` on basis s.d. TW."""
    sheet = form.sheet
    anggaran = Table(sheet=spec_sheet("laporan", "anggaran"), name=sheet,
                     header_row=form.header_row,
                     headers={"kode_program": form.headers.get("uraian", COL_URAIAN),
                              "pagu": form.headers.get("pagu", "Nilai DPA (Rp)"),
                              "realisasi_rp": form.headers.get("realisasi", "Realisasi (Rp)"),
                              "sumber_dana": "Sumber Dana"})
    fisik = Table(sheet=spec_sheet("laporan", "fisik"), name=sheet, header_row=form.header_row,
                  headers={"kode_program": form.headers.get("uraian", COL_URAIAN),
                           "fisik": form.headers.get("fisik", "Realisasi Fisik KUM (%)")})
    defaulted = False
    for code, fig in figures.items():
        row = fig.row or form.header_row
        if fig.pagu is not None or fig.realisasi is not None:
            if fig.pagu is None:
                book.issue(sheet, row, anggaran.header("pagu"), "wajib", None,
                           f"Nilai DPA program {code} kosong, padahal realisasinya diisi. "
                           "Isi Nilai DPA (Rp).")
            defaulted = defaulted or fig.source is None
            anggaran.rows.append(row)
            for name, value in (("kode_program", code),
                                ("sumber_dana", fig.source or DEFAULT_SOURCE),
                                ("pagu", fig.pagu), ("realisasi_rp", fig.realisasi),
                                ("lebih_pagu", False)):
                anggaran.columns.setdefault(name, []).append(value)
        if fig.fisik is not None:
            fisik.rows.append(row)
            for name, value in (("kode_program", code), ("fisik", fig.fisik),
                                ("kendala", None), ("tindak_lanjut", None)):
                fisik.columns.setdefault(name, []).append(value)
    if defaulted:
        book.notes.append(f"RFK tidak menyebut sumber dana; anggaran program dicatat "
                          f"bersumber {DEFAULT_SOURCE} (DPA adalah dokumen APBD).")
    summed = [c for c, f in figures.items() if f.rows]
    if summed:
        book.notes.append("Anggaran dan fisik program " + ", ".join(summed) + " dijumlahkan "
                          "dari baris kegiatan/sub kegiatan di bawahnya (fisik ditimbang "
                          "dengan Nilai DPA).")
    book.kind = "laporan"
    book.info = {"kode_wilayah": t.region, "kode_opd": t.opd, "tahun": t.year,
                 "triwulan": t.tw, "jenis_nilai": "sdtw"}
    book.info_rows = {}
    book.tables = {"anggaran": anggaran, "fisik": fisik}
    for table in book.tables.values():
        for f in table.sheet.columns:
            table.get(f.field)


def _against_loaded(con: duckdb.DuckDBPyConnection, book: ParsedWorkbook, form: RfkForm,
                    figures: dict[str, Figures], t: Target) -> None:
    """Say what the RFK replaces among the active reports of its TW (latest upload wins per
    program, source and TW), and refuse a program the report of that TW funds from other
    sources: the two would be added up."""
    codes = sorted(figures)
    rows = con.execute(
        f"""SELECT l.kind, b.program_code, string_agg(DISTINCT b.funding_source, ', '
                   ORDER BY b.funding_source), min(l.load_id)
            FROM budget b JOIN load l USING (load_id)
            WHERE l.region_code = ? AND l.opd_code = ? AND b.year = ? AND b.tw = ?
              AND l.kind <> 'rfk' AND l.load_id IN ({ACTIVE_LOAD_IDS})
              AND b.program_code IN (SELECT unnest(?))
            GROUP BY ALL""", [t.region, t.opd, t.year, t.tw, codes]).fetchall()
    progress = con.execute(
        f"""SELECT min(l.load_id) FROM program_progress p JOIN load l USING (load_id)
            WHERE l.region_code = ? AND l.opd_code = ? AND p.year = ? AND p.tw = ?
              AND l.kind <> 'rfk' AND l.load_id IN ({ACTIVE_LOAD_IDS})
              AND p.fisik_pct IS NOT NULL AND p.program_code IN (SELECT unnest(?))""",
        [t.region, t.opd, t.year, t.tw, codes]).fetchone()
    replaced = sorted({r[3] for r in rows} | ({progress[0]} if progress and progress[0]
                                              else set()))
    tw = TW_NAMES[t.tw or 1]
    for _kind, code, sources, load_id in rows:
        mine = figures[code].source or DEFAULT_SOURCE
        if sources != mine:
            book.issue(form.sheet, form.header_row, "Sumber Dana", "sumber_berbeda", mine,
                       f"Anggaran program {code} {tw} sudah dimuat dengan sumber dana "
                       f"{sources} (muatan #{load_id}), sedangkan RFK ini mencatat {mine}: "
                       "keduanya akan terjumlah dua kali. Tambahkan kolom 'Sumber Dana' di RFK "
                       "dengan sumber yang sama, atau perbaiki laporan triwulannya.")
    if replaced and not book.issues:
        book.notes.append(f"Anggaran dan fisik {tw} dari RFK {form.period()} menggantikan yang "
                          "dari laporan triwulan yang diunggah sebelumnya (muatan #"
                          + ", #".join(map(str, replaced)) + "); kinerja laporan itu tetap "
                          "berlaku.")


def against_rfk(con: duckdb.DuckDBPyConnection, book: ParsedWorkbook, ident: object,
                frames: dict[str, object]) -> None:
    """For a quarterly report: say which budget and fisik of the OPD's active RFK of the same
    TW it replaces (latest upload wins), and refuse a program the RFK funds from other
    sources (the two would be added up). Nothing when no RFK of that TW is active."""
    region, opd, year, tw = (getattr(ident, k) for k in ("region", "opd", "year", "tw"))
    ids = [i for (i,) in con.execute(  # the load table only: cheap for every report
        f"""SELECT load_id FROM load WHERE kind = 'rfk' AND region_code = ? AND opd_code = ?
              AND year = ? AND tw = ? AND load_id IN ({ACTIVE_LOAD_IDS})""",
        [region, opd, year, tw]).fetchall()]
    if not ids:
        return
    loaded = con.execute(
        """SELECT program_code, string_agg(DISTINCT funding_source, ', '
                  ORDER BY funding_source), min(load_id)
           FROM budget WHERE load_id IN (SELECT unnest(?)) GROUP BY ALL""", [ids]).fetchall()
    progress = {code for (code,) in con.execute(
        "SELECT program_code FROM program_progress WHERE load_id IN (SELECT unnest(?)) "
        "AND fisik_pct IS NOT NULL", [ids]).fetchall()}
    if not loaded and not progress:
        return
    mine: dict[str, set[str]] = {}
    budget = frames.get("budget")
    if budget is not None:
        for code, source in zip(budget.column("program_code"),  # type: ignore[attr-defined]
                                budget.column("funding_source"), strict=True):
            mine.setdefault(code, set()).add(source)
    fisik = frames.get("program_progress")
    with_fisik = ({c for c, f in zip(fisik.column("program_code"),  # type: ignore[attr-defined]
                                     fisik.column("fisik_pct"), strict=True) if f is not None}
                  if fisik is not None else set())
    twn, month = TW_NAMES[tw], MONTHS[tw * 3]
    for code, sources, load_id in loaded:
        if code in mine and ", ".join(sorted(mine[code])) != sources:
            book.issue(None, None, "Sumber Dana", "sumber_berbeda", code,
                       f"Anggaran program {code} {twn} sudah dimuat dari RFK {month} {year} "
                       f"dengan sumber dana {sources} (muatan #{load_id}), sedangkan laporan ini "
                       f"mencatat {', '.join(sorted(mine[code]))}: keduanya akan terjumlah dua "
                       "kali. Samakan sumber dananya.")
    replaced = sorted({c for c, _, _ in loaded if c in mine} | (progress & with_fisik))
    if replaced:
        book.notes.append(f"Anggaran dan fisik {twn} program {', '.join(replaced)} dari "
                          f"laporan ini menggantikan yang dari RFK {month} {year} yang diunggah "
                          "sebelumnya.")
