"""Shared fixtures: an empty database, and one with the test masterplan loaded."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.app.dbs import build_empty, build_masterplan, demo_available, start_building
from tests.helpers import Env

# Where the Kabupaten Tuban demo database is used (tests/app/dbs.py demo_build).
_DEMO_MODULES = ("test_demo.py", "test_engine_demo.py")
_DEMO_FIXTURES = ("demo_db_built", "server")
_BACKGROUND: list[subprocess.Popen] = []


def pytest_collection_finish(session: pytest.Session) -> None:
    """When a selected test needs the demo database, start building it in the background
    (half a minute to a minute), so the tests before it run meanwhile instead of waiting:
    one build per test run, whichever pytest-xdist worker gets here first."""
    factory = getattr(session.config, "_tmp_path_factory", None)
    if factory is None or session.config.option.collectonly or not demo_available():
        return
    if any(item.path.name in _DEMO_MODULES
           or any(name in item.fixturenames for name in _DEMO_FIXTURES)   # type: ignore[attr-defined]
           for item in session.items):
        started = start_building(factory, "demo-tuban")
        if started is not None:
            _BACKGROUND.append(started)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Let a background build finish (another worker may still be waiting for it), unless
    the run was interrupted."""
    for proc in _BACKGROUND:
        if exitstatus == pytest.ExitCode.INTERRUPTED and proc.poll() is None:
            proc.terminate()
        proc.wait()


@pytest.fixture
def env(tmp_path: Path, request: pytest.FixtureRequest):
    """An empty database with schema and reference data; with the test masterplan loaded
    when the test also asks for ``mp_env`` (the same Env). Each is a copy of a database
    built once per test process through the real code (tests/app/dbs.py)."""
    path = tmp_path / "monev.duckdb"
    (build_masterplan if "mp_env" in request.fixturenames else build_empty)(path)
    e = Env(path)
    yield e
    e.close()


@pytest.fixture
def mp_env(env: Env):
    """A database with the test masterplan loaded (see ``env``)."""
    return env

