"""Hostile workbooks chosen on Unggah Data: the served app refuses them and keeps serving.

The attacks of the hardening issue, through the real file input of the real server: a report
with one cell at XFD1048576 (it used to abort the whole Streamlit process), an .xls with a
cell at row 65536, column 256 (5 GB and 77 s of openpyxl), and a report with 2,050 problems to
mark (146 s of quadratic marking). While each is checked, a second user opens a page; after
it, the server still answers. How long the second user waits is measured by the benchmark
(``python -m bench``), not here.
"""

from __future__ import annotations

import io
import urllib.request

import openpyxl
import pytest

from tests.browser.conftest import Server, sign_in
from tests.browser.test_pages_in_browser import assert_no_raw_errors, open_page, upload
from tests.formats import grids_of, to_xls


def far_cell(xlsx: bytes) -> bytes:
    wb = openpyxl.load_workbook(io.BytesIO(xlsx))
    wb["Realisasi Kinerja"]["XFD1048576"] = "x"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def far_cell_xls(xlsx: bytes) -> bytes:
    grids = grids_of(xlsx)
    grid = grids["Realisasi Kinerja"]
    grid.extend([] for _ in range(65536 - len(grid)))
    grid[65535] = [None] * 255 + ["x"]
    return to_xls(grids)


def many_problems(xlsx: bytes, n: int = 2050) -> bytes:
    wb = openpyxl.load_workbook(io.BytesIO(xlsx))
    ws = wb["Realisasi Kinerja"]
    template = [c.value for c in ws[ws.max_row]]
    for _ in range(n):
        ws.append([*template[:-1], "salah"] if template else ["salah"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def healthy(server: Server) -> bool:
    with urllib.request.urlopen(server.url + "/_stcore/health", timeout=10) as response:
        return response.status == 200 and response.read() == b"ok"


HOSTILE = {
    "sel_jauh.xlsx": (far_cell, "terlalu besar untuk dibaca dengan aman"),
    "sel_jauh.xls": (far_cell_xls, "melebihi batas"),
    "banyak_masalah.xlsx": (many_problems, "masalah ditemukan"),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_a_hostile_upload_is_refused_while_another_user_is_served(
        server: Server, page, browser, name: str) -> None:
    make, said = HOSTILE[name]
    content = make(server.workbooks.good)
    open_page(page, server, "pages/unggah.py", "Unggah Data")
    upload(page, name, content)
    # A second user, in another browser context, opens a page while the file is checked.
    other = browser.new_context(viewport={"width": 1280, "height": 720}, locale="id-ID")
    try:
        tab = other.new_page()
        tab.goto(server.url + "/kelengkapan")
        sign_in(tab)
        tab.wait_for_selector("h1", timeout=60_000)
        assert_no_raw_errors(tab)
    finally:
        other.close()
    page.wait_for_selector("text=Hasil uji coba", timeout=120_000)
    page.wait_for_selector(f"text=/Ditolak: .* di {name}/", timeout=120_000)
    page.wait_for_selector(f"text=/{said}/", state="attached")  # in the problems table
    assert page.get_by_role("button", name="Muat ke database").is_disabled()
    assert_no_raw_errors(page)
    assert healthy(server)
    log = server.log.read_text()
    assert "memory allocation" not in log or "Traceback" not in log
