"""Hostile uploads: does the served app keep answering a second user while it refuses them?

The attacks of the hardening issue, chosen on Unggah Data through the real file input of the
real server (``streamlit run app.py``, ``bench.serve.Server``) on a copy of the Tuban demo:

* ``sel_jauh.xlsx``: a good quarterly report with one cell at XFD1048576 in the sheet
  'Realisasi Kinerja' (python-calamine asked for 512 GiB and Rust aborted the whole server);
* ``sel_jauh.xls``: the same report as a legacy .xls with a cell at row 65536, column 256 of
  'Realisasi Kinerja' (5 GB and 77 s of openpyxl);
* ``banyak_masalah.xlsx``: the report with 2,050 rows whose realisation is a word, so 2,050
  problems to mark in the annotated copy (146 s of quadratic marking).

For each file, in one chromium (Playwright, Debian's ``/usr/bin/chromium``), user A (browser
context of its own, signed in as the benchmark admin) opens Unggah Data and chooses the file;
at that moment user B (a second context, signed in too) starts opening pages through the
sidebar in turn (Ringkasan, Kelengkapan Laporan, Target Tertinggal) until A's page shows the
refusal ("Hasil uji coba" and "Ditolak: … di <file>"), then three more; three views just
before A signs in are the baseline on the same (possibly busy) machine (B has opened each
page once before the first file, untimed: no view is B's first of a page). Each of B's views is
timed to its content shown (``bench.serve.open_sidebar``: connected, script not running,
something in the main area, nothing stale). Also recorded: A's time from choosing the file to
the refusal shown, the server process's peak resident set (``VmHWM``; the parsing workers of
``etl.sandbox`` are child processes, their largest resident set is sampled separately) and
whether the server is still alive (its process runs and ``/_stcore/health`` answers "ok").

Everything is bounded: A waits at most ``wait_s`` (180 s) for the refusal, each of B's views
at most ``view_s``; a view not shown in time counts as that limit; the server is stopped at
the end (its own process group, by id).
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import re
import shutil
import statistics
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import openpyxl

from bench.serve import (
    CHROMIUM,
    CHROMIUM_ARGS,
    READY_JS,
    Server,
    ensure_account,
    open_sidebar,
    sign_in,
)

SHEET = "Realisasi Kinerja"
UPLOAD_INPUT = '[data-testid="stFileUploaderDropzoneInput"]'
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
XLS = "application/vnd.ms-excel"
# B's pages, opened in turn through the sidebar (each differs from the one shown before it).
B_PAGES = (("Ringkasan", "/"), ("Kelengkapan Laporan", "/kelengkapan"),
           ("Target Tertinggal", "/tertinggal"))
AFTER_VIEWS = 3
BEFORE_VIEWS = 3   # B's views just before A signs in: the same pages on the same machine
TARGET_S = 2.0


def far_cell(xlsx: bytes) -> bytes:
    """The report with one more cell, at XFD1048576 (the last cell an xlsx may address), in
    'Realisasi Kinerja'."""
    wb = openpyxl.load_workbook(io.BytesIO(xlsx))
    wb[SHEET]["XFD1048576"] = "x"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def far_cell_xls(xlsx: bytes) -> bytes:
    """The report as a legacy .xls (xlwt, BIFF8) with one more cell at row 65536, column 256
    (the last an .xls may address) of 'Realisasi Kinerja'."""
    import xlwt

    wb = openpyxl.load_workbook(io.BytesIO(xlsx))
    book = xlwt.Workbook()
    dates = xlwt.easyxf(num_format_str="DD/MM/YYYY")
    for ws in wb:
        out = book.add_sheet(ws.title[:31])
        for r, row in enumerate(ws.iter_rows(values_only=True)):
            for c, value in enumerate(row):
                if isinstance(value, (date, datetime)):
                    out.write(r, c, value, dates)
                elif value is not None:
                    out.write(r, c, value)
        if ws.title == SHEET:
            out.write(65535, 255, "x")
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def many_problems(xlsx: bytes, n: int = 2050) -> bytes:
    """The report with ``n`` more rows in 'Realisasi Kinerja', copies of its last row with the
    realisation (last column) typed as a word: ``n`` problems to mark."""
    wb = openpyxl.load_workbook(io.BytesIO(xlsx))
    ws = wb[SHEET]
    template = [c.value for c in ws[ws.max_row]]
    for _ in range(n):
        ws.append([*template[:-1], "salah"] if template else ["salah"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# file name -> (builder, MIME type, what it is, a phrase of the expected refusal reason)
HOSTILE: dict[str, tuple[Callable[[bytes], bytes], str, str, str]] = {
    "sel_jauh.xlsx": (far_cell, XLSX, "xlsx, one cell at XFD1048576",
                      "terlalu besar untuk dibaca dengan aman"),
    "sel_jauh.xls": (far_cell_xls, XLS, "xls, one cell at row 65536, column 256",
                     "melebihi batas"),
    "banyak_masalah.xlsx": (many_problems, XLSX, "xlsx, 2,050 problems to mark",
                            "masalah ditemukan"),
}


def good_report(db_path: Path, year: int = 2026, tw: int = 4) -> bytes:
    """A quarterly report the database accepts: the first OPD with indicators, every
    realisation filled with its target (``etl.template``, as a user downloads it)."""
    from etl.template import laporan_rows, write_workbook
    from monev.store import db, uploads

    with db.opened(db_path, read_only=True) as con:
        region = str(uploads.active_regions(con)["region_code"].iloc[0])
        for opd in uploads.masterplan_opds(con, region)["opd_code"]:
            info, rows = laporan_rows(con, region, opd, year, tw)
            if rows["realisasi"]:
                break
        else:
            raise LookupError(f"no OPD of {region} has indicators for {year} TW {tw}")
    for row in rows["realisasi"]:
        row["realisasi"] = row.get("target_tw") or row.get("target_tahun") or 1
    buf = io.BytesIO()
    write_workbook("laporan", buf, info, rows,
                   meta={"kode_wilayah": region, "kode_opd": opd, "tahun": year,
                         "triwulan": tw})
    return buf.getvalue()


@dataclass
class FileResult:
    """What one hostile file did to the served app."""

    name: str
    what: str
    size_kb: float
    before: list[float] = field(default_factory=list)   # B's views before A signs in
    during: list[float] = field(default_factory=list)   # B's views while A's file was checked
    after: list[float] = field(default_factory=list)    # B's views after the refusal showed
    refusal_s: float | None = None                      # A: file chosen -> refusal shown
    refused: bool = False                               # "Ditolak: … di <name>" shown
    reason_shown: bool = False                          # the expected reason in the table
    shown: str = ""                                     # what A's page said, when no refusal
    peak_rss_mb: float | None = None                    # server VmHWM after this file
    worker_rss_mb: float | None = None                  # largest child RSS sampled meanwhile
    alive: bool = False                                 # process runs, health answers "ok"
    failures: list[str] = field(default_factory=list)


@dataclass
class HostileResult:
    """The hostile-upload run."""

    files: list[FileResult] = field(default_factory=list)
    start_rss_mb: float | None = None                   # server VmHWM before the first file
    failures: list[str] = field(default_factory=list)
    log: Path | None = None                             # the server's log, kept in TMPDIR


def copy_database(src: Path, dest: Path) -> Path:
    """Copy a database file (its WAL if any) and its archive folder to ``dest``, so the
    benchmark account and sessions never touch the given database."""
    from monev.store import db

    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(src, dest)
    if Path(f"{src}.wal").exists():
        shutil.copy2(f"{src}.wal", f"{dest}.wal")
    if db.archive_root(src).exists():
        shutil.copytree(db.archive_root(src), db.archive_root(dest))
    return dest


def healthy(url: str, timeout_s: float = 10) -> bool:
    """Whether the server's health endpoint answers "ok"."""
    try:
        with urllib.request.urlopen(url + "/_stcore/health", timeout=timeout_s) as r:
            return r.status == 200 and r.read().strip() == b"ok"
    except OSError:
        return False


def _descendants(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        try:
            for task in Path(f"/proc/{p}/task").iterdir():
                kids = [int(k) for k in (task / "children").read_text().split()]
                out += kids
                todo += kids
        except (OSError, ValueError):
            continue
    return out


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0.0


async def _sample_workers(pid: int, into: list[float], stop: asyncio.Event) -> None:
    """The largest resident set of any child process of the server, every 0.2 s."""
    while not stop.is_set():
        into.append(max((_rss_mb(k) for k in _descendants(pid)), default=0.0))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=0.2)


async def _view(page: object, server: Server, title: str, path: str, view_s: float,
                res: FileResult, phase: str) -> float:
    """One of B's views through the sidebar; on failure the limit, and B's tab reloaded."""
    try:
        return await open_sidebar(page, path, view_s)
    except Exception as exc:  # noqa: BLE001 - a failed view is a measurement
        res.failures.append(f"B {phase}, {title}: {type(exc).__name__}")
        with contextlib.suppress(Exception):
            await page.goto(server.url + path, wait_until="commit", timeout=view_s * 1000)
            await page.wait_for_function(READY_JS, timeout=view_s * 1000, polling=100)
        return view_s


async def _user_b(page: object, server: Server, done: asyncio.Event, res: FileResult,
                  view_s: float, start: int) -> int:
    """B opens pages in turn until ``done``, then AFTER_VIEWS more; returns the next turn."""
    turn = start
    while not done.is_set():
        title, path = B_PAGES[turn % len(B_PAGES)]
        res.during.append(await _view(page, server, title, path, view_s, res, "during"))
        turn += 1
    for _ in range(AFTER_VIEWS):
        title, path = B_PAGES[turn % len(B_PAGES)]
        res.after.append(await _view(page, server, title, path, view_s, res, "after"))
        turn += 1
    return turn


async def _user_a(browser: object, server: Server, password: str, name: str, content: bytes,
                  mime: str, reason: str, res: FileResult, done: asyncio.Event,
                  chosen: asyncio.Event, wait_s: float) -> None:
    """A: a fresh context, signed in, on Unggah Data, chooses the file and waits for the
    refusal. ``chosen`` is set the moment the file is given to the input; ``done`` at the end,
    whatever happened."""
    context = await browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        page = await context.new_page()
        await sign_in(page, server.url, password, 60)
        await open_sidebar(page, "/unggah", 60)
        await page.locator(UPLOAD_INPUT).wait_for(state="attached", timeout=60_000)
        chosen.set()
        t0 = time.perf_counter()
        await page.set_input_files(UPLOAD_INPUT, files=[
            {"name": name, "mimeType": mime, "buffer": content}], timeout=wait_s * 1000)

        def left() -> float:
            return max(1.0, wait_s - (time.perf_counter() - t0)) * 1000

        await page.get_by_text("Hasil uji coba").first.wait_for(timeout=left())
        await page.wait_for_function(READY_JS, timeout=left(), polling=50)
        refusal = page.get_by_text(re.compile(rf"Ditolak: .* di {re.escape(name)}"))
        if await refusal.count():
            res.refusal_s = time.perf_counter() - t0
            res.refused = True
            # The reason may be in the problems table, a data grid drawn a moment later.
            with contextlib.suppress(Exception):
                await page.get_by_text(re.compile(re.escape(reason))).first.wait_for(
                    state="attached", timeout=min(30_000, left()))
                res.reason_shown = True
        else:
            res.shown = " ".join((await page.inner_text('[data-testid="stMain"]')).split())[:200]
    except Exception as exc:  # noqa: BLE001 - what did not happen is the result
        res.failures.append(f"A: {type(exc).__name__}: {str(exc).splitlines()[0][:100]}")
    finally:
        chosen.set()
        done.set()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(context.close(), timeout=30)


async def _run(server: Server, password: str, files: dict[str, bytes], result: HostileResult,
               wait_s: float, view_s: float, log: Callable[[str], None]) -> None:
    from playwright.async_api import async_playwright

    pid = server.proc.pid
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            b_context = await browser.new_context(viewport={"width": 1400, "height": 900})
            b_page = await b_context.new_page()
            await sign_in(b_page, server.url, password, 60)
            turn = 1                                     # B is on Ringkasan: next page first
            warm = FileResult("warm-up", "", 0)          # each page once, not counted
            for _ in B_PAGES:
                title, path = B_PAGES[turn % len(B_PAGES)]
                await _view(b_page, server, title, path, view_s, warm, "warm-up")
                turn += 1
            result.failures += warm.failures
            for name, content in files.items():
                _make, mime, what, reason = HOSTILE[name]
                res = FileResult(name, what, len(content) / 1024)
                result.files.append(res)
                if (server.proc.poll() is not None
                        or not await asyncio.to_thread(healthy, server.url)):
                    res.failures.append("server not running before this file")
                    continue
                log(f"  {name} ({what}, {res.size_kb:,.0f} KB) …")
                for _ in range(BEFORE_VIEWS):          # the same views with no upload
                    title, path = B_PAGES[turn % len(B_PAGES)]
                    res.before.append(await _view(b_page, server, title, path, view_s, res,
                                                  "before"))
                    turn += 1
                done, chosen, stop = asyncio.Event(), asyncio.Event(), asyncio.Event()
                workers: list[float] = []
                sampler = asyncio.create_task(_sample_workers(pid, workers, stop))
                a = asyncio.create_task(_user_a(browser, server, password, name, content,
                                                mime, reason, res, done, chosen, wait_s))
                await chosen.wait()
                try:
                    turn = await asyncio.wait_for(
                        _user_b(b_page, server, done, res, view_s, turn),
                        timeout=wait_s + (AFTER_VIEWS + 2) * view_s)
                except TimeoutError:
                    res.failures.append("B stopped by its time limit")
                await asyncio.wait_for(a, timeout=wait_s + 120)
                stop.set()
                await sampler
                res.worker_rss_mb = max(workers, default=None)
                res.peak_rss_mb = server.mb("VmHWM")
                res.alive = (server.proc.poll() is None
                             and await asyncio.to_thread(healthy, server.url))
                log(f"    refusal {res.refusal_s and round(res.refusal_s, 1)} s; B before "
                    f"{[round(t, 2) for t in res.before]}, during "
                    f"{[round(t, 2) for t in res.during]}, after "
                    f"{[round(t, 2) for t in res.after]}; alive {res.alive}; "
                    f"VmHWM {res.peak_rss_mb and round(res.peak_rss_mb)} MB")
        finally:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(browser.close(), timeout=30)


def run(db_path: Path, work: Path, wait_s: float = 180, view_s: float = 60,
        log: Callable[[str], None] | None = None) -> HostileResult:
    """Serve a copy of db_path (in ``work``) and measure the three hostile uploads.

    Bounded: A waits at most wait_s for each refusal, each of B's views at most view_s (a view
    not shown counts as view_s); whatever was measured by then is returned.
    """
    if not Path(CHROMIUM).exists():
        raise FileNotFoundError(f"{CHROMIUM} missing: apt-get install -y chromium")
    log = log or (lambda _msg: None)
    db_copy = copy_database(Path(db_path), Path(work) / "hostile" / "monev.duckdb")
    good = good_report(db_copy)
    files = {name: make(good) for name, (make, *_rest) in HOSTILE.items()}
    password = ensure_account(db_copy)
    result = HostileResult()
    log_path = Path(work) / "hostile" / "streamlit.log"
    with Server(db_copy, log_path) as server:
        result.start_rss_mb = server.mb("VmHWM")
        total = (len(files) * (2 * wait_s + (BEFORE_VIEWS + AFTER_VIEWS + 2) * view_s + 60)
                 + len(B_PAGES) * view_s + 120)
        try:
            asyncio.run(asyncio.wait_for(
                _run(server, password, files, result, wait_s, view_s, log), timeout=total))
        except TimeoutError:
            result.failures.append(f"stopped by the time limit of {total:.0f} s")
        except Exception as exc:  # noqa: BLE001 - reported in the table
            result.failures.append(f"{type(exc).__name__}: {str(exc)[:120]}")
        if server.proc.poll() is not None:
            result.failures.append(f"server exited with {server.proc.returncode}")
    result.log = keep_log(log_path)
    return result


def keep_log(path: Path) -> Path:
    """Copy the server log out of the work folder (deleted at the end) to TMPDIR."""
    dest = Path(os.environ.get("TMPDIR", "/tmp")) / "monev-bench-hostile.log"
    with contextlib.suppress(OSError):
        shutil.copy(path, dest)
    return dest


def summary(times: list[float]) -> tuple[float, float, float] | None:
    """(median, min, max) of some seconds, or None."""
    return (statistics.median(times), min(times), max(times)) if times else None
