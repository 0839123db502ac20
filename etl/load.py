"""Load workbooks into the database: whole or not at all, versioned, archived, journaled.

``load_bytes`` is the one door for data: the CLI, the upload page, the demo builder and
``rebuild`` all go through it.

The received date of a quarterly report decides its lateness: a report is judged on the
earliest received date of all its loads (same region, OPD, year and TW) uploaded up to the
view's cut-off (``monev.store.facts.report_receipts``). A load's received date is the upload
day unless one is *stated* (``received_on`` other than the upload day). A stated date is
refused (``_received_problem``) when the upload is an operator's (``Expect.opd_scope``: only
an admin, or the server's ``etl load --received``, may state one), when it is after the upload
day, or when it is earlier than the report's first received date (``facts.first_received``):
so a re-upload can never make a late report on time, and the earliest date stays the first
upload's. The load's audit event says who stated it ("dinyatakan_oleh"). ``replay=True``
(``etl rebuild``) takes the journal's dates as history, unchecked.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, wait
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import duckdb

from etl.archive import Archive, sha256
from etl.issues import Issue
from etl.reads import Reads
from etl.revision import masterplan_revisions, revisi_identity, state_revisions
from etl.validate import (
    TW_NAMES,
    Expect,
    Facts,
    Identity,
    laporan_identity,
    masterplan_identity,
    outside_region,
    stacked,
    validate_laporan,
    validate_masterplan,
    validate_masterplan_targets,
)
from etl.workbook import ParsedWorkbook, read_ahead, read_workbook
from monev.store import current, db, facts, intake, lineage, snapshots

TABLE_LABELS = {"masterplan": "masterplan", "opd": "OPD", "program": "program",
                "program_support": "OPD pendukung", "indicator": "indikator",
                "target": "target", "village_plan": "desa sasaran",
                "realisation": "realisasi kinerja", "budget": "realisasi anggaran",
                "program_progress": "fisik & kendala", "village_stage": "progres desa",
                "revision": "revisi"}
RFK_MONTHS = {1: "Maret", 2: "Juni", 3: "September", 4: "Desember"}  # etl/rfk.py
KEYS = {"masterplan": [], "opd": ["opd_code"], "program": ["program_code"],
        "program_support": ["program_code", "opd_code"], "indicator": ["indicator_code"],
        "target": ["indicator_code", "year", "tw"],
        "village_plan": ["program_code", "village_code"], "realisation": ["indicator_code"],
        "budget": ["program_code", "funding_source"], "program_progress": ["program_code"],
        "village_stage": ["program_code", "village_code"],
        "revision": ["kind", "program_code", "indicator_code", "year", "tw", "effective_date"]}


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

    @property
    def removed(self) -> int:
        """Rows of the load it replaces that this file would remove (not mention)."""
        return sum(d.get("dihapus", 0) for d in self.diff.values())

    def removed_text(self) -> str:
        """'9 baris (9 baris realisasi kinerja)': the removed rows by table."""
        parts = [f"{d['dihapus']} baris {TABLE_LABELS.get(t, t)}"
                 for t, d in self.diff.items() if d.get("dihapus")]
        return f"{self.removed} baris ({', '.join(parts)})"


def describe(ident: Identity, opd_names: dict[str, str] | None = None) -> str:
    """'laporan OPD DISKOMINFO TW II 2025' or 'masterplan 35.23'."""
    if ident.kind == "masterplan":
        return f"masterplan wilayah {ident.region}"
    if ident.kind == "revisi":
        return f"revisi masterplan wilayah {ident.region}"
    if ident.kind == "rfk":
        name = (opd_names or {}).get(ident.opd or "", "")
        return (f"RFK {RFK_MONTHS[ident.tw or 1]} {ident.year} OPD {ident.opd}"
                f"{' (' + name + ')' if name else ''} (anggaran dan fisik "
                f"{TW_NAMES[ident.tw or 1]})")
    name = (opd_names or {}).get(ident.opd or "", "")
    return (f"laporan OPD {ident.opd}{' (' + name + ')' if name else ''} "
            f"{TW_NAMES[ident.tw or 1]} {ident.year}")


def load_bytes(con: duckdb.DuckDBPyConnection, data: bytes, file_name: str, *, actor: str,
               archive: Archive | None, dry_run: bool = False, expect: Expect | None = None,
               at: datetime | None = None, received_on: date | None = None,
               received_by: str | None = None, replay: bool = False) -> LoadResult:
    """Validate and load one workbook; everything or nothing, in one transaction."""
    return load_many(con, [(file_name, data)], actor=actor, archive=archive, dry_run=dry_run,
                     expect=expect, at=at, received_on=received_on, received_by=received_by,
                     replay=replay)[0]


def load_many(con: duckdb.DuckDBPyConnection, files: Sequence[tuple[str, bytes]], *,
              actor: str, archive: Archive | None, dry_run: bool = False,
              expect: Expect | None = None, at: datetime | None = None,
              received_on: date | None = None, received_by: str | None = None,
              replay: bool = False,
              progress: Callable[[int, int, str], None] | None = None,
              ahead: Sequence[Future[ParsedWorkbook]] = ()) -> list[LoadResult]:
    """Validate and load workbooks (file name, bytes) in order; one result per file.

    Each file is checked on its own and a rejected file never stops the others. The
    accepted files share transactions: the reports of different OPDs wait and are
    committed together, so a quarter of reports costs one commit instead of one per file.
    What a check reads from earlier loads is committed first: a masterplan is committed at
    once, and a second report of the same OPD, or bytes already waiting, commit what waits
    before they are checked. If a transaction fails, none of its files is loaded.
    ``ahead`` holds the first files' parse started earlier (``etl.workbook.read_ahead``).
    ``received_on`` other than the upload day is a date stated by ``received_by`` (default
    the actor): checked and audited as the module docstring says, unless ``replay``.
    """
    at = at or datetime.now().replace(microsecond=0)
    stated = (received_by or actor) if received_on and received_on != at.date() else None
    received_on = received_on or at.date()
    received = _Received(received_on, stated, replay)
    expect = expect or Expect()
    results: list[LoadResult] = []
    waiting: list[_Accepted] = []
    hashes = [sha256(data) for _, data in files]
    reads = Reads(con, hashes)

    def commit_waiting() -> None:
        if waiting:
            _commit(con, waiting, actor, archive, at)
            waiting.clear()
            reads.forget()

    for i, ((name, data), file_hash) in enumerate(zip(files, hashes, strict=True)):
        if progress:
            progress(i, len(files), name)
        name = Path(name).name
        if any(w.record["file_hash"] == file_hash for w in waiting):
            commit_waiting()
        same = reads.loads_with_hash(file_hash)
        if same and _in_scope(con, same[0][0], expect):
            if not dry_run:
                commit_waiting()
            results.append(_same_bytes(con, same, name, actor, archive, dry_run, at))
            reads.forget()
            continue
        book = ahead[i].result() if i < len(ahead) else read_workbook(data, name, staged=True)
        checked = _check(con, reads, book, data, file_hash, actor, at, received, dry_run,
                         expect)
        key = _opd_key(checked)
        if key and any(_opd_key(w) == key for w in waiting):
            commit_waiting()  # its checks read that OPD's earlier reports: check again
            checked = _check(con, reads, read_workbook(data, name), data, file_hash, actor,
                             at, received, dry_run, expect)
        if isinstance(checked, _Accepted) and checked.record["kind"] == "masterplan":
            commit_waiting()
            try:  # alone, and while a staged book's last sheet may still be parsed
                _commit(con, [checked], actor, archive, at)
            except _RefusedLate as refused:
                checked = refused.result
            else:
                results.append(checked.result)
                continue
            finally:
                reads.forget()
        if isinstance(checked, _Accepted):
            results.append(checked.result)
            waiting.append(checked)
            continue
        if checked.status == "rejected" and not dry_run:
            commit_waiting()  # the journal keeps the order of the files
            _record_rejection(con, checked, file_hash, actor, at)
        results.append(checked)
    commit_waiting()
    if progress:
        progress(len(files), len(files), "")
    return results


@dataclass(frozen=True)
class _Received:
    """The received date of a load, who stated it (None: the upload day) and whether it is
    replayed history (unchecked)."""

    on: date
    stated_by: str | None = None
    replay: bool = False

    def detail(self) -> dict[str, str]:
        """What the load's audit event records of a stated date (nothing otherwise)."""
        return ({"tanggal_diterima": self.on.isoformat(), "dinyatakan_oleh": self.stated_by}
                if self.stated_by else {})

    def words(self) -> str:
        """' Tanggal diterima 07-04-2025 dinyatakan oleh X.' for a stated date, else ''."""
        return (f" Tanggal diterima {self.on:%d-%m-%Y} dinyatakan oleh {self.stated_by}."
                if self.stated_by else "")


@dataclass
class _Accepted:
    """A file that passed every check, waiting for its transaction."""

    result: LoadResult               # completed by _commit
    data: bytes
    format: str
    record: dict                     # the load row, without load_id and archive_path
    frames: dict[str, Facts]
    what: str                        # describe(ident): the file in words
    late: ParsedWorkbook | None = None  # a staged book whose last sheet is still parsed
    received: _Received | None = None
    confirmed: int | None = None     # removed rows the uploader confirmed
    mapping_used: tuple[int, ...] = ()  # text_mapping ids an E.81 form resolved by
    chosen: dict | None = None       # an E.81's region, OPD, year, TW (journaled for replay)
    form: str = "e81"                # the form ``chosen`` is for: its journal key (e81 | rfk)

    def count(self) -> None:
        """Count the rows of every table (in table order) into the result and record."""
        self.result.counts = {t: len(self.frames[t]) for t in lineage.FACT_TABLES
                              if t in self.frames}
        self.record["counts_json"] = json.dumps(self.result.counts)

    def summary(self) -> str:
        """'12 baris OPD, 40 baris program, …' (or 'tidak ada baris')."""
        return ", ".join(f"{n} baris {TABLE_LABELS[t]}" for t, n in self.result.counts.items()
                         if n) or "tidak ada baris"

    def replaces(self) -> str:
        """' Menggantikan muatan #12.' when the file replaces an active load."""
        previous = self.result.supersedes
        return f" Menggantikan muatan #{previous}." if previous else ""


class _RefusedLate(Exception):
    """The last sheet of a staged book failed its checks inside the transaction."""

    def __init__(self, result: LoadResult):
        super().__init__(result.message)
        self.result = result


def form_key(book: ParsedWorkbook) -> str:
    """The journal key of an OPD's own form (its choices are replayed with it): 'rfk' for a
    FORM RFK (etl/rfk.py), 'e81' for an E.81 (etl/e81.py)."""
    from etl.rfk import RfkForm
    return "rfk" if isinstance(book.form, RfkForm) else "e81"


def _opd_key(checked: LoadResult | _Accepted) -> tuple[str, str] | None:
    """The (region, OPD) of a report: reports whose checks read each other share it."""
    ident = (checked.result if isinstance(checked, _Accepted) else checked).ident
    return (ident.region, ident.opd) if ident is not None and ident.opd else None


def _check(con: duckdb.DuckDBPyConnection, reads: Reads, book: ParsedWorkbook, data: bytes,
           file_hash: str, actor: str, at: datetime, received: _Received, dry_run: bool,
           expect: Expect) -> LoadResult | _Accepted:
    """Check one parsed file (its checks add to ``book.issues``: a re-check needs a fresh
    parse), writing nothing: a rejection or dry run, or an accepted file. An accepted
    staged book may still be reading its target sheet (``_Accepted.late``): ``_commit``
    checks that sheet inside the transaction, after writing the rest."""
    if dry_run:
        book.complete()
    file_name = book.file
    received_on = received.on
    if book.kind == "e81":  # an E.81 form: its texts resolve to codes (etl/e81.py)
        from etl import e81
        e81.resolve(con, book, expect, reads.masterplan_state)
    elif book.kind == "rfk":  # a monthly FORM RFK: budget and fisik of a TW (etl/rfk.py)
        from etl import rfk
        rfk.resolve(con, book, expect, reads.masterplan_state)
    ident, frames, opd_names = (_validate(con, reads, book, expect, received_on)
                                if book.kind and book.kind not in ("e81", "rfk")  # unresolved
                                else (None, {}, {}))
    if ident is not None and book.form is not None and form_key(book) == "rfk":
        ident.kind = "rfk"  # its own scope: it never supersedes the quarterly report
    elif ident is not None and ident.kind == "laporan" and frames:
        from etl import rfk  # the TW's budget and fisik an RFK brought: replaced, said so
        rfk.against_rfk(con, book, ident, frames)  # type: ignore[arg-type]
    if ident is not None and ident.kind == "laporan" and received.stated_by \
            and not received.replay:
        problem = _received_problem(con, ident, received_on, at, expect)
        if problem:
            book.issue(None, None, "Tanggal diterima", problem[0], received_on.isoformat(),
                       problem[1])
    if book.issues or ident is None:
        _check_late(book, frames)  # every problem of the file at once
        if not book.issues:
            book.issue(None, None, None, "identitas", None, "Identitas file (wilayah, OPD, "
                       "tahun, triwulan) tidak lengkap di sheet Info.")
        return _rejected(book, ident)
    key = lineage.scope_key(ident.kind, ident.region, ident.opd, ident.year, ident.tw,
                            file_hash=file_hash)
    previous = reads.active_load_for_scope(ident.region, key)
    replaced = previous["load_id"] if previous else None
    result = LoadResult(file_name, "dry_run", "", [], None, ident, {},
                        _diff(con, frames, replaced), replaced)
    accepted = _Accepted(result, data, book.format, {
        "file_hash": file_hash, "file_name": file_name, "file_size": len(data),
        "kind": ident.kind, "region_code": ident.region, "opd_code": ident.opd,
        "year": ident.year, "tw": ident.tw, "scope_key": key, "basis": ident.basis,
        "template_version": book.meta.get("template_version"), "uploaded_by": actor,
        "uploaded_at": at, "received_on": received_on}, frames,
        describe(ident, opd_names), book if book.later else None, received)
    accepted.count()
    accepted.mapping_used = tuple(book.mapping_used)
    if book.form is not None:  # an E.81: what the uploader chose is replayed with it
        accepted.chosen = {"wilayah": ident.region, "opd": ident.opd, "tahun": ident.year,
                           "tw": ident.tw, "pemetaan": list(book.mapping_used)}
        accepted.form = form_key(book)
    accepted.confirmed = None if received.replay else expect.confirmed_removal(file_hash)
    if dry_run:
        result.message = (f"Uji coba {accepted.what}: akan memuat {accepted.summary()}."
                          f"{accepted.replaces()}{received.words()}{_removal_words(result)}"
                          " Belum ada yang diubah."
                          + "".join(f" Catatan: {note}" for note in book.notes[:5]))
        return result
    if accepted.late is not None:
        return accepted  # its removals are counted with the late tables (_finish_late)
    refused = _unconfirmed_removal(accepted, book, received.replay)
    return refused or accepted


def _removal_words(result: LoadResult) -> str:
    """What a dry run says of the rows the file would remove from the load it replaces."""
    if not result.removed:
        return ""
    return (f" PERHATIAN: {result.removed_text()} dari unggahan sebelumnya (muatan "
            f"#{result.supersedes}) tidak ada di file ini dan akan dihapus; pemuatan "
            "memerlukan konfirmasi jumlah itu.")


def _unconfirmed_removal(accepted: _Accepted, book: ParsedWorkbook,
                         replay: bool) -> LoadResult | None:
    """The rejection of a file that would remove rows of the load it replaces without the
    uploader confirming exactly that count (None when nothing goes or it is confirmed)."""
    result = accepted.result
    if replay or not result.removed or accepted.confirmed == result.removed:
        return None
    said = ("" if accepted.confirmed is None
            else f" (yang dikonfirmasi {accepted.confirmed} baris)")
    book.issue(None, None, None, "hapus_baris", str(result.removed),
               f"{result.removed_text()} dari unggahan sebelumnya (muatan #{result.supersedes}) "
               f"tidak ada di file ini dan akan dihapus{said}. Bila memang demikian, centang "
               f"konfirmasi penghapusan {result.removed} baris di halaman Unggah Data, atau "
               f"jalankan 'load' dengan --konfirmasi-hapus {result.removed}; bila tidak, "
               "lengkapi file ini.")
    return _rejected(book, result.ident)


def _received_problem(con: duckdb.DuckDBPyConnection, ident: Identity, received_on: date,
                      at: datetime, expect: Expect) -> tuple[str, str] | None:
    """Why a stated received date of a report is refused (check code, message), or None."""
    stated = f"{received_on:%d-%m-%Y}"
    if expect.opd_scope:
        return ("di_luar_wewenang", f"Akun operator tidak dapat menyatakan tanggal diterima "
                f"({stated}): tanggal diterima laporan yang diunggah operator adalah tanggal "
                "unggahnya. Unggah ulang tanpa tanggal diterima, atau minta admin Diskominfo "
                "bila laporan ini sudah diterima lebih awal.")
    if received_on > at.date():
        return ("tanggal_diterima", f"Tanggal diterima {stated} belum terjadi (file diunggah "
                f"{at:%d-%m-%Y}). Isi tanggal laporan benar-benar diterima.")
    first = facts.first_received(con, ident.region, ident.opd or "", ident.year or 0,
                                 ident.tw or 0)
    if first is not None and received_on < first:
        return ("tanggal_diterima", f"Tanggal diterima {stated} lebih awal dari tanggal "
                f"diterima unggahan pertama laporan ini ({first:%d-%m-%Y}). Keterlambatan "
                "dinilai dari unggahan pertama, jadi unggahan berikutnya tidak dapat "
                f"memundurkannya. Isi {first:%d-%m-%Y} atau sesudahnya.")
    return None


def _check_late(book: ParsedWorkbook, frames: dict[str, Facts]) -> None:
    """Read and check the tables a staged book was still parsing (a masterplan's targets,
    if its other sheets were checked)."""
    if book.later:
        book.complete()
        if "masterplan" in frames:
            validate_masterplan_targets(book, frames)


def _finish_late(con: duckdb.DuckDBPyConnection, accepted: _Accepted) -> list[str]:
    """Check the late tables of an accepted staged book, with their diff; the tables added
    (raises _RefusedLate with the rejection when they fail)."""
    book, before = accepted.late, set(accepted.frames)
    if book is None:
        return []
    accepted.late = None
    _check_late(book, accepted.frames)
    if book.issues:
        raise _RefusedLate(_rejected(book, accepted.result.ident))
    added = [t for t in lineage.FACT_TABLES if t in accepted.frames and t not in before]
    diff = {**accepted.result.diff, **_diff(con, {t: accepted.frames[t] for t in added},
                                             accepted.result.supersedes)}
    accepted.result.diff = {t: diff[t] for t in lineage.FACT_TABLES if t in diff}
    accepted.count()
    refused = _unconfirmed_removal(accepted, book, accepted.received is not None
                                   and accepted.received.replay)
    if refused is not None:
        raise _RefusedLate(refused)
    return added


def _commit(con: duckdb.DuckDBPyConnection, accepted: Sequence[_Accepted], actor: str,
            archive: Archive | None, at: datetime) -> None:
    """Load the accepted files in one transaction while the archive stores them; the files
    are on disk before the transaction commits. The tables of a staged book still being
    parsed are checked and written last, after the rest and the current state: a check
    that fails there rolls the whole file back (raises _RefusedLate)."""
    if not accepted:
        return
    records = [{**a.record, "archive_path": Archive.relpath(a.record["file_hash"], a.format)}
               for a in accepted]

    def store() -> Future | None:
        return archive.store_in_background(
            [(a.data, a.record["file_hash"], a.format) for a in accepted]) if archive else None

    late = any(a.late for a in accepted)
    stored = None if late else store()  # a file still being checked is stored once accepted
    con.execute("BEGIN TRANSACTION")
    try:
        load_ids = lineage.insert_loads(con, records)
        _insert_frames(con, accepted, load_ids, lineage.FACT_TABLES)
        replaced = [a.result.supersedes for a in accepted if a.result.supersedes]
        if replaced:
            lineage.deactivate(con, replaced, at)
        lineage.activate(con, load_ids, at)
        current.rebuild(con, {a.record["region_code"] for a in accepted},
                        {a.record["kind"] for a in accepted})
        if late:
            added = [_finish_late(con, a) for a in accepted]
            stored = store()  # every file is accepted now; stored while the rest is written
            for a, load_id, tables in zip(accepted, load_ids, added, strict=True):
                if tables:
                    _insert_frames(con, [a], [load_id], tables)
                    lineage.set_counts(con, load_id, a.record["counts_json"])
        events = []
        for a, load_id in zip(accepted, load_ids, strict=True):
            previous = a.result.supersedes
            if previous:
                events.append(lineage.Event("supersede", actor, at, previous,
                                            detail={"replaced_by": load_id}))
            events.append(lineage.Event("load", actor, at, load_id, a.record["file_hash"],
                                        a.record["file_name"],
                                        {"counts": a.result.counts, "supersedes": previous,
                                         **(a.received.detail() if a.received else {}),
                                         **({"hapus_dikonfirmasi": a.result.removed}
                                            if a.result.removed else {}),
                                         **({"pemetaan": list(a.mapping_used)}
                                            if a.mapping_used else {}),
                                         # etl.archive.from_database: the journal key
                                         **({"formulir": a.form} if a.chosen else {})}))
        lineage.record_events(con, events)
        if stored:
            stored.result()  # nothing is lost: every file is on disk before its load commits
        _fault_pause()
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        if stored:
            wait([stored])  # no write of this batch goes on after the caller is told
        raise
    if archive:
        archive.append(*({"event": "load", "load_id": load_id, "file_hash": r["file_hash"],
                          "file_name": r["file_name"], "archive_path": r["archive_path"],
                          "actor": actor, "at": at.isoformat(),
                          "received_on": r["received_on"].isoformat(),
                          **({a.form: a.chosen} if a.chosen else {})}
                         for a, load_id, r in zip(accepted, load_ids, records, strict=True)))
    for a, load_id in zip(accepted, load_ids, strict=True):
        a.result.status, a.result.load_id = "loaded", load_id
        a.result.message = (f"Berhasil memuat {a.what}: {a.summary()}.{a.replaces()}"
                            f"{a.received.words() if a.received else ''}")


def _insert_frames(con: duckdb.DuckDBPyConnection, accepted: Sequence[_Accepted],
                   load_ids: Sequence[int], tables: Sequence[str]) -> None:
    """Insert the files' rows of these tables under their load ids, one insert per table."""
    for table in tables:
        parts = [(a.frames[table], {"region_code": a.record["region_code"], "load_id": i})
                 for a, i in zip(accepted, load_ids, strict=True)
                 if len(a.frames.get(table, ()))]
        if parts:
            lineage.insert_frame(con, table, stacked(parts))


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


def _validate(con: duckdb.DuckDBPyConnection, reads: Reads, book: ParsedWorkbook,
              expect: Expect,
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
                                     intake.village_codes(con, ident.region))
        revisions = masterplan_revisions(book, frames)
        if revisions is not None:
            frames["revision"] = revisions
        return ident, frames, {}
    if book.kind == "revisi":
        return _validate_revisi(con, reads, book, expect)
    region = book.info.get("kode_wilayah")
    state = reads.masterplan_state(region) if region else None
    ident = laporan_identity(book, state, expect, received_on)
    if ident is None or state is None:
        return ident, {}, {}
    prior = reads.prior_budget(ident.region, ident.opd, ident.year, ident.tw)
    frames = validate_laporan(book, ident, state, intake.village_codes(con, ident.region),
                              prior, received_on)
    return ident, frames, state.opds


def _validate_revisi(con: duckdb.DuckDBPyConnection, reads: Reads, book: ParsedWorkbook,
                     expect: Expect) -> tuple[Identity | None, dict[str, Facts], dict[str, str]]:
    """Identify and check a revision workbook against the active masterplan."""
    if expect.opd_scope:
        book.issue(None, None, None, "di_luar_wewenang", None,
                   "Akun operator OPD tidak boleh mengunggah revisi masterplan. Revisi dicatat "
                   "oleh admin Diskominfo.")
        return None, {}, {}
    region = book.info.get("kode_wilayah")
    ident = revisi_identity(book, intake.region_exists(con, region) if region else None,
                            expect)
    if ident is None:
        return None, {}, {}
    state = reads.masterplan_state(ident.region)
    if state is None:
        book.issue(book.info_sheet, book.info_rows.get("kode_wilayah"), "Kode Wilayah",
                   "masterplan_belum_ada", ident.region, f"Masterplan wilayah {ident.region} "
                   "belum dimuat. Muat workbook masterplan terlebih dahulu.")
        return None, {}, {}
    if "revisi" not in book.tables:
        return None, {}, {}
    return ident, {"revision": state_revisions(book, state)}, {}


def _rejected(book: ParsedWorkbook, ident: Identity | None) -> LoadResult:
    n = len(book.issues)
    return LoadResult(book.file, "rejected", f"Ditolak: {n} masalah ditemukan di {book.file}. "
                      "Tidak ada data yang dimuat; perbaiki lalu unggah ulang.",
                      book.sorted_issues(), ident=ident)


def _record_rejection(con: duckdb.DuckDBPyConnection, result: LoadResult, file_hash: str,
                      actor: str, at: datetime) -> None:
    """Journal a rejected attempt with its problems (a record of what was refused)."""
    con.execute("BEGIN TRANSACTION")
    try:
        event_id = _event(con, "reject", actor, at, None, file_hash, result.file,
                          {"issues": len(result.issues)})
        lineage.record_issues(con, event_id, [
            {"file_name": i.file, "sheet": i.sheet, "row_no": i.row, "column_name": i.column,
             "check_code": i.check, "value": i.value, "message": i.message}
            for i in result.issues])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


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
            lineage.deactivate(con, [int(active["load_id"])], at)
            _event(con, "supersede", actor, at, int(active["load_id"]), None, None,
                   {"replaced_by": load_id})
        lineage.activate(con, [load_id], at)
        _event(con, "restore", actor, at, load_id, record["file_hash"], record["file_name"],
               {"replaces": int(active["load_id"]) if active else None})
        current.rebuild(con, [record["region_code"]], [record["kind"]])
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
        lineage.deactivate(con, [load_id], at)
        _event(con, "delete", actor, at, load_id, record["file_hash"], record["file_name"], None)
        current.rebuild(con, [record["region_code"]], [record["kind"]])
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
    return {table: lineage.diff_counts(con, table, frames[table].arrow(), KEYS[table],
                                       previous)
            if previous else {"baru": len(frames[table]), "berubah": 0, "sama": 0, "dihapus": 0}
            for table in lineage.FACT_TABLES if table in frames}


def load_paths(db_path: Path, paths: list[Path], *, actor: str, dry_run: bool = False,
               expect: Expect | None = None, at: datetime | None = None,
               received_on: date | None = None,
               received_by: str | None = None) -> list[LoadResult]:
    """Load several files from disk, in order (see ``load_many``)."""
    if dry_run and not Path(db_path).exists():
        db.ensure_database(db_path)
    archive = Archive(db.archive_root(db_path))
    unreadable: dict[int, LoadResult] = {}
    readable: list[tuple[str, bytes]] = []
    for i, path in enumerate(paths):
        try:
            readable.append((Path(path).name, Path(path).read_bytes()))
        except OSError:
            unreadable[i] = LoadResult(Path(path).name, "rejected",
                                       f"File {path} tidak dapat dibaca.", [Issue(
                                           Path(path).name, None, None, None, "tidak_ada",
                                           None, "File tidak ditemukan atau tidak dapat "
                                           "dibaca.")])
    if not dry_run:
        Path(db_path).parent.mkdir(parents=True, exist_ok=True)
    ahead = read_ahead(readable)  # parsed while the database opens
    access = db.opened(db_path, read_only=True, retries=50) if dry_run else db.writer(db_path)
    with access as con:
        if not dry_run:
            db.init_schema(con)  # on the load's own connection: one open, not two
            stale = current.stale_regions(con)  # while the files are parsed
        loaded = iter(load_many(con, readable, actor=actor, archive=archive, dry_run=dry_run,
                                expect=expect, at=at, received_on=received_on,
                                received_by=received_by, ahead=ahead))
        if not dry_run:
            current.refresh_stale(con, stale)
            snapshots.publish_if_enabled(con, db_path)  # cluster: replicas read the new data
    return [unreadable[i] if i in unreadable else next(loaded) for i in range(len(paths))]
