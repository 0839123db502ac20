"""Page models: what a page shows, computed from the engine's frames once per data version.

Each function takes small arguments (a region code, the period, the rules, the page's filter
values; never a table), reads through ``data.cached`` and returns the frames a page lays
out. Pages call them through ``data.derived``, so the pandas work on national-size frames
(masks, group-bys, sorts on Arrow-backed text) is done once for every session that asks with
equal arguments instead of on every view (issue 29, part 1). They know nothing of widgets.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from monev.domain.settings import Rules
from monev.engine import (
    AsOf,
    indicator_attainment,
    opd_attainment,
    program_attainment,
    report_completeness,
    village_milestones,
    village_rollout,
)
from monev.engine.national import region_comparison
from monev.store import uploads
from monev.ui import charts_capaian as cc
from monev.ui import charts_desa as cd
from monev.ui import charts_wilayah as cw
from monev.ui.data import cached, derived
from monev.ui.format import persen


def village_scope(region: str, asof: AsOf, rules: Rules, dimension: str | None,
                  opd: str | None) -> pd.DataFrame:
    """The villages of the programs in the sidebar's dimension and OPD (lead or
    supporting); every village of the region without those filters."""
    rollout = cached(village_rollout, region, asof, rules)
    if rollout.empty or not (dimension or opd):
        return rollout
    programs = cached(program_attainment, region, asof, rules)
    keep = pd.Series(True, index=rollout.index)
    if dimension:
        codes = set(programs.loc[programs["dimension_code"] == dimension, "program_code"])
        keep &= rollout["program_code"].isin(codes)
    if opd:
        support = programs[cc.codes_in(programs["supporting_opds"], {opd})]
        keep &= (rollout["lead_opd_code"] == opd) | rollout["program_code"].isin(
            set(support["program_code"]))
    return rollout[keep].reset_index(drop=True)


@dataclass(frozen=True)
class VillageView:
    """Peluncuran Desa for one kecamatan and route: the villages and what is drawn of them."""

    shown: pd.DataFrame          # the villages (cd.narrow_villages of village_scope)
    counts: dict[str, int]       # villages per status
    matrix: pd.DataFrame         # cd.district_matrix
    finding: str                 # the matrix chart's title (cd.rollout_finding)
    names: dict[str, str]        # program code -> name
    programs: dict[str, dict]    # cd.program_summary, by program code
    risk: pd.DataFrame           # cd.risk_table


def village_view(region: str, asof: AsOf, rules: Rules, dimension: str | None,
                 opd: str | None, district: str, route: str) -> VillageView:
    """The villages of the scope in one kecamatan and route, and their summaries."""
    shown = cd.narrow_villages(derived(village_scope, region, asof, rules, dimension, opd),
                               district, route)
    return VillageView(
        shown=shown, counts=cd.status_counts(shown), matrix=cd.district_matrix(shown),
        finding=cd.rollout_finding(shown),
        names=dict(zip(shown["program_code"], shown["program_name"], strict=True)),
        programs=cd.program_summary(shown).to_dict("index") if len(shown) else {},
        risk=cd.risk_table(shown))


@dataclass(frozen=True)
class ProgramVillages:
    """One program of a VillageView: its villages, most urgent first, and its milestones."""

    villages: pd.DataFrame       # cd.sort_villages
    milestones: pd.DataFrame     # village_milestones of the program
    finding: str                 # the Gantt's title (cd.program_finding on the given day)
    caption: str                 # cd.calendar_caption
    on: date                     # the day the statuses are judged on


def program_villages(region: str, asof: AsOf, rules: Rules, dimension: str | None,
                     opd: str | None, district: str, route: str, code: str,
                     on: date) -> ProgramVillages:
    """The villages of program ``code`` in the village view, and its planning milestones."""
    view = derived(village_view, region, asof, rules, dimension, opd, district, route)
    villages = cd.sort_villages(view.shown[view.shown["program_code"] == code])
    every = cached(village_milestones, region, asof, rules)
    mine = every[every["program_code"] == code].reset_index(drop=True)
    return ProgramVillages(villages, mine, cd.program_finding(villages, mine, on),
                           cd.calendar_caption(mine), on)


def opd_scorecard(region: str, asof: AsOf, rules: Rules, dimension: str | None
                  ) -> pd.DataFrame:
    """Kolaborasi OPD's scorecard (cd.opd_scorecard): per OPD, capaian as lead and as
    supporter, reports, lagging indicators; on the programs of ``dimension`` when given."""
    lead = cached(opd_attainment, region, asof, rules, True, dimension)
    support = cached(opd_attainment, region, asof, rules, False, dimension)
    reports = cached(report_completeness, region, asof, rules)
    indicators = cached(indicator_attainment, region, asof, rules)
    if dimension:
        indicators = indicators[indicators["dimension_code"] == dimension]
    opds = cached(uploads.masterplan_opds, region)
    return cd.opd_scorecard(lead, support, reports, indicators, opds)


@dataclass(frozen=True)
class RegionTables:
    """Perbandingan Wilayah for one scope (every province or one)."""

    shown: pd.DataFrame              # the regions of the scope (region_comparison rows)
    provinces: pd.DataFrame | None   # one row per province, in Indonesian (national scope)
    regions: pd.DataFrame            # cw.region_table
    band_columns: tuple[str, ...]    # the columns of ``regions`` coloured by band


def region_tables(asof: AsOf, rules: Rules, province: str,
                  dimensions: tuple[tuple[str, str], ...]) -> RegionTables:
    """The regions of ``province`` ('*': every one) and their tables (``dimensions``: the
    dimension codes and names, in order)."""
    comp = cached(region_comparison, asof, rules)
    shown = cw.in_province(comp, province)
    names = dict(dimensions)
    provinces = None
    if province == cw.ALL_PROVINCES and shown["region_code"].str[:2].nunique() > 1:
        prov = cw.province_summary(shown, rules)
        provinces = pd.DataFrame({
            "Provinsi": prov["province_name"], "Kabupaten/kota": prov["n_regions"],
            "Median capaian": [cc.capaian_text(v, c) for v, c in
                               zip(prov["capaian_median"], prov["band_code"], strict=True)],
            "Tertinggal": prov["n_lagging"],
            "Laporan diterima": prov["completeness_pct"].map(persen),
            "Desa/Kelurahan berisiko": prov["pct_villages_at_risk"].map(persen)})
    table = cw.region_table(shown, names, rules)
    band_columns = ("Capaian", *[n for n in names.values() if n in table.columns])
    return RegionTables(shown, provinces, table, band_columns)
