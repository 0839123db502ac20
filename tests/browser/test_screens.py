"""Made for the screens people use: every page at 1280×720 (a laptop, a projector) and
1920×1080, every slide of the deck at 1024×768, 1280×720 and 1920×1080, in headless
Chromium. Each page and each slide is opened once and looked at in every size (the window
resized): one walk instead of one per size.

A page fails when a table's declared key column (``components.KEY_COLUMNS``) is out of
view, when the page scrolls sideways, when a filter box or selectbox cuts its choice, when
tick labels of a chart collide, or when any text a user reads (the page, the cells of its
tables, the values of its inputs) says None/nan/NaT or writes a number in English
("-12.0", "91.0", "1,234.5"). A slide fails when anything on it runs past the slide's edge,
sits under the control bar, or when its axis labels collide. Screenshots of every page at
each size go to test-artifacts/screens/ (kept by CI) for a person to look at.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from monev.ui import components, nav
from tests.browser.conftest import ROOT, Server, fresh_folder, signed_in_tab
from tests.browser.test_pages_in_browser import (
    CHART_TEXTS_JS,
    RAW_ERROR,
    TILE_HEIGHTS_JS,
    TILES_JS,
    cut_chart_texts,
    open_page,
    settle,
    url_of,
)
from tests.browser.test_slides_in_browser import (  # noqa: F401 - deck is a fixture
    ENGLISH,
    GEOMETRY_JS,
    Deck,
    counter,
    deck,
    open_slide,
)

SCREENS = ROOT / "test-artifacts" / "screens"
PAGE_SIZES = {"1280x720": (1280, 720), "1920x1080": (1920, 1080)}
DECK_SIZES = {"1280x720": (1280, 720), "1024x768": (1024, 768), "1920x1080": (1920, 1080)}
MISSING = re.compile(r"(?<![\w-])(None|nan|NaN|NaT|null|undefined)(?![\w-])")
# A number written the English way: one decimal after a point ("91.0", "-12.0", "60.1%")
# or a comma before three digits and a point ("1,234.5"). Indonesian writes 91, -12, 60,1%,
# 1.234,5; a time is 14.05 (two digits), so it never matches.
ENGLISH_NUMBER = re.compile(r"(?<![\w.,-])-?\d+\.\d(?![\d.])|\d,\d{3}\.\d")

# Every table with its key (the tbl_<key> container of components.table), where it sits,
# the column headers Glide's accessible grid lists (the columns in view, pinned first),
# whether it scrolls sideways, and the text of its cells in view.
TABLES_JS = """() => [...document.querySelectorAll('[data-testid="stDataFrame"]')].map(df => {
    const box = df.closest('[class*="st-key-tbl_"]');
    const key = box ? [...box.classList].find(c => c.startsWith('st-key-tbl_')).slice(11) : null;
    const r = df.getBoundingClientRect();
    const scroller = df.querySelector('.dvn-scroller');
    return {key, left: r.left, right: r.right, width: r.width,
            headers: [...df.querySelectorAll('th[role="columnheader"]')].map(t => t.textContent),
            scrolls: !!scroller && scroller.scrollWidth > scroller.clientWidth + 1,
            cells: [...df.querySelectorAll('td[role="gridcell"]')].map(t => t.textContent)};
})"""
# What else a user reads but innerText leaves out, and the boxes that cut their text.
INPUTS_JS = """() => ({
    values: [...document.querySelectorAll('input:not([type="hidden"]):not([type="file"])')]
        .filter(i => i.offsetParent).map(i => i.value),
    cut: [...document.querySelectorAll('[data-testid="stSelectbox"] input[role="combobox"]')]
        .filter(e => e.offsetParent && e.scrollWidth > e.clientWidth + 1)
        .map(e => `${e.getAttribute('aria-label')}: ${e.value}`),
    mainScrolls: (() => { const m = document.querySelector('[data-testid="stMain"]');
                          return m.scrollWidth > m.clientWidth + 1; })(),
})"""
# Tick labels of every drawn chart that overlap a neighbour on the same axis (slanted labels
# are left out: their boxes overlap while their letters do not).
TICKS_JS = r"""() => [...document.querySelectorAll('.js-plotly-plot')].flatMap(p =>
    ['xtick', 'ytick'].flatMap(axis => {
        const boxes = [...p.querySelectorAll(`g.${axis} text`)]
            .map(t => ({text: t.textContent, r: t.getBoundingClientRect(),
                        transform: t.getAttribute('transform')}))
            .filter(b => b.r.width > 0 && b.text.trim())
            .filter(b => !/rotate\((?!0[ ,)])/.test(b.transform || ''));
        const hits = [];
        for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
            const a = boxes[i].r, b = boxes[j].r;
            if (a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1
                && b.top < a.bottom - 1) hits.push(`${boxes[i].text} / ${boxes[j].text}`);
        }
        return hits;
    }))"""
# On a slide: every element that runs past the slide's edges, and axis labels that overlap.
SLIDE_JS = """() => {
    const slide = document.querySelector('.mv-slide').getBoundingClientRect();
    const bar = document.querySelector('.st-key-pres_bar').getBoundingClientRect();
    const out = [...document.querySelectorAll('.mv-slide *')].filter(e => {
        const r = e.getBoundingClientRect();
        return r.width > 0 && r.height > 0 && (r.right > slide.right + 1 || r.left < slide.left - 1
            || r.bottom > Math.min(slide.bottom, bar.top) + 1);
    }).map(e => `${e.className || e.tagName}: ${(e.textContent || '').slice(0, 40)}`);
    const labels = [...document.querySelectorAll('.mv-axis')].flatMap(axis => {
        const boxes = [...axis.querySelectorAll('.mv-axis-label')].map(l => ({
            text: l.textContent, r: l.getBoundingClientRect()}));
        const hits = [];
        for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
            const a = boxes[i].r, b = boxes[j].r;
            if (a.left < b.right + 6 && b.left < a.right + 6)      // 6 px apart at least
                hits.push(`${boxes[i].text} / ${boxes[j].text}`);
        }
        return hits;
    });
    return {out, labels};
}"""


def screens_folder() -> Path:
    """test-artifacts/screens/ (CI keeps test-artifacts/), emptied once per test run."""
    return fresh_folder(SCREENS)


def bad_words(texts: list[str]) -> list[str]:
    """Where the texts show a missing value as None/nan/NaT or a number in English format:
    each finding with up to 30 characters around it."""
    found = []
    for text in texts:
        for rule in (MISSING, ENGLISH_NUMBER):
            found += [text[max(0, m.start() - 30):m.end() + 30].replace("\n", " ⏎ ")
                      for m in rule.finditer(text)]
    return found


def table_problems(tables: list[dict], width: int) -> list[str]:
    """Declared tables whose key columns are not all in view, whole: each must be among the
    headers Glide lists, and not the last of them while the table scrolls sideways (that one
    may be cut at the right edge); a WHOLE table must not scroll sideways; any table ends
    inside the window."""
    problems = []
    for t in tables:
        if not t["width"] or not t["headers"]:      # in a closed expander or tab
            continue
        if t["right"] > width + 1:
            problems.append(f"table {t['key']} ends at {t['right']:.0f} px, past {width}")
        if t["key"] is None:
            continue
        shown = t["headers"]
        for col in components.declared_keys(t["key"]):
            if col == components.WHOLE:
                if t["scrolls"]:
                    problems.append(f"table {t['key']} scrolls sideways (in view: {shown})")
            elif col not in shown:
                problems.append(f"table {t['key']}: key column {col!r} out of view "
                                f"(in view: {shown})")
            elif t["scrolls"] and col == shown[-1]:
                problems.append(f"table {t['key']}: key column {col!r} cut at the right edge")
    return problems


@pytest.fixture
def sized(browser) -> Iterator[object]:
    """A tab whose size each test sets; Indonesian locale, Jakarta time."""
    with signed_in_tab(browser, {"width": 1920, "height": 1080}) as tab:
        yield tab


def page_problems(tab, title: str, width: int) -> list[str]:
    """Everything wrong with the page on screen (see the module docstring)."""
    tables = tab.evaluate(TABLES_JS)
    seen = tab.evaluate(INPUTS_JS)
    problems = table_problems(tables, width)
    texts = [tab.inner_text("[data-testid='stMain']")] + seen["values"] + [
        c for t in tables for c in t["cells"]]
    problems += [f"reads {t!r}" for t in bad_words(texts)]
    problems += [f"choice cut in its box: {c!r}" for c in seen["cut"]]
    problems += [f"tick labels collide: {c}" for c in tab.evaluate(TICKS_JS)]
    if seen["mainScrolls"]:
        problems.append("the page scrolls sideways")
    return [f"{title} at {width}px: {p}" for p in problems]


# After the window changes size: every drawn chart has been laid out again at its box's
# width (Streamlit passes the new width, plotly redraws), and two frames have been painted.
RESIZED_JS = """() => [...document.querySelectorAll('[data-testid="stPlotlyChart"]')].every(c => {
    const p = c.querySelector('.js-plotly-plot');
    const width = c.getBoundingClientRect().width;
    return !width || (p && p._fullLayout && Math.abs(p._fullLayout.width - width) <= 2);
})"""
FRAMES_JS = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"


def resize(tab, width: int, height: int) -> None:
    """Give the tab another size and wait until the page is laid out again (no rerun: the
    script's output stays; only the layout follows the window)."""
    tab.set_viewport_size({"width": width, "height": height})
    tab.evaluate(FRAMES_JS)
    tab.wait_for_function(RESIZED_JS, timeout=30_000)
    tab.evaluate(FRAMES_JS)


def fit_problems(tab, title: str) -> tuple[int, int, list[str]]:
    """Charts drawn, tile rows seen, and what is cut on a laptop screen: chart titles or
    texts past an edge or into the plot, KPI tile texts ended in '…', tiles of a row of
    unequal height."""
    charts = sum(1 for c in tab.evaluate(CHART_TEXTS_JS) if c["width"] and c["title"])
    problems = [f"{title}: {p}" for p in cut_chart_texts(tab)]
    cut = tab.evaluate(TILES_JS)
    problems += [f"{title}: tile text cut {texts}" for texts in cut if texts]
    problems += [f"{title}: tiles of unequal height {heights}"
                 for heights in tab.evaluate(TILE_HEIGHTS_JS) if max(heights) - min(heights) > 1]
    return charts, len(cut), problems


def test_every_page_opens_and_fits_each_screen(server: Server, national_server: Server,
                                               sized) -> None:
    """Every page of the navigation, opened once by its address and looked at on a laptop
    or projector (1280×720) and on a full-HD screen (1920×1080; the window resized, the page
    not run again):

    * it opens: its own title, no raw error or traceback, no Streamlit menu (English);
    * at 1280 px no chart title, subtitle or text is cut or runs into the plot, no KPI
      tile's text ends in '…', the tiles of a row are of one height;
    * at both sizes: key columns in view, no sideways scrolling, no None/nan/NaT, no English
      numbers, no cut choice, no colliding ticks (``page_problems``);
    * a screenshot at each size goes to test-artifacts/screens/."""
    folder = screens_folder()
    charts, tiles, problems = 0, 0, []
    for i, (file, title, _, _) in enumerate(nav.PAGES, start=1):
        running = national_server if file in nav.ACROSS_REGIONS else server
        sized.set_viewport_size({"width": 1280, "height": 720})
        open_page(sized, running, file, title)
        sized.wait_for_function(RESIZED_JS)             # plotly lays out after the run
        body = sized.inner_text("body")
        if RAW_ERROR.search(body) or sized.query_selector('[data-testid="stException"]'):
            problems.append(f"{title}: raw error {RAW_ERROR.search(body)}")
        # Streamlit's own menu is English (Print, Record screen): hidden by toolbarMode.
        if sized.query_selector('[data-testid="stMainMenuButton"]') is not None:
            problems.append(f"{title}: Streamlit's menu is shown")
        drawn, cut, found = fit_problems(sized, title)
        charts, tiles, problems = charts + drawn, tiles + cut, problems + found
        for size, (width, height) in PAGE_SIZES.items():
            if width != 1280:
                resize(sized, width, height)
            problems += page_problems(sized, title, width)
            sized.screenshot(path=str(folder / f"{size}_{i:02d}_{Path(file).stem}.png"))
    assert charts >= 12 and tiles >= 30, f"only {charts} charts and {tiles} tiles drawn"
    assert not problems, "\n".join(problems)


def test_every_slide_fits_each_screen(server: Server, deck: Deck, browser) -> None:  # noqa: F811
    """Every slide of the deck, opened once and looked at on a projector (1024×768,
    1280×720) and a full-HD screen (1920×1080; the window resized): no Streamlit chrome,
    nothing past the slide's edges or under the control bar, no scrolling, type of at least
    24 px (titles 40 px), no colliding axis labels, no English word of Streamlit's, no
    None/nan/NaT or English number; a screenshot at each size (test-artifacts/screens/)."""
    context = browser.new_context(viewport={"width": 1280, "height": 720},
                                  locale="id-ID", timezone_id="Asia/Jakarta")
    tab = context.new_page()
    tab.set_default_timeout(30_000)
    folder = screens_folder() / "slides"
    folder.mkdir(exist_ok=True)
    problems: list[str] = []
    try:
        total = len(deck.titles)
        for n in range(1, total + 1):
            open_slide(tab, server, deck.meeting_id, n)
            assert counter(tab) == (n, total)
            assert tab.inner_text(".mv-title") == deck.titles[n - 1]
            for testid in ("stSidebar", "stHeader", "stToolbar", "stMainMenuButton",
                           "stStatusWidget", "stDecoration"):
                found = tab.query_selector(f'[data-testid="{testid}"]')
                if found is not None and found.is_visible():
                    problems.append(f"slide {n}: Streamlit's {testid} is shown")
            shown = tab.inner_text("body")
            if ENGLISH.search(shown):
                problems.append(f"slide {n}: English {ENGLISH.search(shown)}")
            for size, (width, height) in DECK_SIZES.items():
                resize(tab, width, height)
                problems += slide_problems(tab, f"slide {n} ({deck.titles[n - 1]}) at {size}",
                                           width, height)
                tab.screenshot(path=str(folder / f"{size}_{n:02d}.png"))
    finally:
        context.close()
    assert not problems, "\n".join(problems)


def slide_problems(tab, where: str, width: int, height: int) -> list[str]:
    """What is wrong with the slide on screen at this size."""
    geo = tab.evaluate(GEOMETRY_JS)
    found = tab.evaluate(SLIDE_JS)
    problems = []
    if geo["slideBottom"] > geo["barTop"] + 1:
        problems.append(f"{where}: runs under the control bar {geo}")
    if geo["scrollWidth"] > width or geo["scrollHeight"] > height + 1:
        problems.append(f"{where}: the page scrolls {geo}")
    if geo["smallest"] < 24 or geo["title"] < 40:
        problems.append(f"{where}: text under 24 px or title under 40 px {geo}")
    problems += [f"{where}: past the slide: {o}" for o in found["out"][:5]]
    problems += [f"{where}: axis labels collide: {c}" for c in found["labels"]]
    problems += [f"{where}: reads {t!r}" for t in bad_words([tab.inner_text(".mv-slide")])]
    return problems


OPERATOR, OPERATOR_PASSWORD = "operator.layar", "uji-layar-2026"


@pytest.fixture(scope="module")
def operator(server: Server) -> str:
    """An operator account bound to the first OPD of the served masterplan; its OPD code."""
    from monev.store import accounts, db, uploads

    with db.opened(server.db_path, read_only=False, retries=20) as con:
        region = str(uploads.active_regions(con)["region_code"].iloc[0])
        opd = str(uploads.masterplan_opds(con, region)["opd_code"].iloc[0])
        if accounts.users(con).query("username == @OPERATOR").empty:
            accounts.add_user(con, OPERATOR, "Operator Uji Layar", "operator",
                              OPERATOR_PASSWORD, opd_code=opd, region_code=region, actor="uji")
    return opd


def test_an_operator_is_told_why_and_offered_only_its_own_opd(server: Server, operator: str,
                                                             browser) -> None:
    """An operator who types an admin page's address lands on Ringkasan with a sentence
    saying why (not Streamlit's English "Page not found"); the template picker of Unggah
    Data offers the operator's own OPD only."""
    context = browser.new_context(viewport={"width": 1280, "height": 720}, locale="id-ID",
                                  timezone_id="Asia/Jakarta")
    tab = context.new_page()
    tab.set_default_timeout(30_000)
    try:
        tab.goto(server.url)
        tab.get_by_label("Nama pengguna").fill(OPERATOR)
        tab.get_by_label("Kata sandi", exact=True).fill(OPERATOR_PASSWORD)
        tab.get_by_role("button", name="Masuk", exact=True).click()
        tab.wait_for_selector("[data-testid='stSidebar'] button:has-text('Keluar')",
                              state="attached")
        tab.goto(server.url + "/pengguna")
        notice = tab.get_by_text(re.compile(r"^Halaman Pengguna hanya dapat dibuka oleh admin "
                                            r"Diskominfo; .* yang ditampilkan adalah "
                                            r"Ringkasan\.$"))
        notice.wait_for()
        tab.wait_for_selector("h1:has-text('Ringkasan')")
        assert "Page not found" not in tab.inner_text("body")
        tab.screenshot(path=str(screens_folder() / "operator_alamat_admin.png"))

        tab.goto(server.url + "/unggah")
        tab.wait_for_selector("h1:has-text('Unggah Data')")
        settle(tab)       # a click during the page's first reruns can be swallowed by one
        tab.get_by_text("1. Unduh template laporan triwulan atau masterplan").click()
        picker = tab.get_by_role("combobox", name="Perangkat Daerah (OPD)")
        picker.wait_for()
        settle(tab)
        picker.click()
        tab.get_by_role("option").first.wait_for()
        options = tab.get_by_role("option").all_inner_texts()
        tab.keyboard.press("Escape")
        assert len(options) == 1, options            # the OPD's name; the button names its code
        tab.get_by_role("button", name=re.compile(rf"^Unduh template laporan {operator} "))\
            .wait_for()
    finally:
        context.close()


def test_the_sidebar_collapses_and_keeps_the_filters(server: Server, sized) -> None:
    """At 1280 px the sidebar is narrow (theme.SIDEBAR_PX); collapsed, the main column takes
    the width; opened again, the year chosen is still chosen."""
    from monev.ui.theme import SIDEBAR_PX

    sized.set_viewport_size({"width": 1280, "height": 720})
    open_page(sized, server, "pages/capaian.py", "Capaian Program")
    sidebar = sized.locator('[data-testid="stSidebar"]')
    assert abs(sidebar.bounding_box()["width"] - SIDEBAR_PX) <= 1
    year = sized.get_by_role("combobox", name="Tahun")
    chosen = year.input_value()
    main = sized.locator('[data-testid="stMainBlockContainer"]')
    narrow = main.bounding_box()["width"]
    sized.hover('[data-testid="stSidebar"]')
    sized.locator('[data-testid="stSidebarCollapseButton"] button').click()
    sized.wait_for_function("() => document.querySelector('[data-testid=\"stSidebar\"]')"
                            ".getAttribute('data-collapsed') === 'true'")
    sized.wait_for_function(f"() => document.querySelector("
                            f"'[data-testid=\"stMainBlockContainer\"]').getBoundingClientRect()"
                            f".width > {narrow + SIDEBAR_PX / 2}")
    sized.locator('[data-testid="stExpandSidebarButton"]').click()
    sized.wait_for_function("() => document.querySelector('[data-testid=\"stSidebar\"]')"
                            ".getAttribute('data-collapsed') === 'false'")
    assert sized.get_by_role("combobox", name="Tahun").input_value() == chosen


def test_the_checks_catch_what_they_look_for() -> None:
    """The text rules find the words of issue 28 and pass Indonesian writing."""
    assert bad_words(["-12.0", "Nilai 91.0", "None", "1,234.5", "60.1%", "NaT", "nan"]) == [
        "-12.0", "Nilai 91.0", "None", "1,234.5", "60.1%", "NaT", "nan"]
    assert bad_words(["-12", "91", "60,1%", "1.234,5", "30 September 2025 14.05",
                      "Rp 1,5 M", "TW III 2026", "Nonek", "kanan", "GOV-01.1 · Dataset",
                      "LIV-02.3"]) == []
    tables = [{"key": "rk_lagging", "width": 700, "right": 1200, "scrolls": True,
               "headers": ["Kode", "Program", "Dimensi"], "cells": []}]
    found = table_problems(tables, 1280)
    assert any("'Capaian' out of view" in p for p in found), found
    tables[0]["headers"] = ["Program", "Capaian", "Pita"]
    assert [p for p in table_problems(tables, 1280) if "cut" in p] == [
        "table rk_lagging: key column 'Pita' cut at the right edge"]
    tables[0]["headers"] = ["Program", "Capaian", "Pita", "Kode"]
    assert table_problems(tables, 1280) == []


__all__ = ["url_of"]
