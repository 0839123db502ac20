"""Attainment (capaian) of indicators for an as-of view, and its roll-ups (domain.md §3).

Two capaian are computed per indicator, both on the year-to-date realisation:
* ``capaian_expected``: against the expected-to-date value (quarterly targets of the action plan,
  else the proportional/interpolated annual target). This is *the* capaian of the view: it carries
  the band, drives the Tertinggal/Kritis flags and is what programs, dimensions, OPDs and the
  masterplan roll up (at TW IV it equals capaian against the annual target).
* ``capaian_annual``: against the annual target (how far along the year's target is), rolled up
  alongside as ``capaian_annual``.
Only programs whose period covers the viewed year are assessed.

No figure, no capaian (domain.md §3): an indicator without a value for the viewed TW (the OPD did
not report, or reported without that row) is *belum melapor* for that TW: no year-to-date
figure, no capaian, no band, no Tertinggal/Kritis/Stagnan, whatever earlier quarters hold. Every
roll-up stands on the indicators with a figure and counts them (``n_indicators``,
``n_with_value``).

A *posisi akhir* indicator's year starts where the last one ended: its expected-to-date value
interpolates from the previous year's TW IV realisation, else the previous year's target, and
from the masterplan baseline only in the program's first year (``accumulation.year_start``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from monev.domain import accumulation as acc
from monev.domain.bands import BY_CODE
from monev.domain.capaian import STATUS_LABELS, capaian
from monev.domain.rollup import mean_by, program_capaian, running_share
from monev.domain.settings import DEFAULT, Rules
from monev.domain.text import sd_tw_label, tw_label
from monev.engine import revisions, vector
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
    "annual_target", "annual_target_max", "realisation_ytd", "has_value", "n_reported",
    "last_reported_tw", "year_start", "expected", "expected_max", "expected_method",
    "expected_method_label", "capaian_annual",
    "status_annual", "capaian_expected", "status", "status_label", "band_code", "band_label",
    "band_annual_code", "band_annual_label", "attainment_flag", "stagnant",
    "target_original", "revised", "revision_note",
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


def _previous_year(snap: Snapshot, year: int, codes: pd.Series) -> np.ndarray:
    """(n, 3) floats per indicator code: the previous year's TW IV realisation, annual target
    and annual target's upper bound (NaN when none: a program not running that year, the
    program's first year, nothing reported). The start of a posisi akhir year
    (accumulation.year_start)."""
    prev = snap.read(facts.indicator_facts, year - 1, 4)
    if not prev.empty:  # the previous year's targets as revised (monev.engine.revisions)
        prev = revisions.apply_to_indicator_facts(snap, prev, year - 1, date(year - 1, 12, 31),
                                                  drop_off=False)
    if prev.empty or codes.empty:
        return np.full((len(codes), 3), np.nan)
    prev = prev.drop_duplicates("indicator_code").set_index("indicator_code")
    return np.column_stack([_floats(prev["v4"].reindex(codes.to_numpy())),
                            _floats(prev["annual"].reindex(codes.to_numpy())),
                            _floats(prev["annual_max"].reindex(codes.to_numpy()))])


def _starts(snap: Snapshot, year: int, raw: pd.DataFrame, kind: np.ndarray) -> np.ndarray:
    """_previous_year for the posisi akhir indicators of raw (NaN rows for the others; the
    previous year is not read when there is no posisi akhir indicator)."""
    out = np.full((len(raw), 3), np.nan)
    level = kind == acc.POSISI_AKHIR
    if level.any():
        out[level] = _previous_year(snap, year, raw["indicator_code"][level])
    return out


def _indicator_view(snap: Snapshot, asof: AsOf, rules: Rules) -> IndicatorView:
    year, tw = asof.year, asof.tw
    raw = revisions.apply_to_indicator_facts(snap, snap.read(facts.indicator_facts, year, tw),
                                             year, revisions.viewed_date(asof))
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
    prev = _starts(snap, year, raw, kind)
    prev_final, prev_target = prev[:, 0], prev[:, 1]
    prev_target_max = np.where(np.isnan(prev[:, 2]), prev_target, prev[:, 2])

    # No figure, no capaian: the view's figure exists only when TW tw itself was reported.
    has_value = ~np.isnan(values[:, tw - 1]) if n else np.zeros(0, dtype=bool)
    ytd_now = vector.figure_at(values, sdtw, kind, tw)
    ytd_series = vector.ytd_series(values, sdtw, kind, tw)

    def expect(target: np.ndarray, plan: np.ndarray, q: int,
               start_target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return vector.expected(target, baseline, kind, q, plan, prev_final, start_target)

    expected, method = expect(annual, q_target, tw, prev_target)
    expected_series = np.column_stack(
        [expect(annual, q_target, q, prev_target)[0] for q in range(1, tw + 1)]
    ) if n else np.empty((0, tw))
    expected_max = np.where(~np.isnan(annual_max),
                            expect(annual_max, q_max, tw, prev_target_max)[0], np.nan)
    start = _year_starts(prev_final, prev_target, baseline, kind, method)
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
        "realisation_ytd": ytd_now, "has_value": has_value,
        "n_reported": reported.sum(axis=1).astype("int64"),
        "last_reported_tw": pd.array([int(t) if t else None for t in last_tw], dtype="Int64"),
        "year_start": start,
        "expected": expected, "expected_max": expected_max, "expected_method": method,
        "expected_method_label": _lookup(method, methods),
        "capaian_annual": cap_annual, "status_annual": status_annual,
        "capaian_expected": cap_expected, "status": status,
        "status_label": _lookup(status, STATUS_LABELS),
        "band_code": band_code, "band_label": _lookup(band_code, bands),
        "band_annual_code": band_annual, "band_annual_label": _lookup(band_annual, bands),
        "attainment_flag": vector.attainment_flags(cap_expected, rules),
        # A quarter without a figure raises no performance flag (only the report's own).
        "stagnant": vector.stagnant(ytd_series, expected_series) & has_value,
        "target_original": raw["target_original"], "revised": raw["revised"],
        "revision_note": raw["revision_note"],
    }, index=raw.index)
    base = raw[["indicator_code", "indicator_name", "program_code", "program_name",
                "dimension_code", "dimension_name", "sub_dimension", "lead_opd_code",
                "lead_opd_name", "unit", "polarity", "accumulation", "baseline", "weight"]]
    frame = pd.concat([base, computed], axis=1)
    return IndicatorView(frame[list(INDICATOR_COLUMNS)], ytd_series, expected_series)


def _year_starts(prev_final: np.ndarray, prev_target: np.ndarray, baseline: np.ndarray,
                 kind: np.ndarray, method: np.ndarray) -> np.ndarray:
    """The level each posisi akhir year starts from (accumulation.year_start; 0 when there
    is none, as the interpolation counts it) where the expected value interpolates from it;
    NaN for the other indicators and methods."""
    start = vector.year_start(baseline, prev_final, prev_target)[0]
    interpolated = (kind == acc.POSISI_AKHIR) & (method != acc.TARGET_TW)
    return np.where(interpolated, np.where(np.isnan(start), 0.0, start), np.nan)


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
    snap = snapshot(con, region, asof)
    facts_of_year = revisions.apply_to_indicator_facts(
        snap, snap.read(facts.indicator_facts, year, asof.tw), year,
        revisions.viewed_date(asof))
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
    prev_final = prev_target = prev_target_max = None
    if ind["accumulation"] == acc.POSISI_AKHIR:
        prev = _previous_year(snap, year, row["indicator_code"])[0]
        prev_final, prev_target, prev_target_max = (vector.nan_to_none(v) for v in prev)
    if prev_target_max is None:
        prev_target_max = prev_target
    rows = []
    for q in QUARTERS:
        exp, method = acc.expected_to_date(annual, baseline, ind["accumulation"], q, quarterly,
                                           previous_final=prev_final,
                                           previous_target=prev_target)
        exp_max = None if annual_max is None else acc.expected_to_date(
            annual_max, baseline, ind["accumulation"], q, quarterly_max,
            previous_final=prev_final, previous_target=prev_target_max)[0]
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
    "n_with_value", "n_computed", "revised",
)


def _with_band(frame: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    codes = vector.band_codes(_floats(frame["capaian"]), rules)
    frame = frame.assign(band_code=codes)
    frame["band_label"] = _band_labels(frame["band_code"])
    return frame


def _program_scores(indicators: pd.DataFrame) -> pd.DataFrame:
    """program_code, capaian, capaian_annual (weighted means), n_indicators, n_with_value
    (with a figure for the viewed TW), n_computed (with a capaian)."""
    base = indicators[["program_code", "weight", "has_value"]]
    expected = program_capaian(base.assign(capaian=indicators["capaian_expected"]))
    annual = program_capaian(base.assign(capaian=indicators["capaian_annual"]))
    return pd.DataFrame({
        "program_code": expected["program_code"], "capaian": expected["capaian"],
        "capaian_annual": annual["capaian"].to_numpy(),
        "n_indicators": expected["n_indikator"], "n_with_value": expected["n_dilaporkan"],
        "n_computed": expected["n_terhitung"],
    })


def _programs(snap: Snapshot, asof: AsOf, rules: Rules) -> pd.DataFrame:
    return snap.derived(("programs", asof.year, asof.tw, rules),
                        lambda: _program_frame(snap, asof, rules))


def _program_frame(snap: Snapshot, asof: AsOf, rules: Rules) -> pd.DataFrame:
    indicators = indicator_view(snap, asof, rules).frame
    progs = running_programs(snap.read(facts.programs), asof.year)
    off = revisions.off_programs(snap, asof.year, revisions.viewed_date(asof))
    if off:  # postponed, cancelled or rescheduled away: not planned this year
        progs = progs[~progs["program_code"].isin(list(off))].reset_index(drop=True)
    frame = progs.merge(_program_scores(indicators), on="program_code", how="left")
    revised = set(indicators.loc[indicators["revised"].astype(bool), "program_code"])
    frame["revised"] = frame["program_code"].isin(list(revised))
    for col in ("n_indicators", "n_with_value", "n_computed"):
        frame[col] = frame[col].fillna(0).astype("int64")
    frame["capaian"] = _floats(frame["capaian"])
    frame["capaian_annual"] = _floats(frame["capaian_annual"])
    return _with_band(frame, rules)[list(PROGRAM_COLUMNS)]


def program_attainment(con: Source, region: str, asof: AsOf,
                       rules: Rules = DEFAULT) -> pd.DataFrame:
    """Per program running in asof.year: capaian = weighted mean of its indicators' capaian vs
    expected (capaian_annual likewise), band, indicator counts (PROGRAM_COLUMNS): n_indicators,
    n_with_value (with a figure for the viewed TW: what the capaian stands on, see
    ``rollup.reported_text``) and n_computed (with a capaian)."""
    return _programs(snapshot(con, region, asof), asof, rules).copy(deep=False)


INDICATOR_COUNTS = ("n_indicators", "n_with_value")


def _mean_both(programs: pd.DataFrame, key: str) -> pd.DataFrame:
    """key, capaian, capaian_annual, n_programs, n_computed: plain means of programs; and
    n_indicators, n_with_value: their indicators, and those with a figure for the view."""
    main = mean_by(programs[[key, "capaian", *INDICATOR_COUNTS]], key, sums=INDICATOR_COUNTS)
    annual = mean_by(programs[[key]].assign(capaian=programs["capaian_annual"]), key)
    return pd.DataFrame({key: main[key], "capaian": main["capaian"],
                         "capaian_annual": annual["capaian"].to_numpy(),
                         "n_programs": main["n_program"], "n_computed": main["n_terhitung"],
                         **{col: main[col] for col in INDICATOR_COUNTS}})


def _dimensions(snap: Snapshot, asof: AsOf, rules: Rules) -> pd.DataFrame:
    return snap.derived(("dimensions", asof.year, asof.tw, rules),
                        lambda: _dimension_frame(snap, asof, rules))


def _dimension_frame(snap: Snapshot, asof: AsOf, rules: Rules) -> pd.DataFrame:
    dims = snap.dimensions()
    scores = _mean_both(_programs(snap, asof, rules), "dimension_code")
    plan = snap.read(facts.programs)
    reported = set(snap.read(facts.programs_reported, asof.year, asof.tw)["program_code"])
    off = revisions.off_programs(snap, asof.year, revisions.viewed_date(asof))
    share = running_share(
        plan[["dimension_code", "start_year", "end_year"]].assign(
            has_realisation=member(plan["program_code"], reported),
            off_plan=member(plan["program_code"], off)),  # postponed/cancelled (revisions)
        asof.year, keys_all=list(dims["dimension_code"]))
    frame = dims.merge(scores, on="dimension_code", how="left").merge(
        share.rename(columns={"n_rencana": "n_planned", "n_berjalan": "n_running",
                              "persen_berjalan": "pct_running"}),
        on="dimension_code", how="left")
    for col in ("n_programs", "n_computed", *INDICATOR_COUNTS, "n_planned", "n_running"):
        frame[col] = frame[col].fillna(0).astype("int64")
    frame["capaian"] = _floats(frame["capaian"])
    frame["capaian_annual"] = _floats(frame["capaian_annual"])
    frame["pct_running"] = _floats(frame["pct_running"])
    frame = _with_band(frame, rules)
    return frame[["dimension_code", "dimension_name", "capaian", "capaian_annual", "band_code",
                  "band_label", "n_programs", "n_computed", *INDICATOR_COUNTS, "n_planned",
                  "n_running", "pct_running"]]


def dimension_attainment(con: Source, region: str, asof: AsOf,
                         rules: Rules = DEFAULT) -> pd.DataFrame:
    """Per dimension (all of them, in display order): mean program capaian and band, and
    programs running ÷ planned (%).

    Planned = scheduled in asof.year (start_year <= year <= end_year) and not postponed or
    cancelled for it by a masterplan revision in force (``revisions.off_programs``); running =
    planned and with a realisation reported for asof.year up to the viewed TW
    (``facts.programs_reported``, ``rollup.running_share``): one definition for every page,
    slide and report.
    Columns: dimension_code, dimension_name, capaian, capaian_annual, band_code, band_label,
    n_programs (assessed this year), n_computed, n_indicators (of those programs),
    n_with_value (with a figure for the viewed TW), n_planned, n_running, pct_running.
    """
    return _dimensions(snapshot(con, region, asof), asof, rules).copy(deep=False)


def opd_attainment(con: Source, region: str, asof: AsOf, rules: Rules = DEFAULT,
                   as_lead: bool = True, dimension: str | None = None) -> pd.DataFrame:
    """Per OPD: mean capaian of the programs it leads (as_lead) or supports (not as_lead),
    among programs running in asof.year, of one dimension only when ``dimension`` (a code)
    is given; OPDs without such programs are left out.

    Columns: opd_code, opd_name, opd_short_name, role, role_label, capaian, capaian_annual,
    band_code, band_label, n_programs, n_computed, n_indicators (of those programs),
    n_with_value (with a figure for the viewed TW).
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
    scores = _mean_both(linked[["opd_code", "capaian", "capaian_annual", *INDICATOR_COUNTS]],
                        "opd_code")
    frame = scores.merge(snap.read(facts.opds), on="opd_code", how="left")
    frame = _with_band(frame.assign(role=role, role_label=ROLE_LABELS[role]), rules)
    return frame[["opd_code", "opd_name", "opd_short_name", "role", "role_label", "capaian",
                  "capaian_annual", "band_code", "band_label", "n_programs", "n_computed",
                  *INDICATOR_COUNTS]]


def masterplan_attainment(con: Source, region: str, asof: AsOf,
                          rules: Rules = DEFAULT) -> dict[str, object]:
    """Overall figures of the view: capaian = mean of program capaian (equal weights), band,
    programs and indicators counted, programs running ÷ planned in asof.year.

    Keys: year, tw, period_label, capaian, capaian_annual, band_code, band_label, n_programs,
    n_programs_computed, n_indicators, n_with_value (with a figure for the viewed TW: what the
    capaian stands on, ``rollup.reported_text``), n_indicators_reported (with a figure for some
    TW up to the viewed one), n_indicators_computed (with a capaian), n_planned, n_running,
    pct_running (``rollup.running_text`` says them), n_masterplan (every program of the
    masterplan, whatever its years).
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
        "n_with_value": int(indicators["has_value"].sum()),
        "n_indicators_reported": int((indicators["n_reported"] > 0).sum()),
        "n_indicators_computed": int((indicators["status"] == "ok").sum()),
        "n_planned": planned, "n_running": running,
        "pct_running": running / planned * 100 if planned else None,
        "n_masterplan": len(snap.read(facts.programs)),
    }
