"""Output checklist evidence (documents are hostile: size limit, type by magic bytes, archived
by hash, never rendered) and the evidence pack (Excel and PDF in the self-assessment's order,
text neutralised)."""

from __future__ import annotations

import io
from datetime import datetime

import openpyxl
import pytest

from monev.domain import evaluation as ev
from monev.engine.meeting import current_rules
from monev.reports import evidence as evp
from monev.store import evaluation as store

REGION = "35.23"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
FORMULA = '=HYPERLINK("http://penyerang.example/","klik")'


@pytest.fixture
def edition(mp_env):
    con = mp_env.con
    store.save_edition(con, REGION, 2025, weights=ev.DEFAULT_WEIGHTS, scale_max=5.0,
                       min_respondents=50, actor="admin.uji")
    store.set_cutoff(con, REGION, 2025, 1, datetime(2025, 4, 30, 9, 0),
                     current_rules(con, REGION), actor="admin.uji")
    return mp_env


def _add(env, **kw) -> int:
    return store.add_evidence(env.con, REGION, 2025, kw.pop("item", "sk_dewan"),
                              actor="admin.uji", archive=env.archive, **kw)


def test_a_document_is_recognised_by_its_bytes_archived_by_hash_and_audited(edition):
    evidence_id = _add(edition, data=PDF, file_name="../../SK Dewan.pdf", note="SK 1/2024")
    row = store.evidence(edition.con, REGION, 2025).iloc[0]
    assert (row["evidence_id"], row["file_type"], row["file_name"]) == (
        evidence_id, "pdf", "SK Dewan.pdf")
    assert edition.archive.read(row["archive_path"]) == PDF  # hash checked on read
    audit = edition.con.execute("SELECT count(*) FROM audit_event WHERE action = "
                                "'evaluation_evidence'").fetchone()[0]
    assert audit == 1


@pytest.mark.parametrize(("data", "words"), [
    (b"<html><script>alert(1)</script></html>", "harus PDF, PNG atau JPEG"),
    (b"PK\x03\x04" + b"\x00" * 100, "harus PDF, PNG atau JPEG"),
    (b"", "File kosong"),
    (b"%PDF-" + b"\x00" * (ev.MAX_EVIDENCE_BYTES + 1), "melebihi batas 10 MB"),
])
def test_a_hostile_document_is_refused_and_nothing_is_kept(edition, data, words):
    before = set((edition.archive.root / "files").rglob("*"))
    with pytest.raises(store.EvaluationRefused, match=words):
        _add(edition, data=data, file_name="sk.pdf")
    assert store.evidence(edition.con, REGION, 2025).empty
    assert set((edition.archive.root / "files").rglob("*")) == before


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,<b>x</b>",
                                 "https://", "https://contoh.go.id/a b", "ftp://contoh.go.id"])
def test_only_web_links_are_kept(edition, url):
    with pytest.raises(store.EvaluationRefused):
        _add(edition, url=url)
    assert store.evidence(edition.con, REGION, 2025).empty


def test_the_pack_follows_the_self_assessment_and_neutralises_text(edition):
    _add(edition, url="https://jdih.contoh.go.id/perbup-71-2022", item="dasar_hukum",
         note=FORMULA)
    _add(edition, data=PDF, file_name="sk-tim.pdf", item="sk_tim")
    pack = evp.pack_data(edition.con, REGION, 2025)
    book = openpyxl.load_workbook(io.BytesIO(evp.pack_workbook(pack)))
    assert book.sheetnames == ["Ringkasan", "1 Baseline", "2 Output - Checklist",
                               "2 Output - Anggaran", "3 Outcome", "4 Impact - Survei",
                               "4 Impact - Jawaban", "5 Quick Win", "Sumber Data"]
    cells = [c for row in book["2 Output - Checklist"].iter_rows() for c in row
             if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert cells and all(c.data_type == "s" and c.value.startswith("'") for c in cells)
    checklist = evp.checklist_table(pack)
    assert "Belum ada bukti" in set(checklist["Bukti"])  # SK Dewan, kelembagaan, anggaran
    html = evp.pack_html(pack)
    assert "<script" not in html and FORMULA.replace('"', "&quot;") in html
    for heading in ("1. Baseline", "2. Output", "3. Outcome", "4. Impact", "5. Quick Win"):
        assert heading in html


def test_the_pack_pdf_is_printed(edition):
    from pypdf import PdfReader

    pack = evp.pack_data(edition.con, REGION, 2025)
    pdf = evp.pack_pdf(pack)
    pages = PdfReader(io.BytesIO(pdf)).pages
    text = "".join(p.extract_text() for p in pages)
    assert pdf.startswith(b"%PDF-")
    assert "paket bukti penilaian mandiri" in text and "5. Quick Win" in text
    # numbered like the meeting report (one printing path, monev.reports.evaluation)
    assert f"Halaman {len(pages)} dari {len(pages)}" in pages[-1].extract_text()
