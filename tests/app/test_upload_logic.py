"""The upload flow without widgets (monev.ui.upload) and the app's data access (monev.ui.data),
against real databases and real files in every format Pemda staff send."""

from __future__ import annotations

import hashlib
import io
import time
import zipfile
from pathlib import Path

import duckdb
import openpyxl
import pytest

from etl.validate import Expect
from monev.store import db, lineage, uploads
from monev.ui import data, upload
from tests.formats import grids_of, to_ods, to_xls, to_xlsm
from tests.helpers import RECEIVED, report_bytes

GOOD_FILL = {"realisasi": {"GOV-01.1": {"realisasi": 25}, "GOV-01.2": {"realisasi": 4}}}
BAD_FILL = {"realisasi": {"GOV-01.1": {"realisasi": "dua puluh"}}}


def workbook(path: Path, fill: dict, opd: str = "KOMINFO", tw: int = 1) -> bytes:
    con = duckdb.connect(str(path))
    try:
        return report_bytes(con, opd, 2025, tw, fill)
    finally:
        con.close()


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def truncated_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
    return buf.getvalue()[:40]


BAD_BYTES = {
    "kosong.xlsx": b"",
    "teks.xlsx": b"Kode;Realisasi\nGOV-01.1;25\n",
    "rusak.xlsx": truncated_zip(),
    "gambar.xlsx": b"\x89PNG\r\n\x1a\n" + b"\x00" * 100,
    "zip_kosong.xlsx": b"PK\x05\x06" + b"\x00" * 18,
}


@pytest.mark.parametrize("name", sorted(BAD_BYTES))
def test_bad_bytes_are_rejected_in_words_and_never_raise(mp_db: Path, name: str) -> None:
    before = file_digest(mp_db)
    item = upload.check_file(name, BAD_BYTES[name], received_on=RECEIVED)
    assert item.result.status == "rejected" and not item.loadable
    assert item.status_label == "Ditolak"
    assert item.result.issues and all(i.message for i in item.result.issues)
    assert "Traceback" not in item.result.message and "Error" not in item.result.message
    table = upload.issues_table(item.result.issues)
    assert list(table.columns) == ["Sheet", "Baris", "Kolom", "Nilai", "Pesan"]
    assert file_digest(mp_db) == before


@pytest.mark.parametrize("fmt", ["xlsx", "xlsm", "xls", "ods"])
def test_every_format_dry_runs_then_loads(mp_db: Path, fmt: str) -> None:
    xlsx = workbook(mp_db, GOOD_FILL)
    content = {"xlsx": xlsx, "xlsm": to_xlsm(xlsx) if fmt == "xlsm" else b"",
               "xls": to_xls(grids_of(xlsx)) if fmt == "xls" else b"",
               "ods": to_ods(grids_of(xlsx)) if fmt == "ods" else b""}[fmt]
    before, version = file_digest(mp_db), data.data_version(mp_db)
    item = upload.check_file(f"laporan.{fmt}", content, received_on=RECEIVED)
    assert item.loadable, [i.text() for i in item.result.issues]
    assert item.kind == "laporan"
    assert upload.diff_table(item.result).to_dict("records") == [
        {"Data": "Realisasi kinerja", "Baru": 2, "Berubah": 0, "Sama": 0, "Dihapus": 0}]
    assert file_digest(mp_db) == before and data.data_version(mp_db) == version

    results = upload.commit([item], "penguji", received_on=RECEIVED)
    assert [r.status for r in results] == ["loaded"]
    assert data.data_version(mp_db) != version
    assert upload.counts_text(results[0].counts) == "2 baris realisasi kinerja"
    with db.opened(mp_db, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM realisation").fetchone()[0] == 2
    journal = data.archive(mp_db).journal_path.read_text(encoding="utf-8")
    assert f"laporan.{fmt}" in journal


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
def test_rejected_file_in_any_format_gets_a_marked_copy(mp_db: Path, fmt: str) -> None:
    xlsx = workbook(mp_db, BAD_FILL)
    content = {"xlsx": xlsx, "xls": to_xls(grids_of(xlsx)) if fmt == "xls" else b"",
               "ods": to_ods(grids_of(xlsx)) if fmt == "ods" else b""}[fmt]
    item = upload.check_file(f"laporan.{fmt}", content, received_on=RECEIVED)
    assert item.result.status == "rejected"
    assert item.annotated is not None and item.annotated.file_name == "laporan_perbaikan.xlsx"
    wb = openpyxl.load_workbook(io.BytesIO(item.annotated.data))
    cell = wb["Realisasi Kinerja"]["I4"]
    assert cell.value == "dua puluh" and cell.comment is not None


def test_dry_run_writes_nothing_even_for_a_rejection(mp_db: Path) -> None:
    before = file_digest(mp_db)
    upload.check_files([("a.xlsx", workbook(mp_db, BAD_FILL)),
                        ("b.xlsx", workbook(mp_db, GOOD_FILL))], received_on=RECEIVED)
    assert file_digest(mp_db) == before
    assert data.read(uploads.rejections).empty


def test_commit_of_a_file_that_became_invalid_records_the_rejection(mp_db: Path) -> None:
    """Between the check and the confirm the masterplan was withdrawn: the real load says so."""
    item = upload.check_file("laporan.xlsx", workbook(mp_db, GOOD_FILL), received_on=RECEIVED)
    assert item.loadable
    upload.withdraw(1, "admin")
    results = upload.commit([item], "penguji", received_on=RECEIVED)
    assert results[0].status == "rejected"
    assert "belum dimuat" in results[0].issues[0].message
    assert len(data.read(uploads.rejections)) == 1


def test_masterplans_are_checked_before_reports(mp_db: Path) -> None:
    from tests.helpers import MASTERPLAN_ROWS, masterplan_bytes

    revised = masterplan_bytes(target=[*MASTERPLAN_ROWS["target"], {
        "kode_indikator": "GOV-01.1", "tahun": 2026, "periode": 0, "target": 120}])
    items = upload.check_files([("laporan.xlsx", workbook(mp_db, GOOD_FILL)),
                                ("masterplan.xlsx", revised)], received_on=RECEIVED)
    assert [i.name for i in items] == ["masterplan.xlsx", "laporan.xlsx"]
    assert [i.kind for i in items] == ["masterplan", "laporan"]


def test_expectation_of_opd_and_period(mp_db: Path) -> None:
    content = workbook(mp_db, GOOD_FILL)
    wrong_tw = upload.check_file("l.xlsx", content,
                                 upload.expectation(period=(2025, 2)), RECEIVED)
    assert [i.check for i in wrong_tw.result.issues] == ["salah_opd_periode"]
    right = upload.check_file("l.xlsx", content,
                              upload.expectation(opd="KOMINFO", period=(2025, 1)), RECEIVED)
    assert right.loadable
    assert upload.expectation() == Expect()


def test_unexpected_errors_become_an_indonesian_rejection(mp_db: Path,
                                                          monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("internal detail")

    content = workbook(mp_db, GOOD_FILL)
    good = upload.check_file("l.xlsx", content, received_on=RECEIVED)
    monkeypatch.setattr(upload, "load_bytes", boom)
    monkeypatch.setattr(upload, "load_many", boom)
    item = upload.check_file("l.xlsx", content, received_on=RECEIVED)
    assert item.result.status == "rejected" and item.result.message == upload.INTERNAL_ERROR
    assert "internal detail" not in upload.issues_table(item.result.issues).to_string()
    results = upload.commit([good], "penguji", received_on=RECEIVED)
    assert results[0].status == "rejected" and results[0].message == upload.INTERNAL_ERROR


def test_an_error_after_a_committed_file_reports_each_file_as_it_is(
        mp_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A batch that fails after its first transaction: the file that made it in is reported
    loaded, the other as the Indonesian internal error, never all as failed."""
    first = upload.check_file("tw1.xlsx", workbook(mp_db, GOOD_FILL), received_on=RECEIVED)
    second = upload.check_file("tw2.xlsx", workbook(mp_db, GOOD_FILL, tw=2),
                               received_on=RECEIVED)
    assert first.loadable and second.loadable
    real = upload.load_many

    def first_then_boom(con, files, **kwargs):  # noqa: ANN001, ANN003, ANN202
        real(con, files[:1], **kwargs)
        raise RuntimeError("internal detail")

    monkeypatch.setattr(upload, "load_many", first_then_boom)
    done, failed = upload.commit([first, second], "penguji", received_on=RECEIVED)
    assert done.status == "loaded" and done.load_id is not None
    with duckdb.connect(str(mp_db), read_only=True) as con:
        assert con.execute("SELECT file_name FROM load WHERE load_id = ?",
                           [done.load_id]).fetchone() == ("tw1.xlsx",)
    assert failed.status == "rejected" and failed.message == upload.INTERNAL_ERROR


def test_locked_database_raises_busy_for_check_and_commit(locked_db: Path) -> None:
    with pytest.raises(data.DatabaseBusy):
        upload.check_file("l.xlsx", b"whatever")
    with pytest.raises(data.DatabaseBusy):
        data.cached(lineage.history)


def test_data_version_needs_no_connection(tmp_path: Path) -> None:
    missing = tmp_path / "tidak_ada" / "monev.duckdb"
    assert data.data_version(missing).startswith("db:0")
    assert not missing.exists()


def test_data_version_changes_on_load_restore_and_withdraw(mp_db: Path) -> None:
    seen = {data.data_version(mp_db)}
    item = upload.check_file("l.xlsx", workbook(mp_db, GOOD_FILL), received_on=RECEIVED)
    upload.commit([item], "penguji", received_on=RECEIVED)
    seen.add(data.data_version(mp_db))
    upload.withdraw(2, "penguji")
    seen.add(data.data_version(mp_db))
    # load_activation is keyed on (load_id, active_from) at one-second resolution: a restore
    # within the second the load was activated would collide (reported to the loader's owner).
    time.sleep(1.01 - time.time() % 1.0)   # until the clock's next second
    upload.restore(2, "penguji")
    seen.add(data.data_version(mp_db))
    assert len(seen) == 4
    data.read(lineage.history)
    assert data.data_version(mp_db) in seen, "a read does not change the version"


def test_cached_reads_follow_the_data_version(mp_db: Path) -> None:
    calls: list[str] = []

    def count_loads(con: duckdb.DuckDBPyConnection, kind: str) -> int:
        calls.append(kind)
        return int(con.execute("SELECT count(*) FROM load WHERE kind = ?", [kind]).fetchone()[0])

    assert data.cached(count_loads, "laporan") == 0
    assert data.cached(count_loads, "laporan") == 0
    assert data.cached(count_loads, "masterplan") == 1
    assert calls == ["laporan", "masterplan"]
    item = upload.check_file("l.xlsx", workbook(mp_db, GOOD_FILL), received_on=RECEIVED)
    upload.commit([item], "penguji", received_on=RECEIVED)
    assert data.cached(count_loads, "laporan") == 1
    assert calls == ["laporan", "masterplan", "laporan"]


def test_signing_in_keeps_the_cache_and_a_data_change_still_empties_it(mp_db: Path) -> None:
    from monev.store import accounts

    calls: list[str] = []

    def count_loads(con: duckdb.DuckDBPyConnection) -> int:
        calls.append("read")
        return int(con.execute("SELECT count(*) FROM load").fetchone()[0])

    data.write(lambda con: accounts.add_user(con, "sekda", "Sekda", "pimpinan",
                                             "rahasia-panjang-1", actor="admin"))
    assert data.cached(count_loads) == 1
    version = data.data_version(mp_db)
    user, _ = data.write_account(accounts.sign_in, "sekda", "rahasia-panjang-1")
    data.write_account(accounts.audit, "sekda", "sign_out", "sekda", None)
    assert user is not None and data.data_version(mp_db) != version   # the file did change
    assert data.cached(count_loads) == 1 and calls == ["read"]          # but the cache holds
    trail = data.read(accounts.audit_trail, None, None, None, 10)
    assert {"sign_in", "sign_out"} <= set(trail["action"])
    item = upload.check_file("l.xlsx", workbook(mp_db, GOOD_FILL), received_on=RECEIVED)
    upload.commit([item], "penguji", received_on=RECEIVED)
    assert data.cached(count_loads) == 2 and calls == ["read", "read"]


def test_a_page_never_takes_a_sign_in_in_progress_for_new_data(mp_db: Path,
                                                              monkeypatch) -> None:
    """Another session asking for the data version in the moment after a sign-in's write
    closed and before it is recorded as the same data waits for the record: it never sees
    a new version (which would empty every session's cache)."""
    import threading

    from monev.store import accounts

    data.write(lambda con: accounts.add_user(con, "sekda", "Sekda", "pimpinan",
                                             "rahasia-panjang-1", actor="admin"))
    live = data.db_path()
    before = data._version(live)
    data._drop_older_versions(str(live), before)      # the version every page has seen
    seen: list[str] = []
    real_write = data.write

    def write_then_ask(fn, *args, **kwargs):  # noqa: ANN001, ANN202 - as data.write
        result = real_write(fn, *args, **kwargs)
        assert data.data_version(live) != before      # the file has changed
        other = threading.Thread(target=lambda: seen.append(data._version(live)))
        other.start()
        other.join(0.3)                               # it waits for the record
        assert not seen
        waiting.append(other)
        return result

    waiting: list[threading.Thread] = []
    monkeypatch.setattr(data, "write", write_then_ask)
    data.write_account(accounts.sign_in, "sekda", "rahasia-panjang-1")
    waiting[0].join(5)
    assert seen == [before]


def test_cli_load_in_another_process_is_seen_by_the_app(mp_db: Path) -> None:
    """The app holds no connection: a load by another writer shows up at the next read."""
    assert len(data.cached(lineage.history)) == 1
    content = workbook(mp_db, GOOD_FILL)
    path = mp_db.parent / "laporan.xlsx"
    path.write_bytes(content)
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "etl", "load", str(path)],
                         cwd=Path(__file__).resolve().parents[2], capture_output=True,
                         text=True, env={**__import__("os").environ, "MONEV_DB": str(mp_db)})
    assert out.returncode == 0, out.stdout + out.stderr
    assert len(data.cached(lineage.history)) == 2


def test_template_bytes_are_the_prefilled_report(mp_db: Path) -> None:
    from etl.workbook import read_workbook

    content = data.cached(upload.laporan_template_bytes, "35.23", "KOMINFO", 2025, 2)
    book = read_workbook(content, "t.xlsx")
    assert book.kind == "laporan"
    assert (book.info["kode_opd"], book.info["tahun"], book.info["triwulan"]) == (
        "KOMINFO", 2025, 2)
    blank = read_workbook(upload.masterplan_template_bytes("35.23"), "m.xlsx")
    assert blank.kind == "masterplan" and blank.info["kode_wilayah"] == "35.23"
