"""A synthetic national dataset: every regency of Indonesia with a Smart City masterplan and
quarterly reports from 2023 TW I to 2026 TW III, written straight to DuckDB in bulk.

``build_national(db_path, seed, regions)`` generates, deterministically from ``seed`` (one
numpy ``Generator`` per region, so a region's data does not depend on which other regions are
built), for every regency of the Kemendagri reference list (``data/reference/wilayah``):

* a masterplan load: 30–50 programs drawn from the Kabupaten Tuban demo catalogue
  (``etl.demo_data``: names, dimensions, lead and supporting OPDs, horizons), 1–3 indicators
  each (both polarities, the three accumulation types, some without a baseline, some range
  targets), annual targets for the ten years 2023–2032 (quarterly action-plan targets for 2025
  and 2026 on some), its OPDs, and village rollouts (2–4 programs over real desa/kelurahan of
  the regency, funded 2024–2028 through APBDes or APBD, each village with a fate on the budget
  calendar);
* one laporan load per lead OPD and TW from 2023 TW I to 2026 TW III while the OPD leads a
  running program: realisation of its indicators (on the OPD's basis, "tw" or "sdtw", a few
  cells blank), budget per funding source, physical progress with kendala/tindak lanjut, and the
  current stage of its villages; about 3 % of reports missing, some late (a couple of OPDs per
  regency often), about 1 % corrected by a later resubmission that supersedes the first.

Everything the real loader writes is written the same way (``etl.load.load_bytes``): a ``load``
row per file (kind, scope_key, basis, uploaded_by, uploaded_at, received_on, counts_json;
file_hash = sha256 of a seed string; archive_path ''), its ``load_activation`` interval (closed
for a superseded report), and ``load`` / ``supersede`` events; load and event ids follow the
order of upload, as the loader's max + 1 would. Facts are built as DataFrames per batch of
regions and inserted with one ``INSERT INTO t SELECT ... FROM frame`` per table, in region
order (so DuckDB's zone maps skip other regions' row groups).
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from etl import demo_data as dd
from etl.template import TEMPLATE_VERSION
from etl.validate import TW_NAMES
from monev.domain.settings import DEFAULT_DIMENSIONS
from monev.domain.village import ALL_STAGES, APBD, APBDES, BEROPERASI, RENCANA, STAGES
from monev.domain.workdays import quarter_end, report_due_date
from monev.engine import vector
from monev.store import current, db

TODAY = date(2026, 11, 23)
YEARS = tuple(range(2023, 2033))            # the masterplan period (targets)
REPORT_YEARS = (2023, 2024, 2025, 2026)     # years with quarterly reports
LAST_PERIOD = (2026, 3)
PERIODS = tuple((y, q) for y in REPORT_YEARS for q in (1, 2, 3, 4) if (y, q) <= LAST_PERIOD)
MARKER = "bench_national"                    # setting that marks a generated database
ADMIN = "admin.diskominfo"
BATCH = 48                                   # regions per bulk insert

DIM_CODE = {name: code for code, name, _ in DEFAULT_DIMENSIONS}
DIM_ORDER = {code: i for i, code in enumerate(DIM_CODE.values())}
OPD_INFO = {code: (name, short) for code, name, short in dd.OPDS}
OPD_ORDER = {code: i for i, (code, _, _) in enumerate(dd.OPDS)}
ROLLOUT_KIND = {r.program: r.kind for r in dd.ROLLOUTS}
ROLLOUT_SOURCES = {r.program: r.sources for r in dd.ROLLOUTS}
UNSCALED_UNITS = frozenset({"%", "hari", "menit", "indeks"})
PROFILE_P = {"ok": 0.72, "lag": 0.14, "crit": 0.07, "stag": 0.07}
PROFILE_C = {"ok": (0.93, 1.12), "lag": (0.58, 0.72), "crit": (0.28, 0.46),
             "stag": (0.84, 0.95)}
Q_SHARE = {"positif": (0.15, 0.25, 0.28), "negatif": (0.24, 0.25, 0.25)}
Q_LEVEL = (0.2, 0.45, 0.75, 1.0)
ABSORPTION = {False: ((0.05, 0.14), (0.27, 0.40), (0.55, 0.70), (0.88, 0.97)),
              True: ((0.0, 0.04), (0.08, 0.18), (0.22, 0.38), (0.65, 0.82))}
SOURCE_SHARES = {1: (1.0,), 2: (0.7, 0.3), 3: (0.5, 0.3, 0.2)}
STAGE_COLS = {stage: i for i, stage in enumerate(ALL_STAGES)}
MASTERPLAN_TABLES = ("masterplan", "opd", "program", "program_support", "indicator", "target",
                     "village_plan")
LAPORAN_TABLES = ("realisation", "budget", "program_progress", "village_stage")
COLUMNS: dict[str, tuple[str, ...]] = {
    "masterplan": ("region_code", "load_id", "title", "start_year", "end_year", "legal_basis"),
    "opd": ("region_code", "load_id", "opd_code", "name", "short_name", "src_sheet",
            "src_row"),
    "program": ("region_code", "load_id", "program_code", "name", "dimension_code",
                "sub_dimension", "horizon", "quick_win", "lead_opd_code", "start_year",
                "end_year", "rpjmd_ref", "src_sheet", "src_row"),
    "program_support": ("region_code", "load_id", "program_code", "opd_code"),
    "indicator": ("region_code", "load_id", "indicator_code", "program_code", "name", "unit",
                  "polarity", "accumulation", "baseline", "weight", "src_sheet", "src_row"),
    "target": ("region_code", "load_id", "indicator_code", "year", "tw", "value", "value_max",
               "src_sheet", "src_row"),
    "village_plan": ("region_code", "load_id", "program_code", "village_code", "funding_year",
                     "route", "funding_source", "src_sheet", "src_row"),
    "realisation": ("region_code", "load_id", "indicator_code", "year", "tw", "value", "basis",
                    "note", "src_sheet", "src_row"),
    "budget": ("region_code", "load_id", "program_code", "year", "tw", "funding_source", "pagu",
               "realisasi", "basis", "over_pagu_ok", "src_sheet", "src_row"),
    "program_progress": ("region_code", "load_id", "program_code", "year", "tw", "fisik_pct",
                         "kendala", "tindak_lanjut", "src_sheet", "src_row"),
    "village_stage": ("region_code", "load_id", "program_code", "village_code", "stage",
                      "reached_on", "note", "src_sheet", "src_row"),
}


# ---------------------------------------------------------------- small helpers


def _rng(seed: int, region: str) -> np.random.Generator:
    """The region's own random stream (independent of which other regions are built)."""
    return np.random.default_rng([seed, int(region.replace(".", ""))])


def _round(x: np.ndarray, dec: np.ndarray) -> np.ndarray:
    """Round each value to its indicator's decimals (counts of thousands to tens/hundreds)."""
    x = np.asarray(x, dtype="float64")
    dec = np.broadcast_to(dec, x.shape)
    step = np.where(dec > 0, 10.0 ** -dec.astype(float),
                    np.select([np.abs(x) >= 100_000, np.abs(x) >= 10_000, np.abs(x) >= 1_000],
                              [1000.0, 100.0, 10.0], 1.0))
    return np.round(x / step) * step


def _days(d: date) -> np.datetime64:
    return np.datetime64(d, "D")


def _dates_in(rng: np.random.Generator, years: np.ndarray, start: tuple[int, int],
              end: tuple[int, int]) -> np.ndarray:
    """A random day between (month, day) start and end of each year, inclusive."""
    first = np.array([np.datetime64(f"{y:04d}-{start[0]:02d}-{start[1]:02d}") for y in
                      range(2020, 2036)])
    span = (date(2021, *end) - date(2021, *start)).days
    base = first[np.asarray(years, dtype=int) - 2020]
    return base + rng.integers(0, span + 1, size=len(base)).astype("timedelta64[D]")


def _since_last(values: np.ndarray, reported: np.ndarray) -> np.ndarray:
    """(n, 4) cumulative values -> the amount since the last quarter actually reported (what an
    OPD on the "tw" basis writes); quarters not reported give NaN."""
    out = np.full(values.shape, np.nan)
    last = np.zeros(values.shape[0])
    for q in range(values.shape[1]):
        out[:, q] = np.where(reported[:, q], values[:, q] - last, np.nan)
        last = np.where(reported[:, q], values[:, q], last)
    return out


def _busday(d: np.ndarray, offset: np.ndarray | int = 0) -> np.ndarray:
    """Working day (Mon–Fri) on or after d, plus offset working days."""
    return np.busday_offset(d.astype("datetime64[D]"), offset, roll="forward")


# ---------------------------------------------------------------- the catalogue

@dataclass(frozen=True)
class _Catalogue:
    """The demo programs and indicators as arrays to draw from."""

    programs: tuple[dd.Prog, ...]
    dim_pool: dict[str, list[tuple[int, int]]]   # dimension code -> (program idx, ind idx)
    rollout_idx: tuple[int, ...]


def _catalogue() -> _Catalogue:
    progs = dd.PROGRAMS
    pool: dict[str, list[tuple[int, int]]] = {}
    for p_i, prog in enumerate(progs):
        for i_i in range(len(prog.indicators)):
            pool.setdefault(DIM_CODE[prog.dim], []).append((p_i, i_i))
    rollouts = tuple(i for i, p in enumerate(progs) if p.code in ROLLOUT_KIND)
    return _Catalogue(progs, pool, rollouts)


# ---------------------------------------------------------------- pass 1: plan and schedule

@dataclass
class _Region:
    """One regency: its masterplan frames, report schedule and random stream."""

    code: str
    name: str
    rng: np.random.Generator
    mp_at: datetime
    opds: pd.DataFrame
    programs: pd.DataFrame
    support: pd.DataFrame
    indicators: pd.DataFrame
    plans: pd.DataFrame
    stage_dates: np.ndarray      # (n plans, len(ALL_STAGES)) datetime64[D], NaT off-route
    reports: pd.DataFrame
    budget_scale: float = 1.0    # the regency's budgets relative to the catalogue's
    mp_load: int = 0             # load id of the masterplan (set once loads are ordered)


def _masterplan_time(i: int) -> datetime:
    """Masterplans arrive over January–March 2023, twelve a working day from 08:00."""
    day = np.busday_offset(np.datetime64("2023-01-09"), i // 12, roll="forward")
    return datetime.combine(day.astype(date), datetime.min.time()) + timedelta(
        hours=8, minutes=30 * (i % 12))


def _plan_region(cat: _Catalogue, code: str, name: str, i: int, seed: int,
                 villages: pd.DataFrame) -> _Region:
    rng = _rng(seed, code)
    short = name.replace("Kabupaten ", "").replace("Kota ", "")
    n_cat = len(cat.programs)
    n_prog = int(rng.integers(30, 51))
    roll = list(rng.choice(cat.rollout_idx, size=int(rng.integers(2, 5)), replace=False))
    rest = [int(p) for p in rng.permutation(n_cat) if p not in roll]
    chosen = roll + rest[:max(0, min(n_prog, n_cat) - len(roll))]
    extra = [int(p) for p in rng.choice(n_cat, size=max(0, n_prog - n_cat))]
    picks = [(p, False) for p in chosen] + [(p, True) for p in extra]
    scale = float(np.clip(rng.lognormal(0.0, 0.35), 0.4, 2.5))
    budget_scale = float(np.clip(rng.lognormal(0.0, 0.3), 0.5, 2.0))

    rows = []
    for p_i, again in picks:
        prog = cat.programs[p_i]
        start, end = prog.start, prog.end
        if prog.horizon == dd.QW:
            start = end = start + int(rng.integers(0, 2))
        else:
            shift = int(rng.integers(0, 2))
            start, end = start + shift, min(end + shift, YEARS[-1])
        rollout = prog.code in ROLLOUT_KIND and not again
        if rollout:
            start, end = YEARS[0], max(end, 2028)
        rows.append({"tmpl": p_i, "again": again, "rollout": rollout,
                     "dimension_code": DIM_CODE[prog.dim], "tmpl_code": prog.code,
                     "name": prog.name.replace("Tuban", short)
                     + (" (tahap II)" if again else ""),
                     "sub_dimension": prog.sub, "horizon": prog.horizon,
                     "quick_win": prog.horizon == dd.QW, "lead_opd_code": prog.lead,
                     "start_year": start, "end_year": end, "rpjmd_ref": prog.rpjmd,
                     "imbalance": bool(rng.random() < 0.06)})
    programs = pd.DataFrame(rows)
    programs["dim_order"] = programs["dimension_code"].map(DIM_ORDER)
    programs = programs.sort_values(["dim_order", "again", "tmpl_code"],
                                    kind="stable").reset_index(drop=True)
    programs["program_code"] = [f"{d}-{k + 1:02d}" for d, k in zip(
        programs["dimension_code"], programs.groupby("dimension_code").cumcount(), strict=True)]

    support = pd.DataFrame(
        [(pc, s) for pc, t in zip(programs["program_code"], programs["tmpl"], strict=True)
         for s in cat.programs[t].support], columns=["program_code", "opd_code"])
    used = set(programs["lead_opd_code"]) | set(support["opd_code"]) | {"KOMINFO", "BAPPEDA"}
    opd_codes = sorted(used, key=OPD_ORDER.__getitem__)
    opds = pd.DataFrame({"opd_code": opd_codes,
                         "name": [OPD_INFO[c][0] for c in opd_codes],
                         "short_name": [OPD_INFO[c][1] for c in opd_codes]})

    ind_rows = []
    for prog in programs.itertuples(index=False):
        tmpl = cat.programs[prog.tmpl]
        k = int(rng.choice([1, 2, 3], p=[0.3, 0.45, 0.25]))
        refs = [(prog.tmpl, j) for j in range(len(tmpl.indicators))][:k]
        pool = [r for r in cat.dim_pool[prog.dimension_code] if r[0] != prog.tmpl]
        while len(refs) < k:
            refs.append(pool[int(rng.integers(len(pool)))])
        for j, (t_p, t_i) in enumerate(refs, start=1):
            ind = cat.programs[t_p].indicators[t_i]
            ind_rows.append({"indicator_code": f"{prog.program_code}.{j}",
                             "program_code": prog.program_code, "name": ind.name.replace(
                                 "Tuban", short), "unit": ind.unit,
                             "polarity": "positif" if ind.polarity == "+" else "negatif",
                             "accumulation": {"J": "jumlah", "P": "posisi_akhir",
                                              "R": "rata_rata"}[ind.acc],
                             "t_base": ind.baseline, "t_first": ind.first, "t_last": ind.last,
                             "dec": ind.dec, "q": ind.q, "lead_opd_code": prog.lead_opd_code,
                             "start_year": prog.start_year, "end_year": prog.end_year,
                             "tmpl_code": prog.tmpl_code})
    inds = pd.DataFrame(ind_rows)
    n = len(inds)
    factor = np.where(inds["unit"].isin(UNSCALED_UNITS), 1.0, scale)
    dec = inds["dec"].to_numpy()
    inds["baseline"] = _round(inds["t_base"].to_numpy(float) * factor, dec)
    inds.loc[(inds["accumulation"] == "posisi_akhir") & (rng.random(n) < 0.04), "baseline"] = (
        np.nan)
    inds["first"] = _round(inds["t_first"].to_numpy(float) * factor, dec)
    inds["last"] = _round(inds["t_last"].to_numpy(float) * factor, dec)
    inds["weight"] = np.where(rng.random(n) < 0.1, 2.0, 1.0)
    inds["q"] = inds["q"].to_numpy(bool) | (rng.random(n) < 0.1)
    inds["range"] = (inds["accumulation"] == "posisi_akhir").to_numpy() & (rng.random(n) < 0.04)
    inds["profile"] = rng.choice(list(PROFILE_P), size=n, p=list(PROFILE_P.values()))

    mp_at = _masterplan_time(i)
    plans, stage_dates = _plan_villages(rng, programs, villages, mp_at.date())
    reports = _schedule(rng, programs)
    return _Region(code, name, rng, mp_at, opds, programs, support, inds, plans, stage_dates,
                   reports, budget_scale)


def _plan_villages(rng: np.random.Generator, programs: pd.DataFrame, villages: pd.DataFrame,
                   mp_day: date) -> tuple[pd.DataFrame, np.ndarray]:
    """Village rollouts of the region's rollout programs, with each village's stage dates."""
    frames = []
    desa = villages[villages["kind"] == "desa"]["code"].to_numpy()
    kel = villages[villages["kind"] == "kelurahan"]["code"].to_numpy()
    rollouts = list(programs[programs["rollout"]].itertuples(index=False))
    picked = []
    for prog in rollouts:
        kind = ROLLOUT_KIND[prog.tmpl_code]
        pool = desa if (kind == "desa" and len(desa)) or not len(kel) else kel
        n = min(len(pool), max(3, round(len(pool) * float(rng.uniform(0.05, 0.35)))))
        picked.append(rng.choice(pool, size=n, replace=False))
    # every desa/kelurahan of the regency is in some rollout: the ones not drawn join a
    # rollout program at random
    if rollouts:
        left = np.setdiff1d(villages["code"].to_numpy(dtype=str),
                            np.concatenate(picked).astype(str))
        home = rng.integers(0, len(rollouts), len(left))
        picked = [np.concatenate([codes, left[home == k]]) for k, codes in enumerate(picked)]
    for prog, chosen in zip(rollouts, picked, strict=True):
        codes = np.sort(chosen)
        n = len(codes)
        is_desa = np.array([int(c.rsplit(".", 1)[1]) >= 2001 for c in codes])
        sources = np.array(ROLLOUT_SOURCES[prog.tmpl_code], dtype=object)
        source = np.where(is_desa, sources[rng.integers(0, len(sources), n)], "APBD")
        route = np.where(is_desa & np.isin(source, ["Dana Desa", "ADD"]), APBDES, APBD)
        year = np.where(route == APBDES, rng.integers(2024, 2029, n), rng.integers(2025, 2029, n))
        frames.append(pd.DataFrame({"program_code": prog.program_code, "village_code": codes,
                                    "funding_year": year, "route": route,
                                    "funding_source": source}))
    if not frames:
        return (pd.DataFrame(columns=["program_code", "village_code", "funding_year", "route",
                                      "funding_source"]),
                np.empty((0, len(ALL_STAGES)), dtype="datetime64[D]"))
    plans = pd.concat(frames, ignore_index=True)
    n = len(plans)
    route = plans["route"].to_numpy()
    year = plans["funding_year"].to_numpy()
    u = rng.random(n)
    fate = np.where(route == APBDES,
                    np.select([u < 0.08, u < 0.15, u < 0.20], ["missed", "late_apbdes",
                                                               "slow_ops"], "ontime"),
                    np.select([u < 0.08, u < 0.18], ["missed", "delayed"], "ontime"))
    plan_year = np.where(fate == "missed", year, year - 1)
    fund = plan_year + 1
    dates = np.full((n, len(ALL_STAGES)), np.datetime64("NaT"), dtype="datetime64[D]")
    dates[:, STAGE_COLS[RENCANA]] = _days(mp_day)
    a = route == APBDES
    dates[a, STAGE_COLS["Masuk RKP Desa"]] = _dates_in(rng, plan_year[a], (7, 10), (9, 26))
    late = fate[a] == "late_apbdes"
    dates[a, STAGE_COLS["Masuk APBDes"]] = np.where(
        late, _dates_in(rng, plan_year[a], (12, 1), (12, 20)),
        _dates_in(rng, plan_year[a], (10, 5), (10, 30)))
    dates[a, STAGE_COLS["Pelaksanaan"]] = _dates_in(rng, fund[a], (2, 15), (5, 31))
    slow = fate[a] == "slow_ops"
    dates[a, STAGE_COLS[BEROPERASI]] = np.where(
        slow, _dates_in(rng, fund[a] + 1, (2, 1), (4, 30)),
        _dates_in(rng, fund[a], (7, 1), (11, 30)))
    b = ~a
    dates[b, STAGE_COLS["Usulan Musrenbang"]] = _dates_in(rng, year[b] - 1, (1, 20), (2, 25))
    dates[b, STAGE_COLS["Masuk RKPD"]] = _dates_in(rng, plan_year[b], (5, 20), (6, 28))
    dates[b, STAGE_COLS["Masuk APBD/DPA"]] = _dates_in(rng, plan_year[b], (11, 3), (11, 28))
    delayed = fate[b] == "delayed"
    dates[b, STAGE_COLS["Pelaksanaan"]] = np.where(
        delayed, _dates_in(rng, fund[b], (10, 15), (12, 15)),
        _dates_in(rng, fund[b], (3, 1), (6, 30)))
    dates[b, STAGE_COLS[BEROPERASI]] = np.where(
        delayed, _dates_in(rng, fund[b] + 1, (2, 1), (4, 30)),
        _dates_in(rng, fund[b], (8, 1), (11, 30)))
    return plans, dates


def _schedule(rng: np.random.Generator, programs: pd.DataFrame) -> pd.DataFrame:
    """Every report file of the region: OPD, period, variant, received date, upload time."""
    lead = sorted(set(programs["lead_opd_code"]), key=OPD_ORDER.__getitem__)
    often_late = set(rng.choice(lead, size=min(2, len(lead)), replace=False))
    sdtw = {o for o in lead if rng.random() < 0.25}
    rows = []
    for year, tw in PERIODS:
        running = programs[(programs["start_year"] <= year) & (programs["end_year"] >= year)]
        for opd in lead:
            if opd in set(running["lead_opd_code"]):
                rows.append((opd, year, tw))
    rep = pd.DataFrame(rows, columns=["opd_code", "year", "tw"])
    n = len(rep)
    rep = rep[rng.random(n) >= 0.03].reset_index(drop=True)
    n = len(rep)
    rep["basis"] = np.where(rep["opd_code"].isin(sdtw), "sdtw", "tw")
    due = np.array([_days(report_due_date(y, q)) for y, q in zip(rep["year"], rep["tw"],
                                                                 strict=True)])
    qend = np.array([_days(quarter_end(y, q)) for y, q in zip(rep["year"], rep["tw"],
                                                             strict=True)])
    p_late = np.where(rep["opd_code"].isin(often_late), 0.45, 0.07)
    fix = rng.random(n) < 0.012
    late = ~fix & (rng.random(n) < p_late)
    on_time = np.minimum(_busday(qend + rng.integers(2, 7, n).astype("timedelta64[D]")), due)
    on_time = np.where(fix, _busday(qend + np.timedelta64(2, "D")), on_time)
    received = np.where(late, _busday(due, rng.integers(2, 13, n)), on_time)
    received = np.minimum(received, _days(TODAY))
    rep["late"] = late
    rep["received_on"] = received
    minutes = rng.integers(8, 16, n) * 60 + rng.choice([0, 10, 20, 30, 40, 50], n)
    rep["uploaded_at"] = received.astype("datetime64[m]") + minutes.astype("timedelta64[m]")
    admin = late & (rng.random(n) < 0.5)
    rep["actor"] = np.where(admin, ADMIN, "operator." + rep["opd_code"].str.lower())
    rep["variant"] = np.where(fix, "draft", "normal")
    fixes = rep[fix].copy()
    if len(fixes):
        later = _busday(fixes["received_on"].to_numpy().astype("datetime64[D]"),
                        rng.integers(3, 11, len(fixes)))
        fixes["received_on"] = np.minimum(later, _days(TODAY))
        fixes["uploaded_at"] = fixes["received_on"].to_numpy().astype(
            "datetime64[m]") + np.timedelta64(10 * 60 + 30, "m")
        fixes["variant"] = "fix"
        fixes["late"] = False
        rep = pd.concat([rep, fixes], ignore_index=True)
    rep["received_on"] = rep["received_on"].to_numpy().astype("datetime64[D]")
    rep["uploaded_at"] = rep["uploaded_at"].to_numpy().astype("datetime64[s]")
    return rep


# ---------------------------------------------------------------- load records

def _assign_loads(regions: list[_Region], seed: int) -> pd.DataFrame:
    """Every load (masterplans and reports) in upload order with its id; sets report load ids.

    Returns the load frame without counts (filled in after the facts are generated).
    """
    parts = []
    for r_i, reg in enumerate(regions):
        parts.append(pd.DataFrame({
            "r_i": r_i, "row": -1, "kind": "masterplan", "region_code": reg.code,
            "opd_code": None, "year": pd.array([None], dtype="Int64"),
            "tw": pd.array([None], dtype="Int64"), "basis": None, "variant": "normal",
            "uploaded_by": ADMIN, "uploaded_at": np.array([reg.mp_at], dtype="datetime64[s]"),
            "received_on": np.array([reg.mp_at.date()], dtype="datetime64[D]")}))
        rep = reg.reports
        parts.append(pd.DataFrame({
            "r_i": r_i, "row": np.arange(len(rep)), "kind": "laporan", "region_code": reg.code,
            "opd_code": rep["opd_code"], "year": rep["year"].astype("Int64"),
            "tw": rep["tw"].astype("Int64"), "basis": rep["basis"], "variant": rep["variant"],
            "uploaded_by": rep["actor"], "uploaded_at": rep["uploaded_at"],
            "received_on": rep["received_on"]}))
    loads = pd.concat(parts, ignore_index=True)
    loads = loads.sort_values(["uploaded_at", "region_code", "kind", "opd_code", "year", "tw"],
                              kind="stable", na_position="first").reset_index(drop=True)
    loads["load_id"] = np.arange(1, len(loads) + 1)
    for r_i, reg in enumerate(regions):
        mine = loads[loads["r_i"] == r_i]
        mp = mine[mine["kind"] == "masterplan"]
        reg.mp_load = int(mp["load_id"].iloc[0])
        rep = mine[mine["kind"] == "laporan"]
        ids = np.empty(len(reg.reports), dtype="int64")
        ids[rep["row"].to_numpy()] = rep["load_id"].to_numpy()
        reg.reports["load_id"] = ids
    is_mp = loads["kind"] == "masterplan"
    loads["scope_key"] = np.where(
        is_mp, loads["region_code"] + "|masterplan",
        loads["region_code"] + "|laporan|" + loads["opd_code"].fillna("") + "|"
        + loads["year"].astype(str) + "|" + loads["tw"].astype(str))
    names = {reg.code: reg.name for reg in regions}
    suffix = np.where(loads["variant"] == "fix", "_perbaikan", "")
    loads["file_name"] = np.where(
        is_mp, "masterplan_" + loads["region_code"] + "_"
        + loads["region_code"].map(names).str.replace(" ", "_") + ".xlsx",
        "laporan_" + loads["opd_code"].fillna("") + "_" + loads["year"].astype(str) + "_TW"
        + loads["tw"].astype(str) + suffix + ".xlsx")
    loads["file_hash"] = [hashlib.sha256(f"bench-national|{seed}|{k}|{v}|{i}".encode())
                          .hexdigest() for k, v, i in
                          zip(loads["scope_key"], loads["variant"], loads["load_id"],
                              strict=True)]
    return loads


# ---------------------------------------------------------------- pass 2: facts

def _targets(reg: _Region) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, np.ndarray]:
    """Target rows, the annual targets (n, 10 years), range maxima and quarterly targets
    (n, 10, 4; NaN where none)."""
    inds = reg.indicators
    n = len(inds)
    years = np.array(YEARS)
    start, end = inds["start_year"].to_numpy()[:, None], inds["end_year"].to_numpy()[:, None]
    span = np.maximum(end - start, 1)
    frac = np.clip((years[None, :] - start) / span, 0.0, 1.0)
    first, last = inds["first"].to_numpy()[:, None], inds["last"].to_numpy()[:, None]
    dec = inds["dec"].to_numpy()[:, None]
    annual = _round(first + (last - first) * frac, dec)
    vmax = np.where(inds["range"].to_numpy()[:, None], _round(annual * 1.1, dec), np.nan)
    quarterly = np.full((n, len(YEARS), 4), np.nan)
    acc_kind = inds["accumulation"].to_numpy()
    base = np.nan_to_num(inds["baseline"].to_numpy(float))
    for year in (2025, 2026):
        y = year - YEARS[0]
        has = inds["q"].to_numpy() & (start[:, 0] <= year) & (end[:, 0] >= year)
        target = annual[:, y]
        prev = np.where(start[:, 0] <= year - 1, annual[:, y - 1], base)
        share = np.where((inds["polarity"] == "positif").to_numpy()[:, None],
                         np.array(Q_SHARE["positif"]), np.array(Q_SHARE["negatif"]))
        j = _round(target[:, None] * share, dec)
        j = np.column_stack([j, target - j.sum(axis=1)])
        p = _round(prev[:, None] + (target - prev)[:, None] * np.array(Q_LEVEL), dec)
        r = _round(prev[:, None] + (target - prev)[:, None] * np.arange(1, 5) / 4, dec)
        q = np.select([acc_kind[:, None] == "jumlah", acc_kind[:, None] == "posisi_akhir"],
                      [j, p], r)
        quarterly[has, y, :] = q[has]
    rows = []
    codes = inds["indicator_code"].to_numpy()
    for y_i, year in enumerate(YEARS):
        rows.append(pd.DataFrame({"i": np.arange(n), "indicator_code": codes, "year": year,
                                  "tw": 0, "value": annual[:, y_i], "value_max": vmax[:, y_i]}))
        for q in range(4):
            has = ~np.isnan(quarterly[:, y_i, q])
            if has.any():
                rows.append(pd.DataFrame({"i": np.flatnonzero(has), "indicator_code":
                                          codes[has], "year": year, "tw": q + 1,
                                          "value": quarterly[has, y_i, q],
                                          "value_max": np.nan}))
    tg = pd.concat(rows, ignore_index=True).sort_values(["i", "year", "tw"], kind="stable")
    tg = tg.drop(columns="i").reset_index(drop=True)
    return tg, annual, vmax, quarterly


def _truth(reg: _Region, annual: np.ndarray,
           quarterly: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Year-to-date truth (n, 4 years, 4 TW), quarter values (rata-rata), and the attainment
    factor per indicator and report year."""
    rng, inds = reg.rng, reg.indicators
    n = len(inds)
    kind = inds["accumulation"].to_numpy(dtype=object)
    base = inds["baseline"].to_numpy(float)
    neg = (inds["polarity"] == "negatif").to_numpy()
    dec = inds["dec"].to_numpy()
    profile = inds["profile"].to_numpy()
    ytd = np.full((n, 4, 4), np.nan)
    quarter = np.full((n, 4, 4), np.nan)
    c_all = np.zeros((n, 4))
    for y_i, year in enumerate(REPORT_YEARS):
        a = annual[:, year - YEARS[0]]
        qt = quarterly[:, year - YEARS[0], :]
        if year == 2026:
            lo = np.array([PROFILE_C[p][0] for p in profile])
            hi = np.array([PROFILE_C[p][1] for p in profile])
        else:
            good = rng.random(n) < 0.85
            lo, hi = np.where(good, 0.92, 0.62), np.where(good, 1.12, 0.8)
        c = rng.uniform(lo, hi)
        c_all[:, y_i] = c
        for q in range(4):
            cn = c * rng.uniform(0.97, 1.03, n)
            f = np.where(neg, 2 - cn, cn)
            exp = vector.expected(a, base, kind, q + 1, qt)[0]
            planned = np.where(np.isnan(qt[:, q]), a, qt[:, q])
            quarter[:, y_i, q] = _round(planned * f, dec)
            ytd[:, y_i, q] = _round(exp * f, dec)
        jum = kind == "jumlah"
        ytd[jum, y_i, :] = np.maximum.accumulate(ytd[jum, y_i, :], axis=1)
        rr = kind == "rata_rata"
        if year == 2026:
            stag = profile == "stag"
            quarter[stag & rr, y_i, 2] = quarter[stag & rr, y_i, :2].mean(axis=1)
            ytd[stag & ~rr, y_i, 2] = ytd[stag & ~rr, y_i, 1]
            ytd[jum, y_i, 3] = np.maximum(ytd[jum, y_i, 3], ytd[jum, y_i, 2])
        means = np.cumsum(quarter[:, y_i, :], axis=1) / np.arange(1, 5)
        ytd[rr, y_i, :] = means[rr]
    return ytd, quarter, c_all


def _report_rows(reg: _Region, items: pd.DataFrame, key: str) -> pd.DataFrame:
    """Reports × the items (indicators/programs) each carries: lead OPD's running items."""
    rep = reg.reports[["load_id", "opd_code", "year", "tw", "basis", "variant"]]
    rows = rep.merge(items, left_on="opd_code", right_on="lead_opd_code", how="inner")
    rows = rows[(rows["start_year"] <= rows["year"]) & (rows["end_year"] >= rows["year"])]
    return rows.sort_values(["load_id", key], kind="stable").reset_index(drop=True)


def _has_report(reg: _Region, opd: np.ndarray) -> np.ndarray:
    """(len(opd), 4 years, 4 TW): whether the OPD filed (any variant of) that report."""
    filed = set(zip(reg.reports["opd_code"], reg.reports["year"], reg.reports["tw"],
                    strict=True))
    out = np.zeros((len(opd), 4, 4), dtype=bool)
    for o in set(opd):
        mask = opd == o
        for y_i, year in enumerate(REPORT_YEARS):
            for q in range(4):
                out[mask, y_i, q] = (o, year, q + 1) in filed
    return out


def _region_facts(reg: _Region) -> dict[str, pd.DataFrame]:
    """Every fact row of one region (masterplan and reports), load ids set."""
    rng, inds, progs = reg.rng, reg.indicators, reg.programs
    mp = reg.mp_load
    out: dict[str, pd.DataFrame] = {}
    src = {"opd": "OPD", "program": "Program", "indicator": "Indikator", "target": "Target",
           "village_plan": "Desa Sasaran", "realisation": "Realisasi Kinerja",
           "budget": "Realisasi Anggaran", "program_progress": "Fisik dan Kendala",
           "village_stage": "Progres Desa"}

    def sheet_rows(frame: pd.DataFrame, table: str) -> pd.DataFrame:
        return frame.assign(src_sheet=src[table], src_row=np.arange(len(frame)) + 4)

    out["masterplan"] = pd.DataFrame({
        "load_id": [mp], "title": [f"Masterplan Smart City {reg.name} 2023–2032"],
        "start_year": [YEARS[0]], "end_year": [YEARS[-1]],
        "legal_basis": [f"Peraturan Kepala Daerah {reg.name} tentang Masterplan Smart City "
                        "Tahun 2023–2032"]})
    out["opd"] = sheet_rows(reg.opds.assign(load_id=mp), "opd")
    out["program"] = sheet_rows(progs.assign(load_id=mp), "program")
    out["program_support"] = reg.support.assign(load_id=mp)
    out["indicator"] = sheet_rows(inds.assign(load_id=mp), "indicator")
    tg, annual, _, quarterly = _targets(reg)
    out["target"] = sheet_rows(tg.assign(load_id=mp), "target")
    out["village_plan"] = sheet_rows(reg.plans.assign(load_id=mp), "village_plan")

    # -- realisation
    ytd, quarter, c_all = _truth(reg, annual, quarterly)
    n = len(inds)
    filed = _has_report(reg, inds["lead_opd_code"].to_numpy())
    blank = rng.random((n, 4, 4)) < 0.03
    blank[:, 3, 2] = False
    reported = filed & ~blank
    kind = inds["accumulation"].to_numpy()
    tw_jumlah = np.stack([_since_last(ytd[:, y], reported[:, y]) for y in range(4)], axis=1)
    items = inds[["indicator_code", "lead_opd_code", "start_year", "end_year"]].assign(
        i=np.arange(n))
    rows = _report_rows(reg, items, "indicator_code")
    rows["src_row"] = rows.groupby("load_id").cumcount() + 4
    i, y, q = rows["i"].to_numpy(), rows["year"].to_numpy() - REPORT_YEARS[0], \
        rows["tw"].to_numpy() - 1
    k, tw_basis = kind[i], (rows["basis"] == "tw").to_numpy()
    value = np.select(
        [(k == "jumlah") & tw_basis, (k == "rata_rata") & tw_basis],
        [tw_jumlah[i, y, q], quarter[i, y, q]], ytd[i, y, q])
    keep = ~blank[i, y, q]
    draft = (rows["variant"] == "draft").to_numpy() & keep
    if draft.any():  # a typo (ten times too much) the correction fixes
        typo = draft & (rng.random(len(rows)) < 0.3)
        value = np.where(typo, value * 10, value)
    notes = np.where(rng.random(len(rows)) < 0.05, "Sesuai laporan bidang", None)
    notes = np.where((k == "jumlah") & ~tw_basis & (rng.random(len(rows)) < 0.2),
                     np.array([f"Kumulatif s.d. {TW_NAMES[t]}" for t in (1, 2, 3, 4)])[q],
                     notes)
    real = rows.assign(value=value, note=notes, src_sheet=src["realisation"])[keep]
    out["realisation"] = real[["load_id", "indicator_code", "year", "tw", "value", "basis",
                               "note", "src_sheet", "src_row"]]

    # -- budget and physical progress
    p_items = progs[["program_code", "lead_opd_code", "start_year", "end_year"]].assign(
        p=np.arange(len(progs)))
    prow = _report_rows(reg, p_items, "program_code")
    troubled = _troubled(reg, c_all)
    slow = np.where(np.arange(4) == 3, troubled,
                    (troubled & (rng.random(troubled.shape) < 0.6))
                    | (rng.random(troubled.shape) < 0.1))
    filed_p = _has_report(reg, progs["lead_opd_code"].to_numpy())
    out["budget"], keu = _budget(reg, prow, slow, filed_p)
    out["program_progress"] = _progress(reg, prow, keu, troubled, slow)

    # -- village stages: every report of a rollout's lead OPD carries all its villages
    out["village_stage"] = _village_stages(reg)
    for table, frame in out.items():
        out[table] = frame.assign(region_code=reg.code)
    return out


def _troubled(reg: _Region, c_all: np.ndarray) -> np.ndarray:
    """(programs, 4 years): an indicator of the program below 76 % (or a problem profile in
    2026)."""
    inds = reg.indicators
    pos = pd.Index(reg.programs["program_code"]).get_indexer(inds["program_code"])
    bad = c_all < 0.76
    bad[:, 3] |= (inds["profile"] != "ok").to_numpy()
    out = np.zeros((len(reg.programs), 4), dtype=bool)
    np.logical_or.at(out, pos, bad)
    return out


def _budget(reg: _Region, prow: pd.DataFrame, slow: np.ndarray,
            filed: np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
    """Budget rows of the reports and the absorption (%) per program, year and TW."""
    rng, progs = reg.rng, reg.programs
    cat = dd.PROGRAMS
    n_p = len(progs)
    base = np.array([cat[t].pagu for t in progs["tmpl"]]) * 1e6 * reg.budget_scale
    total = base[:, None] * rng.uniform(0.85, 1.2, (n_p, 4))
    src_rows = []
    keu = np.zeros((n_p, 4, 4))
    for p in range(n_p):
        sources = cat[progs["tmpl"].iloc[p]].sources
        shares = SOURCE_SHARES[len(sources)]
        pagu_sum = np.zeros(4)
        cum_sum = np.zeros((4, 4))
        for s, share in zip(sources, shares, strict=True):
            pagu = np.round(total[p] * share, -5)
            cum = np.zeros((4, 4))
            for y in range(4):
                bands = np.array(ABSORPTION[bool(slow[p, y])])
                raw = pagu[y] * rng.uniform(bands[:, 0], bands[:, 1]) * rng.uniform(0.92, 1.0, 4)
                cum[y] = np.minimum(pagu[y], np.maximum.accumulate(np.round(raw, -3)))
            src_rows.append((p, s, pagu, cum))
            pagu_sum += pagu
            cum_sum += cum
        keu[p] = cum_sum / pagu_sum[:, None] * 100
    frames = []
    basis_tw = {}
    for p, s, pagu, cum in src_rows:
        since = np.stack([_since_last(cum[y][None, :], filed[p, y][None, :])[0]
                          for y in range(4)])
        basis_tw[(p, s)] = (pagu, cum, since)
    p_of = prow["p"].to_numpy()
    y_of = prow["year"].to_numpy() - REPORT_YEARS[0]
    q_of = prow["tw"].to_numpy() - 1
    tw_b = (prow["basis"] == "tw").to_numpy()
    for (p, s), (pagu, cum, since) in basis_tw.items():
        m = p_of == p
        if not m.any():
            continue
        y, q = y_of[m], q_of[m]
        frames.append(pd.DataFrame({
            "load_id": prow["load_id"].to_numpy()[m], "program_code": prow["program_code"]
            .to_numpy()[m], "year": prow["year"].to_numpy()[m], "tw": prow["tw"].to_numpy()[m],
            "funding_source": s, "pagu": pagu[y],
            "realisasi": np.where(tw_b[m], since[y, q], cum[y, q]),
            "basis": prow["basis"].to_numpy()[m], "over_pagu_ok": False}))
    if not frames:
        return pd.DataFrame(columns=list(COLUMNS["budget"][1:])), keu
    order = {s: i for i, s in enumerate(("APBD", "DAK", "APBN", "Dana Desa", "ADD",
                                         "CSR/Swasta", "BUMD", "Lainnya"))}
    budget = pd.concat(frames, ignore_index=True)
    budget["_o"] = budget["funding_source"].map(order)
    budget = budget.sort_values(["load_id", "program_code", "_o"], kind="stable")
    budget = budget.drop(columns="_o").reset_index(drop=True)
    budget["src_sheet"] = "Realisasi Anggaran"
    budget["src_row"] = budget.groupby("load_id").cumcount() + 4
    return budget, keu


def _progress(reg: _Region, prow: pd.DataFrame, keu: np.ndarray, troubled: np.ndarray,
              slow: np.ndarray) -> pd.DataFrame:
    """Physical progress (cumulative %) with kendala and tindak lanjut per report row."""
    rng, progs = reg.rng, reg.programs
    n_p = len(progs)
    drift = progs["imbalance"].to_numpy()[:, None, None] & (np.arange(4) == 3)[None, :, None]
    gap = np.where(drift, rng.uniform(15, 28, (n_p, 4, 4)), rng.uniform(-4, 7, (n_p, 4, 4)))
    fisik = np.round(np.clip(np.maximum.accumulate(keu + gap, axis=2), 0, 100), 1)
    p, y = prow["p"].to_numpy(), prow["year"].to_numpy() - REPORT_YEARS[0]
    q = prow["tw"].to_numpy() - 1
    trouble = (troubled[p, y] | slow[p, y] | drift[p, y, 0]) & ((y == 3) | (q >= 1))
    pool = dd.GENERAL_KENDALA
    pick = rng.integers(0, len(pool), len(prow))
    tmpl = progs["tmpl_code"].to_numpy()[p]
    special = [dd.KENDALA.get(t) if yy == 3 else None for t, yy in zip(tmpl, y, strict=True)]
    kendala = np.array([s[0] if s else pool[k][0] for s, k in zip(special, pick, strict=True)],
                       dtype=object)
    lanjut = np.array([s[1] if s else pool[k][1] for s, k in zip(special, pick, strict=True)],
                      dtype=object)
    imb = drift[p, y, 0]
    kendala[imb] = ("Pekerjaan fisik berjalan, pembayaran termin menunggu berita acara "
                    "pemeriksaan pekerjaan")
    lanjut[imb] = "Percepatan berita acara dan pengajuan SP2D ke BPKPD"
    calm = rng.random(len(prow)) < 0.5
    notes = np.array(dd.ON_TRACK_NOTES, dtype=object)[rng.integers(0, 3, len(prow))]
    frame = pd.DataFrame({
        "load_id": prow["load_id"], "program_code": prow["program_code"], "year": prow["year"],
        "tw": prow["tw"], "fisik_pct": fisik[p, y, q],
        "kendala": np.where(trouble, kendala, np.where(calm, notes, None)),
        "tindak_lanjut": np.where(trouble, lanjut, None), "src_sheet": "Fisik dan Kendala"})
    frame["src_row"] = frame.groupby("load_id").cumcount() + 4
    return frame


def _village_stages(reg: _Region) -> pd.DataFrame:
    """The current stage of each planned village in every report of its program's lead OPD."""
    plans = reg.plans
    cols = ["load_id", "program_code", "village_code", "stage", "reached_on", "note",
            "src_sheet", "src_row"]
    if plans.empty:
        return pd.DataFrame(columns=cols)
    lead = reg.programs.set_index("program_code")["lead_opd_code"]
    plans = plans.assign(plan=np.arange(len(plans)),
                         lead_opd_code=plans["program_code"].map(lead).to_numpy())
    rep = reg.reports[["load_id", "opd_code", "received_on"]]
    rows = rep.merge(plans[["plan", "program_code", "village_code", "lead_opd_code"]],
                     left_on="opd_code", right_on="lead_opd_code", how="inner")
    rows = rows.sort_values(["load_id", "program_code", "village_code"], kind="stable")
    rows = rows.reset_index(drop=True)
    dates = reg.stage_dates[rows["plan"].to_numpy()]          # (m, stages)
    got = rows["received_on"].to_numpy().astype("datetime64[D]")[:, None]
    seen = ~np.isnat(dates) & (dates <= got)
    order = np.array([STAGE_RANK.get(s, -1) for s in ALL_STAGES])
    rank = np.where(seen, order[None, :], -1)
    best = rank.argmax(axis=1)
    stage = np.array(ALL_STAGES, dtype=object)[best]
    notes = np.array([dd.VILLAGE_NOTES.get(s) for s in ALL_STAGES], dtype=object)[best]
    rows["stage"] = stage
    rows["reached_on"] = dates[np.arange(len(rows)), best]
    rows["note"] = notes
    rows["src_sheet"] = "Progres Desa"
    rows["src_row"] = rows.groupby("load_id").cumcount() + 4
    return rows[cols]


# Position along a route: both routes share Rencana, Pelaksanaan and Beroperasi; the others
# belong to one route only, so the furthest stage seen is the current one.
STAGE_RANK = {s: max(r.index(s) for r in STAGES.values() if s in r) for s in ALL_STAGES}


# ---------------------------------------------------------------- writing

def _insert(con: duckdb.DuckDBPyConnection, table: str, frames: list[pd.DataFrame]) -> int:
    """One bulk INSERT of the frames' rows (columns by name, in the table's order)."""
    frames = [f for f in frames if len(f)]
    if not frames:
        return 0
    cols = COLUMNS[table]
    frame = pd.concat([f[list(cols)] for f in frames], ignore_index=True)
    names = ", ".join(cols)
    con.register("bulk_frame", frame)
    try:
        con.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM bulk_frame")
    finally:
        con.unregister("bulk_frame")
    return len(frame)


def _write_loads(con: duckdb.DuckDBPyConnection, loads: pd.DataFrame,
                 counts: dict[str, np.ndarray]) -> None:
    """load, load_activation and load_event rows, as the loader writes them."""
    ids = loads["load_id"].to_numpy()
    is_mp = (loads["kind"] == "masterplan").to_numpy()
    tables = [(t, counts[t][ids]) for t in MASTERPLAN_TABLES + LAPORAN_TABLES]
    cj, sizes = [], []
    for k in range(len(loads)):
        names = MASTERPLAN_TABLES if is_mp[k] else LAPORAN_TABLES
        c = {t: int(v[k]) for t, v in tables if t in names}
        cj.append(json.dumps(c))
        sizes.append((20_000 if is_mp[k] else 9_000) + 45 * sum(c.values()))
    loads = loads.assign(counts_json=cj, file_size=sizes, template_version=TEMPLATE_VERSION,
                         archive_path="")
    # A corrected report supersedes its draft: close the draft's interval at the fix.
    scope_next = loads.groupby("scope_key")["uploaded_at"].shift(-1)
    replaced_by = loads.groupby("scope_key")["load_id"].shift(-1)
    prev = loads.groupby("scope_key")["load_id"].shift(1)
    cols = ("load_id, file_hash, file_name, file_size, kind, region_code, opd_code, year, tw, "
            "scope_key, basis, template_version, uploaded_by, uploaded_at, received_on, "
            "counts_json, archive_path")
    con.register("bulk_loads", loads)
    try:
        con.execute(f"INSERT INTO load ({cols}) SELECT {cols} FROM bulk_loads")
    finally:
        con.unregister("bulk_loads")
    act = pd.DataFrame({"load_id": loads["load_id"], "active_from": loads["uploaded_at"],
                        "active_until": scope_next})
    _insert_plain(con, "load_activation", act)
    events = []
    sup = replaced_by.notna()
    details = [json.dumps({"counts": json.loads(c), "supersedes": None if pd.isna(p) else int(p)})
               for c, p in zip(loads["counts_json"], prev, strict=True)]
    events.append(pd.DataFrame({
        "at": loads["uploaded_at"], "order": 1, "actor": loads["uploaded_by"],
        "action": "load", "load_id": loads["load_id"], "file_hash": loads["file_hash"],
        "file_name": loads["file_name"], "detail": details}))
    drafts = loads[sup]
    events.append(pd.DataFrame({
        "at": scope_next[sup], "order": 0,
        "actor": loads.groupby("scope_key")["uploaded_by"].shift(-1)[sup],
        "action": "supersede", "load_id": drafts["load_id"], "file_hash": None,
        "file_name": None,
        "detail": [json.dumps({"replaced_by": int(r)}) for r in replaced_by[sup]]}))
    ev = pd.concat(events, ignore_index=True).sort_values(["at", "order", "load_id"],
                                                          kind="stable")
    ev = ev.reset_index(drop=True)
    ev.insert(0, "event_id", np.arange(1, len(ev) + 1))
    ev = ev.rename(columns={"at": "event_at"}).drop(columns="order")
    _insert_plain(con, "load_event", ev)


def _insert_plain(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> None:
    names = ", ".join(frame.columns)
    con.register("bulk_plain", frame)
    try:
        con.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM bulk_plain")
    finally:
        con.unregister("bulk_plain")


def _pick_regions(all_codes: list[str], seed: int, regions: int | None) -> list[str]:
    """All regencies, or Kabupaten Tuban (35.23) and a seeded sample of the others."""
    if regions is None or regions >= len(all_codes):
        return all_codes
    if regions < 1:
        raise ValueError("regions harus paling sedikit 1")
    others = [c for c in all_codes if c != "35.23"]
    rng = np.random.default_rng([seed, 514])
    picked = list(rng.choice(others, size=regions - 1, replace=False))
    return sorted(["35.23", *picked])


def _prepare(db_path: Path) -> None:
    """Start from a fresh file; only a database this module generated may be replaced."""
    if db_path.exists():
        try:
            with db.opened(db_path, read_only=True) as con:
                marked = con.execute("SELECT count(*) FROM setting WHERE name = ?",
                                     [MARKER]).fetchone()[0]
        except duckdb.Error:
            marked = 0
        if not marked:
            raise FileExistsError(f"{db_path} exists and is not a generated national dataset; "
                                  "choose another path.")
        db_path.unlink()
        Path(f"{db_path}.wal").unlink(missing_ok=True)
    db.ensure_database(db_path)


def build_national(db_path: Path, seed: int = 7, regions: int | None = None) -> dict:
    """Generate the synthetic national dataset into a fresh DuckDB file at db_path.

    regions=None builds every regency (514); a number builds Kabupaten Tuban (35.23) and a
    seeded sample of the others. Returns counts per table, loads, regions, build seconds and
    the file size in bytes. A file at db_path is replaced only if this function made it.
    """
    t0 = time.perf_counter()
    db_path = Path(db_path)
    _prepare(db_path)
    cat = _catalogue()
    with db.writer(db_path) as con:
        ref = con.execute("SELECT code, name FROM ref_regency ORDER BY code").df()
        vil = con.execute("SELECT code, regency_code, kind FROM ref_village ORDER BY code").df()
        codes = _pick_regions(list(ref["code"]), seed, regions)
        names = dict(zip(ref["code"], ref["name"], strict=True))
        by_region = dict(tuple(vil.groupby("regency_code")))
        empty = vil.iloc[:0]
        plan = [_plan_region(cat, c, names[c], i, seed, by_region.get(c, empty))
                for i, c in enumerate(codes)]
        t_plan = time.perf_counter() - t0
        loads = _assign_loads(plan, seed)
        n_loads = len(loads) + 1
        counts = {t: np.zeros(n_loads, dtype="int64") for t in COLUMNS}
        rows = dict.fromkeys(COLUMNS, 0)
        con.execute("BEGIN TRANSACTION")
        for start in range(0, len(plan), BATCH):
            batch: dict[str, list[pd.DataFrame]] = {t: [] for t in COLUMNS}
            for reg in plan[start:start + BATCH]:
                for table, frame in _region_facts(reg).items():
                    batch[table].append(frame)
                    np.add.at(counts[table], frame["load_id"].to_numpy(dtype="int64"), 1)
            for table, frames in batch.items():
                rows[table] += _insert(con, table, frames)
        _write_loads(con, loads, counts)
        con.execute("INSERT INTO setting VALUES ('*', ?, ?)",
                    [MARKER, json.dumps({"seed": seed, "regions": len(plan)})])
        con.execute("COMMIT")
        current.refresh_stale(con)
        con.execute("CHECKPOINT")
        stats = {"seed": seed, "regions": len(plan), "loads": len(loads),
                 "superseded": int((loads["variant"] == "draft").sum()), **rows,
                 "plan_seconds": round(t_plan, 2),
                 "seconds": round(time.perf_counter() - t0, 2),
                 "bytes": db_path.stat().st_size}
        con.execute("UPDATE setting SET value_json = ? WHERE name = ?",
                    [json.dumps(stats), MARKER])
        con.execute("CHECKPOINT")
    return stats


def main(argv: list[str] | None = None) -> None:
    """CLI: python -m bench national --db PATH [--regions N] [--seed S]."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m bench national",
                                     description=build_national.__doc__)
    parser.add_argument("--db", type=Path, required=True, help="database file to create")
    parser.add_argument("--regions", type=int, default=None, help="number of regencies")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    stats = build_national(args.db, seed=args.seed, regions=args.regions)
    print(json.dumps(stats, indent=2))
    print(f"Built {stats['regions']} regions, {stats['loads']} loads in {stats['seconds']:.1f} s;"
          f" {stats['bytes'] / 2**20:.0f} MB at {args.db}")
