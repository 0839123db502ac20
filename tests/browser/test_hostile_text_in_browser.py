"""User texts carrying Markdown, HTML and links, in the real app in Chromium: they read as
typed, no address of theirs is fetched (no tracking beacon) and none is a link (no phishing),
in the page's Markdown and in its charts. The database: tests/security/hostile_db.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.conftest import Server, _serving
from tests.security import hostile_db as h

LINKS_JS = """() => Array.from(document.querySelectorAll('a, [href], [src]')).map(
    e => e.getAttribute('href') || e.getAttribute('xlink:href') || e.getAttribute('src') || '')"""


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    base = tmp_path_factory.mktemp("browser-hostile")
    path = h.build_hostile(base / "db" / "monev.duckdb")
    with _serving(path, None, base, "browser-hostile") as running:
        yield running


def shown_text(page) -> str:
    """The page's visible text, without the invisible word joiners md_text adds."""
    return page.inner_text("[data-testid='stMain']").replace("\u2060", "")


def assert_nothing_external(page, requested: list[str]) -> None:
    refs = [r for r in page.evaluate(LINKS_JS) if "evil.test" in r]
    assert not refs, refs
    assert not [u for u in requested if "evil.test" in u], "an address was fetched"


def test_hostile_texts_read_as_typed_and_lead_nowhere(hostile_server: Server, page,
                                                      screenshots: Path) -> None:
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))

    page.goto(hostile_server.url + "/")                       # Ringkasan
    page.get_by_text("Kemutakhiran data").wait_for(timeout=60_000)
    assert h.FILE_NAME in shown_text(page) and h.UPLOADER in shown_text(page)
    assert_nothing_external(page, requested)

    page.goto(hostile_server.url + "/capaian")                # heading, OPD line, charts
    page.locator("h3", has_text="Satu Data").first.wait_for(timeout=60_000)
    page.locator(".js-plotly-plot .main-svg").first.wait_for(timeout=60_000)
    text = shown_text(page)
    assert f"GOV-01 {h.PROGRAM.strip()}" in text
    assert h.OPD_SHORT in text
    assert_nothing_external(page, requested)
    page.screenshot(path=str(screenshots / "hostile-capaian.png"), full_page=True)

    page.goto(hostile_server.url + "/rapat")                  # title, chair, maker
    page.locator("h3", has_text="=Rapat").first.wait_for(timeout=60_000)
    text = shown_text(page)
    assert h.MEETING_TITLE in text and h.CHAIR in text
    assert_nothing_external(page, requested)
