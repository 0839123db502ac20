"""Masterplan revisions applied to a view (domain.md §3b).

The masterplan's own targets are never changed: a view applies the revisions *in force* at its
viewed date. The viewed date of an as-of (year, tw) is the last day of that TW; a revision is in
force when its effective date (Berlaku Mulai) is on or before it, and its load was active at the
snapshot's cut-off (``monev.store.revisions``: an as-of view or a frozen meeting sees the
revisions as they stood then). Village calendars are judged on ``AsOf.date`` and take the
revisions in force on that date.

What a revision in force does to year Y (rows in effective-date order, a later one winning):

* ``ditunda`` (Tahun → Tahun Baru X): the item is not planned in Tahun ≤ Y < X: it leaves the
  assessed indicators, Tertinggal/Kritis and the running ÷ planned count, and is listed as
  "Ditunda ke X". Its village plans funded in those years move to X.
* ``dibatalkan`` (from Tahun): not planned in Y ≥ Tahun, listed as "Dibatalkan"; its village
  plans of those years are dropped from the calendar.
* ``dijadwal_ulang`` (Tahun → Tahun Baru, TW optional): the annual target of Tahun (or that
  quarter's) moves to Tahun Baru. Without TW the item is not planned in Tahun ("Dijadwal ulang
  ke …") and a whole program's village plans of Tahun move to Tahun Baru.
* ``target_diubah``: the target of (Tahun, TW or annual) in force is Target Baru.
* ``ditambah``: the legal record of an item added to the masterplan (the item itself comes
  with the masterplan workbook, reloaded: see ``etl.revision``); it is not planned before
  Tahun, and Target Baru (with an indicator) sets its target of Tahun.

Indicator frames keep the masterplan's annual target as ``target_original`` beside the one in
force (``annual``) and say ``revised`` with a ``revision_note`` in words.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from monev.domain.text import format_angka, tw_label
from monev.domain.workdays import quarter_end
from monev.engine.asof import AsOf
from monev.engine.snapshot import Snapshot, Source, snapshot
from monev.store import facts
from monev.store import revisions as store

KIND_LABELS = {"ditunda": "Ditunda", "dijadwal_ulang": "Dijadwal ulang",
               "target_diubah": "Target diubah", "dibatalkan": "Dibatalkan",
               "ditambah": "Ditambah"}
REVISED_MARK = "direvisi"
OFF_COLUMNS = ("program_code", "program_name", "indicator_code", "indicator_name",
               "lead_opd_code", "lead_opd_name", "kind", "status_label", "reason",
               "legal_basis", "effective_date")
HISTORY_COLUMNS = ("program_code", "indicator_code", "kind", "kind_label", "what", "year",
                   "new_year", "tw", "new_target", "reason", "legal_basis", "effective_date",
                   "in_force", "source")


def viewed_date(asof: AsOf) -> date:
    """The last day of the viewed TW: the date a revision must be in force by."""
    return quarter_end(asof.year, asof.tw)


@dataclass(frozen=True)
class YearPlan:
    """What the revisions in force at a date do to one year: items off the plan (program
    code, or indicator code) with the revision row that took them off, and targets in force
    ((indicator, tw) -> value or None for a quarterly target moved away; tw 0 = annual) with
    a note in words."""

    year: int
    on: date
    off_programs: dict[str, dict] = field(default_factory=dict)
    off_indicators: dict[str, dict] = field(default_factory=dict)
    targets: dict[tuple[str, int], float | None] = field(default_factory=dict)
    notes: dict[str, list[str]] = field(default_factory=dict)   # indicator -> notes
    program_notes: dict[str, list[str]] = field(default_factory=dict)


def all_revisions(snap: Snapshot) -> pd.DataFrame:
    """Every revision the snapshot's loads hold (``monev.store.revisions.revisions``)."""
    return snap.read(store.revisions)


def legal_basis(row: dict | pd.Series) -> str:
    """'Perbup 12/2025 tanggal 01-06-2025'."""
    when = row["legal_date"]
    return f"{row['legal_number']} tanggal {when:%d-%m-%Y}" if when else str(row["legal_number"])


def _status_label(row: dict, year: int) -> str:
    kind = row["kind"]
    if kind == "ditunda":
        return f"Ditunda ke {row['new_year']}"
    if kind == "dijadwal_ulang":
        return f"Dijadwal ulang ke {row['new_year']}"
    if kind == "dibatalkan":
        return f"Dibatalkan mulai {row['year']}"
    return f"Ditambah mulai {row['year']}"


def year_plan(snap: Snapshot, year: int, on: date) -> YearPlan:
    """The revisions in force at ``on`` applied to ``year`` (computed once per snapshot)."""
    return snap.derived(("revision_plan", year, on), lambda: _year_plan(snap, year, on))


def _none(value: object) -> object:
    return None if value is None or value is pd.NA or (
        isinstance(value, float) and np.isnan(value)) else value


def _year_plan(snap: Snapshot, year: int, on: date) -> YearPlan:
    plan = YearPlan(year, on)
    rows = all_revisions(snap)
    if rows.empty:
        return plan
    targets = snap.read(store.revised_targets)
    by_program: dict[str, list[str]] = {}
    original: dict[tuple[str, int, int], float] = {}
    for ind, prog, y, tw, value in targets.itertuples(index=False):
        by_program.setdefault(prog, []).append(ind)
        original[(ind, int(y), int(tw))] = float(value)
    for rec in rows.to_dict("records"):
        rec = {k: _none(v) for k, v in rec.items()}
        prog, ind, kind = rec["program_code"], rec["indicator_code"], rec["kind"]
        items = [ind] if ind else sorted(set(by_program.get(prog, [])))
        basis = legal_basis(rec)
        if rec["effective_date"] > on:
            continue
        r_year, new_year, tw = rec["year"], rec["new_year"], rec["tw"]
        if kind == "ditunda" and r_year <= year < new_year \
                or kind == "dibatalkan" and year >= r_year \
                or kind == "ditambah" and year < r_year \
                or kind == "dijadwal_ulang" and tw is None and year == r_year:
            _off(plan, prog, ind, rec, year)
            continue
        if kind == "dijadwal_ulang":
            q = tw or 0
            for item in items:
                if year == r_year:  # a quarterly target moved away
                    plan.targets[(item, q)] = None
                    _note(plan, item, f"Target {_period(q)} {r_year} dijadwal ulang ke "
                          f"{new_year} ({basis})")
                elif year == new_year:
                    moved = original.get((item, r_year, q))
                    if moved is not None:
                        plan.targets[(item, q)] = moved
                        _note(plan, item, f"Target {_period(q)} {year} = target {r_year} "
                              f"({_num(moved)}), dijadwal ulang ({basis})")
            if year in (r_year, new_year):
                plan.program_notes.setdefault(prog, []).append(
                    f"Dijadwal ulang {r_year} → {new_year} ({basis})")
        elif kind in ("target_diubah", "ditambah") and year == r_year \
                and rec["new_target"] is not None and ind:
            q = tw or 0
            before = plan.targets.get((ind, q), original.get((ind, year, q)))
            plan.targets[(ind, q)] = float(rec["new_target"])
            was = "" if before is None else f" (semula {_num(before)})"
            _note(plan, ind, f"Target {_period(q)} {year} diubah menjadi "
                  f"{_num(rec['new_target'])}{was}, berlaku {rec['effective_date']:%d-%m-%Y} "
                  f"({basis})")
            plan.program_notes.setdefault(prog, []).append(f"Target {ind} diubah ({basis})")
    return plan


def _period(q: int) -> str:
    return "tahunan" if q == 0 else tw_label(q)


def _num(value: object) -> str:
    return "–" if value is None else format_angka(float(value), trim=True)  # type: ignore


def _note(plan: YearPlan, indicator: str, text: str) -> None:
    plan.notes.setdefault(indicator, []).append(text)


def _off(plan: YearPlan, prog: str, ind: str | None, rec: dict, year: int) -> None:
    entry = {**rec, "status_label": _status_label(rec, year)}
    if ind:
        plan.off_indicators[ind] = entry
    else:
        plan.off_programs[prog] = entry


# ---------------------------------------------------------------- applied to engine frames


def apply_to_indicator_facts(snap: Snapshot, raw: pd.DataFrame, year: int, on: date,
                             drop_off: bool = True) -> pd.DataFrame:
    """``facts.indicator_facts`` of ``year`` as revised at ``on``: rows of items off the plan
    left out (unless not ``drop_off``), the targets in force in annual/t1..t4 (quarterly upper
    bounds of a changed target dropped), and target_original, revised, revision_note added."""
    plan = year_plan(snap, year, on)
    raw = raw.assign(target_original=pd.to_numeric(raw["annual"], errors="coerce")
                     .astype("float64"), revised=False, revision_note=None)
    if not (plan.off_programs or plan.off_indicators or plan.targets):
        return raw
    if drop_off and (plan.off_programs or plan.off_indicators):
        off = raw["program_code"].isin(list(plan.off_programs)) \
            | raw["indicator_code"].isin(list(plan.off_indicators))
        raw = raw[~off.to_numpy(dtype=bool)].reset_index(drop=True)
    if not plan.targets:
        return raw
    raw = raw.copy()
    for col in ("annual", "annual_max", "t1", "t2", "t3", "t4", "m1", "m2", "m3", "m4"):
        raw[col] = pd.to_numeric(raw[col], errors="coerce").astype("float64")
    position = {code: i for i, code in enumerate(raw["indicator_code"])}
    revised = raw["revised"].to_numpy(dtype=bool).copy()
    notes = list(raw["revision_note"])
    for (ind, q), value in plan.targets.items():
        i = position.get(ind)
        if i is None:
            continue
        col, high = ("annual", "annual_max") if q == 0 else (f"t{q}", f"m{q}")
        raw.loc[i, col] = np.nan if value is None else value
        raw.loc[i, high] = np.nan
        revised[i] = True
        notes[i] = "; ".join(plan.notes.get(ind, [])) or None
    return raw.assign(revised=revised, revision_note=notes)


def off_programs(snap: Snapshot, year: int, on: date) -> set[str]:
    """Programs a revision in force at ``on`` takes off the plan of ``year`` (postponed,
    cancelled, rescheduled, or added later): not planned in that year."""
    return set(year_plan(snap, year, on).off_programs)


def off_plan(con: Source, region: str, asof: AsOf) -> pd.DataFrame:
    """Items the revisions in force at the viewed date take off the plan of asof.year, with
    the reason (OFF_COLUMNS): the "Ditunda / dibatalkan" section of Ringkasan, Capaian
    Program and the meeting deck. Only items the masterplan schedules in that year."""
    snap = snapshot(con, region, asof)
    plan = year_plan(snap, asof.year, viewed_date(asof))
    if not (plan.off_programs or plan.off_indicators):
        return pd.DataFrame(columns=list(OFF_COLUMNS))
    progs = snap.read(facts.programs)
    progs = progs[(progs["start_year"] <= asof.year) & (progs["end_year"] >= asof.year)]
    names = dict(zip(progs["program_code"], progs["program_name"], strict=True))
    leads = {c: (o, n) for c, o, n in zip(progs["program_code"], progs["lead_opd_code"],
                                          progs["lead_opd_name"], strict=True)}
    raw = snap.read(facts.indicator_facts, asof.year, asof.tw)
    ind_names = dict(zip(raw["indicator_code"], raw["indicator_name"], strict=True))
    rows = []
    for entries, is_program in ((plan.off_programs, True), (plan.off_indicators, False)):
        for code, rec in entries.items():
            prog = rec["program_code"]
            if prog not in names or (not is_program and code not in ind_names):
                continue
            if not is_program and prog in plan.off_programs:
                continue  # already listed with its program
            lead = leads[prog]
            rows.append({"program_code": prog, "program_name": names[prog],
                         "indicator_code": None if is_program else code,
                         "indicator_name": None if is_program else ind_names[code],
                         "lead_opd_code": lead[0], "lead_opd_name": lead[1],
                         "kind": rec["kind"], "status_label": rec["status_label"],
                         "reason": rec["reason"], "legal_basis": legal_basis(rec),
                         "effective_date": rec["effective_date"]})
    frame = pd.DataFrame(rows, columns=list(OFF_COLUMNS))
    return frame.sort_values(["program_code", "indicator_code"], na_position="first",
                             ignore_index=True)


def program_history(con: Source, region: str, asof: AsOf,
                    program_code: str | None = None) -> pd.DataFrame:
    """Every revision the view's loads hold (of one program when given), oldest effective
    first, with whether it is in force at the viewed date (HISTORY_COLUMNS)."""
    snap = snapshot(con, region, asof)
    rows = all_revisions(snap)
    if program_code is not None:
        rows = rows[rows["program_code"] == program_code]
    on = viewed_date(asof)
    out = []
    for rec in rows.to_dict("records"):
        rec = {k: _none(v) for k, v in rec.items()}
        out.append({
            "program_code": rec["program_code"], "indicator_code": rec["indicator_code"],
            "kind": rec["kind"], "kind_label": KIND_LABELS[rec["kind"]],
            "what": describe(rec), "year": rec["year"], "new_year": rec["new_year"],
            "tw": rec["tw"], "new_target": rec["new_target"], "reason": rec["reason"],
            "legal_basis": legal_basis(rec), "effective_date": rec["effective_date"],
            "in_force": rec["effective_date"] <= on,
            "source": (f"sheet Revisi masterplan (muatan #{rec['load_id']})"
                       if rec["load_kind"] == "masterplan"
                       else f"{rec['file_name']} (muatan #{rec['load_id']})")})
    frame = pd.DataFrame(out, columns=list(HISTORY_COLUMNS))
    for col in ("year", "new_year", "tw"):
        frame[col] = frame[col].astype("Int64")
    frame["new_target"] = pd.to_numeric(frame["new_target"]).astype("float64")
    return frame


def describe(rec: dict) -> str:
    """One revision in words: 'SOC-01 ditunda dari 2026 ke 2027'."""
    item = rec["indicator_code"] or rec["program_code"]
    kind, year, new_year = rec["kind"], rec["year"], rec["new_year"]
    period = f" {tw_label(int(rec['tw']))}" if rec.get("tw") else ""
    if kind == "ditunda":
        return f"{item} ditunda dari {year} ke {new_year}"
    if kind == "dijadwal_ulang":
        return f"Target{period} {item} tahun {year} dijadwal ulang ke {new_year}"
    if kind == "target_diubah":
        return f"Target{period} {item} tahun {year} diubah menjadi {_num(rec['new_target'])}"
    if kind == "dibatalkan":
        return f"{item} dibatalkan mulai {year}"
    extra = f", target{period} {_num(rec['new_target'])}" if rec.get("new_target") else ""
    return f"{item} ditambah mulai {year}{extra}"


def moved_village_plans(snap: Snapshot, plans: pd.DataFrame, on: date,
                        started: Mapping[tuple[str, str], date] | None = None
                        ) -> pd.DataFrame:
    """Village plans (program_code, funding_year, …) with the revisions in force at ``on``:
    a postponed program's plans funded in the postponed years move to its new year, a whole
    program rescheduled moves the plans of that year, a cancelled program's plans from its
    cancelled year are dropped. A village whose implementation had already started by the
    revision's effective date (``started``: (program, village) -> first date of Pelaksanaan
    or Beroperasi) stays as it is. Adds funding_year_original and revision_note."""
    plans = plans.assign(funding_year_original=plans["funding_year"], revision_note=None)
    rows = all_revisions(snap)
    if rows.empty or plans.empty:
        return plans
    rows = rows[(rows["indicator_code"].isna()) & (rows["effective_date"] <= on)]
    years = plans["funding_year"].to_numpy(dtype="int64").copy()
    keep = np.ones(len(plans), dtype=bool)
    notes = list(plans["revision_note"])
    codes = plans["program_code"].to_numpy(dtype=object)
    villages = plans["village_code"].to_numpy(dtype=object)
    begun = started or {}
    for rec in rows.to_dict("records"):
        rec = {k: _none(v) for k, v in rec.items()}
        mine = codes == rec["program_code"]
        if begun:
            mine &= np.array([not (begun.get((p, v)) or date.max) <= rec["effective_date"]
                              for p, v in zip(codes, villages, strict=True)], dtype=bool)
        kind, r_year, new_year = rec["kind"], rec["year"], rec["new_year"]
        if kind == "ditunda":
            hit = mine & (years >= r_year) & (years < new_year)
        elif kind == "dijadwal_ulang" and rec["tw"] is None:
            hit = mine & (years == r_year)
        elif kind == "dibatalkan":
            keep &= ~(mine & (years >= r_year))
            continue
        else:
            continue
        years[hit] = new_year
        for i in np.flatnonzero(hit):
            notes[i] = (f"{KIND_LABELS[kind]} ke {new_year} ({legal_basis(rec)}), "
                        f"semula {plans['funding_year_original'].iloc[i]}")
    plans = plans.assign(funding_year=years, revision_note=notes)
    return plans[keep].reset_index(drop=True)
