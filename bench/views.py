"""Server CPU per page view, by page, against the code path before issue 29 part 1.

Each page of the dashboard is run as the server runs it (``streamlit.testing.v1.AppTest``: the
real ``app.py``, signed in as an admin, on the given database), opened once, then re-run
``views`` times; the process's CPU time over those re-runs ÷ ``views`` is one measurement. The
cached data calls are warm in both modes, as on a server that already served the page once:

* **before**: inside ``bench.baseline.part_one_undone`` (charts built, page models computed,
  coloured tables rendered and the sign-in tables read on every view);
* **now**: the app as it is (each of those done once for equal arguments).

The two modes alternate page by page and round by round in one process, so a busy machine
weighs on both alike. The figure includes AppTest's own work (reading the page's messages back
into an element tree) and Streamlit compiling the page script, which a running server keeps
compiled: a served view costs somewhat less than measured here (``python -m bench --only
serve`` measures the served app).
"""

from __future__ import annotations

import contextlib
import os
import statistics
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

PAGES = (("pages/ringkasan.py", "Ringkasan"), ("pages/capaian.py", "Capaian Program"),
         ("pages/tertinggal.py", "Target Tertinggal"), ("pages/kelengkapan.py",
                                                        "Kelengkapan Laporan"),
         ("pages/desa.py", "Peluncuran Desa"), ("pages/anggaran.py", "Anggaran"),
         ("pages/kolaborasi.py", "Kolaborasi OPD"), ("pages/wilayah.py", "Perbandingan Wilayah"))
TARGET_MS = 60.0


def _app_test(page: str) -> object | None:
    """An AppTest of app.py signed in as an admin and switched to ``page`` (run twice); None
    when the page is not in the database's navigation."""
    import streamlit.testing.v1.app_test as app_test
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.testing.v1 import AppTest

    from monev import auth
    from monev.ui import session

    class _Pages(PagesManager):
        # app.py is an st.navigation app whose pages live in a folder named pages/: keep
        # AppTest from falling back to the legacy pages-directory mode on later runs.
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, **kwargs)  # type: ignore[arg-type]
            PagesManager.uses_pages_directory = False

    app_test.PagesManager = _Pages
    at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "app.py"),
                           default_timeout=300)
    now = datetime.now().replace(microsecond=0)
    at.session_state[session.USER_KEY] = auth.User("bench.admin", "Benchmark", "admin")
    at.session_state[session.SIGNED_IN_KEY] = now
    at.session_state[session.SEEN_KEY] = now
    at.run()
    try:
        at.switch_page(page)
    except ValueError:      # not in this database's navigation (Wilayah: one region only)
        return None
    at.run()
    at.run()
    if at.exception:
        raise RuntimeError(f"{page}: {at.exception[0].value}")
    return at


def _cpu_per_view(at: object, views: int) -> float:
    """CPU milliseconds of this process per re-run of the page."""
    start = time.process_time()
    for _ in range(views):
        at.run()  # type: ignore[attr-defined]
    return (time.process_time() - start) / views * 1000


def run(db_path: Path, dataset: str, rounds: int = 3, views: int = 6,
        log: Callable[[str], None] = print) -> list[dict]:
    """Rows for the results table: CPU per view by page in both modes, and the median over
    pages against the ≤ 60 ms target."""
    os.environ["MONEV_DB"] = str(db_path)
    import streamlit as st

    from bench.baseline import part_one_undone

    samples: dict[tuple[str, str], list[float]] = {}
    for page, label in PAGES:
        log(f"  {label} …")
        for _ in range(rounds):
            for mode, within in (("before", part_one_undone), ("now", contextlib.nullcontext)):
                with within():
                    try:
                        at = _app_test(page)
                        if at is not None:
                            samples.setdefault((label, mode), []).append(
                                _cpu_per_view(at, views))
                    finally:
                        st.cache_resource.clear()  # the next round shares nothing yet
    from bench.pages import Timing

    rows = []
    medians: dict[str, list[float]] = {"before": [], "now": []}
    for _, label in PAGES:
        if (label, "now") not in samples:
            continue
        now_ms = samples[(label, "now")]
        before = statistics.median(samples[(label, "before")])
        now = statistics.median(now_ms)
        medians["before"].append(before)
        medians["now"].append(now)
        rows.append({"section": "Biaya tampilan", "measure": f"server CPU per warm view: {label}",
                     "dataset": dataset,
                     "timing": Timing(now / 1000, min(now_ms) / 1000, max(now_ms) / 1000,
                                      rounds),
                     "unit": "ms", "target": "", "met": None,
                     "compare": f"before issue 29 part 1: {before:.0f} ms"})
    overall = statistics.median(medians["now"])
    before = statistics.median(medians["before"])
    rows.append({"section": "Biaya tampilan",
                 "measure": "server CPU per warm view, median of the pages above",
                 "dataset": dataset, "timing": Timing(overall / 1000, min(medians["now"]) / 1000,
                                                      max(medians["now"]) / 1000,
                                                      len(medians["now"])),
                 "unit": "ms", "compare": f"before issue 29 part 1: {before:.0f} ms",
                 "target": f"≤ {TARGET_MS:.0f} ms", "met": overall <= TARGET_MS})
    return rows
