"""Test databases for the app and browser tests: empty, test masterplan, Tuban demo."""

from __future__ import annotations

import atexit
import importlib.util
import shutil
import tempfile
from pathlib import Path

from monev.store import db
from tests.helpers import MP_AT, Env, masterplan_bytes

_DEMO: Path | None = None


def build_empty(path: Path) -> Path:
    """A database with schema and reference data, no load."""
    Env(path).close()
    return path


def build_masterplan(path: Path) -> Path:
    """A database with the small test masterplan (tests/helpers.py) loaded."""
    env = Env(path)
    try:
        result = env.load(masterplan_bytes(), "masterplan.xlsx", at=MP_AT,
                          received_on=MP_AT.date())
        assert result.status == "loaded", [i.text() for i in result.issues]
    finally:
        env.close()
    return path


def demo_available() -> bool:
    """True once etl/demo.py (build_demo) exists."""
    return importlib.util.find_spec("etl.demo") is not None


def demo_source() -> Path:
    """The Kabupaten Tuban demo database, built once per test process (about a minute)."""
    global _DEMO
    if _DEMO is None:
        from etl.demo import build_demo

        root = Path(tempfile.mkdtemp(prefix="monev-demo-"))
        atexit.register(shutil.rmtree, root, True)
        build_demo(root / "db" / "monev.duckdb", root / "workbooks")
        _DEMO = root / "db" / "monev.duckdb"
    return _DEMO


def copy_database(src: Path, dest: Path) -> Path:
    """Copy a database file and its archive (journal and files) to ``dest``."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(src, dest)
    if db.archive_root(src).exists():
        shutil.copytree(db.archive_root(src), db.archive_root(dest))
    return dest
