"""Citizen survey import (the Impact dimension of the Smart City evaluation, issue 30).

A survey file is the usual export of a form tool (Google Forms, Microsoft Forms, KoboToolbox):
one row per answer, with the program's code, a satisfaction score and optionally a free-text
answer. It gets the guarantees of an OPD report:

* the type is sniffed from the bytes (``etl.safety.sniff``: xlsx, xlsm, xls, ods, with the
  zip-bomb and DTD checks); anything else must be UTF-8 (or Windows-1252) CSV text;
* a spreadsheet is parsed only in a sandbox worker (``etl.sandbox``, the same task and limits
  as a workbook); a CSV is read by Python's ``csv`` module within the same row/column limits;
* every problem names the sheet, the row and the column in Bahasa Indonesia; a dry run says
  what would be loaded and writes nothing;
* an accepted file is archived by sha256 (``data/archive/files/``, synced) before its one
  transaction commits; a refused file writes nothing and is not archived.

Decided: a survey is not a ``load`` kind and not in the load journal. It is evaluation data
kept like meetings: ``etl rebuild`` carries its tables over (``KEPT_TABLES``) and a backup
exports them; its archived file stays beside the workbooks for audit.

Checks: the header has a program column and a satisfaction column (found by the words form
tools use, e.g. "Kode Program", "Tingkat kepuasan Anda (1-5)"); each program code exists in
the region's active masterplan; each score is a number from 1 to the survey's scale; and each
program has at least the edition's minimum respondents (refused unless the uploader accepts
loading below it: those programs are then flagged and left out of the Impact proposal).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import datetime

import duckdb
import pandas as pd

from etl import sandbox
from etl import values as v
from etl.archive import Archive, sha256
from etl.issues import Issue
from etl.safety import UnsafeFile, sniff
from etl.workbook import MAX_CELLS, MAX_COLUMNS, MAX_ROWS
from monev.domain import evaluation as ev
from monev.engine.asof import LATEST
from monev.store import accounts, facts
from monev.store import evaluation as store

CSV_SHEET = "CSV"
HEADER_ROWS = 20          # the header is looked for in the first rows (below a title block)
PROGRAM_WORDS = ("kode program", "program")
SCORE_WORDS = ("kepuasan", "puas", "skor", "nilai")
TEXT_WORDS = ("saran", "komentar", "tanggapan", "masukan", "pendapat", "kritik", "alasan")
MAX_ANSWER_CHARS = 2000
_LEADING_CODE = re.compile(r"^([A-Z]{2,6}-\d{1,3}[A-Z]?)\b")


@dataclass
class SurveyResult:
    """What an import did (or would do), in words for the user."""

    file: str
    status: str                       # loaded | unchanged | dry_run | rejected
    message: str
    issues: list[Issue] = field(default_factory=list)
    programs: pd.DataFrame = field(default_factory=pd.DataFrame)
    survey_id: int | None = None

    @property
    def ok(self) -> bool:
        """False only when the file was refused."""
        return self.status != "rejected"


@dataclass
class _Table:
    sheet: str
    header_row: int                   # 1-based spreadsheet row of the header
    columns: dict[str, int]           # program | score | text -> column index
    headers: list[str]
    rows: list[tuple[int, list]]      # (1-based row number, cells)


def _refused(file: str, issues: list[Issue]) -> SurveyResult:
    return SurveyResult(file, "rejected", f"Ditolak: {len(issues)} masalah ditemukan di {file}. "
                        "Tidak ada data survei yang dimuat; perbaiki lalu unggah ulang.", issues)


def _grid_of_csv(data: bytes, file: str) -> list[list]:
    """The rows of a CSV export (',' ';' or tab separated), refused beyond the sheet limits."""
    if b"\x00" in data[:4096]:
        raise UnsafeFile("bukan_spreadsheet", "File ini bukan spreadsheet atau CSV. Ekspor "
                         "jawaban survei dari aplikasi formulir sebagai .xlsx atau .csv.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    try:
        dialect = csv.Sniffer().sniff(text[:8192], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows: list[list] = []
    try:
        for row in csv.reader(io.StringIO(text, newline=""), dialect):
            rows.append(row)
            if len(rows) > MAX_ROWS + 1 or len(row) > MAX_COLUMNS:
                raise UnsafeFile("terlalu_luas", f"{file} melebihi batas {MAX_ROWS} baris atau "
                                 f"{MAX_COLUMNS} kolom. Pisahkan isinya ke beberapa file.")
    except csv.Error as exc:
        raise UnsafeFile("rusak", f"CSV tidak dapat dibaca ({exc}). Ekspor ulang dari aplikasi "
                         "formulir.") from exc
    return rows


def _grid_of_book(data: bytes) -> tuple[str, list[list]]:
    """The first sheet of a workbook, parsed in a sandbox worker."""
    limits = (MAX_ROWS, MAX_COLUMNS, MAX_CELLS)
    names, _ = sandbox.call("grids", data, [], limits)  # type: ignore[misc]
    if not names:
        raise UnsafeFile("kosong", "Workbook ini tidak berisi sheet.")
    first = names[0]
    _, grids = sandbox.call("grids", data, [first], limits)  # type: ignore[misc]
    return first, grids[first][0]


def _read(data: bytes, file: str) -> tuple[str, str, list[list]]:
    """(format, sheet name, grid) of a survey file; raises UnsafeFile when it cannot be read
    safely."""
    try:
        fmt = sniff(data).format
    except UnsafeFile as exc:
        if exc.check != "bukan_spreadsheet" or data.startswith((b"PK", b"\xd0\xcf")):
            raise
        return "csv", CSV_SHEET, _grid_of_csv(data, file)
    try:
        sheet, grid = _grid_of_book(data)
    except sandbox.WorkerDied as exc:
        sheet = f"Sheet '{exc.reading}'" if exc.reading else "File ini"
        raise UnsafeFile("terlalu_besar", f"{sheet} terlalu besar untuk dibaca dengan aman. "
                         "Hapus isian di luar tabel jawaban, simpan, lalu unggah ulang.") from exc
    except sandbox.TaskFailed as exc:
        raise UnsafeFile("rusak", "File rusak dan tidak dapat dibuka. Simpan ulang dari "
                         "Excel lalu unggah kembali.") from exc
    return fmt, sheet, grid


def _role(header: str) -> str | None:
    norm = v.norm_header(header)
    if not norm:
        return None
    if norm in PROGRAM_WORDS or norm.startswith("kode program"):
        return "program"
    words = set(norm.split())
    if any(w in words for w in TEXT_WORDS):
        return "text"
    if any(w in norm for w in SCORE_WORDS[:2]) or norm in SCORE_WORDS:
        return "score"
    return None


def _find_table(grid: list[list], sheet: str, file: str,
                issues: list[Issue]) -> _Table | None:
    """The header row (the first that names a program and a score column) and the rows
    below it; problems added to ``issues``."""
    for r, row in enumerate(grid[:HEADER_ROWS]):
        roles: dict[str, list[int]] = {}
        for c, cell in enumerate(row):
            if isinstance(cell, str) and (role := _role(cell)):
                roles.setdefault(role, []).append(c)
        if "program" in roles and "score" in roles:
            headers = ["" if x is None else str(x) for x in row]
            for role, cols in roles.items():
                if len(cols) > 1:
                    issues.append(Issue(file, sheet, r + 1, headers[cols[1]], "kolom_ganda",
                                        None, f"Lebih dari satu kolom dapat berarti "
                                        f"'{_ROLE_WORDS[role]}': "
                                        f"{', '.join(repr(headers[c]) for c in cols)}. "
                                        "Sisakan satu kolom itu."))
            if issues:
                return None
            columns = {role: cols[0] for role, cols in roles.items()}
            return _Table(sheet, r + 1, columns, headers,
                          [(i + 1, grid[i]) for i in range(r + 1, len(grid))])
    first = next((row for row in grid if any(not v.is_blank(x) for x in row)), [])
    seen = ", ".join(repr(str(x)) for x in first if not v.is_blank(x))[:300] or "tidak ada"
    issues.append(Issue(file, sheet, None, None, "kolom_wajib", None,
                        "Kolom wajib tidak ditemukan: perlu kolom 'Kode Program' dan kolom "
                        "nilai kepuasan (mis. 'Tingkat kepuasan (1-5)'), opsional kolom "
                        f"'Saran' untuk jawaban bebas. Judul kolom yang ada: {seen}."))
    return None


_ROLE_WORDS = {"program": "Kode Program", "score": "nilai kepuasan", "text": "jawaban bebas"}


@dataclass
class _Parsed:
    answers: pd.DataFrame             # program_code, score, row
    texts: pd.DataFrame               # program_code, src_row, answer


def _cell(row: list, col: int | None) -> object:
    return row[col] if col is not None and col < len(row) else None


def _parse_rows(table: _Table, programs: dict[str, str], scale: float, file: str,
                issues: list[Issue]) -> _Parsed:
    col_p, col_s = table.columns["program"], table.columns["score"]
    col_t = table.columns.get("text")
    name_p, name_s = table.headers[col_p], table.headers[col_s]
    answers, texts = [], []
    for row_no, row in table.rows:
        if all(v.is_blank(x) for x in row):
            continue
        code_raw = _cell(row, col_p)
        code = v.parse_code(code_raw)
        if code is None:
            issues.append(Issue(file, table.sheet, row_no, name_p, "kode_kosong", None,
                                "Kode program kosong. Isi kode program masterplan yang "
                                "dinilai responden."))
            continue
        known = programs.get(code)
        if known is None and (lead := _LEADING_CODE.match(str(code_raw).strip().upper())):
            known = programs.get(lead.group(1))  # a form's option "GOV-01 Mal Pelayanan"
        if known is None:
            issues.append(Issue(file, table.sheet, row_no, name_p, "program_tidak_dikenal",
                                str(code_raw)[:100], f"Kode program '{str(code_raw)[:100]}' "
                                "tidak ada di masterplan wilayah ini. Pakai kode program "
                                "seperti di masterplan (mis. GOV-01)."))
            continue
        raw = _cell(row, col_s)
        try:
            score = v.parse_number(raw)
        except ValueError:
            score = None
        if score is None or not 1 <= score <= scale:
            issues.append(Issue(file, table.sheet, row_no, name_s, "nilai_kepuasan",
                                None if raw is None else str(raw)[:100],
                                "Nilai kepuasan harus angka 1 sampai "
                                f"{ev.number_text(scale)}, bukan "
                                f"{'kosong' if v.is_blank(raw) else repr(str(raw)[:100])}."))
            continue
        answers.append((known, float(score), row_no))
        text = v.parse_text(_cell(row, col_t))
        if text:
            texts.append((known, row_no, text[:MAX_ANSWER_CHARS]))
    return _Parsed(pd.DataFrame(answers, columns=["program_code", "score", "row"]),
                   pd.DataFrame(texts, columns=["program_code", "src_row", "answer"]))


def _summary(parsed: _Parsed, minimum: int) -> pd.DataFrame:
    per = (parsed.answers.groupby("program_code", sort=True)
           .agg(n_respondents=("score", "size"), satisfaction=("score", "mean"))
           .reset_index())
    per["enough"] = per["n_respondents"] >= minimum
    return per


def _insert(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> None:
    """Insert a frame's rows (its columns in the table's order) in one statement."""
    if frame.empty:
        return
    con.register("_survey_rows", frame)
    try:
        con.execute(f"INSERT INTO {table} SELECT * FROM _survey_rows")
    finally:
        con.unregister("_survey_rows")


@dataclass(frozen=True)
class SurveyFile:
    """A survey file as read (:func:`read_survey`): its format and first sheet's grid, or
    why it could not be read safely."""

    file: str
    fmt: str | None
    sheet: str | None
    grid: list[list] | None
    refused: Issue | None = None


def read_survey(data: bytes, file_name: str) -> SurveyFile:
    """Sniff and parse a survey file (a spreadsheet in a sandbox worker) without any database
    connection: the app reads it before taking the database lock, as uploads do."""
    file = file_name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1][:200] or "survei"
    try:
        fmt, sheet, grid = _read(data, file)
    except UnsafeFile as exc:
        return SurveyFile(file, None, None, None,
                          Issue(file, None, None, None, exc.check, None, exc.message))
    return SurveyFile(file, fmt, sheet, grid)


def import_survey(con: duckdb.DuckDBPyConnection, data: bytes, file_name: str, *,
                  region: str, year: int, actor: str, archive: Archive | None,
                  scale_max: float = 5.0, dry_run: bool = False,
                  accept_below_minimum: bool = False, at: datetime | None = None,
                  read: SurveyFile | None = None) -> SurveyResult:
    """Check a survey file for an edition (region, year) and, unless a dry run, load it in
    one transaction, replacing the edition's earlier survey; everything or nothing. ``read``
    is the file already parsed by :func:`read_survey` (parsed here when None)."""
    at = at or datetime.now().replace(microsecond=0)
    read = read or read_survey(data, file_name)
    file = read.file
    edition = store.edition(con, region, year)
    if edition is None:
        return _refused(file, [Issue(file, None, None, None, "edisi", None,
                                     f"Edisi evaluasi {year} belum dibuat. Buat edisinya dulu "
                                     "di halaman Evaluasi Smart City.")])
    if not 1 < scale_max <= 100:
        return _refused(file, [Issue(file, None, None, None, "skala", None,
                                     "Skala jawaban survei harus lebih dari 1 (mis. 5 untuk "
                                     "jawaban 1–5).")])
    if read.refused is not None or read.grid is None:
        return _refused(file, [read.refused] if read.refused else [])
    fmt, sheet, grid = read.fmt or "csv", read.sheet or CSV_SHEET, read.grid
    issues: list[Issue] = []
    table = _find_table(grid, sheet, file, issues)
    if table is None:
        return _refused(file, issues)
    plan = facts.programs(con, region, LATEST)
    programs = {str(c).upper(): str(c) for c in plan["program_code"]}
    parsed = _parse_rows(table, programs, scale_max, file, issues)
    if not issues and parsed.answers.empty:
        issues.append(Issue(file, sheet, None, None, "kosong", None,
                            "Tidak ada jawaban di bawah judul kolom."))
    if issues:
        return _refused(file, issues)
    per = _summary(parsed, edition.min_respondents)
    few = per[~per["enough"]]
    if len(few) and not accept_below_minimum:
        names = ", ".join(f"{c} ({n} responden)" for c, n in
                          zip(few["program_code"], few["n_respondents"], strict=True))
        return _refused(file, [Issue(file, sheet, None, table.headers[table.columns["program"]],
                                     "kurang_responden", None,
                                     f"Kurang dari {edition.min_respondents} responden "
                                     f"(minimum edisi {year}): {names}. Lengkapi survei, atau "
                                     "muat dengan menyetujui program itu ditandai dan tidak "
                                     "dihitung dalam usulan Impact.")])
    flagged = (f" {len(few)} program di bawah minimum {edition.min_respondents} responden "
               "ditandai dan tidak dihitung dalam usulan Impact." if len(few) else "")
    what = (f"survei warga {year}: {len(parsed.answers)} jawaban untuk {len(per)} program, "
            f"{len(parsed.texts)} jawaban bebas")
    file_hash = sha256(data)
    current = store.active_survey(con, region, year)
    if current is not None and current["file_hash"] == file_hash:
        return SurveyResult(file, "unchanged", f"File ini identik dengan survei yang sedang "
                            f"aktif (#{current['survey_id']}); tidak ada yang berubah.",
                            programs=per, survey_id=int(current["survey_id"]))
    replaces = (f" Menggantikan survei #{current['survey_id']}." if current is not None else "")
    if dry_run:
        return SurveyResult(file, "dry_run", f"Uji coba {what}.{flagged}{replaces} Belum ada "
                            "yang diubah.", programs=per)
    rel = archive.store(data, file_hash, fmt) if archive else Archive.relpath(file_hash, fmt)
    con.execute("BEGIN TRANSACTION")
    try:
        survey_id = store.next_survey_id(con)
        con.execute("UPDATE eval_survey SET active = FALSE WHERE region_code = ? AND year = ?",
                    [region, year])
        con.execute("INSERT INTO eval_survey VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, TRUE)",
                    [survey_id, region, year, file_hash, file, rel, float(scale_max),
                     len(parsed.answers), bool(len(few)), actor, at])
        _insert(con, "eval_survey_program", per.assign(survey_id=survey_id)[
            ["survey_id", "program_code", "n_respondents", "satisfaction"]])
        _insert(con, "eval_survey_answer", parsed.texts.assign(survey_id=survey_id)[
            ["survey_id", "program_code", "src_row", "answer"]])
        accounts.audit(con, actor, "evaluation_survey", f"{region} {year}", {
            "survei": survey_id, "file": file, "sha256": file_hash,
            "jawaban": len(parsed.answers), "program": len(per),
            "di_bawah_minimum": list(few["program_code"]),
            "menggantikan": None if current is None else int(current["survey_id"])}, at)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return SurveyResult(file, "loaded", f"Berhasil memuat {what}.{flagged}{replaces}",
                        programs=per, survey_id=survey_id)
