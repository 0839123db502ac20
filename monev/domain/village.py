"""Village rollout against the budget calendar (domain.md §5): desa/kelurahan, funding route,
milestones of the planning year Y−1, and the status Sesuai jadwal / Rawan / Bergeser / Beroperasi.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from monev.domain.settings import DEFAULT, Rules
from monev.domain.text import format_tanggal

DESA = "desa"
KELURAHAN = "kelurahan"

APBDES = "apbdes"
APBD = "apbd"
ROUTES = (APBDES, APBD)
ROUTE_LABELS = {APBDES: "APBDes (Dana Desa/ADD)", APBD: "APBD kabupaten/kota"}

RENCANA = "Rencana"
BEROPERASI = "Beroperasi"
STAGES: dict[str, tuple[str, ...]] = {
    APBDES: (RENCANA, "Masuk RKP Desa", "Masuk APBDes", "Pelaksanaan", BEROPERASI),
    APBD: (RENCANA, "Usulan Musrenbang", "Masuk RKPD", "Masuk APBD/DPA", "Pelaksanaan",
           BEROPERASI),
}
ALL_STAGES: tuple[str, ...] = (
    RENCANA, "Masuk RKP Desa", "Masuk APBDes", "Usulan Musrenbang", "Masuk RKPD",
    "Masuk APBD/DPA", "Pelaksanaan", BEROPERASI,
)

SESUAI_JADWAL = "sesuai_jadwal"
RAWAN = "rawan"
BERGESER = "bergeser"
BEROPERASI_STATUS = "beroperasi"
STATUS_LABELS = {
    SESUAI_JADWAL: "Sesuai jadwal",
    RAWAN: "Rawan",
    BERGESER: "Bergeser",
    BEROPERASI_STATUS: "Beroperasi",
}

# Funding sources that go through the desa's own APBDes (normalised tokens).
VILLAGE_FUNDS = frozenset({"dd", "add", "dana desa", "alokasi dana desa"})

# (milestone name, Rules field with (month, day) in year Y−1, stage required by then)
_CALENDAR: dict[str, tuple[tuple[str, str, str], ...]] = {
    APBDES: (
        ("Musyawarah Desa", "musdes_due", RENCANA),
        ("Penetapan RKP Desa", "rkp_desa_due", "Masuk RKP Desa"),
        ("Kesepakatan APBDes dengan BPD", "apbdes_agreed_due", "Masuk APBDes"),
        ("Penetapan APBDes", "apbdes_set_due", "Masuk APBDes"),
    ),
    APBD: (
        ("Musrenbang kecamatan", "musrenbang_kecamatan_due", "Usulan Musrenbang"),
        ("Musrenbang kabupaten/kota", "musrenbang_kabupaten_due", "Usulan Musrenbang"),
        ("Penetapan RKPD", "rkpd_due", "Masuk RKPD"),
        ("Persetujuan bersama APBD", "apbd_due", "Masuk APBD/DPA"),
    ),
}


@dataclass(frozen=True)
class Milestone:
    """A planning deadline and the stage a village must have reached by then."""

    name: str
    due: date
    required_stage: str


@dataclass(frozen=True)
class VillageStatus:
    """Calendar status of one village for one program, with its reason in words."""

    status: str
    reason: str
    slip_to_year: int | None
    next_milestone: Milestone | None

    @property
    def label(self) -> str:
        """Indonesian label of the status."""
        return STATUS_LABELS[self.status]


def village_number(code: str) -> int:
    """The village number of a Kemendagri code: "35.23.01.2001" or "3523012001" -> 2001."""
    text = str(code).strip()
    if "." in text:
        part = text.rsplit(".", 1)[1]
    elif len(text) == 10 and text.isdigit():
        part = text[-4:]
    else:
        part = ""
    if not (len(part) == 4 and part.isdigit()):
        raise ValueError(f"Kode desa/kelurahan tidak dikenali: {code!r}")
    return int(part)


def village_kind(code: str) -> str:
    """Kind of village by its number: desa (>= 2001) or kelurahan (1001..1999)."""
    number = village_number(code)
    if number >= 2001:
        return DESA
    if 1001 <= number <= 1999:
        return KELURAHAN
    raise ValueError(f"Nomor {number:04d} bukan nomor desa (≥ 2001) atau kelurahan "
                     f"(1001–1999): {code!r}")


def is_village_fund(funding_source: str) -> bool:
    """True when any part of a funding source is Dana Desa or Alokasi Dana Desa."""
    text = str(funding_source or "").casefold()
    parts = re.split(r"[/,;+&()]|\bdan\b", text)
    return any(" ".join(part.split()) in VILLAGE_FUNDS for part in parts)


def funding_route(village_code: str, funding_source: str) -> str:
    """Funding route: apbdes for a desa funded by Dana Desa/ADD, else apbd (kelurahan: always)."""
    if village_kind(village_code) == KELURAHAN:
        return APBD
    return APBDES if is_village_fund(funding_source) else APBD


def _stages(route: str) -> tuple[str, ...]:
    if route not in STAGES:
        raise ValueError(f"Jalur pendanaan tidak dikenal: {route!r}")
    return STAGES[route]


def _month_day(year: int, month_day: tuple[int, int]) -> date:
    """A date from (month, day); a day past the month's end means its last day."""
    month, day = month_day
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def milestones(route: str, funding_year: int, rules: Rules = DEFAULT) -> list[Milestone]:
    """The planning milestones (all in year funding_year − 1) of a route, by due date.

    The Musyawarah Desa milestone requires only "Rencana", which every planned village has: it is
    informational (listed with its date) and never makes a village Rawan or Bergeser.
    """
    _stages(route)
    found = [Milestone(name, _month_day(funding_year - 1, getattr(rules, field)), stage)
             for name, field, stage in _CALENDAR[route]]
    return sorted(found, key=lambda m: m.due)


def reached_stages(route: str, stage_dates: Mapping[str, date], as_of: date) -> dict[str, date]:
    """Stage -> date counted as reached at as_of.

    Only dates on or before as_of count. "Rencana" is always reached, in time (the village is in
    the plan).
    A stage implied by a later stage but without its own date is assumed reached in time
    (date.min): the later stage proves it happened and nothing proves it was late.
    """
    stages = _stages(route)
    for stage in stage_dates:
        if stage not in stages:
            raise ValueError(f"Tahap {stage!r} tidak ada pada jalur {route!r}")
    reached: dict[str, date] = {}
    later_dated: date | None = None  # earliest own date among later stages reached
    any_later = False
    for stage in reversed(stages):
        own = stage_dates.get(stage)
        own = own if own is not None and own <= as_of else None
        if stage == RENCANA:
            reached[stage] = date.min
        elif own is not None:
            reached[stage] = own if later_dated is None else min(own, later_dated)
            later_dated = reached[stage]
        elif any_later:
            reached[stage] = date.min
        any_later = any_later or stage in reached
    return reached


def current_stage(route: str, stage_dates: Mapping[str, date], as_of: date) -> str:
    """The furthest stage reached on or before as_of."""
    reached = reached_stages(route, stage_dates, as_of)
    return [stage for stage in _stages(route) if stage in reached][-1]


def _met(milestone: Milestone, reached: Mapping[str, date]) -> bool:
    on = reached.get(milestone.required_stage)
    return on is not None and on <= milestone.due


def _missed(route: str, year: int, reached: Mapping[str, date], as_of: date,
            rules: Rules) -> list[Milestone]:
    """Milestones already passed (due before as_of) whose stage was not reached by their due."""
    return [m for m in milestones(route, year, rules) if m.due < as_of and not _met(m, reached)]


def _next_unmet(route: str, year: int, reached: Mapping[str, date], as_of: date,
                rules: Rules) -> Milestone | None:
    for m in milestones(route, year, rules):
        if m.due >= as_of and not _met(m, reached):
            return m
    return None


def _stage_words(stage: str) -> str:
    return f"tahap \u201c{stage}\u201d"


def village_status(
    route: str,
    funding_year: int,
    stage_dates: Mapping[str, date],
    as_of: date,
    rules: Rules = DEFAULT,
) -> VillageStatus:
    """Calendar status of a village at as_of for a program funded in funding_year.

    * beroperasi: the stage "Beroperasi" was reached on or before as_of.
    * bergeser: a milestone due before as_of (a milestone due on as_of has not passed) was not
      met by its due date; slip_to_year is the first funding year after funding_year whose own
      milestones are not yet missed (funding_year + 1 unless as_of is already late in that cycle).
    * rawan: a milestone falls due within rules.rawan_window_days (as_of <= due <= as_of + window;
      due today counts) and its stage is not reached.
    * sesuai_jadwal: otherwise.
    """
    reached = reached_stages(route, stage_dates, as_of)
    if BEROPERASI in reached:
        since = reached[BEROPERASI]
        reason = "Sudah beroperasi." if since == date.min else (
            f"Beroperasi sejak {format_tanggal(since)}.")
        return VillageStatus(BEROPERASI_STATUS, reason, None, None)

    missed = _missed(route, funding_year, reached, as_of, rules)
    if missed:
        first = missed[0]
        slip = funding_year + 1
        while _missed(route, slip, reached, as_of, rules) and slip < funding_year + 50:
            slip += 1
        after = _next_unmet(route, slip, reached, as_of, rules)
        reason = (f"Tahap \u201c{first.required_stage}\u201d belum tercapai pada "
                  f"tenggat {first.name} ({format_tanggal(first.due)}); pendanaan bergeser "
                  f"dari tahun {funding_year} ke tahun {slip}.")
        if after is not None:
            reason += f" Tenggat berikutnya: {after.name}, {format_tanggal(after.due)}."
        return VillageStatus(BERGESER, reason, slip, after)

    horizon = as_of + timedelta(days=rules.rawan_window_days)
    upcoming = _next_unmet(route, funding_year, reached, as_of, rules)
    if upcoming is not None and upcoming.due <= horizon:
        days = (upcoming.due - as_of).days
        when = "hari ini" if days == 0 else f"{days} hari lagi"
        reason = (f"Tenggat {upcoming.name} {format_tanggal(upcoming.due)} ({when}), "
                  f"{_stage_words(upcoming.required_stage)} belum tercapai.")
        return VillageStatus(RAWAN, reason, None, upcoming)

    if upcoming is None:
        reason = "Sesuai jadwal; semua tenggat perencanaan sudah terpenuhi."
    else:
        reason = (f"Sesuai jadwal; tenggat berikutnya: {upcoming.name}, "
                  f"{format_tanggal(upcoming.due)}.")
    return VillageStatus(SESUAI_JADWAL, reason, None, upcoming)
