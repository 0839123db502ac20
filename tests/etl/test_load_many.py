"""load_many: several workbooks in one call, each checked on its own, the accepted reports of
different OPDs committed together, with the same ids and rows as loading them one by one."""

from __future__ import annotations

import functools
from datetime import datetime
from pathlib import Path

import pytest

import etl.load as loadmod
from bench.ingest import masterplan, quarter_reports
from etl.archive import sha256
from etl.load import load_bytes, load_many, load_paths
from etl.validate import Expect
from etl.workbook import read_ahead
from monev.store import db, lineage
from tests.helpers import Env, report_bytes, syncs_and_commits

MP_AT = datetime(2025, 1, 10, 9, 0)
AT = datetime(2025, 7, 5, 9, 0)
N = 5
SCOPE = "35.23|laporan|OPD00|2025|2"


@functools.cache
def _mp() -> bytes:
    return masterplan(N, 2, 3)


@functools.cache
def _reports() -> tuple[tuple[str, bytes], ...]:
    return tuple(quarter_reports(N, 2, 3))


@functools.cache
def _unknown_indicator() -> tuple[str, bytes]:
    """OPD03's report with an indicator (P03-000.3) the masterplan does not have."""
    return quarter_reports(4, 2, 4)[3]


def _env(root: Path, with_masterplan: bool = True) -> Env:
    env = Env(root / "monev.duckdb")
    if with_masterplan:
        assert env.load(_mp(), "masterplan.xlsx", at=MP_AT).status == "loaded"
    return env


@pytest.fixture
def menv(tmp_path: Path):
    env = _env(tmp_path)
    yield env
    env.close()


def _transactions(monkeypatch) -> list[list[str]]:
    """Spy on the loader's commits: the file names of each load transaction, in order."""
    seen: list[list[str]] = []
    real = loadmod._commit

    def spy(con, accepted, *args):
        seen.append([a.record["file_name"] for a in accepted])
        return real(con, accepted, *args)

    monkeypatch.setattr(loadmod, "_commit", spy)
    return seen


def _many(env: Env, files, **kw):
    kw.setdefault("at", AT)
    return load_many(env.con, list(files), actor="penguji", archive=env.archive, **kw)


def _rows(env: Env, sql: str, *params) -> list[tuple]:
    return env.con.execute(sql, list(params)).fetchall()


def _events(env: Env, after: int = 0) -> list[tuple]:
    return _rows(env, "SELECT event_id, action, load_id, file_name FROM load_event "
                 "WHERE event_id > ? ORDER BY event_id", after)


def test_a_quarter_of_reports_is_one_transaction_with_ids_in_file_order(menv, monkeypatch):
    reports, seen = _reports(), []
    commits = _transactions(monkeypatch)
    results = _many(menv, reports, progress=lambda *a: seen.append(a))
    assert [(r.file, r.status) for r in results] == [(n, "loaded") for n, _ in reports]
    assert [r.load_id for r in results] == [2, 3, 4, 5, 6]
    assert commits == [[n for n, _ in reports]]
    assert seen == [*((i, N, n) for i, (n, _) in enumerate(reports)), (N, N, "")]
    assert _rows(menv, "SELECT load_id, file_name, file_hash, opd_code, uploaded_at FROM load "
                 "WHERE load_id > 1 ORDER BY load_id") == [
        (i + 2, n, sha256(d), f"OPD{i:02d}", AT) for i, (n, d) in enumerate(reports)]
    assert _events(menv, 1) == [(i + 2, "load", i + 2, n) for i, (n, _) in enumerate(reports)]
    assert _rows(menv, "SELECT load_id FROM active_load WHERE load_id > 1 ORDER BY 1") == [
        (i,) for i in range(2, 7)]
    for r in results:
        assert sum(r.counts.values()) > 0 and r.supersedes is None
        for table, n in r.counts.items():
            assert _rows(menv, f"SELECT count(*) FROM {table} WHERE load_id = ?",
                         r.load_id) == [(n,)], (r.file, table)
    journal = [e for e in menv.archive.entries() if e["event"] == "load"][1:]
    assert [(e["load_id"], e["file_name"], e["file_hash"]) for e in journal] == [
        (r.load_id, n, sha256(d)) for r, (n, d) in zip(results, reports)]
    for e, (_, data) in zip(journal, reports):
        assert menv.archive.read(e["archive_path"]) == data


def test_batch_gives_the_same_database_as_one_file_at_a_time(tmp_path):
    one, many = _env(tmp_path / "one"), _env(tmp_path / "many")
    files = [*_reports(), (_reports()[0][0], report_bytes(
        one.con, "OPD00", 2025, 2, {"realisasi": {"P00-000.0": {"realisasi": 7}}}))]
    singles = [load_bytes(one.con, d, n, actor="penguji", archive=one.archive, at=AT)
               for n, d in files]
    batch = _many(many, files)
    assert [(r.status, r.load_id, r.supersedes, r.counts) for r in batch] == [
        (r.status, r.load_id, r.supersedes, r.counts) for r in singles]
    for sql in ["SELECT * FROM load ORDER BY load_id",
                "SELECT * FROM load_activation ORDER BY load_id, active_from",
                "SELECT * FROM load_event ORDER BY event_id",
                *(f"SELECT * FROM {t} ORDER BY ALL" for t in lineage.FACT_TABLES)]:
        assert _rows(many, sql) == _rows(one, sql), sql
    assert list(many.archive.entries()) == list(one.archive.entries())
    one.close()
    many.close()


def test_masterplan_then_reports_in_one_call(tmp_path, monkeypatch):
    env = _env(tmp_path, with_masterplan=False)
    commits = _transactions(monkeypatch)
    results = _many(env, [("masterplan.xlsx", _mp()), *_reports()])
    assert [(r.status, r.load_id) for r in results] == [("loaded", i) for i in range(1, 7)]
    assert commits == [["masterplan.xlsx"], [n for n, _ in _reports()]]
    assert _rows(env, "SELECT count(*) FROM realisation WHERE load_id > 1") == [(N * 2 * 3,)]
    env.close()


def test_a_bad_file_in_the_middle_stops_nothing_else(menv):
    reports, bad = _reports(), _unknown_indicator()
    files = [reports[0], reports[1], ("rusak.xlsx", b"not a spreadsheet"), bad, reports[4]]
    results = _many(menv, files)
    assert [r.status for r in results] == ["loaded", "loaded", "rejected", "rejected", "loaded"]
    assert [r.load_id for r in results] == [2, 3, None, None, 4]
    assert results[2].issues and not results[2].ok
    assert "kode_indikator" in {i.check for i in results[3].issues}
    assert _rows(menv, "SELECT opd_code FROM load WHERE load_id > 1 ORDER BY load_id") == [
        ("OPD00",), ("OPD01",), ("OPD04",)]
    rejects = _rows(menv, "SELECT e.file_name, e.file_hash, count(i.event_id) FROM load_event e "
                    "LEFT JOIN load_issue i USING (event_id) WHERE e.action = 'reject' "
                    "GROUP BY e.event_id, e.file_name, e.file_hash ORDER BY e.event_id")
    assert rejects == [(n, sha256(d), len(r.issues))
                       for (n, d), r in zip(files[2:4], results[2:4])]


def test_journal_of_a_batch_with_a_rejection_is_in_file_order(tmp_path):
    """Event ids follow the files: the rejection of file 3 comes after the loads of files
    1 and 2, as when the files are loaded one at a time."""
    one, many = _env(tmp_path / "one"), _env(tmp_path / "many")
    reports = _reports()
    files = [reports[0], reports[1], _unknown_indicator(), reports[4]]
    for n, d in files:
        load_bytes(one.con, d, n, actor="penguji", archive=one.archive, at=AT)
    _many(many, files)
    expected = [(2, "load", 2, files[0][0]), (3, "load", 3, files[1][0]),
                (4, "reject", None, files[2][0]), (5, "load", 4, files[3][0])]
    assert _events(one, 1) == expected
    assert _events(many, 1) == expected, "load_many journals a rejection before the loads " \
        "of earlier files that were still waiting for their transaction"
    one.close()
    many.close()


def test_second_report_of_the_same_opd_supersedes_the_first(menv):
    first, second = (report_bytes(menv.con, "OPD00", 2025, 2,
                                  {"realisasi": {"P00-000.0": {"realisasi": v}}}) for v in (5, 6))
    results = _many(menv, [("a.xlsx", first), _reports()[1], ("b.xlsx", second)])
    assert [(r.status, r.load_id, r.supersedes) for r in results] == [
        ("loaded", 2, None), ("loaded", 3, None), ("loaded", 4, 2)]
    assert results[2].diff["realisation"]["berubah"] == 1
    assert _rows(menv, "SELECT load_id FROM active_load WHERE scope_key = ?", SCOPE) == [(4,)]
    assert _rows(menv, "SELECT load_id, active_until FROM load_activation WHERE load_id IN "
                 "(2, 4) ORDER BY 1") == [(2, AT), (4, None)]
    assert _rows(menv, "SELECT r.value FROM realisation r JOIN active_load USING (load_id) "
                 "WHERE indicator_code = 'P00-000.0'") == [(6.0,)]
    assert [e[1:3] for e in _events(menv, 1)] == [("load", 2), ("load", 3), ("supersede", 2),
                                                  ("load", 4)]


def test_the_same_bytes_twice_in_one_call(menv):
    r0, r1 = _reports()[:2]
    results = _many(menv, [r0, r1, ("kopi.xlsx", r0[1])])
    assert [(r.status, r.load_id) for r in results] == [("loaded", 2), ("loaded", 3),
                                                         ("unchanged", 2)]
    assert _rows(menv, "SELECT count(*) FROM load") == [(3,)]
    assert [e["load_id"] for e in menv.archive.entries()] == [1, 2, 3]


def test_a_failed_transaction_loads_none_of_its_files(menv, monkeypatch):
    before, journal = menv.snapshot(), list(menv.archive.entries())

    def broken(con, events):
        raise RuntimeError("disk penuh (simulasi)")

    monkeypatch.setattr(lineage, "record_events", broken)
    with pytest.raises(RuntimeError, match="disk penuh"):
        _many(menv, _reports())
    assert menv.snapshot() == before
    assert list(menv.archive.entries()) == journal
    monkeypatch.undo()  # the connection is usable again and no id was used up
    assert [r.load_id for r in _many(menv, _reports())] == [2, 3, 4, 5, 6]


def test_dry_run_of_several_files_writes_nothing(menv):
    before, journal = menv.snapshot(), list(menv.archive.entries())
    files = [*_reports()[:3], ("lagi.xlsx", _reports()[0][1])]
    results = _many(menv, files, dry_run=True)
    assert [r.status for r in results] == ["dry_run"] * 4
    assert all(r.load_id is None and "Belum ada yang diubah" in r.message for r in results)
    assert menv.snapshot() == before
    assert list(menv.archive.entries()) == journal


def test_load_paths_keeps_a_missing_file_in_its_place(tmp_path):
    paths = []
    for name, data in [("masterplan.xlsx", _mp()), *_reports()[:2]]:
        (tmp_path / name).write_bytes(data)
        paths.append(tmp_path / name)
    paths.insert(2, tmp_path / "hilang.xlsx")
    results = load_paths(tmp_path / "monev.duckdb", paths, actor="penguji", at=AT)
    assert [(r.file, r.status, r.load_id) for r in results] == [
        ("masterplan.xlsx", "loaded", 1), (paths[1].name, "loaded", 2),
        ("hilang.xlsx", "rejected", None), (paths[3].name, "loaded", 3)]
    assert [i.check for i in results[2].issues] == ["tidak_ada"]
    with db.opened(tmp_path / "monev.duckdb") as con:
        assert con.execute("SELECT load_id, file_name FROM active_load ORDER BY 1").fetchall() \
            == [(1, "masterplan.xlsx"), (2, paths[1].name), (3, paths[3].name)]


def test_a_rejected_later_report_is_checked_against_the_waiting_one(menv):
    """TW 3 of an OPD whose TW 2 waits in the same call: its year-to-date budget check must
    see TW 2 (1,0 + 0,8 M > pagu 1,5 M), as when the files are loaded one at a time."""
    def report(tw, real, extra=None):
        return report_bytes(menv.con, "OPD00", 2025, tw, {"anggaran": {"P00-000": {
            "sumber_dana": "APBD", "pagu": 1.5e9, "realisasi_rp": real}}}, extra=extra)

    unknown = {"realisasi": [{"kode_indikator": "ZZZ.1", "realisasi": 1}]}
    results = _many(menv, [("tw2.xlsx", report(2, 1e9)), ("tw3.xlsx", report(3, 8e8, unknown))])
    assert [r.status for r in results] == ["loaded", "rejected"]
    assert sorted(i.check for i in results[1].issues) == ["kode_indikator", "melebihi_pagu"]


def test_archived_bytes_are_synced_before_the_load_is_committed(menv, monkeypatch):
    """Nothing is lost: each file and its folder entry reach the disk (written on the
    archive's thread, alongside the inserts) before the load that names them commits."""
    order = syncs_and_commits(monkeypatch)
    results = _many(menv, _reports()[:2])
    assert [r.status for r in results] == ["loaded", "loaded"]
    # two files, each: the bytes, then the folder; then the commit, then the journal
    assert order == ["fsync"] * 4 + ["commit", "fsync"]


def test_a_file_the_archive_cannot_store_loads_nothing(menv, monkeypatch):
    before, journal = menv.snapshot(), list(menv.archive.entries())

    def full(self, data, file_hash, fmt):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("etl.archive.Archive.store", full)
    with pytest.raises(OSError):
        _many(menv, _reports()[:2])
    assert menv.snapshot() == before
    assert list(menv.archive.entries()) == journal


def test_files_read_ahead_load_exactly_as_files_read_in_turn(tmp_path):
    """Parsed in the background (``read_ahead``), including a re-checked second report of
    an OPD and a rejected file: the same results and the same database."""
    one, ahead = _env(tmp_path / "one"), _env(tmp_path / "ahead")
    reports = _reports()
    second = report_bytes(one.con, "OPD00", 2025, 2,
                          {"realisasi": {"P00-000.0": {"realisasi": 9}}})
    files = [*reports[:3], ("rusak.xlsx", b"not a spreadsheet"), _unknown_indicator(),
             ("b.xlsx", second)]
    # the second report of OPD00 leaves out 13 rows of the first (5 indicators, 2 budget, 2
    # progress and 4 village rows): confirmed, as an uploader would
    expect = Expect(removals=((sha256(second), 13),))
    plain = _many(one, files, expect=expect)
    early = _many(ahead, files, ahead=read_ahead(files), expect=expect)
    assert [(r.status, r.load_id, r.supersedes, r.counts, r.message,
             [i.as_row() for i in r.issues]) for r in early] == [
        (r.status, r.load_id, r.supersedes, r.counts, r.message,
         [i.as_row() for i in r.issues]) for r in plain]
    assert [r.status for r in early] == ["loaded"] * 3 + ["rejected"] * 2 + ["loaded"]
    for sql in ["SELECT * FROM load ORDER BY load_id", "SELECT * FROM load_event ORDER BY ALL",
                "SELECT * FROM cur_state", *(f"SELECT * FROM {t} ORDER BY ALL"
                                             for t in lineage.FACT_TABLES)]:
        assert _rows(ahead, sql) == _rows(one, sql), sql
    one.close()
    ahead.close()


def test_read_ahead_holds_at_most_its_byte_budget(monkeypatch):
    files = list(_reports()[:4])
    size = len(files[0][1])
    monkeypatch.setattr("etl.workbook.READ_AHEAD_BYTES", 2 * size + 1)
    assert len(read_ahead(files)) == 2
    monkeypatch.setattr("etl.workbook.READ_AHEAD_BYTES", 0)
    futures = read_ahead(files)
    assert len(futures) == 1                            # always the first file
    assert futures[0].result().kind == "laporan" and futures[0].result().file == files[0][0]
    monkeypatch.setattr("etl.workbook.READ_AHEAD_BYTES", 100 * size)
    assert len(read_ahead(files)) == 4


def test_load_paths_starts_parsing_before_it_opens_the_database(tmp_path, monkeypatch):
    order: list[str] = []
    real_ahead, real_writer = loadmod.read_ahead, db.writer

    def ahead(files):
        order.append("read_ahead")
        return real_ahead(files)

    def writer(path, *args, **kw):
        order.append("open")
        return real_writer(path, *args, **kw)

    monkeypatch.setattr(loadmod, "read_ahead", ahead)
    monkeypatch.setattr(db, "writer", writer)
    (tmp_path / "masterplan.xlsx").write_bytes(_mp())
    results = load_paths(tmp_path / "monev.duckdb", [tmp_path / "masterplan.xlsx"],
                         actor="penguji", at=AT)
    assert [r.status for r in results] == ["loaded"]
    assert order == ["read_ahead", "open"]
