"""The Pengaturan page's groups, tables and form inputs for the rule settings.

The settings, their defaults and help texts are declared in ``monev.domain.settings`` and their
names and value texts in ``monev.domain.setting_text``; this module only says how they are
grouped, shown and typed in on the page. The parsing of the holiday list is a plain function,
so it is tested without a browser.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date

import duckdb
import pandas as pd
import streamlit as st

from monev.domain.setting_text import LABELS, stored_text, value_text
from monev.domain.settings import MAX_DAYS, SETTINGS
from monev.store import rule_settings as rs
from monev.store.rule_settings import NATIONAL, Effective
from monev.ui.format import tanggal_jam

__all__ = ["GROUPS", "LABELS", "HolidayError", "effective_table", "field", "history_table",
           "holidays_text", "parse_holidays", "saved_message", "scope_label", "settings_state",
           "value_text"]


def settings_state(con: duckdb.DuckDBPyConnection, region: str
                   ) -> tuple[list[Effective], dict[str, object], list[dict[str, object]]]:
    """What the page shows of ``region``'s settings: the values in force with their source,
    the region's own stored values, and the history of every change."""
    return rs.effective(con, region), rs.stored(con, region), rs.history(con)

GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Pita capaian (Permendagri 86/2017)", ("band_st", "band_t", "band_s", "band_r")),
    ("Tanda tertinggal dan kritis", ("tertinggal_below", "kritis_below", "imbalance_points")),
    ("Batas waktu laporan triwulan", ("report_due_working_days", "extra_holidays")),
    ("Kalender anggaran desa (tenggat pada tahun sebelum tahun anggaran)",
     ("rawan_window_days", "musrenbang_kecamatan_due", "musrenbang_kabupaten_due", "rkpd_due",
      "apbd_due", "musdes_due", "rkp_desa_due", "apbdes_agreed_due", "apbdes_set_due")),
)
SOURCES = {"bawaan": "Bawaan", "nasional": "Nasional (semua wilayah)", "wilayah": "Wilayah ini"}
_HELP = {s.name: s.help for s in SETTINGS}
# Every (month, day) of a leap year, for the deadline inputs: one list to pick '30 Juni' from.
_DAYS_OF_YEAR = [(d.month, d.day) for d in pd.date_range("2028-01-01", "2028-12-31")]
_DATE_FORMATS = (r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})", r"(\d{4})-(\d{1,2})-(\d{1,2})")


class HolidayError(ValueError):
    """A line of the holiday list that is not a date (message in Bahasa Indonesia)."""


def scope_label(region: str, regions: dict[str, str]) -> str:
    """'Semua wilayah (nasional)' for '*', else the region's name and code."""
    if region == NATIONAL:
        return "Semua wilayah (nasional)"
    return f"{regions.get(region, region)} ({region})"


def effective_table(items: Iterable[Effective]) -> pd.DataFrame:
    """Pengaturan, Nilai berlaku, Sumber, Bawaan: one row per setting, in the form's order."""
    by_name = {i.name: i for i in items}
    rows = [{"Pengaturan": LABELS[name],
             "Nilai berlaku": value_text(name, by_name[name].value),
             "Sumber": SOURCES[by_name[name].source],
             "Bawaan": value_text(name, by_name[name].default)}
            for _, names in GROUPS for name in names if name in by_name]
    return pd.DataFrame(rows)


def saved_message(diff: dict[str, tuple[object, object]], scope: str) -> str:
    """'2 pengaturan disimpan untuk …: Label lama → baru; …'."""
    changes = "; ".join(f"{LABELS[n]} {stored_text(n, old)} → {stored_text(n, new)}"
                        for n, (old, new) in diff.items())
    return f"{len(diff)} pengaturan disimpan untuk {scope}: {changes}."


def history_table(rows: Sequence[dict[str, object]], regions: dict[str, str]) -> pd.DataFrame:
    """The setting changes, newest first, in Bahasa Indonesia."""
    return pd.DataFrame({
        "Waktu": [tanggal_jam(r["event_at"]) for r in rows],
        "Oleh": [r["actor"] for r in rows],
        "Pengaturan": [LABELS.get(str(r["name"]), str(r["name"])) for r in rows],
        "Berlaku untuk": [scope_label(str(r["region"]), regions) for r in rows],
        "Sebelum": [stored_text(str(r["name"]), r["old"]) for r in rows],
        "Sesudah": [stored_text(str(r["name"]), r["new"]) for r in rows]},
        columns=["Waktu", "Oleh", "Pengaturan", "Berlaku untuk", "Sebelum", "Sesudah"])


def parse_holidays(text: str) -> tuple[str, ...]:
    """One date per line (17-08-2026, 17/08/2026 or 2026-08-17) -> sorted ISO dates;
    raises HolidayError naming the line."""
    out = set()
    for no, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        day_first, iso = (re.fullmatch(p, line) for p in _DATE_FORMATS)
        try:
            if day_first:
                d, m, y = (int(g) for g in day_first.groups())
            elif iso:
                y, m, d = (int(g) for g in iso.groups())
            else:
                raise ValueError
            out.add(date(y, m, d).isoformat())
        except ValueError:
            raise HolidayError(f"Hari libur daerah, baris {no}: '{line}' bukan tanggal. "
                               "Tulis satu tanggal per baris, mis. 17-08-2026.") from None
    return tuple(sorted(out))


def holidays_text(value: Iterable[str]) -> str:
    """The holiday list as the text area shows it: one DD-MM-YYYY per line."""
    return "\n".join(date.fromisoformat(d).strftime("%d-%m-%Y") for d in value)


def _help(name: str, item: Effective) -> str:
    return f"{_HELP[name]} Bawaan: {value_text(name, item.default)}."


def field(item: Effective, key: str) -> object:
    """One setting's input, filled with its value in force; returns what the user typed (for
    the holiday list the raw text, see :func:`parse_holidays`)."""
    name, value = item.name, item.value
    label, help_ = LABELS[name], _help(name, item)
    if name == "extra_holidays":
        return st.text_area(label, holidays_text(value), key=key, help=help_,  # type: ignore
                            placeholder="17-08-2026", height=100)
    if isinstance(value, tuple):
        days = _DAYS_OF_YEAR if value in _DAYS_OF_YEAR else sorted({*_DAYS_OF_YEAR, value})
        return st.selectbox(label, days, index=days.index(value), key=key, help=help_,
                            format_func=lambda md: value_text(name, md))
    if isinstance(value, int):   # the ranges are those Rules accepts
        return int(st.number_input(label, min_value=0, max_value=MAX_DAYS, value=value, step=1,
                                   key=key, help=help_))
    # "%g": a whole threshold reads "91", not the English "91.0"; a half keeps its ".5"
    return float(st.number_input(label, min_value=0.0, max_value=100.0, value=float(value),  # type: ignore[arg-type]
                                 step=0.5, format="%g", key=key, help=help_))


def impact_table(impact: pd.DataFrame) -> pd.DataFrame:
    """Ukuran, Sekarang, Dengan nilai baru, Selisih: the figures a change of settings moves
    (``monev.engine.rule_impact`` rows); the difference of counts signed, '−3' or '+2'."""
    return pd.DataFrame({
        "Ukuran": impact["measure"],
        "Sekarang": [str(v) for v in impact["before"]],
        "Dengan nilai baru": [str(v) for v in impact["after"]],
        "Selisih": [f"{b - a:+d}".replace("-", "−") if isinstance(a, int) else ""
                    for a, b in zip(impact["before"], impact["after"], strict=True)],
    })
