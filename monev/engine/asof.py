"""The as-of view: which period is looked at, and which data counts.

``AsOf(year, tw, cutoff)`` views realisation of ``year`` up to TW ``tw`` using only the loads
that were active at ``cutoff`` (a timestamp), so a meeting held on a date sees the numbers it saw
then, even after corrections were uploaded.

Calendar rules (report due/late, village milestones) are judged on ``AsOf.date``: the explicit
``on`` date when given, else ``cutoff.date()``. It is deliberately *not* clipped to the end of the
viewed quarter: a report still missing today is "Belum melapor" today, whatever quarter is viewed.

For the live dashboard use ``AsOf.latest(year, tw)``: cut-off LATEST (every load active now) and
``on`` = today, a key that stays the same all day for caching. ``AsOf.end_of`` stamps the cut-off
with the current second (a snapshot to keep, e.g. for minutes of a meeting).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

import duckdb

from monev.domain.settings import Rules, rules_from
from monev.domain.text import sd_tw_label, tw_label
from monev.store import facts

LATEST = dt.datetime(9999, 12, 31)  # a cut-off after every activation: "the data as it stands"


@dataclass(frozen=True)
class AsOf:
    """Period viewed (realisation of ``year`` up to TW ``tw``) and data cut-off timestamp."""

    year: int
    tw: int
    cutoff: dt.datetime
    on: dt.date | None = None  # calendar date for deadlines; None = cutoff.date()

    def __post_init__(self) -> None:
        """Reject a quarter outside 1..4 and a timezone-aware cut-off (the DB is naive)."""
        if self.tw not in (1, 2, 3, 4):
            raise ValueError(f"Triwulan harus 1 sampai 4, bukan {self.tw!r}")
        if not isinstance(self.cutoff, dt.datetime):
            raise TypeError("cutoff harus datetime")
        if self.cutoff.tzinfo is not None:
            raise ValueError("cutoff harus waktu lokal tanpa zona waktu (seperti di database)")

    @classmethod
    def end_of(cls, year: int, tw: int, cutoff: dt.datetime | None = None) -> AsOf:
        """The view of (year, tw) with the data as it stands now (or at the given cut-off)."""
        return cls(year, tw, cutoff or dt.datetime.now().replace(microsecond=0))

    @classmethod
    def latest(cls, year: int, tw: int, today: dt.date | None = None) -> AsOf:
        """The data as it stands (every load active now), calendar judged today.

        Unlike ``end_of`` the key is stable through the day (cut-off = LATEST), so a page can
        cache on it; new uploads reach the page through the data version, not the cut-off.
        """
        return cls(year, tw, LATEST, today or dt.date.today())

    @classmethod
    def at(cls, cutoff: dt.datetime) -> AsOf:
        """The latest quarter that has ended by the cut-off (TW IV of last year in Q1)."""
        quarter = (cutoff.month - 1) // 3  # quarters fully ended this year
        if quarter == 0:
            return cls(cutoff.year - 1, 4, cutoff)
        return cls(cutoff.year, quarter, cutoff)

    @property
    def date(self) -> dt.date:
        """The date calendar rules are judged on: ``on`` if given, else the cut-off's date."""
        return self.on or self.cutoff.date()

    @property
    def label(self) -> str:
        """E.g. "s.d. TW II 2025"."""
        return f"{sd_tw_label(self.tw)} {self.year}"

    @property
    def tw_label(self) -> str:
        """E.g. "TW II"."""
        return tw_label(self.tw)


def rules_for(con: duckdb.DuckDBPyConnection, region: str) -> Rules:
    """The rules of a region: defaults overlaid with the stored settings ('*', then region).

    Stored settings that are not monitoring rules (e.g. evaluation weights) are ignored here.
    """
    known = {f.name for f in dataclasses.fields(Rules)}
    stored = facts.setting_overrides(con, region)
    return rules_from({k: v for k, v in stored.items() if k in known})
