"""The upload flow without widgets: check (dry run), commit, and tables for the page.

Every function takes file names and bytes, so the flow is tested against a real database
without a browser; ``pages/unggah.py`` only lays it out. A dry run opens the database
read-only (it never writes, not even the record of a rejection); only "Muat ke database"
opens it read-write, through ``monev.ui.data.write``.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import date

import duckdb
import pandas as pd

from etl.annotate import Annotated, CannotAnnotate, annotate
from etl.archive import sha256
from etl.issues import Issue
from etl.load import (
    TABLE_LABELS,
    LoadResult,
    delete_load,
    load_bytes,
    load_many,
    restore_load,
)
from etl.mapping import MappingRefused, Proposal, proposals_for_upload, save_rows  # noqa: F401 - the page catches MappingRefused
from etl.template import laporan_template, masterplan_template
from etl.validate import Expect
from etl.workbook import ParsedWorkbook, read_ahead
from monev.domain.text import format_angka
from monev.store import current, lineage
from monev.store.mapping import Saved
from monev.ui import data

LOG = logging.getLogger(__name__)
DEFAULT_ACTOR = "diskominfo"
PREVIEW_ACTOR = "pratinjau"
INTERNAL_ERROR = ("Terjadi kesalahan tak terduga saat memproses file ini. Tidak ada data yang "
                  "diubah. Simpan ulang file sebagai .xlsx lalu coba lagi; bila tetap gagal, "
                  "kirimkan file ini ke admin Diskominfo.")
STATUS_LABELS = {"dry_run": "Siap dimuat", "unchanged": "Tidak berubah", "rejected": "Ditolak",
                 "loaded": "Dimuat", "restored": "Dipulihkan"}
DIFF_LABELS = {"baru": "Baru", "berubah": "Berubah", "sama": "Sama", "dihapus": "Dihapus"}
ISSUE_COLUMNS = ("Sheet", "Baris", "Kolom", "Nilai", "Pesan")


@dataclass
class Checked:
    """One uploaded file after its dry run."""

    name: str
    data: bytes
    result: LoadResult
    sha: str = field(default="")
    annotated: Annotated | None = None   # the marked copy, for a rejected file
    # An E.81 form refused for texts not mapped yet: each with its suggested codes.
    proposals: list[Proposal] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.sha = self.sha or sha256(self.data)

    @property
    def loadable(self) -> bool:
        """True when loading it would change the data (the dry run found no problem)."""
        return self.result.status == "dry_run"

    @property
    def status_label(self) -> str:
        """'Siap dimuat', 'Ditolak', 'Tidak berubah'."""
        return STATUS_LABELS.get(self.result.status, self.result.status)

    @property
    def kind(self) -> str | None:
        """'masterplan' or 'laporan' when the file was recognised."""
        return self.result.ident.kind if self.result.ident else None


def current_actor() -> str:
    """Who is acting: the signed-in account's user name ('diskominfo' outside a session)."""
    from monev.ui.session import current_user
    user = current_user()
    return user.username if user is not None else DEFAULT_ACTOR


def expectation(region: str | None = None, opd: str | None = None,
                period: tuple[int, int] | None = None) -> Expect:
    """What the user says the upload is for; None everywhere = as the file says. An operator
    account is always scoped to its own OPD, and an account bound to a region to that region:
    the loader refuses anything else."""
    from monev.ui.session import current_user
    user = current_user()
    scope = user.opd_code if user is not None and not user.can("upload_any_opd") else None
    year, tw = period if period else (None, None)
    return Expect(opd=opd, year=year, tw=tw, region=region, opd_scope=scope,
                  region_scope=user.region_code if user is not None else None)


def _failed(name: str, message: str = INTERNAL_ERROR, check: str = "galat_internal"
            ) -> LoadResult:
    return LoadResult(name, "rejected", message,
                      [Issue(name, None, None, None, check, None, message)])


def _dry_run(con: duckdb.DuckDBPyConnection, content: bytes, name: str, expect: Expect,
             received_on: date | None, received_by: str | None = None) -> LoadResult:
    return load_bytes(con, content, name, actor=PREVIEW_ACTOR, archive=None, dry_run=True,
                      expect=expect, received_on=received_on, received_by=received_by)


def check_file(name: str, content: bytes, expect: Expect | None = None,
               received_on: date | None = None) -> Checked:
    """Dry-run one file on a read-only connection; never raises except ``DatabaseBusy``.
    ``received_on`` None: the upload day (a date stated by an admin otherwise)."""
    expect = expect or Expect()
    try:
        result = data.read(_dry_run, content, name, expect, received_on, current_actor())
    except data.DatabaseBusy:
        raise
    except Exception:
        LOG.exception("dry run of %s failed", name)
        result = _failed(name)
    item = Checked(name, content, result)
    if result.status == "rejected":
        item.annotated = annotated_copy(item)
        if any(i.check == "belum_dipetakan" for i in result.issues):
            try:
                item.proposals = data.read(proposals_for_upload, name, content, expect)
            except Exception:  # the refusal above still says what to map and how
                LOG.exception("mapping proposals for %s failed", name)
    return item


def save_mapping(rows: Sequence[tuple[str, str, str, str]], actor: str) -> Saved:
    """Save the names an admin mapped on the page, (region, kind, text, code) each, all or
    nothing (``MappingRefused`` says why)."""
    return data.write(_save_mapping, list(rows), actor)


def _save_mapping(con: duckdb.DuckDBPyConnection, rows: list[tuple[str, str, str, str]],
                  actor: str) -> Saved:
    return save_rows(con, rows, actor=actor)


def check_files(files: Sequence[tuple[str, bytes]], expect: Expect | None = None,
                received_on: date | None = None,
                progress: Callable[[int, int, str], None] | None = None) -> list[Checked]:
    """Dry-run several files; masterplans first, then reports, each in upload order."""
    out = []
    for i, (name, content) in enumerate(files):
        if progress:
            progress(i, len(files), name)
        out.append(check_file(name, content, expect, received_on))
    if progress:
        progress(len(files), len(files), "")
    return sorted(out, key=lambda c: c.kind != "masterplan")


def _commit(con: duckdb.DuckDBPyConnection, items: Sequence[Checked], actor: str,
            expect: Expect, received_on: date | None,
            progress: Callable[[int, int, str], None] | None,
            ahead: Sequence[Future[ParsedWorkbook]]) -> list[LoadResult]:
    try:
        results = load_many(con, [(i.name, i.data) for i in items], actor=actor,
                            archive=data.archive(), expect=expect, received_on=received_on,
                            progress=progress, ahead=ahead)
    except Exception:
        LOG.exception("load of %d files failed", len(items))
        results = [_loaded_or_failed(con, item) for item in items]
    current.refresh_stale(con)
    return results


def _loaded_or_failed(con: duckdb.DuckDBPyConnection, item: Checked) -> LoadResult:
    """After an unexpected error: whether the file's bytes made it into an active load (an
    earlier transaction of the same batch), or an Indonesian rejection."""
    file_hash = sha256(item.data)
    active = [i for i, is_active in lineage.loads_with_hashes(con, [file_hash]).get(
        file_hash, []) if is_active]
    if active:
        return LoadResult(item.name, "loaded", f"Berhasil dimuat sebagai muatan #{active[0]}.",
                          load_id=active[0])
    return _failed(item.name)


def commit(items: Sequence[Checked], actor: str, expect: Expect | None = None,
           received_on: date | None = None,
           progress: Callable[[int, int, str], None] | None = None) -> list[LoadResult]:
    """Load the loadable files for real on one read-write connection, as one batch
    (``load_many``: each file all or nothing, the accepted reports in one transaction); the
    loader checks everything again, so a change since the dry run is caught."""
    todo = [i for i in items if i.loadable]
    if not todo:
        return []
    ahead = read_ahead([(i.name, i.data) for i in todo])  # parsed while the database opens
    return data.write(_commit, todo, actor, expect or Expect(), received_on, progress, ahead)


def diff_table(result: LoadResult) -> pd.DataFrame:
    """Rows per kind of data: new, changed, unchanged and removed (Indonesian labels)."""
    rows = [{"Data": TABLE_LABELS.get(table, table).capitalize(),
             **{DIFF_LABELS[k]: int(d.get(k, 0)) for k in DIFF_LABELS}}
            for table, d in result.diff.items() if any(d.values())]
    return pd.DataFrame(rows, columns=["Data", *DIFF_LABELS.values()])


def counts_text(counts: dict[str, int]) -> str:
    """'3 baris realisasi kinerja, 1.200 baris target' (non-empty tables only)."""
    return ", ".join(f"{format_angka(n, 0)} baris {TABLE_LABELS.get(t, t)}"
                     for t, n in counts.items() if n)


def issues_table(issues: Sequence[Issue]) -> pd.DataFrame:
    """Problems as a table: Sheet, Baris, Kolom, Nilai, Pesan."""
    rows = [{k: v for k, v in i.as_row().items() if k in ISSUE_COLUMNS} for i in issues]
    df = pd.DataFrame(rows, columns=list(ISSUE_COLUMNS))
    df["Baris"] = df["Baris"].astype("Int64")
    df["Nilai"] = df["Nilai"].map(value_text).astype(object)
    return df


def value_text(value: object) -> object:
    """A cell's value as the sheet's reader wrote it, in Indonesian: -12.0 -> '-12',
    1234.5 -> '1.234,5' (every decimal kept); text and missing values unchanged."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return value
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return value
    if float(value).is_integer() and abs(value) < 1e15:
        return format_angka(float(value), 0)
    whole, _, frac = repr(float(value)).partition(".")
    if "e" in frac or "e" in whole:
        return repr(float(value)).replace(".", ",")
    return f"{format_angka(float(whole), 0) if whole != '-0' else '-0'},{frac}"


def annotated_copy(item: Checked) -> Annotated | None:
    """The user's workbook with the problem cells marked, or None when it cannot be opened."""
    if not item.result.issues:
        return None
    try:
        return annotate(item.data, item.name, item.result.issues)
    except CannotAnnotate:
        return None
    except Exception:
        LOG.exception("annotating %s failed", item.name)
        return None


def laporan_template_bytes(con: duckdb.DuckDBPyConnection, region: str, opd: str, year: int,
                           tw: int) -> bytes:
    """The pre-filled quarterly report workbook of an OPD for one TW."""
    buf = io.BytesIO()
    laporan_template(con, buf, region, opd, year, tw)
    return buf.getvalue()


def masterplan_template_bytes(region: str = "") -> bytes:
    """The blank masterplan workbook (with the region code when known)."""
    buf = io.BytesIO()
    masterplan_template(buf, region)
    return buf.getvalue()


def _restore(con: duckdb.DuckDBPyConnection, load_id: int, actor: str) -> int | None:
    replaced = restore_load(con, load_id, actor=actor, archive=data.archive())
    current.refresh_stale(con)
    return replaced


def _withdraw(con: duckdb.DuckDBPyConnection, load_id: int, actor: str) -> None:
    delete_load(con, load_id, actor=actor, archive=data.archive())
    current.refresh_stale(con)


def restore(load_id: int, actor: str) -> int | None:
    """Make an earlier load active again; returns the load it replaced."""
    return data.write(_restore, load_id, actor)


def withdraw(load_id: int, actor: str) -> None:
    """Withdraw an active load (it stays in the history and can be restored)."""
    data.write(_withdraw, load_id, actor)
