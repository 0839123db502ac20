"""Memory bounds of the app's data access: DuckDB read settings and the result cache."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from monev.store import db
from monev.ui import data


def _settings(con: duckdb.DuckDBPyConnection) -> tuple[int, str]:
    threads, limit = con.execute(
        "SELECT current_setting('threads'), current_setting('memory_limit')").fetchone()
    return int(threads), str(limit)


def test_reads_use_one_thread_and_a_memory_limit(mp_db: Path) -> None:
    assert data.read(_settings) == (1, "256.0 MiB")


def test_settings_apply_while_another_connection_has_the_file_open(mp_db: Path) -> None:
    """A SET, not connect(config=...): DuckDB refuses a second connection to an open file
    with a different configuration."""
    with db.opened(mp_db, read_only=True) as other:
        with db.opened(mp_db, read_only=True, settings=db.READ_SETTINGS) as con:
            assert _settings(con)[0] == 1
        assert other.execute("SELECT 1").fetchone() == (1,)


def test_plain_connections_keep_duckdb_defaults(mp_db: Path) -> None:
    with db.opened(mp_db, read_only=True) as con:
        default = con.execute("SELECT current_setting('memory_limit')").fetchone()[0]
    assert default != "256.0 MiB"


def test_a_bad_setting_closes_the_connection(mp_db: Path) -> None:
    with pytest.raises(duckdb.Error):
        db.connect(mp_db, read_only=True, settings={"no_such_setting": "1"})
    with db.opened(mp_db) as con:        # no connection left behind: a writer can open
        assert con.execute("SELECT 1").fetchone() == (1,)


def test_the_cache_is_bounded_in_bytes(mp_db: Path) -> None:
    """Three 25 MB results do not fit in 64 MB: the least recently used one is read again."""
    calls: list[str] = []

    def blob(con: duckdb.DuckDBPyConnection, name: str) -> bytes:
        calls.append(name)
        return name.encode() * (25 * 2**20 // len(name))

    assert data.CACHE_MAX_SIZE == "64MB"
    for name in ("aaaa", "bbbb", "aaaa", "cccc"):
        assert len(data.cached(blob, name)) == 25 * 2**20
    assert calls == ["aaaa", "bbbb", "cccc"]
    data.cached(blob, "aaaa")           # the most recently used of the first two: kept
    assert calls == ["aaaa", "bbbb", "cccc"]
    data.cached(blob, "bbbb")           # evicted when cccc came in
    assert calls == ["aaaa", "bbbb", "cccc", "bbbb"]


def test_entries_of_an_older_data_version_are_dropped(
        mp_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []

    def count_loads(con: duckdb.DuckDBPyConnection, kind: str) -> int:
        calls.append(kind)
        return int(con.execute("SELECT count(*) FROM load WHERE kind = ?", [kind]).fetchone()[0])

    version = {"now": "v1"}
    monkeypatch.setattr(data, "data_version", lambda path=None: version["now"])
    data.cached(count_loads, "laporan")
    data.cached(count_loads, "laporan")
    assert calls == ["laporan"]                      # cached under v1
    version["now"] = "v2"
    data.cached(count_loads, "laporan")
    assert calls == ["laporan", "laporan"]           # read again under v2
    version["now"] = "v1"
    data.cached(count_loads, "laporan")
    assert calls == ["laporan", "laporan", "laporan"], "the v1 entry was dropped"
