"""Meetings: frozen snapshot, follow-ups carried to the next meeting, evaluation reports."""

from __future__ import annotations

import io
from datetime import date, datetime

import openpyxl
import pytest
from pypdf import PdfReader

from monev.engine import program_attainment
from monev.engine.meeting import (
    current_rules,
    followup_review,
    meeting_asof,
    meeting_data,
    meeting_rules,
    slides,
)
from monev.reports.evaluation import (
    chromium_path,
    evaluation_pdf,
    evaluation_workbook,
    report_data,
)
from monev.store import meetings as store
from monev.store import rule_settings
from tests.helpers import REGION, report_bytes

T1 = datetime(2025, 4, 8, 9, 0)
MEETING_1 = datetime(2025, 4, 20, 9, 0)
T2 = datetime(2025, 4, 25, 9, 0)
T3 = datetime(2025, 7, 8, 9, 0)
MEETING_2 = datetime(2025, 7, 20, 9, 0)
INJECTION = "@SUM(1+1)*cmd|' /C calc'!A0"


def _load(env, opd, tw, fill, at):
    result = env.load(report_bytes(env.con, opd, 2025, tw, fill), f"{opd}-{tw}-{at:%H%M%S}.xlsx",
                      at=at, received_on=at.date())
    assert result.status == "loaded", [i.text() for i in result.issues]


@pytest.fixture
def meeting_env(mp_env):
    _load(mp_env, "KOMINFO", 1, {"realisasi": {"GOV-01.1": {"realisasi": 5},
                                               "GOV-01.2": {"realisasi": 6}},
                                 "fisik": {"GOV-01": {"fisik": 10, "kendala": "Server rusak",
                                                      "tindak_lanjut": INJECTION}}},
          T1)
    _load(mp_env, "DPMD", 1, {"realisasi": {"SOC-01.1": {"realisasi": 22}}}, T1)
    meeting = store.create_meeting(mp_env.con, REGION, 2025, 1, title="Rapat Evaluasi TW I",
                                   actor="admin", rules=current_rules(mp_env.con, REGION),
                                   chair="Sekda", cutoff=MEETING_1, now=MEETING_1)
    return mp_env, meeting


def test_snapshot_does_not_change_when_a_later_upload_supersedes_its_data(meeting_env):
    env, meeting = meeting_env
    before = program_attainment(env.con, REGION, meeting_asof(meeting), meeting_rules(meeting))
    data_before = meeting_data(env.con, meeting)
    # a corrected TW I arrives during/after the meeting
    _load(env, "KOMINFO", 1, {"realisasi": {"GOV-01.1": {"realisasi": 90},
                                            "GOV-01.2": {"realisasi": 3}},
                              "fisik": {"GOV-01": {"fisik": 10, "kendala": "Server rusak",
                                                   "tindak_lanjut": INJECTION}}}, T2)
    after = program_attainment(env.con, REGION, meeting_asof(meeting), meeting_rules(meeting))
    assert before.equals(after)
    again = meeting_data(env.con, meeting)
    assert again["overall"] == data_before["overall"]
    live = program_attainment(env.con, REGION, meeting_asof(meeting).__class__.end_of(2025, 1))
    gov = live.set_index("program_code").at["GOV-01", "capaian"]
    assert gov != before.set_index("program_code").at["GOV-01", "capaian"]


def test_slides_cover_the_deck(meeting_env):
    env, meeting = meeting_env
    deck = slides(env.con, meeting)
    kinds = [s.kind for s in deck]
    assert kinds[0] == "ringkasan" and kinds.count("dimensi") == 6
    assert "desa" in kinds and kinds[-1] == "kelengkapan"
    assert any(s.kind == "opd" and s.key == "KOMINFO" for s in deck)


def test_followup_is_shown_at_the_next_meeting_with_its_status(meeting_env):
    env, meeting = meeting_env
    flags = meeting_data(env.con, meeting)["flags"]
    lag = flags[(flags["indicator_code"] == "GOV-01.1")].iloc[0]
    fid = store.add_followup(env.con, meeting.meeting_id, item_label="Dataset terbit",
                             decision="Percepat publikasi dataset", actor="sekda",
                             opd_code="KOMINFO", due_date=date(2025, 6, 30),
                             flag_kind=lag["kind"], program_code="GOV-01",
                             indicator_code="GOV-01.1", now=MEETING_1)
    store.add_followup(env.con, meeting.meeting_id, item_label="Rapat koordinasi desa",
                       decision="DPMD undang kepala desa", actor="sekda", opd_code="DPMD",
                       now=MEETING_1)
    _load(env, "KOMINFO", 2, {"realisasi": {"GOV-01.1": {"realisasi": 60}}}, T3)
    nxt = store.create_meeting(env.con, REGION, 2025, 2, title="Rapat Evaluasi TW II",
                               actor="admin", rules=current_rules(env.con, REGION),
                               cutoff=MEETING_2, now=MEETING_2)
    review = followup_review(env.con, nxt)
    assert list(review["followup_id"]) == [fid, fid + 1]
    first = review.iloc[0]
    assert first["data_status"] == "teratasi" and first["final_status"] == "selesai"
    second = review.iloc[1]
    assert second["data_status"] == "tak_terukur" and second["final_status"] == "terbuka"
    store.set_followup_status(env.con, fid + 1, "belum_selesai", actor="sekda",
                              note="Belum dijadwalkan")
    assert followup_review(env.con, nxt).iloc[1]["final_status_label"] == "Belum selesai"
    assert slides(env.con, nxt)[0].kind == "tindak_lanjut"


def test_evaluation_workbook_content(meeting_env):
    env, meeting = meeting_env
    wb = openpyxl.load_workbook(io.BytesIO(evaluation_workbook(report_data(env.con, meeting))))
    assert wb.sheetnames[:2] == ["Ringkasan", "Dimensi"]
    assert {"Smart Governance", "Target Tertinggal", "Risiko Desa", "Kelengkapan Laporan",
            "Tindak Lanjut"} <= set(wb.sheetnames)
    summary = {r[0]: r[1] for r in wb["Ringkasan"].iter_rows(min_row=4, values_only=True)}
    assert summary["Periode"] == "s.d. TW I 2025"
    overall = meeting_data(env.con, meeting)["overall"]
    assert summary["Capaian keseluruhan"].startswith(
        f"{overall['capaian']:.1f}".replace(".", ","))
    cells = [c for ws in wb for row in ws.iter_rows() for c in row if c.value is not None]
    assert not any(c.data_type == "f" for c in cells)
    assert any(c.value == "'" + INJECTION for c in cells)
    assert wb["Target Tertinggal"].page_setup.orientation == "landscape"


def test_the_report_names_the_rules_of_its_meeting_that_differ_from_the_defaults(meeting_env):
    env, meeting = meeting_env

    def rules_row(m) -> str:
        wb = openpyxl.load_workbook(io.BytesIO(evaluation_workbook(report_data(env.con, m))))
        rows = {r[0]: r[1] for r in wb["Ringkasan"].iter_rows(min_row=4, values_only=True)}
        return rows["Aturan yang berbeda dari bawaan"]

    assert rules_row(meeting) == "tidak ada"
    rule_settings.change(env.con, REGION, {"report_due_working_days": 10}, actor="admin",
                         now=MEETING_1)
    assert rules_row(meeting) == "tidak ada"      # created before: its rules stay as they were
    later = store.create_meeting(env.con, REGION, 2025, 1, title="Rapat ulang",
                                 actor="admin", rules=current_rules(env.con, REGION),
                                 cutoff=MEETING_1, now=MEETING_1)
    assert rules_row(later) == "Batas laporan 10 hari kerja (bawaan 5 hari kerja)"


def test_evaluation_pdf(meeting_env):
    try:
        chromium_path()
    except FileNotFoundError:
        pytest.skip("Debian chromium not installed (CI installs it)")
    env, meeting = meeting_env
    pdf = PdfReader(io.BytesIO(evaluation_pdf(report_data(env.con, meeting))))
    assert len(pdf.pages) >= 5  # a section per page; one without rows shares a page
    text = "\n".join(p.extract_text() for p in pdf.pages)
    assert "Rapat Evaluasi TW I" in text and "Capaian per dimensi" in text
    assert "Kelengkapan laporan" in text and "Tindak lanjut" in text


def test_workbook_writes_missing_values_as_empty_cells():
    import pandas as pd

    from monev.export import frames_to_xlsx

    df = pd.DataFrame({"Bergeser ke tahun": pd.array([2027, None], dtype="Int64")})
    ws = openpyxl.load_workbook(io.BytesIO(frames_to_xlsx({"Risiko Desa": df})))["Risiko Desa"]
    assert ws.cell(2, 1).value == 2027 and ws.cell(3, 1).value is None
