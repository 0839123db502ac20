"""Evaluation meetings: the frozen view a meeting shows, its slides, and last meeting's
follow-ups judged against the new data."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import duckdb
import pandas as pd

from monev.domain.settings import Rules, rules_from
from monev.engine.asof import AsOf, rules_for
from monev.engine.attainment import (
    dimension_attainment,
    indicator_attainment,
    masterplan_attainment,
)
from monev.engine.flags import all_flags
from monev.engine.reporting import report_completeness
from monev.engine.revisions import off_plan
from monev.engine.snapshot import snapshot
from monev.engine.villages import village_rollout
from monev.store import meetings as store
from monev.store.meetings import Meeting

FLAG_KEYS = ["kind", "opd_code", "program_code", "indicator_code", "village_code"]
FOLLOWUP_KEYS = ["flag_kind", "opd_code", "program_code", "indicator_code", "village_code"]
# Flags read off an indicator's capaian: gone without a capaian is not resolved.
MEASURED = ("tertinggal", "kritis", "stagnan")
DATA_STATUS_LABELS = {"teratasi": "Sudah tidak tertandai (menurut data)",
                      "masih": "Masih tertandai di data baru",
                      "tak_terukur": "Tidak dapat dinilai dari data"}


def meeting_asof(meeting: Meeting) -> AsOf:
    """The view of a meeting: its period, only loads active at its cut-off, calendar judged
    on the cut-off date. The same forever, whatever is uploaded later."""
    return AsOf(meeting.year, meeting.tw, meeting.cutoff, meeting.cutoff.date())


def meeting_rules(meeting: Meeting) -> Rules:
    """The rules in force when the meeting was created (settings changed later do not leak)."""
    return rules_from(meeting.rules)


def current_rules(con: duckdb.DuckDBPyConnection, region: str) -> dict:
    """The region's rules now, as a JSON-able dict to freeze into a new meeting."""
    return {k: (list(v) if isinstance(v, tuple) else v)
            for k, v in dataclasses.asdict(rules_for(con, region)).items()}


@dataclass(frozen=True)
class Slide:
    """One slide of the meeting deck: what it shows and for which key."""

    kind: str        # ringkasan | revisi | dimensi | opd | desa | kelengkapan | tindak_lanjut
    title: str
    key: str | None = None


def slides(con: duckdb.DuckDBPyConnection, meeting: Meeting) -> list[Slide]:
    """The deck: last meeting's follow-ups (if any), the masterplan at a glance, what a
    masterplan revision took off this year's plan (if anything), one slide per dimension, the
    lagging items of each OPD, village rollout risk, reporting completeness."""
    asof, rules = meeting_asof(meeting), meeting_rules(meeting)
    deck: list[Slide] = []
    previous = store.previous_meeting(con, meeting)
    if previous is not None and not store.followups(con, previous.meeting_id).empty:
        deck.append(Slide("tindak_lanjut", f"Tindak lanjut rapat sebelumnya: {previous.title}",
                          str(previous.meeting_id)))
    deck.append(Slide("ringkasan", f"Masterplan sekilas — {asof.label}"))
    if not off_plan(con, meeting.region_code, asof).empty:
        deck.append(Slide("revisi", f"Ditunda / dibatalkan — revisi masterplan {asof.year}"))
    dims = dimension_attainment(con, meeting.region_code, asof, rules)
    for row in dims.itertuples():
        deck.append(Slide("dimensi", str(row.dimension_name), str(row.dimension_code)))
    flags = all_flags(con, meeting.region_code, asof, rules)
    lagging = flags[flags["kind"].isin(["kritis", "tertinggal", "stagnan", "fisik_keuangan"])]
    opds = (lagging.groupby(["opd_code", "opd_name"], dropna=False).size()
            .sort_values(ascending=False))
    for (opd, name), _ in opds.items():
        deck.append(Slide("opd", f"Target tertinggal — {name or opd}", str(opd)))
    deck.append(Slide("desa", "Risiko peluncuran desa/kelurahan"))
    deck.append(Slide("kelengkapan", f"Kelengkapan laporan {asof.tw_label} {asof.year}"))
    return deck


def meeting_data(con: duckdb.DuckDBPyConnection, meeting: Meeting) -> dict[str, object]:
    """Everything a meeting shows, computed once from its frozen view."""
    asof, rules, region = meeting_asof(meeting), meeting_rules(meeting), meeting.region_code
    reports = report_completeness(con, region, asof, rules)
    return {
        "overall": masterplan_attainment(con, region, asof, rules),
        "dimensions": dimension_attainment(con, region, asof, rules),
        "flags": all_flags(con, region, asof, rules),
        "villages": village_rollout(con, region, asof, rules),
        "reports": reports[reports["tw"] == meeting.tw],
    }


def followup_review(con: duckdb.DuckDBPyConnection, meeting: Meeting) -> pd.DataFrame:
    """Last meeting's follow-ups with what this meeting's data says of each.

    A follow-up on a flagged item is 'teratasi' when that flag is gone from this meeting's
    view, 'masih' when it is still there; a follow-up on an indicator's capaian (Tertinggal,
    Kritis, Stagnan) is 'tak_terukur' when the indicator has no capaian in this view (no
    figure for the quarter: no flag, but nothing resolved either). The status shown
    (``final_status``) is the one set by hand when there is one; otherwise selesai when
    teratasi, belum_selesai when still flagged and past its due date, else terbuka.
    """
    previous = store.previous_meeting(con, meeting)
    if previous is None:
        return pd.DataFrame()
    items = store.followups(con, previous.meeting_id)
    if items.empty:
        return items
    asof, rules = meeting_asof(meeting), meeting_rules(meeting)
    snap = snapshot(con, meeting.region_code, asof)
    flags = all_flags(snap, meeting.region_code, asof, rules)
    present = {(_family(row[0]), *(_key(v) for v in row[1:]))
               for row in flags[FLAG_KEYS].itertuples(index=False)}
    indicators = indicator_attainment(snap, meeting.region_code, asof, rules)
    unmeasured = set(indicators.loc[indicators["status"] != "ok", "indicator_code"])
    on = meeting.cutoff.date()
    data_status, final = [], []
    for row in items.itertuples(index=False):
        if _key(row.flag_kind) is None or (row.flag_kind in MEASURED
                                            and row.indicator_code in unmeasured):
            status = "tak_terukur"
        else:
            key = (_family(row.flag_kind), *(_key(getattr(row, k)) for k in FOLLOWUP_KEYS[1:]))
            status = "masih" if key in present else "teratasi"
        data_status.append(status)
        due = row.due_date.date() if hasattr(row.due_date, "date") else row.due_date
        if row.status != "terbuka":
            final.append(row.status)
        elif status == "teratasi":
            final.append("selesai")
        elif status == "masih" and due is not None and not pd.isna(due) and due < on:
            final.append("belum_selesai")
        else:
            final.append("terbuka")
    out = items.assign(data_status=data_status,
                       data_status_label=[DATA_STATUS_LABELS[s] for s in data_status],
                       final_status=final,
                       final_status_label=[store.FOLLOWUP_STATUS[s] for s in final],
                       previous_meeting_id=previous.meeting_id,
                       previous_meeting_title=previous.title)
    return out


def _family(kind: object) -> object:
    """Tertinggal and Kritis are one problem at two depths: a follow-up on a lagging item is
    not resolved because the item got worse."""
    return "capaian" if kind in ("tertinggal", "kritis") else _key(kind)


def _key(value: object) -> object:
    return None if value is None or (isinstance(value, float) and value != value) else value
