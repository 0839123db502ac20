"""Page Evaluasi Smart City: admin sees and changes editions, pimpinan reads only, an operator
is refused; the figures shown are the engine's."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from monev.domain import evaluation as ev
from monev.engine import evaluation as en
from monev.engine.meeting import current_rules
from monev.store import db
from monev.store import evaluation as store
from tests.app.conftest import TEST_USERS

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app.py"
PAGE = "pages/evaluasi.py"
REGION = "35.23"
TIMEOUT = 90
TEST_OPERATOR = TEST_USERS["operator"]


def _prepare(path: Path) -> None:
    """The demo's evaluation (editions 2025 and 2026, a survey, a cut-off) with 2026's Impact
    score taken away again."""
    with db.opened(path) as con:
        assert [e.year for e in store.editions(con, REGION)] == [2026, 2025]
        store.save_score(con, REGION, 2026, "impact", None, origin="diisi", actor="admin.uji")
        store.set_cutoff(con, REGION, 2026, 3, datetime(2026, 11, 23, 8, 30),
                         current_rules(con, REGION), actor="admin.uji")


def _open() -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()
    at.switch_page(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _texts(at: AppTest) -> str:
    return "\n".join([m.value for m in at.markdown] + [c.value for c in at.caption]
                     + [i.value for i in at.info] + [w.value for w in at.warning])


def test_admin_sees_editions_side_by_side_and_the_proposal(demo_db):
    _prepare(demo_db)
    at = _open()
    assert [t.value for t in at.title] == ["Evaluasi Smart City"]
    assert not at.error, [e.value for e in at.error]
    side = at.dataframe[0].value
    assert list(side["Dimensi"]) == [*ev.LABELS.values(), "Indeks Pencapaian",
                                     "Perubahan (Baseline)"]
    assert set(side.columns) >= {"Bobot 2025", "Nilai 2025", "Bobot 2026", "Nilai 2026"}
    index = side.set_index("Dimensi")
    assert index.loc["Indeks Pencapaian", "Nilai 2025"] == "3,33 dari 5"
    assert index.loc["Impact", "Bobot 2025"] == "30%" and index.loc["Impact", "Bobot 2026"] == "20%"
    assert index.loc["Indeks Pencapaian", "Nilai 2026"] == "belum lengkap (belum ada nilai: Impact)"
    deltas = {m.label: m.delta for m in at.metric}   # the one wording of the count
    assert re.fullmatch(r"\d+ dari \d+ program yang direncanakan tahun 20\d\d",
                        deltas["Program berjalan"])
    assert any(b.label.startswith("Pakai usulan Outcome") for b in at.button)
    assert "Simpan edisi" in [b.label for b in at.button]


def test_accepting_a_proposal_stores_it_as_usulan(demo_db):
    _prepare(demo_db)
    with db.opened(demo_db) as con:
        store.save_score(con, REGION, 2026, "outcome", 1.0, origin="diisi", actor="admin.uji")
        proposed = en.proposal(con, REGION, 2026).scores["outcome"]
    at = _open()
    button = next(b for b in at.button if b.label.startswith("Pakai usulan Outcome"))
    button.click().run()
    assert not at.exception, [e.value for e in at.exception]
    with db.opened(demo_db, read_only=True) as con:
        row = con.execute("SELECT score, origin FROM eval_score WHERE year = 2026 AND "
                          "dimension = 'outcome'").fetchone()
        audited = con.execute("SELECT count(*) FROM audit_event WHERE action = "
                              "'evaluation_score' AND target = '35.23 2026 outcome' AND "
                              "actor = 'admin.uji'").fetchone()[0]
    assert row == (proposed, "usulan")
    assert audited == 2  # typed 1,0, then the proposal accepted on the page


@pytest.mark.signed_in_as("pimpinan")
def test_pimpinan_reads_without_changing(demo_db):
    _prepare(demo_db)
    at = _open()
    assert not at.error, [e.value for e in at.error]
    assert at.dataframe, "the editions are shown"
    labels = [b.label for b in at.button]
    assert not any(label.startswith(("Pakai usulan", "Simpan")) for label in labels), labels
    assert "hanya dapat dibaca" in _texts(at)


@pytest.mark.signed_in_as("operator")
def test_an_operator_is_refused(mp_db):
    from monev.ui import nav

    assert PAGE not in [f for pages in nav.sections(TEST_OPERATOR.can).values()
                        for f, _, _ in pages]
    at = AppTest.from_file(str(ROOT / PAGE), default_timeout=TIMEOUT).run()  # a typed URL
    assert [e.value for e in at.error] == ["Halaman ini tidak tersedia untuk peran Anda."]
    assert not at.dataframe
