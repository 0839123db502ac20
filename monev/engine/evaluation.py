"""The Smart City evaluation from our data: the editions side by side with their index, and the
Outcome / Quick Win / Impact figures proposed from a frozen view (like a meeting's).

A proposal is computed by the same engine functions the monitoring pages call
(``masterplan_attainment``, ``dimension_attainment``, ``program_attainment``,
``village_rollout``), on ``AsOf(year, tw, cutoff)`` with the rules frozen when the cut-off was
chosen: uploads after the cut-off do not change it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import duckdb
import pandas as pd

from monev.domain import evaluation as ev
from monev.domain.settings import Rules, rules_from
from monev.domain.village import BEROPERASI_STATUS
from monev.engine.asof import AsOf, rules_for
from monev.engine.attainment import (
    dimension_attainment,
    masterplan_attainment,
    program_attainment,
)
from monev.engine.budget import budget_summary
from monev.engine.snapshot import Snapshot, snapshot
from monev.engine.villages import village_rollout
from monev.store import evaluation as store
from monev.store import facts, uploads


def edition_asof(row: store.EditionRow) -> AsOf | None:
    """The frozen view of an edition's proposals (None until a cut-off is chosen)."""
    if row.cutoff is None or row.data_tw is None:
        return None
    cutoff = pd.Timestamp(row.cutoff).to_pydatetime()
    return AsOf(row.year, row.data_tw, cutoff, cutoff.date())


def edition_rules(row: store.EditionRow) -> Rules:
    """The monitoring rules frozen with the cut-off (defaults when none were frozen)."""
    return rules_from(row.rules or None)


@dataclass(frozen=True)
class Proposal:
    """What our data says for an edition at its cut-off, with where each figure comes from."""

    asof: AsOf
    overall: dict[str, object]          # masterplan_attainment
    dimensions: pd.DataFrame            # dimension_attainment
    quick_wins: pd.DataFrame            # quick-win programs, status and source file
    villages: dict[str, int]            # locations, operating locations, distinct villages
    sources: pd.DataFrame               # the loads active at the cut-off
    survey: pd.DataFrame                # per program: respondents, satisfaction, enough
    survey_record: dict[str, object] | None
    scores: dict[str, float | None]     # outcome, quick_win, impact proposals (None: none)
    budget: pd.DataFrame                # Output: pagu and realisation per dimension


def budget_by_dimension(snap: Snapshot, region: str, asof: AsOf, rules: Rules,
                        dims: pd.DataFrame) -> pd.DataFrame:
    """Pagu and realisation year-to-date per dimension, summed over the programs of the
    Anggaran page (``budget_summary``): dimension_name, n_programs (with a pagu), pagu,
    realisasi_ytd, absorption_pct. A dimension without any pagu has NaN, never 0."""
    progs = budget_summary(snap, region, asof, rules)
    progs = progs[progs["pagu"].notna()]
    sums = progs.groupby("dimension_code").agg(
        n_programs=("program_code", "size"), pagu=("pagu", "sum"),
        realisasi_ytd=("realisasi_ytd", lambda s: s.sum(min_count=1)))
    out = dims[["dimension_code", "dimension_name"]].merge(
        sums.reset_index(), on="dimension_code", how="left")
    out["n_programs"] = out["n_programs"].fillna(0).astype("int64")
    out["absorption_pct"] = out["realisasi_ytd"] / out["pagu"].where(out["pagu"] > 0) * 100
    return out


def loads_at(con: duckdb.DuckDBPyConnection, region: str, cutoff: datetime) -> pd.DataFrame:
    """The region's loads active at the cut-off: load_id, kind, file_name, opd_code, year,
    tw, uploaded_by, uploaded_at."""
    return con.execute("""SELECT l.load_id, l.kind, l.file_name, l.opd_code, l.year, l.tw,
                                 l.uploaded_by, l.uploaded_at
        FROM load l WHERE l.region_code = ? AND l.load_id IN (SELECT load_id FROM loads_asof(?))
        ORDER BY l.kind DESC, l.opd_code, l.year, l.tw""", [region, cutoff]).df()


def _quick_wins(snap: Snapshot, region: str, asof: AsOf, rules: Rules,
                sources: pd.DataFrame) -> pd.DataFrame:
    """Every quick-win program of the masterplan with its status for the edition: a program
    whose period ended before the edition's year is judged at TW IV of its last year (the
    same view Capaian Program shows for that year at this cut-off), a running one at the
    edition's view; with the lead OPD's latest report of that year active at the cut-off."""
    plan = snap.read(facts.programs)
    plan = plan[plan["quick_win"].astype(bool)]
    rows = []
    for prog in plan.itertuples(index=False):
        if int(prog.start_year) > asof.year:
            rows.append({"program_code": prog.program_code, "program_name": prog.program_name,
                         "dimension_name": prog.dimension_name,
                         "lead_opd_code": prog.lead_opd_code,
                         "lead_opd_name": prog.lead_opd_name, "judged": None,
                         "capaian": None, "band_code": None, "band_label": None,
                         "n_indicators": 0, "n_with_value": 0, "running": False,
                         "status_label": f"Belum dimulai (mulai {int(prog.start_year)})",
                         "source_file": None})
            continue
        year = min(int(prog.end_year), asof.year)
        view = asof if year == asof.year else AsOf(year, 4, asof.cutoff, asof.date)
        found = program_attainment(snap, region, view, rules)
        found = found[found["program_code"] == prog.program_code]
        reported = set(snap.read(facts.programs_reported, view.year, view.tw)["program_code"])
        running = prog.program_code in reported
        if year < asof.year:
            status = f"Selesai {year}" if running else f"Berakhir {year} tanpa realisasi"
        else:
            status = "Berjalan" if running else "Belum ada realisasi"
        reports = sources[(sources["kind"] == "laporan") & (sources["year"] == view.year)
                          & (sources["tw"] <= view.tw)
                          & (sources["opd_code"] == prog.lead_opd_code)].sort_values("tw")
        one = found.iloc[0] if len(found) else None
        rows.append({
            "program_code": prog.program_code, "program_name": prog.program_name,
            "dimension_name": prog.dimension_name, "lead_opd_code": prog.lead_opd_code,
            "lead_opd_name": prog.lead_opd_name, "judged": view.label,
            "capaian": None if one is None or pd.isna(one["capaian"]) else float(one["capaian"]),
            "band_code": None if one is None else one["band_code"],
            "band_label": None if one is None else one["band_label"],
            "n_indicators": 0 if one is None else int(one["n_indicators"]),
            "n_with_value": 0 if one is None else int(one["n_with_value"]),
            "running": running, "status_label": status,
            "source_file": reports["file_name"].iloc[-1] if len(reports) else None})
    return pd.DataFrame(rows, columns=QUICK_WIN_COLUMNS)


QUICK_WIN_COLUMNS = ("program_code", "program_name", "dimension_name", "lead_opd_code",
                     "lead_opd_name", "judged", "capaian", "band_code", "band_label",
                     "n_indicators", "n_with_value", "running", "status_label", "source_file")


def _villages(rollout: pd.DataFrame) -> dict[str, int]:
    operating = rollout[rollout["status"] == BEROPERASI_STATUS]
    return {"n_locations": len(rollout), "n_operating": len(operating),
            "n_villages": int(rollout["village_code"].nunique()) if len(rollout) else 0,
            "n_villages_operating": int(operating["village_code"].nunique())
            if len(operating) else 0}


def survey_summary(con: duckdb.DuckDBPyConnection, region: str, year: int,
                   min_respondents: int) -> pd.DataFrame:
    """The active survey per program with whether it reached the edition's minimum:
    program_code, n_respondents, satisfaction, survey_scale, enough."""
    frame = store.survey_programs(con, region, year)
    return frame.assign(enough=frame["n_respondents"] >= min_respondents)


def proposal(con: duckdb.DuckDBPyConnection, region: str, year: int) -> Proposal | None:
    """The figures our data proposes for an edition at its cut-off (None without an edition
    or a cut-off)."""
    row = store.edition(con, region, year)
    asof = None if row is None else edition_asof(row)
    if row is None or asof is None:
        return None
    rules = edition_rules(row)
    snap = snapshot(con, region, asof)
    overall = masterplan_attainment(snap, region, asof, rules)
    dims = dimension_attainment(snap, region, asof, rules)
    sources = loads_at(con, region, asof.cutoff)
    quick = _quick_wins(snap, region, asof, rules, sources)
    villages = _villages(village_rollout(snap, region, asof, rules))
    survey = survey_summary(con, region, year, row.min_respondents)
    scale = row.scale_max
    impact = None
    if len(survey):
        impact = ev.impact_proposal(
            list(zip(survey["satisfaction"].astype(float), survey["n_respondents"].astype(int),
                     strict=True)),
            float(survey["survey_scale"].iloc[0]), row.min_respondents, scale)
    scores = {
        "outcome": ev.outcome_proposal(overall["capaian"], overall["pct_running"], scale),
        "quick_win": ev.quick_win_proposal(
            [None if pd.isna(v) else float(v) for v in quick["capaian"]], scale),
        "impact": impact,
    }
    return Proposal(asof, overall, dims, quick, villages, sources, survey,
                    store.active_survey(con, region, year), scores,
                    budget_by_dimension(snap, region, asof, rules, dims))


OVERVIEW_COLUMNS = ("year", "dimension", "dimension_label", "weight", "score", "origin",
                    "contribution")


@dataclass(frozen=True)
class Overview:
    """Every edition of a region side by side: per dimension weight and score, the index,
    and the change since the previous edition."""

    table: pd.DataFrame             # OVERVIEW_COLUMNS, one row per edition × dimension
    index: pd.DataFrame             # year, index, missing, change (vs the previous edition)


def overview(con: duckdb.DuckDBPyConnection, region: str) -> Overview:
    """The editions of a region, oldest first, with their Indeks Pencapaian."""
    eds = sorted(store.editions(con, region), key=lambda e: e.year)
    all_scores = store.scores(con, region)
    rows, idx = [], []
    previous: float | None = None
    previous_scale: float | None = None
    for e in eds:
        mine = all_scores[all_scores["year"] == e.year]
        by_dim = dict(zip(mine["dimension"], mine["score"].astype(float), strict=True))
        origins = dict(zip(mine["dimension"], mine["origin"], strict=True))
        result = ev.achievement_index(by_dim, e.weights)
        for code in ev.CODES:
            rows.append({"year": e.year, "dimension": code, "dimension_label": ev.LABELS[code],
                         "weight": e.weights[code], "score": by_dim.get(code),
                         "origin": ev.ORIGIN_LABELS.get(origins.get(code, ""), None),
                         "contribution": result.contributions.get(code)})
        idx.append({"year": e.year, "index": result.value, "missing": result.text_missing,
                    "scale_max": e.scale_max,
                    # indexes on different scales are not compared
                    "change": ev.change(result.value, previous)
                    if previous_scale == e.scale_max else None})
        if result.value is not None:
            previous, previous_scale = result.value, e.scale_max
    return Overview(pd.DataFrame(rows, columns=list(OVERVIEW_COLUMNS)),
                    pd.DataFrame(idx, columns=["year", "index", "missing", "scale_max",
                                               "change"]))


# ---------------------------------------------------------------- the public page

@dataclass(frozen=True)
class PublicView:
    """What the public page shows of a region: only figures, names of programs and OPDs, and
    dimensions; no kendala, accounts, files or upload links."""

    region_name: str
    title: str
    start_year: int
    end_year: int
    period_label: str
    overall: dict[str, object]
    dimensions: pd.DataFrame      # dimension_name, capaian, band_label, n_running, n_planned
    programs: pd.DataFrame        # program_name, dimension_name, opd_name, status
    villages: dict[str, int]
    bands: str                    # the band thresholds in force, in words


def public_view(con: duckdb.DuckDBPyConnection, region: str,
                today: date | None = None) -> PublicView | None:
    """The region's public page data (None when the page is off or no masterplan is loaded):
    the latest reported quarter as the dashboard shows it (``AsOf.latest``), with the
    region's rules."""
    if not store.public_enabled(con, region):
        return None
    regions = uploads.active_regions(con)
    found = regions[regions["region_code"] == region]
    if found.empty:
        return None
    plan = found.iloc[0]
    periods = uploads.report_periods(con, region)
    today = today or date.today()
    if len(periods):
        year, tw = int(periods["year"].iloc[0]), int(periods["tw"].iloc[0])
    else:
        ended = (today.month - 1) // 3   # the last quarter that has ended
        year, tw = (today.year, ended) if ended else (today.year - 1, 4)
    asof, rules = AsOf.latest(year, tw, today), rules_for(con, region)
    snap = snapshot(con, region, asof)
    overall = masterplan_attainment(snap, region, asof, rules)
    dims = dimension_attainment(snap, region, asof, rules)
    programs = program_attainment(snap, region, asof, rules)
    reported = set(snap.read(facts.programs_reported, asof.year, asof.tw)["program_code"])
    status = [("Sudah berjalan" if code in reported else "Belum berjalan")
              + ("" if pd.isna(cap) else f" · capaian {band}")
              for code, cap, band in zip(programs["program_code"], programs["capaian"],
                                         programs["band_label"], strict=True)]
    villages = _villages(village_rollout(snap, region, asof, rules))
    return PublicView(
        str(plan["region_name"]), str(plan["title"]), int(plan["start_year"]),
        int(plan["end_year"]), asof.label,
        {k: overall[k] for k in ("capaian", "band_label", "n_running", "n_planned",
                                 "pct_running")},
        dims[["dimension_name", "capaian", "band_label", "n_running", "n_planned"]],
        pd.DataFrame({"program_name": programs["program_name"],
                      "dimension_name": programs["dimension_name"],
                      "opd_name": programs["lead_opd_name"].fillna(programs["lead_opd_code"]),
                      "quick_win": programs["quick_win"].astype(bool), "status": status}),
        villages,
        f"Sangat Tinggi mulai {ev.number_text(rules.band_st)}%, Tinggi mulai "
        f"{ev.number_text(rules.band_t)}%, Sedang mulai {ev.number_text(rules.band_s)}%, "
        f"Rendah mulai {ev.number_text(rules.band_r)}%, di bawahnya Sangat Rendah")
