"""The engine on the Kabupaten Tuban demo, checked against figures recomputed here straight from
the demo's workbooks (openpyxl and plain arithmetic; no engine, domain or ETL code).

Building the demo takes about a minute, so it is built once for this module.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import pytest

from monev.domain.settings import DEFAULT
from monev.engine import (
    AsOf,
    Snapshot,
    all_flags,
    budget_summary,
    indicator_attainment,
    masterplan_attainment,
    program_attainment,
    report_completeness,
    rule_impact,
    village_rollout,
)

demo = pytest.importorskip("etl.demo")
from tests.app.dbs import demo_build  # noqa: E402  (needs etl.demo)

REGION = "35.23"
CUTOFF = datetime(2026, 11, 23, 23, 59)
NOW_VIEW = AsOf(2026, 3, CUTOFF)
LAST_YEAR = AsOf(2025, 4, CUTOFF)
BASIS = {"Nilai TW ini": "tw", "Kumulatif s.d. TW": "sdtw"}
TW = {"TW I": 1, "TW II": 2, "TW III": 3, "TW IV": 4}


def number(value: object) -> float | None:
    """A cell as a number: 1234.5, "1.234,5", "Rp 1.500.000" or "75%"; blank -> None."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value).replace("Rp", "").replace("%", "").strip()
    return float(text.replace(".", "").replace(",", "."))


def rows(ws, first_header: str) -> list[dict[str, object]]:
    """Table rows below the header row that starts with first_header."""
    out, header = [], None
    for values in ws.iter_rows(values_only=True):
        if header is None:
            if values and values[0] == first_header:
                header = list(values)
            continue
        if any(v is not None for v in values):
            out.append(dict(zip(header, values, strict=False)))
    return out


def info(ws) -> dict[str, object]:
    return {r[0]: r[1] for r in ws.iter_rows(values_only=True) if r and r[0]}


@dataclass
class Books:
    """What the demo workbooks say, read independently of the product."""

    programs: dict[str, dict[str, object]] = field(default_factory=dict)
    indicators: dict[str, dict[str, object]] = field(default_factory=dict)
    targets: dict[tuple[str, int, int], float] = field(default_factory=dict)
    # (indicator, year, tw) -> (value, basis) from the report active for its scope
    real: dict[tuple[str, int, int], tuple[float, str]] = field(default_factory=dict)
    # (program, source, year, tw) -> (pagu, realisasi, basis)
    budget: dict[tuple[str, str, int, int], tuple[float, float | None, str]] = field(
        default_factory=dict)
    reports: set[tuple[str, int, int]] = field(default_factory=set)
    stages: dict[tuple[str, str], dict[str, date]] = field(default_factory=dict)
    # the rows of the demo's masterplan revision workbook (domain.md §3b)
    revisions: list[dict[str, object]] = field(default_factory=list)


def read_books(folder: Path) -> Books:
    b = Books()
    wb = openpyxl.load_workbook(next(folder.glob("masterplan_*.xlsx")), read_only=True)
    for r in rows(wb["Program"], "Kode Program"):
        b.programs[r["Kode Program"]] = {"lead": r["OPD Pengampu"], "start": r["Tahun Mulai"],
                                         "end": r["Tahun Selesai"]}
    for r in rows(wb["Indikator"], "Kode Indikator"):
        b.indicators[r["Kode Indikator"]] = {
            "program": r["Kode Program"], "negative": r["Polaritas"] == "Negatif",
            "acc": r["Akumulasi"], "baseline": number(r["Kondisi Awal"])}
    for r in rows(wb["Target"], "Kode Indikator"):
        period = 0 if r["Periode"] == "Tahunan" else TW[r["Periode"]]
        b.targets[(r["Kode Indikator"], int(r["Tahun"]), period)] = number(r["Target"])
    for path in sorted(folder.glob("revisi_*.xlsx")):
        wb = openpyxl.load_workbook(path, read_only=True)
        b.revisions += rows(wb["Revisi"], "Jenis")
    files = sorted(folder.glob("laporan_*.xlsx"))
    fixed = {f.name.replace("_perbaikan", "") for f in files if "_perbaikan" in f.name}
    for path in files:
        if path.name in fixed:
            continue  # superseded by its corrected resubmission
        wb = openpyxl.load_workbook(path, read_only=True)
        head = info(wb["Info"])
        opd, year, tw = head["Kode OPD"], int(head["Tahun"]), TW[head["Triwulan"]]
        basis = BASIS[head["Jenis Nilai Realisasi"]]
        b.reports.add((opd, year, tw))
        for r in rows(wb["Realisasi Kinerja"], "Kode Indikator"):
            value = number(r["Realisasi"])
            if value is not None:
                b.real[(r["Kode Indikator"], year, tw)] = (value, basis)
        for r in rows(wb["Realisasi Anggaran"], "Kode Program"):
            b.budget[(r["Kode Program"], r["Sumber Dana"], year, tw)] = (
                number(r["Pagu (Rp)"]), number(r["Realisasi (Rp)"]), basis)
        for r in rows(wb["Progres Desa"], "Kode Program"):
            if r["Tahap Saat Ini"]:
                when = r["Tanggal Tahap Dicapai"]
                when = when.date() if isinstance(when, datetime) else when
                seen = b.stages.setdefault((r["Kode Program"], r["Kode Desa/Kelurahan"]), {})
                seen[r["Tahap Saat Ini"]] = min(when, seen.get(r["Tahap Saat Ini"], when))
    return b


def ytd(b: Books, code: str, year: int, upto: int) -> float | None:
    """Realisation to date the way the report instructions describe it."""
    acc = b.indicators[code]["acc"]
    total, count, last = None, 0, None
    for q in range(1, upto + 1):
        if (code, year, q) not in b.real:
            continue
        value, basis = b.real[(code, year, q)]
        last = value
        if acc == "Jumlah":
            total = value if basis == "sdtw" else (total or 0.0) + value
        elif acc == "Rata-rata":
            total, count = ((value * q, q) if basis == "sdtw"
                            else ((total or 0.0) + value, count + 1))
    if acc == "Posisi Akhir":
        return last
    if acc == "Rata-rata":
        return None if total is None else total / count
    return total


def figure(b: Books, code: str, year: int, upto: int) -> float | None:
    """The figure a view of TW upto shows: none when that TW itself has no value."""
    return ytd(b, code, year, upto) if (code, year, upto) in b.real else None


def start(b: Books, code: str, year: int) -> float:
    """Where a posisi akhir year starts: last year's TW IV value, else last year's target
    (when the program ran last year), else the baseline (else 0)."""
    if b.programs[b.indicators[code]["program"]]["start"] < year:
        if (code, year - 1, 4) in b.real:
            return b.real[(code, year - 1, 4)][0]
        if (code, year - 1, 0) in b.targets:
            return b.targets[(code, year - 1, 0)]
    return b.indicators[code]["baseline"] or 0.0


def expected(b: Books, code: str, year: int, upto: int) -> float | None:
    acc = b.indicators[code]["acc"]
    plan = [b.targets[(code, year, q)] for q in range(1, upto + 1)
            if (code, year, q) in b.targets]
    if plan:
        return {"Jumlah": sum(plan), "Posisi Akhir": plan[-1],
                "Rata-rata": sum(plan) / len(plan)}[acc]
    annual = b.targets.get((code, year, 0))
    if annual is None:
        return None
    if acc == "Jumlah":
        return annual * upto / 4
    if acc == "Rata-rata":
        return annual
    level = start(b, code, year)
    return level + (annual - level) * upto / 4


def attainment(b: Books, code: str, year: int, upto: int) -> float | None:
    r, t = figure(b, code, year, upto), expected(b, code, year, upto)
    if r is None or t is None:
        return None
    if b.indicators[code]["negative"]:
        if t == 0:
            return 100.0 if r == 0 else None
        return max(0.0, (2 - r / t) * 100)
    return None if t == 0 else r / t * 100


def program_capaian(b: Books, prog: str, year: int, upto: int) -> float | None:
    values = [attainment(b, c, year, upto) for c, i in b.indicators.items()
              if i["program"] == prog]
    values = [v for v in values if v is not None]
    return sum(values) / len(values) if values else None


def running(b: Books, year: int) -> list[str]:
    return [c for c, p in b.programs.items() if p["start"] <= year <= p["end"]]


def as_revised(b: Books, view: AsOf) -> Books:
    """The books as the revisions in force at the end of the viewed TW leave them (the demo's
    kinds only): a program postponed or cancelled for the year, or an indicator rescheduled
    away from it, is not assessed; a changed target replaces the original."""
    month = view.tw * 3
    end = date(view.year, month, 30 if month in (6, 9) else 31)
    programs, indicators, targets = dict(b.programs), dict(b.indicators), dict(b.targets)
    for r in b.revisions:
        when = r["Berlaku Mulai"]
        if (when.date() if isinstance(when, datetime) else when) > end:
            continue
        kind, year, new = r["Jenis"], int(r["Tahun"]), r["Tahun Baru"]
        off = (kind == "ditunda" and year <= view.year < int(new)
               or kind == "dibatalkan" and view.year >= year
               or kind == "dijadwal ulang" and view.year == year)
        if off and r["Kode Indikator"]:
            indicators.pop(r["Kode Indikator"], None)
        elif off:
            programs.pop(r["Kode Program"], None)
        if kind == "target diubah" and view.year == year:
            targets[(r["Kode Indikator"], year, 0)] = number(r["Target Baru"])
    return replace(b, programs=programs, indicators=indicators, targets=targets)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[duckdb.DuckDBPyConnection,
                                                                      Books]]:
    build = demo_build(tmp_path_factory)   # built once per test run, read-only here
    con = duckdb.connect(str(build.db), read_only=True)
    yield con, read_books(build.workbooks)
    con.close()


@pytest.mark.parametrize("view", [NOW_VIEW, LAST_YEAR], ids=["2026-TW3", "2025-TW4"])
def test_program_capaian_matches_the_workbooks(built, view: AsOf) -> None:
    con, books = built
    books = as_revised(books, view)   # the demo's revision is in force from 1 Jul 2026
    progs = program_attainment(con, REGION, view).set_index("program_code")
    assert sorted(progs.index) == sorted(running(books, view.year))
    checked = 0
    for prog in progs.index:
        want = program_capaian(books, prog, view.year, view.tw)
        got = progs.loc[prog, "capaian"]
        if want is None:
            assert math.isnan(got), prog
        else:
            assert got == pytest.approx(want, rel=1e-9), prog
            checked += 1
    assert checked >= 20


def test_a_few_indicators_in_detail(built) -> None:
    con, books = built
    ind = indicator_attainment(con, REGION, NOW_VIEW).set_index("indicator_code")
    # One of each accumulation, and those of the OPDs that declare "s.d. TW" values.
    picks = {next(c for c, i in books.indicators.items() if i["acc"] == acc
                  and books.programs[i["program"]]["start"] <= 2026
                  <= books.programs[i["program"]]["end"])
             for acc in ("Jumlah", "Posisi Akhir", "Rata-rata")}
    cumulative = {c for c, i in books.indicators.items()
                  if books.programs[i["program"]]["lead"] in ("DINKES", "DISHUB")
                  and c in ind.index}
    assert any(books.indicators[c]["acc"] == "Jumlah" for c in cumulative)
    picks |= cumulative
    for code in picks:
        want = figure(books, code, 2026, 3)
        assert ind.loc[code, "realisation_ytd"] == pytest.approx(
            math.nan if want is None else want, nan_ok=True)
        assert ind.loc[code, "expected"] == pytest.approx(expected(books, code, 2026, 3))


def test_missing_reports_match_the_files(built) -> None:
    con, books = built
    reports = report_completeness(con, REGION, NOW_VIEW)
    owing = {books.programs[p]["lead"] for p in running(books, 2026)}
    assert set(reports["opd_code"]) == owing
    missing = {(o, q) for o in owing for q in (1, 2, 3) if (o, 2026, q) not in books.reports}
    got = reports[reports["status"] == "belum_melapor"]
    assert set(zip(got["opd_code"], got["tw"], strict=True)) == missing
    assert ("SATPOLPP", 3) in missing  # the demo's missed report
    per_tw = reports.groupby("tw")["completeness_pct"].first().to_dict()
    for q in (1, 2, 3):
        n_missing = sum(1 for _, t in missing if t == q)
        assert per_tw[q] == pytest.approx((len(owing) - n_missing) / len(owing) * 100)


def test_operating_villages_match_the_files(built) -> None:
    con, books = built
    villages = village_rollout(con, REGION, NOW_VIEW)
    want = {key for key, stages in books.stages.items()
            if stages.get("Beroperasi") and stages["Beroperasi"] <= CUTOFF.date()}
    got = villages[villages["status"] == "beroperasi"]
    assert set(zip(got["program_code"], got["village_code"], strict=True)) == want
    assert set(villages["status"]) == {"sesuai_jadwal", "rawan", "bergeser", "beroperasi"}


def test_budget_absorption_matches_the_files(built) -> None:
    con, books = built
    budget = budget_summary(con, REGION, NOW_VIEW).set_index("program_code")
    for prog in running(books, 2026):
        pagu = real = 0.0
        for src in {k[1] for k in books.budget if k[0] == prog and k[2] == 2026}:
            entries = {k[3]: v for k, v in books.budget.items()
                       if k[0] == prog and k[1] == src and k[2] == 2026 and k[3] <= 3}
            pagu += entries[max(entries)][0]
            cum = 0.0
            for q in sorted(entries):
                _, value, basis = entries[q]
                cum = value if basis == "sdtw" else cum + (value or 0.0)
            real += cum
        if pagu:
            assert budget.loc[prog, "pagu"] == pytest.approx(pagu), prog
            assert budget.loc[prog, "absorption_pct"] == pytest.approx(real / pagu * 100), prog


def test_one_snapshot_serves_a_whole_page(built) -> None:
    con, _ = built
    snap = Snapshot(con, REGION, CUTOFF)
    first = program_attainment(snap, REGION, NOW_VIEW)
    pd.testing.assert_frame_equal(first, program_attainment(con, REGION, NOW_VIEW))
    assert re.match(r"^[A-Z]{3}-\d{2}$", first["program_code"].iloc[0])


def test_rule_impact_counts_the_programs_a_higher_st_band_moves(built) -> None:
    con, _ = built
    assert not rule_impact(con, REGION, NOW_VIEW, DEFAULT, DEFAULT)["changed"].any()
    capaian = program_attainment(con, REGION, NOW_VIEW)["capaian"]
    moved = int(((capaian >= DEFAULT.band_st) & (capaian < 100)).sum())
    impact = rule_impact(con, REGION, NOW_VIEW, DEFAULT,
                         replace(DEFAULT, band_st=100)).set_index("measure")
    st, t = impact.loc["Program ST – Sangat Tinggi"], impact.loc["Program T – Tinggi"]
    assert moved > 0 and st["before"] - st["after"] == moved == t["after"] - t["before"]
    assert impact.loc["Pita capaian keseluruhan", "after"] == "T – Tinggi"
    assert not impact[impact.index.str.startswith("Tanda ")]["changed"].any()


def indicator_at(con: duckdb.DuckDBPyConnection, code: str, view: AsOf) -> pd.Series:
    return indicator_attainment(con, REGION, view).set_index("indicator_code").loc[code]


@pytest.mark.parametrize(("code", "opd", "view"), [
    # Satpol PP never sent 2026 TW III; DISDIK's 2026 TW II report came without SOC-02.2.
    ("SOC-06.1", "SATPOLPP", NOW_VIEW),
    ("SOC-02.2", "DISDIK", AsOf(2026, 2, CUTOFF)),
])
def test_no_figure_no_capaian_on_the_demo(built, code: str, opd: str, view: AsOf) -> None:
    """Issue 26: these showed "70% · S" with Tertinggal and 47,5 % with Kritis, read off
    earlier quarters (for jumlah: "missing = 0")."""
    con, books = built
    if code not in books.indicators:
        pytest.skip(f"{code} is not in this demo")
    assert (code, view.year, view.tw) not in books.real
    assert any((code, view.year, q) in books.real for q in range(1, view.tw))
    assert books.programs[books.indicators[code]["program"]]["lead"] == opd
    row = indicator_at(con, code, view)
    assert row["status"] == "belum_lapor" and not row["has_value"]
    assert pd.isna(row["capaian_expected"]) and pd.isna(row["realisation_ytd"])
    assert row["band_code"] == "NA" and pd.isna(row["attainment_flag"])
    flags = all_flags(con, REGION, view)
    assert not (flags["indicator_code"] == code).any()
    prog = program_attainment(con, REGION, view).set_index("program_code").loc[
        books.indicators[code]["program"]]
    assert prog["n_with_value"] < prog["n_indicators"]
    report_sent = (opd, view.year, view.tw) in books.reports
    late = flags[(flags["opd_code"] == opd) & (flags["kind"] == "belum_melapor")]
    assert late["reason"].str.startswith(f"Laporan {view.tw_label} {view.year}:").any() \
        == (not report_sent)


def test_no_view_of_the_demo_rates_a_quarter_without_a_figure(built) -> None:
    """Every indicator view from 2023 TW I to 2026 TW III: a capaian only with a figure for
    the viewed TW, and never a Tertinggal/Kritis/Stagnan without one."""
    con, books = built
    views = [AsOf(y, q, CUTOFF) for y in range(2023, 2027) for q in (1, 2, 3, 4)
             if (y, q) <= (2026, 3)]
    blank = 0
    for view in views:
        ind = indicator_attainment(con, REGION, view)
        own = [(c, view.year, view.tw) in books.real for c in ind["indicator_code"]]
        assert ind["has_value"].tolist() == own, view
        none = ind[~ind["has_value"]]
        blank += len(none)
        assert (none["status"] == "belum_lapor").all() and none["capaian_expected"].isna().all()
        assert none["attainment_flag"].isna().all() and not none["stagnant"].any()
        overall = masterplan_attainment(con, REGION, view)
        assert overall["n_with_value"] == sum(own), view
    assert blank > 0


def test_posisi_akhir_starts_where_the_demo_year_before_ended(built) -> None:
    """GOV-07.2 at 2026 TW I expected 97 (from the baseline 20) while 2025 ended at its TW IV
    figure: the year now starts there."""
    con, books = built
    code, view = "GOV-07.2", AsOf(2026, 1, CUTOFF)
    if code not in books.indicators or books.indicators[code]["acc"] != "Posisi Akhir":
        pytest.skip(f"{code} is not a posisi akhir indicator of this demo")
    row = indicator_at(con, code, view)
    annual = books.targets[(code, 2026, 0)]
    if (code, 2025, 4) in books.real:
        level, method = books.real[(code, 2025, 4)][0], "interpolasi_linier_realisasi_lalu"
    else:
        level, method = books.targets[(code, 2025, 0)], "interpolasi_linier_target_lalu"
    assert row["year_start"] == pytest.approx(level)
    assert row["expected"] == pytest.approx(level + (annual - level) / 4)
    assert row["expected_method"] == method
    baseline = books.indicators[code]["baseline"] or 0.0
    assert row["expected"] != pytest.approx(baseline + (annual - baseline) / 4)
