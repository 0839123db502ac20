"""Markdown injection: user texts are drawn as text, never as Markdown.

Pages run in AppTest against a database whose user texts carry Markdown images, links, code
spans, HTML, LaTeX and colour directives (tests/security/hostile_db.py). Every element that
Streamlit renders as Markdown (markdown, captions, alerts, headings, expander and tab labels,
metric labels and help, button labels) is collected: the hostile texts appear there only in
their escaped form (``monev.ui.format.md_text``), so no image can be fetched and no link
clicked. ``md_text`` itself is checked in a real browser in
tests/browser/test_hostile_text_in_browser.py.
"""

from __future__ import annotations

import json
import re
import string
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from monev.ui.format import md_text
from tests.app.conftest import (  # noqa: F401 - the app tests' autouse fixtures, used here
    _clear_streamlit_caches,
    _navigation_mode,
    _signed_in,
)
from tests.security import hostile_db as h
from tests.security.hostile_db import (  # noqa: F401 - the fixtures 'built', 'hostile'
    built_hostile,
    hostile_app,
)

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app.py"
TIMEOUT = 60
PAGES = ["pages/ringkasan.py", "pages/capaian.py", "pages/tertinggal.py",
         "pages/kelengkapan.py", "pages/kolaborasi.py", "pages/desa.py", "pages/anggaran.py",
         "pages/riwayat.py", "pages/audit.py", "pages/rapat.py"]




def run_page(page: str) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def rendered(at: AppTest) -> str:
    """Every text of the run that Streamlit draws as Markdown, one per line."""
    parts: list[str] = []
    for kind in ("markdown", "caption", "info", "warning", "error", "success", "title",
                 "header", "subheader", "toast"):
        parts += [str(e.value) for e in at.get(kind)]
    parts += [e.label for e in at.expander] + [t.label for t in at.tabs]
    for kind in ("metric", "button", "download_button", "toggle", "checkbox"):
        for e in at.get(kind):
            parts += [getattr(e.proto, "label", ""), getattr(e.proto, "help", "")]
    return "\n".join(p for p in parts if p)


def assert_no_live_markdown(text: str) -> None:
    """No image, link, code span, HTML or bare address can form from a user text."""
    assert "evil.test" not in text, "an address reached Markdown unescaped"
    for live in ("![", "](", "$x$", ":red["):
        assert live not in text, live
    for live in (r"<img", r"<a\s", r"`"):
        assert not re.search(r"(?<!\\)" + live, text), live


@pytest.mark.parametrize("page", PAGES)
def test_no_page_draws_user_text_as_markdown(hostile: Path, page: str) -> None:
    assert_no_live_markdown(rendered(run_page(page)))


def test_ringkasan_shows_the_file_name_and_uploader_as_text(hostile: Path) -> None:
    text = rendered(run_page("pages/ringkasan.py"))
    assert_no_live_markdown(text)
    for shown in (h.FILE_NAME, h.UPLOADER):
        assert md_text(shown) in text, shown
    assert "`" + h.FILE_NAME not in text    # the code span it used to break out of is gone


def test_tertinggal_detail_card_shows_kendala_and_tindak_lanjut_as_text(hostile: Path) -> None:
    at = run_page("pages/tertinggal.py")
    table = at.dataframe[0].value
    row = table.index[table["Kendala"] == h.KENDALA].tolist()
    assert row, table["Kendala"].tolist()
    at.session_state["tt_table"] = {"selection": {"rows": [int(row[0])], "columns": []}}
    text = rendered(at.run())
    assert_no_live_markdown(text)
    for shown in (h.KENDALA, h.TINDAK_LANJUT, h.PROGRAM.strip(), h.OPD_SHORT):
        assert md_text(shown) in text, shown


def test_capaian_program_heading_and_opd_line_are_text(hostile: Path) -> None:
    text = rendered(run_page("pages/capaian.py"))
    assert_no_live_markdown(text)
    assert f"GOV\\-01 {md_text(h.PROGRAM)}" in text        # the program's heading
    assert md_text(h.OPD_SHORT) in text                     # its lead OPD


@pytest.mark.signed_in_as("pimpinan")
def test_rapat_title_chair_and_maker_are_text(hostile: Path) -> None:
    at = run_page("pages/rapat.py")
    text = rendered(at)
    assert_no_live_markdown(text)
    assert md_text(h.MEETING_TITLE) in [s.value for s in at.subheader]
    for shown in (h.CHAIR, h.USER):
        assert md_text(shown) in text, shown


def test_presentation_slides_escape_html(hostile: Path) -> None:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()
    at.query_params["rapat"] = "1"
    at.switch_page("pages/presentasi.py").run()
    slides = []
    for _ in range(12):
        slides += [x.value for x in at.html if "mv-slide" in x.value]
        if at.button(key="pres_next").disabled:
            break
        at.button(key="pres_next").click().run()
    assert slides
    html = "\n".join(slides)
    assert not re.search(r"<[^>]*evil\.test", html), "a user text became a tag"
    assert "&lt;img src=http://evil.test/i.png&gt;" in html     # the program name, as text
    assert_no_live_markdown(rendered(at))


@pytest.mark.parametrize("page", ["pages/capaian.py", "pages/kolaborasi.py",
                                  "pages/ringkasan.py", "pages/kelengkapan.py"])
def test_chart_texts_hold_no_link(hostile: Path, page: str) -> None:
    """Plotly draws <a href> in titles, labels and hovers as a link: names from uploaded
    files reach the charts with the tag written as text ('&lt;a')."""
    specs = [el.proto.spec for el in run_page(page).get("plotly_chart")]
    assert specs
    joined = "\n".join(json.dumps(json.loads(s), ensure_ascii=False) for s in specs)
    assert not re.search(r"<\s*/?\s*a(?![a-z0-9])", joined, re.I), "a live <a> tag"
    if page in ("pages/capaian.py", "pages/kolaborasi.py"):
        assert "&lt;a href='http://evil.test/" in joined    # the hostile name got there


# ---------------------------------------------------------------- md_text itself

@pytest.mark.parametrize("raw", [
    "![t](http://evil.test/x.png)", "[klik](http://evil.test)", "`kode`", "**tebal**",
    "<img src=x>", "$x^2$", ":red[merah]", "1. satu", "- butir", "> kutip", "# judul",
    "a | b", "~~coret~~", "&lt;", "\\*", "http://evil.test", "www.evil.test",
    "surat@evil.test", ":material/home:",
])
def test_md_text_escapes_every_markdown_sign(raw: str) -> None:
    out = md_text(raw)
    for ch in set(raw) & set(string.punctuation):
        assert f"\\{ch}" in out, ch                      # every sign escaped
    assert out.replace("\u2060", "").replace("\\", "") == raw.replace("\\", "")


def test_md_text_keeps_one_line_and_plain_words() -> None:
    assert md_text("Jaringan lambat") == "Jaringan lambat"
    assert md_text("a\n\n    kode\r\n# b") == "a kode \\# b"
    assert md_text(None) == "–" and md_text(float("nan")) == "–" and md_text("nan") == "nan"
    assert md_text(12) == "12"
