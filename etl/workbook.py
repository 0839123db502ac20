"""Open a workbook (xlsx, xlsm, xls, ods) and extract its declared sheets into typed columns.

One generic extractor for every layout in ``etl/spec``: it finds each sheet by name or alias,
finds the header row below any title block, maps headers through their aliases, fills merged
cells, skips blank, numbering and total rows, and parses every cell, collecting every problem
as an :class:`~etl.issues.Issue` instead of stopping at the first.

The bytes are parsed in sandbox workers (``etl.sandbox``), never in this process, and only
the sheets a layout declares: a sheet larger than MAX_ROWS, MAX_COLUMNS or MAX_CELLS is
refused before its cells become Python values, and one too large to even lay out kills only
its worker (the file is refused, naming the sheet).
"""

from __future__ import annotations

import gc
import io
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from operator import itemgetter
from pathlib import Path

import python_calamine as pc

from etl import lookalike, sandbox, vocab
from etl import values as v
from etl.issues import Issue
from etl.percent import percent_cells
from etl.safety import UnsafeFile, sniff
from etl.spec import KINDS, Column, Sheet, sheets

META_SHEET = "_meta"
HEADER_SCAN_ROWS = 30
MAX_ROWS = 250_000
MAX_COLUMNS = 2_000   # no report or masterplan layout comes near; E.81 has about 40
MAX_CELLS = 6_000_000  # rows x columns of one sheet's grid (the limits' 250,000 x 24)
PARALLEL_FROM_BYTES = 256 * 1024  # below this a thread hand-off costs more than it saves
READ_AHEAD_BYTES = 16 * 1024 * 1024  # parsed ahead while the database opens, at most
_TARGET = next(s for s in sheets("masterplan") if s.key == "target")  # a staged read's last
NUMERIC = ("number", "money", "percent")
# Number fields in the unit of their indicator: a percent-formatted cell there is x100 when
# that unit is a percentage and an error otherwise (decided in etl.validate).
UNIT_DECIDES = {("laporan", "realisasi", "realisasi"), ("masterplan", "target", "target"),
                ("masterplan", "target", "target_maks"),
                ("masterplan", "indikator", "kondisi_awal")}
TEXTS = ("text", "dimension", "code")  # parsed by v.parse_text, or v.parse_code for codes

PARSERS: dict[str, Callable[[object], object]] = {
    "code": v.parse_code, "text": v.parse_text, "number": v.parse_number,
    "money": v.parse_number, "percent": v.parse_number, "year": v.parse_year,
    "tw": v.parse_tw, "period": v.parse_period, "bool": v.parse_bool, "date": v.parse_date,
    "village": v.parse_village_code, "region": v.parse_region_code,
    "codelist": v.parse_codelist, "dimension": v.parse_text,
    "horizon": vocab.parse_horizon, "polarity": vocab.parse_polarity,
    "accumulation": vocab.parse_accumulation, "source": vocab.parse_source,
    "stage": vocab.parse_stage, "basis": vocab.parse_basis,
}


@dataclass
class Table:
    """The typed content of one table sheet: a list per field, aligned with ``rows``."""

    sheet: Sheet
    name: str                                   # the sheet's name in the file
    header_row: int = 0                         # 1-based
    headers: dict[str, str] = field(default_factory=dict)   # field -> header as written
    rows: list[int] = field(default_factory=list)           # 1-based row numbers
    columns: dict[str, list] = field(default_factory=dict)
    filled: set[str] = field(default_factory=set)           # fields with no None value
    # Fields whose unit decides what a cell formatted as a percentage means (an indicator's
    # realisation or target): the indexes (into ``rows``) of such cells, for the validator.
    percent: dict[str, set[int]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.rows)

    def header(self, name: str) -> str:
        """The header text of a field as the user wrote it (or the template's header)."""
        return self.headers.get(name) or self.sheet.column(name).header

    def get(self, name: str) -> list:
        """The values of a field (all None when the optional column is absent)."""
        if name not in self.columns:
            self.columns[name] = [None] * len(self.rows)
        return self.columns[name]


@dataclass
class ParsedWorkbook:
    """Everything read from one file, before any check against the database."""

    file: str
    format: str = ""
    kind: str = ""
    meta: dict[str, str] = field(default_factory=dict)
    info: dict[str, object] = field(default_factory=dict)
    info_rows: dict[str, int] = field(default_factory=dict)
    info_sheet: str = "Info"
    tables: dict[str, Table] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)   # warnings that refuse nothing
    # Tables whose sheet was still being parsed when the book was handed over (a staged
    # read): the future of each table with the issues found extracting it. See ``complete``.
    later: dict[str, Future[tuple[Table | None, list[Issue]]]] = field(default_factory=dict)
    # An E.81 form laid out (kind 'e81', etl/e81.py) until the loader resolves its texts.
    form: object | None = None
    mapping_used: list[int] = field(default_factory=list)  # text_mapping ids it resolved by

    def complete(self) -> None:
        """Wait for the tables of a staged read still being parsed, so that ``tables`` and
        ``issues`` hold everything; does nothing for a complete book."""
        while self.later:
            key = next(iter(self.later))
            table, issues = self.later.pop(key).result()
            self.issues += issues
            if table is not None:
                self.tables[key] = table

    def sorted_issues(self) -> list[Issue]:
        """The issues sheet by sheet in the template's order (those of the whole file first),
        each sheet's in the order found: the same list however the file was read."""
        order: dict[str | None, int] = {None: -1, self.info_sheet: 0}
        for i, spec in enumerate(sheets(self.kind) if self.kind else (), start=1):
            table = self.tables.get(spec.key)
            order.setdefault(table.name if table else spec.title, i)
        return sorted(self.issues, key=lambda issue: order.get(issue.sheet, len(order)))

    def issue(self, sheet: str | None, row: int | None, column: str | None, check: str,
              value: object, message: str) -> None:
        """Record a problem."""
        if isinstance(value, float) and value == value and abs(value) != float("inf"):
            # a number cell as the reader wrote it in Indonesian: -12, not Python's "-12.0"
            value = int(value) if value.is_integer() else repr(value).replace(".", ",")
        shown = None if v.is_blank(value) else str(value)[:80]
        self.issues.append(Issue(self.file, sheet, row, column, check, shown, message))


def read_workbook(data: bytes, file_name: str, *, staged: bool = False) -> ParsedWorkbook:
    """Parse workbook bytes into a ParsedWorkbook; problems are collected in ``.issues``.

    ``staged`` hands a large masterplan over while its target sheet (the one that grows
    with indicators × years) is still being parsed: every other table is in ``tables`` and
    the targets come with ``complete()``. A loader checks and writes the rest meanwhile.
    """
    with _gc_paused():
        return _read_book(data, file_name, staged)


def read_ahead(files: Sequence[tuple[str, bytes]]) -> list[Future[ParsedWorkbook]]:
    """Start reading the first files (file name, bytes) on a background thread, so that
    their parse overlaps opening the database; their futures, in order (staged books, see
    ``read_workbook``: call ``complete()`` before reading every table). Files are read
    ahead up to READ_AHEAD_BYTES in all (at least one), so a large batch never holds more
    than that in parsed workbooks; the loader reads the rest when it reaches them."""
    futures: list[Future[ParsedWorkbook]] = []
    total = 0
    for name, data in files:
        total += len(data)
        if futures and total > READ_AHEAD_BYTES:
            break
        futures.append(_reader_ahead().submit(read_workbook, data, Path(name).name,
                                              staged=True))
    return futures


@cache
def _reader_ahead() -> ThreadPoolExecutor:
    """The process's read-ahead thread (apart from the sheet readers it may use)."""
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="monev-ahead")


_GC_PAUSE = threading.Lock()
_gc_pauses = {"count": 0, "was_enabled": False}


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while reading. The grids hold one list per row
    (none in a reference cycle) and every burst of allocations would otherwise trigger
    full collections that walk them all again: a fifth of the time of a large read. The
    grids are freed by reference counting once read. Pauses are counted across threads
    (a staged read's last sheet is parsed while the book is already handed over): the
    collector runs again when the last one ends, unless it was off before the first."""
    with _GC_PAUSE:
        if _gc_pauses["count"] == 0:
            _gc_pauses["was_enabled"] = gc.isenabled()
            gc.disable()
        _gc_pauses["count"] += 1
    try:
        yield
    finally:
        with _GC_PAUSE:
            _gc_pauses["count"] -= 1
            if _gc_pauses["count"] == 0 and _gc_pauses["was_enabled"]:
                gc.enable()


def _read_book(data: bytes, file_name: str, staged: bool = False) -> ParsedWorkbook:
    book = ParsedWorkbook(file=file_name)
    try:
        book.format = sniff(data).format
        names, grids = _read_grids(data, book.format, file_name if staged else None)
    except Exception as exc:  # every failure becomes the user's message
        _unreadable(book, exc)
        return book
    if not names or (grids and all(not isinstance(g, Future) and not g[0]
                                   for g in grids.values())):
        book.issue(None, None, None, "kosong", None, "Workbook tidak berisi data. Isi template "
                   "yang diunduh dari aplikasi, lalu unggah ulang.")
        return book
    book.meta = _read_meta(grids.pop(META_SHEET.lower(), (None, None))[0])
    book.kind = _detect_kind(book, grids)
    if not book.kind:
        _not_ours(book, data, names)
        return book
    for spec in sheets(book.kind):
        found = _find_sheet(spec, grids)
        if found is None:
            if spec.required:
                book.issue(spec.title, None, None, "sheet_hilang", None,
                           f"Sheet '{spec.title}' tidak ditemukan. Gunakan template terbaru "
                           "dari aplikasi dan jangan mengganti nama sheet.")
            continue
        name, grid = found
        if isinstance(grid, Future):
            book.later[spec.key] = grid
        elif spec.layout == "kv":
            _extract_kv(book, spec, name, grid[0])
        else:
            book.tables[spec.key] = _extract_table(book, spec, name, *grid)
    return book


def _unreadable(book: ParsedWorkbook, exc: Exception) -> None:
    """Record why a file (or one of its sheets) could not be read."""
    if isinstance(exc, UnsafeFile):
        book.issue(None, None, None, exc.check, None, exc.message)
    elif isinstance(exc, sandbox.WorkerDied):
        where = f"Sheet '{exc.reading}'" if exc.reading else "File ini"
        book.issue(exc.reading, None, None, "terlalu_luas", None,
                   f"{where} terlalu besar untuk dibaca dengan aman: ada isian jauh di luar "
                   "tabel (misalnya di sel XFD1048576) atau terlalu banyak sel. Hapus baris dan "
                   "kolom di luar tabel laporan, simpan, lalu unggah ulang.")
    else:  # calamine raises many error types for damaged content
        book.issue(None, None, None, "rusak", None, "File rusak dan tidak dapat dibaca. Buka di "
                   "Excel atau LibreOffice, simpan ulang sebagai .xlsx, lalu unggah kembali.")


class _NamedGrids(dict):
    """Sheet grids keyed by lower-cased name, remembering each sheet's original name."""

    def __init__(self) -> None:
        super().__init__()
        self.names: dict[str, str] = {}


def declared_sheets(names: Sequence[str]) -> list[str]:
    """The sheets of a workbook that any layout reads (and the hidden metadata sheet), in
    the workbook's order: no other sheet is ever parsed."""
    named = _NamedGrids()
    for name in names:
        named[name.strip().lower()] = ([], [])
        named.names[name.strip().lower()] = name
    wanted = {named.names[META_SHEET.lower()]} if META_SHEET.lower() in named else set()
    for kind in KINDS:
        for spec in sheets(kind):
            found = _find_sheet(spec, named)
            if found is not None:
                wanted.add(found[0])
    return [name for name in names if name in wanted]


def _limits() -> tuple[int, int, int]:
    return MAX_ROWS, MAX_COLUMNS, MAX_CELLS


def read_grids_here(data: bytes, only: list[str] | None, limits: tuple[int, int, int],
                    progress: Callable[[str], None]) -> tuple[list[str], dict]:
    """In a sandbox worker: the workbook's sheet names and, for the sheets ``only`` names
    (every declared sheet when None), the grid, the merged ranges and the number cells the
    file formats as percentages (``etl.percent``); each sheet is checked against the row,
    column and cell ``limits`` before it is turned into Python values."""
    wb = pc.CalamineWorkbook.from_filelike(io.BytesIO(data))
    names = wb.sheet_names
    grids = {}
    for name in declared_sheets(names) if only is None else only:
        progress(name)
        grids[name] = _read_sheet(wb, name, limits)
    if grids:
        percent = percent_cells(data, sniff(data).format, grids)
        grids = {name: (*grid, percent.get(name, set())) for name, grid in grids.items()}
    return names, grids


def _grids_of(data: bytes, only: list[str] | None) -> tuple[list[str], dict]:
    try:
        return sandbox.call("grids", data, only, _limits())  # type: ignore[return-value]
    except sandbox.TaskFailed as exc:
        raise ValueError(str(exc)) from exc


def _read_grids(data: bytes, fmt: str, staged_file: str | None = None
                ) -> tuple[list[str], _NamedGrids]:
    """The sheet names and the grids of the declared sheets, read in sandbox workers.

    A large xlsx's sheets are read two at a time, in two workers: the smaller sheets come
    free while the largest is parsed (an xls or ods is parsed whole when opened, so it is
    read in one). In a staged read (of the file named ``staged_file``) the target sheet is
    not waited for: its entry is the future of its table, extracted as soon as it is parsed
    (``_read_late``)."""
    if len(data) < PARALLEL_FROM_BYTES or fmt not in ("xlsx", "xlsm"):
        names, by_name = _grids_of(data, None)
        read: dict[str, object] = dict(by_name)
    else:
        names, _ = _grids_of(data, [])
        wanted = declared_sheets(names)
        late = _target_sheet(wanted) if staged_file else None

        def read_one(name: str) -> tuple[list, list, set]:
            return _grids_of(data, [name])[1][name]

        futures = {name: _sheet_readers().submit(_read_late, read_one, name, staged_file)
                   if name == late else _sheet_readers().submit(read_one, name)
                   for name in sorted(wanted, key=lambda n: n != late)}
        read = {name: futures[name] if name == late else futures[name].result()
                for name in wanted}
    grids = _NamedGrids()
    for name, grid in read.items():
        key = name.strip().lower()
        grids[key] = grid
        grids.names[key] = name
    return names, grids


def _read_late(read_one: Callable[[str], tuple[list, list, set]], name: str,
               file_name: str) -> tuple[Table | None, list[Issue]]:
    """A staged book's target sheet, parsed and extracted in one pause of the collector
    (None if it cannot be read), with the issues found."""
    scratch = ParsedWorkbook(file=file_name)
    with _gc_paused():
        try:
            return _extract_table(scratch, _TARGET, name, *read_one(name)), scratch.issues
        except Exception as exc:
            _unreadable(scratch, exc)
            return None, scratch.issues


def _target_sheet(names: list[str]) -> str | None:
    """Which of these sheets a masterplan's target sheet would be read from."""
    named = _NamedGrids()
    for name in names:
        named[name.strip().lower()] = ([], [])
        named.names[name.strip().lower()] = name
    found = _find_sheet(_TARGET, named)
    return found[0] if found else None


def _read_sheet(wb: pc.CalamineWorkbook, name: str,
                limits: tuple[int, int, int]) -> tuple[list, list]:
    max_rows, max_columns, max_cells = limits
    sheet = wb.get_sheet_by_name(name)
    height, width = sheet.height, sheet.width
    if height > max_rows + 1:
        raise UnsafeFile("terlalu_banyak_baris",
                         f"Sheet '{name}' berisi {height} baris, melebihi batas "
                         f"{max_rows} baris. Pisahkan isinya ke beberapa file.")
    if width > max_columns or height * width > max_cells:
        raise UnsafeFile("terlalu_luas",
                         f"Sheet '{name}' terbentang sampai baris {_dots(height)} dan kolom "
                         f"{_dots(width)} ({_dots(height * width)} sel), melebihi batas "
                         f"{_dots(max_columns)} kolom atau {_dots(max_cells)} sel. Hapus isian "
                         "di luar tabel laporan, simpan, lalu unggah ulang.")
    return sheet.to_python(skip_empty_area=False), sheet.merged_cell_ranges or []


def _dots(n: int) -> str:
    """A whole number with Indonesian thousands dots: 1.048.576."""
    return f"{n:,}".replace(",", ".")


@cache
def _sheet_readers() -> ThreadPoolExecutor:
    """The process's two sheet-reading threads (the machines have two cores)."""
    return ThreadPoolExecutor(max_workers=2, thread_name_prefix="monev-sheet")


def _read_meta(grid: list[list] | None) -> dict[str, str]:
    meta: dict[str, str] = {}
    for row in grid or []:
        if len(row) >= 2 and not v.is_blank(row[0]):
            meta[str(row[0]).strip().lower()] = v.parse_text(row[1]) or ""
    return meta


def _detect_kind(book: ParsedWorkbook, grids: _NamedGrids) -> str:
    declared = book.meta.get("jenis", "")
    if declared in KINDS:
        return declared
    for kind, key in (("laporan", "realisasi"), ("masterplan", "program"),
                      ("revisi", "revisi")):
        spec = next(s for s in sheets(kind) if s.key == key)
        if _find_sheet(spec, grids) is not None:
            return kind
    return ""


def _not_ours(book: ParsedWorkbook, data: bytes, names: list[str]) -> None:
    """Refuse a workbook of no known kind, saying what it looks like (an E.81, a FORM RFK,
    an LRA …, from its first rows) and which sheets it has."""
    try:
        peek = sandbox.call("peek", data, _limits())
    except Exception:  # a sheet too large even to peek at: named without its rows
        peek = []
    from etl import e81
    sheet = e81.recognised(names, peek)  # type: ignore[arg-type]
    if sheet is not None:  # read like a report once its texts are mapped (etl/e81.py)
        e81.read_into(book, data, sheet)
        return
    from etl import rfk
    sheet = rfk.recognised(names, peek)  # type: ignore[arg-type]
    if sheet is not None:  # a monthly FORM RFK: budget and fisik of a TW (etl/rfk.py)
        rfk.read_into(book, data, sheet)
        return
    form = lookalike.recognise(names, peek)  # type: ignore[arg-type]
    book.issue(None, None, None, "jenis_tidak_dikenali", None, lookalike.message(names, form))


def _find_sheet(spec: Sheet, grids: _NamedGrids) -> tuple[str, tuple[list, list]] | None:
    normalised = {v.norm_header(k): k for k in grids}
    for wanted in spec.names():
        if wanted in normalised:
            key = normalised[wanted]
            return grids.names.get(key, key), grids[key]
    for wanted in spec.names():
        for norm, key in normalised.items():
            if norm.startswith(wanted + " ") and _is_period(norm[len(wanted) + 1:]):
                return grids.names.get(key, key), grids[key]
    return None


_PERIOD_WORDS = {"tw", "triwulan", "ke", "tahun", "i", "ii", "iii", "iv", "1", "2", "3", "4",
                 "q1", "q2", "q3", "q4", "kesatu", "kedua", "ketiga", "keempat", "pertama"}


def _is_period(rest: str) -> bool:
    """Whether what follows a sheet's declared name only says the period ('TW I 2025'), as
    in 'Realisasi Kinerja TW I': 'Realisasi Fisik' is another sheet, never 'Realisasi'."""
    return all(w in _PERIOD_WORDS or (w.isdigit() and len(w) == 4) for w in rest.split())


_UNIT_PERCENT = re.compile(r"%|\bpersen")
_UNIT_RUPIAH = re.compile(r"\brp\b|rupiah")
_UNIT_SCALED = re.compile(r"000|\bribu|\bjuta|\bmilyar|\bmiliar")


_UNIT_TEXT = re.compile(r"[\[(][^\])]*[\])]|\brp\b\.?|%", re.IGNORECASE)


def _without_unit(text: str) -> str:
    """A header without the unit it names: 'Realisasi (Rp)' -> 'realisasi'."""
    return v.norm_header(_UNIT_TEXT.sub(" ", text))


def header_unit(text: str) -> str | None:
    """The unit a header names: '%', 'Rp', 'Rp ribuan' ('Rp. (000)'), or None."""
    lower = text.lower()
    if _UNIT_PERCENT.search(lower):
        return "%"
    if _UNIT_RUPIAH.search(lower):
        return "Rp ribuan" if _UNIT_SCALED.search(lower) else "Rp"
    return None


def _extract_kv(book: ParsedWorkbook, spec: Sheet, name: str, grid: list[list]) -> None:
    book.info_sheet = name
    lookup = _header_lookup(spec)
    for r, row in enumerate(grid, start=1):
        # "Kode Wilayah | : | 35.23", the usual form layout: the ":" cell is no value
        cells = [(i, c) for i, c in enumerate(row) if not v.is_blank(c) and not (
            isinstance(c, str) and c.strip() in (":", "="))]
        if len(cells) < 1:
            continue
        col = lookup.get(v.norm_header(cells[0][1]))
        if col is None or col.field in book.info:
            continue
        raw = cells[1][1] if len(cells) > 1 else None
        if isinstance(raw, str) and raw.lstrip().startswith((":", "=")):
            raw = raw.lstrip()[1:]  # "Kode Wilayah | : 35.23"
        book.info_rows[col.field] = r
        try:
            book.info[col.field] = PARSERS[col.type](raw)
        except ValueError as exc:
            book.issue(name, r, col.header, "format", raw, f"Isian '{col.header}' {exc}.")
            book.info[col.field] = None
    for col in spec.columns:
        if col.required and book.info.get(col.field) is None and not any(
                i.column == col.header and i.sheet == name for i in book.issues):
            book.issue(name, book.info_rows.get(col.field), col.header, "wajib", None,
                       f"Isian '{col.header}' wajib diisi di sheet '{name}'.")


@cache
def _header_lookup(spec: Sheet) -> dict[str, Column]:
    """Every normalised header (title or alias) of a sheet's columns, to its column."""
    return {n: c for c in spec.columns for n in c.names()}


def _fill_merged(grid: list[list], merged: list) -> None:
    height = len(grid)
    for (r0, c0), (r1, c1) in merged:
        if r0 >= height:
            continue
        top = grid[r0][c0] if c0 < len(grid[r0]) else None
        for r in range(r0, min(r1, height - 1) + 1):
            row = grid[r]
            for c in range(c0, min(c1, len(row) - 1) + 1):
                if (r, c) != (r0, c0):
                    row[c] = top


def _find_header(spec: Sheet, grid: list[list]
                 ) -> tuple[int, dict[int, Column], list[str], list[tuple[int, str, Column]]]:
    """The header row among the first rows: the one naming the most columns (required ones
    count double), the first such; the search stops at a row naming every column.

    Also returns the headers met twice (each once, however many columns a merged header
    spans: which of them holds the values is not known) and the cells of the header row
    that name a column but another unit ('REALISASI [%]' for a realisation in the
    indicator's unit, 'Rp. (000)' for rupiah): those are never read as that column."""
    lookup = _header_lookup(spec)
    every = len(spec.columns)
    best: tuple[int, int, dict[int, Column], list] = (-1, 0, {}, [])
    for r, row in enumerate(grid[:HEADER_SCAN_ROWS]):
        mapping: dict[int, Column] = {}
        units: list[tuple[int, str, Column]] = []
        for c, cell in enumerate(row):
            if not isinstance(cell, str):
                continue
            col = lookup.get(v.norm_header(cell)) or lookup.get(_without_unit(cell))
            if col is None:
                continue
            unit = header_unit(cell)
            if unit is not None and unit != header_unit(col.header):
                units.append((c, cell.strip(), col))
            else:
                mapping[c] = col
        score = sum(2 if c.required else 1 for c in mapping.values())
        if score > best[1]:
            best = (r, score, mapping, units)
            if len({c.field for c in mapping.values()}) == every:
                break
    r, _, mapping, units = best
    dupes = list(dict.fromkeys(c.header for i, c in mapping.items()
                               if any(j < i and d.field == c.field for j, d in mapping.items())))
    return r, mapping, dupes, units


def _is_numbering_row(cells: list) -> bool:
    filled = [c for c in cells if not v.is_blank(c)]
    return bool(filled) and all(
        isinstance(c, (int, float)) or str(c).strip().strip("()").isdigit() for c in filled)


def _extract_table(book: ParsedWorkbook, spec: Sheet, name: str, grid: list[list],
                   merged: list, percent: set[tuple[int, int]] | frozenset = frozenset()
                   ) -> Table:
    table = Table(sheet=spec, name=name)
    if merged:
        _fill_merged(grid, merged)
    r, mapping, dupes, units = _find_header(spec, grid)
    for text, col in dict.fromkeys((text, col) for _, text, col in units):
        book.issue(name, r + 1, text, "satuan_kolom", text,
                   f"Judul kolom '{text}' menyatakan satuan {header_unit(text)}, sedangkan "
                   f"kolom '{col.header}' "
                   + (f"dalam satuan {header_unit(col.header)}" if header_unit(col.header)
                      else "dalam satuan indikatornya")
                   + ". Kolom ini tidak dibaca; gunakan judul dan satuan kolom dari template.")
    for header in dupes:
        book.issue(name, r + 1, header, "kolom_ganda", None,
                   f"Kolom '{header}' muncul lebih dari sekali (atau judulnya digabung/merge "
                   "di beberapa kolom). Sisakan satu kolom dengan judul itu.")
    present = {c.field for c in mapping.values()}
    missing = [c for c in spec.columns if c.required and c.field not in present]
    entry = [c for c in spec.columns if not c.locked]
    if r >= 0 and not missing and len(entry) < len(spec.columns) and not any(
            c.field in present for c in entry):
        missing = entry[:1]  # a pre-filled sheet without any column to fill in
    for col in missing:
        book.issue(name, r + 1 if r >= 0 else None, col.header, "kolom_hilang", None,
                   f"Kolom wajib '{col.header}' tidak ditemukan"
                   + (f" di baris judul (baris {r + 1})" if r >= 0 else "")
                   + ". Gunakan judul kolom dari template.")
    if r < 0 or missing:
        return table
    table.header_row = r + 1
    positions: dict[str, int] = {}
    for c, col in mapping.items():
        positions.setdefault(col.field, c)
    table.headers = {f: str(grid[r][c]).strip() for f, c in positions.items()}
    body = grid[r + 1:]
    width = max(positions.values()) + 1
    if body and min(map(len, body)) < width:  # calamine grids are rectangular; be safe
        for row in body:
            row.extend([""] * (width - len(row)))
    fields = list(positions)
    converted = {f: _convert(spec.column(f), list(map(itemgetter(c), body)))
                 for f, c in positions.items()}
    values = {f: out for f, (out, _, _, _) in converted.items()}
    errors = {f: errs for f, (_, errs, _, _) in converted.items() if errs}
    table.filled = {f for f, (_, _, filled, _) in converted.items() if filled}
    distinct = {f: d for f, (_, _, _, d) in converted.items()}
    by_unit = _percent_cells(spec, positions, values, errors, percent, r) if percent else {}
    error_rows = set().union(*errors.values()) if errors else set()
    keep = _rows_to_keep(spec, fields, values, table.filled, error_rows, body, positions)
    keep = _without(keep, _total_rows(spec, keep, distinct, body, positions))
    first = r + 2
    full = len(keep) == len(body)
    table.rows = list(range(first, first + len(body))) if full else [first + i for i in keep]
    table.columns = {f: (col if full else list(map(col.__getitem__, keep)))
                     for f, col in values.items()}
    kept = keep if full or not errors else set(keep)  # for membership tests
    table.percent = {f: {k for k, i in enumerate(keep) if i in cells}
                     for f, cells in by_unit.items()}
    for f, errs in errors.items():
        header = table.headers[f]
        for i, (value, message) in sorted(errs.items()):
            if i in kept:
                book.issue(name, first + i, header, "format", value,
                           f"Nilai '{value}' tidak valid: {message}.")
    for f in fields:
        col = table.columns[f]
        if spec.column(f).required and f not in table.filled and None in col:
            header = table.headers[f]
            failed = errors.get(f, {})
            for k in _nones(col):
                if keep[k] not in failed:
                    book.issue(name, table.rows[k], header, "wajib", None,
                               f"Kolom '{header}' wajib diisi.")
    return table


def _percent_cells(spec: Sheet, positions: dict[str, int], values: dict[str, list],
                   errors: dict[str, dict[int, tuple[object, str]]],
                   percent: set[tuple[int, int]], header: int) -> dict[str, set[int]]:
    """Read the cells the file formats as percentages (0.909 shown as 90,9%) as the clerk
    typed them: ×100 in a percent column; in a field whose unit decides (an indicator's
    realisation or target) the body indexes are returned for the validator; in any other
    number column it is an error, never a silent 0.909."""
    by_unit: dict[str, set[int]] = {}
    for f, c in positions.items():
        col = spec.column(f)
        if col.type not in NUMERIC or col.locked:
            continue
        rows = {r - header - 1 for r, cc in percent if cc == c and r > header}
        rows = {i for i in rows if isinstance(values[f][i], float | int)}
        if not rows:
            continue
        if col.type == "percent":
            out = values[f]
            for i in rows:
                out[i] = round(out[i] * 100, 10)
        elif (spec.kind, spec.key, f) in UNIT_DECIDES:
            by_unit[f] = rows
        else:
            for i in rows:
                shown = f"{values[f][i] * 100:g}%".replace(".", ",")
                errors.setdefault(f, {})[i] = (shown, "sel ini diformat sebagai persen, "
                                               "padahal kolom ini bukan persen. Ubah format "
                                               "sel menjadi Angka (General) dan isi nilainya")
                values[f][i] = None
    return by_unit


def _rows_to_keep(spec: Sheet, fields: list[str], values: dict[str, list], filled: set[str],
                  error_rows: set[int], body: list[list],
                  positions: dict[str, int]) -> Sequence[int]:
    """Indexes of body rows that carry data: not blank, not a numbering row under the
    header, and (in pre-filled report sheets) with some entry filled (total rows are
    taken out by ``_total_rows``)."""
    # a blank period cell reads as annual (0) and a blank code list as (): no data either
    cells = [f for f in fields if spec.column(f).type not in ("period", "codelist")]
    keep = _without(range(len(body)), _all_none(values, cells or fields, filled) - error_rows)
    if keep and keep[0] == 0 and _is_numbering_row([body[0][c] for c in positions.values()]):
        keep = keep[1:]
    entry = [c.field for c in spec.columns if not c.locked and c.field in values]
    if any(c.locked for c in spec.columns) and entry:
        keep = _without(keep, _all_none(values, entry, filled) - error_rows)
    return keep


_TOTAL_LABEL = re.compile(r"(sub ?total|sub ?jumlah|grand total|jumlah|total)\b")


def _is_total_label(cell: object) -> bool:
    """'JUMLAH', 'TOTAL', 'SUB TOTAL', 'Subtotal', 'Jumlah Total', 'Grand Total' ..."""
    return isinstance(cell, str) and _TOTAL_LABEL.match(v.norm_header(cell)) is not None


def _total_rows(spec: Sheet, keep: Sequence[int], distinct: dict[str, set | None],
                body: list[list], positions: dict[str, int]) -> set[int]:
    """Rows that sum the table: the first filled cell of the row (a label cell is often
    merged across the code and name columns) is a total label, and no required column
    but the amounts names anything else (a program, a source). Their amounts are no data
    and their cells are not checked. Only rows whose first required label column is blank
    or a total label are looked at: none in a clean sheet, seen from its distinct values."""
    labels = [c.field for c in spec.columns
              if c.required and c.field in positions and c.type not in NUMERIC]
    if not labels:
        return set()
    odd = {x for x in distinct[labels[0]] or () if v.is_blank(x) or _is_total_label(x)}
    if not odd:
        return set()
    first, columns = positions[labels[0]], [positions[f] for f in labels]
    totals = set()
    for i in keep:
        row = body[i]
        if row[first] not in odd:
            continue
        label = next((c for c in row if not v.is_blank(c)), None)
        if _is_total_label(label) and all(
                v.is_blank(row[c]) or _is_total_label(row[c]) for c in columns):
            totals.add(i)
    return totals


def _nones(values: list) -> list[int]:
    """Indexes of the None values."""
    return [i for i, x in enumerate(values) if x is None]


def _all_none(values: dict[str, list], fields: list[str], filled: set[str]) -> set[int]:
    """Indexes of the rows where every one of ``fields`` is None (none when one of them is
    ``filled``); only the rows still blank are looked at in the next field."""
    if filled.intersection(fields):
        return set()
    first, *rest = fields
    rows = _nones(values[first])
    for f in rest:
        col = values[f]
        rows = [i for i in rows if col[i] is None]
    return set(rows)


def _without(keep: Sequence[int], drop: set[int]) -> Sequence[int]:
    """``keep`` minus the indexes in ``drop``, in order."""
    return [i for i in keep if i not in drop] if drop else keep


def _convert(col: Column, raw: list) -> tuple[list, dict[int, tuple[object, str]], bool,
                                              set | None]:
    """Parse a raw column; returns the values (None where blank or invalid), the errors by
    row index, whether no value is None and the distinct raw values (None for a number
    column, where they are not computed). Numbers stored as numbers and clean text pass
    straight through; every other distinct value is parsed once, so large sheets cost
    little more than reading them."""
    parser = PARSERS[col.type]
    if col.type in NUMERIC:
        types = set(map(type, raw))
        if types == {float}:
            return raw, {}, True, None
        if float in types:
            return (*_convert_mixed_numbers(parser, raw), None)
    distinct = set(raw)
    if col.type in TEXTS and _clean_text(distinct, code=col.type == "code"):
        return raw, {}, True, distinct
    memo = _parse_distinct(parser, distinct)
    # A column of one repeated value (often all blank) needs no lookup per cell.
    out = list(memo.values()) * len(raw) if len(memo) == 1 else list(map(memo.__getitem__, raw))
    errors: dict[int, tuple[object, str]] = {}
    bad = {x for x, p in memo.items() if isinstance(p, _Failed)}
    if bad:
        for i, x in enumerate(raw):
            if x in bad:
                errors[i] = (x, memo[x].message)  # type: ignore[union-attr]
                out[i] = None
    return out, errors, not bad and None not in memo.values(), distinct


def _clean_text(distinct: set, code: bool) -> bool:
    """Whether every value is a string that v.parse_text (v.parse_code if ``code``) returns
    unchanged: not blank or '-', no whitespace but single inner spaces, and for codes no
    space at all and upper case. Tested on the values joined, so at C speed."""
    if "" in distinct or "-" in distinct or set(map(type, distinct)) != {str}:
        return False
    joined = "|".join(distinct)
    if not joined.isprintable():  # the only printable whitespace is " "
        return False
    if code:
        return " " not in joined and joined.upper() == joined
    return not (joined[0] == " " or joined[-1] == " " or "  " in joined or " |" in joined
                or "| " in joined)


def _convert_mixed_numbers(parser: Callable[[object], object],
                           raw: list) -> tuple[list, dict[int, tuple[object, str]], bool]:
    """A number column holding both numbers and other cells: only the others are parsed."""
    out = list(raw)
    errors: dict[int, tuple[object, str]] = {}
    slow = [i for i, x in enumerate(raw) if type(x) is not float]
    memo = _parse_distinct(parser, {raw[i] for i in slow})
    for i in slow:
        parsed = memo[raw[i]]
        if isinstance(parsed, _Failed):
            errors[i] = (raw[i], parsed.message)
            out[i] = None
        else:
            out[i] = parsed
    return out, errors, not errors and None not in memo.values()


def _parse_distinct(parser: Callable[[object], object], distinct: set) -> dict[object, object]:
    """Each distinct raw value with its parsed value, or a _Failed saying why it is invalid."""
    try:
        return dict(zip(distinct, map(parser, distinct)))
    except ValueError:
        return {x: _parse_or_error(parser, x) for x in distinct}


class _Failed:
    """A parse failure remembered for a distinct raw value."""

    __slots__ = ("message",)

    def __init__(self, message: str):
        self.message = message


def _parse_or_error(parser: Callable[[object], object], value: object) -> object:
    try:
        return parser(value)
    except ValueError as exc:
        return _Failed(str(exc))
