"""The projector view in headless Chromium: a presentation clicker's PageDown/PageUp and
the arrow keys move through the deck; a decision is recorded from a slide. The seeded
meeting (``deck``) and the helpers to open a slide serve tests/browser/test_screens.py too,
which looks at every slide in every screen size.

Screenshots go to test-artifacts/screenshots/slides/ for a person to look at.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from monev.engine.meeting import current_rules, meeting_data
from monev.store import accounts, db, uploads
from monev.store import meetings as store
from monev.ui import slides as sl
from tests.browser.conftest import Server

USER, PASSWORD = "rapat.uji", "uji-rapat-2026"
# Words of Streamlit's own (English) interface that must never reach the projector.
ENGLISH = re.compile(r"\b(Running|Stop|Deploy|Rerun|Made with|Press|Page ?(Up|Down)|Submit|"
                     r"Loading|Error|Exception|Traceback|Skip to)\b")
QUIET_JS = """() => {
    if (!window.__slideObserver) {
        window.__slideLast = Date.now();
        window.__slideObserver = new MutationObserver(() => { window.__slideLast = Date.now(); });
        window.__slideObserver.observe(document.body, {subtree: true, childList: true,
                                                       attributes: true, characterData: true});
    }
    return Date.now() - window.__slideLast > 800;
}"""
# Where the slide ends, where the button bar starts, the page's scroll size, and the smallest
# font size of any text drawn on the slide.
GEOMETRY_JS = """() => {
    const slide = document.querySelector('.mv-slide').getBoundingClientRect();
    const bar = document.querySelector('.st-key-pres_bar').getBoundingClientRect();
    let smallest = 1000;
    const walk = document.createTreeWalker(document.querySelector('.mv-slide'),
                                           NodeFilter.SHOW_TEXT);
    while (walk.nextNode()) {
        if (!walk.currentNode.textContent.trim()) continue;
        const size = parseFloat(getComputedStyle(walk.currentNode.parentElement).fontSize);
        smallest = Math.min(smallest, size);
    }
    const title = parseFloat(getComputedStyle(document.querySelector('.mv-title')).fontSize);
    return {slideBottom: slide.bottom, slideRight: slide.right, barTop: bar.top,
            scrollHeight: document.documentElement.scrollHeight,
            scrollWidth: document.documentElement.scrollWidth,
            smallest: smallest, title: title};
}"""


@dataclass(frozen=True)
class Deck:
    """The meeting seeded for these tests and its screen pages."""

    meeting_id: int
    titles: tuple[str, ...]


@pytest.fixture(scope="module")
def deck(server: Server) -> Deck:
    """Seed, in the served database, an account, a previous meeting with two decisions and
    the meeting to present (cut-off: now, so later uploads by other tests do not touch it)."""
    now = datetime.now().replace(second=0, microsecond=0)
    with db.opened(server.db_path, read_only=False, retries=20) as con:
        region = str(uploads.active_regions(con)["region_code"].iloc[0])
        periods = uploads.report_periods(con, region)
        year, tw = ((int(periods["year"].iloc[0]), int(periods["tw"].iloc[0]))
                    if not periods.empty else (2025, 1))
        if accounts.users(con).query("username == @USER").empty:
            accounts.add_user(con, USER, "Penguji Rapat", "pimpinan", PASSWORD,
                              region_code=region, actor="uji")
        rules = current_rules(con, region)
        before = store.create_meeting(con, region, year, tw, title="Rapat Evaluasi (lalu)",
                                      actor="uji", rules=rules, chair="Sekretaris Daerah",
                                      cutoff=now - timedelta(days=1))
        flags = meeting_data(con, before)["flags"]
        lagging = sl.flagged_items(flags)
        for item in lagging.head(2).to_dict("records"):
            sl.record_followup(con, before.meeting_id, item, item["item"],
                               "Percepat pelaksanaan dan laporkan kemajuan tiap bulan",
                               None, date.today() - timedelta(days=1), "uji")
        sl.record_followup(con, before.meeting_id, None, "Rapat koordinasi kepala desa",
                           "DPMD mengundang kepala desa untuk percepatan RKP Desa",
                           str(uploads.masterplan_opds(con, region)["opd_code"].iloc[0]),
                           date.today() + timedelta(days=20), "uji")
        meeting = store.create_meeting(con, region, year, tw, title="Rapat Evaluasi Uji",
                                       actor="uji", rules=rules, chair="Sekretaris Daerah",
                                       cutoff=now)
        view = sl.meeting_view(con, meeting.meeting_id)
    assert view is not None
    pages = sl.pages(view)
    return Deck(meeting.meeting_id, tuple(sl.title_of(view, p) for p in pages))


def settle(page) -> None:
    """Streamlit has finished the run and drawn it."""
    page.wait_for_function("() => !document.querySelector('[data-stale=\"true\"]')",
                           timeout=60_000)
    page.wait_for_function(QUIET_JS, polling=200, timeout=60_000)


def sign_in_if_asked(page) -> None:
    """Sign in with the seeded account when the app shows its sign-in form."""
    # ":visible" on each alternative: with a plain selector list Playwright waits for the
    # first match to show, which may be one the page keeps hidden.
    page.wait_for_selector("h1:visible, .mv-slide:visible", timeout=60_000)
    settle(page)
    if page.query_selector(".mv-slide") or not page.get_by_label("Kata sandi").count():
        return
    page.get_by_label("Nama pengguna").fill(USER)
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_selector('[data-testid="stSidebarNav"]:visible, .mv-slide:visible',
                           timeout=60_000)
    settle(page)


def slide_url(server: Server, meeting_id: int, n: int) -> str:
    return f"{server.url}/presentasi?rapat={meeting_id}&slide={n}"


def open_slide(page, server: Server, meeting_id: int, n: int) -> None:
    """Show /presentasi?rapat=<id>&slide=<n>. The first call loads the URL (and signs in);
    later calls change the URL in the same tab (as the browser's back/forward buttons do),
    which keeps the signed-in Streamlit session: a reload would start a new one."""
    url = slide_url(server, meeting_id, n)
    if "/presentasi" not in page.url and not page.query_selector(".mv-slide"):
        page.goto(url)
        sign_in_if_asked(page)
    if not page.url.endswith(f"/presentasi?rapat={meeting_id}&slide={n}"):
        page.evaluate("(url) => { history.pushState({}, '', url); "
                      "window.dispatchEvent(new PopStateEvent('popstate', {state: {}})); }",
                      url)
    page.wait_for_selector(f".mv-count:text-matches('^{n} / ')", timeout=60_000)
    settle(page)


def counter(page) -> tuple[int, int]:
    number, total = page.inner_text(".mv-count").split(" / ")
    return int(number), int(total)


def test_clicker_and_arrow_keys_move_through_the_deck(server: Server, deck: Deck,
                                                      page, screenshots: Path) -> None:
    total = len(deck.titles)
    open_slide(page, server, deck.meeting_id, 1)
    assert counter(page) == (1, total)

    def press(key: str, expected: int) -> None:
        page.keyboard.press(key)
        page.wait_for_selector(f".mv-count:text-matches('^{expected} / ')", timeout=30_000)
        settle(page)
        assert page.url.endswith(f"slide={expected}")
        assert page.inner_text(".mv-title") == deck.titles[expected - 1]

    press("PageDown", 2)      # a presentation clicker
    press("PageDown", 3)
    press("ArrowRight", 4)
    press("PageUp", 3)
    press("ArrowLeft", 2)
    press("End", total)
    press("PageDown", total)  # stays on the last slide
    press("Home", 1)
    page.screenshot(path=str(screenshots / "slides" / "navigasi_awal.png"))


def test_decision_form_on_a_lagging_slide(server: Server, deck: Deck, page,
                                          screenshots: Path) -> None:
    """The pimpinan records a decision from the slide; typing does not move the slides."""
    n = next(i for i, t in enumerate(deck.titles, start=1) if "butir perlu tindak lanjut" in t)
    open_slide(page, server, deck.meeting_id, n)
    before = page.inner_text(".mv-note")
    page.get_by_role("button", name="Catat tindak lanjut").click()
    decision = page.get_by_label("Keputusan: apa yang akan dilakukan")
    decision.fill("Selesaikan berita acara minggu ini")
    decision.press("ArrowLeft")
    decision.press("PageDown")
    assert counter(page)[0] == n
    settle(page)
    (screenshots / "slides").mkdir(exist_ok=True)
    page.screenshot(path=str(screenshots / "slides" / "catat_tindak_lanjut.png"))
    page.get_by_role("button", name="Simpan tindak lanjut").click()
    page.wait_for_function("(before) => document.querySelector('.mv-note').innerText "
                           "!== before", arg=before, timeout=30_000)
    assert re.fullmatch(r"Keputusan rapat ini untuk OPD ini: \d+ dicatat\.",
                        page.inner_text(".mv-note"))
    assert counter(page)[0] == n
