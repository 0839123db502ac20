"""Browser fixtures: the real app on a free port with a temporary database, and Chromium.

Debian's chromium (/usr/bin/chromium) drives the pages through Playwright's Python package;
no browser is ever downloaded. Without /usr/bin/chromium these tests are skipped, except in
CI (env CI set), where they must run: `.ci/run` installs chromium first.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from etl.load import load_bytes
from etl.template import laporan_rows, write_workbook
from monev.store import db, uploads
from tests.app.dbs import (
    build_masterplan,
    copy_database,
    demo_available,
    demo_source,
    held_lock,
    national_build,
)

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
VIEWPORT = {"width": 1920, "height": 1080}
USERNAME = "admin.demo"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test here 'browser'; skip them only without chromium outside CI."""
    skip = None
    if not CHROMIUM.exists() and not os.environ.get("CI"):
        skip = pytest.mark.skip(reason="/usr/bin/chromium tidak ada (apt-get install chromium)")
    for item in items:
        if Path(str(item.fspath)).is_relative_to(Path(__file__).parent):
            item.add_marker(pytest.mark.browser)
            if skip:
                item.add_marker(skip)


@dataclass
class Workbooks:
    """A report the database accepts and one it rejects, with what they are for."""

    good: bytes
    bad: bytes
    opd: str
    year: int
    tw: int


@dataclass
class Server:
    """The running app."""

    url: str
    db_path: Path
    workbooks: Workbooks | None
    log: Path


def _workbooks(path: Path, year: int, tw: int) -> Workbooks:
    """A generic quarterly report for the first OPD with indicators, filled with its targets
    (accepted), and the same with one realisation typed as words (rejected)."""
    with db.opened(path) as con:
        region = str(uploads.active_regions(con)["region_code"].iloc[0])
        for opd in uploads.masterplan_opds(con, region)["opd_code"]:
            info, rows = laporan_rows(con, region, opd, year, tw)
            if rows["realisasi"]:
                break
        for row in rows["realisasi"]:
            row["realisasi"] = row.get("target_tw") or row.get("target_tahun") or 1
        meta = {"kode_wilayah": region, "kode_opd": opd, "tahun": year, "triwulan": tw}

        def write(sheet_rows: dict) -> bytes:
            buf = io.BytesIO()
            write_workbook("laporan", buf, info, sheet_rows, meta=meta)
            return buf.getvalue()

        good = write(rows)
        bad_rows = {**rows, "realisasi": [dict(r) for r in rows["realisasi"]]}
        bad_rows["realisasi"][0]["realisasi"] = "dua puluh"
        bad = write(bad_rows)
        assert load_bytes(con, good, "g.xlsx", actor="uji", archive=None,
                          dry_run=True).status == "dry_run"
        assert load_bytes(con, bad, "b.xlsx", actor="uji", archive=None,
                          dry_run=True).status == "rejected"
    return Workbooks(good, bad, opd, year, tw)


_LISTENING = re.compile(r"URL: (http://127\.0\.0\.1:\d+)")


def _wait_healthy(proc: subprocess.Popen, log: Path, timeout: float = 90) -> str:
    """The URL of the started server once it answers its health check. Streamlit binds port
    0 (a port the OS picks, so parallel workers never collide) and prints the URL it got."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"Streamlit berhenti:\n{log.read_text(errors='replace')}")
        found = _LISTENING.search(log.read_text(errors="replace"))
        if found:
            try:
                with urllib.request.urlopen(f"{found[1]}/_stcore/health", timeout=2) as resp:
                    if resp.read().decode().strip() == "ok":
                        return found[1]
            except OSError:
                pass
        time.sleep(0.1)  # polling another process's log: no event to wait on
    raise TimeoutError(f"Streamlit tidak siap dalam {timeout} s:\n{log.read_text()}")


def worker_suffix() -> str:
    """'-gw0' etc. under pytest-xdist, '' otherwise: for files every worker writes."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    return f"-{worker}" if worker else ""


@contextlib.contextmanager
def _serving(path: Path, books: Workbooks | None, base: Path, name: str,
             env: dict[str, str] | None = None) -> Iterator[Server]:
    """`streamlit run app.py` on a free port against ``path`` (``env`` added to the
    environment); stopped on exit."""
    _ensure_account(path)
    log = base / "streamlit.log"
    env = {**os.environ, "MONEV_DB": str(path), "PYTHONUNBUFFERED": "1", **(env or {})}
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", "0",
             "--server.headless", "true", "--server.address", "127.0.0.1",
             "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        url = _wait_healthy(proc, log)
        yield Server(url, path, books, log)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        artifacts = ROOT / "test-artifacts"
        artifacts.mkdir(exist_ok=True)
        shutil.copy(log, artifacts / f"streamlit-{name}{worker_suffix()}.log")


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The app against a private database (the Tuban demo when built)."""
    base = tmp_path_factory.mktemp("browser")
    if demo_available():   # Kabupaten Tuban demo: reports up to TW III 2026 exist
        path = copy_database(demo_source(tmp_path_factory), base / "demo" / "monev.duckdb")
        books = _workbooks(path, 2026, 4)
    else:
        path = build_masterplan(base / "mp" / "monev.duckdb")
        books = _workbooks(path, 2025, 1)
    with _serving(path, books, base, "browser") as running:
        yield running


@pytest.fixture(scope="session")
def national_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The app against three generated regencies (bench/national.py), for the pages that
    compare regions."""
    base = tmp_path_factory.mktemp("browser-national")
    path = copy_database(national_build(tmp_path_factory)[0], base / "national.duckdb")
    with _serving(path, None, base, "browser-national") as running:
        yield running


def _ensure_account(path: Path) -> None:
    """The demo admin account (the demo database has it; the small one gets it here)."""
    from etl.demo import DEMO_PASSWORD
    from monev.store import accounts

    with db.opened(path) as con:
        if not con.execute("SELECT 1 FROM app_user WHERE username = ?", [USERNAME]).fetchone():
            accounts.add_user(con, USERNAME, "Admin Diskominfo (demo)", "admin", DEMO_PASSWORD,
                              actor="uji")


NAV = "[data-testid='stSidebarNav']"
SIGNED_IN = "[data-testid='stSidebar'] button:has-text('Keluar')"  # the sign-out button
FORM = "input[aria-label='Nama pengguna']"


def sign_in(tab: object) -> None:
    """Fill the sign-in form when the page shows it. Every page load opens a new Streamlit
    session: the first one of a browser context starts at the form and then shows the
    requested page; later ones resume the signed-in session from its cookie."""
    from etl.demo import DEMO_PASSWORD

    # "attached": the projector view hides the sidebar, the sign-out button stays in the page
    tab.wait_for_selector(f"{SIGNED_IN}, {FORM}", state="attached")  # type: ignore[attr-defined]
    if tab.locator(SIGNED_IN).count():  # type: ignore[attr-defined]
        return
    form = tab.get_by_label("Nama pengguna")  # type: ignore[attr-defined]
    form.fill(USERNAME)
    tab.get_by_label("Kata sandi", exact=True).fill(DEMO_PASSWORD)  # type: ignore[attr-defined]
    tab.get_by_role("button", name="Masuk", exact=True).click()  # type: ignore[attr-defined]
    try:  # the sign-out button appears only once signed in
        tab.wait_for_selector(SIGNED_IN, state="attached")  # type: ignore[attr-defined]
    except Exception as exc:
        shown = tab.inner_text("body")  # type: ignore[attr-defined]
        raise AssertionError(f"sign-in did not complete; the page shows: {shown[:600]}") from exc


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Debian's chromium through Playwright (never a downloaded browser). One per test file:
    Playwright's sync API keeps an event loop running while it is open, and a test file that
    runs after this one in the same pytest-xdist worker may call asyncio.run (tests/bench)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser) -> Iterator[object]:
    """A fresh 1920×1080 tab in Indonesian locale and Jakarta time."""
    with signed_in_tab(browser, VIEWPORT, accept_downloads=True) as tab:
        yield tab


@contextmanager
def signed_in_tab(browser: object, viewport: dict, **options: object) -> Iterator[object]:
    """A tab of a fresh context (Indonesian locale, Jakarta time) on which every navigation
    lands signed in, as a user would be; closed afterwards."""
    context = browser.new_context(viewport=viewport, locale="id-ID",  # type: ignore[attr-defined]
                                  timezone_id="Asia/Jakarta", **options)
    tab = context.new_page()
    tab.set_default_timeout(30_000)
    goto = tab.goto

    def goto_signed_in(url: str, **kwargs: object) -> object:
        response = goto(url, **kwargs)
        sign_in(tab)
        return response

    tab.goto = goto_signed_in
    try:
        yield tab
    finally:
        context.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """Where screenshots go (repo root test-artifacts/, gitignored), emptied once per run."""
    return fresh_folder(SCREENSHOTS)


def fresh_folder(folder: Path) -> Path:
    """``folder``, emptied once per test run (by the first pytest-xdist worker that asks; the
    others keep what it holds)."""
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID") or f"pid-{os.getpid()}"
    folder.parent.mkdir(parents=True, exist_ok=True)
    with held_lock(folder.parent / f".{folder.name}.lock"):
        marker = folder / ".run"
        if not marker.exists() or marker.read_text() != run:
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            marker.write_text(run)
    return folder


def wait_listening(port: int, proc: subprocess.Popen, name: str, log: Path | None = None,
                   timeout: float = 20) -> None:
    """Wait until ``proc`` (a balancer or proxy called ``name``) accepts connections on
    127.0.0.1:``port``; fail with its log when it exits first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            told = f":\n{log.read_text(errors='replace')}" if log else ""
            raise RuntimeError(f"{name} exited with {proc.returncode}{told}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)  # polling another process's port: no event to wait on
    raise TimeoutError(f"{name} not listening on {port} after {timeout} s")
