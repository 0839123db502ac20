"""The public page: reachable without an account, read-only, nothing internal on it (Chromium
reads every text), off by default and unreachable when switched off; every other page still
asks for sign-in."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from monev.store import db
from monev.store import evaluation as store
from monev.ui import nav
from tests.app.dbs import copy_database

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app.py"
CHROMIUM = Path("/usr/bin/chromium")
REGION = "35.23"
OFF = "Halaman publik belum dibuka oleh pemerintah daerah."
# Words of the app's internals that must never reach a resident.
INTERNAL = ("kendala", "tindak lanjut", ".xlsx", "admin", "operator", "unggah", "keluar",
            "masuk sebagai", "kata sandi", "nama pengguna", "muatan", "audit", "cadangan",
            "pengguna", "pptk", "demo-monev")


@pytest.mark.signed_out
def test_every_other_page_asks_for_sign_in(mp_db):
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    for file, title, _, _ in nav.PAGES:
        if file in nav.PUBLIC:
            continue
        at.switch_page(file).run()
        assert not at.exception, (file, [e.value for e in at.exception])
        assert [t.label for t in at.text_input][:2] == ["Nama pengguna", "Kata sandi"], file
        assert title not in [t.value for t in at.title], file


@pytest.mark.signed_out
def test_the_public_page_is_off_by_default(demo_db):
    at = AppTest.from_file(str(APP), default_timeout=90).run()
    at.switch_page("pages/publik.py").run()
    assert not at.exception
    assert [i.value for i in at.info] == [OFF]
    assert not at.text_input and not at.table


@pytest.fixture(scope="module")
def public_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    if not CHROMIUM.exists() and not os.environ.get("CI"):
        pytest.skip("/usr/bin/chromium tidak ada")
    from tests.app.dbs import demo_source
    from tests.browser.conftest import _serving

    base = tmp_path_factory.mktemp("publik")
    path = copy_database(demo_source(tmp_path_factory), base / "demo" / "monev.duckdb")
    with db.opened(path) as con:
        store.set_public(con, REGION, True, actor="admin.uji")
        kendala = [k for (k,) in con.execute(
            "SELECT DISTINCT kendala FROM program_progress WHERE kendala IS NOT NULL "
            "AND length(kendala) > 12").fetchall()]
        files = [f for (f,) in con.execute("SELECT DISTINCT file_name FROM load").fetchall()]
    with _serving(path, None, base, "publik") as running:
        running.kendala, running.files = kendala, files  # type: ignore[attr-defined]
        yield running


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM_ARGS

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def _open(chromium, url: str, ready: str) -> tuple[object, str]:
    context = chromium.new_context(viewport={"width": 1280, "height": 800}, locale="id-ID")
    tab = context.new_page()
    tab.set_default_timeout(60_000)
    tab.goto(url)
    tab.wait_for_selector(ready)
    return tab, tab.inner_text("body")


@pytest.mark.browser
def test_the_public_page_shows_no_internal_field(public_server, chromium):
    tab, text = _open(chromium, f"{public_server.url}/publik",
                      "text=Program tahun ini >> xpath=following::table[1]")
    try:
        assert "Smart City Kabupaten Tuban" in text
        assert "Kemajuan per bidang" in text and "Smart Governance" in text
        assert "Satu Data Tuban" in text  # a program of the masterplan
        lower = text.lower()  # whole words: "Keluarga Berencana" is not "Keluar"
        assert [w for w in INTERNAL if re.search(rf"(?<!\w){re.escape(w)}(?!\w)", lower)] == []
        assert [k for k in public_server.kendala if k in text] == []
        assert [f for f in public_server.files if f in text] == []
        # read-only: nothing to type, upload or sign into; no navigation to other pages
        assert tab.locator("input, textarea, [data-testid='stFileUploader']").count() == 0
        assert tab.locator("[data-testid='stSidebarNav']").count() == 0
        assert tab.locator("a[href]:not([href^='#'])").count() == 0
    finally:
        tab.context.close()


@pytest.mark.browser
def test_switched_off_it_is_not_reachable(public_server, chromium):
    with db.opened(public_server.db_path) as con:
        store.set_public(con, REGION, False, actor="admin.uji")
    try:
        tab, text = _open(chromium, f"{public_server.url}/publik", f"text={OFF}")
        tab.context.close()
        assert OFF in text
        assert "Satu Data Tuban" not in text and "Smart Governance" not in text
    finally:
        with db.opened(public_server.db_path) as con:
            store.set_public(con, REGION, True, actor="admin.uji")


def _survey_csv(rows: list[tuple[str, int]]) -> bytes:
    lines = ["Timestamp,Kode Program,Seberapa puas Anda? (1-5),Saran"]
    lines += [f"01/10/2026 10:00:00,{code},{score}," for code, score in rows]
    return "\n".join(lines).encode("utf-8-sig")


def _upload(tab, name: str, content: bytes, button: str) -> None:
    tab.locator("[data-testid='stFileUploader'] input[type=file]").first.set_input_files(
        {"name": name, "mimeType": "text/csv", "buffer": content})
    tab.wait_for_selector(f"[data-testid='stFileChipName']:has-text('{name}')")
    tab.get_by_role("button", name=button, exact=True).click()


@pytest.mark.browser
def test_a_survey_is_checked_and_loaded_on_the_page(public_server, chromium):
    from tests.browser.conftest import sign_in

    context = chromium.new_context(viewport={"width": 1280, "height": 1600}, locale="id-ID")
    tab = context.new_page()
    tab.set_default_timeout(90_000)
    try:
        tab.goto(f"{public_server.url}/evaluasi")
        sign_in(tab)
        tab.get_by_text("Impor survei warga (Impact)").click()
        bad = _survey_csv([("GOV-01", 4), ("XYZ-99", 5)])
        _upload(tab, "survei_salah.csv", bad, "Uji coba")
        tab.wait_for_selector("text=/Ditolak: 1 masalah ditemukan di survei_salah.csv/")
        with db.opened(public_server.db_path, read_only=True) as con:
            before = con.execute("SELECT count(*) FROM eval_survey").fetchone()[0]
        good = _survey_csv([(code, 4) for code in ("GOV-01", "SOC-01") for _ in range(50)])
        _upload(tab, "survei_baru.csv", good, "Muat survei")
        tab.wait_for_selector("text=/Berhasil memuat survei warga 2026: 100 jawaban/")
        with db.opened(public_server.db_path, read_only=True) as con:
            active = store.active_survey(con, REGION, 2026)
            after = con.execute("SELECT count(*) FROM eval_survey").fetchone()[0]
        assert after == before + 1 and active["file_name"] == "survei_baru.csv"
    finally:
        context.close()


@pytest.mark.signed_out
def test_names_from_workbooks_reach_the_public_tables_inert(mp_db):
    hostile = "![x](http://penyerang.example/x.png) [klik](javascript:alert(1)) <b>tebal</b>"
    with db.opened(mp_db) as con:
        con.execute("UPDATE program SET name = ? WHERE program_code = 'GOV-01'", [hostile])
        store.set_public(con, REGION, True, actor="admin.uji")
    at = AppTest.from_file(str(APP), default_timeout=90).run()
    at.switch_page("pages/publik.py").run()
    assert not at.exception, [e.value for e in at.exception]
    cells = [str(v) for t in at.table for v in t.value.to_numpy().ravel()]
    shown = [c for c in cells if "penyerang" in c]
    assert shown, cells
    # every Markdown and HTML character escaped: st.table draws its cells as Markdown
    assert all("\\!\\[x\\]\\(http" in c and "\\<b\\>" in c for c in shown), shown


@pytest.mark.browser
def test_evidence_is_checked_by_its_bytes_on_the_page(public_server, chromium):
    from tests.browser.conftest import sign_in

    context = chromium.new_context(viewport={"width": 1280, "height": 1600}, locale="id-ID")
    tab = context.new_page()
    tab.set_default_timeout(90_000)
    uploader = ("[data-testid='stFileUploader']:has-text('Dokumen (PDF') "
                "input[type=file]")
    try:
        tab.goto(f"{public_server.url}/evaluasi")
        sign_in(tab)
        tab.get_by_text("Tambah bukti").click()
        tab.locator(uploader).set_input_files({"name": "sk-dewan.pdf", "mimeType":
                                               "application/pdf",
                                               "buffer": b"<html><script>x</script></html>"})
        tab.wait_for_selector("[data-testid='stFileChipName']:has-text('sk-dewan.pdf')")
        tab.get_by_role("button", name="Simpan bukti").click()
        tab.wait_for_selector("text=/Bukti tidak disimpan: Dokumen bukti harus PDF, PNG atau "
                              "JPEG/")
        with db.opened(public_server.db_path, read_only=True) as con:
            assert store.evidence(con, REGION, 2026).empty
        tab.locator(uploader).set_input_files({"name": "sk-dewan.pdf", "mimeType":
                                               "application/pdf", "buffer": b"%PDF-1.4\n%%EOF"})
        tab.wait_for_selector("[data-testid='stFileChipName']:has-text('sk-dewan.pdf')")
        tab.get_by_role("button", name="Simpan bukti").click()
        tab.wait_for_selector("text=Bukti disimpan.")
        tab.wait_for_selector("button:has-text('Unduh bukti: sk-dewan.pdf')")
        with db.opened(public_server.db_path, read_only=True) as con:
            kept = store.evidence(con, REGION, 2026)
        assert kept[["item", "file_type", "file_name"]].values.tolist() == [
            ["dasar_hukum", "pdf", "sk-dewan.pdf"]]
    finally:
        context.close()
