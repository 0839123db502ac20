"""App fixtures: databases to point the app at (via $MONEV_DB) and clean Streamlit caches."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
import streamlit as st
import streamlit.testing.v1.app_test as app_test
from streamlit.runtime.pages_manager import PagesManager

from monev import auth
from monev.ui import data, session
from tests.app.dbs import build_empty, build_masterplan, copy_database, demo_available, demo_source


@pytest.fixture(autouse=True)
def _clear_streamlit_caches() -> Iterator[None]:
    """Streamlit caches outlive one AppTest: start and end every test with empty ones."""
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


class _NavigationPagesManager(PagesManager):
    """PagesManager that never falls back to the legacy ``pages/`` directory mode.

    AppTest resets ``PagesManager.uses_pages_directory`` before every run; because this repo
    keeps its st.navigation pages in a folder named ``pages/``, every run after the first
    would then execute the page script alone (legacy mode) instead of app.py. A real
    server sets the flag once per process, when app.py first calls st.navigation.
    """

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        PagesManager.uses_pages_directory = False


@pytest.fixture(autouse=True)
def _navigation_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run app.py on every AppTest run, as the server does (see _NavigationPagesManager)."""
    monkeypatch.setattr(app_test, "PagesManager", _NavigationPagesManager)


TEST_USERS = {
    "admin": auth.User("admin.uji", "Admin Uji", "admin"),
    "operator": auth.User("operator.uji", "Operator DPMD Uji", "operator", "DPMD"),
    "pimpinan": auth.User("sekda.uji", "Sekda Uji", "pimpinan"),
}


@pytest.fixture(autouse=True)
def _signed_in(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every AppTest starts signed in as an admin, as if through the sign-in form (which has
    its own tests); ``@pytest.mark.signed_in_as("operator")`` picks another role (or pass an
    ``auth.User``, e.g. one bound to a region) and
    ``@pytest.mark.signed_out`` starts at the sign-in page."""
    if request.node.get_closest_marker("signed_out"):
        return
    marker = request.node.get_closest_marker("signed_in_as")
    wanted = marker.args[0] if marker else "admin"
    user = wanted if isinstance(wanted, auth.User) else TEST_USERS[wanted]
    original = app_test.AppTest.__init__

    def init(self: app_test.AppTest, *args: object, **kwargs: object) -> None:
        original(self, *args, **kwargs)  # type: ignore[arg-type]
        now = datetime.now().replace(microsecond=0)
        self.session_state[session.USER_KEY] = user
        self.session_state[session.SIGNED_IN_KEY] = now
        self.session_state[session.SEEN_KEY] = now

    monkeypatch.setattr(app_test.AppTest, "__init__", init)


@pytest.fixture
def empty_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The app pointed at an empty database (schema and reference data only)."""
    path = build_empty(tmp_path / "kosong" / "monev.duckdb")
    monkeypatch.setenv("MONEV_DB", str(path))
    return path


@pytest.fixture
def mp_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The app pointed at a database holding the test masterplan."""
    path = build_masterplan(tmp_path / "mp" / "monev.duckdb")
    monkeypatch.setenv("MONEV_DB", str(path))
    return path


@pytest.fixture(scope="session")
def demo_db_built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Kabupaten Tuban demo database, built once per session (skipped without etl.demo)."""
    if not demo_available():
        pytest.skip("etl/demo.py belum ada")
    return demo_source(tmp_path_factory)


@pytest.fixture
def demo_db(demo_db_built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The app pointed at a private copy of the demo database (safe to upload into)."""
    path = copy_database(demo_db_built, tmp_path / "demo" / "monev.duckdb")
    monkeypatch.setenv("MONEV_DB", str(path))
    return path


@pytest.fixture
def locked_db(mp_db: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Another process holds the write lock (a CLI load in progress)."""
    monkeypatch.setattr(data, "READ_RETRIES", 0)
    monkeypatch.setattr(data, "WRITE_RETRIES", 0)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
         "print('ok', flush=True); time.sleep(60)", str(mp_db)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ok"
        yield mp_db
    finally:
        holder.kill()
        holder.wait()   # the lock goes with the process
