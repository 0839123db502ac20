"""Revisions applied by the engine (domain.md §3b) at the boundaries: a revision effective in
the middle of a year viewed before and after, an as-of view before the revision's load, the
original target kept, a postponed program off the plan but listed, its villages' calendar
moved, and a withdrawn revision gone."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from etl.load import delete_load
from monev.engine import (
    AsOf,
    all_flags,
    dimension_attainment,
    indicator_attainment,
    indicator_series,
    masterplan_attainment,
    program_attainment,
    village_milestones,
    village_rollout,
)
from monev.engine.revisions import off_plan, program_history, viewed_date
from tests.helpers import REGION, Env
from tests.revisions import world

LATER = datetime(2025, 12, 1, 9, 0)       # every load of the world is active by then


@pytest.fixture
def rev_env(env: Env) -> Env:
    world.build(env)
    return env


def _ind(env: Env, asof: AsOf, code: str):
    frame = indicator_attainment(env.con, REGION, asof)
    return frame.set_index("indicator_code").loc[code]


def test_viewed_date_is_the_last_day_of_the_tw():
    assert viewed_date(AsOf(2025, 2, LATER)) == date(2025, 6, 30)
    assert viewed_date(AsOf(2024, 4, LATER)) == date(2024, 12, 31)
    assert viewed_date(AsOf(2025, 1, LATER)) == date(2025, 3, 31)


def test_a_target_change_effective_mid_year_applies_from_the_tw_that_ends_after_it(rev_env):
    before = _ind(rev_env, AsOf(2025, 2, LATER), "GOV-01.1")   # ends 30 Jun < 1 Jul
    after = _ind(rev_env, AsOf(2025, 3, LATER), "GOV-01.1")    # ends 30 Sep
    assert before["annual_target"] == 100 and not before["revised"]
    assert after["annual_target"] == 80 and after["target_original"] == 100
    assert after["revised"]
    assert "semula 100" in after["revision_note"] and "Perbup Tuban No. 45" in \
        after["revision_note"]
    # capaian is against the target in force: 55 of 80 × 3/4 = 60 expected
    assert after["realisation_ytd"] == 55
    assert after["expected"] == pytest.approx(60)
    assert after["capaian_expected"] == pytest.approx(55 / 60 * 100)
    series = indicator_series(rev_env.con, REGION, AsOf(2025, 3, LATER), "GOV-01.1")
    assert set(series["annual_target"]) == {80}
    program = program_attainment(rev_env.con, REGION, AsOf(2025, 3, LATER))
    assert bool(program.set_index("program_code").loc["GOV-01", "revised"])


def test_an_asof_view_before_the_revision_was_loaded_sees_the_original(rev_env):
    cutoff = datetime(2025, 6, 19, 12, 0)            # the day before the revision's upload
    old = _ind(rev_env, AsOf(2025, 3, cutoff), "GOV-01.1")
    assert old["annual_target"] == 100 and not old["revised"]
    assert "SOC-01" in set(program_attainment(rev_env.con, REGION, AsOf(2025, 3, cutoff))[
        "program_code"])
    assert off_plan(rev_env.con, REGION, AsOf(2025, 3, cutoff)).empty


def test_a_postponed_program_leaves_the_assessment_and_the_planned_count(rev_env):
    tw2, tw3 = AsOf(2025, 2, LATER), AsOf(2025, 3, LATER)
    # before the revision is in force SOC-01 is assessed (and lags: a flag is raised)
    assert "SOC-01.1" in set(indicator_attainment(rev_env.con, REGION, tw2)["indicator_code"])
    flags_before = all_flags(rev_env.con, REGION, tw2)
    assert "SOC-01" in set(flags_before.loc[flags_before["kind"].isin(
        ["tertinggal", "kritis"]), "program_code"])
    # in force: not assessed, no Tertinggal/Kritis, not planned in 2025
    assert "SOC-01.1" not in set(indicator_attainment(rev_env.con, REGION, tw3)[
        "indicator_code"])
    assert "SOC-01" not in set(program_attainment(rev_env.con, REGION, tw3)["program_code"])
    flags = all_flags(rev_env.con, REGION, tw3)
    assert "SOC-01" not in set(flags.loc[flags["kind"].isin(["tertinggal", "kritis"]),
                                         "program_code"])
    planned_before = masterplan_attainment(rev_env.con, REGION, tw2)["n_planned"]
    planned_after = masterplan_attainment(rev_env.con, REGION, tw3)["n_planned"]
    assert planned_after == planned_before - 1
    soc = dimension_attainment(rev_env.con, REGION, tw3).set_index("dimension_code").loc["SOC"]
    assert soc["n_planned"] == 0
    # ... and stays listed, with its reason and legal basis
    off = off_plan(rev_env.con, REGION, tw3)
    assert list(off["program_code"]) == ["SOC-01"]
    row = off.iloc[0]
    assert row["status_label"] == "Ditunda ke 2026"
    assert row["reason"] == "Refocusing anggaran untuk penanganan banjir"
    assert row["legal_basis"] == "Perbup Tuban No. 45 Tahun 2025 tanggal 16-06-2025"
    # in 2026, the year it was postponed to, it is planned again
    assert "SOC-01" in set(program_attainment(rev_env.con, REGION, AsOf(2026, 1, LATER))[
        "program_code"])
    assert off_plan(rev_env.con, REGION, AsOf(2026, 1, LATER)).empty


def test_a_postponed_program_moves_its_villages_budget_calendar(rev_env):
    def jlodro(on: date):
        frame = village_rollout(rev_env.con, REGION, AsOf(2025, 2, LATER, on=on))
        return frame.set_index("village_code").loc[world.JLODRO]

    before = jlodro(date(2025, 6, 30))
    after = jlodro(date(2025, 7, 1))
    assert before["funding_year"] == 2025 and before["revision_note"] is None
    assert after["funding_year"] == 2026 and after["funding_year_original"] == 2025
    assert "Ditunda ke 2026" in after["revision_note"]
    # the 2026 village (after the postponed years) stays where it was
    mondokan = village_rollout(rev_env.con, REGION, AsOf(2025, 3, LATER, on=date(2025, 7, 1)))
    assert mondokan.set_index("village_code").loc[world.MONDOKAN, "funding_year"] == 2026
    # its milestones are those of funding year 2026: RKP Desa by 30 Sep 2025
    stones = village_milestones(rev_env.con, REGION, AsOf(2025, 3, LATER, on=date(2025, 7, 1)))
    mine = stones[stones["village_code"] == world.JLODRO]
    assert set(mine["funding_year"]) == {2026}
    assert date(2025, 9, 30) in set(mine["due"])


def test_the_history_lists_every_revision_with_whether_it_is_in_force(rev_env):
    history = program_history(rev_env.con, REGION, AsOf(2025, 2, LATER), "SOC-01")
    assert list(history["kind"]) == ["ditunda"]
    assert history.iloc[0]["what"] == "SOC-01 ditunda dari 2025 ke 2026"
    assert not history.iloc[0]["in_force"]
    assert program_history(rev_env.con, REGION, AsOf(2025, 3, LATER), "SOC-01").iloc[0][
        "in_force"]
    assert len(program_history(rev_env.con, REGION, AsOf(2025, 3, LATER))) == 2


def test_a_withdrawn_revision_is_no_longer_applied(rev_env):
    load_id = rev_env.con.execute("SELECT load_id FROM load WHERE kind = 'revisi'").fetchone()[0]
    delete_load(rev_env.con, load_id, actor="admin.uji", archive=rev_env.archive,
                at=datetime(2025, 11, 1, 9, 0))
    now = _ind(rev_env, AsOf(2025, 3, datetime(2025, 11, 2)), "GOV-01.1")
    assert now["annual_target"] == 100 and not now["revised"]
    # an as-of view while it was active still sees it
    then = _ind(rev_env, AsOf(2025, 3, datetime(2025, 10, 31)), "GOV-01.1")
    assert then["annual_target"] == 80


def test_cancelled_rescheduled_and_added_items(env):
    world.build(env, with_revision=False)
    legal = world.LEGAL
    rows = [
        {"jenis": "dibatalkan", "kode_program": "GOV-01", "kode_indikator": "GOV-01.2",
         "tahun": 2025, "alasan": "Diganti aplikasi nasional", **legal},
        {"jenis": "dijadwal ulang", "kode_program": "SOC-01", "kode_indikator": "SOC-01.1",
         "tahun": 2025, "tahun_baru": 2026, "tw": 1, "alasan": "Geser TW", **legal},
        {"jenis": "ditambah", "kode_program": "GOV-01", "kode_indikator": "GOV-01.1",
         "tahun": 2026, "target_baru": 150, "alasan": "Indikator baru", **legal},
    ]
    result = env.load(world.revision_bytes(*rows), "revisi2.xlsx", at=world.REVISION_AT)
    assert result.status == "loaded", [i.text() for i in result.issues]
    tw3 = AsOf(2025, 3, LATER)
    inds = indicator_attainment(env.con, REGION, tw3).set_index("indicator_code")
    assert "GOV-01.2" not in inds.index                  # cancelled from 2025
    off = off_plan(env.con, REGION, tw3)
    assert off.set_index("indicator_code").loc["GOV-01.2", "status_label"] == \
        "Dibatalkan mulai 2025"
    # the TW I target of SOC-01.1 moved from 2025 to 2026
    series = indicator_series(env.con, REGION, tw3, "SOC-01.1")
    assert series["target_tw"].isna().all()
    assert inds.loc["SOC-01.1", "revised"]
    # GOV-01.1 is not planned before 2026 ("ditambah mulai 2026"), then has target 150
    assert "GOV-01.1" not in inds.index
    gov = indicator_attainment(env.con, REGION, AsOf(2026, 1, LATER)).set_index(
        "indicator_code")
    assert gov.loc["GOV-01.1", "annual_target"] == 150


def test_a_frozen_meeting_sees_the_masterplan_as_it_stood_at_its_cutoff(rev_env):
    from monev.engine.meeting import current_rules
    from monev.store import meetings as store
    from monev.ui import slides as sl

    def meeting(cutoff: datetime) -> sl.MeetingView:
        made = store.create_meeting(rev_env.con, REGION, 2025, 3, title="Rapat TW III",
                                    actor="admin.uji", rules=current_rules(rev_env.con, REGION),
                                    cutoff=cutoff, now=cutoff)
        view = sl.meeting_view(rev_env.con, made.meeting_id)
        assert view is not None
        return view

    before = meeting(datetime(2025, 6, 19, 12, 0))   # before the revision was uploaded
    after = meeting(LATER)
    assert before.off_plan.empty
    assert "revisi" not in [p.slide.kind for p in sl.pages(before)]
    assert list(after.off_plan["program_code"]) == ["SOC-01"]
    # The deck gets a slide of its own after the summary: each item, its status, the reason
    # and the legal basis.
    deck = sl.pages(after)
    kinds = [p.slide.kind for p in deck]
    assert kinds[kinds.index("ringkasan") + 1] == "revisi"
    page = deck[kinds.index("revisi")]
    assert sl.title_of(after, page) == ("1 butir tidak dinilai tahun 2025: ditunda atau "
                                        "dibatalkan oleh revisi masterplan")
    body = sl.body_html(after, page)
    for text in ("SOC-01", "Ditunda ke 2026", "Refocusing anggaran untuk penanganan banjir",
                 "Perbup Tuban No. 45 Tahun 2025"):
        assert text in body, text
    assert "SOC-01" in set(before.programs["program_code"])
    assert "SOC-01" not in set(after.programs["program_code"])


def test_flags_and_the_meeting_report_carry_the_revised_mark(env):
    import io

    from openpyxl import load_workbook

    from monev.engine.meeting import current_rules
    from monev.reports.evaluation import evaluation_workbook, report_data
    from monev.store import meetings as store

    world.build(env, with_revision=False)
    raised = {**world.TARGET_CHANGE, "target_baru": 200}
    assert env.load(world.revision_bytes(raised, world.POSTPONE), "revisi.xlsx",
                    at=world.REVISION_AT).status == "loaded"
    flags = all_flags(env.con, REGION, AsOf(2025, 3, LATER)).set_index("indicator_code")
    assert flags.loc["GOV-01.1", "kind"] == "kritis"          # 55 of 150 expected
    assert flags.loc["GOV-01.1", "reason"].endswith("(target direvisi)")
    made = store.create_meeting(env.con, REGION, 2025, 3, title="Rapat TW III",
                                actor="admin.uji", rules=current_rules(env.con, REGION),
                                cutoff=LATER, now=LATER)
    report = report_data(env.con, made)
    assert list(report.revisions["Revisi"]) == ["Ditunda ke 2026", "Target direvisi"]
    assert report.revisions["Target semula"].iloc[1] == 100
    book = load_workbook(io.BytesIO(evaluation_workbook(report)))
    assert "Revisi Masterplan" in book.sheetnames


def test_a_postponed_program_owes_no_report_once_the_revision_is_in_force(env: Env) -> None:
    """DPMD leads only SOC-01, postponed from 1 Jul 2025: its TW I and TW II reports stay owed
    (the revision was not in force yet), TW III and TW IV are not (no "belum melapor" for an
    OPD with nothing planned). Without the revision it owes all four."""
    from monev.engine import report_completeness

    def owed() -> set[tuple[str, int]]:
        reports = report_completeness(env.con, REGION, AsOf(2025, 4, datetime(2026, 1, 31)))
        return set(zip(reports["opd_code"], reports["tw"], strict=True))

    world.build(env, with_revision=False)
    before = owed()
    assert {("DPMD", tw) for tw in (1, 2, 3, 4)} <= before
    env.load(world.revision_bytes(world.TARGET_CHANGE, world.POSTPONE), "revisi.xlsx",
             at=world.REVISION_AT, actor="admin.uji")
    after = owed()
    assert {("DPMD", 1), ("DPMD", 2)} <= after
    assert not {("DPMD", 3), ("DPMD", 4)} & after
    assert {("KOMINFO", tw) for tw in (1, 2, 3, 4)} <= after
