"""Village rollout against the budget calendar (domain.md §5), per program × village.

Stage dates are the first date each stage was reported (over the reports active at the
cut-off); only dates on or before ``asof.date`` count. Villages in the same state share one
evaluation of the domain rules, so a national list costs little more than its distinct states.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import pandas as pd

from monev.domain import village as vil
from monev.domain.settings import DEFAULT, Rules
from monev.engine import revisions
from monev.engine.asof import AsOf
from monev.engine.frames import as_date
from monev.engine.snapshot import Snapshot, Source, snapshot
from monev.store import facts

KIND_LABELS = {vil.DESA: "Desa", vil.KELURAHAN: "Kelurahan"}

ROLLOUT_COLUMNS = (
    "program_code", "program_name", "lead_opd_code", "lead_opd_name", "village_code",
    "village_name", "district_code", "district_name", "kind", "kind_label", "route",
    "route_label", "funding_source", "funding_year", "current_stage", "current_stage_on",
    "stage_dates", "status", "status_label", "reason", "slip_to_year", "effective_funding_year",
    "next_milestone", "next_milestone_due", "next_required_stage", "funding_year_original",
    "revision_note",
)
MILESTONE_COLUMNS = (
    "program_code", "village_code", "village_name", "kind", "route", "funding_year",
    "cycle_year", "milestone", "start", "due", "required_stage", "reached_on", "state",
    "state_label",
)
MILESTONE_STATES = {"terpenuhi": "Terpenuhi", "terpenuhi_terlambat": "Terpenuhi terlambat",
                    "terlewat": "Terlewat", "mendatang": "Belum jatuh tempo"}

Key = tuple[str, int, tuple[tuple[str, date], ...]]
# Stages after which a village's implementation is under way: a revision that postpones its
# program no longer moves its funding year (monev.engine.revisions.moved_village_plans).
UNDER_WAY = ("Pelaksanaan", vil.BEROPERASI)


def _plans(snap: Snapshot,
           on: date) -> tuple[pd.DataFrame, dict[tuple[str, str], dict[str, date]]]:
    """Village plans with program names, as the masterplan revisions in force on ``on`` move
    them (``revisions.moved_village_plans``), and their reported stage dates."""
    return snap.derived(("village_plans", on), lambda: _read_plans(snap, on))


def _read_plans(snap: Snapshot,
                on: date) -> tuple[pd.DataFrame, dict[tuple[str, str], dict[str, date]]]:
    dates = snap.read(facts.village_stage_dates)
    begun = dates[dates["stage"].isin(list(UNDER_WAY))]
    started: dict[tuple[str, str], date] = {}
    for prog, village, when in zip(_objects(begun["program_code"]),
                                   _objects(begun["village_code"]), begun["reached_on"],
                                   strict=True):
        when = as_date(when)
        if when is not None:
            key = (prog, village)
            started[key] = min(when, started.get(key, when))
    plans = revisions.moved_village_plans(snap, snap.read(facts.village_plans), on,
                                          started).merge(
        snap.read(facts.programs)[["program_code", "program_name", "lead_opd_code",
                                   "lead_opd_name"]],
        on="program_code", how="left")
    kinds = [k if isinstance(k, str) else vil.village_kind(c)
             for k, c in zip(_objects(plans["kind"]), _objects(plans["village_code"]),
                             strict=True)]
    plans["kind"] = kinds
    stages: dict[tuple[str, str], dict[str, date]] = {}
    for prog, village, stage, when in zip(
            _objects(dates["program_code"]), _objects(dates["village_code"]),
            _objects(dates["stage"]), dates["reached_on"], strict=True):
        when = as_date(when)
        if when is not None:
            stages.setdefault((prog, village), {})[stage] = when
    return plans, stages


def _objects(series: pd.Series) -> list[object]:
    """A column as a plain list (iterating Arrow-backed strings element by element is slow)."""
    return series.to_numpy(dtype=object).tolist()


def _own(route: str, dates: Mapping[str, date]) -> tuple[tuple[str, date], ...]:
    """Stage dates of the route (a stage of another route, left by a re-planned source, is
    dropped), sorted for use as a cache key."""
    allowed = vil.STAGES.get(route, ())
    return tuple(sorted((s, d) for s, d in dates.items() if s in allowed))


def village_rollout(con: Source, region: str, asof: AsOf,
                    rules: Rules = DEFAULT) -> pd.DataFrame:
    """Per program × planned village: kecamatan, kind, route, funding year, current stage and
    its date, stage dates, calendar status (Sesuai jadwal/Rawan/Bergeser/Beroperasi) with reason,
    slip year and next milestone (ROLLOUT_COLUMNS), judged on asof.date."""
    snap = snapshot(con, region, asof)
    return snap.derived(("villages", asof.date, rules),
                        lambda: _rollout(snap, asof, rules)).copy(deep=False)


_RESULT = ("current_stage", "current_stage_on", "stage_dates", "status", "status_label",
           "reason", "slip_to_year", "next_milestone", "next_milestone_due",
           "next_required_stage")


def _judge(route: str, funding_year: int, own: tuple[tuple[str, date], ...], on: date,
           rules: Rules) -> tuple[object, ...]:
    """The _RESULT values of one village state (route, funding year, stage dates)."""
    dates = dict(own)
    status = vil.village_status(route, funding_year, dates, on, rules)
    reached = vil.reached_stages(route, dates, on)
    current = vil.current_stage(route, dates, on)
    since = reached.get(current)
    nxt = status.next_milestone
    return (current, None if since == date.min else since,
            {s: d for s, d in dates.items() if d <= on}, status.status, status.label,
            status.reason, status.slip_to_year, nxt.name if nxt else None,
            nxt.due if nxt else None, nxt.required_stage if nxt else None)


def _rollout(snap: Snapshot, asof: AsOf, rules: Rules) -> pd.DataFrame:
    on = asof.date
    plans, stages = _plans(snap, on)
    memo: dict[Key, tuple[object, ...]] = {}
    results = []
    for route, year, prog, village in zip(
            _objects(plans["route"]), _objects(plans["funding_year"]),
            _objects(plans["program_code"]), _objects(plans["village_code"]), strict=True):
        key: Key = (route, int(year), _own(route, stages.get((prog, village), {})))
        if key not in memo:
            memo[key] = _judge(route, int(year), key[2], on, rules)
        results.append(memo[key])
    columns = list(zip(*results, strict=True)) if results else [[] for _ in _RESULT]
    frame = plans.assign(**{name: list(col) for name, col in zip(_RESULT, columns,
                                                                 strict=True)})
    frame["stage_dates"] = [dict(d) for d in frame["stage_dates"]]  # one dict per row
    frame["kind_label"] = frame["kind"].map(KIND_LABELS)
    frame["route_label"] = frame["route"].map(vil.ROUTE_LABELS)
    frame["slip_to_year"] = pd.array(list(frame["slip_to_year"]), dtype="Int64")
    frame["effective_funding_year"] = frame["slip_to_year"].fillna(
        frame["funding_year"]).astype("int64")
    return frame[list(ROLLOUT_COLUMNS)].reset_index(drop=True)


def village_milestones(con: Source, region: str, asof: AsOf,
                       rules: Rules = DEFAULT) -> pd.DataFrame:
    """Long frame for a Gantt: each planning milestone of each program × village, from the
    previous milestone (or 1 Jan of Y−1) to its due date, with the date its stage was reached
    and its state (MILESTONE_COLUMNS).

    ``cycle_year`` is the funding year whose calendar the milestone belongs to: the year as
    planned (``funding_year``) and, for a village that slipped (Bergeser), also the year it
    slipped to, whose milestones are the ones it must meet now (the planned year's deadlines
    still to come no longer apply and are left out)."""
    on = asof.date
    plans, stages = _plans(snapshot(con, region, asof), on)
    memo: dict[Key, list[tuple[object, ...]]] = {}
    rows = []
    cols = ("program_code", "village_code", "village_name", "kind", "route", "funding_year")
    for prog, village, name, kind, route, year in zip(*(_objects(plans[c]) for c in cols),
                                                      strict=True):
        key: Key = (route, int(year), _own(route, stages.get((prog, village), {})))
        if key not in memo:
            memo[key] = _cycles(route, int(year), key[2], on, rules)
        rows.extend((prog, village, name, kind, route, int(year), *m) for m in memo[key])
    return pd.DataFrame(rows, columns=list(MILESTONE_COLUMNS))


def _cycles(route: str, funding_year: int, own: tuple[tuple[str, date], ...], on: date,
            rules: Rules) -> list[tuple[object, ...]]:
    """The milestones of the planned funding year and, if the village slipped, of the year it
    slipped to, each as (cycle year, milestone, start, due, stage, reached on, state, label).
    A slipped village's planned year is lost: its deadlines still to come are left out."""
    reached = vil.reached_stages(route, dict(own), on)
    planned = _milestone_states(route, funding_year, reached, on, rules)
    slip = vil.village_status(route, funding_year, dict(own), on, rules).slip_to_year
    if slip is None:
        return [(funding_year, *m) for m in planned]
    return ([(funding_year, *m) for m in planned if m[_STATE] != "mendatang"]
            + [(slip, *m) for m in _milestone_states(route, slip, reached, on, rules)])


_STATE = 5  # position of the state in a _milestone_states tuple


def _milestone_states(route: str, funding_year: int, reached: Mapping[str, date], on: date,
                      rules: Rules) -> list[tuple[object, ...]]:
    """(milestone, start, due, required stage, reached on, state, label) of one funding year's
    calendar, given the stages reached (``vil.reached_stages``)."""
    start = date(funding_year - 1, 1, 1)
    out = []
    for m in vil.milestones(route, funding_year, rules):
        when = reached.get(m.required_stage)
        if when is not None and when <= m.due:
            state = "terpenuhi"
        elif when is not None:
            state = "terpenuhi_terlambat"
        elif m.due < on:
            state = "terlewat"
        else:
            state = "mendatang"
        out.append((m.name, start, m.due, m.required_stage,
                    None if when in (None, date.min) else when, state, MILESTONE_STATES[state]))
        start = m.due
    return out
