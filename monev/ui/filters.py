"""Shared sidebar filters: Wilayah (only when several), Tahun, Triwulan, Dimensi, OPD.

``app.py`` renders them once per run with :func:`sidebar_filters`; pages read the choice
with :func:`current`. Choices are kept in ``st.session_state`` under ``filter_*`` keys (not
the widget keys, which Streamlit forgets on pages that do not show the filters), so they
persist across pages. The default is the latest year and TW with a report; with no report
yet, the last quarter that has ended.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import duckdb
import streamlit as st

from monev.domain.text import tw_label
from monev.store import intake, uploads
from monev.ui.data import DatabaseBusy, cached

KEYS = ("wilayah", "tahun", "tw", "dimensi", "opd")
STATE_KEY = "monev_filters"
# "All" as an option value: Streamlit shows its English placeholder for a None value.
ALL = "*"


@dataclass(frozen=True)
class Filters:
    """What the user chose: region, year, TW, dimension code and OPD code (None = all)."""

    region: str | None
    region_name: str | None
    year: int
    tw: int
    dimension: str | None = None
    opd: str | None = None

    @property
    def has_masterplan(self) -> bool:
        """True when a masterplan is loaded for the chosen region."""
        return self.region is not None

    @property
    def period_label(self) -> str:
        """'TW III 2026'."""
        return f"{tw_label(self.tw)} {self.year}"


@dataclass(frozen=True)
class FilterOptions:
    """The choices offered, and the default period."""

    regions: dict[str, str]
    years: tuple[int, ...]
    default_year: int
    default_tw: int
    dimensions: dict[str, str]
    opds: dict[str, str]


def last_closed_tw(today: date) -> tuple[int, int]:
    """The last quarter that has ended by ``today``: 23 Nov 2026 -> (2026, 3)."""
    tw = (today.month - 1) // 3
    return (today.year - 1, 4) if tw == 0 else (today.year, tw)


def default_period(reported: Sequence[tuple[int, int]], years: Sequence[int],
                   today: date) -> tuple[int, int]:
    """Latest (year, tw) with a report; else the last ended quarter, kept inside ``years``."""
    inside = [(y, t) for y, t in reported if not years or y in years]
    if inside:
        return max(inside)
    year, tw = last_closed_tw(today)
    if years and year not in years:
        if year > max(years):
            return max(years), 4
        return min(years), 1
    return year, tw


def options(region: str | None = None, today: date | None = None) -> FilterOptions:
    """The filter choices from the database (cached by data version, as one object: every
    page run asks for them)."""
    return cached(read_options, region, today or date.today())


def read_options(con: duckdb.DuckDBPyConnection, region: str | None,
                 today: date) -> FilterOptions:
    """The filter choices for ``region`` (the first region when it has no masterplan)."""
    regions_df = uploads.active_regions(con)
    regions = dict(zip(regions_df["region_code"], regions_df["region_name"]))
    if region not in regions:
        region = next(iter(regions), None)
    dims = intake.dimensions(con).drop_duplicates("code")
    dimensions = dict(zip(dims["code"], dims["name"]))
    if region is None:
        year, tw = last_closed_tw(today)
        return FilterOptions({}, (year,), year, tw, dimensions, {})
    row = regions_df[regions_df["region_code"] == region].iloc[0]
    years = tuple(range(int(row["start_year"]), int(row["end_year"]) + 1))
    periods = uploads.report_periods(con, region)
    reported = [(int(y), int(t)) for y, t in zip(periods["year"], periods["tw"])]
    year, tw = default_period(reported, years, today)
    opds_df = uploads.masterplan_opds(con, region)
    opds = {code: (f"{short} – {name}" if short and short != name else name)
            for code, name, short in zip(opds_df["opd_code"], opds_df["name"],
                                         opds_df["short_name"].where(
                                             opds_df["short_name"].notna(), None))}
    return FilterOptions(regions, years, year, tw, dimensions, opds)


def _stored(name: str, allowed: Sequence[Any], default: Any) -> Any:
    value = st.session_state.get(f"filter_{name}", default)
    return value if value in allowed else default


def resolve(opts: FilterOptions) -> Filters:
    """The current choice from session state, each value checked against the options."""
    region = _stored("wilayah", list(opts.regions), next(iter(opts.regions), None))
    year = _stored("tahun", list(opts.years), opts.default_year)
    tw = _stored("tw", [1, 2, 3, 4], opts.default_tw if year == opts.default_year else 4)
    dimension = _stored("dimensi", [None, *opts.dimensions], None)
    opd = _stored("opd", [None, *opts.opds], None)
    return Filters(region, opts.regions.get(region) if region else None, year, tw,
                   dimension, opd)


def _select(label: str, name: str, choices: Sequence[Any], value: Any,
            fmt: Callable[[Any], str] = str) -> Any:
    """A sidebar selectbox whose value lives in ``filter_<name>`` across pages (None = all)."""
    widget = f"_w_filter_{name}"
    st.session_state[widget] = ALL if value is None else value

    def _keep() -> None:
        chosen = st.session_state[widget]
        st.session_state[f"filter_{name}"] = None if chosen == ALL else chosen

    picked = st.sidebar.selectbox(
        label, [ALL if c is None else c for c in choices], key=widget, on_change=_keep,
        format_func=lambda c: fmt(None if c == ALL else c), placeholder="Pilih…")
    return None if picked == ALL else picked


def region_count() -> int:
    """How many regions have an active masterplan (1 while the database is busy)."""
    try:
        return cached(intake.loaded_region_count)
    except DatabaseBusy:
        return 1


def sidebar_filters(per_region: bool = True) -> Filters:
    """Render the shared filters in the sidebar and return (and remember) the choice.

    ``per_region=False`` (pages comparing regions) leaves out Wilayah and OPD."""
    opts = options(st.session_state.get("filter_wilayah"))
    chosen = resolve(opts)
    st.sidebar.subheader("Saring data")
    region = chosen.region
    if per_region and len(opts.regions) > 1:
        region = _select("Wilayah", "wilayah", list(opts.regions), chosen.region,
                         lambda c: opts.regions.get(c, c))
        if region != chosen.region:
            opts = options(region)
    if not opts.regions:
        st.sidebar.caption("Belum ada masterplan yang dimuat.")
    year = _select("Tahun", "tahun", opts.years, chosen.year)
    tw = _select("Triwulan", "tw", (1, 2, 3, 4), chosen.tw, tw_label)
    dimension = _select("Dimensi", "dimensi", [None, *opts.dimensions], chosen.dimension,
                        lambda c: "Semua dimensi" if c is None else opts.dimensions[c])
    opd = _select("Perangkat Daerah (OPD)", "opd", [None, *opts.opds], chosen.opd,
                  lambda c: "Semua OPD" if c is None else opts.opds[c]) if per_region else None
    result = Filters(region, opts.regions.get(region) if region else None, year, tw,
                     dimension, opd)
    st.session_state[STATE_KEY] = result
    return result


def current() -> Filters:
    """The filters chosen in the sidebar this run (defaults when the sidebar was not shown)."""
    found = st.session_state.get(STATE_KEY)
    if isinstance(found, Filters):
        return found
    return resolve(options(st.session_state.get("filter_wilayah")))
