"""The Smart City evaluation's tables (editions, scores, surveys, the public page switch): the
one place for their SQL. Every change is audited (``audit_event``) in the same transaction
as the change; a refused change raises ``EvaluationRefused`` and writes nothing.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

import duckdb
import pandas as pd

from monev.domain import evaluation as ev
from monev.store import accounts

WEIGHT_COLUMNS = {code: f"w_{code}" for code in ev.CODES}


class EvaluationRefused(ValueError):
    """A change that was not made; the message says why in Bahasa Indonesia."""


@dataclass(frozen=True)
class EditionRow:
    """An edition as stored: settings plus the frozen data view of its proposals."""

    region_code: str
    year: int
    weights: dict[str, float]
    scale_max: float
    min_respondents: int
    data_tw: int | None
    cutoff: datetime | None
    rules: dict | None
    note: str | None
    updated_by: str
    updated_at: datetime

    @property
    def edition(self) -> ev.Edition:
        """The plain-rule view of this edition."""
        return ev.Edition(self.year, self.weights, self.scale_max, self.min_respondents)


def _now() -> datetime:
    return datetime.now().replace(microsecond=0)


_SELECT = ("SELECT region_code, year, " + ", ".join(WEIGHT_COLUMNS.values())
           + ", scale_max, min_respondents, data_tw, cutoff, rules_json, note, updated_by, "
           "updated_at FROM eval_edition")


def _row(row: tuple) -> EditionRow:
    n = len(ev.CODES)
    weights = dict(zip(ev.CODES, (float(w) for w in row[2:2 + n]), strict=True))
    rest = row[2 + n:]
    return EditionRow(row[0], int(row[1]), weights, float(rest[0]), int(rest[1]),
                      None if rest[2] is None else int(rest[2]), rest[3],
                      json.loads(rest[4]) if rest[4] else None, rest[5], rest[6], rest[7])


def editions(con: duckdb.DuckDBPyConnection, region: str) -> list[EditionRow]:
    """The region's editions, newest year first."""
    rows = con.execute(_SELECT + " WHERE region_code = ? ORDER BY year DESC",
                       [region]).fetchall()
    return [_row(r) for r in rows]


def edition(con: duckdb.DuckDBPyConnection, region: str, year: int) -> EditionRow | None:
    """One edition, or None."""
    row = con.execute(_SELECT + " WHERE region_code = ? AND year = ?",
                      [region, year]).fetchone()
    return None if row is None else _row(row)


def save_edition(con: duckdb.DuckDBPyConnection, region: str, year: int, *,
                 weights: dict[str, float], scale_max: float, min_respondents: int,
                 actor: str, note: str | None = None,
                 now: datetime | None = None) -> EditionRow:
    """Create or change an edition's weights, scale and survey size (audited with the old and
    new values); raises EvaluationRefused when they are not consistent."""
    problems = ev.edition_problems(weights, scale_max, min_respondents)
    if not 2000 <= int(year) <= 2100:
        problems.append(f"Tahun evaluasi tidak sah: {year}.")
    old = edition(con, region, year)
    above = {d: v for d, v in score_map(con, region, year).items() if v > scale_max}
    if above:
        problems.append(f"Nilai maksimum skala {ev.number_text(scale_max)} lebih kecil dari "
                        "nilai yang sudah diisi (" + ", ".join(
                            f"{ev.LABELS[d]} {ev.number_text(v)}" for d, v in above.items())
                        + "). Ubah nilai itu dulu.")
    if problems:
        raise EvaluationRefused(" ".join(problems))
    now = now or _now()
    values = [float(weights[c]) for c in ev.CODES]
    con.execute("BEGIN TRANSACTION")
    try:
        if old is None:
            con.execute("INSERT INTO eval_edition VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, "
                        "NULL, ?, ?, ?)",
                        [region, year, *values, float(scale_max), int(min_respondents), note,
                         actor, now])
        else:
            sets = ", ".join(f"{col} = ?" for col in WEIGHT_COLUMNS.values())
            con.execute(f"UPDATE eval_edition SET {sets}, scale_max = ?, min_respondents = ?, "
                        "note = ?, updated_by = ?, updated_at = ? WHERE region_code = ? AND "
                        "year = ?", [*values, float(scale_max), int(min_respondents), note,
                                     actor, now, region, year])
        accounts.audit(con, actor, "evaluation_edition", f"{region} {year}", {
            "sebelum": None if old is None else {"bobot": old.weights, "skala": old.scale_max,
                                                 "min_responden": old.min_respondents},
            "sesudah": {"bobot": dict(zip(ev.CODES, values, strict=True)),
                        "skala": float(scale_max), "min_responden": int(min_respondents)}},
            now)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return edition(con, region, year)  # type: ignore[return-value]


def set_cutoff(con: duckdb.DuckDBPyConnection, region: str, year: int, data_tw: int,
               cutoff: datetime, rules: dict, *, actor: str,
               now: datetime | None = None) -> None:
    """Freeze the data view the edition's proposals are computed from (audited)."""
    now = now or _now()
    if data_tw not in (1, 2, 3, 4):
        raise EvaluationRefused("Triwulan data harus TW I sampai TW IV.")
    if cutoff > now:
        raise EvaluationRefused("Batas data tidak boleh di masa depan.")
    old = edition(con, region, year)
    if old is None:
        raise EvaluationRefused(f"Edisi evaluasi {year} belum dibuat.")
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("UPDATE eval_edition SET data_tw = ?, cutoff = ?, rules_json = ?, "
                    "updated_by = ?, updated_at = ? WHERE region_code = ? AND year = ?",
                    [data_tw, cutoff, json.dumps(rules, default=list), actor, now, region,
                     year])
        accounts.audit(con, actor, "evaluation_cutoff", f"{region} {year}",
                       {"sebelum": [old.data_tw, old.cutoff], "sesudah": [data_tw, cutoff]},
                       now)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def scores(con: duckdb.DuckDBPyConnection, region: str) -> pd.DataFrame:
    """Every score of the region's editions: year, dimension, score, origin, note,
    updated_by, updated_at."""
    return con.execute("SELECT year, dimension, score, origin, note, updated_by, updated_at "
                       "FROM eval_score WHERE region_code = ? ORDER BY year, dimension",
                       [region]).df()


def save_score(con: duckdb.DuckDBPyConnection, region: str, year: int, dimension: str,
               score: float | None, *, origin: str, actor: str, note: str | None = None,
               now: datetime | None = None) -> None:
    """Set (or with None clear) one dimension's score of an edition (audited with the old
    value); refused outside the edition's scale."""
    save_scores(con, region, year, {dimension: score}, origin=origin, actor=actor, note=note,
                now=now)


def save_scores(con: duckdb.DuckDBPyConnection, region: str, year: int,
                scores: dict[str, float | None], *, origin: str, actor: str,
                note: str | None = None, now: datetime | None = None) -> None:
    """Set (or with None clear) several dimensions' scores of an edition in one transaction,
    each audited with its old value; all refused when one is outside the edition's scale."""
    if origin not in ev.ORIGIN_LABELS:
        raise EvaluationRefused(f"Asal nilai tidak dikenal: {origin!r}.")
    found = edition(con, region, year)
    if found is None:
        raise EvaluationRefused(f"Edisi evaluasi {year} belum dibuat.")
    for dimension, score in scores.items():
        if dimension not in ev.CODES:
            raise EvaluationRefused(f"Dimensi evaluasi tidak dikenal: {dimension!r}.")
        problem = None if score is None else ev.score_problem(score, found.scale_max)
        if problem:
            raise EvaluationRefused(f"{ev.LABELS[dimension]}: {problem}")
    now = now or _now()
    before = score_map(con, region, year)
    con.execute("BEGIN TRANSACTION")
    try:
        for dimension, score in scores.items():
            con.execute("DELETE FROM eval_score WHERE region_code = ? AND year = ? AND "
                        "dimension = ?", [region, year, dimension])
            if score is not None:
                con.execute("INSERT INTO eval_score VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                            [region, year, dimension, float(score), origin, note, actor, now])
            accounts.audit(con, actor, "evaluation_score", f"{region} {year} {dimension}",
                           {"sebelum": before.get(dimension), "sesudah": score,
                            "asal": origin}, now)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def score_map(con: duckdb.DuckDBPyConnection, region: str, year: int) -> dict[str, float]:
    """dimension -> score of one edition (dimensions without a score are absent)."""
    rows = con.execute("SELECT dimension, score FROM eval_score WHERE region_code = ? AND "
                       "year = ?", [region, year]).fetchall()
    return {d: float(s) for d, s in rows}


# ---------------------------------------------------------------- surveys

def next_survey_id(con: duckdb.DuckDBPyConnection) -> int:
    """The next survey id (max + 1 under the single writer)."""
    return int(con.execute("SELECT coalesce(max(survey_id), 0) + 1 FROM eval_survey"
                           ).fetchone()[0])


def active_survey(con: duckdb.DuckDBPyConnection, region: str,
                  year: int) -> dict[str, object] | None:
    """The active survey of a region and year: its record, or None."""
    df = con.execute("SELECT * FROM eval_survey WHERE region_code = ? AND year = ? AND active "
                     "ORDER BY survey_id DESC LIMIT 1", [region, year]).df()
    return None if df.empty else df.iloc[0].to_dict()


def survey_programs(con: duckdb.DuckDBPyConnection, region: str, year: int) -> pd.DataFrame:
    """Per program of the active survey: program_code, n_respondents, satisfaction,
    survey_scale (empty when there is no survey)."""
    return con.execute("""SELECT p.program_code, p.n_respondents, p.satisfaction,
                                 s.scale_max AS survey_scale
        FROM eval_survey_program p JOIN eval_survey s USING (survey_id)
        WHERE s.region_code = ? AND s.year = ? AND s.active ORDER BY p.program_code""",
                       [region, year]).df()


def survey_answers(con: duckdb.DuckDBPyConnection, region: str, year: int) -> pd.DataFrame:
    """The free-text answers of the active survey: program_code, src_row, answer."""
    return con.execute("""SELECT a.program_code, a.src_row, a.answer
        FROM eval_survey_answer a JOIN eval_survey s USING (survey_id)
        WHERE s.region_code = ? AND s.year = ? AND s.active
        ORDER BY a.program_code, a.src_row""", [region, year]).df()


# ---------------------------------------------------------------- the public page

def public_enabled(con: duckdb.DuckDBPyConnection, region: str) -> bool:
    """Whether the region's public page is switched on (off unless an admin said so; off in
    a database whose schema predates the page, until a writer brings it up to date)."""
    try:
        row = con.execute("SELECT enabled FROM public_page WHERE region_code = ?",
                          [region]).fetchone()
    except duckdb.CatalogException:
        return False
    return bool(row and row[0])


def public_regions(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The regions whose public page is on (none in a database older than the page)."""
    try:
        rows = con.execute("SELECT region_code FROM public_page WHERE enabled "
                           "ORDER BY region_code").fetchall()
    except duckdb.CatalogException:
        return []
    return [r for (r,) in rows]


def set_public(con: duckdb.DuckDBPyConnection, region: str, enabled: bool, *, actor: str,
               now: datetime | None = None) -> None:
    """Switch the region's public page on or off (audited)."""
    now = now or _now()
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("DELETE FROM public_page WHERE region_code = ?", [region])
        con.execute("INSERT INTO public_page VALUES (?, ?, ?, ?)",
                    [region, bool(enabled), actor, now])
        accounts.audit(con, actor, "public_page", region, {"aktif": bool(enabled)}, now)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


# ---------------------------------------------------------------- Output: evidence

def evidence(con: duckdb.DuckDBPyConnection, region: str, year: int) -> pd.DataFrame:
    """The active evidence of an edition: evidence_id, item, note, url, file_hash, file_name,
    file_type, file_size, archive_path, uploaded_by, uploaded_at."""
    return con.execute("""SELECT evidence_id, item, note, url, file_hash, file_name, file_type,
                                 file_size, archive_path, uploaded_by, uploaded_at
        FROM eval_evidence WHERE region_code = ? AND year = ? AND active
        ORDER BY item, evidence_id""", [region, year]).df()


def add_evidence(con: duckdb.DuckDBPyConnection, region: str, year: int, item: str, *,
                 actor: str, archive: object | None, note: str | None = None,
                 url: str | None = None, data: bytes | None = None,
                 file_name: str | None = None, now: datetime | None = None) -> int:
    """Keep a document (checked by its bytes, archived by sha256 and synced before the row
    commits) or an http(s) link as evidence of a checklist item (audited); raises
    EvaluationRefused and writes nothing when it is not acceptable."""
    if item not in ev.EVIDENCE_LABELS:
        raise EvaluationRefused(f"Butir checklist tidak dikenal: {item!r}.")
    if edition(con, region, year) is None:
        raise EvaluationRefused(f"Edisi evaluasi {year} belum dibuat.")
    if (data is None) == (url is None):
        raise EvaluationRefused("Isi satu: unggah dokumen, atau tautan.")
    file_hash = file_type = rel = name = None
    if url is not None:
        problem = ev.link_problem(url)
        if problem:
            raise EvaluationRefused(problem)
        url = url.strip()
    else:
        try:
            file_type = ev.document_type(data)  # type: ignore[arg-type]
        except ValueError as exc:
            raise EvaluationRefused(str(exc)) from None
        file_hash = hashlib.sha256(data).hexdigest()  # type: ignore[arg-type]
        name = (file_name or "dokumen").replace("\\", "/").rsplit("/", 1)[-1][:200]
        rel = (archive.store(data, file_hash, file_type)  # type: ignore[attr-defined]
               if archive is not None else f"files/{file_hash[:2]}/{file_hash}")
    now = now or _now()
    con.execute("BEGIN TRANSACTION")
    try:
        evidence_id = int(con.execute("SELECT coalesce(max(evidence_id), 0) + 1 FROM "
                                      "eval_evidence").fetchone()[0])
        con.execute("INSERT INTO eval_evidence VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                    "TRUE)", [evidence_id, region, year, item, note, url, file_hash, name,
                              file_type, None if data is None else len(data), rel, actor, now])
        accounts.audit(con, actor, "evaluation_evidence", f"{region} {year} {item}",
                       {"bukti": evidence_id, "tautan": url, "file": name,
                        "sha256": file_hash}, now)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return evidence_id


def remove_evidence(con: duckdb.DuckDBPyConnection, evidence_id: int, *, actor: str,
                    now: datetime | None = None) -> None:
    """Take an evidence off its checklist item (the row and the archived file stay; audited)."""
    now = now or _now()
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("UPDATE eval_evidence SET active = FALSE WHERE evidence_id = ?",
                    [evidence_id])
        accounts.audit(con, actor, "evaluation_evidence_remove", str(evidence_id), None, now)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
