"""Outcome and Quick Win proposed from our data equal what the monitoring pages' engine shows
for the same cut-off on the demo, and stay frozen when data arrives after the cut-off."""

from __future__ import annotations

from datetime import datetime

import duckdb
import pytest

from monev.domain import evaluation as ev
from monev.engine import (
    AsOf,
    dimension_attainment,
    masterplan_attainment,
    program_attainment,
    rules_for,
    village_rollout,
)
from monev.engine import evaluation as en
from monev.engine.meeting import current_rules
from monev.store import db
from monev.store import evaluation as store

REGION = "35.23"
CUTOFF = datetime(2026, 8, 20, 12, 0)  # after TW II 2026's reports, before TW III's


@pytest.fixture
def demo_con(demo_db):
    with db.opened(demo_db) as con:
        store.save_edition(con, REGION, 2026, weights=ev.DEFAULT_WEIGHTS, scale_max=5.0,
                           min_respondents=50, actor="admin.uji")
        yield con


def _frozen(con: duckdb.DuckDBPyConnection, tw: int, cutoff: datetime) -> en.Proposal:
    store.set_cutoff(con, REGION, 2026, tw, cutoff, current_rules(con, REGION),
                     actor="admin.uji", now=datetime(2026, 11, 23, 9, 0))
    found = en.proposal(con, REGION, 2026)
    assert found is not None
    return found


def test_figures_equal_the_monitoring_engine_at_the_same_cut_off(demo_con):
    con = demo_con
    found = _frozen(con, 2, CUTOFF)
    asof, rules = AsOf(2026, 2, CUTOFF, CUTOFF.date()), rules_for(con, REGION)
    overall = masterplan_attainment(con, REGION, asof, rules)
    for key in ("capaian", "n_running", "n_planned", "pct_running", "n_with_value",
                "n_indicators", "band_code"):
        assert found.overall[key] == overall[key], key
    dims = dimension_attainment(con, REGION, asof, rules)
    assert found.dimensions["capaian"].round(9).tolist() == dims["capaian"].round(9).tolist()
    assert found.dimensions["n_running"].tolist() == dims["n_running"].tolist()
    rollout = village_rollout(con, REGION, asof, rules)
    assert found.villages["n_locations"] == len(rollout)
    assert found.villages["n_operating"] == int((rollout["status"] == "beroperasi").sum())
    # The demo's quick wins ran in 2023: judged at TW IV 2023, as Capaian Program shows them.
    quick = found.quick_wins.set_index("program_code")
    assert len(quick) == 5 and set(quick["judged"]) == {"s.d. TW IV 2023"}
    programs = program_attainment(con, REGION, AsOf(2023, 4, CUTOFF, CUTOFF.date()), rules)
    programs = programs.set_index("program_code").loc[quick.index]
    assert quick["capaian"].round(9).tolist() == programs["capaian"].round(9).tolist()
    assert found.scores["outcome"] == ev.outcome_proposal(
        overall["capaian"], overall["pct_running"], 5.0)


def test_with_a_cut_off_after_every_upload_it_equals_the_live_dashboard(demo_con):
    con = demo_con
    found = _frozen(con, 3, datetime(2026, 11, 23, 8, 30))
    live = masterplan_attainment(con, REGION, AsOf.latest(2026, 3), rules_for(con, REGION))
    assert found.overall["capaian"] == pytest.approx(live["capaian"], abs=1e-12)
    assert (found.overall["n_running"], found.overall["n_planned"]) == (
        live["n_running"], live["n_planned"])


def test_an_upload_after_the_cut_off_does_not_change_the_proposal(demo_con):
    con = demo_con
    before = _frozen(con, 2, CUTOFF)
    now = en.loads_at(con, REGION, datetime(2026, 11, 23, 8, 30))
    assert (now["uploaded_at"] > CUTOFF).any()  # TW III's reports came after the cut-off
    assert (before.sources["uploaded_at"] <= CUTOFF).all()
    again = en.proposal(con, REGION, 2026)
    assert again.overall == before.overall
    assert again.quick_wins.equals(before.quick_wins)


def test_the_public_figures_are_the_dashboards_and_off_means_none(demo_con):
    con = demo_con
    assert en.public_view(con, REGION) is None  # off by default
    store.set_public(con, REGION, True, actor="admin.uji")
    view = en.public_view(con, REGION, today=datetime(2026, 11, 23).date())
    live = masterplan_attainment(con, REGION, AsOf.latest(2026, 3), rules_for(con, REGION))
    assert view.period_label == "s.d. TW III 2026"
    assert view.overall["capaian"] == pytest.approx(live["capaian"], abs=1e-12)
    assert (view.overall["n_running"], view.overall["n_planned"]) == (
        live["n_running"], live["n_planned"])
    assert set(vars(view)) == {"region_name", "title", "start_year", "end_year",
                               "period_label", "overall", "dimensions", "programs",
                               "villages", "bands"}  # nothing else can reach the page
    assert list(view.programs.columns) == ["program_name", "dimension_name", "opd_name",
                                           "quick_win", "status"]
