"""The schema check every writer runs (monev.store.db.init_schema): applied once per schema,
skipped while the database has it, applied again when schema.sql changes or a database from
before the digest is opened."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pytest

from monev.store import db


class Recording:
    """A connection that notes every statement it runs."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con, self.sql = con, []

    def execute(self, sql: str, *args: object) -> duckdb.DuckDBPyConnection:
        self.sql.append(sql)
        return self.con.execute(sql, *args)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _has_view(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return con.execute("SELECT count(*) FROM duckdb_views() WHERE view_name = ?",
                       [name]).fetchone()[0] == 1


@pytest.fixture
def con(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    path = db.ensure_database(tmp_path / "monev.duckdb")
    con = db.connect(path)
    yield con
    con.close()


def test_a_new_database_gets_the_schema_and_its_digest(con) -> None:
    assert db.schema_digest(con) == _digest(db.SCHEMA_SQL.read_text(encoding="utf-8"))
    assert con.execute("SELECT count(*) FROM schema_info").fetchone() == (1,)
    assert con.execute("SELECT count(*) FROM ref_village").fetchone()[0] > 80_000
    assert _has_view(con, "active_load")


def test_a_database_with_this_schema_is_only_read(con) -> None:
    recording = Recording(con)
    db.init_schema(recording)  # type: ignore[arg-type]
    assert recording.sql == ["SELECT max(digest) FROM schema_info"]


def test_a_changed_schema_is_applied_again(con, tmp_path: Path, monkeypatch) -> None:
    changed = tmp_path / "schema.sql"
    changed.write_text(db.SCHEMA_SQL.read_text(encoding="utf-8")
                       + "\nCREATE OR REPLACE VIEW new_view AS SELECT 1 AS x;\n",
                       encoding="utf-8")
    monkeypatch.setattr(db, "SCHEMA_SQL", changed)
    villages = con.execute("SELECT count(*) FROM ref_village").fetchone()
    db.init_schema(con)
    assert _has_view(con, "new_view")
    assert db.schema_digest(con) == _digest(changed.read_text(encoding="utf-8"))
    assert con.execute("SELECT count(*) FROM schema_info").fetchone() == (1,)
    assert con.execute("SELECT count(*) FROM ref_village").fetchone() == villages  # seeded once


def test_a_database_from_before_the_digest_is_brought_up_to_date(con) -> None:
    con.execute("DROP TABLE schema_info")
    con.execute("DROP VIEW active_load")
    assert db.schema_digest(con) is None
    db.init_schema(con)
    assert _has_view(con, "active_load")
    assert db.schema_digest(con) == _digest(db.SCHEMA_SQL.read_text(encoding="utf-8"))


def test_an_interrupted_run_is_completed_the_next_time(tmp_path: Path, monkeypatch) -> None:
    """The digest is written last: a run stopped before it (here while seeding the
    dimensions) leaves none, so the next writer applies the schema again."""
    path = tmp_path / "monev.duckdb"

    def stopped(con: duckdb.DuckDBPyConnection) -> None:
        raise RuntimeError("stopped")

    with monkeypatch.context() as patch:
        patch.setattr(db, "_seed_dimensions", stopped)
        with pytest.raises(RuntimeError):
            db.ensure_database(path)
    with db.opened(path) as con:
        assert db.schema_digest(con) is None
        assert con.execute("SELECT count(*) FROM dimension").fetchone() == (0,)
    db.ensure_database(path)
    with db.opened(path) as con:
        assert db.schema_digest(con) == _digest(db.SCHEMA_SQL.read_text(encoding="utf-8"))
        assert con.execute("SELECT count(*) FROM dimension").fetchone() == (6,)
