"""Attainment (capaian) of indicators for an as-of view, and its roll-ups (domain.md §3).

Two capaian are computed per indicator, both on the year-to-date realisation:
* ``capaian_expected``: against the expected-to-date value (quarterly targets of the action plan,
  else the proportional/interpolated annual target). This is *the* capaian of the view: it carries
  the band, drives the Tertinggal/Kritis flags and is what programs, dimensions, OPDs and the
  masterplan roll up (at TW IV it equals capaian against the annual target).
* ``capaian_annual``: against the annual target (how far along the year's target is), rolled up
  alongside as ``capaian_annual``.
Only programs whose period covers the viewed year are assessed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from monev.domain import accumulation as acc
from monev.domain.bands import BY_CODE
from monev.domain.capaian import STATUS_LABELS, capaian
from monev.domain.rollup import mean_by, program_capaian, running_share
from monev.domain.settings import DEFAULT, Rules
from monev.domain.text import sd_tw_label, tw_label
from monev.engine import vector
from monev.engine.asof import AsOf
from monev.engine.frames import member
from monev.engine.snapshot import Snapshot, Source, snapshot
from monev.store import facts

QUARTERS = (1, 2, 3, 4)
POLARITY_LABELS = {"positif": "Positif (makin tinggi makin baik)",
                   "negatif": "Negatif (makin rendah makin baik)"}
ROLE_LABELS = {"pengampu": "OPD pengampu", "pendukung": "OPD pendukung"}

INDICATOR_COLUMNS = (
    "indicator_code", "indicator_name", "program_code", "program_name", "dimension_code",
    "dimension_name", "sub_dimension", "lead_opd_code", "lead_opd_name", "unit", "polarity",
    "polarity_label", "accumulation", "accumulation_label", "baseline", "weight", "year", "tw",
    "annual_target", "annual_target_max", "realisation_ytd", "n_reported", "last_reported_tw",
    "expected", "expected_max", "expected_method", "expected_method_label", "capaian_annual",
    "status_annual", "capaian_expected", "status", "status_label", "band_code", "band_label",
    "band_annual_code", "band_annual_label", "attainment_flag", "stagnant",
)


@dataclass(frozen=True)
class IndicatorView:
    """Indicator attainment plus the per-TW series behind it (for flags)."""

    frame: pd.DataFrame          # INDICATOR_COLUMNS, one row per indicator
    ytd_series: np.ndarray       # (n, tw): realisation year-to-date at TW 1..tw (NaN = none)
    expected_series: np.ndarray  # (n, tw): expected-to-date at TW 1..tw


def running_programs(programs: pd.DataFrame, year: int) -> pd.DataFrame:
    """Programs whose period (start_year..end_year) covers the year."""
    mask = (programs["start_year"] <= year) & (programs["end_year"] >= year)
    return programs[mask].reset_index(drop=True)


def _floats(series: pd.Series) -> np.ndarray:
    return pd.to_numeric(series, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)


def _band_labels(codes: pd.Series) -> pd.Series:
    return codes.map(lambda c: BY_CODE[c].label)


def indicator_view(snap: Snapshot, asof: AsOf, rules: Rules = DEFAULT) -> IndicatorView:
    """Indicator attainment with the TW series behind it (shared by attainment and flags),
    computed once per snapshot, period and rules."""
    return snap.derived(("indicator_view", asof.year, asof.tw, rules),
                        lambda: _indicator_view(snap, asof, rules))


def _matrix(raw: pd.DataFrame, prefix: str) -> np.ndarray:
    """(n, 4) float array of the columns prefix1..prefix4 (NaN when missing)."""
    return np.column_stack([_floats(raw[f"{prefix}{q}"]) for q in QUARTERS]) if len(raw) \
        else np.empty((0, 4))


def _lookup(values: np.ndarray, labels: dict[str, str]) -> list[str | None]:
    return [labels.get(v) for v in values]


def _indicator_view(snap: Snapshot, asof: AsOf, rules: Rules) -> IndicatorView:
    year, tw = asof.year, asof.tw
    raw = snap.read(facts.indicator_facts, year, tw)
    n = len(raw)
    annual, annual_max = _floats(raw["annual"]), _floats(raw["annual_max"])
    q_target = _matrix(raw, "t")
    q_max = _matrix(raw, "m")
    q_max = np.where(np.isnan(q_max), q_target, q_max)
    values = _matrix(raw, "v")
    sdtw = _matrix(raw, "s") == 1.0
    kind = raw["accumulation"].to_numpy(dtype=object)
    baseline = _floats(raw["baseline"])
    negative = (raw["polarity"] == "negatif").to_numpy(dtype=bool)

    ytd_now = vector.ytd(values, sdtw, kind, tw)
    ytd_series = vector.ytd_series(values, sdtw, kind, tw)
    expected, method = vector.expected(annual, baseline, kind, tw, q_target)
    expected_series = np.column_stack(
        [vector.expected(annual, baseline, kind, q, q_target)[0] for q in range(1, tw + 1)]
    ) if n else np.empty((0, tw))
    expected_max = np.where(~np.isnan(annual_max),
                            vector.expected(annual_max, baseline, kind, tw, q_max)[0], np.nan)
    cap_annual, status_annual = vector.capaian(ytd_now, annual, annual_max, negative)
    cap_expected, status = vector.capaian(ytd_now, expected, expected_max, negative)
    band_code = vector.band_codes(cap_expected, rules)
    band_annual = vector.band_codes(cap_annual, rules)

    reported = ~np.isnan(values[:, :tw])
    last_tw = np.where(reported.any(axis=1), tw - np.argmax(reported[:, ::-1], axis=1), 0)
    methods = {m: acc.describe_method(m, tw) for m in acc.METHOD_LABELS}
    bands = {b: BY_CODE[b].label for b in BY_CODE}
    computed = pd.DataFrame({
        "polarity_label": _lookup(raw["polarity"].to_numpy(dtype=object), POLARITY_LABELS),
        "accumulation_label": _lookup(kind, acc.ACCUMULATION_LABELS),
        "year": np.full(n, year, dtype="int64"), "tw": np.full(n, tw, dtype="int64"),
        "annual_target": annual, "annual_target_max": annual_max,
        "realisation_ytd": ytd_now,
        "n_reported": reported.sum(axis=1).astype("int64"),
        "last_reported_tw": pd.array([int(t) if t else None for t in last_tw], dtype="Int64"),
        "expected": expected, "expected_max": expected_max, "expected_method": method,
        "expected_method_label": _lookup(method, methods),
        "capaian_annual": cap_annual, "status_annual": status_annual,
        "capaian_expected": cap_expected, "status": status,
        "status_label": _lookup(status, STATUS_LABELS),
        "band_code": band_code, "band_label": _lookup(band_code, bands),
        "band_annual_code": band_annual, "band_annual_label": _lookup(band_annual, bands),
        "attainment_flag": vector.attainment_flags(cap_expected, rules),
        "stagnant": vector.stagnant(ytd_series, expected_series),
    }, index=raw.index)
    base = raw[["indicator_code", "indicator_name", "program_code", "program_name",
                "dimension_code", "dimension_name", "sub_dimension", "lead_opd_code",
                "lead_opd_name", "unit", "polarity", "accumulation", "baseline", "weight"]]
    frame = pd.concat([base, computed], axis=1)
    return IndicatorView(frame[list(INDICATOR_COLUMNS)], ytd_series, expected_series)


def indicator_attainment(con: Source, region: str, asof: AsOf,
                         rules: Rules = DEFAULT) -> pd.DataFrame:
    """Per indicator of the programs running in asof.year: targets, year-to-date realisation,
    expected-to-date (value, method, label), capaian vs annual and vs expected, band, status
    (INDICATOR_COLUMNS)."""
    return indicator_view(snapshot(con, region, asof), asof, rules).frame.copy(deep=False)


def indicator_series(con: Source, region: str, asof: AsOf,
                     indicator_code: str) -> pd.DataFrame:
    """TW 1..4 of asof.year for one indicator: realisation as reported and year-to-date,
    quarterly target, expected-to-date and capaian vs expected (realisation after asof.tw is
    not shown). Read from the same row as the indicator's attainment (empty for an indicator
    whose program does not run in asof.year).

    Columns: tw, tw_label, sd_tw_label, in_view, realisation, basis, realisation_ytd,
    target_tw, annual_target, expected, expected_method, expected_method_label, capaian_expected,
    status.
    """
    year = asof.year
    columns = ["tw", "tw_label", "sd_tw_label", "in_view", "realisation", "basis",
               "realisation_ytd", "target_tw", "annual_target", "expected", "expected_method",
               "expected_method_label", "capaian_expected", "status"]
    facts_of_year = snapshot(con, region, asof).read(facts.indicator_facts, year, asof.tw)
    row = facts_of_year[facts_of_year["indicator_code"] == indicator_code]
    if row.empty:
        return pd.DataFrame(columns=columns)
    ind = row.iloc[0]
    annual = vector.nan_to_none(ind["annual"])
    annual_max = vector.nan_to_none(ind["annual_max"])
    quarterly = {q: float(ind[f"t{q}"]) for q in QUARTERS if not pd.isna(ind[f"t{q}"])}
    quarterly_max = {q: float(ind[f"t{q}"] if pd.isna(ind[f"m{q}"]) else ind[f"m{q}"])
                     for q in quarterly}
    reported = {q: (float(ind[f"v{q}"]), "sdtw" if ind[f"s{q}"] else "tw")
                for q in QUARTERS if not pd.isna(ind[f"v{q}"])}
    ytd = acc.ytd_series(reported, ind["accumulation"], 4)
    baseline = vector.nan_to_none(ind["baseline"])
    rows = []
    for q in QUARTERS:
        exp, method = acc.expected_to_date(annual, baseline, ind["accumulation"], q, quarterly)
        exp_max = None if annual_max is None else acc.expected_to_date(
            annual_max, baseline, ind["accumulation"], q, quarterly_max)[0]
        cap = capaian(ytd[q - 1], exp, ind["polarity"], exp_max)
        value, basis = reported.get(q, (None, None))
        rows.append({
            "tw": q, "tw_label": tw_label(q), "sd_tw_label": sd_tw_label(q),
            "in_view": q <= asof.tw, "realisation": value, "basis": basis,
            "realisation_ytd": ytd[q - 1], "target_tw": quarterly.get(q),
            "annual_target": annual, "expected": exp, "expected_method": method,
            "expected_method_label": acc.describe_method(method, q),
            "capaian_expected": cap.value, "status": cap.status,
        })
    frame = pd.DataFrame(rows, columns=columns)
    for col in ("realisation", "realisation_ytd", "target_tw", "annual_target", "expected",
                "capaian_expected"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype("float64")
    return frame


# ---------------------------------------------------------------- roll-ups

PROGRAM_COLUMNS = (
    "program_code", "program_name", "dimension_code", "dimension_name", "sub_dimension",
    "horizon", "quick_win", "lead_opd_code", "lead_opd_name", "supporting_opds", "start_year",
    "end_year", "capaian", "capaian_annual", "band_code", "band_label", "n_indicators",
    "n_computed",
)


def _with_band(frame: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    codes = vector.band_codes(_floats(frame["capaian"]), rules)
    frame = frame.assign(band_code=codes)
    frame["band_label"] = _band_labels(frame["band_code"])
    return frame


def _program_scores(indicators: pd.DataFrame) -> pd.DataFrame:
    """program_code, capaian, capaian_annual, n_indicators, n_computed (weighted means)."""
    base = indicators[["program_code", "weight"]]
    expected = program_capaian(base.assign(capaian=indicators["capaian_expected"]))
    annual = program_capaian(base.assign(capaian=indicators["capaian_annual"]))
    return pd.DataFrame({
        "program_code": expected["program_code"], "capaian": expected["capaian"],
        "capaian_annual": annual["capaian"].to_numpy(),
        "n_indicators": expected["n_indikator"], "n_computed": expected["n_terhitung"],
    })


def _programs(snap: Snapshot, asof: AsOf, rules: Rules) -> pd.DataFrame:
    return snap.derived(("programs", asof.year, asof.tw, rules),
                        lambda: _program_frame(snap, asof, rules))


def _program_frame(snap: Snapshot, asof: AsOf, rules: Rules) -> pd.DataFrame:
    indicators = indicator_view(snap, asof, rules).frame
    progs = running_programs(snap.read(facts.programs), asof.year)
    frame = progs.merge(_program_scores(indicators), on="program_code", how="left")
    frame["n_indicators"] = frame["n_indicators"].fillna(0).astype("int64")
    frame["n_computed"] = frame["n_computed"].fillna(0).astype("int64")
    frame["capaian"] = _floats(frame["capaian"])
    frame["capaian_annual"] = _floats(frame["capaian_annual"])
    return _with_band(frame, rules)[list(PROGRAM_COLUMNS)]


def program_attainment(con: Source, region: str, asof: AsOf,
                       rules: Rules = DEFAULT) -> pd.DataFrame:
    """Per program running in asof.year: capaian = weighted mean of its indicators' capaian vs
    expected (capaian_annual likewise), band, indicator counts (PROGRAM_COLUMNS)."""
    return _programs(snapshot(con, region, asof), asof, rules).copy(deep=False)


def _mean_both(programs: pd.DataFrame, key: str) -> pd.DataFrame:
    """key, capaian, capaian_annual, n_programs, n_computed: plain means of programs."""
    main = mean_by(programs[[key, "capaian"]], key)
    annual = mean_by(programs[[key]].assign(capaian=programs["capaian_annual"]), key)
    return pd.DataFrame({key: main[key], "capaian": main["capaian"],
                         "capaian_annual": annual["capaian"].to_numpy(),
                         "n_programs": main["n_program"], "n_computed": main["n_terhitung"]})


def _dimensions(snap: Snapshot, asof: AsOf, rules: Rules) -> pd.DataFrame:
    return snap.derived(("dimensions", asof.year, asof.tw, rules),
                        lambda: _dimension_frame(snap, asof, rules))


def _dimension_frame(snap: Snapshot, asof: AsOf, rules: Rules) -> pd.DataFrame:
    dims = snap.dimensions()
    scores = _mean_both(_programs(snap, asof, rules), "dimension_code")
    plan = snap.read(facts.programs)
    reported = set(snap.read(facts.programs_reported, asof.year, asof.tw)["program_code"])
    share = running_share(
        plan[["dimension_code", "start_year"]].assign(
            has_realisation=member(plan["program_code"], reported)),
        asof.year, keys_all=list(dims["dimension_code"]))
    frame = dims.merge(scores, on="dimension_code", how="left").merge(
        share.rename(columns={"n_rencana": "n_planned", "n_berjalan": "n_running",
                              "persen_berjalan": "pct_running"}),
        on="dimension_code", how="left")
    for col in ("n_programs", "n_computed", "n_planned", "n_running"):
        frame[col] = frame[col].fillna(0).astype("int64")
    frame["capaian"] = _floats(frame["capaian"])
    frame["capaian_annual"] = _floats(frame["capaian_annual"])
    frame["pct_running"] = _floats(frame["pct_running"])
    frame = _with_band(frame, rules)
    return frame[["dimension_code", "dimension_name", "capaian", "capaian_annual", "band_code",
                  "band_label", "n_programs", "n_computed", "n_planned", "n_running",
                  "pct_running"]]


def dimension_attainment(con: Source, region: str, asof: AsOf,
                         rules: Rules = DEFAULT) -> pd.DataFrame:
    """Per dimension (all of them, in display order): mean program capaian and band, and
    programs running ÷ planned (%).

    Planned = every program of the masterplan in that dimension; running = started by asof.year
    and at least one realisation reported up to the view (completed programs count as run).
    Columns: dimension_code, dimension_name, capaian, capaian_annual, band_code, band_label,
    n_programs (assessed this year), n_computed, n_planned, n_running, pct_running.
    """
    return _dimensions(snapshot(con, region, asof), asof, rules).copy(deep=False)


def opd_attainment(con: Source, region: str, asof: AsOf, rules: Rules = DEFAULT,
                   as_lead: bool = True, dimension: str | None = None) -> pd.DataFrame:
    """Per OPD: mean capaian of the programs it leads (as_lead) or supports (not as_lead),
    among programs running in asof.year, of one dimension only when ``dimension`` (a code)
    is given; OPDs without such programs are left out.

    Columns: opd_code, opd_name, opd_short_name, role, role_label, capaian, capaian_annual,
    band_code, band_label, n_programs, n_computed.
    """
    snap = snapshot(con, region, asof)
    programs = _programs(snap, asof, rules)
    if dimension:
        programs = programs[programs["dimension_code"] == dimension]
    if as_lead:
        role = "pengampu"
        linked = programs.rename(columns={"lead_opd_code": "opd_code"})
    else:
        role = "pendukung"
        linked = snap.read(facts.program_support).merge(
            programs.drop(columns="lead_opd_code"), on="program_code", how="inner")
    scores = _mean_both(linked[["opd_code", "capaian", "capaian_annual"]], "opd_code")
    frame = scores.merge(snap.read(facts.opds), on="opd_code", how="left")
    frame = _with_band(frame.assign(role=role, role_label=ROLE_LABELS[role]), rules)
    return frame[["opd_code", "opd_name", "opd_short_name", "role", "role_label", "capaian",
                  "capaian_annual", "band_code", "band_label", "n_programs", "n_computed"]]


def masterplan_attainment(con: Source, region: str, asof: AsOf,
                          rules: Rules = DEFAULT) -> dict[str, object]:
    """Overall figures of the view: capaian = mean of program capaian (equal weights), band,
    programs and indicators counted, programs running ÷ planned (whole masterplan).

    Keys: year, tw, period_label, capaian, capaian_annual, band_code, band_label, n_programs,
    n_programs_computed, n_indicators, n_indicators_reported, n_indicators_computed, n_planned,
    n_running, pct_running.
    """
    snap = snapshot(con, region, asof)
    indicators = indicator_view(snap, asof, rules).frame
    programs = _programs(snap, asof, rules)
    dims = _dimensions(snap, asof, rules)
    cap = _floats(programs["capaian"])
    cap_annual = _floats(programs["capaian_annual"])
    mean = float(np.nanmean(cap)) if (~np.isnan(cap)).any() else None
    mean_annual = float(np.nanmean(cap_annual)) if (~np.isnan(cap_annual)).any() else None
    code = vector.band_codes(np.array([np.nan if mean is None else mean]), rules)[0]
    planned, running = int(dims["n_planned"].sum()), int(dims["n_running"].sum())
    return {
        "year": asof.year, "tw": asof.tw, "period_label": asof.label,
        "capaian": mean, "capaian_annual": mean_annual,
        "band_code": code, "band_label": BY_CODE[code].label,
        "n_programs": len(programs), "n_programs_computed": int((~np.isnan(cap)).sum()),
        "n_indicators": len(indicators),
        "n_indicators_reported": int((indicators["n_reported"] > 0).sum()),
        "n_indicators_computed": int((indicators["status"] == "ok").sum()),
        "n_planned": planned, "n_running": running,
        "pct_running": running / planned * 100 if planned else None,
    }
