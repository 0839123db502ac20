"""Page-data benchmark: the engine calls each dashboard page makes, against the same data
re-read from the Excel workbooks with pandas (the "Excel re-read pattern" of many Streamlit
dashboards).

A page's data is defined by its engine calls (``PAGES``), run on one snapshot per page view as a
page would (``Snapshot(con, region, cutoff)``: every fact read at most once per view), on an open
read-only connection. The Excel pattern reads the workbooks a page needs with
``pandas.read_excel`` (openpyxl, the pandas default), every listed sheet of every file, then
groups; for the national dataset (no workbooks) its time is estimated from the Tuban demo's
seconds per row of the sheets read, scaled by the rows the region (or the nation) has in the
matching tables.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

from monev import engine as E
from monev.domain.settings import Rules
from monev.engine import AsOf, Snapshot, rules_for
from monev.engine.national import region_comparison
from monev.store import uploads

TODAY = date(2026, 11, 23)
ASOF = AsOf.latest(2026, 3, TODAY)
# Sheet of the workbooks -> table the loader writes it to (for the national estimate).
SHEET_TABLE = {"OPD": "opd", "Program": "program", "Indikator": "indicator",
               "Target": "target", "Desa Sasaran": "village_plan",
               "Realisasi Kinerja": "realisation", "Realisasi Anggaran": "budget",
               "Fisik dan Kendala": "program_progress", "Progres Desa": "village_stage",
               "_meta": "load"}


@dataclass(frozen=True)
class Timing:
    """Median, min and max seconds of several runs."""

    median: float
    low: float
    high: float
    runs: int


def timed(fn: Callable[[], object], runs: int) -> tuple[Timing, object]:
    """Run fn ``runs`` times after one warm-up call; the timing and the last result."""
    out = fn()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return Timing(statistics.median(times), min(times), max(times), runs), out


# ---------------------------------------------------------------- the pages' engine calls

# Each function makes the engine calls its page makes (pages/*.py, every ``cached(...)`` of the
# page's default view), on one snapshot; the OPD names come from the store like on the page.

def _opds(snap: Snapshot, region: str) -> object:
    return uploads.masterplan_opds(snap.con, region)


def _ringkasan(snap: Snapshot, region: str, asof: AsOf, rules: Rules) -> object:
    reports = E.report_completeness(snap, region, asof, rules)
    return (E.masterplan_attainment(snap, region, asof, rules),
            E.dimension_attainment(snap, region, asof, rules),
            E.program_attainment(snap, region, asof, rules),
            E.indicator_attainment(snap, region, asof, rules), E.completeness_by_tw(reports),
            E.village_rollout(snap, region, asof, rules)["status"].value_counts(),
            E.data_freshness(snap, region, asof), _opds(snap, region))


def _capaian(snap: Snapshot, region: str, asof: AsOf, rules: Rules) -> object:
    indicators = E.indicator_attainment(snap, region, asof, rules)
    first = indicators["indicator_code"].iloc[0] if len(indicators) else None
    detail = ((E.indicator_series(snap, region, asof, first),
               E.trace_indicator(snap, region, asof, first)) if first else None)
    return (E.program_attainment(snap, region, asof, rules), indicators, detail,
            E.report_completeness(snap, region, asof, rules),
            E.budget_summary(snap, region, asof, rules, by="program"), _opds(snap, region))


def _tertinggal(snap: Snapshot, region: str, asof: AsOf, rules: Rules) -> object:
    return (E.all_flags(snap, region, asof, rules),
            E.report_completeness(snap, region, asof, rules),
            E.indicator_attainment(snap, region, asof, rules), _opds(snap, region))


def _desa(snap: Snapshot, region: str, asof: AsOf, rules: Rules) -> object:
    return (E.village_rollout(snap, region, asof, rules),
            E.village_milestones(snap, region, asof, rules),
            E.program_attainment(snap, region, asof, rules))


def _anggaran(snap: Snapshot, region: str, asof: AsOf, rules: Rules) -> object:
    return (*(E.budget_summary(snap, region, asof, rules, by=by)
              for by in ("program", "opd", "funding_source", "source")), _opds(snap, region))


def _kolaborasi(snap: Snapshot, region: str, asof: AsOf, rules: Rules) -> object:
    return (E.opd_attainment(snap, region, asof, rules, as_lead=True),
            E.opd_attainment(snap, region, asof, rules, as_lead=False),
            E.program_attainment(snap, region, asof, rules),
            E.indicator_attainment(snap, region, asof, rules),
            E.report_completeness(snap, region, asof, rules), _opds(snap, region))


def _kelengkapan(snap: Snapshot, region: str, asof: AsOf, rules: Rules) -> object:
    return E.report_completeness(snap, region, asof, rules, False)


@dataclass(frozen=True)
class Page:
    """A dashboard page: its engine calls and the sheets its Excel re-read would need."""

    name: str
    compute: Callable[[Snapshot, str, AsOf, Rules], object]
    mp_sheets: tuple[str, ...]
    report_sheets: tuple[str, ...]


PAGES: tuple[Page, ...] = (
    Page("Ringkasan", _ringkasan, ("OPD", "Program", "Indikator", "Target", "Desa Sasaran"),
         ("_meta", "Realisasi Kinerja", "Progres Desa")),
    Page("Capaian Program", _capaian, ("OPD", "Program", "Indikator", "Target"),
         ("_meta", "Realisasi Kinerja", "Realisasi Anggaran", "Fisik dan Kendala")),
    Page("Target Tertinggal", _tertinggal, ("OPD", "Program", "Indikator", "Target",
                                            "Desa Sasaran"),
         ("_meta", "Realisasi Kinerja", "Realisasi Anggaran", "Fisik dan Kendala",
          "Progres Desa")),
    Page("Peluncuran Desa", _desa, ("Program", "Indikator", "Target", "Desa Sasaran"),
         ("_meta", "Realisasi Kinerja", "Progres Desa")),
    Page("Anggaran", _anggaran, ("OPD", "Program"), ("_meta", "Realisasi Anggaran",
                                                      "Fisik dan Kendala")),
    Page("Kolaborasi OPD", _kolaborasi, ("OPD", "Program", "Indikator", "Target"),
         ("_meta", "Realisasi Kinerja")),
    Page("Kelengkapan Laporan", _kelengkapan, ("OPD", "Program"), ("_meta",)),
)


def page_view(con: duckdb.DuckDBPyConnection, page: Page, region: str,
              asof: AsOf = ASOF) -> object:
    """One view of a page: the region's rules and a fresh snapshot, then its engine calls."""
    rules = rules_for(con, region)
    return page.compute(Snapshot(con, region, asof.cutoff), region, asof, rules)


# ---------------------------------------------------------------- the Excel re-read pattern

def _read_book(path: Path, sheets: tuple[str, ...], engine: str) -> dict[str, pd.DataFrame]:
    """The listed sheets of one workbook: tables with their header row (row 3), _meta as
    key/value."""
    raw = pd.read_excel(path, sheet_name=list(sheets), header=None, engine=engine)
    out = {}
    for name, df in raw.items():
        if name == "_meta":
            out[name] = pd.DataFrame([dict(zip(df[0], df[1], strict=True))])
        else:
            table = df.iloc[3:].reset_index(drop=True)
            table.columns = [str(c) for c in df.iloc[2]]
            out[name] = table
    return out


def read_workbooks(folder: Path, page: Page, engine: str = "openpyxl") -> dict[str, pd.DataFrame]:
    """Every sheet the page needs from every workbook in the folder, concatenated per sheet."""
    parts: dict[str, list[pd.DataFrame]] = {}
    for path in sorted(folder.glob("masterplan_*.xlsx")):
        for name, df in _read_book(path, page.mp_sheets, engine).items():
            parts.setdefault(name, []).append(df)
    for path in sorted(folder.glob("laporan_*.xlsx")):
        books = _read_book(path, page.report_sheets, engine)
        meta = books.pop("_meta")
        parts.setdefault("_meta", []).append(meta.assign(file=path.name))
        for name, df in books.items():
            parts.setdefault(name, []).append(
                df.assign(opd=meta["kode_opd"].iloc[0], tahun=int(meta["tahun"].iloc[0]),
                          tw=int(meta["triwulan"].iloc[0]), file=path.name))
    return {name: pd.concat(dfs, ignore_index=True) for name, dfs in parts.items()}


def _capaian_by(data: dict[str, pd.DataFrame], key: str) -> pd.DataFrame:
    """Latest realisation vs this year's annual target, mean per key (program/OPD/dimension)."""
    real = data["Realisasi Kinerja"]
    real = real[real["tahun"] == ASOF.year].sort_values("tw").groupby(
        "Kode Indikator", as_index=False).last()
    target = data["Target"]
    target = target[(pd.to_numeric(target["Tahun"]) == ASOF.year)
                    & (target["Periode"].astype(str) == "Tahunan")]
    merged = real.merge(target, on="Kode Indikator").merge(
        data["Indikator"], on="Kode Indikator", suffixes=("", "_i")).merge(
        data["Program"], left_on="Kode Program_i", right_on="Kode Program",
        suffixes=("", "_p"))
    merged["capaian"] = (pd.to_numeric(merged["Realisasi"], errors="coerce")
                         / pd.to_numeric(merged["Target"], errors="coerce") * 100)
    return merged.groupby(key)["capaian"].mean().reset_index()


def excel_pattern(folder: Path, page: Page, engine: str = "openpyxl") -> object:
    """Re-read the workbooks a page needs and compute a summary like the page's."""
    data = read_workbooks(folder, page, engine)
    meta = data["_meta"]
    if page.name == "Kelengkapan Laporan":
        return meta.groupby(["kode_opd", "tahun", "triwulan"]).size().unstack("triwulan")
    if page.name == "Peluncuran Desa":
        stages = data["Progres Desa"].sort_values(["tahun", "tw"])
        return stages.groupby(["Kode Program", "Kode Desa/Kelurahan"])["Tahap Saat Ini"].last()
    if page.name == "Anggaran":
        budget = data["Realisasi Anggaran"]
        budget = budget[budget["tahun"] == ASOF.year]
        return budget.groupby("Kode Program")[["Pagu (Rp)", "Realisasi (Rp)"]].agg(
            lambda s: pd.to_numeric(s, errors="coerce").sum())
    key = {"Kolaborasi OPD": "OPD Pengampu", "Capaian Program": "Kode Program"}.get(
        page.name, "Dimensi")
    out = _capaian_by(data, key)
    if page.name == "Target Tertinggal":
        return out[out["capaian"] < 76]
    if page.name == "Ringkasan":
        return out, meta.groupby("triwulan").size(), \
            data["Progres Desa"].groupby("Tahap Saat Ini").size()
    return out


# ---------------------------------------------------------------- rows behind the sheets

def sheet_rows(con: duckdb.DuckDBPyConnection, page: Page,
               region: str | None) -> int:
    """Rows the page's sheets hold for a region (None: every region), over every load (the
    workbooks on disk include superseded ones): the size an Excel re-read scales with."""
    total = 0
    for sheet in (*page.mp_sheets, *page.report_sheets):
        table = SHEET_TABLE[sheet]
        if table == "load":
            sql = "SELECT count(*) FROM load WHERE kind = 'laporan'"
        else:
            sql = f"SELECT count(*) FROM {table}"
        params: list[object] = []
        if region is not None:
            sql += (" AND" if "WHERE" in sql else " WHERE") + " region_code = ?"
            params.append(region)
        total += int(con.execute(sql, params).fetchone()[0])
    return total


# ---------------------------------------------------------------- the benchmark

def run(tuban_db: Path, workbooks: Path, national_db: Path | None, region: str = "35.23",
        runs: int = 7, excel_runs: int = 3, loop_regions: int = 10,
        log: Callable[[str], None] = print) -> list[dict]:
    """Time every page on the Tuban demo and (when given) the national dataset; rows for the
    results table (see bench/__main__.py)."""
    rows: list[dict] = []
    excel: dict[str, Timing] = {}
    tuban_rows: dict[str, int] = {}
    with duckdb.connect(str(tuban_db), read_only=True) as con:
        for page in PAGES:
            t, _ = timed(lambda page=page: page_view(con, page, "35.23"), runs)
            log(f"  {page.name} (Tuban): {t.median * 1000:.0f} ms; Excel re-read …")
            x, _ = timed(lambda page=page: excel_pattern(workbooks, page), excel_runs)
            excel[page.name] = x
            tuban_rows[page.name] = sheet_rows(con, page, "35.23")
            rows.append(_page_row(page.name, "Tuban demo (35.23)", t, x, estimated=False))
        t, _ = timed(lambda: excel_pattern(workbooks, PAGES[0], engine="calamine"),
                     excel_runs)
        rows.append({"section": "Data halaman", "measure": "Ringkasan — Excel re-read with "
                     "calamine (fastest pandas reader)", "dataset": "Tuban demo (35.23)",
                     "timing": t, "unit": "s", "compare": "", "target": "", "met": None})
    if national_db is None:
        return rows
    # The app opens a short-lived connection per uncached call (monev/ui/data.py): measured
    # with no other connection to the file open, so DuckDB really opens the database.
    t, _ = timed(lambda: duckdb.connect(str(national_db), read_only=True).close(), runs)
    rows.append({"section": "Data halaman", "measure": "open and close a read-only connection "
                 "(the app does this for every uncached call)", "dataset": "national",
                 "timing": t, "unit": "ms", "compare": "", "target": "", "met": None})
    with duckdb.connect(str(national_db), read_only=True) as con:
        for page in PAGES:
            t, _ = timed(lambda page=page: page_view(con, page, region), runs)
            log(f"  {page.name} (national, {region}): {t.median * 1000:.0f} ms")
            scale = sheet_rows(con, page, region) / tuban_rows[page.name]
            est = _scaled(excel[page.name], scale)
            rows.append(_page_row(page.name, f"national, one region ({region})", t, est,
                                  estimated=True))
        t, result = timed(lambda: region_comparison(con, ASOF), runs)
        log(f"  region_comparison (national): {t.median * 1000:.0f} ms, {len(result)} regions")
        scale = sheet_rows(con, PAGES[0], None) / tuban_rows[PAGES[0].name]
        rows.append(_page_row(f"Perbandingan wilayah: region_comparison ({len(result)} "
                              "regencies)", "national roll-up", t,
                              _scaled(excel[PAGES[0].name], scale), estimated=True))
        t, _ = timed(lambda: region_comparison(con, ASOF, pre_aggregated=False), runs)
        rows.append({"section": "Data halaman", "measure": "(for comparison) the same roll-up "
                     "from the fact tables instead of the pre-aggregated current state "
                     "(monev/store/current.py)", "dataset": "national roll-up", "timing": t,
                     "unit": "ms", "compare": "", "target": "", "met": None})
        codes = [r for r in result["region_code"]][:loop_regions]
        t, _ = timed(lambda: [_region_summary(con, r) for r in codes], max(1, runs // 3))
        factor = len(result) / len(codes)
        rows.append({"section": "Data halaman", "measure": "(for comparison) the same roll-up "
                     f"by calling the per-region engine for each regency, estimated from "
                     f"{len(codes)} regencies", "dataset": "national roll-up",
                     "timing": _scaled(t, factor), "unit": "s", "compare": "", "target": "",
                     "met": None})
    return rows


def _region_summary(con: duckdb.DuckDBPyConnection, region: str) -> object:
    snap = Snapshot(con, region, ASOF.cutoff)
    return (E.masterplan_attainment(snap, region, ASOF), E.dimension_attainment(snap, region,
                                                                                ASOF),
            E.report_completeness(snap, region, ASOF), E.village_rollout(snap, region, ASOF))


def _scaled(t: Timing, factor: float) -> Timing:
    return Timing(t.median * factor, t.low * factor, t.high * factor, t.runs)


def _page_row(name: str, dataset: str, t: Timing, excel: Timing, estimated: bool) -> dict:
    """A results row: page time vs 250 ms and vs 20× faster than the Excel re-read."""
    ratio = excel.median / t.median
    est = " (estimated)" if estimated else ""
    return {"section": "Data halaman", "measure": name, "dataset": dataset, "timing": t,
            "unit": "ms", "compare": f"Excel re-read{est} {_seconds(excel.median)} → "
                                     f"{ratio:,.0f}× faster",
            "target": "≤ 250 ms and ≥ 20×",
            "met": t.median <= 0.25 and ratio >= 20}


def _seconds(s: float) -> str:
    if s >= 3600:
        return f"{s / 3600:,.1f} h"
    if s >= 60:
        return f"{s / 60:,.1f} min"
    return f"{s:,.2f} s"
