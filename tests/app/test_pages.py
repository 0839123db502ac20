"""Every page runs without exception on an empty, a masterplan-only and the demo database."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from monev.ui import nav

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app.py"
TIMEOUT = 60
PAGE_TITLES = {file: title for file, title, _, _ in nav.PAGES}
# Pages of one region (the comparison page has its own tests on several regions).
ONE_REGION_PAGES = [p[0] for p in nav.PAGES if p[0] not in nav.ACROSS_REGIONS]
SQL = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE\s+FROM|CREATE\s+TABLE)\b|\.execute\(")


def run_page(page: str) -> AppTest:
    """Run the app and switch to ``page``; return the AppTest after the run."""
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()
    if page != nav.PAGES[0][0]:
        at.switch_page(page).run()
    return at


def assert_clean(at: AppTest) -> None:
    """No exception, no error box, no busy warning, and the page shows a title."""
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert not at.warning, [w.value for w in at.warning]
    assert [t.value for t in at.title], "page shows no title"


@pytest.mark.parametrize("page", ONE_REGION_PAGES)
def test_every_page_on_empty_database(empty_db: Path, page: str) -> None:
    at = run_page(page)
    assert_clean(at)


@pytest.mark.parametrize("page", ONE_REGION_PAGES)
def test_every_page_with_masterplan(mp_db: Path, page: str) -> None:
    at = run_page(page)
    assert_clean(at)


@pytest.mark.parametrize("page", ONE_REGION_PAGES)
def test_every_page_on_demo_database(demo_db: Path, page: str) -> None:
    at = run_page(page)
    assert_clean(at)


def test_every_page_on_missing_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A first start with no database file creates it instead of failing."""
    path = tmp_path / "baru" / "monev.duckdb"
    monkeypatch.setenv("MONEV_DB", str(path))
    for page in ONE_REGION_PAGES:
        assert_clean(run_page(page))
    assert path.exists()


def test_my_pages_show_their_titles(mp_db: Path) -> None:
    assert [t.value for t in run_page("pages/unggah.py").title] == ["Unggah Data"]
    assert [t.value for t in run_page("pages/riwayat.py").title] == ["Riwayat Unggah"]


def test_sidebar_filters_default_to_latest_reported_period(demo_db: Path) -> None:
    at = run_page(nav.PAGES[0][0])
    values = {s.label: s.value for s in at.sidebar.selectbox}
    assert values["Tahun"] == 2026 and values["Triwulan"] == 3
    assert values["Dimensi"] == values["Perangkat Daerah (OPD)"] == "*"  # "all"
    assert at.session_state["monev_filters"].dimension is None


def test_sidebar_filters_persist_across_pages(mp_db: Path) -> None:
    at = run_page(nav.PAGES[0][0])
    at.sidebar.selectbox(key="_w_filter_tahun").set_value(2025).run()
    at.sidebar.selectbox(key="_w_filter_tw").set_value(2).run()
    at.switch_page("pages/unggah.py").run()          # no filters on administration pages
    assert not at.sidebar.selectbox
    at.switch_page(nav.PAGES[0][0]).run()
    values = {s.label: s.value for s in at.sidebar.selectbox}
    assert (values["Tahun"], values["Triwulan"]) == (2025, 2)
    assert at.session_state["monev_filters"].period_label == "TW II 2025"


def test_navigation_lists_every_page_file() -> None:
    listed = {Path(f).name for f, _, _, _ in nav.PAGES}
    on_disk = {p.name for p in (ROOT / "pages").glob("*.py")}
    assert listed == on_disk
    assert len({t for _, t, _, _ in nav.PAGES}) == len(nav.PAGES), "titles must be unique"
    assert nav.PAGES[0][0] == "pages/ringkasan.py"


@pytest.mark.parametrize("page", sorted((ROOT / "pages").glob("*.py")), ids=lambda p: p.name)
def test_pages_write_no_sql(page: Path) -> None:
    tree = ast.parse(page.read_text(encoding="utf-8"))
    strings = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)
               and isinstance(n.value, str)]
    assert not [s for s in strings if SQL.search(s)]
    assert ".execute(" not in page.read_text(encoding="utf-8")


def test_ui_modules_do_not_query_at_import() -> None:
    """Importing the app's modules opens no database (a wrong $MONEV_DB must not matter)."""
    code = ("import os; os.environ['MONEV_DB'] = '/nonexistent/x.duckdb'; "
            "import monev.ui.data, monev.ui.filters, monev.ui.upload, monev.ui.components, "
            "monev.ui.theme, monev.ui.format, monev.ui.nav, monev.store.uploads; "
            "print(os.path.exists('/nonexistent'))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, check=True)
    assert out.stdout.strip() == "False"


def test_etl_annotate_does_not_import_streamlit() -> None:
    code = "import sys, etl.annotate; print('streamlit' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, check=True)
    assert out.stdout.strip() == "False"


def test_streamlit_config() -> None:
    cfg = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert cfg["theme"]["base"] == "light" and cfg["theme"]["baseFontSize"] >= 18
    assert cfg["client"]["toolbarMode"] in ("viewer", "minimal")
    assert cfg["client"]["showErrorDetails"] == "none"
    assert cfg["server"]["maxUploadSize"] == 50
    assert cfg["browser"]["gatherUsageStats"] is False


@pytest.mark.parametrize("page", ["pages/unggah.py", "pages/riwayat.py"])
def test_my_pages_also_run_on_their_own(mp_db: Path, page: str) -> None:
    """A page run without the router (AppTest of the file) neither loops nor fails."""
    at = AppTest.from_file(str(ROOT / page), default_timeout=TIMEOUT).run()
    assert_clean(at)
