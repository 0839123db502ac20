"""A page opened by its address (a bookmark, a refresh, a link in a WhatsApp message): seconds
until its content is shown, on the first visit after a server start and warm (issue 28).

One chromium (Debian's, ``bench.serve.CHROMIUM``) at 1280×720 signs in once on a freshly
started server (``bench.serve.Server`` on a copy-free read of the given database), then loads
each page of the navigation by its URL in turn: first visits (nothing of that page computed
yet in the server) and then every page again (warm). Each load is timed from ``goto`` to the
content shown (``bench.serve.READY_JS``: connected, script not running, something in the main
area, nothing stale). Last, each page is reached once more by a click on its sidebar link
(``bench.serve.open_sidebar``: a click inside the app, warm). A view not shown within
``timeout_s`` counts as that limit.
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import time
from collections.abc import Callable
from pathlib import Path

TARGET_S = 2.0        # a page opened by its address
CLICK_TARGET_S = 1.0  # a click inside the app


async def _visits(db_path: Path, log_path: Path, timeout_s: float) -> dict[str, list[float]]:
    from playwright.async_api import async_playwright

    from bench.serve import (
        CHROMIUM,
        CHROMIUM_ARGS,
        Server,
        _shown,
        ensure_account,
        open_sidebar,
        page_paths,
        sign_in,
    )

    password = ensure_account(db_path)
    paths = page_paths()
    times: dict[str, list[float]] = {title: [] for title, _ in paths}
    with Server(db_path, log_path) as server:
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                context = await browser.new_context(viewport={"width": 1280, "height": 720})
                page = await context.new_page()
                await sign_in(page, server.url, password, timeout_s)
                for _ in ("first", "warm"):
                    for title, path in paths[1:] + paths[:1]:
                        t0 = time.perf_counter()
                        try:
                            await page.goto(server.url + path, wait_until="commit",
                                            timeout=timeout_s * 1000)
                            await _shown(page, timeout_s)
                            times[title].append(time.perf_counter() - t0)
                        except Exception:  # noqa: BLE001 - a failed view counts as the limit
                            times[title].append(timeout_s)
                # then a click inside the app on each page's sidebar link (warm)
                for title, path in paths[1:] + paths[:1]:
                    suffix = "/" if path == "/" else path
                    link = page.locator(f'[data-testid="stSidebarNav"] a[href$="{suffix}"]')
                    if not await link.count():      # not in this database's navigation
                        continue
                    try:
                        times[title].append(await open_sidebar(page, path, timeout_s))
                    except Exception:  # noqa: BLE001 - a failed view counts as the limit
                        times[title].append(timeout_s)
            finally:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(browser.close(), timeout=30)
    return times


def run(db_path: Path, dataset: str, timeout_s: float = 30,
        log: Callable[[str], None] = print) -> list[dict]:
    """Rows for the results table: first visit and warm, slowest page of each, and every
    page's pair in the comparison column."""
    from bench.pages import Timing

    log_path = Path("/tmp") / "monev-bench-firstview.log"
    times = asyncio.run(_visits(db_path, log_path, timeout_s))
    rows = []
    views = (("opened by its address, first visit after a server start", TARGET_S),
             ("opened by its address, warm", TARGET_S),
             ("reached by a click in the sidebar, warm", CLICK_TARGET_S))
    for i, (when, target) in enumerate(views):
        per_page = {t: v[i] for t, v in times.items() if len(v) > i}
        values = list(per_page.values())
        worst = max(per_page, key=per_page.get)
        detail = ", ".join(f"{t} {v:.1f} s" for t, v in
                           sorted(per_page.items(), key=lambda kv: -kv[1]))
        log(f"  {when}: median {statistics.median(values):.2f} s, slowest {worst}")
        rows.append({"section": "App", "measure": f"page {when}: slowest of the "
                     f"{len(values)} pages (chromium 1280×720, time to content; {detail})",
                     "dataset": dataset,
                     "timing": Timing(max(values), min(values), max(values), len(values)),
                     "unit": "s", "compare": f"median {statistics.median(values):.2f} s",
                     "target": f"≤ {target:.0f} s", "met": max(values) <= target})
    return rows
