"""Served-app benchmark: peak memory of the Streamlit process and page responses under load.

``run(db_path)`` gives the database a benchmark admin account (``bench.admin``, a fresh random
password each run, through ``monev.store.accounts``), starts ``streamlit run app.py`` headless
on a free loopback port with ``MONEV_DB=db_path`` and measures it in two phases:

* (c) One user, in a real browser (Playwright and Debian's chromium, ``/usr/bin/chromium``;
  never a downloaded browser): sign in on the form, open every page of ``monev.ui.nav``
  through the sidebar, then every page again; each page is timed up to its content shown
  (connected, script finished: ``data-test-script-state="notRunning"`` on ``stApp``, the
  attribute Streamlit's own e2e tests wait on, something in the main area, nothing stale).
  The server's peak resident set (``VmHWM`` in ``/proc/<pid>/status``) is read after it.
* (d) N sessions at once, without a browser (``bench.load``: Streamlit's websocket protocol,
  as a browser tab speaks it): all sign in, five at a time, then all open every page, first
  at a reading pace (5-15 s before each click), then with no pause at all; each view is timed
  from the request to ``script_finished``. The browser is closed by then, so
  the cores go to the server; the CPU the server, the machine and the load client use during
  that phase is read from /proc, and the peak RSS again after it.

Everything is bounded (per view, per phase, whole run); views not made in time count as the
time limit; the server is stopped at the end (its own process group, by id).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bench.load import LoadResult

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking"]
BENCH_USER = "bench.admin"
# The server's environment from the Makefile's `make run` (SERVE_ENV): two malloc arenas and
# pyarrow on the system allocator, which keep the resident set down.
SERVE_ENV = {"MALLOC_ARENA_MAX": "2", "ARROW_DEFAULT_MEMORY_POOL": "system"}
# (d) is run at two paces. Reading: before each click a person looks at the page they have
# for 5-15 s (uniform; 10 s on average), as in a review meeting or at a desk; the p95 target
# is judged here. No pause: every session clicks again the moment its page arrived, which
# measures the server's throughput (views per second) rather than what a user waits.
READING_PACE = (5.0, 15.0)
NO_PAUSE = (0.0, 0.0)

# True when the page is shown: connected, script done, something in main, nothing stale, and
# (after a click) the app has run again or its main area has changed since the click.
READY_JS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.getAttribute('data-test-connection-state') !== 'CONNECTED') return false;
  if (app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  if (window.__benchWaitRun && !window.__benchSawRun) return false;
  if (window.__benchPath && !location.pathname.endsWith(window.__benchPath)) return false;
  const main = document.querySelector('[data-testid="stMain"]');
  if (!main || !main.querySelector('[data-testid="stElementContainer"]')) return false;
  return !document.querySelector('[data-stale="true"]');
}"""
# Before a click: watch for the app starting to run again or its main area changing (a fast
# rerun may show "running" for less than one frame), so the old page, still shown and
# "notRunning" right after the click, does not count as the new one.
ARM_JS = """(path) => {
  window.__benchWaitRun = true; window.__benchSawRun = false; window.__benchPath = path;
  const app = document.querySelector('[data-testid="stApp"]');
  if (window.__benchObs) window.__benchObs.disconnect();
  window.__benchObs = new MutationObserver((records) => {
    for (const r of records) {
      if (r.type !== 'attributes' || r.attributeName !== 'data-test-script-state' ||
          app.getAttribute('data-test-script-state') === 'running') {
        window.__benchSawRun = true;
      }
    }
  });
  window.__benchObs.observe(app, {attributes: true, attributeFilter:
                                  ['data-test-script-state']});
  const main = document.querySelector('[data-testid="stMain"]');
  if (main) window.__benchObs.observe(main, {childList: true, subtree: true,
                                             characterData: true});
}"""


@dataclass
class ServeResult:
    """What the served-app run measured."""

    pages: list[str]
    peak_rss_single_mb: float | None = None
    peak_rss_mb: float | None = None
    rss_after_mb: float | None = None
    single: dict[str, float] = field(default_factory=dict)     # page -> seconds (one user)
    failures: list[str] = field(default_factory=list)          # of the one-user phase
    loads: list[LoadResult] = field(default_factory=list)      # the N-session phases
    # The same phases on a second server on the code path before issue 29 part 1
    # (bench/baseline.py), run in turns with these; empty without a baseline.
    baseline_loads: list[LoadResult] = field(default_factory=list)
    baseline_peak_rss_mb: float | None = None


def ensure_account(db_path: Path) -> str:
    """Give the database the benchmark admin account with a fresh password; return it."""
    sys.path.insert(0, str(ROOT))
    from monev.store import accounts, db

    password = "bench-" + secrets.token_urlsafe(12)
    with db.writer(db_path) as con:
        if con.execute("SELECT 1 FROM app_user WHERE username = ?", [BENCH_USER]).fetchone():
            accounts.set_user(con, BENCH_USER, actor="bench", active=True, password=password)
        else:
            accounts.add_user(con, BENCH_USER, "Benchmark", "admin", password, actor="bench")
    return password


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def vm_kb(pid: int, key: str) -> int | None:
    """A field of /proc/<pid>/status in kB (VmHWM = peak resident set, VmRSS = now)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def page_paths() -> list[tuple[str, str]]:
    """(title, URL path) of every page in the app's navigation; the first is the default."""
    sys.path.insert(0, str(ROOT))
    from monev.ui import nav

    out = []
    for i, (file, title, _icon, _section) in enumerate(nav.PAGES):
        out.append((title, "/" if i == 0 else "/" + Path(file).stem))
    return out


class Server:
    """``streamlit run app.py`` on a free port, in its own process group, stopped on exit."""

    def __init__(self, db_path: Path, log_path: Path, module: str = "streamlit") -> None:
        """Remember what to serve; nothing starts yet. ``module`` runs it (``python -m
        module run app.py``): Streamlit, or ``bench.baseline`` for the baseline code path."""
        self.db_path, self.log_path, self.module = Path(db_path), Path(log_path), module
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        """Base URL of the app."""
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Server:
        """Start the server and wait (at most 90 s) until its health check answers."""
        env = {**os.environ, **SERVE_ENV, "MONEV_DB": str(self.db_path),
               "PYTHONPATH": str(ROOT)}
        self._log = self.log_path.open("w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", self.module, "run", "app.py", "--server.port",
             str(self.port), "--server.address", "127.0.0.1", "--server.headless", "true",
             "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT,
            start_new_session=True)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"streamlit exited ({self.proc.returncode}); see "
                                   f"{self.log_path}")
            try:
                with urllib.request.urlopen(self.url + "/_stcore/health", timeout=2) as r:
                    if r.read().strip() == b"ok":
                        return self
            except OSError:
                time.sleep(0.3)
        self.__exit__()
        raise TimeoutError("streamlit did not answer within 90 s")

    def __exit__(self, *exc: object) -> None:
        """Stop the server we started (its own process group, by id)."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        self._log.close()

    def mb(self, key: str) -> float | None:
        """VmHWM/VmRSS of the server process in MB."""
        kb = vm_kb(self.proc.pid, key) if self.proc else None
        return None if kb is None else kb / 1024


async def _shown(page: object, timeout_s: float) -> None:
    await page.wait_for_function(READY_JS, timeout=timeout_s * 1000, polling=50)


async def sign_in(page: object, base: str, password: str, timeout_s: float) -> float:
    """Open the app, sign in on the form; seconds until the first page is shown."""
    t0 = time.perf_counter()
    await page.goto(base + "/", wait_until="commit", timeout=timeout_s * 1000)
    await page.locator('[data-testid="stTextInput"] input').first.fill(
        BENCH_USER, timeout=timeout_s * 1000)
    await page.locator('input[type="password"]').fill(password)
    await page.evaluate(ARM_JS, None)
    await page.locator('[data-testid="stFormSubmitButton"] button').click()
    await page.locator('[data-testid="stSidebarNav"] a').first.wait_for(
        timeout=timeout_s * 1000)
    await _shown(page, timeout_s)
    return time.perf_counter() - t0


async def open_sidebar(page: object, path: str, timeout_s: float) -> float:
    """Click the sidebar link to a page; seconds until the new page is shown."""
    suffix = "/" if path == "/" else path
    link = page.locator(f'[data-testid="stSidebarNav"] a[href$="{suffix}"]')
    await page.evaluate(ARM_JS, suffix)
    t0 = time.perf_counter()
    await link.first.click(timeout=timeout_s * 1000)
    await _shown(page, timeout_s)
    return time.perf_counter() - t0


def cpu_seconds(pid: int | None = None) -> float:
    """CPU seconds used so far by a process (utime + stime) or, without pid, by the whole
    machine (every core's busy time, from /proc/stat)."""
    tick = os.sysconf("SC_CLK_TCK")
    if pid is not None:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / tick
    cpu = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    values = [int(v) for v in cpu]
    return (sum(values) - values[3] - values[4]) / tick      # minus idle and iowait


async def _single(browser: object, server: Server, password: str,
                  paths: list[tuple[str, str]], timeout_s: float,
                  result: ServeResult) -> None:
    """(c) one user: sign in, every page through the sidebar, then every page again."""
    context = await browser.new_context(viewport={"width": 1400, "height": 900})
    page = await context.new_page()
    try:
        result.single[paths[0][0] + " (sign-in)"] = await sign_in(page, server.url, password,
                                                                  timeout_s)
    except Exception as exc:  # noqa: BLE001
        result.failures.append(f"one user, sign-in: {type(exc).__name__}")
        return
    for again in (False, True):
        for title, path in paths[1:] + paths[:1]:
            try:
                t = await open_sidebar(page, path, timeout_s)
                if not again:
                    result.single[title] = t
            except Exception as exc:  # noqa: BLE001
                result.failures.append(f"one user, {title}: {type(exc).__name__}")


async def _one_user(server: Server, password: str, result: ServeResult, timeout_s: float,
                    single_s: float) -> None:
    """(c) in one chromium, closed afterwards."""
    from playwright.async_api import async_playwright

    paths = page_paths()
    result.pages = [t for t, _ in paths]
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            await asyncio.wait_for(_single(browser, server, password, paths, timeout_s, result),
                                   timeout=single_s)
        except TimeoutError:
            result.failures.append(f"one-user phase stopped after {single_s:.0f} s")
        finally:
            with contextlib.suppress(Exception):      # the browser exits with us anyway
                await asyncio.wait_for(browser.close(), timeout=30)


def run(db_path: Path, sessions: int = 30, timeout_s: float = 60, single_s: float = 420,
        phase_s: float = 900, paces: Sequence[tuple[float, float]] = (READING_PACE, NO_PAUSE),
        log_path: Path | None = None, log: Callable[[str], None] | None = None,
        baseline: bool = False) -> ServeResult:
    """Serve the app on db_path and measure (c) one browser user and peak RSS, then (d) page
    responses of ``sessions`` protocol-level sessions at once, once per pace in ``paces``
    (the pause range before each view).

    With ``baseline``, a second server on the code path before issue 29 part 1
    (``bench.baseline``, on a copy of the database) takes each (d) phase too, just before the
    app's own: the two are measured side by side, in turns, on the same machine.

    Bounded: one view waits at most timeout_s, the one-user phase single_s, the concurrent
    phase phase_s; whatever was measured by then is returned.
    """
    from bench.load import run_load

    if not Path(CHROMIUM).exists():
        raise FileNotFoundError(f"{CHROMIUM} missing: apt-get install -y chromium")
    log = log or (lambda _msg: None)
    log_path = log_path or Path(os.environ.get("TMPDIR", "/tmp")) / "monev-bench-serve.log"
    password = ensure_account(Path(db_path))
    result = ServeResult(pages=[])
    with contextlib.ExitStack() as stack:
        server = stack.enter_context(Server(db_path, log_path))
        servers = [(server, result.loads)]
        if baseline:
            before = stack.enter_context(Server(
                _copy(Path(db_path), stack), log_path.with_suffix(".baseline.log"),
                module="bench.baseline"))
            servers.insert(0, (before, result.baseline_loads))
        log("  (c) one user in chromium …")
        try:
            asyncio.run(asyncio.wait_for(_one_user(server, password, result, timeout_s,
                                                   single_s), timeout=single_s + 60))
        except TimeoutError:
            result.failures.append("one-user phase stopped by its time limit")
        result.peak_rss_single_mb = server.mb("VmHWM")
        for think_s in paces:
            for each, loads in servers:
                name = "baseline" if each is not server else "now"
                log(f"  (d) {name}: {sessions} protocol-level sessions, pause "
                    f"{think_s[0]:g}–{think_s[1]:g} s before each view …")
                loads.append(asyncio.run(run_load(
                    each.port, BENCH_USER, password, sessions=sessions, limit_s=timeout_s,
                    phase_s=phase_s, think_s=think_s,
                    cpu=lambda pid=each.proc.pid: (cpu_seconds(pid), cpu_seconds()),
                    log=log)))
        result.peak_rss_mb = server.mb("VmHWM")
        result.rss_after_mb = server.mb("VmRSS")
        if baseline:
            result.baseline_peak_rss_mb = servers[0][0].mb("VmHWM")
    return result


def _copy(db_path: Path, stack: contextlib.ExitStack) -> Path:
    """A copy of the database (and its archive folder) in a temporary folder removed when
    ``stack`` closes: two servers never share one file's lock."""
    import shutil
    import tempfile

    folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="monev-baseline-")))
    copy = folder / db_path.name
    shutil.copy2(db_path, copy)
    archive = db_path.parent / "archive"
    if archive.is_dir():
        shutil.copytree(archive, folder / "archive")
    return copy
