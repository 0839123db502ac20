"""Build the Kabupaten Tuban demo: real workbooks, written and loaded through the one door.

``build_demo`` writes the masterplan workbook and every OPD's quarterly reports from 2023 TW I
to 2026 TW III as .xlsx files (with ``etl.template.write_workbook``, the writer of the templates
users download) and loads each file with ``etl.load.load_bytes`` in the order the files would
have arrived. Nothing is inserted into the database any other way.

The story is deterministic (seeded from 2032; no wall clock, file timestamps are pinned): most
indicators on track, some lagging, a few critical or stagnant, blank cells, late and missing
reports, corrected resubmissions, budgets under their pagu, and villages moving through the
village budget calendar (domain.md §5) so that in November 2026 every stage is present.
A masterplan revision workbook (Perbup 38/2026, in force from 1 Jul 2026) postpones, cancels,
reschedules, changes a target and records an addition (``REVISIONS``).
"""

from __future__ import annotations

import csv
import io
import random
import re
import shutil
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from statistics import mean

import duckdb

from etl import demo_data as dd
from etl.archive import Archive
from etl.load import load_bytes
from etl.template import laporan_rows, write_workbook
from etl.validate import TW_NAMES
from monev.domain.accumulation import expected_to_date
from monev.domain.text import format_angka
from monev.domain.village import APBDES, RENCANA, funding_route
from monev.domain.workdays import add_working_days, is_working_day, quarter_end, report_due_date
from monev.store import accounts, current, db

SEED = 2032
TODAY = date(2026, 11, 23)           # the demo's "now": reports up to 2026 TW III exist
TODAY_AT = datetime.combine(TODAY, time(8, 0))
LAST_PERIOD = (2026, 3)
CURRENT_YEAR = 2026
MASTERPLAN_AT = datetime(2023, 1, 16, 9, 0)
MASTERPLAN_FILE = "masterplan_35.23_Kabupaten_Tuban.xlsx"
ACC = {"J": "jumlah", "P": "posisi_akhir", "R": "rata_rata"}
POL = {"+": "positif", "-": "negatif"}
Q_SHARE = {"+": (0.15, 0.25, 0.28, 0.32), "-": (0.24, 0.25, 0.25, 0.26)}  # jumlah per TW
Q_LEVEL = (0.2, 0.45, 0.75, 1.0)                                           # posisi akhir
# Attainment factor (realised / expected) of an indicator in the current year, by profile.
PROFILE_C = {"ok": (0.93, 1.12), "lag": (0.58, 0.72), "crit": (0.28, 0.46),
             "stag": (0.84, 0.95)}
# Cumulative share of the pagu absorbed by the end of TW I..IV.
ABSORPTION = {"normal": ((0.05, 0.14), (0.27, 0.40), (0.55, 0.70), (0.88, 0.97)),
              "slow": ((0.0, 0.04), (0.08, 0.18), (0.22, 0.38), (0.65, 0.82))}
SOURCE_SHARES = {1: (1.0,), 2: (0.7, 0.3), 3: (0.5, 0.3, 0.2)}
REPORT_NOTES = ("Sumber: rekap aplikasi", "Data sementara, menunggu verifikasi",
                "Sesuai laporan bidang")


def _rng(*key: object) -> random.Random:
    """An independent random stream for one part of the story, seeded from SEED and a key."""
    return random.Random("|".join(map(str, (SEED, *key))))


def _round(x: float, dec: int) -> float:
    if dec == 0:  # round big counts the way plans write them (33.300, not 33.333)
        step = next((s for limit, s in ((100_000, 1000), (10_000, 100), (1_000, 10))
                     if abs(x) >= limit), 1)
        return float(round(x / step) * step)
    return round(x, dec)


def _day(r: random.Random, year: int, start: tuple[int, int], end: tuple[int, int]) -> date:
    """A random day between two (month, day) of a year, inclusive."""
    first, last = date(year, *start), date(year, *end)
    return first + timedelta(days=r.randint(0, (last - first).days))


# ---------------------------------------------------------------- the plan


@dataclass
class IndPlan:
    """An indicator of the masterplan with its annual and quarterly targets."""

    code: str
    prog: dd.Prog
    ind: dd.Ind
    annual: dict[int, float]
    quarterly: dict[int, dict[int, float]]

    @property
    def acc(self) -> str:
        """Canonical accumulation."""
        return ACC[self.ind.acc]

    def expected(self, year: int, tw: int) -> float:
        """Expected value to date, as the dashboard computes it (domain.md §3)."""
        value, _ = expected_to_date(self.annual[year], self.ind.baseline, self.acc, tw,
                                    self.quarterly.get(year))
        return float(value or 0.0)


def _annual(prog: dd.Prog, ind: dd.Ind) -> dict[int, float]:
    span = prog.end - prog.start
    return {y: _round(ind.first + (ind.last - ind.first) * ((y - prog.start) / span
                                                          if span else 0.0), ind.dec)
            for y in range(prog.start, prog.end + 1)}


def _quarterly(ind: dd.Ind, annual: dict[int, float]) -> dict[int, dict[int, float]]:
    """Action-plan targets per TW for 2025 and 2026 (indicators marked ``q``)."""
    out: dict[int, dict[int, float]] = {}
    if not ind.q:
        return out
    for year in (2025, 2026):
        if year not in annual:
            continue
        target = annual[year]
        prev = annual.get(year - 1, ind.baseline or 0.0)
        if ind.acc == "J":
            qs = [_round(target * s, ind.dec) for s in Q_SHARE[ind.polarity][:3]]
            qs.append(_round(target - sum(qs), ind.dec))
        elif ind.acc == "P":
            qs = [_round(prev + (target - prev) * f, ind.dec) for f in Q_LEVEL]
        else:
            qs = [_round(prev + (target - prev) * n / 4, ind.dec) for n in range(1, 5)]
        out[year] = dict(enumerate(qs, start=1))
    return out


@dataclass(frozen=True)
class VillagePlan:
    """One village of a program rollout with its funding year, source and fate."""

    program: str
    code: str
    name: str
    year: int
    source: str
    route: str
    fate: str
    timeline: dict[str, date] = field(hash=False, compare=False)


def _reference_villages() -> list[tuple[str, str]]:
    """(code, name) of every desa/kelurahan of the region in the Kemendagri reference list."""
    with open(db.WILAYAH_DIR / "villages.csv", encoding="utf-8") as fh:
        return [(r["code"], r["name"]) for r in csv.DictReader(fh)
                if r["code"].startswith(dd.REGION + ".")]


def _fates(route: str, year: int, n: int, r: random.Random) -> list[str]:
    """How each village of a (program, funding year) group fares on the budget calendar."""
    if route == APBDES:
        special = {2027: ["missed", "late_apbdes", "missed", "late_apbdes"],
                   2026: ["missed"]}.get(year, ["missed", "slow_ops"])
    else:
        special = {2027: ["missed", "missed"], 2026: ["delayed", "delayed"]}.get(
            year, ["missed", "delayed"])
    special = special[:max(1, n // 2 - 1)]
    fates = special + ["ontime"] * (n - len(special))
    r.shuffle(fates)
    return fates


def _timeline(route: str, year: int, fate: str, r: random.Random) -> dict[str, date]:
    """Date each stage is (or will be) reached; dates after a report's receipt stay unseen."""
    t = {RENCANA: MASTERPLAN_AT.date()}
    plan_year = year if fate == "missed" else year - 1   # the cycle the village really makes
    fund_year = plan_year + 1
    if route == APBDES:
        t["Masuk RKP Desa"] = _day(r, plan_year, (7, 10), (9, 26))
        t["Masuk APBDes"] = (_day(r, plan_year, (12, 1), (12, 20)) if fate == "late_apbdes"
                             else _day(r, plan_year, (10, 5), (10, 30)))
        t["Pelaksanaan"] = _day(r, fund_year, (2, 15), (5, 31))
        t["Beroperasi"] = (_day(r, fund_year + 1, (2, 1), (4, 30)) if fate == "slow_ops"
                           else _day(r, fund_year, (7, 1), (11, 30)))
    else:
        t["Usulan Musrenbang"] = _day(r, year - 1, (1, 20), (2, 25))
        t["Masuk RKPD"] = _day(r, plan_year, (5, 20), (6, 28))
        t["Masuk APBD/DPA"] = _day(r, plan_year, (11, 3), (11, 28))
        if fate == "delayed":
            t["Pelaksanaan"] = _day(r, fund_year, (10, 15), (12, 15))
            t["Beroperasi"] = _day(r, fund_year + 1, (2, 1), (4, 30))
        else:
            t["Pelaksanaan"] = _day(r, fund_year, (3, 1), (6, 30))
            t["Beroperasi"] = _day(r, fund_year, (8, 1), (11, 30))
    return t


def _village_plans() -> list[VillagePlan]:
    """Pick real villages of the region for every rollout and give each a fate."""
    ref = _reference_villages()
    desa = [v for v in ref if int(v[0].rsplit(".", 1)[1]) >= 2001]
    kelurahan = [v for v in ref if int(v[0].rsplit(".", 1)[1]) < 2001]
    plans: list[VillagePlan] = []
    for ro in dd.ROLLOUTS:
        r = _rng("villages", ro.program)
        total = sum(n for _, n in ro.per_year)
        if ro.kind == "desa":
            picked = r.sample(desa, total)
        else:  # kelurahan of Kecamatan Tuban (35.23.16) first, then the others
            city = [v for v in kelurahan if v[0].startswith(f"{dd.REGION}.16.")]
            other = [v for v in kelurahan if v not in city]
            r.shuffle(city)
            r.shuffle(other)
            picked = (city + other)[:total]
        at = 0
        for year, n in ro.per_year:
            group = sorted(picked[at:at + n])
            at += n
            sources = [r.choice(ro.sources) for _ in group]
            routes = [funding_route(code, src) for (code, _), src in zip(group, sources)]
            fates = _fates(routes[0], year, n, r)
            for (code, name), src, route, fate in zip(group, sources, routes, fates):
                plans.append(VillagePlan(ro.program, code, name, year, src, route, fate,
                                         _timeline(route, year, fate, r)))
    return plans


# ---------------------------------------------------------------- what really happened


@dataclass
class Truth:
    """Realised values of one indicator in one year: year-to-date (or level) per TW, the
    quarter values of a rata-rata indicator, the TWs left blank, and the attainment factor."""

    c: float
    ytd: dict[int, float]
    quarter: dict[int, float]
    blank: set[int]


@dataclass
class Budget:
    """Pagu per funding source, cumulative realisation per source and TW, fisik % per TW."""

    pagu: dict[str, float]
    cum: dict[str, dict[int, float]]
    fisik: dict[int, float]
    slow: bool


@dataclass
class Event:
    """One workbook arriving at Diskominfo."""

    at: datetime
    received: date
    opd: str
    year: int
    tw: int
    variant: str          # normal | draft (corrected later) | fix (the corrected file)
    actor: str
    late: bool = False


class _Story:
    """The demo's plan, its deterministic outcomes, and what each OPD already reported."""

    def __init__(self) -> None:
        self.programs = {p.code: p for p in dd.PROGRAMS}
        self.indicators: dict[str, IndPlan] = {}
        for prog in dd.PROGRAMS:
            for i, ind in enumerate(prog.indicators, start=1):
                annual = _annual(prog, ind)
                code = f"{prog.code}.{i}"
                self.indicators[code] = IndPlan(code, prog, ind, annual,
                                                _quarterly(ind, annual))
        self.villages = {(v.program, v.code): v for v in _village_plans()}
        self._truth: dict[tuple[str, int], Truth] = {}
        self._budget: dict[tuple[str, int], Budget] = {}
        # what has been reported so far (basis "tw" needs the last reported year-to-date)
        self.last_ytd: dict[tuple[str, int], float] = {}
        self.quarters: dict[tuple[str, int], list[float]] = {}
        self.last_cum: dict[tuple[str, str, int], float] = {}
        self.saved: dict[tuple[str, int, int], dict[str, list[dict[str, object]]]] = {}

    # -- masterplan -------------------------------------------------------------------
    def masterplan_rows(self) -> dict[str, list[dict[str, object]]]:
        """Rows of every masterplan sheet."""
        opds = [{"kode_opd": c, "nama_opd": n, "singkatan": s} for c, n, s in dd.OPDS]
        programs = [{
            "kode_program": p.code, "nama_program": p.name, "dimensi": p.dim,
            "sub_dimensi": p.sub, "horizon": p.horizon, "quick_win": p.horizon == dd.QW,
            "opd_pengampu": p.lead, "opd_pendukung": ", ".join(p.support) or None,
            "tahun_mulai": p.start, "tahun_selesai": p.end, "sasaran_rpjmd": p.rpjmd}
            for p in dd.PROGRAMS]
        indicators, targets = [], []
        for ip in self.indicators.values():
            indicators.append({
                "kode_indikator": ip.code, "kode_program": ip.prog.code,
                "nama_indikator": ip.ind.name, "satuan": ip.ind.unit,
                "polaritas": POL[ip.ind.polarity], "akumulasi": ip.acc,
                "kondisi_awal": ip.ind.baseline})
            for year, value in ip.annual.items():
                targets.append({"kode_indikator": ip.code, "tahun": year, "periode": 0,
                                "target": value})
                for tw, qv in ip.quarterly.get(year, {}).items():
                    targets.append({"kode_indikator": ip.code, "tahun": year, "periode": tw,
                                    "target": qv})
        villages = [{"kode_program": v.program, "kode_desa": v.code, "nama_desa": v.name,
                     "tahun_pendanaan": v.year, "sumber_dana": v.source}
                    for v in self.villages.values()]
        return {"opd": opds, "program": programs, "indikator": indicators, "target": targets,
                "desa": villages}

    # -- outcomes ---------------------------------------------------------------------
    def truth(self, code: str, year: int) -> Truth:
        """What an indicator really achieved in a year (deterministic)."""
        key = (code, year)
        if key in self._truth:
            return self._truth[key]
        ip = self.indicators[code]
        ind, r = ip.ind, _rng("indicator", code, year)
        if year == CURRENT_YEAR:
            lo, hi = PROFILE_C[ind.profile]
        elif ind.profile == "ok":
            lo, hi = (0.92, 1.12) if r.random() < 0.85 else (0.62, 0.8)
        else:
            lo, hi = 0.72, 0.95
        c = r.uniform(lo, hi)
        ytd: dict[int, float] = {}
        quarter: dict[int, float] = {}
        for tw in range(1, 5):
            cn = c * r.uniform(0.97, 1.03)
            factor = 2 - cn if ind.polarity == "-" else cn
            if ip.acc == "rata_rata":
                planned = ip.quarterly.get(year, {}).get(tw, ip.annual[year])
                quarter[tw] = _round(planned * factor, ind.dec)
                ytd[tw] = mean(quarter.values())
            else:
                value = _round(ip.expected(year, tw) * factor, ind.dec)
                if ip.acc == "jumlah":
                    value = max(value, ytd.get(tw - 1, 0.0))
                ytd[tw] = value
        if ind.profile == "stag" and year == CURRENT_YEAR:
            ytd[3] = ytd[2]
            if ip.acc == "jumlah":
                ytd[4] = max(ytd[4], ytd[3])
        # about 3 % of cells left blank (not reported), at most one TW a year; never the
        # latest TW, nor the TWs that make a problem indicator's story
        blank = {r.randint(1, 4)} if r.random() < 0.12 else set()
        if year == CURRENT_YEAR:
            blank -= {2, 3} if ind.profile != "ok" else {3}
        self._truth[key] = Truth(c, ytd, quarter, blank)
        return self._truth[key]

    def troubled(self, prog: dd.Prog, year: int) -> bool:
        """True when a program lags in a year (an indicator below 76 % of expected)."""
        codes = [f"{prog.code}.{i}" for i in range(1, len(prog.indicators) + 1)]
        if year == CURRENT_YEAR and any(i.profile != "ok" for i in prog.indicators):
            return True
        return any(self.truth(code, year).c < 0.76 for code in codes)

    def budget(self, prog: dd.Prog, year: int) -> Budget:
        """Pagu, absorption and physical progress of a program in a year (deterministic)."""
        key = (prog.code, year)
        if key in self._budget:
            return self._budget[key]
        r = _rng("budget", prog.code, year)
        troubled = self.troubled(prog, year)
        total = prog.pagu * 1e6 * r.uniform(0.85, 1.2)
        pagu = {src: round(total * share, -5) for src, share in
                zip(prog.sources, SOURCE_SHARES[len(prog.sources)])}
        slow = troubled if year == CURRENT_YEAR else (
            (troubled and r.random() < 0.6) or r.random() < 0.1)
        bands = ABSORPTION["slow" if slow else "normal"]
        cum: dict[str, dict[int, float]] = {}
        for src, amount in pagu.items():
            series: dict[int, float] = {}
            for tw, (lo, hi) in enumerate(bands, start=1):
                value = round(amount * r.uniform(lo, hi) * r.uniform(0.92, 1.0), -3)
                series[tw] = min(amount, max(value, series.get(tw - 1, 0.0)))
            cum[src] = series
        fisik: dict[int, float] = {}
        drift = prog.imbalance and year == CURRENT_YEAR
        for tw in range(1, 5):
            keu = sum(cum[s][tw] for s in pagu) / sum(pagu.values()) * 100
            gap = r.uniform(15, 28) if drift else r.uniform(-4, 7)
            fisik[tw] = round(min(100.0, max(0.0, keu + gap, fisik.get(tw - 1, 0.0))), 1)
        self._budget[key] = Budget(pagu, cum, fisik, slow)
        return self._budget[key]

    # -- one report -------------------------------------------------------------------
    def fill(self, ev: Event, basis: str, rows: dict[str, list[dict[str, object]]]
             ) -> dict[str, list[dict[str, object]]]:
        """Fill the pre-filled rows of a report the way the OPD would (updates the state)."""
        scope = (ev.opd, ev.year, ev.tw)
        if ev.variant == "fix":
            filled = dict(self.saved[scope])
        else:
            text = _rng("text", *scope) if ev.opd in dd.TEXT_NUMBER_OPDS else None
            programs = [(str(p["kode_program"]), str(p["nama_program"])) for p in rows["fisik"]]
            filled = {
                "realisasi": [self._realisasi(dict(row), ev.year, ev.tw, basis, text)
                              for row in rows["realisasi"]],
                "anggaran": self._anggaran(programs, ev.year, ev.tw, basis, text),
                "fisik": [self._fisik(dict(row), ev.year, ev.tw, text) for row in rows["fisik"]],
            }
            self.saved[scope] = filled
            if ev.variant == "draft":
                filled = dict(filled, realisasi=_mistakes(filled["realisasi"], _rng("draft",
                                                                                    *scope)))
        filled["desa"] = [self._desa(dict(row), ev.received) for row in rows["desa"]]
        return filled

    def _realisasi(self, row: dict[str, object], year: int, tw: int, basis: str,
                   text: random.Random | None) -> dict[str, object]:
        code = str(row["kode_indikator"])
        ip, truth, key = self.indicators[code], self.truth(code, year), (code, year)
        if tw in truth.blank:
            row["realisasi"] = None
            return row
        if ip.acc == "jumlah":
            value = truth.ytd[tw] if basis == "sdtw" else truth.ytd[tw] - self.last_ytd.get(
                key, 0.0)
            self.last_ytd[key] = truth.ytd[tw]
        elif ip.acc == "posisi_akhir":
            value = truth.ytd[tw]
        else:
            self.quarters.setdefault(key, []).append(truth.quarter[tw])
            value = truth.quarter[tw] if basis == "tw" else mean(self.quarters[key])
        value = _round(value, ip.ind.dec)
        row["realisasi"] = _as_text(value, ip.ind.dec, text)
        r = _rng("note", code, year, tw)
        if basis == "sdtw" and ip.acc == "jumlah" and r.random() < 0.3:
            row["keterangan"] = "Kumulatif s.d. " + TW_NAMES[tw]
        elif r.random() < 0.08:
            row["keterangan"] = r.choice(REPORT_NOTES)
        return row

    def _anggaran(self, programs: list[tuple[str, str]], year: int, tw: int, basis: str,
                  text: random.Random | None) -> list[dict[str, object]]:
        out: list[dict[str, object]] = []
        for code, name in programs:
            budget = self.budget(self.programs[code], year)
            for src, pagu in budget.pagu.items():
                key = (code, src, year)
                cum = budget.cum[src][tw]
                real = cum if basis == "sdtw" else cum - self.last_cum.get(key, 0.0)
                self.last_cum[key] = cum
                out.append({"kode_program": code, "nama_program": name, "sumber_dana": src,
                            "pagu": _as_money(pagu, text), "realisasi_rp": _as_money(real, text)})
        return out

    def _fisik(self, row: dict[str, object], year: int, tw: int,
               text: random.Random | None) -> dict[str, object]:
        prog = self.programs[str(row["kode_program"])]
        budget = self.budget(prog, year)
        fisik = budget.fisik[tw]
        row["fisik"] = (format_angka(fisik, 1, trim=True) + "%") if text and text.random() < 0.5 \
            else fisik
        r = _rng("kendala", prog.code, year, tw)
        troubled = self.troubled(prog, year) or budget.slow or (
            prog.imbalance and year == CURRENT_YEAR)
        if troubled and (year == CURRENT_YEAR or tw >= 2):
            kendala, lanjut = (dd.KENDALA.get(prog.code) if year == CURRENT_YEAR else None) or \
                r.choice(dd.GENERAL_KENDALA)
            if prog.imbalance and year == CURRENT_YEAR:
                kendala = ("Pekerjaan fisik berjalan, pembayaran termin menunggu berita acara "
                           "pemeriksaan pekerjaan")
                lanjut = "Percepatan berita acara dan pengajuan SP2D ke BPKPD"
            row["kendala"], row["tindak_lanjut"] = kendala, lanjut
        elif r.random() < 0.5:
            row["kendala"] = r.choice(dd.ON_TRACK_NOTES)
        return row

    def _desa(self, row: dict[str, object], received: date) -> dict[str, object]:
        plan = self.villages[(str(row["kode_program"]), str(row["kode_desa"]))]
        reached = [(d, s) for s, d in plan.timeline.items() if d <= received]
        when, stage = max(reached, key=lambda x: x[0])
        row["tahap"], row["tanggal_tahap"] = stage, when
        row["keterangan"] = dd.VILLAGE_NOTES.get(stage)
        if stage == RENCANA and plan.fate == "missed" and received > date(plan.year - 1, 9, 30):
            route = "RKP Desa" if plan.route == APBDES else "RKPD"
            row["keterangan"] = f"Belum masuk {route} tahun {plan.year}; diusulkan kembali"
        return row

    # -- the calendar of uploads --------------------------------------------------------
    def schedule(self) -> list[Event]:
        """Every report upload, in the order the files arrived."""
        lead = [c for c, _, _ in dd.OPDS if any(p.lead == c for p in dd.PROGRAMS)]
        corrections = {(o, y, t): days for o, y, t, days in dd.CORRECTIONS}
        events: list[Event] = []
        for year in range(MASTERPLAN_AT.year, LAST_PERIOD[0] + 1):
            for tw in range(1, 5):
                if (year, tw) > LAST_PERIOD:
                    break
                for opd in lead:
                    if not any(p.lead == opd and p.start <= year <= p.end
                               for p in dd.PROGRAMS) or (opd, year, tw) in dd.MISSED:
                        continue
                    events.extend(_uploads(opd, year, tw, corrections.get((opd, year, tw))))
        events.sort(key=lambda e: (e.at, e.opd))
        return events


def _uploads(opd: str, year: int, tw: int, fix_after: int | None) -> list[Event]:
    r = _rng("report", opd, year, tw)
    late = fix_after is None and r.random() < (0.45 if opd in dd.OFTEN_LATE else 0.07)
    due = report_due_date(year, tw)
    if late:
        received = add_working_days(due, r.randint(2, 12))
    else:  # a file corrected later went out early, so the correction can still be on time
        received = quarter_end(year, tw) + timedelta(days=2 if fix_after else r.randint(2, 6))
        while not is_working_day(received):
            received += timedelta(days=1)
        received = min(received, due)
    at = datetime.combine(received, time(r.randint(8, 15), r.choice((0, 10, 20, 30, 40, 50))))
    actor = "admin.diskominfo" if late and r.random() < 0.5 else f"operator.{opd.lower()}"
    first = Event(at, received, opd, year, tw, "normal" if fix_after is None else "draft",
                  actor, late)
    if fix_after is None:
        return [first]
    fixed = received + timedelta(days=fix_after)
    while not is_working_day(fixed):
        fixed += timedelta(days=1)
    return [first, Event(datetime.combine(fixed, time(10, 30)), fixed, opd, year, tw, "fix",
                         actor)]


def _mistakes(rows: list[dict[str, object]], r: random.Random) -> list[dict[str, object]]:
    """A first upload with a typo (a value ten times too large) and a cell not yet filled."""
    rows = [dict(row) for row in rows]
    filled = [row for row in rows if isinstance(row.get("realisasi"), float)
              and row["realisasi"] > 0]
    typo, empty = r.sample(filled, 2)
    typo["realisasi"] = float(typo["realisasi"]) * 10  # type: ignore[arg-type]
    empty["realisasi"] = None
    return rows


def _as_text(value: float, dec: int, text: random.Random | None) -> object:
    """Some OPDs type numbers as Indonesian text (1.234,5) instead of numbers."""
    if text is not None and text.random() < 0.5:
        return format_angka(value, dec, trim=True)
    return value


def _as_money(value: float, text: random.Random | None) -> object:
    if text is not None and text.random() < 0.5:
        return "Rp " + format_angka(value, 0)
    return value


# ---------------------------------------------------------------- files and loading


def _pin_timestamps(data: bytes, stamp: datetime) -> bytes:
    """The xlsx bytes with the zip entry times and document dates set to ``stamp``.

    openpyxl stamps files with the wall clock; pinning makes every build byte-identical.
    """
    iso = stamp.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            body = src.read(item.filename)
            if item.filename == "docProps/core.xml":
                body = re.sub(rb"(<dcterms:(created|modified)[^>]*>)[^<]*",
                              lambda m: m.group(1) + iso, body)
            info = zipfile.ZipInfo(item.filename, date_time=stamp.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = item.external_attr
            dst.writestr(info, body)
    return out.getvalue()


def _write(path: Path, kind: str, info: dict[str, object],
           rows: dict[str, list[dict[str, object]]], meta: dict[str, object], title: str,
           stamp: datetime) -> None:
    buf = io.BytesIO()
    write_workbook(kind, buf, info, rows, meta=meta, title=title, protect=kind == "laporan")
    path.write_bytes(_pin_timestamps(buf.getvalue(), stamp))


class _Loader:
    """Loads files through load_bytes and refuses to go on after a rejection."""

    def __init__(self, con: duckdb.DuckDBPyConnection, archive: Archive) -> None:
        self.con, self.archive = con, archive
        self.stats = {"loaded": 0, "rejected": 0, "superseded": 0}

    def load(self, path: Path, actor: str, at: datetime, received: date) -> None:
        result = load_bytes(self.con, path.read_bytes(), path.name, actor=actor,
                            archive=self.archive, at=at, received_on=received)
        if result.status != "loaded":
            self.stats["rejected"] += 1
            issues = "\n".join(f"  - {i.text()}" for i in result.issues)
            raise RuntimeError(f"Demo workbook {path.name} not loaded ({result.status}): "
                               f"{result.message}\n{issues}")
        self.stats["loaded"] += 1
        self.stats["superseded"] += result.supersedes is not None


def _is_demo(db_path: Path) -> bool:
    """Whether the file is a database build_demo made (and may make again)."""
    try:
        with db.opened(db_path, read_only=True, retries=50) as con:
            row = con.execute("SELECT value_json FROM setting WHERE region_code = '*' "
                              "AND name = 'demo'").fetchone()
    except duckdb.Error:
        return False
    return bool(row and row[0] == "true")


def _reset(db_path: Path, out_dir: Path) -> None:
    """Delete an earlier demo database and its archive; refuse to touch any other data."""
    archive = db.archive_root(db_path)
    if db_path.exists():
        if not _is_demo(db_path):
            raise FileExistsError(f"{db_path} bukan database demo: demo tidak menimpa data "
                                  "sungguhan. Pakai --db dengan file lain, atau pindahkan "
                                  "database itu dulu.")
        db_path.unlink()
        Path(f"{db_path}.wal").unlink(missing_ok=True)
        shutil.rmtree(archive, ignore_errors=True)
    elif archive.exists() and any(archive.iterdir()):
        raise FileExistsError(f"Folder arsip {archive} sudah berisi muatan tanpa database; "
                              "bangun ulang dengan 'python -m etl rebuild' atau pindahkan "
                              "folder itu dulu.")
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in (*out_dir.glob("masterplan_*.xlsx"), *out_dir.glob("laporan_*.xlsx"),
                *out_dir.glob("revisi_*.xlsx")):
        old.unlink()


# A masterplan revision (domain.md §3b), one of each kind on real demo programs, set by a
# Perbup in June 2026 and in force from 1 Jul 2026: 2026 TW I and II are judged on the original
# masterplan, TW III on the revised one. Loaded as a revision workbook after every report (no
# earlier load id moves). ENV-01 has villages: those funded in 2026 whose implementation had
# not started move to 2027. (The overall capaian of 2026 TW III stays 89,8 %: the raised
# SOC-03.1 target balances the programs and the indicator taken off the plan.)
REVISION_FILE = "revisi_35.23_Perbup_38_2026.xlsx"
REVISION_AT = datetime(2026, 6, 22, 9, 0)
_REVISION_BASIS = {"nomor_dasar_hukum": "Peraturan Bupati Tuban Nomor 38 Tahun 2026 tentang "
                                        "Perubahan atas Perbup Nomor 71 Tahun 2022",
                   "tanggal_dasar_hukum": date(2026, 6, 15), "berlaku_mulai": date(2026, 7, 1)}
REVISIONS: tuple[dict[str, object], ...] = (
    {"jenis": "ditunda", "kode_program": "ENV-01", "tahun": 2026, "tahun_baru": 2027,
     "alasan": "Refocusing APBD 2026 untuk penanganan banjir Bengawan Solo; bank sampah "
               "digital dilanjutkan 2027", **_REVISION_BASIS},
    {"jenis": "dibatalkan", "kode_program": "ECO-06", "tahun": 2026,
     "alasan": "Peluang investasi daerah kini dimuat di sistem OSS RBA Kementerian "
               "Investasi; portal daerah tidak dilanjutkan", **_REVISION_BASIS},
    {"jenis": "target diubah", "kode_program": "SOC-03", "kode_indikator": "SOC-03.1",
     "tahun": 2026, "target_baru": 35000,
     "alasan": "Tambahan DAK Non Fisik perpustakaan 2026: layanan perpustakaan digital "
               "diperluas ke pojok baca desa, target pengunjung dinaikkan", **_REVISION_BASIS},
    {"jenis": "dijadwal ulang", "kode_program": "LIV-06", "kode_indikator": "LIV-06.2",
     "tahun": 2026, "tahun_baru": 2027,
     "alasan": "Tender mesin parkir non-tunai diulang; target pendapatan 2026 dipindah ke "
               "2027",
     **_REVISION_BASIS},
    {"jenis": "ditambah", "kode_program": "LIV-06", "tahun": 2026,
     "alasan": "Parkir cerdas non-tunai masuk masterplan sebagai program baru (usulan Dishub "
               "dalam forum Dewan Smart City)", **_REVISION_BASIS},
)


# Demo accounts, one per role. The login page shows them only on a database built by
# build_demo (setting 'demo' = true); a real installation has no default password at all.
DEMO_PASSWORD = "demo-monev-2026"
DEMO_USERS: tuple[tuple[str, str, str, str | None], ...] = (
    ("admin.demo", "Admin Diskominfo (demo)", "admin", None),
    ("operator.dpmd", "Operator DPMD (demo)", "operator", "DPMD"),
    ("sekda.demo", "Sekretaris Daerah (demo)", "pimpinan", None),
)


def _demo_accounts(con: duckdb.DuckDBPyConnection) -> None:
    for username, name, role, opd in DEMO_USERS:
        accounts.add_user(con, username, name, role, DEMO_PASSWORD, opd_code=opd,
                          region_code=dd.REGION, actor="demo", now=TODAY_AT)
    con.execute("INSERT OR REPLACE INTO setting VALUES ('*', 'demo', 'true')")


# The Smart City evaluation (issue 30): last year's edition scored in full, and 2026's edition
# (another edition's weights) with the data cut-off of the demo's "now", a citizen survey of six
# programs (one below the minimum of 50 respondents, loaded flagged) and the Outcome, Quick Win
# and Impact scores taken from what the data proposes.
SURVEY_FILE = "survei_warga_2026.csv"
SURVEY_PROGRAMS = (("GOV-01", 64), ("GOV-02", 57), ("ECO-02", 51), ("LIV-01", 72),
                   ("SOC-01", 58), ("ENV-02", 38))
EVALUATION_SCORES = {2025: {"baseline": 2.9, "output": 3.4, "outcome": 3.6, "impact": 3.1,
                            "quick_win": 3.5},
                     2026: {"baseline": 3.2, "output": 3.5}}
EVALUATION_WEIGHTS = {2025: {"baseline": 10.0, "output": 20.0, "outcome": 30.0, "impact": 30.0,
                             "quick_win": 10.0},
                      2026: {"baseline": 10.0, "output": 20.0, "outcome": 30.0, "impact": 20.0,
                             "quick_win": 20.0}}
SURVEY_ANSWERS = ("Pelayanan lebih cepat, tidak perlu antre lama.",
                  "Sinyal di desa kami masih lemah, mohon ditambah titik wifi.",
                  "Petugas ramah dan sigap.", "Informasinya belum sampai ke warga dusun.",
                  "Sangat membantu, semoga berlanjut.")


def _survey_csv() -> bytes:
    """A form tool's CSV export (Google Forms: "Download responses"): one row per answer
    (timestamp, program, score 1–5, saran). CSV, so the demo's *.xlsx are its workbooks."""
    r = _rng("survei", 2026)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["Timestamp", "Kode Program", "Seberapa puas Anda dengan layanan program "
                     "ini? (1-5)", "Saran dan masukan"])
    for code, n in SURVEY_PROGRAMS:
        for _ in range(n):
            day = datetime(2026, 9, 1, 8) + timedelta(minutes=r.randrange(60 * 24 * 40))
            writer.writerow([f"{day:%d/%m/%Y %H:%M:%S}", code,
                             r.choices((2, 3, 4, 5), (1, 3, 5, 3))[0],
                             r.choice(SURVEY_ANSWERS) if r.random() < 0.15 else ""])
    return out.getvalue().encode("utf-8-sig")


def _demo_evaluation(con: duckdb.DuckDBPyConnection, archive: Archive, out_dir: Path) -> None:
    from etl.survey import import_survey
    from monev.engine.evaluation import proposal
    from monev.engine.meeting import current_rules
    from monev.store import evaluation as ev_store

    at = TODAY_AT + timedelta(minutes=30)
    for year, weights in EVALUATION_WEIGHTS.items():
        ev_store.save_edition(con, dd.REGION, year, weights=weights, scale_max=5.0,
                              min_respondents=50, actor="admin.diskominfo", now=at)
        for code, score in EVALUATION_SCORES[year].items():
            ev_store.save_score(con, dd.REGION, year, code, score, origin="diisi",
                                actor="admin.diskominfo", now=at)
    ev_store.set_cutoff(con, dd.REGION, 2026, LAST_PERIOD[1], TODAY_AT,
                        current_rules(con, dd.REGION), actor="admin.diskominfo", now=at)
    path = out_dir / SURVEY_FILE
    path.write_bytes(_survey_csv())
    result = import_survey(con, path.read_bytes(), path.name, region=dd.REGION, year=2026,
                           actor="admin.diskominfo", archive=archive,
                           accept_below_minimum=True, at=at)
    if result.status != "loaded":
        raise RuntimeError(f"Demo survey not loaded: {result.message} "
                           f"{[i.text() for i in result.issues]}")
    found = proposal(con, dd.REGION, 2026)
    for code, score in (found.scores if found else {}).items():
        if score is not None:
            ev_store.save_score(con, dd.REGION, 2026, code, score, origin="usulan",
                                actor="admin.diskominfo", now=at)


def build_demo(db_path: Path, out_dir: Path | None = None) -> dict[str, int]:
    """Write the Kabupaten Tuban demo workbooks to out_dir (default data/demo) and load them
    into a fresh database at db_path; returns counts (nothing may be rejected)."""
    db_path = Path(db_path)
    out_dir = Path(out_dir) if out_dir is not None else db.ROOT / "data" / "demo"
    _reset(db_path, out_dir)
    db.ensure_database(db_path)
    story = _Story()
    events = story.schedule()
    written = 0
    with db.opened(db_path) as con:
        loader = _Loader(con, Archive(db.archive_root(db_path)))
        rows = story.masterplan_rows()
        path = out_dir / MASTERPLAN_FILE
        _write(path, "masterplan", dict(dd.INFO), rows, {"kode_wilayah": dd.REGION},
               "", MASTERPLAN_AT)
        written += 1
        loader.load(path, "admin.diskominfo", MASTERPLAN_AT, MASTERPLAN_AT.date())
        for ev in events:
            if ev.received > TODAY:
                raise AssertionError(f"upload after {TODAY}: {ev}")
            info, prefill = laporan_rows(con, dd.REGION, ev.opd, ev.year, ev.tw)
            basis = "sdtw" if ev.opd in dd.SDTW_OPDS else "tw"
            info["jenis_nilai"] = basis
            filled = story.fill(ev, basis, prefill)
            suffix = "_perbaikan" if ev.variant == "fix" else ""
            path = out_dir / f"laporan_{ev.opd}_{ev.year}_TW{ev.tw}{suffix}.xlsx"
            meta = {"kode_wilayah": dd.REGION, "kode_opd": ev.opd, "tahun": ev.year,
                    "triwulan": ev.tw,
                    "dibuat": (quarter_end(ev.year, ev.tw) + timedelta(days=1)).isoformat()}
            title = (f"LAPORAN TRIWULAN SMART CITY — {info['nama_opd']} — "
                     f"{TW_NAMES[ev.tw]} {ev.year}")
            _write(path, "laporan", info, filled, meta, title, ev.at)
            written += 1
            loader.load(path, ev.actor, ev.at, ev.received)
        path = out_dir / REVISION_FILE  # after every report: no earlier load id moves
        _write(path, "revisi", {"kode_wilayah": dd.REGION, "nama_wilayah": dd.REGION_NAME},
               {"revisi": list(REVISIONS)}, {"kode_wilayah": dd.REGION},
               "REVISI MASTERPLAN SMART CITY KABUPATEN TUBAN", REVISION_AT)
        written += 1
        loader.load(path, "admin.diskominfo", REVISION_AT, REVISION_AT.date())
        _demo_accounts(con)
        current.refresh_stale(con)
        _demo_evaluation(con, loader.archive, out_dir)
    reports = [e for e in events if e.variant != "fix"]
    return {"workbooks": written, **loader.stats,
            "opd": len(dd.OPDS), "programs": len(dd.PROGRAMS),
            "indicators": len(story.indicators),
            "village_rows": len(story.villages),
            "reports": len(reports),
            "late_reports": sum(e.late for e in reports),
            "missed_reports": len(dd.MISSED)}
