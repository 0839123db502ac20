"""Report completeness: due dates on working days, first submission decides lateness."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest

from monev.engine import AsOf, completeness_by_tw, report_completeness
from tests.engine.conftest import REGION

VIEW = AsOf(2025, 2, datetime(2025, 8, 15, 12, 0))

# Due dates, by hand: TW I ends Mon 31 Mar 2025; 31 Mar and 1 Apr are Idul Fitri, 2–4 and 7 Apr
# cuti bersama, 5–6 Apr a weekend: the 5 working days are 8, 9, 10, 11, 14 Apr.
# TW II ends Mon 30 Jun 2025: 1, 2, 3, 4, 7 Jul.
DUE_TW1 = date(2025, 4, 14)
DUE_TW2 = date(2025, 7, 7)


@pytest.fixture(scope="module")
def reports(world) -> pd.DataFrame:
    return report_completeness(world.con, REGION, VIEW).set_index(["opd_code", "tw"])


def test_only_lead_opds_of_running_programs_owe_reports(reports: pd.DataFrame) -> None:
    # BAPPEDA only supports; DLH leads ENV-01 which starts in 2027.
    assert sorted(set(reports.index.get_level_values("opd_code"))) == ["DINKES", "DPMD",
                                                                        "KOMINFO"]
    assert sorted(set(reports.index.get_level_values("tw"))) == [1, 2]  # up to the viewed TW


def test_due_dates(reports: pd.DataFrame) -> None:
    assert reports.loc[("KOMINFO", 1), "due_date"] == DUE_TW1
    assert reports.loc[("KOMINFO", 2), "due_date"] == DUE_TW2


def test_on_time_late_and_missing_in_tw2(reports: pd.DataFrame) -> None:
    on_time = reports.loc[("KOMINFO", 2)]
    assert on_time["status"] == "tepat_waktu" and on_time["status_label"] == "Tepat waktu"
    assert on_time["received_on"] == date(2025, 7, 4)
    late = reports.loc[("DPMD", 2)]
    assert late["status"] == "terlambat" and late["days_late"] == 8
    assert late["reason"] == "Diterima 15 Juli 2025, 8 hari setelah batas 7 Juli 2025."
    missing = reports.loc[("DINKES", 2)]
    assert missing["status"] == "belum_melapor" and missing["status_label"] == "Belum melapor"
    assert missing["received_on"] is None and missing["days_late"] == 39
    assert missing["n_submissions"] == 0 and pd.isna(missing["load_id"])
    assert reports.loc[("KOMINFO", 2), "completeness_pct"] == pytest.approx(200 / 3)


def test_corrected_resubmission_is_judged_on_the_first(reports: pd.DataFrame) -> None:
    row = reports.loc[("KOMINFO", 1)]
    assert row["status"] == "tepat_waktu"
    assert row["received_on"] == date(2025, 4, 8)          # first submission
    assert row["last_received_on"] == date(2025, 5, 2)     # the correction, now active
    assert row["n_submissions"] == 2
    assert row["file_name"] == "laporan_KOMINFO_2025_TW1_perbaikan.xlsx"
    assert reports.loc[("DINKES", 1), "status"] == "terlambat"
    assert reports.loc[("DINKES", 1), "completeness_pct"] == 100.0


def test_completeness_by_tw(reports: pd.DataFrame) -> None:
    per_tw = completeness_by_tw(reports.reset_index()).set_index("tw")
    assert per_tw.loc[1, ["n_due", "n_on_time", "n_late", "n_missing"]].tolist() == [3, 2, 1, 0]
    assert per_tw.loc[2, ["n_due", "n_on_time", "n_late", "n_missing"]].tolist() == [3, 1, 1, 1]
    assert per_tw.loc[2, "completeness_pct"] == pytest.approx(200 / 3)
    assert per_tw.loc[2, "on_time_pct"] == pytest.approx(100 / 3)
    assert per_tw.loc[2, "tw_label"] == "TW II"


def test_statuses_follow_the_as_of_date(world) -> None:
    early = report_completeness(world.con, REGION, AsOf(2025, 2, datetime(2025, 4, 20)))
    early = early.set_index(["opd_code", "tw"])
    # DINKES's TW I report arrived on 22 Apr: on 20 Apr it is overdue and missing.
    assert early.loc[("DINKES", 1), "status"] == "belum_melapor"
    assert early.loc[("KOMINFO", 2), "status"] == "belum_jatuh_tempo"
    assert pd.isna(early.loc[("KOMINFO", 2), "completeness_pct"])
    # An explicit calendar date before the deadline: nothing is overdue yet.
    on = AsOf(2025, 1, datetime(2025, 8, 15), on=date(2025, 4, 10))
    row = report_completeness(world.con, REGION, on).set_index(["opd_code", "tw"])
    assert row.loc[("DINKES", 1), "status"] == "belum_jatuh_tempo"
    assert row.loc[("DPMD", 1), "status"] == "tepat_waktu"


def test_all_years(world) -> None:
    frame = report_completeness(world.con, REGION, VIEW, all_years=True)
    # 2023: GOV-01 only (KOMINFO); 2024: + SOC-01 (DPMD); 2025 up to TW II: + DINKES.
    counts = frame.groupby("year").size().to_dict()
    assert counts == {2023: 4, 2024: 8, 2025: 6}
    assert (frame[frame["year"] < 2025]["status"] == "belum_melapor").all()
