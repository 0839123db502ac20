"""Check a parsed workbook against the rules and the database; build the rows to insert.

Every check appends an Issue naming sheet, row and column; nothing stops at the first problem.
The output is one :class:`Facts` per fact table, each row carrying src_sheet and src_row.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date

import pandas as pd
import pyarrow as pa

from etl.percent import is_percent_unit
from etl.workbook import ParsedWorkbook, Table
from monev.domain.accumulation import year_to_date
from monev.domain.text import format_angka
from monev.domain.village import STAGES, funding_route, village_kind
from monev.store.intake import MasterplanState

TW_NAMES = {1: "TW I", 2: "TW II", 3: "TW III", 4: "TW IV"}
QUARTER_START = {1: (1, 1), 2: (4, 1), 3: (7, 1), 4: (10, 1)}


@dataclass(frozen=True)
class Expect:
    """What the uploader says the file is (CLI options or the upload page's choice)."""

    opd: str | None = None
    year: int | None = None
    tw: int | None = None
    region: str | None = None
    opd_scope: str | None = None   # an operator account: only this OPD's reports, ever
    region_scope: str | None = None  # an account bound to one region: only its files, ever
    # Rows of the replaced load the uploader confirmed may go, as (file sha256, count): a
    # file that would remove rows of the load it supersedes loads only when its count is

    removals: tuple[tuple[str, int], ...] = ()
    # A replayed E.81 form (etl rebuild): exactly the text_mapping rows its load used.
    mapping_ids: tuple[int, ...] | None = None

    def confirmed_removal(self, file_hash: str) -> int | None:
        """How many removed rows the uploader confirmed for this file (None: none)."""
        return next((n for h, n in self.removals if h in (file_hash, "*")), None)


def outside_region(book: ParsedWorkbook, region: str, expect: Expect) -> bool:
    """Record (and say) that a file is for a region the account may not touch."""
    if not expect.region_scope or region == expect.region_scope:
        return False
    book.issue(book.info_sheet, book.info_rows.get("kode_wilayah"), "Kode Wilayah",
               "di_luar_wewenang", region,
               f"Akun Anda hanya untuk wilayah {expect.region_scope}; file ini untuk wilayah "
               f"{region}. Unggahan tidak boleh melintasi wilayah: minta admin wilayah "
               f"{region} mengunggahnya.")
    return True


@dataclass
class Identity:
    """Who and what period a workbook is about."""

    kind: str
    region: str
    opd: str | None = None
    year: int | None = None
    tw: int | None = None
    basis: str | None = None


@dataclass
class Facts:
    """The rows one workbook brings into a fact table, column by column: each column is a
    list with one value per row, or a single value shared by every row."""

    columns: dict[str, object]
    rows: int
    nullable: tuple[str, ...] = ()  # number columns that may hold None
    _table: pa.Table | None = field(default=None, init=False, repr=False, compare=False)

    def __len__(self) -> int:
        return self.rows

    def column(self, name: str) -> list:
        """The values of one column, one per row."""
        values = self.columns[name]
        return values if isinstance(values, list) else [values] * self.rows

    def frame(self) -> pd.DataFrame:
        """The rows as a DataFrame (nullable number columns as Float64)."""
        return pd.DataFrame({k: pd.array(v, dtype="Float64") if k in self.nullable else v
                             for k, v in self.columns.items()})

    def arrow(self, **constants: object) -> pa.Table:
        """The rows as an Arrow table, with ``constants`` as extra columns of one value.
        The lists are converted once (the upload diff and the insert both need them)."""
        if self._table is None:
            self._table = pa.table({k: v if isinstance(v, list)
                                    else pa.repeat(pa.scalar(v), self.rows)
                                    for k, v in self.columns.items()})
        table = self._table
        for name, value in constants.items():
            table = table.append_column(name, pa.repeat(pa.scalar(value), self.rows))
        return table


def stacked(parts: Sequence[tuple[Facts, dict[str, object]]]) -> pa.Table:
    """The rows of several workbooks for one fact table as one Arrow table, each part with
    its ``constants`` (region, load id) as columns: one conversion for a batch instead of
    one per file and a concatenation (a quarter of 30 reports, 11 tables: 120 small Arrow
    tables were half the time of its inserts). A column a part lacks is None in its rows."""
    if len(parts) == 1:
        facts, constants = parts[0]
        return facts.arrow(**constants)
    names = list(dict.fromkeys(n for facts, constants in parts
                               for n in (*facts.columns, *constants)))
    columns: dict[str, list] = {}
    for name in names:
        values: list = []
        for facts, constants in parts:
            if name in constants:
                values += [constants[name]] * facts.rows
            elif name in facts.columns:
                values += facts.column(name)
            else:
                values += [None] * facts.rows
        columns[name] = values
    return pa.table(columns)


def _dupes(book: ParsedWorkbook, table: Table, keys: list[str], what: str) -> set[int]:
    """Indexes of every repeat of a key combination (the first occurrence stays)."""
    if _all_distinct([table.get(k) for k in keys]):
        return set()
    combos = list(zip(*(table.get(k) for k in keys), strict=True))
    counts = Counter(combos)
    repeated = {c for c, n in counts.items() if n > 1 and None not in c}
    if not repeated:
        return set()
    seen: dict[tuple, int] = {}
    dup = set()
    for i, combo in enumerate(combos):
        if combo not in repeated:
            continue
        if combo in seen:
            shown = " / ".join(map(str, combo))
            book.issue(table.name, table.rows[i], table.header(keys[-1]), "duplikat", shown,
                       f"Baris ganda: {what} {shown} sudah ada di baris {seen[combo]}. "
                       "Hapus salah satu baris.")
            dup.add(i)
        else:
            seen[combo] = table.rows[i]
    return dup


def _all_distinct(columns: list[list]) -> bool:
    """True when no combination of values repeats across the aligned columns. Compares
    hashes, so it may answer False for distinct combinations, never True for repeats."""
    if len(columns) == 1:
        return len(set(columns[0])) == len(columns[0])
    return len(set(map(hash, zip(*columns, strict=True)))) == len(columns[0])


def _blank_rows(table: Table, fields: list[str]) -> set[int]:
    """Rows where any of the fields is empty (already reported while reading)."""
    rows: set[int] = set()
    for f in fields:
        values = table.get(f)
        if f not in table.filled and None in values:
            rows.update(i for i, x in enumerate(values) if x is None)
    return rows


def _unknown(values: list, known: set) -> set:
    """The values (but None) missing from ``known``; none are checked when it is empty."""
    if not known or known.issuperset(values):
        return set()
    return set(values) - known - {None}


def _rows_with(values: list, bad: set) -> list[int]:
    """Indexes whose value is in ``bad`` (cheap when ``bad`` is empty)."""
    return [i for i, x in enumerate(values) if x in bad] if bad else []


def _kept(n: int, bad: set[int]) -> Sequence[int]:
    return [i for i in range(n) if i not in bad] if bad else range(n)


def _take(values: list, keep: Sequence[int], n: int) -> list:
    return values if len(keep) == n else [values[i] for i in keep]


def _src(table: Table, keep: Sequence[int]) -> dict[str, object]:
    return {"src_sheet": table.name, "src_row": _take(table.rows, keep, len(table.rows))}


# ---------------------------------------------------------------- masterplan


def _percent_by_unit(book: ParsedWorkbook, tab: Table, field: str,
                     unit_of: Callable[[int], str | None]) -> set[int]:
    """Cells of ``field`` the file formats as percentages (0.8 shown as 80%): ×100 in place
    where the indicator's unit is a percentage; an issue (and the row's index returned) where
    it is not, since the value could mean 0.8 or 80 of that unit."""
    bad: set[int] = set()
    values = tab.get(field)
    for i in sorted(tab.percent.get(field, ())):
        unit = unit_of(i)
        if values[i] is None:
            continue
        if is_percent_unit(unit):
            values[i] = round(values[i] * 100, 10)
            continue
        shown = f"{values[i] * 100:g}%".replace(".", ",")
        book.issue(tab.name, tab.rows[i], tab.header(field), "format_persen", shown,
                   f"Sel ini diformat sebagai persen ({shown}), padahal satuan indikatornya "
                   f"'{unit or '-'}'. Ubah format sel menjadi Angka (General) dan isi nilainya "
                   f"dalam satuan {unit or 'indikator'}.")
        bad.add(i)
    return bad


def masterplan_identity(book: ParsedWorkbook, region_name: str | None) -> Identity | None:
    """Region and period of a masterplan workbook (issues recorded on the book)."""
    region = book.info.get("kode_wilayah")
    if region and region_name is None:
        book.issue(book.info_sheet, book.info_rows.get("kode_wilayah"), "Kode Wilayah",
                   "kode_wilayah", region, f"Kode wilayah '{region}' tidak ada dalam daftar "
                   "kabupaten/kota Kemendagri. Tulis seperti 35.23 (Kabupaten Tuban).")
    start, end = book.info.get("tahun_awal"), book.info.get("tahun_akhir")
    if start and end and not (start <= end <= start + 20):
        book.issue(book.info_sheet, book.info_rows.get("tahun_akhir"), "Tahun Akhir", "periode",
                   end, f"Tahun akhir {end} harus sama atau setelah tahun awal {start} "
                   "(masterplan paling lama 20 tahun).")
    if not region or region_name is None:
        return None
    return Identity("masterplan", region)


def validate_masterplan(book: ParsedWorkbook, dims: pd.DataFrame,
                        villages: frozenset[str]) -> dict[str, Facts]:
    """Check a masterplan workbook; return its fact rows (without region/load columns)."""
    info = book.info
    start, end = info.get("tahun_awal") or 0, info.get("tahun_akhir") or 0
    frames: dict[str, Facts] = {
        "masterplan": Facts({"title": [info.get("judul")], "start_year": [start],
                             "end_year": [end], "legal_basis": [info.get("dasar_hukum")]}, 1)}
    t = book.tables
    opd_codes: set[str] = set()
    if "opd" in t:
        tab = t["opd"]
        dup = _dupes(book, tab, ["kode_opd"], "Kode OPD")
        keep = [i for i, c in enumerate(tab.get("kode_opd")) if c and i not in dup]
        opd_codes = {tab.get("kode_opd")[i] for i in keep}
        frames["opd"] = Facts({
            "opd_code": [tab.get("kode_opd")[i] for i in keep],
            "name": [tab.get("nama_opd")[i] for i in keep],
            "short_name": [tab.get("singkatan")[i] for i in keep], **_src(tab, keep)}, len(keep))
    programs: set[str] = set()
    if "program" in t:
        frames.update(_masterplan_programs(book, t["program"], dims, opd_codes, start, end,
                                           programs))
    if "indikator" in t:
        frames["indicator"] = _masterplan_indicators(book, t["indikator"], programs)
    if "desa" in t:
        frames["village_plan"] = _masterplan_villages(book, t["desa"], programs, villages,
                                                      start, end)
    validate_masterplan_targets(book, frames)
    return frames


def validate_masterplan_targets(book: ParsedWorkbook, frames: dict[str, Facts]) -> None:
    """Check the target sheet against the indicators of ``frames`` (the other checked
    sheets) and add its rows as ``frames['target']``; nothing while a staged book has not
    read it yet (``ParsedWorkbook.complete``), nothing the second time."""
    if "target" not in book.tables or "target" in frames:
        return
    start, end = book.info.get("tahun_awal") or 0, book.info.get("tahun_akhir") or 0
    units = dict(zip(frames["indicator"].column("indicator_code"),
                     frames["indicator"].column("unit"), strict=True)) \
        if "indicator" in frames else {}
    frames["target"] = _masterplan_targets(book, book.tables["target"], units, start, end)


def _masterplan_programs(book: ParsedWorkbook, tab: Table, dims: pd.DataFrame,
                         opd_codes: set[str], start: int, end: int,
                         programs: set[str]) -> dict[str, Facts]:
    by_name = {}
    for row in dims.itertuples():
        for alias in (row.code, row.name, row.name.replace("Smart ", "")):
            by_name[alias.lower()] = row.code
    subs = {(r.code, r.sub_dimension.lower()): r.sub_dimension
            for r in dims.itertuples() if isinstance(r.sub_dimension, str)}
    dup = _dupes(book, tab, ["kode_program"], "Kode Program")
    keep, dim_codes, support_rows = [], [], []
    for i, code in enumerate(tab.get("kode_program")):
        ok = bool(code) and i not in dup
        dim = tab.get("dimensi")[i]
        dim_code = by_name.get((dim or "").lower())
        if dim and dim_code is None:
            book.issue(tab.name, tab.rows[i], tab.header("dimensi"), "dimensi", dim,
                       f"Dimensi '{dim}' tidak dikenal. Pilih salah satu: "
                       + ", ".join(dims["name"].unique()) + ".")
            ok = False
        lead = tab.get("opd_pengampu")[i]
        if lead and lead not in opd_codes:
            book.issue(tab.name, tab.rows[i], tab.header("opd_pengampu"), "kode_opd", lead,
                       f"OPD pengampu '{lead}' tidak ada di sheet OPD. Tambahkan OPD itu atau "
                       "perbaiki kodenya.")
            ok = False
        for sup in tab.get("opd_pendukung")[i] or ():
            if sup not in opd_codes:
                book.issue(tab.name, tab.rows[i], tab.header("opd_pendukung"), "kode_opd", sup,
                           f"OPD pendukung '{sup}' tidak ada di sheet OPD.")
                ok = False
            elif ok and sup != lead:
                support_rows.append((code, sup))
        y0, y1 = tab.get("tahun_mulai")[i], tab.get("tahun_selesai")[i]
        if y0 and y1 and not (start <= y0 <= y1 <= end):
            book.issue(tab.name, tab.rows[i], tab.header("tahun_selesai"), "periode",
                       f"{y0}–{y1}", f"Tahun program {y0}–{y1} harus berada dalam periode "
                       f"masterplan {start}–{end} dan tahun mulai tidak boleh setelah selesai.")
            ok = False
        if ok:
            keep.append(i)
            dim_codes.append(dim_code)
    programs.update(tab.get("kode_program")[i] for i in keep)
    horizon = tab.get("horizon")
    quick = tab.get("quick_win")
    sub = tab.get("sub_dimensi")
    return {
        "program": Facts({
            "program_code": [tab.get("kode_program")[i] for i in keep],
            "name": [tab.get("nama_program")[i] for i in keep],
            "dimension_code": dim_codes,
            "sub_dimension": [subs.get((d, (sub[i] or "").lower()), sub[i])
                              for d, i in zip(dim_codes, keep, strict=True)],
            "horizon": [horizon[i] for i in keep],
            "quick_win": [quick[i] if quick[i] is not None else horizon[i] == "Quick Win"
                          for i in keep],
            "lead_opd_code": [tab.get("opd_pengampu")[i] for i in keep],
            "start_year": [tab.get("tahun_mulai")[i] for i in keep],
            "end_year": [tab.get("tahun_selesai")[i] for i in keep],
            "rpjmd_ref": [tab.get("sasaran_rpjmd")[i] for i in keep], **_src(tab, keep)},
            len(keep)),
        "program_support": Facts({"program_code": [p for p, _ in support_rows],
                                  "opd_code": [o for _, o in support_rows]}, len(support_rows)),
    }


def _masterplan_indicators(book: ParsedWorkbook, tab: Table,
                           programs: set[str]) -> Facts:
    n = len(tab)
    codes, progs, weights = tab.get("kode_indikator"), tab.get("kode_program"), tab.get("bobot")
    bad = _dupes(book, tab, ["kode_indikator"], "Kode Indikator")
    bad |= _blank_rows(tab, ["kode_indikator", "kode_program"])
    units = tab.get("satuan")
    bad |= _percent_by_unit(book, tab, "kondisi_awal", units.__getitem__)
    for i in _rows_with(progs, _unknown(progs, programs)):
        book.issue(tab.name, tab.rows[i], tab.header("kode_program"), "kode_program",
                   progs[i], f"Kode program '{progs[i]}' tidak ada di sheet Program.")
        bad.add(i)
    for i in [i for i, w in enumerate(weights) if w is not None and w < 0]:
        book.issue(tab.name, tab.rows[i], tab.header("bobot"), "negatif", weights[i],
                   "Bobot tidak boleh negatif.")
        bad.add(i)
    keep = _kept(n, bad)
    return Facts({
        "indicator_code": _take(codes, keep, n), "program_code": _take(progs, keep, n),
        "name": _take(tab.get("nama_indikator"), keep, n),
        "unit": _take(tab.get("satuan"), keep, n),
        "polarity": _take(tab.get("polaritas"), keep, n),
        "accumulation": _take(tab.get("akumulasi"), keep, n),
        "baseline": _take(tab.get("kondisi_awal"), keep, n),
        "weight": [1.0 if w is None else w for w in _take(weights, keep, n)],
        **_src(tab, keep)}, len(keep), nullable=("baseline",))


def _masterplan_targets(book: ParsedWorkbook, tab: Table, units: dict[str, str | None],
                        start: int, end: int) -> Facts:
    n = len(tab)
    codes, years = tab.get("kode_indikator"), tab.get("tahun")
    indicators = set(units)
    bad = set().union(*(_percent_by_unit(book, tab, f, lambda i: units.get(codes[i]))
                        for f in ("target", "target_maks")))
    values, vmax = tab.get("target"), tab.get("target_maks")
    bad |= _dupes(book, tab, ["kode_indikator", "tahun", "periode"],
                  "target indikator/tahun/periode")
    bad |= _blank_rows(tab, ["kode_indikator", "tahun", "target"])
    for i in _rows_with(codes, _unknown(codes, indicators)):
        book.issue(tab.name, tab.rows[i], tab.header("kode_indikator"), "kode_indikator",
                   codes[i], f"Kode indikator '{codes[i]}' tidak ada di sheet Indikator.")
        bad.add(i)
    outside = {y for y in set(years) - {None} if not start <= y <= end}
    for i in _rows_with(years, outside):
        book.issue(tab.name, tab.rows[i], tab.header("tahun"), "periode", years[i],
                   f"Tahun {years[i]} di luar periode masterplan {start}–{end}.")
        bad.add(i)
    if vmax.count(None) < n:
        for i, (value, high) in enumerate(zip(values, vmax, strict=True)):
            if value is not None and high is not None and high < value:
                book.issue(tab.name, tab.rows[i], tab.header("target_maks"), "rentang", high,
                           f"Target maks {high:g} lebih kecil dari target {value:g}.")
                bad.add(i)
    keep = _kept(n, bad)
    return Facts({
        "indicator_code": _take(codes, keep, n), "year": _take(years, keep, n),
        "tw": _take(tab.get("periode"), keep, n), "value": _take(values, keep, n),
        "value_max": _take(vmax, keep, n), **_src(tab, keep)}, len(keep),
        nullable=("value_max",))


def _masterplan_villages(book: ParsedWorkbook, tab: Table, programs: set[str],
                         known: frozenset[str], start: int, end: int) -> Facts:
    dup = _dupes(book, tab, ["kode_program", "kode_desa"], "program/desa")
    keep, routes = [], []
    for i, prog in enumerate(tab.get("kode_program")):
        village, year = tab.get("kode_desa")[i], tab.get("tahun_pendanaan")[i]
        source = tab.get("sumber_dana")[i]
        ok = i not in dup and None not in (prog, village, year, source)
        if prog and programs and prog not in programs:
            book.issue(tab.name, tab.rows[i], tab.header("kode_program"), "kode_program", prog,
                       f"Kode program '{prog}' tidak ada di sheet Program.")
            ok = False
        if village and village not in known:
            book.issue(tab.name, tab.rows[i], tab.header("kode_desa"), "kode_desa", village,
                       f"Kode desa/kelurahan '{village}' tidak ada di wilayah ini (kode "
                       "Kemendagri). Periksa kodenya di daftar wilayah.")
            ok = False
        if year and not start <= year <= end:
            book.issue(tab.name, tab.rows[i], tab.header("tahun_pendanaan"), "periode", year,
                       f"Tahun pendanaan {year} di luar periode masterplan {start}–{end}.")
            ok = False
        if ok:
            keep.append(i)
            routes.append(funding_route(village, source))
    return Facts({
        "program_code": [tab.get("kode_program")[i] for i in keep],
        "village_code": [tab.get("kode_desa")[i] for i in keep],
        "funding_year": [tab.get("tahun_pendanaan")[i] for i in keep],
        "route": routes,
        "funding_source": [tab.get("sumber_dana")[i] for i in keep], **_src(tab, keep)},
        len(keep))


# ---------------------------------------------------------------- quarterly report


def laporan_identity(book: ParsedWorkbook, state: MasterplanState | None, expect: Expect,
                     received_on: date) -> Identity | None:
    """OPD and period of a quarterly report, checked against its metadata, the uploader's
    expectation and the masterplan (issues recorded on the book)."""
    info, sheet, rows = book.info, book.info_sheet, book.info_rows
    region, opd, year, tw = (info.get(k) for k in ("kode_wilayah", "kode_opd", "tahun",
                                                   "triwulan"))
    meta = book.meta
    shown = {"kode_wilayah": region, "kode_opd": opd, "tahun": year, "triwulan": tw}
    meta_keys = {"kode_wilayah": "kode_wilayah", "kode_opd": "kode_opd", "tahun": "tahun",
                 "triwulan": "triwulan"}
    labels = {"kode_wilayah": "Kode Wilayah", "kode_opd": "Kode OPD", "tahun": "Tahun",
              "triwulan": "Triwulan"}
    for key, meta_key in meta_keys.items():
        if meta.get(meta_key) and shown[key] is not None and str(shown[key]) != meta[meta_key]:
            book.issue(sheet, rows.get(key), labels[key], "metadata", shown[key],
                       f"{labels[key]} '{shown[key]}' berbeda dengan template yang diunduh "
                       f"untuk {labels[key]} '{meta[meta_key]}'. Unduh template yang benar "
                       "untuk OPD dan triwulan ini, jangan menyalin file OPD atau periode lain.")
    wanted = {"kode_wilayah": expect.region, "kode_opd": expect.opd, "tahun": expect.year,
              "triwulan": expect.tw}
    for key, want in wanted.items():
        if want is not None and shown[key] is not None and shown[key] != want:
            label = TW_NAMES[want] if key == "triwulan" else want
            got = TW_NAMES.get(shown[key], shown[key]) if key == "triwulan" else shown[key]
            book.issue(sheet, rows.get(key), labels[key], "salah_opd_periode", got,
                       f"File ini untuk {labels[key]} {got}, padahal yang diunggah adalah "
                       f"{labels[key]} {label}. Periksa kembali file yang dipilih.")
    if region is not None and outside_region(book, region, expect):
        return None
    if expect.opd_scope and opd is not None and opd != expect.opd_scope:
        book.issue(sheet, rows.get("kode_opd"), "Kode OPD", "di_luar_wewenang", opd,
                   f"Akun Anda hanya untuk OPD {expect.opd_scope}; file ini laporan OPD {opd}. "
                   "Unggah laporan OPD Anda sendiri, atau minta admin Diskominfo "
                   "mengunggahnya.")
    if region is None or opd is None or year is None or tw is None:
        return None
    if state is None:
        book.issue(sheet, rows.get("kode_wilayah"), "Kode Wilayah", "masterplan_belum_ada",
                   region, f"Masterplan wilayah {region} belum dimuat. Muat workbook masterplan "
                   "terlebih dahulu.")
        return None
    if opd not in state.opds:
        book.issue(sheet, rows.get("kode_opd"), "Kode OPD", "kode_opd", opd,
                   f"Kode OPD '{opd}' tidak ada di masterplan. Pilih dari: "
                   + ", ".join(sorted(state.opds)) + ".")
    if not state.start_year <= year <= state.end_year:
        book.issue(sheet, rows.get("tahun"), "Tahun", "periode", year,
                   f"Tahun {year} di luar periode masterplan {state.start_year}–"
                   f"{state.end_year}.")
    elif date(year, *QUARTER_START[tw]) > received_on:
        book.issue(sheet, rows.get("triwulan"), "Triwulan", "periode", TW_NAMES[tw],
                   f"{TW_NAMES[tw]} {year} belum dimulai pada tanggal laporan diterima "
                   f"({received_on:%d-%m-%Y}). Periksa tahun dan triwulan.")
    basis = info.get("jenis_nilai") or meta.get("jenis_nilai") or "tw"
    return Identity("laporan", region, opd, year, tw, basis)


def validate_laporan(book: ParsedWorkbook, ident: Identity, state: MasterplanState,
                     villages: frozenset[str], prior_budget: list[tuple],
                     received_on: date) -> dict[str, Facts]:
    """Check a quarterly report against the masterplan; return its fact rows.

    ``prior_budget`` holds (program, source, tw, realisasi, basis) reported in earlier TWs.
    """
    own = {code for code, lead in state.lead_of.items() if lead == ident.opd}
    frames: dict[str, Facts] = {}
    t = book.tables
    if "realisasi" in t:
        frames["realisation"] = _laporan_realisation(book, t["realisasi"], ident, state, own)
    if "anggaran" in t:
        frames["budget"] = _laporan_budget(book, t["anggaran"], ident, state, own,
                                           prior_budget)
    if "fisik" in t:
        frames["program_progress"] = _laporan_progress(book, t["fisik"], ident, state, own)
    if "desa" in t:
        frames["village_stage"] = _laporan_villages(book, t["desa"], ident, state, own,
                                                    villages, received_on)
    return frames


def _check_program(book: ParsedWorkbook, tab: Table, i: int, prog: str | None,
                   ident: Identity, state: MasterplanState, own: set[str]) -> bool:
    if prog is None:
        return False
    if prog not in state.lead_of:
        book.issue(tab.name, tab.rows[i], tab.header("kode_program"), "kode_program", prog,
                   f"Kode program '{prog}' tidak ada di masterplan. Gunakan kode dari template.")
        return False
    if prog not in own:
        lead = state.lead_of[prog]
        book.issue(tab.name, tab.rows[i], tab.header("kode_program"), "program_opd_lain", prog,
                   f"Program '{prog}' diampu OPD {lead}, bukan {ident.opd}. Laporkan hanya "
                   "program yang diampu OPD Anda.")
        return False
    return True


def _laporan_realisation(book: ParsedWorkbook, tab: Table, ident: Identity,
                         state: MasterplanState, own: set[str]) -> Facts:
    inds = state.indicator_info
    dup = _dupes(book, tab, ["kode_indikator"], "Kode Indikator")
    codes, progs, tws, vals = (tab.get(k) for k in ("kode_indikator", "kode_program",
                                                    "triwulan", "realisasi"))
    keep = []
    wrong_unit = _percent_by_unit(book, tab, "realisasi",
                                  lambda i: inds[codes[i]][1] if codes[i] in inds else None)
    for i, code in enumerate(codes):
        if code is None or i in dup or i in wrong_unit:
            continue
        if code not in inds:
            book.issue(tab.name, tab.rows[i], tab.header("kode_indikator"), "kode_indikator",
                       code, f"Kode indikator '{code}' tidak ada di masterplan. Gunakan kode "
                       "dari template; jangan menambah baris indikator sendiri.")
            continue
        prog, unit, allows_negative = inds[code]
        if progs[i] and progs[i] != prog:
            book.issue(tab.name, tab.rows[i], tab.header("kode_program"), "kode_program",
                       progs[i], f"Indikator '{code}' milik program '{prog}', bukan "
                       f"'{progs[i]}'.")
            continue
        if not _check_program(book, tab, i, prog, ident, state, own):
            continue
        if tws[i] is not None and tws[i] != ident.tw:
            book.issue(tab.name, tab.rows[i], tab.header("triwulan"), "salah_opd_periode",
                       TW_NAMES[tws[i]], f"Baris ini untuk {TW_NAMES[tws[i]]}, padahal file "
                       f"ini laporan {TW_NAMES[ident.tw]}. Pisahkan laporan per triwulan.")
            continue
        value = vals[i]
        if value is None:
            continue  # not reported: never stored as 0
        if value < 0 and not allows_negative:
            book.issue(tab.name, tab.rows[i], tab.header("realisasi"), "negatif", value,
                       f"Realisasi {value:g} negatif tidak mungkin untuk indikator "
                       f"'{code}' ({unit}). Isi 0 atau lebih.")
            continue
        keep.append(i)
    notes = tab.get("keterangan")
    return Facts({
        "indicator_code": [codes[i] for i in keep], "year": ident.year, "tw": ident.tw,
        "value": [vals[i] for i in keep], "basis": ident.basis,
        "note": [notes[i] for i in keep], **_src(tab, keep)}, len(keep))


def _laporan_budget(book: ParsedWorkbook, tab: Table, ident: Identity, state: MasterplanState,
                    own: set[str], prior: list[tuple]) -> Facts:
    dup = _dupes(book, tab, ["kode_program", "sumber_dana"], "program/sumber dana")
    progs, srcs, pagus, reals, over = (tab.get(k) for k in (
        "kode_program", "sumber_dana", "pagu", "realisasi_rp", "lebih_pagu"))
    # Realisation already reported in earlier TWs, so the check is on the year-to-date sum.
    earlier: dict[tuple[str, str], dict[int, tuple[float, str]]] = {}
    for program, source, tw, realisasi, basis in prior:
        if realisasi is not None and realisasi == realisasi:
            earlier.setdefault((program, source), {})[tw] = (realisasi, basis)
    keep = []
    for i, prog in enumerate(progs):
        if i in dup or not _check_program(book, tab, i, prog, ident, state, own):
            continue
        pagu, real = pagus[i], reals[i]
        if pagu is None or srcs[i] is None:
            continue
        ok = True
        for name, value in (("pagu", pagu), ("realisasi_rp", real)):
            if value is not None and value < 0:
                book.issue(tab.name, tab.rows[i], tab.header(name), "negatif", value,
                           "Nilai rupiah tidak boleh negatif.")
                ok = False
        values = dict(earlier.get((prog, srcs[i]), {}))
        if real is not None:
            _looks_cumulative(book, tab, i, real, values, ident)
            values[ident.tw] = (real, ident.basis)
        cumulative = year_to_date(values, "jumlah", ident.tw) or 0.0
        if ok and real is not None and cumulative > pagu and not over[i]:
            book.issue(tab.name, tab.rows[i], tab.header("realisasi_rp"), "melebihi_pagu", real,
                       f"Realisasi s.d. {TW_NAMES[ident.tw]} Rp {format_angka(cumulative, 0)} "
                       f"melebihi pagu Rp {format_angka(pagu, 0)}. Periksa angkanya, atau isi "
                       "'Ya' di kolom 'Melebihi Pagu Disetujui' bila memang disetujui.")
            ok = False
        if ok:
            keep.append(i)
    return Facts({
        "program_code": [progs[i] for i in keep], "year": ident.year, "tw": ident.tw,
        "funding_source": [srcs[i] for i in keep], "pagu": [pagus[i] for i in keep],
        "realisasi": [reals[i] for i in keep],
        "basis": ident.basis, "over_pagu_ok": [bool(over[i]) for i in keep],
        **_src(tab, keep)}, len(keep), nullable=("realisasi",))


def _looks_cumulative(book: ParsedWorkbook, tab: Table, i: int, real: float,
                      earlier: dict[int, tuple[float, str]], ident: Identity) -> None:
    """Warn when a realisation declared as this quarter's spending is at least what earlier
    quarters spent in all: clerks used to FORM RFK type the cumulative figure, which would be
    added on top of the earlier quarters."""
    before = [value for tw, (value, basis) in earlier.items()
              if tw < (ident.tw or 0) and basis == "tw"]
    if ident.basis != "tw" or not before or real < sum(before) or sum(before) <= 0:
        return
    book.notes.append(
        f"Sheet '{tab.name}' baris {tab.rows[i]}: Realisasi (Rp) {format_angka(real, 0)} untuk "
        f"{TW_NAMES[ident.tw]} sama dengan atau lebih dari jumlah triwulan sebelumnya "
        f"({format_angka(sum(before), 0)}). Bila angka itu kumulatif s.d. triwulan ini, isi "
        "'Kumulatif s.d. TW' di 'Jenis Nilai Realisasi' sheet Info; bila benar belanja "
        "triwulan ini saja, abaikan catatan ini.")


def _laporan_progress(book: ParsedWorkbook, tab: Table, ident: Identity,
                      state: MasterplanState, own: set[str]) -> Facts:
    dup = _dupes(book, tab, ["kode_program"], "Kode Program")
    progs, fisik = tab.get("kode_program"), tab.get("fisik")
    kendala, tl = tab.get("kendala"), tab.get("tindak_lanjut")
    keep = []
    for i, prog in enumerate(progs):
        if i in dup or not _check_program(book, tab, i, prog, ident, state, own):
            continue
        if fisik[i] is not None and not 0 <= fisik[i] <= 100:
            book.issue(tab.name, tab.rows[i], tab.header("fisik"), "fisik_0_100", fisik[i],
                       f"Realisasi fisik {fisik[i]:g}% tidak mungkin; isi antara 0 dan 100.")
            continue
        if fisik[i] is None and kendala[i] is None and tl[i] is None:
            continue
        keep.append(i)
    return Facts({
        "program_code": [progs[i] for i in keep], "year": ident.year, "tw": ident.tw,
        "fisik_pct": [fisik[i] for i in keep],
        "kendala": [kendala[i] for i in keep], "tindak_lanjut": [tl[i] for i in keep],
        **_src(tab, keep)}, len(keep), nullable=("fisik_pct",))


def _laporan_villages(book: ParsedWorkbook, tab: Table, ident: Identity,
                      state: MasterplanState, own: set[str], known: frozenset[str],
                      received_on: date) -> Facts:
    planned = state.route_of
    dup = _dupes(book, tab, ["kode_program", "kode_desa"], "program/desa")
    progs, codes, stages, dates = (tab.get(k) for k in ("kode_program", "kode_desa", "tahap",
                                                        "tanggal_tahap"))
    keep = []
    for i, prog in enumerate(progs):
        code = codes[i]
        if i in dup or not _check_program(book, tab, i, prog, ident, state, own) or not code:
            continue
        if code not in known:
            book.issue(tab.name, tab.rows[i], tab.header("kode_desa"), "kode_desa", code,
                       f"Kode desa/kelurahan '{code}' tidak ada di wilayah {ident.region}.")
            continue
        route = planned.get((prog, code))
        if route is None:
            book.issue(tab.name, tab.rows[i], tab.header("kode_desa"), "desa_tidak_direncanakan",
                       code, f"Desa/kelurahan {code} tidak terdaftar sebagai sasaran program "
                       f"'{prog}' di masterplan. Tambahkan dulu di sheet Desa Sasaran.")
            continue
        stage, when = stages[i], dates[i]
        if (stage is None) != (when is None):
            missing = "tanggal_tahap" if when is None else "tahap"
            place = (tab.name, tab.rows[i], tab.header(missing))
            if not any((x.sheet, x.row, x.column) == place for x in book.issues):
                # a cell that could not be read is already reported: one problem, once
                book.issue(*place, "wajib", None,
                           "Tahap dan tanggal dicapai harus diisi bersama.")
            continue
        if stage is None:
            continue
        if stage not in STAGES[route]:
            kind = village_kind(code)
            book.issue(tab.name, tab.rows[i], tab.header("tahap"), "tahap", stage,
                       f"Tahap '{stage}' tidak berlaku untuk {kind} ini (jalur "
                       f"{'APBDes' if route == 'apbdes' else 'APBD'}). Pilih: "
                       + ", ".join(STAGES[route]) + ".")
            continue
        if when > received_on:
            book.issue(tab.name, tab.rows[i], tab.header("tanggal_tahap"), "tanggal_depan",
                       f"{when:%d-%m-%Y}", f"Tanggal {when:%d-%m-%Y} belum terjadi saat laporan "
                       "diterima. Isi tanggal tahap benar-benar dicapai.")
            continue
        keep.append(i)
    notes = tab.get("keterangan")
    return Facts({
        "program_code": [progs[i] for i in keep], "village_code": [codes[i] for i in keep],
        "stage": [stages[i] for i in keep], "reached_on": [dates[i] for i in keep],
        "note": [notes[i] for i in keep], **_src(tab, keep)}, len(keep))
