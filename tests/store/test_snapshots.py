"""Immutable snapshots for replicas (monev/store/snapshots.py): published after each write of
data, whole or not at all, read by the app in cluster mode instead of the live file, pruned
when no rerun can still use them; nothing of it without a cluster."""

from __future__ import annotations

import os
import time
from pathlib import Path

import duckdb
import pytest

from etl.cli import main as cli
from etl.load import load_paths
from monev.store import accounts, db, snapshots
from tests.app.dbs import build_masterplan
from tests.helpers import report_bytes


def _loads(path: Path) -> int:
    with db.opened(path, read_only=True) as con:
        return int(con.execute("SELECT count(*) FROM load").fetchone()[0])


@pytest.fixture
def live(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the small masterplan database; cluster mode off unless a test sets it."""
    monkeypatch.delenv(snapshots.ENV, raising=False)
    return build_masterplan(tmp_path / "data" / "monev.duckdb")


def test_publish_writes_a_whole_read_only_copy_and_points_at_it(live: Path) -> None:
    first = snapshots.publish_path(live)
    assert first == snapshots.snapshot_dir(live) / "000001.duckdb"
    assert snapshots.current(live) == first
    assert first.stat().st_mode & 0o222 == 0                 # read-only
    assert _loads(first) == _loads(live) == 1
    second = snapshots.publish_path(live)
    assert second.name == "000002.duckdb" and snapshots.current(live) == second
    assert [p.name for p in snapshots.snapshot_dir(live).iterdir()
            if p.name.startswith(".")] == []                 # no temporary file left


def test_a_copy_that_does_not_open_is_not_published(live: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    first = snapshots.publish_path(live)

    def broken(path: Path) -> None:
        raise duckdb.IOException("not a DuckDB file")

    monkeypatch.setattr(snapshots, "_check", broken)
    with pytest.raises(snapshots.SnapshotError):
        snapshots.publish_path(live)
    assert snapshots.current(live) == first                  # the old one stays current
    assert sorted(p.name for p in snapshots.snapshot_dir(live).iterdir()) == [
        "000001.duckdb", "current"]


def test_a_garbled_pointer_names_no_snapshot(live: Path) -> None:
    snapshots.publish_path(live)
    pointer = snapshots.snapshot_dir(live) / snapshots.POINTER
    for text in ("../monev.duckdb\n", "", "000009.duckdb\n", "\xff"):
        pointer.write_text(text, encoding="latin-1")
        assert snapshots.current(live) is None


def test_prune_keeps_the_newest_and_those_a_rerun_may_still_read(live: Path) -> None:
    made = [snapshots.publish_path(live) for _ in range(5)]
    folder = snapshots.snapshot_dir(live)
    now = time.time()
    # 000002-000005 appeared 10 minutes, 10 minutes, 1 minute and now ago.
    for path, age in zip(made[1:], (600, 600, 60, 0), strict=True):
        os.utime(path, (now - age, now - age))
    gone = snapshots.prune(folder, now=now)
    # 000001 and 000002 were superseded long ago; 000003 only a minute ago (its successor
    # 000004 is a minute old); the newest two are kept whatever their age.
    assert sorted(p.name for p in gone) == ["000001.duckdb", "000002.duckdb"]
    assert sorted(p.name for p in folder.glob("*.duckdb")) == [
        "000003.duckdb", "000004.duckdb", "000005.duckdb"]
    assert snapshots.current(live) == made[-1]


def _report_file(live: Path, tmp_path: Path) -> Path:
    """An accepted quarterly report (2025 TW I of KOMINFO) written to a file."""
    with db.opened(live, read_only=True) as con:
        content = report_bytes(con, "KOMINFO", 2025, 1)
    path = tmp_path / "laporan_kominfo.xlsx"
    path.write_bytes(content)
    return path


def test_without_a_cluster_nothing_is_published(live: Path, tmp_path: Path) -> None:
    assert not snapshots.publishing(live)
    results = load_paths(live, [_report_file(live, tmp_path)], actor="uji")
    assert [r.status for r in results] == ["loaded"], [r.message for r in results]
    assert cli(["withdraw", str(_newest_load(live)), "--db", str(live), "--user", "uji"]) == 0
    assert not snapshots.snapshot_dir(live).exists()


def test_a_load_and_a_cli_change_publish_once_cluster_is_set_up(
        live: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    snapshots.publish_path(live)                 # the cluster's first snapshot: 000001
    monkeypatch.setenv(snapshots.ENV, "1")
    results = load_paths(live, [_report_file(live, tmp_path)], actor="uji")
    assert [r.status for r in results] == ["loaded"], [r.message for r in results]
    assert snapshots.current(live).name == "000002.duckdb"   # one, from the load itself
    assert _loads(snapshots.current(live)) == _loads(live) == 2
    assert cli(["history", "--db", str(live)]) == 0      # reads only: nothing published
    assert snapshots.current(live).name == "000002.duckdb"
    monkeypatch.delenv(snapshots.ENV)            # a CLI run without the variable: the pointer
    withdrawn = _newest_load(live)               # file says a cluster reads this database
    assert cli(["withdraw", str(withdrawn), "--db", str(live), "--user", "uji"]) == 0
    assert snapshots.current(live).name == "000003.duckdb"
    assert _status(snapshots.current(live), withdrawn) == _status(live, withdrawn)
    assert _status(snapshots.current(live), withdrawn) != _status(
        snapshots.snapshot_dir(live) / "000002.duckdb", withdrawn)


def test_cluster_reads_come_from_the_snapshot_not_the_live_file(
        live: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from monev.ui import data

    monkeypatch.setenv("MONEV_DB", str(live))
    monkeypatch.setenv(snapshots.ENV, "1")
    snapshots.publish_path(live)
    events = data.cached(_count_events)
    with db.opened(live) as con:                 # a write that publishes nothing (an
        accounts.audit(con, "uji", "uji", None)  # account-only write): cached reads keep
    assert data.cached(_count_events) == events  # showing the snapshot's data
    assert data.read(_count_events) == events + 1            # uncached reads: the live file
    data.write(accounts.audit, "uji", "uji", None)           # a write of data publishes
    assert snapshots.current(live).name == "000002.duckdb"
    assert data.cached(_count_events) == events + 2
    data.write_account(accounts.audit, "uji", "uji", None)   # sign-ins publish nothing
    assert snapshots.current(live).name == "000002.duckdb"


def test_a_pruned_snapshot_is_never_recreated_empty(
        live: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A rerun whose snapshot vanished reads the newest one (not a new empty database made
    where the old one was, as the live file's ensure() would)."""
    from monev.ui import data

    monkeypatch.setenv("MONEV_DB", str(live))
    monkeypatch.setenv(snapshots.ENV, "1")
    old = snapshots.publish_path(live)
    snapshots.publish_path(live)
    events = data.read(_count_events)
    monkeypatch.setattr(data, "_source", _stale_source(data, old))
    os.chmod(old, 0o644)
    old.unlink()
    assert data.cached(_count_events) == events
    assert not old.exists()


def _stale_source(data, old: Path):  # noqa: ANN001, ANN202 - the module, a function
    real = data._source

    def source(live: Path, fresh: bool = False) -> tuple[Path, str]:
        return real(live, fresh) if fresh else (old, f"snapshot:{old.name}")
    return source


def _newest_load(path: Path) -> int:
    with db.opened(path, read_only=True) as con:
        return int(con.execute("SELECT max(load_id) FROM load").fetchone()[0])


def _status(path: Path, load_id: int) -> bool:
    with db.opened(path, read_only=True) as con:
        return bool(con.execute("SELECT ? IN (SELECT load_id FROM active_load)",
                                [load_id]).fetchone()[0])


def _count_events(con: duckdb.DuckDBPyConnection) -> int:
    return int(con.execute("SELECT count(*) FROM audit_event").fetchone()[0])


def test_an_app_write_whose_publication_fails_stays_and_is_said(
        live: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """The data is committed; the replicas keep the previous snapshot until the next one, and
    the failure is logged and shown (data.SNAPSHOT_FAILED), never silent."""
    from monev.ui import data

    monkeypatch.setenv("MONEV_DB", str(live))
    monkeypatch.setenv(snapshots.ENV, "1")
    first = snapshots.publish_path(live)
    events = data.read(_count_events)

    def broken(path: Path) -> None:
        raise duckdb.IOException("disk full")

    monkeypatch.setattr(snapshots, "_check", broken)
    shown: list[str] = []
    monkeypatch.setattr(data.st, "warning", lambda text, **_: shown.append(text))
    data.write(accounts.audit, "uji", "uji", None)
    assert data.read(_count_events) == events + 1            # committed
    assert snapshots.current(live) == first                  # the replicas' data unchanged
    assert shown == [data.SNAPSHOT_FAILED]
    assert "snapshot not published" in caplog.text
