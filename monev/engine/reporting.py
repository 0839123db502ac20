"""Quarterly report discipline: who owes which report, when it was due, when it arrived.

* An OPD owes a report for a TW of a year when it leads at least one program whose period covers
  that year (masterplan active at the cut-off).
* A report is held when a load of that OPD/year/TW is active at the cut-off. Lateness is judged on
  the FIRST submission for that OPD/year/TW uploaded up to the cut-off: a corrected resubmission
  after the deadline does not make an on-time report late.
* Status is judged on ``asof.date`` (see ``AsOf``); TWs after ``asof.tw`` of the viewed year are
  not listed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from monev.domain import workdays as wd
from monev.domain.settings import DEFAULT, Rules
from monev.domain.text import tw_label
from monev.engine import revisions
from monev.engine.asof import AsOf
from monev.engine.frames import as_date
from monev.engine.snapshot import Snapshot, Source, snapshot
from monev.store import facts

REPORT_COLUMNS = (
    "opd_code", "opd_name", "opd_short_name", "year", "tw", "tw_label", "due_date",
    "received_on", "last_received_on", "n_submissions", "load_id", "uploaded_by", "uploaded_at",
    "file_name", "status", "status_label", "reason", "days_late", "completeness_pct",
)


def _periods(snap: Snapshot, programs: pd.DataFrame, asof: AsOf,
             first_year: int) -> pd.DataFrame:
    """opd_code, year, tw owed: lead OPDs of programs planned in each quarter, in the order of
    the report (year, TW, OPD). A program a revision postponed or cancelled, in force by the
    quarter's last day, owes no report for that quarter (an OPD whose programs are all off the
    plan is not "belum melapor"); the quarters before the revision took effect stay owed."""
    spans = list(zip(programs["lead_opd_code"].tolist(), programs["start_year"].tolist(),
                     programs["end_year"].tolist(), programs["program_code"].tolist(),
                     strict=True))
    rows = []
    for year in range(first_year, asof.year + 1):
        last_tw = asof.tw if year == asof.year else 4
        for tw in range(1, last_tw + 1):
            off = revisions.off_programs(snap, year, wd.quarter_end(year, tw))
            owing = sorted({opd for opd, start, end, code in spans
                            if start <= year <= end and code not in off})
            rows.extend((opd, year, tw) for opd in owing)
    return pd.DataFrame(rows, columns=["opd_code", "year", "tw"])


def report_completeness(con: Source, region: str, asof: AsOf, rules: Rules = DEFAULT,
                        all_years: bool = False) -> pd.DataFrame:
    """OPD × TW rows of asof.year (every masterplan year up to it with all_years): due date,
    first received date, status (tepat_waktu/terlambat/belum_melapor/belum_jatuh_tempo) with
    label and reason, days late, and the completeness (%) of that TW (REPORT_COLUMNS)."""
    snap = snapshot(con, region, asof)
    return snap.derived(("reports", asof, rules, all_years),
                        lambda: _reports(snap, asof, rules, all_years)).copy(deep=False)


def _reports(snap: Snapshot, asof: AsOf, rules: Rules, all_years: bool) -> pd.DataFrame:
    plan = snap.read(facts.masterplan)
    if plan is None:
        return pd.DataFrame(columns=list(REPORT_COLUMNS))
    first_year = int(plan["start_year"]) if all_years else asof.year
    grid = _periods(snap, snap.read(facts.programs), asof, first_year)
    receipts = snap.read(facts.report_receipts, None if all_years else asof.year)
    receipts = receipts.rename(columns={"received_on": "last_received_on",
                                        "first_received_on": "received_on"})
    frame = grid.merge(receipts, on=["opd_code", "year", "tw"], how="left")
    frame = frame.merge(snap.read(facts.opds), on="opd_code", how="left")
    on = asof.date
    due_by = {(y, q): wd.report_due_date(y, q, rules)
              for y, q in set(zip(frame["year"], frame["tw"], strict=True))}
    due, received, last, status, reason, late = [], [], [], [], [], []
    for year, tw, first, latest in zip(frame["year"].tolist(), frame["tw"].tolist(),
                                       frame["received_on"].tolist(),
                                       frame["last_received_on"].tolist(), strict=True):
        d = due_by[(year, tw)]
        got = as_date(first)
        s = wd.report_status(d, got, on)
        due.append(d)
        received.append(got if got is not None and got <= on else None)
        last.append(as_date(latest))
        status.append(s)
        reason.append(wd.report_reason(s, d, got, on))
        late.append((got - d).days if s == wd.TERLAMBAT and got else
                    (on - d).days if s == wd.BELUM_MELAPOR else 0)
    frame = frame.assign(
        tw_label=[tw_label(int(q)) for q in frame["tw"]], due_date=due, received_on=received,
        last_received_on=last, status=status, reason=reason, days_late=late)
    frame["status_label"] = frame["status"].map(wd.STATUS_LABELS)
    frame["n_submissions"] = frame["n_submissions"].fillna(0).astype("int64")
    frame["load_id"] = frame["load_id"].astype("Int64")
    periods = list(zip(frame["year"].tolist(), frame["tw"].tolist(), strict=True))
    statuses: dict[tuple[int, int], list[str]] = {}
    for period, s in zip(periods, status, strict=True):
        statuses.setdefault(period, []).append(s)
    rate = {period: wd.completeness(group) for period, group in statuses.items()}
    frame["completeness_pct"] = np.array([rate[period] for period in periods], dtype="float64")
    return frame[list(REPORT_COLUMNS)]


def completeness_by_tw(reports: pd.DataFrame) -> pd.DataFrame:
    """Per year and TW of a report_completeness frame: counts by status, completeness_pct
    (received ÷ due) and on_time_pct (on time ÷ due); NaN when nothing is due yet."""
    columns = ["year", "tw", "tw_label", "n_opd", "n_due", "n_received", "n_on_time", "n_late",
               "n_missing", "n_not_due", "completeness_pct", "on_time_pct"]
    if reports.empty:
        return pd.DataFrame(columns=columns)
    s = reports["status"]
    work = reports[["year", "tw"]].assign(
        n_opd=1, n_on_time=(s == wd.TEPAT_WAKTU).astype(int), n_late=(s == wd.TERLAMBAT)
        .astype(int), n_missing=(s == wd.BELUM_MELAPOR).astype(int),
        n_not_due=(s == wd.BELUM_JATUH_TEMPO).astype(int))
    out = work.groupby(["year", "tw"], as_index=False).sum()
    out["n_received"] = out["n_on_time"] + out["n_late"]
    out["n_due"] = out["n_opd"] - out["n_not_due"]
    due = out["n_due"].where(out["n_due"] > 0)
    out["completeness_pct"] = out["n_received"] / due * 100
    out["on_time_pct"] = out["n_on_time"] / due * 100
    out["tw_label"] = [tw_label(int(q)) for q in out["tw"]]
    return out[columns]
