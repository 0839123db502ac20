"""Formula injection: every download a page offers is inert in a spreadsheet.

A database holds hostile texts in each source a user controls (tests/security/hostile_db.py:
a user name, the uploader, kendala, tindak lanjut, a file name, masterplan names, a meeting's
title and decision). Each page runs in AppTest; every download button it draws is captured with
the data it would send (the same callable Streamlit calls on a click), and the bytes are read
back: the .xlsx with openpyxl (no formula cell, no text that a spreadsheet would run), the CSV
with the csv module, split on ';' as Indonesian Excel does and on ',' as an en-US Excel does.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import streamlit as st
from streamlit.delta_generator import DeltaGenerator
from streamlit.testing.v1 import AppTest

from monev import export
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
# Written here, not imported: what a spreadsheet reads as a formula (OWASP CSV injection).
STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
SIGNED_NUMBER = re.compile(r"[-+]\d[\d.,]*%?")


def live(text: str) -> bool:
    """Would Excel or LibreOffice evaluate this text as a formula?"""
    starts = text.startswith(STARTS) or text.lstrip().startswith(STARTS)
    return starts and not SIGNED_NUMBER.fullmatch(text)


@dataclass
class Download:
    label: str
    file_name: str
    content: bytes




@pytest.fixture
def offered(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, str, object]]]:
    """Every download button drawn while the test runs: (label, file name, data or the
    callable that makes it)."""
    seen: list[tuple[str, str, object]] = []
    original = DeltaGenerator.download_button

    def record(self: DeltaGenerator, label: str, data: object, *args: object,
               **kwargs: object) -> bool:
        seen.append((label, str(kwargs.get("file_name")), data))
        return original(self, label, data, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(DeltaGenerator, "download_button", record)
    monkeypatch.setattr(st, "download_button",
                        lambda *a, **k: record(st._main, *a, **k))  # noqa: SLF001
    yield seen


def fetched(seen: list[tuple[str, str, object]]) -> list[Download]:
    """What a click on each button downloads."""
    out = []
    for label, name, data in seen:
        content = data() if callable(data) else data
        out.append(Download(label, name, content if isinstance(content, bytes)
                            else str(content).encode()))
    return out


def run_page(page: str, seen: list) -> AppTest:
    """The app run once, then switched to ``page``; ``seen`` keeps only that page's buttons."""
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()
    seen.clear()
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def xlsx_texts(content: bytes) -> list[str]:
    """Every text cell of every sheet, after checking that no cell is a formula."""
    wb = openpyxl.load_workbook(io.BytesIO(content))
    texts = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    texts.append(cell.value)
    return texts


def csv_fields(content: bytes, delimiter: str) -> list[str]:
    return [f for row in csv.reader(io.StringIO(content.decode("utf-8-sig")),
                                    delimiter=delimiter) for f in row]


def assert_inert(downloads: list[Download]) -> list[str]:
    """Every spreadsheet download is inert; returns every text written in them."""
    assert downloads, "the page offers downloads"
    everything: list[str] = []
    for d in downloads:
        if d.file_name.endswith(".xlsx"):
            texts = xlsx_texts(d.content)
        elif d.file_name.endswith(".csv"):
            texts = csv_fields(d.content, ";")
            for field in csv_fields(d.content, ","):   # an en-US Excel splits on ','
                assert not live(field), (d.file_name, field)
        else:
            continue
        bad = [t for t in texts if live(t)]
        assert not bad, (d.file_name, bad)
        everything += texts
    return everything


def test_jejak_audit_neutralises_user_names_and_file_names(hostile: Path, offered) -> None:
    run_page("pages/audit.py", offered)
    downloads = fetched(offered)
    assert sorted(d.file_name for d in downloads) == ["jejak-audit.csv", "jejak-audit.xlsx"]
    for d in downloads:
        texts = assert_inert([d])
        for text in (h.USER, h.UPLOADER, h.FILE_NAME):   # Pengguna and Sasaran columns
            assert "'" + text in texts, (d.file_name, text)


def test_target_tertinggal_neutralises_kendala_tindak_lanjut_and_names(hostile: Path,
                                                                       offered) -> None:
    run_page("pages/tertinggal.py", offered)
    downloads = fetched(offered)
    assert {d.file_name for d in downloads} == {"target_tertinggal_2025_tw1.csv",
                                                "target_tertinggal_2025_tw1.xlsx"}
    for d in downloads:
        texts = assert_inert([d])
        for text in (h.KENDALA, h.TINDAK_LANJUT, h.OPD_SHORT):
            assert "'" + text in texts, (d.file_name, text)


def test_riwayat_unggah_neutralises_file_names_and_uploaders(hostile: Path, offered) -> None:
    run_page("pages/riwayat.py", offered)
    downloads = fetched([o for o in offered if o[1].startswith("riwayat_unggah")])
    assert len(downloads) == 2
    for d in downloads:
        texts = assert_inert([d])
        assert "'" + h.FILE_NAME in texts and "'" + h.UPLOADER in texts
    # numbers stay numbers: the load numbers are numeric cells, not text
    ws = openpyxl.load_workbook(io.BytesIO(
        next(d.content for d in downloads if d.file_name.endswith(".xlsx")))).active
    assert ws.cell(1, 1).value == "No. Muatan"
    assert [ws.cell(r, 1).data_type for r in range(2, ws.max_row + 1)] == ["n", "n"]


@pytest.mark.parametrize("page", ["pages/ringkasan.py", "pages/capaian.py",
                                  "pages/kelengkapan.py", "pages/kolaborasi.py"])
def test_every_other_page_download_is_inert(hostile: Path, offered, page: str) -> None:
    run_page(page, offered)
    texts = assert_inert(fetched(offered))
    assert any(t.startswith("'") for t in texts), "a hostile text reached the download"


@pytest.mark.signed_in_as("pimpinan")
def test_the_evaluation_report_workbook_is_inert(hostile: Path, offered) -> None:
    at = run_page("pages/rapat.py", offered)
    at.button(key="siapkan_xlsx").click().run()
    assert not at.exception and not at.error
    report = [d for d in fetched(offered) if d.file_name.endswith(".xlsx")]
    assert len(report) == 1
    texts = assert_inert(report)
    for text in (h.KENDALA, h.MEETING_TITLE, h.DECISION):
        assert any(t.startswith("'") and text in t for t in texts), text


# ---------------------------------------------------------------- the writer itself

@pytest.mark.parametrize(("raw", "safe"), [
    ("\uff1dHYPERLINK(1)", "'\uff1dHYPERLINK(1)"),        # full-width equals sign
    ("  =1+1", "'  =1+1"), ("\n@SUM(1)", "'\n@SUM(1)"),     # after leading blanks
    ("\x01=1+1", "\ufffd=1+1"),     # a control character an .xlsx cannot hold, made visible
    ("-3,5%", "-3,5%"), ("-1.234,5", "-1.234,5"),          # signed numbers written as text
    ("-1+1", "'-1+1"), ("-A1", "'-A1"), ("+62 812", "'+62 812"),
    ("Jalan rusak; =1+1", "Jalan rusak; =1+1"),            # not at the start: quoted in CSV
])
def test_neutralise_more_starts(raw: str, safe: str) -> None:
    assert export.neutralise(raw) == safe


def test_numbers_dates_and_every_text_column_kind() -> None:
    df = pd.DataFrame({
        "=judul": ["=1+1", "teks"],
        "Kategori": pd.Categorical(["@x", "y"]),
        "Teks": pd.array(["+1+1", None], dtype="string"),
        "Nilai": [-3.0, 2.5], "Jumlah": [-4, 7],
        "Waktu": pd.to_datetime(["2026-11-23 10:00", None]).tz_localize("Asia/Jakarta"),
        "Campur": ["-x", -1.5],
    })
    wb = openpyxl.load_workbook(io.BytesIO(export.xlsx_bytes(df)))
    ws = wb.active
    assert [c.value for c in ws[1]] == ["'=judul", "Kategori", "Teks", "Nilai", "Jumlah",
                                        "Waktu", "Campur"]
    assert [c.value for c in ws[2]][:5] == ["'=1+1", "'@x", "'+1+1", -3.0, -4]
    assert [c.data_type for c in ws[2]][3:5] == ["n", "n"]
    assert ws["F2"].value == pd.Timestamp("2026-11-23 10:00").to_pydatetime()  # wall time
    assert (ws["G2"].value, ws["G3"].value) == ("'-x", -1.5)
    assert ws["C3"].value is None and ws["F3"].value is None
    rows = list(csv.reader(io.StringIO(export.csv_bytes(df).decode("utf-8-sig")),
                           delimiter=";"))
    assert rows[0][0] == "'=judul" and rows[1][:5] == ["'=1+1", "'@x", "'+1+1", "-3,0", "-4"]


def test_text_is_never_a_formula_cell_even_unneutralised(monkeypatch) -> None:
    """Belt and braces: the .xlsx writes text as string cells whatever neutralise did."""
    monkeypatch.setattr(export, "neutralise", lambda v: v)
    df = pd.DataFrame({"Kendala": ["=HYPERLINK(\"http://evil.test\",\"klik\")"]})
    wb = openpyxl.load_workbook(io.BytesIO(export.frames_to_xlsx({"Data": df}, "=Judul")))
    cells = [c for row in wb.active.iter_rows() for c in row if c.value is not None]
    assert cells and all(c.data_type == "s" for c in cells)
