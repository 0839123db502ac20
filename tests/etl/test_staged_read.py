"""A large masterplan is loaded while its target sheet is still being parsed (a staged read):
the other sheets are checked and written inside the transaction first, the targets last. The
results, the problems reported and the database must be exactly those of reading the whole
file first, and a target sheet that fails its checks must roll the whole file back."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

import etl.load as loadmod
import etl.workbook as wbmod
from bench.ingest import masterplan
from etl.archive import sha256
from etl.load import load_many
from etl.validate import Expect
from etl.workbook import read_ahead, read_workbook
from monev.store import lineage
from tests.etl.test_ingest_fastpath import _book_as_data, _grids, _xlsx
from tests.helpers import Env, syncs_and_commits

AT = datetime(2025, 1, 10, 9, 0)


@pytest.fixture
def staged(monkeypatch: pytest.MonkeyPatch) -> None:
    """Read every file two sheets at a time, as large files are, so that it is staged."""
    monkeypatch.setattr(wbmod, "PARALLEL_FROM_BYTES", 0)


def _problems_everywhere() -> bytes:
    """Problems found while reading and while checking, in the Indikator, Target and Desa
    Sasaran sheets (a staged read finds the target ones last)."""
    grids = _grids(bad=True)
    grids["Desa Sasaran"].append(["SOC-01", "35.23.01.2999", 2026, "Dana Desa"])
    return _xlsx(grids)


def _problems_in_targets_only() -> bytes:
    """Every sheet clean but Target: an unknown indicator and a target year outside the
    masterplan's period, so the file passes the other checks and fails inside the
    transaction of a staged load."""
    grids = _grids()
    grids["Target"].append(["IND-9999", 2025.0, "Tahunan", 5.0])
    grids["Target"].append(["IND-0001", 2040.0, "Tahunan", 5.0])
    return _xlsx(grids)


def _issues(result: loadmod.LoadResult) -> list[tuple]:
    return [(i.sheet, i.row, i.column, i.check, i.value, i.message) for i in result.issues]


@pytest.mark.usefixtures("staged")
@pytest.mark.parametrize("data", [masterplan(4, 5, 3), _problems_everywhere()],
                         ids=["clean", "problems"])
def test_a_staged_book_completes_to_the_whole_book(data: bytes) -> None:
    whole = read_workbook(data, "mp.xlsx")
    book = read_workbook(data, "mp.xlsx", staged=True)
    assert list(book.later) == ["target"] and "target" not in book.tables
    book.complete()
    assert not book.later
    got, want = _book_as_data(book), _book_as_data(whole)
    assert got[:-1] == want[:-1]
    assert sorted(got[-1]) == sorted(want[-1])          # found in another order
    assert book.sorted_issues() == whole.sorted_issues()


@pytest.mark.usefixtures("staged")
def test_staged_loads_give_the_results_and_database_of_whole_reads(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = [("mp.xlsx", masterplan(4, 5, 3)),
             ("revisi.xlsx", masterplan(4, 5, 3, revision=5)),
             ("target_salah.xlsx", _problems_in_targets_only()),
             ("semua_salah.xlsx", _problems_everywhere()),
             ("uji.xlsx", _xlsx(_grids()))]
    late = []
    real = loadmod._finish_late

    def finish(con, accepted):
        late.append((accepted.result.file, accepted.late is not None))
        return real(con, accepted)

    monkeypatch.setattr(loadmod, "_finish_late", finish)
    # uji.xlsx is another masterplan: it replaces all 700 rows of the revision, confirmed
    expect = Expect(removals=((sha256(files[-1][1]), 700),))
    staged_env = Env(tmp_path / "staged" / "monev.duckdb")
    got = load_many(staged_env.con, files, actor="penguji", archive=staged_env.archive, at=AT,
                    ahead=read_ahead(files), expect=expect)
    assert late == [("mp.xlsx", True), ("revisi.xlsx", True), ("target_salah.xlsx", True),
                    ("uji.xlsx", True)]
    monkeypatch.setattr(wbmod, "_target_sheet", lambda names: None)  # nothing read late
    whole_env = Env(tmp_path / "whole" / "monev.duckdb")
    want = load_many(whole_env.con, files, actor="penguji", archive=whole_env.archive, at=AT,
                     expect=expect)
    assert late[4:] == []                                        # nothing was left to check

    def outcome(results: list[loadmod.LoadResult]) -> list[tuple]:
        return [(r.file, r.status, r.load_id, r.supersedes, r.counts, r.diff, r.message,
                 _issues(r)) for r in results]

    assert outcome(got) == outcome(want)
    assert [r.status for r in got] == ["loaded", "loaded", "rejected", "rejected", "loaded"]
    assert got[1].diff["target"] == {"baru": 0, "berubah": 200, "sama": 400, "dihapus": 0}
    assert got[1].counts["target"] == 600 and "600 baris target" in got[1].message
    assert [i[3] for i in _issues(got[2])] == ["kode_indikator", "periode"]
    assert [i[0] for i in _issues(got[3])] == ["Indikator", "Target", "Target",
                                                "Desa Sasaran"]
    assert staged_env.snapshot() == whole_env.snapshot()
    assert list(staged_env.archive.entries()) == list(whole_env.archive.entries())
    assert sorted(p.name for p in staged_env.archive.root.rglob("*.xlsx")) == sorted(
        p.name for p in whole_env.archive.root.rglob("*.xlsx"))
    counts = dict(staged_env.con.execute("SELECT load_id, counts_json FROM load").fetchall())
    assert json.loads(counts[2])["target"] == 600
    staged_env.close()
    whole_env.close()


@pytest.mark.usefixtures("staged")
def test_a_target_sheet_failing_inside_the_transaction_changes_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env = Env(tmp_path / "monev.duckdb")
    assert env.load(masterplan(4, 5, 3), "mp.xlsx", at=AT).status == "loaded"
    before, journal = env.snapshot(), list(env.archive.entries())
    files_before = sorted(env.archive.root.rglob("*"))
    written: list[str] = []
    real = lineage.insert_frame

    def insert(con, table, frame):
        written.append(table)
        real(con, table, frame)

    monkeypatch.setattr(lineage, "insert_frame", insert)
    files = [("target_salah.xlsx", _problems_in_targets_only())]
    result = load_many(env.con, files, actor="penguji", archive=env.archive, at=AT,
                       ahead=read_ahead(files))[0]
    assert result.status == "rejected"
    assert [i[:5] for i in _issues(result)] == [
        ("Target", 2005, "Kode Indikator", "kode_indikator", "IND-9999"),
        ("Target", 2006, "Tahun", "periode", "2040")]
    assert "opd" in written and "indicator" in written and "target" not in written
    after = env.snapshot()
    journaled = ("load_event", "load_issue")    # the record of the rejected attempt
    assert {t: rows for t, rows in after.items() if t not in journaled} == {
        t: rows for t, rows in before.items() if t not in journaled}
    assert env.con.execute("SELECT action, load_id, file_name FROM load_event "
                           "ORDER BY event_id DESC LIMIT 1").fetchone() == (
        "reject", None, "target_salah.xlsx")
    assert env.con.execute("SELECT count(*) FROM load_issue").fetchone()[0] == 2
    assert list(env.archive.entries()) == journal
    assert sorted(env.archive.root.rglob("*")) == files_before
    env.close()


@pytest.mark.usefixtures("staged")
def test_a_huge_target_sheet_refused_after_the_rest_was_written_changes_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env = Env(tmp_path / "monev.duckdb")
    before = env.snapshot()
    monkeypatch.setattr(wbmod, "MAX_ROWS", 100)
    files = [("mp.xlsx", masterplan(2, 5, 3))]
    result = load_many(env.con, files, actor="penguji", archive=env.archive, at=AT,
                       ahead=read_ahead(files))[0]
    assert [(i.check, i.message) for i in result.issues] == [
        ("terlalu_banyak_baris", "Sheet 'Target' berisi 303 baris, melebihi batas 100 baris. "
         "Pisahkan isinya ke beberapa file.")]
    after = env.snapshot()
    assert after["load"] == before["load"] == [] and after["opd"] == before["opd"] == []
    assert not list(env.archive.entries())
    env.close()


@pytest.mark.usefixtures("staged")
def test_a_staged_masterplan_is_on_disk_before_it_commits(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing is lost: stored once its targets passed, synced before the commit."""
    env = Env(tmp_path / "monev.duckdb")
    order = syncs_and_commits(monkeypatch)
    files = [("mp.xlsx", masterplan(4, 5, 3))]
    result = load_many(env.con, files, actor="penguji", archive=env.archive, at=AT,
                       ahead=read_ahead(files))[0]
    assert result.status == "loaded" and result.counts["target"] == 600
    # the bytes, then the folder; then the commit, then the journal
    assert order == ["fsync", "fsync", "commit", "fsync"]
    env.close()
