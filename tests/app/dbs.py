"""Test databases for the app and browser tests: empty, test masterplan, Tuban demo."""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from monev.store import db
from tests.helpers import MP_AT, Env, masterplan_bytes

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class DemoBuild:
    """The demo as build_demo left it: database (with its archive), workbooks and counts."""

    db: Path
    workbooks: Path
    stats: dict[str, int]


_BUILT: dict[str, tuple[Path, dict]] = {}


def _empty(path: Path) -> None:
    Env(path).close()


def _masterplan(path: Path) -> None:
    env = Env(path)
    try:
        result = env.load(masterplan_bytes(), "masterplan.xlsx", at=MP_AT,
                          received_on=MP_AT.date())
        assert result.status == "loaded", [i.text() for i in result.issues]
    finally:
        env.close()


_TEMPLATES: dict[str, Path] = {}


def _template(name: str, build: Callable[[Path], None]) -> Path:
    """A database that ``build`` made once in this test process, to be copied (the schema
    and reference data alone take a third of a second to write, a copy a fiftieth)."""
    if name not in _TEMPLATES:
        root = Path(tempfile.mkdtemp(prefix=f"monev-{name}-"))
        atexit.register(shutil.rmtree, root, True)
        build(root / "monev.duckdb")
        _TEMPLATES[name] = root / "monev.duckdb"
    return _TEMPLATES[name]


def build_empty(path: Path) -> Path:
    """A database with schema and reference data, no load (a copy of one built once)."""
    return copy_database(_template("empty", _empty), path)


def build_masterplan(path: Path) -> Path:
    """A database with the small test masterplan (tests/helpers.py) loaded through the real
    loader (a copy of one built once: the same file, archive and journal)."""
    return copy_database(_template("masterplan", _masterplan), path)


def demo_available() -> bool:
    """True once etl/demo.py (build_demo) exists."""
    return importlib.util.find_spec("etl.demo") is not None


@contextlib.contextmanager
def held_lock(path: Path) -> Iterator[None]:
    """An exclusive lock on ``path`` (created if missing) for the block: how the processes of
    one test run (pytest-xdist workers) take turns at a shared file or folder."""
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A temporary folder all processes of this test run share: pytest's base temporary
    folder, or under pytest-xdist its parent (each worker has its own base below it)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def _demo(folder: Path) -> dict:
    from etl.demo import build_demo

    return build_demo(folder / "db" / "monev.duckdb", folder / "workbooks")


def _national(folder: Path) -> dict:
    from bench.national import build_national

    return build_national(folder / "national.duckdb", seed=7, regions=3)


BUILDS: dict[str, Callable[[Path], dict]] = {"demo-tuban": _demo, "national-3": _national}


def _build_in(root: Path, name: str) -> tuple[Path, dict]:
    """BUILDS[name] into ``root`` unless done; waits while another process builds it."""
    root.mkdir(parents=True, exist_ok=True)
    with held_lock(root / ".lock"):
        done = root / "built.json"   # written last: the build is complete
        failed = root / "failed.txt"  # a build that failed is not tried again in this run
        if failed.exists():
            raise RuntimeError(f"{name}: the build failed earlier in this test run:\n"
                               + failed.read_text(encoding="utf-8"))
        if not done.exists():
            try:
                result = BUILDS[name](root)
            except Exception as exc:
                failed.write_text(f"{type(exc).__name__}: {exc}", encoding="utf-8")
                raise
            done.write_text(json.dumps(result), encoding="utf-8")
        return root, json.loads(done.read_text(encoding="utf-8"))


def built_once(tmp_path_factory: pytest.TempPathFactory | None, name: str
               ) -> tuple[Path, dict]:
    """BUILDS[name] run once per test run, in a folder that every process of the run shares:
    the first to ask builds (or start_building did, in the background), other pytest-xdist
    workers wait for it and reuse it. Returns the folder and what the build returned (kept
    as JSON). Nobody writes to what is in the folder: open it read-only, or copy it first
    (copy_database)."""
    if name not in _BUILT:
        if tmp_path_factory is None:
            root = Path(tempfile.mkdtemp(prefix=f"monev-{name}-"))
            atexit.register(shutil.rmtree, root, True)
        else:
            root = run_dir(tmp_path_factory) / name
        _BUILT[name] = _build_in(root, name)
    return _BUILT[name]


def start_building(tmp_path_factory: pytest.TempPathFactory, name: str
                   ) -> subprocess.Popen | None:
    """Start BUILDS[name] in a background process, unless a process of this run already did:
    its tests then run meanwhile instead of waiting for the build when they first need it.
    The caller stops the process at the end of the session (it may be unfinished)."""
    root = run_dir(tmp_path_factory) / name
    root.mkdir(parents=True, exist_ok=True)
    try:
        os.close(os.open(root / "started", os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        return None
    with open(root / "build.log", "w") as log:
        return subprocess.Popen(
            [sys.executable, "-c", "import sys; from pathlib import Path; "
             "from tests.app.dbs import _build_in; _build_in(Path(sys.argv[1]), sys.argv[2])",
             str(root), name], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=log, stderr=subprocess.STDOUT)


def demo_build(tmp_path_factory: pytest.TempPathFactory | None = None) -> DemoBuild:
    """The Kabupaten Tuban demo (half a minute to a minute to build), once per test run."""
    root, stats = built_once(tmp_path_factory, "demo-tuban")
    return DemoBuild(root / "db" / "monev.duckdb", root / "workbooks", stats)


def national_build(tmp_path_factory: pytest.TempPathFactory | None = None
                   ) -> tuple[Path, dict]:
    """bench/national.py's three generated regencies (seed 7), once per test run: the
    database and build_national's counts."""
    root, stats = built_once(tmp_path_factory, "national-3")
    return root / "national.duckdb", stats


def demo_source(tmp_path_factory: pytest.TempPathFactory | None = None) -> Path:
    """The demo database of :func:`demo_build` (copy it before writing)."""
    return demo_build(tmp_path_factory).db


def copy_database(src: Path, dest: Path) -> Path:
    """Copy a database file and its archive (journal and files) to ``dest``."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(src, dest)
    if db.archive_root(src).exists():
        shutil.copytree(db.archive_root(src), db.archive_root(dest))
    return dest
