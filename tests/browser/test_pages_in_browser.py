"""The real app in headless Chromium: uploads work through the file input, history, sign-in
across tabs, settings and backups through their pages. Every page opening and fitting each
screen is tests/browser/test_screens.py (one walk for every size).

Screenshots at 1920×1080 go to test-artifacts/screenshots/ for a person to look at.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import openpyxl

from monev.domain.text import tw_label
from monev.ui import nav
from tests.browser.conftest import NAV, Server

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
RAW_ERROR = re.compile(r"Traceback|Exception|Error:|IOException|Could not set lock|KeyError")
OWN_TITLES = {"pages/unggah.py": "Unggah Data", "pages/riwayat.py": "Riwayat Unggah"}


def url_of(server: Server, file: str) -> str:
    """The page's URL: the default page is the root."""
    return server.url + "/" + ("" if file == nav.PAGES[0][0] else Path(file).stem)


QUIET_JS = """() => {
    if (!window.__monevObserver) {
        window.__monevLast = Date.now();
        window.__monevObserver = new MutationObserver(() => { window.__monevLast = Date.now(); });
        window.__monevObserver.observe(document.body, {subtree: true, childList: true,
                                                       attributes: true, characterData: true});
    }
    return Date.now() - window.__monevLast > 1500;
}"""


def settle(page) -> None:
    """Wait until Streamlit has finished the script run and drawn it: no running indicator,
    no stale or skeleton element, and no change to the page for 1.5 s."""
    page.wait_for_selector('[data-testid="stStatusWidget"]', state="hidden", timeout=60_000)
    page.wait_for_function("() => !document.querySelector('[data-stale=\"true\"]')",
                           timeout=60_000)
    page.wait_for_selector('[data-testid="stSkeleton"]', state="hidden", timeout=60_000)
    page.wait_for_function(QUIET_JS, polling=250, timeout=90_000)


def open_page(page, server: Server, file: str, title: str) -> None:
    """Go to a page and wait for its own title (not just the load event)."""
    page.goto(url_of(server, file))
    own = OWN_TITLES.get(file)
    page.wait_for_selector(f"h1:has-text('{own}')" if own else "h1", timeout=60_000)
    page.wait_for_selector(f'[data-testid="stSidebarNav"] >> text="{title}"')
    settle(page)


def assert_no_raw_errors(page) -> None:
    body = page.inner_text("body")
    assert not RAW_ERROR.search(body), RAW_ERROR.search(body)
    assert page.query_selector('[data-testid="stException"]') is None


def upload(page, name: str, content: bytes) -> None:
    """Choose a file in the real file input of the uploader."""
    page.set_input_files('[data-testid="stFileUploaderDropzoneInput"]',
                         files=[{"name": name, "mimeType": XLSX, "buffer": content}])


def test_deep_link_on_a_fresh_server_goes_through_the_router(server: Server, page) -> None:
    """The session's first request is a bookmark of /riwayat (keep this test first): it must
    run through app.py (navigation by title), not Streamlit's legacy pages/ mode."""
    open_page(page, server, "pages/riwayat.py", "Riwayat Unggah")
    links = page.inner_text('[data-testid="stSidebarNav"]')
    assert "Unggah Data" in links and "\nunggah\n" not in f"\n{links}\n"


def test_comparison_page_on_several_regions(national_server: Server, page,
                                           screenshots: Path) -> None:
    """Three regencies loaded: Perbandingan Wilayah is listed, draws its charts and its table,
    and the Wilayah filter is not shown there."""
    open_page(page, national_server, "pages/wilayah.py", "Perbandingan Wilayah")
    assert_no_raw_errors(page)
    assert page.locator('[data-testid="stPlotlyChart"]').count() >= 2
    assert page.locator('[data-testid="stDataFrame"]').count() >= 1
    sidebar = page.inner_text('[data-testid="stSidebarUserContent"]')
    assert "Tahun" in sidebar and "Wilayah" not in sidebar
    body = page.inner_text("body")
    assert "Per kabupaten/kota" in body and "Median capaian" in body
    page.screenshot(path=str(screenshots / "halaman_wilayah_3_kabupaten.png"), full_page=True)


# Every drawn chart's heading (where its title and subtitle end, where the plot begins) and
# the texts that end past its right edge (bar labels, the Gantt's statuses, axis titles).
CHART_TEXTS_JS = """() => [...document.querySelectorAll('.js-plotly-plot')].map(p => {
    const box = el => { const b = el && el.getBBox(); return b && {top: b.y, right: b.x + b.width,
                                                                  bottom: b.y + b.height}; };
    const edge = p.getBoundingClientRect().right + 1;
    return {width: p.getBoundingClientRect().width, plotTop: p._fullLayout._size.t,
            text: p._fullLayout.title.text, title: box(p.querySelector('.gtitle')),
            subtitle: box(p.querySelector('.gtitle-subtitle')),
            textsOut: [...p.querySelectorAll('svg.main-svg text')]
                .filter(t => t.getBoundingClientRect().right > edge).map(t => t.textContent)};
})"""


def cut_chart_texts(page) -> list[str]:
    """The drawn charts whose title or subtitle runs past an edge or into the plot, or with a
    text that runs past the right edge."""
    problems = []
    for chart in page.evaluate(CHART_TEXTS_JS):
        if not chart["width"] or not chart["title"]:      # in a closed tab or expander
            continue
        parts = [b for b in (chart["title"], chart["subtitle"]) if b]
        if (chart["title"]["top"] < 0 or any(b["right"] > chart["width"] for b in parts)
                or parts[-1]["bottom"] > chart["plotTop"] or chart["textsOut"]):
            problems.append(f"{chart['text']!r}: {chart}")
    return problems


# Every KPI tile's texts that Streamlit ends in "…" (wider than their box).
TILES_JS = """() => [...document.querySelectorAll('[data-testid="stMetric"]')].map(m =>
    ['Value', 'Label', 'Delta'].filter(part => [...m.querySelectorAll(
        `[data-testid="stMetric${part}"], [data-testid="stMetric${part}"] *`)].some(
        e => e.scrollWidth > e.clientWidth + 1)).map(part => part + ': ' + m.innerText))"""
# The heights of the tiles of each row of tiles (a wrapped row counts as one).
TILE_HEIGHTS_JS = """() => [...document.querySelectorAll('[data-testid="stHorizontalBlock"]')]
    .filter(row => row.querySelector(':scope > [data-testid="stColumn"] [data-testid="stMetric"]'))
    .map(row => [...row.querySelectorAll('[data-testid="stMetric"]')].map(
        m => Math.round(m.getBoundingClientRect().height)))"""


def test_bad_workbook_shows_its_problems(server: Server, page, screenshots: Path,
                                         tmp_path: Path) -> None:
    open_page(page, server, "pages/unggah.py", "Unggah Data")
    upload(page, "laporan_salah.xlsx", server.workbooks.bad)
    page.wait_for_selector("text=Hasil uji coba", timeout=60_000)
    settle(page)
    page.wait_for_selector("text=/Ditolak: 1 masalah ditemukan di laporan_salah.xlsx/")
    assert page.is_visible('[data-testid="stDataFrame"]')
    assert page.get_by_role("button", name="Muat ke database").is_disabled()
    button = page.get_by_role("button", name="Unduh salinan file dengan sel bermasalah ditandai")
    button.scroll_into_view_if_needed()
    assert_no_raw_errors(page)
    page.screenshot(path=str(screenshots / "alur_1_unggah_ditolak.png"))
    with page.expect_download() as info:
        button.click()
    saved = tmp_path / info.value.suggested_filename
    info.value.save_as(saved)
    assert saved.name == "laporan_salah_perbaikan.xlsx"
    wb = openpyxl.load_workbook(io.BytesIO(saved.read_bytes()))
    ws = wb["Realisasi Kinerja"]
    marked = [c for row in ws.iter_rows() for c in row if c.comment is not None]
    assert [c.value for c in marked] == ["dua puluh"]
    assert "tidak valid" in marked[0].comment.text


def test_good_workbook_dry_run_then_load(server: Server, page, screenshots: Path) -> None:
    books = server.workbooks
    open_page(page, server, "pages/unggah.py", "Unggah Data")
    upload(page, "laporan_baik.xlsx", books.good)
    page.wait_for_selector("text=Hasil uji coba", timeout=60_000)
    settle(page)
    page.wait_for_selector(f"text=/Uji coba laporan OPD {books.opd}/")
    page.wait_for_selector("text=/1 file siap dimuat, 0 ditolak/")
    load = page.get_by_role("button", name="Muat ke database")
    load.scroll_into_view_if_needed()
    assert_no_raw_errors(page)
    page.screenshot(path=str(screenshots / "alur_2_unggah_uji_coba.png"))
    load.click()
    page.wait_for_selector(f"text=/Berhasil memuat laporan OPD {books.opd}/", timeout=60_000)
    settle(page)
    assert_no_raw_errors(page)
    page.screenshot(path=str(screenshots / "alur_3_unggah_dimuat.png"))

    open_page(page, server, "pages/riwayat.py", "Riwayat Unggah")
    picked = page.get_by_role("combobox", name="Pilih muatan untuk melihat rincian")
    assert picked.input_value().endswith(
        f"Laporan triwulan {books.opd} {tw_label(books.tw)} {books.year} · "
        "laporan_baik.xlsx (Aktif)"), picked.input_value()
    assert_no_raw_errors(page)
    page.screenshot(path=str(screenshots / "alur_4_riwayat_setelah_unggah.png"))


def test_template_download(server: Server, page, screenshots: Path, tmp_path: Path) -> None:
    from etl.workbook import read_workbook

    open_page(page, server, "pages/unggah.py", "Unggah Data")
    page.get_by_text("1. Unduh template laporan triwulan atau masterplan").click()
    button = page.get_by_role("button", name=re.compile(r"^Unduh template laporan "))
    button.wait_for()
    settle(page)
    page.screenshot(path=str(screenshots / "alur_5_unggah_template.png"))
    with page.expect_download() as info:
        button.click()
    saved = tmp_path / info.value.suggested_filename
    info.value.save_as(saved)
    assert re.fullmatch(r"laporan_[A-Z0-9]+_\d{4}_TW[1-4]\.xlsx", saved.name), saved.name
    book = read_workbook(saved.read_bytes(), saved.name)
    assert book.kind == "laporan" and not book.issues


def test_riwayat_detail_and_confirmation(server: Server, page, screenshots: Path) -> None:
    open_page(page, server, "pages/riwayat.py", "Riwayat Unggah")
    detail = page.get_by_text(re.compile(r"^Muatan #\d+"))
    detail.scroll_into_view_if_needed()
    page.get_by_role("button", name="Tarik").scroll_into_view_if_needed()
    settle(page)
    assert_no_raw_errors(page)
    page.screenshot(path=str(screenshots / "alur_6_riwayat_rincian.png"))
    page.get_by_role("button", name="Tarik").click()
    page.wait_for_selector("text=/Tarik muatan #\\d+\\? Datanya tidak lagi ditampilkan/")
    settle(page)
    page.get_by_role("button", name="Batal").scroll_into_view_if_needed()
    page.screenshot(path=str(screenshots / "alur_7_riwayat_konfirmasi_tarik.png"))
    page.get_by_role("button", name="Batal").click()
    page.wait_for_selector("text=/Tarik muatan #/", state="detached")
    settle(page)
    page.get_by_role("heading", name="Unggahan yang ditolak").scroll_into_view_if_needed()
    page.screenshot(path=str(screenshots / "alur_8_riwayat_ditolak.png"))


def test_reload_and_a_second_tab_stay_signed_in_until_sign_out(server: Server, page) -> None:
    """A reload or a second tab opens a new Streamlit session; the session cookie signs it in
    again, on the page its URL names, until the user signs out."""
    form = "input[aria-label='Nama pengguna']"
    open_page(page, server, "pages/anggaran.py", "Anggaran")  # signs in through the form
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies["monev_sesi"]["sameSite"] == "Strict"
    assert cookies["monev_sesi"]["value"] not in page.url

    page.reload()
    page.wait_for_selector("h1:has-text('Anggaran')", timeout=60_000)
    assert page.locator(NAV).is_visible() and not page.locator(form).count()
    second = page.context.new_page()
    second.goto(url_of(server, "pages/desa.py"))
    second.wait_for_selector(f"{NAV} >> text='Peluncuran Desa'", timeout=60_000)
    assert not second.locator(form).count()

    page.get_by_role("button", name="Keluar").click()
    page.wait_for_selector(form)
    page.reload()
    page.wait_for_selector(form, timeout=60_000)
    settle(page)
    assert not page.locator(NAV).count()
    assert "monev_sesi" not in {c["name"] for c in page.context.cookies()}


def test_a_setting_saved_and_undone_through_the_form(server: Server, page,
                                                     screenshots: Path) -> None:
    """Pengaturan in a real browser: a typed value is saved with the form, shown as saved,
    and taken back through 'Kembalikan ke nilai nasional/bawaan' (the server's data is as
    before for the other tests)."""
    label = "Batas laporan (hari kerja setelah triwulan berakhir)"
    open_page(page, server, "pages/pengaturan.py", "Pengaturan")
    field = page.get_by_role("spinbutton", name=label)
    field.fill("10")
    field.press("Tab")
    page.get_by_role("button", name="Simpan pengaturan").click()
    page.wait_for_selector(f"text=/1 pengaturan disimpan .*{re.escape(label)} "
                           r"\(nilai nasional\/bawaan\) → 10 hari kerja/", timeout=60_000)
    settle(page)
    assert page.get_by_role("spinbutton", name=label).input_value() == "10"
    assert_no_raw_errors(page)
    page.screenshot(path=str(screenshots / "pengaturan_disimpan.png"))

    page.get_by_role("combobox", name="Kembalikan ke nilai nasional/bawaan").click()
    page.get_by_role("option", name=label).click()
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Simpan pengaturan").click()
    page.wait_for_selector(f"text=/1 pengaturan disimpan .*{re.escape(label)} 10 hari kerja "
                           r"→ \(nilai nasional\/bawaan\)/", timeout=60_000)
    settle(page)
    assert page.get_by_role("spinbutton", name=label).input_value() == "5"


def test_a_backup_made_and_downloaded_in_the_browser_restores(server: Server, page,
                                                              tmp_path: Path,
                                                              screenshots: Path) -> None:
    """Cadangan in a real browser: the backup is made, its zip comes down through the
    deferred download, and the zip restores a database holding the same loads."""
    import duckdb

    from etl.backup import key_path, restore

    open_page(page, server, "pages/cadangan.py", "Cadangan")
    page.get_by_role("button", name="Buat cadangan sekarang").click()
    page.wait_for_selector("text=/Cadangan monev-\\d{8}-\\d{6} dibuat/", timeout=60_000)
    settle(page)
    assert_no_raw_errors(page)
    page.screenshot(path=str(screenshots / "cadangan.png"))
    button = page.get_by_role("button", name=re.compile(r"^Unduh monev-\d{8}-\d{6}\.zip"))
    with page.expect_download(timeout=120_000) as info:
        button.click()
    saved = tmp_path / info.value.suggested_filename
    info.value.save_as(saved)
    assert re.fullmatch(r"monev-\d{8}-\d{6}\.zip", saved.name), saved.name
    restored = tmp_path / "pulih" / "monev.duckdb"
    restored.parent.mkdir()  # the same server: its backup key is beside the database
    key_path(restored).write_bytes(key_path(server.db_path).read_bytes())
    restore(saved, restored)

    def loads(path: Path) -> list[tuple]:
        with duckdb.connect(str(path), read_only=True) as con:
            return con.execute("SELECT load_id, file_hash FROM load ORDER BY 1").fetchall()

    assert loads(restored) == loads(server.db_path) and loads(restored)
    with duckdb.connect(str(server.db_path), read_only=True) as con:
        actions = [a for (a,) in con.execute(
            "SELECT action FROM audit_event WHERE action LIKE 'backup%' ORDER BY audit_id"
        ).fetchall()]
    assert actions[-2:] == ["backup", "backup_download"]
