"""Every region at once: the national roll-up that compares regencies.

``region_comparison(con, asof, rules)`` gives one row per region with a masterplan active at the
cut-off: overall capaian and band, capaian per Smart City dimension, report completeness of
``asof.year`` up to ``asof.tw``, and villages at risk on the budget calendar. It gives, region by
region, the same figures as ``masterplan_attainment``, ``dimension_attainment``,
``report_completeness`` and ``village_rollout`` (tests/bench/test_national.py checks this), but
reads each fact table once for all regions (three queries, pivoted in SQL) and applies the rules
to whole columns (``monev.engine.vector`` and the vectorised village calendar below), so its
cost grows with the rows, not with a Python loop per region. A region whose active loads hold
masterplan revisions (domain.md §3b) takes its row from the per-region engine instead
(:func:`engine_row`), which applies the revisions in force; the queries read the masterplan
as loaded.
"""

from __future__ import annotations

from datetime import date

import duckdb
import numpy as np
import pandas as pd

from monev.domain import village as vil
from monev.domain import workdays as wd
from monev.domain.bands import BY_CODE
from monev.domain.capaian import OK
from monev.domain.settings import DEFAULT, Rules
from monev.engine import vector
from monev.engine.asof import LATEST, AsOf
from monev.store import current

EPOCH = date(1970, 1, 1)

# Loads active at the cut-off (the ``loads_asof`` rule, written as a filter: the intervals of
# one load never overlap, so no DISTINCT is needed), the active masterplan of each region, and
# the active quarterly reports.
_BASE = """act AS (SELECT a.load_id FROM load_activation a
                WHERE a.active_from <= $cutoff
                  AND (a.active_until IS NULL OR a.active_until > $cutoff)),
    mp AS (SELECT m.region_code, max(m.load_id) AS load_id
           FROM masterplan m JOIN act USING (load_id) GROUP BY m.region_code),
    rep AS (SELECT l.load_id, l.uploaded_at FROM load l JOIN act USING (load_id)
            WHERE l.kind = 'laporan')"""

_TW = (1, 2, 3, 4)
# Targets of asof.year per region and indicator, one column per TW, always from the fact
# table: pre-aggregating them saved 12 ms of the national roll-up but cost every 100k-row
# masterplan load 70 ms (bench/results.md, 2026-12-03).
_TARGETS = f"""tg AS (SELECT t.region_code, t.indicator_code,
                  max(t.value) FILTER (WHERE t.tw = 0) AS annual,
                  max(t.value_max) FILTER (WHERE t.tw = 0) AS annual_max,
                  {", ".join(f"max(t.value) FILTER (WHERE t.tw = {q}) AS q{q}" for q in _TW)},
                  {", ".join(f"max(coalesce(t.value_max, t.value)) FILTER (WHERE t.tw = {q})"
                             f" AS qmax{q}" for q in _TW)}
           FROM target t JOIN mp USING (region_code, load_id)
           WHERE t.year = $year GROUP BY ALL)"""
# The previous year's annual target (the start of a posisi akhir year when its TW IV was not
# reported, accumulation.year_start).
_PREVIOUS_TARGETS = """ptg AS (SELECT t.region_code, t.indicator_code,
                  max(t.value) AS prev_annual, max(t.value_max) AS prev_annual_max
           FROM target t JOIN mp USING (region_code, load_id)
           WHERE t.year = $year - 1 AND t.tw = 0 GROUP BY ALL)"""
# Latest realisations of asof.year per region and indicator, one column per TW (the latest
# upload wins per indicator and TW, as in facts.indicator_facts: arg_max on upload time and
# load id packed in one integer), and the previous year's TW IV (prev_final): from the fact
# tables (any cut-off) ...
_FACT_REALISATIONS = f"""re AS (SELECT r.region_code, r.indicator_code, r.year, r.tw, r.value,
                  r.basis = 'sdtw' AS sd,
                  epoch(rep.uploaded_at)::BIGINT * 16777216 + r.load_id AS latest
           FROM realisation r JOIN rep USING (load_id)
           WHERE (r.year = $year AND r.tw <= $tw) OR (r.year = $year - 1 AND r.tw = 4)),
    pv AS (SELECT region_code, indicator_code, arg_max(value, latest) AS prev_final
           FROM re WHERE year = $year - 1 GROUP BY ALL),
    rv AS (SELECT region_code, indicator_code,
                  {", ".join(f"arg_max(value, latest) FILTER (WHERE tw = {q}) AS r{q}"
                             for q in _TW)},
                  {", ".join(f"arg_max(sd, latest) FILTER (WHERE tw = {q}) AS s{q}"
                             for q in _TW)}
           FROM re WHERE year = $year GROUP BY ALL)"""
# ... or from the pre-aggregated current state (cut-off LATEST, monev.store.current).
_CURRENT_REALISATIONS = f"""rv AS (SELECT region_code, indicator_code,
                  {", ".join(f"CASE WHEN $tw >= {q} THEN r{q} END AS r{q}" for q in _TW)},
                  {", ".join(f"CASE WHEN $tw >= {q} THEN s{q} END AS s{q}" for q in _TW)}
           FROM cur_realisation WHERE year = $year),
    pv AS (SELECT region_code, indicator_code, r4 AS prev_final
           FROM cur_realisation WHERE year = $year - 1)"""
_INDICATORS = """WITH {base},
    dims AS (SELECT code, row_number() OVER (ORDER BY sort_order) - 1 AS dim_no
             FROM dimension),
    prog AS (SELECT p.region_code, p.load_id, p.program_code, dims.dim_no, p.start_year,
                    row_number() OVER (ORDER BY p.region_code, p.program_code) - 1
                        AS program_no
             FROM program p JOIN mp USING (region_code, load_id)
             JOIN dims ON dims.code = p.dimension_code
             WHERE p.start_year <= $year AND p.end_year >= $year),
    {targets},
    {previous_targets},
    {realisations}
    SELECT CAST(replace(prog.region_code, '.', '') AS INTEGER) AS region_no,
           prog.program_no, prog.dim_no,
           i.indicator_code IS NOT NULL AS has_indicator, i.accumulation,
           i.polarity = 'negatif' AS negative, i.baseline, i.weight,
           tg.* EXCLUDE (region_code, indicator_code), rv.* EXCLUDE (region_code, indicator_code),
           -- the previous year counts only when the program ran in it (facts.indicator_facts)
           CASE WHEN prog.start_year < $year THEN pv.prev_final END AS prev_final,
           CASE WHEN prog.start_year < $year THEN ptg.prev_annual END AS prev_annual,
           CASE WHEN prog.start_year < $year THEN ptg.prev_annual_max END AS prev_annual_max
    FROM prog
    LEFT JOIN indicator i ON i.load_id = prog.load_id AND i.program_code = prog.program_code
    LEFT JOIN tg ON tg.region_code = prog.region_code AND tg.indicator_code = i.indicator_code
    LEFT JOIN rv ON rv.region_code = prog.region_code AND rv.indicator_code = i.indicator_code
    LEFT JOIN ptg ON ptg.region_code = prog.region_code
                 AND ptg.indicator_code = i.indicator_code
    LEFT JOIN pv ON pv.region_code = prog.region_code AND pv.indicator_code = i.indicator_code"""

_REPORTS = f"""WITH {_BASE},
    owed AS (SELECT DISTINCT p.region_code, p.lead_opd_code AS opd_code
             FROM program p JOIN mp USING (region_code, load_id)
             WHERE p.start_year <= $year AND p.end_year >= $year),
    sub AS (SELECT region_code, opd_code, tw, min(received_on) AS first_received_on,
                   bool_or(load_id IN (SELECT load_id FROM rep)) AS held
            FROM load WHERE kind = 'laporan' AND uploaded_at <= $cutoff AND year = $year
              AND tw <= $tw GROUP BY ALL)
    SELECT CAST(replace(owed.region_code, '.', '') AS INTEGER) AS region_no, q.tw,
           CASE WHEN sub.held THEN sub.first_received_on - DATE '1970-01-01' END AS received
    FROM owed CROSS JOIN range(1, $tw + 1) q(tw)
    LEFT JOIN sub ON sub.region_code = owed.region_code AND sub.opd_code = owed.opd_code
                 AND sub.tw = q.tw"""

# First date each stage was reported (over active reports), one column per stage. "Rencana"
# rows are left out: that stage is always reached in time, its date never decides a status.
_DAYS = [f"d{k}" for k in range(1, len(vil.ALL_STAGES))]
_FACT_STAGES = f"""st AS (SELECT s.program_code, s.village_code,
                  {", ".join(f"min(s.reached_on) FILTER (WHERE s.stage = '{stage}')"
                             f" - DATE '1970-01-01' AS d{k}"
                             for k, stage in enumerate(vil.ALL_STAGES) if stage != vil.RENCANA)}
           FROM village_stage s JOIN rep USING (load_id)
           WHERE s.stage <> '{vil.RENCANA}' AND s.reached_on <= $on
           GROUP BY ALL)"""
_VILLAGES_CURRENT = f"""SELECT funding_year, apbdes, region_no, village_no,
           {", ".join(f"CASE WHEN {d} <= $on - DATE '1970-01-01' THEN {d} END AS {d}"
                      for d in _DAYS)}
    FROM cur_village"""
_VILLAGES = """WITH {base},
    {stages}
    SELECT vp.funding_year, vp.route = 'apbdes' AS apbdes,
           CAST(replace(vp.region_code, '.', '') AS INTEGER) AS region_no,
           CAST(replace(vp.village_code, '.', '') AS BIGINT) AS village_no,
           st.* EXCLUDE (program_code, village_code)
    FROM village_plan vp JOIN mp USING (region_code, load_id)
    LEFT JOIN st ON st.program_code = vp.program_code AND st.village_code = vp.village_code"""


def _queries(con: duckdb.DuckDBPyConnection, asof: AsOf, pre_aggregated: bool | None
             ) -> tuple[str, str]:
    """The indicator and village queries: on the pre-aggregated current state when the view
    is of the data as it stands (cut-off LATEST) and that state is fresh, else on the facts."""
    if pre_aggregated is None:
        pre_aggregated = asof.cutoff == LATEST and current.is_fresh(con)
    if pre_aggregated:
        return (_INDICATORS.format(base=_BASE, targets=_TARGETS,
                                   previous_targets=_PREVIOUS_TARGETS,
                                   realisations=_CURRENT_REALISATIONS), _VILLAGES_CURRENT)
    return (_INDICATORS.format(base=_BASE, targets=_TARGETS, previous_targets=_PREVIOUS_TARGETS,
                               realisations=_FACT_REALISATIONS),
            _VILLAGES.format(base=_BASE, stages=_FACT_STAGES))


Columns = dict[str, np.ndarray]


def _run(con: duckdb.DuckDBPyConnection, query: str, **params: object) -> Columns:
    """The query's result as numpy columns (masked where NULL); of the parameters, only those
    it names are passed. No DataFrame: the rules work on whole arrays."""
    return con.execute(query, {k: v for k, v in params.items() if f"${k}" in query}
                       ).fetchnumpy()


def _floats(res: Columns, columns: list[str]) -> np.ndarray:
    """The columns side by side as float64, NULL = NaN."""
    return np.column_stack([np.ma.filled(np.ma.asarray(res[c], dtype="float64"), np.nan)
                            for c in columns])


def _bools(res: Columns, column: str) -> np.ndarray:
    """A boolean column, NULL = False."""
    return np.ma.filled(np.ma.asarray(res[column], dtype=bool), False)


def _ints(res: Columns, column: str) -> np.ndarray:
    return np.asarray(res[column], dtype="int64")


def _codes(region_no: np.ndarray) -> np.ndarray:
    """Region numbers back to Kemendagri codes: 3523 -> '35.23'."""
    return np.array([f"{n // 100:02d}.{n % 100:02d}" for n in region_no], dtype=object)


def _attainment(con: duckdb.DuckDBPyConnection, asof: AsOf, rules: Rules,
                dims: list[str], query: str) -> pd.DataFrame:
    """Per region: capaian (mean of programs), band, capaian per dimension, counts."""
    df = _run(con, query, cutoff=asof.cutoff, year=asof.year, tw=asof.tw)
    has_ind = _bools(df, "has_indicator")
    kind = np.ma.filled(np.ma.asarray(df["accumulation"], dtype=object), None)
    baseline = _floats(df, ["baseline"])[:, 0]
    values = _floats(df, [f"r{q}" for q in _TW])
    sdtw = np.column_stack([_bools(df, f"s{q}") for q in _TW])
    q_target = _floats(df, [f"q{q}" for q in _TW])
    q_max = _floats(df, [f"qmax{q}" for q in _TW])
    annual, annual_max = _floats(df, ["annual"])[:, 0], _floats(df, ["annual_max"])[:, 0]
    prev_final, prev_annual, prev_annual_max = _floats(
        df, ["prev_final", "prev_annual", "prev_annual_max"]).T
    prev_annual_max = np.where(np.isnan(prev_annual_max), prev_annual, prev_annual_max)
    tw = asof.tw
    ytd = vector.figure_at(values, sdtw, kind, tw)      # no figure for the TW: no capaian
    expected = vector.expected(annual, baseline, kind, tw, q_target, prev_final,
                               prev_annual)[0]
    expected_max = np.where(np.isnan(annual_max), np.nan,
                            vector.expected(annual_max, baseline, kind, tw, q_max, prev_final,
                                            prev_annual_max)[0])
    negative = _bools(df, "negative")
    cap, status = vector.capaian(ytd, expected, expected_max, negative)
    cap = np.where(has_ind, cap, np.nan)

    # indicators -> programs: weighted mean of the computable capaian (programs.program_capaian)
    prog_id = _ints(df, "program_no")
    regions, region_of_row = np.unique(_ints(df, "region_no"), return_inverse=True)
    n_prog = int(prog_id.max()) + 1 if len(prog_id) else 0
    first = np.unique(prog_id, return_index=True)[1]
    region_no, dim_no = region_of_row[first], _ints(df, "dim_no")[first]
    weight = np.nan_to_num(_floats(df, ["weight"])[:, 0], nan=1.0)
    valid = ~np.isnan(cap)
    w_sum = np.bincount(prog_id, np.where(valid, weight, 0.0), n_prog)
    c_sum = np.bincount(prog_id, np.where(valid, cap * weight, 0.0), n_prog)
    with np.errstate(invalid="ignore", divide="ignore"):
        prog_cap = np.where(w_sum > 0, c_sum / w_sum, np.nan)

    # programs -> regions and dimensions: plain means of the programs that have a capaian
    n_reg = int(region_no.max()) + 1 if len(region_no) else 0
    computed = ~np.isnan(prog_cap)
    cap0 = np.where(computed, prog_cap, 0.0)

    def mean(keys: np.ndarray, size: int) -> np.ndarray:
        n = np.bincount(keys, computed.astype(float), size)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(n > 0, np.bincount(keys, cap0, size) / n, np.nan)

    codes = _codes(regions)
    out = pd.DataFrame({"capaian": mean(region_no, n_reg),
                        "n_programs": np.bincount(region_no, minlength=n_reg),
                        "n_programs_computed": np.bincount(region_no, computed, n_reg)
                        .astype("int64")}, index=pd.Index(codes, name="region_code"))
    per_dim = mean(region_no * len(dims) + dim_no, n_reg * len(dims)).reshape(n_reg, len(dims))
    for k, code in enumerate(dims):
        out[f"capaian_{code.lower()}"] = per_dim[:, k]
    out["n_indicators"] = np.bincount(region_of_row, has_ind, n_reg).astype("int64")
    out["n_with_value"] = np.bincount(region_of_row, has_ind & ~np.isnan(values[:, tw - 1]),
                                      n_reg).astype("int64")
    out["n_indicators_computed"] = np.bincount(region_of_row, has_ind & (status == OK),
                                               n_reg).astype("int64")
    out["band_code"] = vector.band_codes(out["capaian"].to_numpy(dtype="float64"), rules)
    out["band_label"] = out["band_code"].map(lambda c: BY_CODE[c].label)
    return out


def _completeness(con: duckdb.DuckDBPyConnection, asof: AsOf, rules: Rules) -> pd.DataFrame:
    """Per region: reports due, received, on time, completeness % and on-time % of asof.year
    up to asof.tw (the rules of ``reporting.report_completeness``, on whole columns)."""
    df = _run(con, _REPORTS, cutoff=asof.cutoff, year=asof.year, tw=asof.tw)
    on = (asof.date - EPOCH).days
    due_by_tw = {q: (wd.report_due_date(asof.year, q, rules) - EPOCH).days
                 for q in range(1, asof.tw + 1)}
    due = np.array([np.nan, *due_by_tw.values()])[_ints(df, "tw")]
    got = _floats(df, ["received"])[:, 0]
    arrived = ~np.isnan(got) & (got <= on)
    not_due = ~arrived & (on <= due)
    regions, region_id = np.unique(_ints(df, "region_no"), return_inverse=True)

    def count(flags: np.ndarray) -> np.ndarray:
        return np.bincount(region_id, flags, len(regions)).astype("int64")

    out = pd.DataFrame({"reports_due": count(~not_due), "reports_received": count(arrived),
                        "reports_on_time": count(arrived & (got <= due))},
                       index=pd.Index(_codes(regions), name="region_code"))
    n_due = out["reports_due"].where(out["reports_due"] > 0)
    out["completeness_pct"] = out["reports_received"] / n_due * 100
    out["on_time_pct"] = out["reports_on_time"] / n_due * 100
    return out


_STATUS = (vil.SESUAI_JADWAL, vil.RAWAN, vil.BERGESER, vil.BEROPERASI_STATUS)
_SESUAI, _RAWAN, _BERGESER, _BEROPERASI = range(4)


def _status_codes(route: str, funding_year: np.ndarray, stage_days: np.ndarray, on: date,
                  rules: Rules) -> np.ndarray:
    """Index into _STATUS of each village's calendar status (see village_statuses)."""
    stages = vil.STAGES[route]
    n, k = stage_days.shape
    if k != len(stages):
        raise ValueError(f"{k} kolom tahap, jalur {route} punya {len(stages)}")
    today = float((on - EPOCH).days)
    own = np.where(stage_days <= today, stage_days, np.nan)      # only dates up to as_of
    seen = ~np.isnan(own)
    # reached[j]: own date (min with later own dates), or -inf when only a later stage proves
    # it (assumed in time), NaN when not reached; "Rencana" is always reached in time.
    suffix_min = np.fmin.accumulate(own[:, ::-1], axis=1)[:, ::-1]
    later_seen = np.zeros_like(seen)
    later_seen[:, :-1] = np.logical_or.accumulate(seen[:, ::-1], axis=1)[:, ::-1][:, 1:]
    reached = np.where(seen, suffix_min, np.where(later_seen, -np.inf, np.nan))
    reached[:, 0] = -np.inf
    status = np.zeros(n, dtype="int8")
    window = today + rules.rawan_window_days
    years = np.asarray(funding_year, dtype="int64")
    for year in np.unique(years):
        rows = years == year
        missed = np.zeros(int(rows.sum()), dtype=bool)
        upcoming = np.full(int(rows.sum()), np.inf)
        for m in vil.milestones(route, int(year), rules):      # sorted by due date
            due = float((m.due - EPOCH).days)
            met = reached[rows, stages.index(m.required_stage)] <= due   # NaN: not met
            missed |= (due < today) & ~met
            upcoming = np.where((due >= today) & ~met & np.isinf(upcoming), due, upcoming)
        status[rows] = np.where(missed, _BERGESER,
                                np.where(upcoming <= window, _RAWAN, _SESUAI))
    status[seen[:, -1]] = _BEROPERASI                               # Beroperasi is last
    return status


def village_statuses(route: str, funding_year: np.ndarray, stage_days: np.ndarray, on: date,
                     rules: Rules = DEFAULT) -> np.ndarray:
    """``domain.village.village_status(...).status`` for many villages of one route at once.

    stage_days: (n, len(STAGES[route])) first date each stage of the route was reported, as
    days since 1970-01-01 (NaN = never). Returns the status codes (strings).
    """
    return np.array(_STATUS, dtype=object)[
        _status_codes(route, funding_year, stage_days, on, rules)]


def _villages(con: duckdb.DuckDBPyConnection, asof: AsOf, rules: Rules,
              query: str) -> pd.DataFrame:
    """Per region: planned program × village rows by calendar status, and villages at risk
    (rawan or bergeser for at least one program)."""
    df = _run(con, query, cutoff=asof.cutoff, on=asof.date)
    n_rows = len(df["region_no"])
    days = np.full((n_rows, len(vil.ALL_STAGES)), np.nan)   # column 0, Rencana: never read
    days[:, 1:] = _floats(df, _DAYS)
    years = _ints(df, "funding_year")
    apbdes = _bools(df, "apbdes")
    status = np.zeros(n_rows, dtype="int8")
    for route, rows in ((vil.APBDES, apbdes), (vil.APBD, ~apbdes)):
        cols = [vil.ALL_STAGES.index(s) for s in vil.STAGES[route]]
        status[rows] = _status_codes(route, years[rows], days[rows][:, cols], asof.date, rules)
    regions, region_id = np.unique(_ints(df, "region_no"), return_inverse=True)
    n = len(regions)
    codes = _codes(regions)
    by_status = np.bincount(region_id * 4 + status, minlength=n * 4).reshape(n, 4)
    village = _ints(df, "village_no")
    first = np.unique(village, return_index=True)[1]            # one row per village
    risk = (status == _RAWAN) | (status == _BERGESER)
    risky = np.unique(village[risk], return_index=True)[1]
    out = pd.DataFrame({
        "n_village_plans": by_status.sum(axis=1),
        "n_villages": np.bincount(region_id[first], minlength=n),
        "n_rawan": by_status[:, _RAWAN], "n_bergeser": by_status[:, _BERGESER],
        "n_beroperasi": by_status[:, _BEROPERASI],
        "n_villages_at_risk": np.bincount(region_id[risk][risky], minlength=n),
    }, index=pd.Index(codes, name="region_code"))
    out["pct_villages_at_risk"] = out["n_villages_at_risk"] / out["n_villages"] * 100
    return out


def region_comparison(con: duckdb.DuckDBPyConnection, asof: AsOf, rules: Rules = DEFAULT,
                      pre_aggregated: bool | None = None) -> pd.DataFrame:
    """One row per region with a masterplan active at asof.cutoff, sorted by code.

    Columns: region_code, region_name, province_name; capaian (mean program capaian vs
    expected-to-date), band_code, band_label, capaian_<dimension> (gov, bra, eco, liv, soc,
    env), n_programs, n_programs_computed, n_indicators, n_with_value (with a figure for
    asof.tw), n_indicators_computed; reports_due,
    reports_received, reports_on_time, completeness_pct, on_time_pct (asof.year, TW 1..asof.tw,
    judged on asof.date); n_village_plans, n_villages, n_rawan, n_bergeser, n_beroperasi (program
    × village rows), n_villages_at_risk (villages rawan or bergeser in some program) and
    pct_villages_at_risk. The same rules apply to every region.

    ``pre_aggregated`` None (the default) reads the pre-aggregated current state when it can
    (see :func:`_queries`); False forces the fact tables (tests compare the two).
    """
    dims = [r[0] for r in con.execute("SELECT code FROM dimension ORDER BY sort_order")
            .fetchall()]
    names = con.execute("""SELECT r.code AS region_code, r.name AS region_name,
                                  p.name AS province_name
                           FROM ref_regency r LEFT JOIN ref_province p
                             ON p.code = r.province_code""").df().set_index("region_code")
    indicators, villages_query = _queries(con, asof, pre_aggregated)
    att = _attainment(con, asof, rules, dims, indicators)
    out = names.join(att, how="inner")
    out = out.join(_completeness(con, asof, rules), how="left")
    villages = _villages(con, asof, rules, villages_query)
    out = out.join(villages, how="left")
    for region in revised_regions(con, asof):
        if region in out.index:
            for col, value in engine_row(con, region, asof, rules, dims).items():
                out.loc[region, col] = value
    for col in ("reports_due", "reports_received", "reports_on_time", "n_village_plans",
                "n_villages", "n_rawan", "n_bergeser", "n_beroperasi", "n_villages_at_risk"):
        out[col] = out[col].fillna(0).astype("int64")
    return out.reset_index()


def revised_regions(con: duckdb.DuckDBPyConnection, asof: AsOf) -> list[str]:
    """Regions whose loads active at the cut-off hold masterplan revisions (domain.md §3b)."""
    return [r[0] for r in con.execute(
        f"""WITH {_BASE}
            SELECT DISTINCT l.region_code FROM revision r JOIN act USING (load_id)
            JOIN load l USING (load_id) ORDER BY 1""", {"cutoff": asof.cutoff}).fetchall()]


def engine_row(con: duckdb.DuckDBPyConnection, region: str, asof: AsOf, rules: Rules,
               dims: list[str]) -> dict[str, object]:
    """The comparison's figures of one region from the per-region engine, which applies the
    region's masterplan revisions in force (targets changed, programs postponed or cancelled,
    villages rescheduled, reports no longer owed); the vectorised queries above read the
    masterplan as loaded. Used for the regions with revisions, so the comparison never shows a
    figure that the region's own pages contradict."""
    from monev.engine.attainment import dimension_attainment, masterplan_attainment
    from monev.engine.reporting import report_completeness
    from monev.engine.villages import village_rollout

    overall = masterplan_attainment(con, region, asof, rules)
    capaian = np.nan if overall["capaian"] is None else float(overall["capaian"])
    band = vector.band_codes(np.array([capaian]), rules)[0]
    row: dict[str, object] = {
        "capaian": capaian, "band_code": band, "band_label": BY_CODE[band].label,
        **{k: int(overall[k]) for k in ("n_programs", "n_programs_computed", "n_indicators",
                                        "n_with_value", "n_indicators_computed")}}
    per_dim = dimension_attainment(con, region, asof, rules).set_index("dimension_code")
    for code in dims:
        value = per_dim["capaian"].get(code)
        row[f"capaian_{code.lower()}"] = np.nan if value is None else float(value)
    status = report_completeness(con, region, asof, rules)["status"]
    due = int((status != wd.BELUM_JATUH_TEMPO).sum())
    received = int(status.isin([wd.TEPAT_WAKTU, wd.TERLAMBAT]).sum())
    on_time = int((status == wd.TEPAT_WAKTU).sum())
    row.update(reports_due=due, reports_received=received, reports_on_time=on_time,
               completeness_pct=received / due * 100 if due else np.nan,
               on_time_pct=on_time / due * 100 if due else np.nan)
    rollout = village_rollout(con, region, asof, rules)
    villages = rollout["village_code"].nunique()
    at_risk = rollout.loc[rollout["status"].isin([vil.RAWAN, vil.BERGESER]),
                          "village_code"].nunique()
    counts = rollout["status"].value_counts()
    row.update(n_village_plans=len(rollout), n_villages=villages,
               n_rawan=int(counts.get(vil.RAWAN, 0)), n_bergeser=int(counts.get(vil.BERGESER, 0)),
               n_beroperasi=int(counts.get(vil.BEROPERASI_STATUS, 0)),
               n_villages_at_risk=at_risk,
               pct_villages_at_risk=at_risk / villages * 100 if villages else np.nan)
    return row
