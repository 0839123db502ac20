"""Check the "Revisi" sheet of masterplan revisions (domain.md §3b) and build its rows.

A revision sheet comes either inside a masterplan workbook (its rows belong to that masterplan
load and are checked against the workbook's own programs and indicators) or in a revision
workbook of its own (load kind ``revisi``: sheets Info and Revisi, checked against the active
masterplan). Every problem names sheet, row and column in Bahasa Indonesia; a file with any
problem loads nothing.

Kinds and the columns each needs (``Tahun`` always: the year the change concerns):

* ``ditunda``: Tahun Baru after Tahun, not after the program's Tahun Selesai: the item is not
  planned in the years Tahun .. Tahun Baru − 1, and its village plans of those years move to
  Tahun Baru.
* ``dijadwal_ulang``: Tahun Baru (≠ Tahun, within the program's period), TW optional: the
  annual (or that quarter's) target of Tahun is moved to Tahun Baru.
* ``target_diubah``: Kode Indikator and Target Baru, TW optional: the target in force.
* ``dibatalkan``: not planned from Tahun on.
* ``ditambah``: the item added must already be in the masterplan (its name, unit and polarity
  come with the masterplan workbook, reloaded: versioned and seen by as-of views like any
  load); the revision is its legal record: the item is not planned before Tahun, and Target
  Baru (with Kode Indikator) sets its target of Tahun.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping, Sequence
from datetime import date

from etl.validate import Expect, Facts, Identity, outside_region
from etl.values import norm_header
from etl.workbook import ParsedWorkbook, Table
from monev.store.intake import MasterplanState

KIND_WORDS = {
    "ditunda": ("ditunda", "tunda", "penundaan", "ditangguhkan"),
    "dijadwal_ulang": ("dijadwal ulang", "dijadwalkan ulang", "jadwal ulang",
                       "penjadwalan ulang", "dijadwal ulang target"),
    "target_diubah": ("target diubah", "ubah target", "perubahan target", "target berubah"),
    "dibatalkan": ("dibatalkan", "batal", "pembatalan"),
    "ditambah": ("ditambah", "tambah", "penambahan", "ditambahkan"),
}
KIND_LABELS = {"ditunda": "ditunda", "dijadwal_ulang": "dijadwal ulang",
               "target_diubah": "target diubah", "dibatalkan": "dibatalkan",
               "ditambah": "ditambah"}
_BY_WORD = {norm_header(w): k for k, words in KIND_WORDS.items() for w in words}
REQUIRED = ("jenis", "kode_program", "tahun", "alasan", "nomor_dasar_hukum",
            "tanggal_dasar_hukum", "berlaku_mulai")


def parse_kind(value: object) -> str | None:
    """The canonical revision kind of a Jenis cell ('Ditunda', 'Target diubah' …), or None."""
    if value is None:
        return None
    return _BY_WORD.get(norm_header(str(value)))


def revisi_identity(book: ParsedWorkbook, region_name: str | None,
                    expect: Expect) -> Identity | None:
    """The region of a revision workbook (issues recorded on the book)."""
    region = book.info.get("kode_wilayah")
    if not region:
        return None
    if region_name is None:
        book.issue(book.info_sheet, book.info_rows.get("kode_wilayah"), "Kode Wilayah",
                   "kode_wilayah", region, f"Kode wilayah '{region}' tidak ada dalam daftar "
                   "kabupaten/kota Kemendagri. Tulis seperti 35.23 (Kabupaten Tuban).")
        return None
    if outside_region(book, region, expect):
        return None
    if expect.region and expect.region != region:
        book.issue(book.info_sheet, book.info_rows.get("kode_wilayah"), "Kode Wilayah",
                   "salah_wilayah", region,
                   f"Revisi ini untuk wilayah {region}, bukan {expect.region}.")
    return Identity("revisi", region)


def validate_revisions(book: ParsedWorkbook, tab: Table, programs: Mapping[str, tuple[int, int]],
                       indicators: Mapping[str, str], start: int, end: int,
                       where: str) -> Facts:
    """Check a Revisi sheet against the masterplan's programs (code -> (start, end year)),
    indicators (code -> program) and period; return the revision rows. ``where`` names the
    masterplan in messages ('sheet Program' for the same workbook, 'masterplan aktif')."""
    n = len(tab)
    col = {f: tab.get(f) for f in ("jenis", "kode_program", "kode_indikator", "tahun",
                                   "tahun_baru", "tw", "target_baru", "alasan",
                                   "nomor_dasar_hukum", "tanggal_dasar_hukum",
                                   "berlaku_mulai")}
    keep: list[int] = []
    kinds: list[str] = []
    seen: dict[tuple, int] = {}
    for i in range(n):
        row = tab.rows[i]

        def problem(field: str, check: str, value: object, message: str,
                    row: int = row) -> None:
            book.issue(tab.name, row, tab.header(field), check, value, message)

        if any(col[f][i] is None for f in REQUIRED):
            continue  # the blank required cell is already reported while reading
        ok = True
        kind = parse_kind(col["jenis"][i])
        prog, ind = col["kode_program"][i], col["kode_indikator"][i]
        year, new_year, tw = col["tahun"][i], col["tahun_baru"][i], col["tw"][i]
        target, effective = col["target_baru"][i], col["berlaku_mulai"][i]
        if kind is None:
            problem("jenis", "jenis_revisi", col["jenis"][i],
                    f"Jenis revisi '{col['jenis'][i]}' tidak dikenal. Isi salah satu: ditunda, "
                    "dijadwal ulang, target diubah, dibatalkan, ditambah.")
            ok = False
        span = programs.get(prog)
        if span is None:
            problem("kode_program", "kode_program", prog,
                    f"Kode program '{prog}' tidak ada di {where}.")
            ok = False
        if ind is not None and indicators.get(ind) != prog:
            owner = indicators.get(ind)
            problem("kode_indikator", "kode_indikator", ind,
                    f"Kode indikator '{ind}' tidak ada di {where}." if owner is None else
                    f"Indikator '{ind}' milik program {owner}, bukan {prog}.")
            ok = False
        if not start <= year <= end:
            problem("tahun", "periode", year,
                    f"Tahun {year} di luar periode masterplan {start}–{end}.")
            ok = False
        if not date(start, 1, 1) <= effective <= date(end, 12, 31):
            problem("berlaku_mulai", "periode", f"{effective:%d-%m-%Y}",
                    f"Tanggal berlaku {effective:%d-%m-%Y} di luar periode masterplan "
                    f"{start}–{end}.")
            ok = False
        if target is not None and target < 0:
            problem("target_baru", "negatif", target, "Target baru tidak boleh negatif.")
            ok = False
        if kind is not None and span is not None:
            ok &= _kind_columns(problem, kind, year, new_year, tw, target, ind, span)
        key = (kind, prog, ind, year, tw, effective)
        if ok and key in seen:
            problem("kode_indikator" if ind else "kode_program", "duplikat", prog,
                    f"Baris ganda: revisi {KIND_LABELS[kind or 'ditunda']} {prog}"
                    f"{' / ' + ind if ind else ''} tahun {year} berlaku {effective:%d-%m-%Y} "
                    f"sudah ada di baris {seen[key]}. Hapus salah satu baris.")
            ok = False
        if ok:
            seen[key] = row
            keep.append(i)
            kinds.append(kind)
    take = {f: [col[f][i] for i in keep] for f in col}
    return Facts({
        "kind": kinds, "program_code": take["kode_program"],
        "indicator_code": take["kode_indikator"], "year": take["tahun"],
        "new_year": take["tahun_baru"], "tw": take["tw"], "new_target": take["target_baru"],
        "reason": take["alasan"], "legal_number": take["nomor_dasar_hukum"],
        "legal_date": take["tanggal_dasar_hukum"], "effective_date": take["berlaku_mulai"],
        "src_sheet": tab.name, "src_row": [tab.rows[i] for i in keep]}, len(keep),
        nullable=("new_target",))


def _kind_columns(problem: Callable[..., None], kind: str, year: int, new_year: int | None,
                  tw: int | None, target: float | None, ind: str | None,
                  span: tuple[int, int]) -> bool:
    """Whether a row has the columns its kind needs and no column it cannot use."""
    p_start, p_end = span
    label = KIND_LABELS[kind]
    ok = True
    if kind in ("ditunda", "dijadwal_ulang"):
        if new_year is None:
            problem("tahun_baru", "wajib", None,
                    f"Revisi '{label}' memerlukan Tahun Baru (tahun tujuan).")
            return False
        if kind == "ditunda" and new_year <= year:
            problem("tahun_baru", "tahun_baru", new_year,
                    f"Untuk revisi 'ditunda', Tahun Baru ({new_year}) harus setelah Tahun "
                    f"({year}).")
            ok = False
        elif kind == "ditunda" and new_year > p_end:
            problem("tahun_baru", "tahun_baru", new_year,
                    f"Tahun Baru {new_year} setelah tahun selesai program ({p_end}). "
                    "Perpanjang Tahun Selesai program dengan mengunggah ulang masterplan, atau "
                    "gunakan jenis 'dibatalkan'.")
            ok = False
        elif kind == "dijadwal_ulang" and (new_year == year or not p_start <= new_year <= p_end):
            problem("tahun_baru", "tahun_baru", new_year,
                    f"Untuk revisi 'dijadwal ulang', Tahun Baru ({new_year}) harus berbeda dari "
                    f"Tahun ({year}) dan berada dalam periode program {p_start}–{p_end}.")
            ok = False
        if kind == "ditunda" and tw is not None:
            problem("tw", "kolom_tidak_dipakai", tw,
                    "Revisi 'ditunda' berlaku untuk seluruh tahun: kosongkan kolom TW, atau "
                    "gunakan 'dijadwal ulang' untuk memindahkan target satu triwulan.")
            ok = False
    elif new_year is not None:
        problem("tahun_baru", "kolom_tidak_dipakai", new_year,
                f"Revisi '{label}' tidak memakai Tahun Baru; kosongkan kolom itu.")
        ok = False
    if kind == "target_diubah" and (ind is None or target is None):
        missing = "Kode Indikator" if ind is None else "Target Baru"
        field = "kode_indikator" if ind is None else "target_baru"
        problem(field, "wajib", None, f"Revisi 'target diubah' memerlukan {missing}.")
        ok = False
    if kind != "ditambah" and not p_start <= year <= p_end:
        problem("tahun", "periode", year,
                f"Tahun {year} di luar periode program {p_start}–{p_end}.")
        ok = False
    if kind == "ditambah" and target is not None and ind is None:
        problem("kode_indikator", "wajib", None,
                "Target Baru pada revisi 'ditambah' memerlukan Kode Indikator.")
        ok = False
    if kind in ("ditunda", "dijadwal_ulang", "dibatalkan") and target is not None:
        problem("target_baru", "kolom_tidak_dipakai", target,
                f"Revisi '{label}' tidak memakai Target Baru; kosongkan kolom itu, atau "
                "tambahkan baris 'target diubah'.")
        ok = False
    if kind in ("dibatalkan",) and tw is not None:
        problem("tw", "kolom_tidak_dipakai", tw,
                "Revisi 'dibatalkan' berlaku untuk seluruh tahun: kosongkan kolom TW.")
        ok = False
    return ok


def masterplan_revisions(book: ParsedWorkbook, frames: Mapping[str, Facts]) -> Facts | None:
    """The Revisi sheet of a masterplan workbook checked against that workbook's own programs
    and indicators (None when it has no such sheet)."""
    tab = book.tables.get("revisi")
    if tab is None:
        return None
    start, end = book.info.get("tahun_awal") or 0, book.info.get("tahun_akhir") or 0
    programs = frames.get("program")
    indicators = frames.get("indicator")
    spans = {} if programs is None else {
        code: (y0, y1) for code, y0, y1 in zip(programs.column("program_code"),
                                                programs.column("start_year"),
                                                programs.column("end_year"), strict=True)}
    owners = {} if indicators is None else dict(zip(
        indicators.column("indicator_code"), indicators.column("program_code"), strict=True))
    return validate_revisions(book, tab, spans, owners, start, end, "sheet Program/Indikator")


def state_revisions(book: ParsedWorkbook, state: MasterplanState) -> Facts:
    """The Revisi sheet of a revision workbook checked against the active masterplan."""
    programs = state.programs
    spans = {code: (int(y0), int(y1)) for code, y0, y1 in zip(
        programs.index, programs["start_year"], programs["end_year"], strict=True)}
    owners = {code: info[0] for code, info in state.indicator_info.items()}
    return validate_revisions(book, book.tables["revisi"], spans, owners, state.start_year,
                              state.end_year, "masterplan aktif")


def revision_workbook(region: str, rows: Sequence[Mapping[str, object]],
                      region_name: str = "") -> bytes:
    """A revision workbook (Info and Revisi sheets) with these rows (dicts by field of the
    Revisi sheet: jenis, kode_program, …, berlaku_mulai), as .xlsx bytes: what the page
    builds from its form and what an admin may fill in by hand."""
    from etl.template import write_workbook  # the writer imports the loader's modules

    buf = io.BytesIO()
    write_workbook("revisi", buf, {"kode_wilayah": region, "nama_wilayah": region_name},
                   {"revisi": [{**r, "jenis": KIND_LABELS.get(str(r.get("jenis")),
                                                               r.get("jenis"))}
                               for r in rows]},
                   meta={"kode_wilayah": region}, title="REVISI MASTERPLAN SMART CITY",
                   protect=False)
    return buf.getvalue()
