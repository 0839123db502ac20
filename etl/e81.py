"""The E.81 form (Permendagri 86/2017, Evaluasi Hasil Renja) read as a quarterly report.

The layout is data (``etl/profiles/e81.csv``): the phrases that name each column, each column
group (target, realisation per TW, the groups read by no one) and the rows to skip or to read
as faktor penghambat / tindak lanjut. A workbook that ``etl.lookalike`` recognises as an E.81
is read in two steps:

1. ``read_into`` (no database): the E.81 sheet's grid is parsed in a sandbox worker like every
   upload, then laid out here from Python values: title block, the two or three merged header
   rows, the code split over several columns, K and Rp per TW (``Rp. (000)`` = thousands), the
   numbering row (``12 = 8+9+10+11``), rata-rata and predikat rows skipped, the footer.
2. ``resolve`` (with the database, inside the load's checks): region, OPD, year and TW, the
   texts mapped to masterplan codes (``monev.store.mapping``: a text mapped once is never asked
   again; an OPD's own program or indicator written with other case, spacing or punctuation
   needs no mapping), the K cells with their unit typed in, then the book becomes a quarterly
   report (``kind = 'laporan'``) whose tables the template's own checks and loader take.

The TW read is the uploader's (``--tw``) or else the last TW with any value. The earlier TW
columns of the file (a TW III form holds TW I–III) are *checked against what is loaded*, never
loaded: a value that differs from the active report of that TW refuses the file (the clerk
corrects one or the other), a TW not loaded yet is named in a note.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import duckdb

from etl import forms, vocab
from etl import values as v
from etl.percent import is_percent_unit
from etl.spec import sheet as spec_sheet
from etl.validate import TW_NAMES, Expect
from etl.workbook import ParsedWorkbook, Table, _fill_merged, header_unit
from monev.store import mapping
from monev.store.lineage import ACTIVE_LOAD_IDS

KIND = "e81"
HEADER_SCAN_ROWS = 30
DEFAULT_SOURCE = "APBD"  # a Renja evaluates the APBD: the source when the form names none
MAX_NAMED = 100          # unmapped texts named one by one in a refusal (the rest counted)
FUZZY_PROGRAM = 90       # a row's text this close to an OPD program's name is a program row
MAP_HINT = ("Petakan sekali di halaman Unggah Data (tabel 'Pemetaan nama'), atau dengan "
            "python -m etl pemetaan usul BERKAS --opd KODE -o peta.csv, isi kolom kode, lalu "
            "python -m etl pemetaan simpan peta.csv.")
LABELS = {"program": "Program", "indikator": "Indikator"}


def profile() -> forms.Profile:
    """The E81 layout as data (``forms.profile``)."""
    return forms.profile("e81")


def _role(part: str, text: str, *, start: bool = False) -> str | None:
    """``forms.role`` in the E.81 profile."""
    return forms.role("e81", part, text, start=start)


@dataclass
class E81Row:
    """One body row: its texts and raw K/Rp cells (Rp already in rupiah)."""

    row: int                                  # 1-based
    code: str = ""
    uraian: str | None = None
    indikator: str | None = None
    satuan: str | None = None
    target_k: object = None
    pagu: object = None                       # raw cell; scaled when parsed
    tw: dict[int, tuple[object, object]] = field(default_factory=dict)  # raw (K, Rp)
    sumber_dana: object = None
    keterangan: str | None = None
    opd: str | None = None


@dataclass
class E81Form:
    """An E.81 sheet laid out: title lines, columns, rows and footer."""

    sheet: str
    title: list[str] = field(default_factory=list)
    header_row: int = 0
    rows: list[E81Row] = field(default_factory=list)
    rp_scale: dict[str, float] = field(default_factory=dict)   # 'pagu' / 'tw1'.. -> factor
    tws: tuple[int, ...] = ()                 # the TW columns the form has
    has_unit_column: bool = False
    penghambat: str | None = None
    pendorong: str | None = None
    tindak_lanjut: str | None = None

    def year(self) -> int | None:
        """The year the title block names ('Tahun 2018', 'Tahun Anggaran 2026')."""
        for line in self.title:
            m = re.search(r"\btahun (?:anggaran )?(\d{4})\b", v.norm_header(line))
            if m:
                return int(m.group(1))
        return None

    def filled_tws(self) -> list[int]:
        """The TWs with any K or Rp value."""
        return sorted({t for r in self.rows for t, (k, rp) in r.tw.items()
                       if not (v.is_blank(k) and v.is_blank(rp))})


def recognised(names: list[str], peek: list[tuple[str, list[list[str]]]]) -> str | None:
    """The sheet of an E.81 form among the peeked sheets (its first rows name the E.81 title
    or its headers), or None."""
    from etl.lookalike import LOOKALIKES, _words
    phrases = next(form.phrases for form in LOOKALIKES if "E.81" in form.name)
    for name, rows in peek:
        text = _words(name + " | " + " | ".join(" ".join(cells) for cells in rows))
        if any(f" {p} " in text for p in phrases) and " indikator " in text:
            return name
    return None


def read_into(book: ParsedWorkbook, data: bytes, sheet: str) -> None:
    """Read the E.81 sheet (parsed in a sandbox worker) into ``book.form``; the book's kind
    becomes 'e81' (``resolve`` makes it a quarterly report once the database is at hand)."""
    forms.read_sheet(book, data, sheet, KIND, layout, "e81_tata_letak")


def _text(cell: object) -> str | None:
    if v.is_blank(cell):
        return None
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    text = " ".join(str(cell).split())
    return text or None


def layout(sheet: str, grid: list[list], merged: list,
           percent: set[tuple[int, int]] | frozenset = frozenset()) -> E81Form | str:
    """Lay an E.81 grid out; a text saying what is missing when it cannot be."""
    if merged:
        _fill_merged(grid, merged)
    norm = [[v.norm_header(c) if isinstance(c, str) else "" for c in row]
            for row in grid[:HEADER_SCAN_ROWS + 4]]
    top = None
    for r, row in enumerate(norm[:HEADER_SCAN_ROWS]):
        roles = {_role("column", c) for c in row if c}
        if "indikator" in roles and roles & {"uraian", "kode"}:
            top = r
            break
    if top is None:
        return ("Baris judul kolom formulir E.81 (Kode, Program/Kegiatan, Indikator Kinerja) "
                "tidak ditemukan di 30 baris pertama.")
    krow = next((r for r in range(top, min(top + 5, len(norm)))
                 if sum(c == "k" for c in norm[r]) >= 2
                 and any(c.startswith("rp") for c in norm[r])), None)
    if krow is None:
        return ("Baris K / Rp di bawah judul kolom formulir E.81 tidak ditemukan: setiap "
                "triwulan perlu sepasang kolom K (kinerja) dan Rp (anggaran).")
    form = E81Form(sheet=sheet, header_row=top + 1)
    form.title = [t for row in grid[:top] if (t := next((_text(c) for c in row
                                                         if not v.is_blank(c)), None))]
    width = max(len(row) for row in grid[top:krow + 1])
    heads: list[str] = []
    for c in range(width):
        head = " ".join(norm[r][c] for r in range(top, krow) if c < len(norm[r]) and
                        norm[r][c] and not (r > top and norm[r][c] in norm[top][c]))
        marker = norm[krow][c] if c < len(norm[krow]) else ""
        blank_top = not norm[top][c] if c < len(norm[top]) else True
        if blank_top and marker and heads and c > 0:
            head = heads[-1] if not head else f"{heads[-1]} {head}"
        heads.append(head)
    tw_of = _tw_columns(norm, top, krow, width)
    cols: dict[str, int] = {}
    tw_cols: dict[int, dict[str, int]] = {}
    kinds: list[str] = []
    for c in range(width):
        marker = norm[krow][c] if c < len(norm[krow]) else ""
        kind = "k" if marker == "k" else "rp" if marker.startswith("rp") else ""
        kinds.append(kind)
        head = heads[c]
        if not kind:
            role = _role("column", norm[top][c]) if c < len(norm[top]) and norm[top][c] \
                else None
            if role and role not in cols:
                cols[role] = c
            continue
        group = _role("group", head)
        scale = 1000.0 if kind == "rp" and (header_unit(str(grid[krow][c])) == "Rp ribuan"
                                            or header_unit(head) == "Rp ribuan") else 1.0
        if group == "target":
            if f"target_{kind}" not in cols:
                cols[f"target_{kind}"] = c
                if kind == "rp":
                    form.rp_scale["pagu"] = scale
        elif group == "tw":
            tw = tw_of[c]
            if tw is not None and kind not in tw_cols.setdefault(tw, {}):
                tw_cols[tw][kind] = c
                if kind == "rp":
                    form.rp_scale[f"tw{tw}"] = scale
        if kind == "k" and c > 0 and kinds[c - 1] == "k" and "satuan" not in cols:
            cols["satuan"] = c  # 'K' merged over two columns: the second holds the unit
            form.has_unit_column = True
    missing = [name for name, ok in (("Indikator Kinerja", "indikator" in cols),
                                     ("Program/Kegiatan", "uraian" in cols),
                                     ("Realisasi Kinerja pada Triwulan", bool(tw_cols)))
               if not ok]
    if missing:
        return ("Kolom formulir E.81 tidak ditemukan: " + ", ".join(missing) + ". Gunakan "
                "susunan kolom formulir E.81 Permendagri 86/2017.")
    form.has_unit_column = form.has_unit_column or "satuan" in cols
    form.tws = tuple(sorted(tw_cols))
    first_code = cols.get("kode")
    code_cols = ([c for c in range(first_code, cols["uraian"]) if c != cols.get("no")]
                 if first_code is not None and first_code < cols["uraian"] else [])
    _body(form, grid, krow + 1, cols, code_cols, tw_cols, percent)
    return form


def _tw_columns(norm: list[list[str]], top: int, krow: int, width: int) -> list[int | None]:
    """The TW each column is under: the nearest TW cell ('I', 'TW II', 'Triwulan 3') above
    it in the header rows, or to its left in that row (a header merged but not marked as
    merged). One pass per header row."""
    out: list[int | None] = [None] * width
    for r in range(krow - 1, top - 1, -1):
        row = norm[r]
        current: int | None = None
        for c in range(width):
            cell = row[c] if c < len(row) else ""
            if cell:
                try:
                    current = v.parse_tw(cell)
                except ValueError:
                    current = None
            if out[c] is None and current is not None:
                out[c] = current
    return out


_NUMBERING = re.compile(r"^\(?\d+\)?(\s*=.*)?$")


def _is_numbering(row: list) -> bool:
    filled = [c for c in row if not v.is_blank(c)]
    return bool(filled) and all(isinstance(c, (int, float)) or _NUMBERING.match(str(c).strip())
                                for c in filled)


def _after_colon(text: str) -> str | None:
    rest = text.split(":", 1)[1] if ":" in text else ""
    rest = " ".join(rest.split()).strip(" .-")
    return rest or None


def _body(form: E81Form, grid: list[list], start: int, cols: dict[str, int],
          code_cols: list[int], tw_cols: dict[int, dict[str, int]],
          percent: set[tuple[int, int]] | frozenset) -> None:
    def cell(row: list, name: str) -> object:
        c = cols.get(name)
        return row[c] if c is not None and c < len(row) else None

    data_seen = footer = False
    for r in range(start, len(grid)):
        row = grid[r]
        first = next(((c, x) for c, x in enumerate(row) if not v.is_blank(x)), None)
        if first is None:
            continue
        if not data_seen and _is_numbering(row):
            continue
        label = v.norm_header(first[1]) if isinstance(first[1], str) else ""
        part = _role("row", label, start=True) if label else None
        if part in ("pendorong", "penghambat", "tindak_lanjut"):
            footer = True
            texts = list(dict.fromkeys(_text(x) for x in row[first[0]:] if not v.is_blank(x)))
            said = _after_colon(texts[0] or "") or (texts[1] if len(texts) > 1 else None)
            if said:
                old = getattr(form, part)
                setattr(form, part, f"{old}; {said}" if old else said)
            continue
        if footer:
            continue
        if part == "skip" and first[0] < cols["uraian"]:
            continue
        uraian, indikator = _text(cell(row, "uraian")), _text(cell(row, "indikator"))
        if uraian is None and indikator is None:
            continue
        data_seen = True
        item = E81Row(row=r + 1, uraian=uraian, indikator=indikator,
                      code=".".join(t for c in code_cols if (t := _text(row[c])) is not None),
                      satuan=_text(cell(row, "satuan")), target_k=cell(row, "target_k"),
                      pagu=cell(row, "target_rp"), sumber_dana=cell(row, "sumber_dana"),
                      keterangan=_text(cell(row, "keterangan")), opd=_text(cell(row, "opd")))
        for tw, pair in tw_cols.items():
            item.tw[tw] = tuple(  # type: ignore[assignment]
                (Percent(row[pair[k]]) if (r, pair[k]) in percent
                 and isinstance(row[pair[k]], int | float) else row[pair[k]])
                if k in pair and pair[k] < len(row) else None for k in ("k", "rp"))
        form.rows.append(item)


# ---------------------------------------------------------------- resolving against the database


@dataclass
class Text:
    """A text of the form that maps to a masterplan code."""

    kind: str                 # program | indikator
    text: str
    row: int
    program_text: str | None = None   # an indicator's program row text
    unit: str | None = None


@dataclass
class Resolution:
    """How an E.81 form's texts resolve: the rows read, the texts still to map."""

    region: str | None = None
    opd: str | None = None
    programs: list[tuple[E81Row, str]] = field(default_factory=list)      # row, code
    indicators: list[tuple[E81Row, str, str]] = field(default_factory=list)  # row, code, prog
    unmapped: list[Text] = field(default_factory=list)
    used: set[int] = field(default_factory=set)                          # mapping ids


def region_of(con: duckdb.DuckDBPyConnection, form: E81Form) -> tuple[str, str] | None:
    """The kabupaten/kota the title block names (code, name), or None."""
    names = {v.norm_header(n): (c, n) for c, n in con.execute(
        "SELECT code, name FROM ref_regency").fetchall()}
    for line in form.title:
        text = f" {v.norm_header(line)} "
        hits = [hit for key, hit in names.items() if f" {key} " in text]
        if hits:
            return max(hits, key=lambda h: len(h[1]))
    return None


def _opd_of(form: E81Form, opds: dict[str, str], abbreviations: dict[str, str]) -> str | None:
    """The OPD the title block or the 'Perangkat Daerah Penanggung Jawab' column names."""
    keys: dict[str, str] = {}
    for code, name in opds.items():
        keys[v.norm_header(name)] = code
        keys[v.norm_header(code)] = code
        if abbreviations.get(code):
            keys[v.norm_header(abbreviations[code])] = code
    lines = [*form.title, *(r.opd for r in form.rows if r.opd)]
    found = set()
    for line in lines:
        text = v.norm_header(line)
        label = re.sub(r"^(nama )?(perangkat daerah|opd|skpd|unit kerja)( pd)? ", "", text)
        if label in keys:
            found.add(keys[label])
            continue
        for key, code in keys.items():
            if len(key) > 12 and f" {key} " in f" {text} ":
                found.add(code)
    return found.pop() if len(found) == 1 else None


def resolve_texts(form: E81Form, state: object, opd: str | None,
                  mapped: dict[tuple[str, str], mapping.Mapped]) -> Resolution:
    """Which rows are programs, which texts map to which codes, which are still unmapped.

    A row is a program row when its text is mapped as a program, is the name of one of the
    OPD's programs (without case, spacing or punctuation), starts with 'Program', or is very
    close to an OPD program's name; other rows with a text (kegiatan, sub-kegiatan) belong to
    the program above them. Indicators under a program mapped to '-' are skipped."""
    from rapidfuzz import fuzz, process, utils
    res = Resolution(opd=opd)
    programs = getattr(state, "programs", None)
    indicators = getattr(state, "indicators", None)
    own_programs: dict[str, str] = {}
    own_indicators: dict[str, list[tuple[str, str]]] = {}
    if programs is not None and len(programs):
        lead = programs["lead_opd_code"]
        for code, name in programs["name"].items():
            if opd is None or lead[code] == opd:
                own_programs[code] = name
    if indicators is not None and len(indicators):
        for code, row in indicators.iterrows():
            if row["program_code"] in own_programs:
                own_indicators.setdefault(mapping.text_key(row["name"]), []).append(
                    (code, row["program_code"]))
    program_keys: dict[str, list[str]] = {}
    for code, name in own_programs.items():
        program_keys.setdefault(mapping.text_key(name), []).append(code)
    names = list(own_programs.values())
    current: tuple[str, str | None] | None = None   # (text, code or None when unmapped)
    asked: set[tuple[str, str]] = set()
    for item in form.rows:
        if item.uraian is not None:
            key = mapping.text_key(item.uraian)
            hit = mapped.get(("program", key))
            is_program = hit is not None or len(program_keys.get(key, ())) == 1 or \
                key.startswith("program ") or (names and process.extractOne(
                    item.uraian, names, scorer=fuzz.WRatio, processor=utils.default_process,
                    score_cutoff=FUZZY_PROGRAM) is not None)
            if is_program:
                if hit is not None:
                    res.used.add(hit.mapping_id)
                    code = hit.code
                elif len(program_keys.get(key, ())) == 1:
                    code = program_keys[key][0]
                else:
                    code = None
                    if ("program", key) not in asked:
                        asked.add(("program", key))
                        res.unmapped.append(Text("program", item.uraian, item.row))
                current = (item.uraian, code)
                if code not in (None, mapping.SKIP):
                    res.programs.append((item, code))
        if item.indikator is None or current is None or current[1] == mapping.SKIP:
            continue
        key = mapping.text_key(item.indikator)
        hit = mapped.get(("indikator", key))
        if hit is not None:
            res.used.add(hit.mapping_id)
            if hit.code != mapping.SKIP:
                res.indicators.append((item, hit.code, current[1] or ""))
            continue
        same = own_indicators.get(key, [])
        if current[1]:
            same = [s for s in same if s[1] == current[1]] or same
        if len(same) == 1:
            res.indicators.append((item, same[0][0], current[1] or ""))
        elif ("indikator", key) not in asked:
            asked.add(("indikator", key))
            res.unmapped.append(Text("indikator", item.indikator, item.row, current[0],
                                     item.satuan))
    return res


@dataclass
class Target:
    """Where the form goes: region, OPD, year and TW, with the problems finding them."""

    region: str | None = None
    region_name: str | None = None
    opd: str | None = None
    year: int | None = None
    tw: int | None = None
    problems: list[tuple[str, object, str]] = field(default_factory=list)  # column, value, msg


def target_of(con: duckdb.DuckDBPyConnection, form: E81Form, expect: Expect,
              state_of: object) -> tuple[Target, object]:
    """Region, OPD, year and TW of a form (from the uploader, the account and the title
    block), and the region's masterplan state (None when not loaded)."""
    t = Target()
    state = region_target(con, form, expect, state_of, t)
    t.year = expect.year or form.year()
    if expect.year and form.year() and form.year() != expect.year:
        t.problems.append(("Tahun", form.year(), f"Judul formulir menyebut tahun "
                           f"{form.year()}, padahal yang diunggah untuk tahun {expect.year}."))
    filled = form.filled_tws()
    t.tw = expect.tw or (filled[-1] if filled else None)
    if t.tw is not None and t.tw not in form.tws:
        t.problems.append(("Triwulan", TW_NAMES[t.tw], f"Formulir ini tidak punya kolom "
                           f"{TW_NAMES[t.tw]}."))
    opd_target(con, form, expect, state, t)
    return t, state


def region_target(con: duckdb.DuckDBPyConnection, form: object, expect: Expect,
                  state_of: object, t: Target) -> object:
    """Set ``t.region`` (the uploader's or account's region, else the one the title names,
    else the only region with a masterplan) and ``t.region_name``, noting a title that names
    another region; the region's masterplan state (None when not loaded). Shared by the
    E.81 and the RFK."""
    named = region_of(con, form)  # type: ignore[arg-type]
    t.region = expect.region or expect.region_scope or (named[0] if named else None)
    if named and t.region and named[0] != t.region:
        t.problems.append(("Wilayah", named[1], f"Judul formulir menyebut {named[1]} "
                           f"({named[0]}), padahal yang diunggah untuk wilayah {t.region}. "
                           "Periksa kembali file yang dipilih."))
    if t.region is None:
        rows = con.execute("SELECT DISTINCT region_code FROM active_load "
                           "WHERE kind = 'masterplan'").fetchall()
        if len(rows) == 1:
            t.region = rows[0][0]
    t.region_name = named[1] if named else None
    return state_of(t.region) if t.region else None  # type: ignore[operator]


def opd_target(con: duckdb.DuckDBPyConnection, form: object, expect: Expect, state: object,
               t: Target) -> None:
    """Set ``t.opd`` (the uploader's or account's OPD, else the one the title names), noting a
    title that names another OPD; nothing without a masterplan. Shared by E.81 and RFK."""
    if state is None:
        return
    abbreviations = dict(con.execute(
        "SELECT opd_code, short_name FROM opd WHERE region_code = ? AND load_id IN ("
        f"{ACTIVE_LOAD_IDS})", [t.region]).fetchall())
    named_opd = _opd_of(form, state.opds, abbreviations)  # type: ignore[arg-type,attr-defined]
    t.opd = expect.opd or expect.opd_scope or named_opd
    if named_opd and t.opd and named_opd != t.opd:
        t.problems.append(("OPD", named_opd, f"Formulir ini menyebut OPD {named_opd}, "
                           f"padahal yang diunggah untuk OPD {t.opd}."))


def resolve(con: duckdb.DuckDBPyConnection, book: ParsedWorkbook, expect: Expect,
            state_of: object) -> None:
    """Turn an E.81 book into a quarterly report (``kind = 'laporan'``) or record why not:
    each unmapped text is named with the page and the command that map it. The mapping is
    the one in force now, or for a replayed load (``expect.mapping_ids``) exactly the rows
    it used then."""
    form = book.form
    if not isinstance(form, E81Form):  # its layout was refused when read (book.issues)
        return
    sheet = form.sheet
    t, state = target_of(con, form, expect, state_of)
    for column, value, message in t.problems:
        book.issue(sheet, None, column, "salah_opd_periode", value, message)
    if t.region is None:
        book.issue(sheet, None, "Wilayah", "wajib", None, "Wilayah formulir ini tidak dapat "
                   "ditentukan: judul formulir tidak menyebut kabupaten/kota yang dikenal. "
                   "Pilih wilayah saat mengunggah (python -m etl load BERKAS --wilayah KODE).")
    elif state is None:
        where = f"{t.region_name} ({t.region})" if t.region_name else t.region
        book.issue(sheet, None, "Wilayah", "masterplan_belum_ada", where,
                   f"Masterplan wilayah {where} belum dimuat, jadi program dan indikator "
                   "formulir ini belum dapat dicocokkan. Muat masterplan wilayah itu terlebih "
                   "dahulu.")
        res = resolve_texts(form, None, None, {})
        if res.unmapped:
            counts = {k: sum(x.kind == k for x in res.unmapped) for k in LABELS}
            shown = ", ".join(f"'{x.text}'" for x in res.unmapped[:4])
            book.issue(sheet, None, "Program/Kegiatan", "belum_dipetakan", None,
                       f"{counts['program']} program dan {counts['indikator']} indikator "
                       f"belum punya kode masterplan ({shown}"
                       + (" …" if len(res.unmapped) > 4 else "") + "). Setelah masterplan "
                       "dimuat: " + MAP_HINT)
        return
    if t.year is None:
        book.issue(sheet, None, "Tahun", "wajib", None, "Tahun formulir tidak ditemukan di "
                   "judulnya ('Tahun 2026'). Sebutkan tahunnya saat mengunggah (--tahun).")
    if t.tw is None:
        book.issue(sheet, None, "Triwulan", "wajib", None, "Tidak ada realisasi triwulan yang "
                   "terisi di formulir ini.")
    if t.opd is None:
        book.issue(sheet, None, "OPD", "wajib", None, "OPD formulir ini tidak dapat "
                   "ditentukan dari judulnya. Pilih OPD saat mengunggah (di halaman Unggah "
                   "Data, atau python -m etl load BERKAS --opd KODE).")
        return
    res = resolve_texts(form, state, t.opd,
                        mapping.for_load(con, t.region, expect.mapping_ids))
    for text in res.unmapped[:MAX_NAMED]:
        column = "Program/Kegiatan" if text.kind == "program" else "Indikator Kinerja"
        book.issue(sheet, text.row, column, "belum_dipetakan", text.text,
                   f"{LABELS[text.kind]} '{text.text}' belum dipetakan ke kode masterplan "
                   f"wilayah {t.region}. {MAP_HINT}")
    if len(res.unmapped) > MAX_NAMED:
        book.issue(sheet, None, "Program/Kegiatan", "belum_dipetakan", None,
                   f"… dan {len(res.unmapped) - MAX_NAMED} teks lain belum dipetakan. Periksa "
                   "apakah file ini memang formulir E.81 OPD yang dipilih.")
    if book.issues or t.year is None or t.tw is None:
        return
    book.mapping_used = sorted(res.used)  # type: ignore[attr-defined]
    _as_report(book, form, res, t, state)
    _check_earlier(con, book, form, res, t, getattr(state, "indicator_info", {}))


@dataclass(frozen=True)
class Percent:
    """A number cell the file formats as a percentage (0.909 shown as 90,9%)."""

    value: float


def _number(book: ParsedWorkbook, sheet: str, row: int, column: str, raw: object,
            unit: str | None = None) -> float | None:
    """A K or Rp cell as a number; a K cell may carry the indicator's unit ('55 dataset'),
    and holds 90,9 for a cell shown as 90,9% when that unit is a percentage."""
    if v.is_blank(raw):
        return None
    if isinstance(raw, Percent):
        if unit is not None and is_percent_unit(unit):
            return round(raw.value * 100, 10)
        shown = f"{raw.value * 100:g}%".replace(".", ",")
        book.issue(sheet, row, column, "format", shown,
                   f"Nilai '{shown}' tidak valid: sel ini diformat sebagai persen, padahal "
                   + (f"satuan indikator ini '{unit}'" if unit else "kolom ini rupiah")
                   + ". Ubah format sel menjadi Angka (General) dan isi nilainya.")
        return None
    try:
        return v.parse_number(raw)
    except ValueError as exc:
        m = re.fullmatch(r"\s*(-?[\d.,]+)\s*([^\d\s].*?)\s*", str(raw))
        if m and unit is not None:
            typed, wanted = _unit_key(m.group(2)), _unit_key(unit)
            try:
                number = v.parse_number(m.group(1))
            except ValueError:
                number = None
            if number is not None and typed == wanted:
                return number
            if number is not None:
                book.issue(sheet, row, column, "satuan", raw,
                           f"Nilai '{raw}' ditulis dengan satuan '{m.group(2)}', padahal "
                           f"satuan indikator ini '{unit}'. Tulis angkanya saja (dalam "
                           f"{unit}).")
                return None
        book.issue(sheet, row, column, "format", raw, f"Nilai '{raw}' tidak valid: {exc}.")
        return None


def _unit_key(unit: str) -> str:
    return "%" if is_percent_unit(unit) else v.norm_header(unit)


def _as_report(book: ParsedWorkbook, form: E81Form, res: Resolution, t: Target,
               state: object) -> None:
    """Fill the book's Info and tables as a quarterly report of TW ``t.tw``."""
    sheet, tw = form.sheet, t.tw or 0
    info_units = getattr(state, "indicator_info", {})
    k_header = f"Realisasi Kinerja {TW_NAMES[tw]} (K)"
    rp_header = f"Realisasi {TW_NAMES[tw]} (Rp)"
    realisasi = Table(sheet=spec_sheet("laporan", "realisasi"), name=sheet,
                      header_row=form.header_row,
                      headers={"kode_indikator": "Indikator Kinerja", "realisasi": k_header})
    codes, values, notes = [], [], []
    for item, code, _program in res.indicators:
        unit = info_units[code][1] if code in info_units else None
        codes.append(code)
        values.append(_number(book, sheet, item.row, k_header, item.tw.get(tw, (None,))[0],
                              unit))
        notes.append(labelled(item.keterangan).get("catatan"))
        realisasi.rows.append(item.row)
    realisasi.columns = {"kode_indikator": codes, "realisasi": values, "keterangan": notes}
    anggaran = Table(sheet=spec_sheet("laporan", "anggaran"), name=sheet,
                     header_row=form.header_row,
                     headers={"kode_program": "Program/Kegiatan", "pagu":
                              "Target Kinerja dan Anggaran (Rp)", "realisasi_rp": rp_header,
                              "sumber_dana": "Sumber Dana"})
    fisik = Table(sheet=spec_sheet("laporan", "fisik"), name=sheet, header_row=form.header_row,
                  headers={"kode_program": "Program/Kegiatan", "kendala": "Faktor penghambat",
                           "tindak_lanjut": "Tindak lanjut"})
    defaulted = False
    seen: set[str] = set()
    # per-program kendala in Keterangan (an exported E.81): the footer is then a summary
    per_row = any({"kendala", "tindak", "fisik"} & set(labelled(item.keterangan))
                  for item, _ in res.programs)
    for item, code in res.programs:
        pagu = _number(book, sheet, item.row, anggaran.header("pagu"), item.pagu)
        real = _number(book, sheet, item.row, rp_header, item.tw.get(tw, (None, None))[1])
        if pagu is not None or real is not None:
            source = _source(book, sheet, item)
            defaulted = defaulted or source is None
            if pagu is None:
                book.issue(sheet, item.row, anggaran.header("pagu"), "wajib", None,
                           f"Anggaran (Rp) program '{item.uraian}' kosong, padahal realisasi "
                           "anggarannya diisi. Isi anggaran tahun berjalan program ini.")
            anggaran.rows.append(item.row)
            for name, value in (("kode_program", code),
                                ("sumber_dana", source or DEFAULT_SOURCE),
                                ("pagu", _scaled(pagu, form.rp_scale.get("pagu", 1.0))),
                                ("realisasi_rp", _scaled(real, form.rp_scale.get(f"tw{tw}",
                                                                                 1.0))),
                                ("lebih_pagu", False)):
                anggaran.columns.setdefault(name, []).append(value)
        own = labelled(item.keterangan)
        said = ((_percent(book, sheet, item.row, own.get("fisik")), own.get("kendala"),
                 own.get("tindak")) if per_row else (None, form.penghambat, form.tindak_lanjut))
        if code not in seen and any(x is not None for x in said):
            fisik.rows.append(item.row)
            for name, value in zip(("kode_program", "fisik", "kendala", "tindak_lanjut"),
                                   (code, *said), strict=True):
                fisik.columns.setdefault(name, []).append(value)
        seen.add(code)
    if defaulted:
        book.notes.append(f"Formulir E.81 tidak menyebut sumber dana; anggaran program "
                          f"dicatat bersumber {DEFAULT_SOURCE} (Renja mengevaluasi APBD). Bila "
                          "lain, tambahkan kolom 'Sumber Dana' lalu unggah ulang.")
    book.kind = "laporan"
    book.info = {"kode_wilayah": t.region, "kode_opd": t.opd, "tahun": t.year,
                 "triwulan": tw, "jenis_nilai": "tw"}
    book.info_rows = {}
    book.tables = {"realisasi": realisasi, "anggaran": anggaran, "fisik": fisik}
    for table in book.tables.values():
        for f in table.sheet.columns:
            table.get(f.field)


def _percent(book: ParsedWorkbook, sheet: str, row: int, text: str | None) -> float | None:
    """'Fisik: 40%' of a Keterangan cell as 40.0."""
    if not text:
        return None
    return _number(book, sheet, row, "Keterangan", text.rstrip().rstrip("%").strip())


def _scaled(value: float | None, scale: float) -> float | None:
    return None if value is None else round(value * scale, 6)


LABELS_IN_NOTE = {"sumber dana": "sumber", "sumber anggaran": "sumber", "fisik": "fisik",
                  "realisasi fisik": "fisik", "kendala": "kendala", "tindak lanjut": "tindak",
                  "catatan": "catatan"}


def labelled(note: str | None) -> dict[str, str]:
    """The labelled parts of a Keterangan cell ('Sumber dana: DAK | Fisik: 40% | Kendala:
    …'), by part (sumber, fisik, kendala, tindak, catatan); the E.81 has no column for them."""
    out: dict[str, str] = {}
    for part in (note or "").split(" | "):
        label, sep, value = part.partition(":")
        key = LABELS_IN_NOTE.get(v.norm_header(label))
        if sep and key and value.strip() and key not in out:
            out[key] = value.strip()
    return out


def _source(book: ParsedWorkbook, sheet: str, item: E81Row) -> str | None:
    """The program's funding source: its Sumber Dana cell, or 'Sumber dana: X' in its
    Keterangan; None when the form names none."""
    raw = item.sumber_dana
    if v.is_blank(raw):
        raw = labelled(item.keterangan).get("sumber")
    if v.is_blank(raw):
        return None
    try:
        return vocab.parse_source(raw)
    except ValueError as exc:
        book.issue(sheet, item.row, "Sumber Dana", "format", raw,
                   f"Nilai '{raw}' tidak valid: {exc}.")
        return DEFAULT_SOURCE


def _check_earlier(con: duckdb.DuckDBPyConnection, book: ParsedWorkbook, form: E81Form,
                   res: Resolution, t: Target, info: dict[str, tuple]) -> None:
    """The TW columns before the one read: checked against the active reports of those TWs
    (a difference refuses the file), never loaded; a TW not loaded yet is named in a note."""
    tw = t.tw or 0
    earlier = [e for e in form.tws if e < tw]
    if not earlier or not res.indicators:
        return
    codes = sorted({code for _, code, _ in res.indicators})
    loaded = {(code, q): (value, basis, load_id) for code, q, value, basis, load_id in
              con.execute(
                  f"""SELECT indicator_code, tw, value, basis, load_id FROM realisation
                      WHERE region_code = ? AND year = ? AND tw < ?
                        AND load_id IN ({ACTIVE_LOAD_IDS})
                        AND indicator_code IN (SELECT unnest(?))""",
                  [t.region, t.year, tw, codes]).fetchall()}
    reported = {q for (_, q) in loaded}
    missing = []
    for q in earlier:
        header = f"Realisasi Kinerja {TW_NAMES[q]} (K)"
        typed = False
        for item, code, _ in res.indicators:
            raw = item.tw.get(q, (None,))[0]
            if v.is_blank(raw):
                continue
            typed = True
            scratch = ParsedWorkbook(file=book.file)
            value = _number(scratch, form.sheet, item.row, header, raw,
                            info[code][1] if code in info else None)
            got = loaded.get((code, q))
            if value is None or got is None or got[1] != "tw":
                continue
            if abs(value - got[0]) > 1e-9 * max(1.0, abs(got[0])):
                book.issue(form.sheet, item.row, header, "beda_dengan_termuat", raw,
                           f"Nilai {TW_NAMES[q]} di formulir ini ({v_text(value)}) berbeda "
                           f"dengan laporan {TW_NAMES[q]} yang sudah dimuat ({v_text(got[0])}, "
                           f"muatan #{got[2]}). Formulir {TW_NAMES[tw]} hanya memuat "
                           f"{TW_NAMES[tw]}; kolom triwulan sebelumnya dicocokkan. Samakan "
                           f"angkanya, atau muat dulu perbaikan laporan {TW_NAMES[q]}.")
        if typed and q not in reported:
            missing.append(TW_NAMES[q])
    if missing:
        book.notes.append(f"Kolom {', '.join(missing)} formulir ini tidak dimuat (hanya "
                          f"{TW_NAMES[tw]} yang dimuat) dan laporan triwulan itu belum ada di "
                          "database. Unggah laporan triwulan itu tersendiri.")


def v_text(value: float) -> str:
    """A number as people read it: 12, 12,5."""
    return f"{value:g}".replace(".", ",")
