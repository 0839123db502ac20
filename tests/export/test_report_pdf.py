"""The evaluation report PDF (issue 28): every page numbered "Halaman n dari m", and a section
without rows says so in a sentence instead of printing an empty table header."""

from __future__ import annotations

import io
import re
from datetime import datetime

import pytest
from pypdf import PdfReader

from monev.engine.meeting import current_rules
from monev.reports.evaluation import (
    EMPTY_SECTION,
    chromium_path,
    evaluation_html,
    evaluation_pdf,
    report_data,
)
from monev.store import meetings as store
from tests.helpers import REGION

MEETING_1 = datetime(2025, 4, 20, 9, 0)


@pytest.fixture
def meeting_without_followups(mp_env):
    """A meeting on the test masterplan with no report loaded and no decision recorded."""
    meeting = store.create_meeting(mp_env.con, REGION, 2025, 1, title="Rapat Kosong",
                                   actor="admin", rules=current_rules(mp_env.con, REGION),
                                   chair="Sekda", cutoff=MEETING_1, now=MEETING_1)
    return mp_env, meeting


def test_a_section_without_rows_says_so(meeting_without_followups) -> None:
    env, meeting = meeting_without_followups
    page = evaluation_html(report_data(env.con, meeting))
    followups = re.search(r"<h2>Tindak lanjut</h2>(.*?)</section>", page, re.S)
    assert followups is not None
    assert "<table" not in followups[1] and "<th>" not in followups[1]
    assert EMPTY_SECTION["Tindak lanjut"] in followups[1]


def test_pdf_pages_are_numbered(meeting_without_followups) -> None:
    try:
        chromium_path()
    except FileNotFoundError:
        pytest.skip("Debian chromium not installed (CI installs it)")
    env, meeting = meeting_without_followups
    pdf = PdfReader(io.BytesIO(evaluation_pdf(report_data(env.con, meeting))))
    total = len(pdf.pages)
    assert total >= 2
    for n, page in enumerate(pdf.pages, start=1):
        text = " ".join(page.extract_text().split())
        assert f"Halaman {n} dari {total}" in text, (n, text[-200:])
    text = " ".join(" ".join(p.extract_text() for p in pdf.pages).split())
    assert EMPTY_SECTION["Tindak lanjut"] in text
    # the dimension chart is drawn by the printing chromium itself (plotly.js in the page):
    # its axis title and a bar label are text of the PDF
    assert "Capaian (%)" in text, text[:1500]
