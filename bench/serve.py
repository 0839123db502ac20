"""Served-app benchmark: peak memory of the Streamlit process and time-to-content under load.

``run(db_path)`` gives the database a benchmark admin account (``bench.admin``, a fresh random
password each run, through ``monev.store.accounts``), starts ``streamlit run app.py`` headless
on a free loopback port with ``MONEV_DB=db_path`` and drives it with Playwright and Debian's
chromium (``/usr/bin/chromium``; never a downloaded browser). Streamlit renders pages over a
websocket, so a plain HTTP GET says nothing: a page counts as shown when the app is connected,
its script has finished (``data-test-script-state="notRunning"`` on ``stApp``, the attribute
Streamlit's own e2e tests wait on), the main area holds at least one element and no element is
stale.

A session signs in on the form (timed as "sign-in", up to the first page shown), then opens
every other page of ``monev.ui.nav`` through the sidebar (each timed: the page responses).

* Memory: one session visits every page (twice: through the sidebar, then back again), then
  the server's peak resident set (``VmHWM`` in ``/proc/<pid>/status``) is read; it is read again
  after the concurrency run.
* Concurrency: N browser contexts (one chromium) start together, each a full session.

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
import statistics
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking"]
BENCH_USER = "bench.admin"

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
    views: list[tuple[str, str, float]] = field(default_factory=list)  # (page, how, seconds)
    failures: list[str] = field(default_factory=list)
    sessions: int = 0
    planned: dict[str, int] = field(default_factory=dict)   # how -> views to make
    limit_s: float = 0.0         # time limit of one view
    wall_s: float = 0.0

    def times(self, how: str) -> list[float]:
        """Time-to-content of the concurrent views of one kind ("sign-in" or "sidebar");
        failed views and views never made (the phase ran out of time) count as the limit."""
        times = [t for _, h, t in self.views if h == how]
        times += [self.limit_s] * max(0, self.planned.get(how, 0) - len(times))
        return sorted(times)

    def quantile(self, q: float, how: str) -> float | None:
        """A quantile of ``times(how)``."""
        times = self.times(how)
        if len(times) < 2:
            return times[0] if times else None
        return statistics.quantiles(times, n=100, method="inclusive")[int(q * 100) - 1]


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

    def __init__(self, db_path: Path, log_path: Path) -> None:
        """Remember what to serve; nothing starts yet."""
        self.db_path, self.log_path = Path(db_path), Path(log_path)
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        """Base URL of the app."""
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Server:
        """Start the server and wait (at most 90 s) until its health check answers."""
        env = {**os.environ, "MONEV_DB": str(self.db_path), "PYTHONPATH": str(ROOT)}
        self._log = self.log_path.open("w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port",
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


async def _session(browser: object, base: str, password: str, paths: list[tuple[str, str]],
                   timeout_s: float, result: ServeResult, errors: list[str]) -> None:
    """One user: sign in (first page), then every other page through the sidebar."""
    context = await browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        page = await context.new_page()
        title = paths[0][0]
        try:
            result.views.append((title, "sign-in",
                                 await sign_in(page, base, password, timeout_s)))
        except Exception as exc:  # noqa: BLE001 - a failed view is a measurement
            errors.append(f"sign-in: {type(exc).__name__}")
            return
        for title, path in paths[1:]:
            try:
                result.views.append((title, "sidebar",
                                     await open_sidebar(page, path, timeout_s)))
            except Exception as exc:  # noqa: BLE001
                errors.append(f"{title}: {type(exc).__name__}")
    finally:
        with contextlib.suppress(Exception):
            await context.close()


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


async def _drive(server: Server, password: str, result: ServeResult, sessions: int,
                 timeout_s: float, single_s: float, phase_s: float) -> None:
    from playwright.async_api import async_playwright

    paths = page_paths()
    result.pages = [t for t, _ in paths]
    result.limit_s = timeout_s
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            try:
                await asyncio.wait_for(
                    _single(browser, server, password, paths, timeout_s, result),
                    timeout=single_s)
            except TimeoutError:
                result.failures.append(f"one-user phase stopped after {single_s:.0f} s")
            result.peak_rss_single_mb = server.mb("VmHWM")
            # (d) N sessions at once
            errors: list[str] = []
            result.sessions = sessions
            result.planned = {"sign-in": sessions, "sidebar": sessions * (len(paths) - 1)}
            t0 = time.perf_counter()
            tasks = [asyncio.create_task(_session(browser, server.url, password, paths,
                                                  timeout_s, result, errors))
                     for _ in range(sessions)]
            _done, pending = await asyncio.wait(tasks, timeout=phase_s)
            result.wall_s = time.perf_counter() - t0
            if pending:
                errors.append(f"{len(pending)} sessions unfinished when the phase stopped "
                              f"after {phase_s:.0f} s")
                for task in pending:
                    task.cancel()
                await asyncio.wait(pending, timeout=20)
            counts: dict[str, int] = {}
            for e in errors:
                counts[e] = counts.get(e, 0) + 1
            result.failures += [f"{e} ×{n}" if n > 1 else e for e, n in sorted(counts.items())]
        finally:
            with contextlib.suppress(Exception):      # the browser exits with us anyway
                await asyncio.wait_for(browser.close(), timeout=30)


def run(db_path: Path, sessions: int = 30, timeout_s: float = 60, single_s: float = 420,
        phase_s: float = 600, log_path: Path | None = None) -> ServeResult:
    """Serve the app on db_path and measure (c) peak RSS and (d) time-to-content.

    Bounded: one view waits at most timeout_s, the one-user phase single_s, the concurrent
    phase phase_s; whatever was measured by then is returned.
    """
    if not Path(CHROMIUM).exists():
        raise FileNotFoundError(f"{CHROMIUM} missing: apt-get install -y chromium")
    log_path = log_path or Path(os.environ.get("TMPDIR", "/tmp")) / "monev-bench-serve.log"
    password = ensure_account(Path(db_path))
    result = ServeResult(pages=[])
    with Server(db_path, log_path) as server:
        try:
            asyncio.run(asyncio.wait_for(
                _drive(server, password, result, sessions, timeout_s, single_s, phase_s),
                timeout=single_s + phase_s + 120))
        except TimeoutError:
            result.failures.append("stopped by the overall time limit")
        result.peak_rss_mb = server.mb("VmHWM")
        result.rss_after_mb = server.mb("VmRSS")
    return result
