"""Load workbooks into the database: whole or not at all, versioned, archived, journaled.

``load_bytes`` is the one door for data: the CLI, the upload page, the demo builder and
``rebuild`` all go through it.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import duckdb

from etl.archive import Archive, sha256
from etl.issues import Issue
from etl.validate import (
    TW_NAMES,
    Expect,
    Facts,
    Identity,
    laporan_identity,
    masterplan_identity,
    outside_region,
    validate_laporan,
    validate_masterplan,
)
from etl.workbook import ParsedWorkbook, read_workbook
from monev.store import current, db, intake, lineage

TABLE_LABELS = {"masterplan": "masterplan", "opd": "OPD", "program": "program",
                "program_support": "OPD pendukung", "indicator": "indikator",
                "target": "target", "village_plan": "desa sasaran",
                "realisation": "realisasi kinerja", "budget": "realisasi anggaran",
                "program_progress": "fisik & kendala", "village_stage": "progres desa"}
KEYS = {"masterplan": [], "opd": ["opd_code"], "program": ["program_code"],
        "program_support": ["program_code", "opd_code"], "indicator": ["indicator_code"],
        "target": ["indicator_code", "year", "tw"],
        "village_plan": ["program_code", "village_code"], "realisation": ["indicator_code"],
        "budget": ["program_code", "funding_source"], "program_progress": ["program_code"],
        "village_stage": ["program_code", "village_code"]}


@dataclass
class LoadResult:
    """What a load did (or, for a dry run, would do), in words for the user."""

    file: str
    status: str                      # loaded | unchanged | restored | rejected | dry_run
    message: str
    issues: list[Issue] = field(default_factory=list)
    load_id: int | None = None
    ident: Identity | None = None
    counts: dict[str, int] = field(default_factory=dict)
    diff: dict[str, dict[str, int]] = field(default_factory=dict)
    supersedes: int | None = None

    @property
    def ok(self) -> bool:
        """False only when the file was rejected."""
        return self.status != "rejected"


def describe(ident: Identity, opd_names: dict[str, str] | None = None) -> str:
    """'laporan OPD DISKOMINFO TW II 2025' or 'masterplan 35.23'."""
    if ident.kind == "masterplan":
        return f"masterplan wilayah {ident.region}"
    name = (opd_names or {}).get(ident.opd or "", "")
    return (f"laporan OPD {ident.opd}{' (' + name + ')' if name else ''} "
            f"{TW_NAMES[ident.tw or 1]} {ident.year}")


def load_bytes(con: duckdb.DuckDBPyConnection, data: bytes, file_name: str, *, actor: str,
               archive: Archive | None, dry_run: bool = False, expect: Expect | None = None,
               at: datetime | None = None, received_on: date | None = None) -> LoadResult:
    """Validate and load one workbook; everything or nothing, in one transaction."""
    at = at or datetime.now().replace(microsecond=0)
    received_on = received_on or at.date()
    expect = expect or Expect()
    file_name = Path(file_name).name
    file_hash = sha256(data)
    same = lineage.loads_with_hash(con, file_hash)
    if same and _in_scope(con, same[0][0], expect):
        return _same_bytes(con, same, file_name, actor, archive, dry_run, at)
    book = read_workbook(data, file_name)
    ident, frames, opd_names = (_validate(con, book, expect, received_on) if book.kind
                                else (None, {}, {}))
    if book.issues or ident is None:
        if not book.issues:
            book.issue(None, None, None, "identitas", None, "Identitas file (wilayah, OPD, "
                       "tahun, triwulan) tidak lengkap di sheet Info.")
        return _reject(con, book, file_hash, actor, at, dry_run, ident)
    key = lineage.scope_key(ident.kind, ident.region, ident.opd, ident.year, ident.tw)
    previous = lineage.active_load_for_scope(con, key)
    counts = {t: len(df) for t, df in frames.items()}
    diff = _diff(con, frames, previous["load_id"] if previous else None)
    what = describe(ident, opd_names)
    summary = ", ".join(f"{n} baris {TABLE_LABELS[t]}" for t, n in counts.items() if n)
    replaces = f" Menggantikan muatan #{previous['load_id']}." if previous else ""
    result = LoadResult(file_name, "dry_run", "", [], None, ident, counts, diff,
                        previous["load_id"] if previous else None)
    if dry_run:
        result.message = (f"Uji coba {what}: akan memuat {summary or 'tidak ada baris'}."
                          f"{replaces} Belum ada yang diubah.")
        return result
    fmt = book.format
    rel = archive.store(data, file_hash, fmt) if archive else Archive.relpath(file_hash, fmt)
    con.execute("BEGIN TRANSACTION")
    try:
        load_id = lineage.insert_load(con, {
            "file_hash": file_hash, "file_name": file_name,
            "file_size": len(data), "kind": ident.kind, "region_code": ident.region,
            "opd_code": ident.opd, "year": ident.year, "tw": ident.tw, "scope_key": key,
            "basis": ident.basis, "template_version": book.meta.get("template_version"),
            "uploaded_by": actor, "uploaded_at": at, "received_on": received_on,
            "counts_json": json.dumps(counts), "archive_path": rel})
        for table, facts in frames.items():
            lineage.insert_frame(con, table, facts.arrow(region_code=ident.region,
                                                         load_id=load_id))
        if previous:
            lineage.deactivate(con, int(previous["load_id"]), at)
            _event(con, "supersede", actor, at, int(previous["load_id"]), None, None,
                   {"replaced_by": load_id})
        lineage.activate(con, load_id, at)
        _event(con, "load", actor, at, load_id, file_hash, file_name,
               {"counts": counts, "supersedes": result.supersedes})
        _fault_pause()
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    if archive:
        archive.append({"event": "load", "load_id": load_id, "file_hash": file_hash,
                        "file_name": file_name, "archive_path": rel, "actor": actor,
                        "at": at.isoformat(), "received_on": received_on.isoformat()})
    result.status, result.load_id = "loaded", load_id
    result.message = f"Berhasil memuat {what}: {summary or 'tidak ada baris'}.{replaces}"
    return result


def _fault_pause() -> None:
    """Test hook for the kill test: with $MONEV_FAULT_PAUSE set to a file path, say we are
    inside the transaction (create that file) and wait there to be killed."""
    marker = os.environ.get("MONEV_FAULT_PAUSE")
    if marker:
        Path(marker).touch()
        time.sleep(300)


def _event(con: duckdb.DuckDBPyConnection, action: str, actor: str, at: datetime,
           load_id: int | None, file_hash: str | None, file_name: str | None,
           detail: dict | None) -> int:
    return lineage.record_event(con, action, actor, at, load_id, file_hash, file_name, detail)


def _validate(con: duckdb.DuckDBPyConnection, book: ParsedWorkbook, expect: Expect,
              received_on: date) -> tuple[Identity | None, dict[str, Facts], dict[str, str]]:
    """Identify and check a parsed workbook; returns identity, fact frames, OPD names."""
    if expect.opd_scope and not expect.region_scope and intake.loaded_region_count(con) > 1:
        book.issue(None, None, None, "di_luar_wewenang", None,
                   "Akun operator ini belum terikat pada satu wilayah, padahal database memuat "
                   "lebih dari satu kabupaten/kota. Minta admin Diskominfo mengatur wilayah "
                   "akun Anda.")
        return None, {}, {}
    if book.kind == "masterplan" and expect.opd_scope:
        book.issue(None, None, None, "di_luar_wewenang", None,
                   "Akun operator OPD tidak boleh mengunggah masterplan. Masterplan diunggah "
                   "oleh admin Diskominfo.")
        return None, {}, {}
    if book.kind == "masterplan":
        region = book.info.get("kode_wilayah")
        ident = masterplan_identity(book, intake.region_exists(con, region) if region else None)
        if ident is None or outside_region(book, ident.region, expect):
            return None, {}, {}
        if expect.region and expect.region != ident.region:
            book.issue(book.info_sheet, book.info_rows.get("kode_wilayah"), "Kode Wilayah",
                       "salah_wilayah", ident.region, f"Masterplan ini untuk wilayah "
                       f"{ident.region}, bukan {expect.region}.")
        frames = validate_masterplan(book, intake.dimensions(con),
                                     intake.villages_of_region(con, ident.region))
        return ident, frames, {}
    region = book.info.get("kode_wilayah")
    state = intake.masterplan_state(con, region) if region else None
    ident = laporan_identity(book, state, expect, received_on)
    if ident is None or state is None:
        return ident, {}, {}
    prior = intake.prior_budget(con, ident.region, ident.opd, ident.year, ident.tw)
    frames = validate_laporan(book, ident, state, intake.villages_of_region(con, ident.region),
                              prior, received_on)
    return ident, frames, state.opds


def _reject(con: duckdb.DuckDBPyConnection, book: ParsedWorkbook, file_hash: str, actor: str,
            at: datetime, dry_run: bool, ident: Identity | None) -> LoadResult:
    n = len(book.issues)
    message = (f"Ditolak: {n} masalah ditemukan di {book.file}. Tidak ada data yang dimuat; "
               "perbaiki lalu unggah ulang.")
    if not dry_run:
        con.execute("BEGIN TRANSACTION")
        try:
            event_id = _event(con, "reject", actor, at, None, file_hash, book.file,
                              {"issues": n})
            lineage.record_issues(con, event_id, [
                {"file_name": i.file, "sheet": i.sheet, "row_no": i.row,
                 "column_name": i.column, "check_code": i.check, "value": i.value,
                 "message": i.message} for i in book.issues])
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    return LoadResult(book.file, "rejected", message, list(book.issues), ident=ident)


def _in_scope(con: duckdb.DuckDBPyConnection, load_id: int, expect: Expect) -> bool:
    """Whether an OPD- or region-scoped upload may act on an existing load (else it is
    re-checked from scratch, and refused there with the usual message)."""
    if not expect.opd_scope and not expect.region_scope:
        return True
    record = lineage.get_load(con, load_id)
    return bool(record) and (not expect.opd_scope or record["opd_code"] == expect.opd_scope) \
        and (not expect.region_scope or record["region_code"] == expect.region_scope)


def _same_bytes(con: duckdb.DuckDBPyConnection, same: list[tuple[int, bool]], file_name: str,
                actor: str, archive: Archive | None, dry_run: bool,
                at: datetime) -> LoadResult:
    active = [load_id for load_id, is_active in same if is_active]
    if active:
        return LoadResult(file_name, "unchanged", f"File ini identik dengan muatan #{active[0]} "
                          "yang sedang aktif; tidak ada yang berubah.", load_id=active[0])
    load_id = same[0][0]
    if dry_run:
        return LoadResult(file_name, "dry_run", f"Uji coba: file ini identik dengan muatan "
                          f"#{load_id} yang pernah digantikan; memuatnya akan memulihkan muatan "
                          "itu. Belum ada yang diubah.", load_id=load_id)
    replaced = restore_load(con, load_id, actor=actor, archive=archive, at=at)
    return LoadResult(file_name, "restored", f"File ini identik dengan muatan #{load_id} yang "
                      f"pernah digantikan; muatan itu dipulihkan"
                      + (f" menggantikan #{replaced}." if replaced else "."), load_id=load_id,
                      supersedes=replaced)


def restore_load(con: duckdb.DuckDBPyConnection, load_id: int, *, actor: str,
                 archive: Archive | None, at: datetime | None = None) -> int | None:
    """Make an earlier load active again; returns the load it replaced (if any)."""
    at = at or datetime.now().replace(microsecond=0)
    record = lineage.get_load(con, load_id)
    if record is None:
        raise KeyError(f"Muatan #{load_id} tidak ada.")
    if record["is_active"]:
        return None
    active = lineage.active_load_for_scope(con, record["scope_key"])
    con.execute("BEGIN TRANSACTION")
    try:
        if active:
            lineage.deactivate(con, int(active["load_id"]), at)
            _event(con, "supersede", actor, at, int(active["load_id"]), None, None,
                   {"replaced_by": load_id})
        lineage.activate(con, load_id, at)
        _event(con, "restore", actor, at, load_id, record["file_hash"], record["file_name"],
               {"replaces": int(active["load_id"]) if active else None})
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    if archive:
        archive.append({"event": "restore", "load_id": load_id, "actor": actor,
                        "at": at.isoformat()})
    return int(active["load_id"]) if active else None


def delete_load(con: duckdb.DuckDBPyConnection, load_id: int, *, actor: str,
                archive: Archive | None, at: datetime | None = None) -> None:
    """Withdraw an active load (its rows stay in history and it can be restored)."""
    at = at or datetime.now().replace(microsecond=0)
    record = lineage.get_load(con, load_id)
    if record is None:
        raise KeyError(f"Muatan #{load_id} tidak ada.")
    if not record["is_active"]:
        return
    con.execute("BEGIN TRANSACTION")
    try:
        lineage.deactivate(con, load_id, at)
        _event(con, "delete", actor, at, load_id, record["file_hash"], record["file_name"], None)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    if archive:
        archive.append({"event": "delete", "load_id": load_id, "actor": actor,
                        "at": at.isoformat()})


def _diff(con: duckdb.DuckDBPyConnection, frames: dict[str, Facts],
          previous: int | None) -> dict[str, dict[str, int]]:
    """Per table: rows new, changed, unchanged and removed compared with the replaced load."""
    out = {}
    for table, facts in frames.items():
        if not previous:
            out[table] = {"baru": len(facts), "berubah": 0, "sama": 0, "dihapus": 0}
            continue
        old, new = lineage.fact_rows(con, table, previous), facts.frame()
        keys = KEYS[table]
        values = [c for c in new.columns if c not in keys and not c.startswith("src_")]
        if old.empty or not keys:
            out[table] = {"baru": len(new), "berubah": 0, "sama": 0, "dihapus": len(old)}
            continue
        old_keys = {tuple(r) for r in old[keys].astype(str).itertuples(index=False)}
        new_keys = {tuple(r) for r in new[keys].astype(str).itertuples(index=False)}
        both = old_keys & new_keys
        old_vals = {tuple(r[:len(keys)]): tuple(r[len(keys):]) for r in
                    old[keys + values].astype(str).itertuples(index=False)}
        new_vals = {tuple(r[:len(keys)]): tuple(r[len(keys):]) for r in
                    new[keys + values].astype(str).itertuples(index=False)}
        changed = sum(1 for k in both if old_vals[k] != new_vals[k])
        out[table] = {"baru": len(new_keys - old_keys), "berubah": changed,
                      "sama": len(both) - changed, "dihapus": len(old_keys - new_keys)}
    return out


def load_paths(db_path: Path, paths: list[Path], *, actor: str, dry_run: bool = False,
               expect: Expect | None = None, at: datetime | None = None,
               received_on: date | None = None) -> list[LoadResult]:
    """Load several files from disk (each in its own transaction)."""
    if dry_run and not Path(db_path).exists() or not dry_run:
        db.ensure_database(db_path)
    archive = Archive(db.archive_root(db_path))
    results = []
    access = db.opened(db_path, read_only=True, retries=50) if dry_run else db.writer(db_path)
    with access as con:
        for path in paths:
            try:
                data = Path(path).read_bytes()
            except OSError:
                results.append(LoadResult(Path(path).name, "rejected",
                                          f"File {path} tidak dapat dibaca.", [Issue(
                                              Path(path).name, None, None, None, "tidak_ada",
                                              None, "File tidak ditemukan atau tidak dapat "
                                              "dibaca.")]))
                continue
            results.append(load_bytes(con, data, Path(path).name, actor=actor,
                                      archive=archive, dry_run=dry_run, expect=expect, at=at,
                                      received_on=received_on))
        if not dry_run:
            current.refresh_stale(con)
    return results
