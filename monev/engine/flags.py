"""Every early-warning flag of an as-of view (domain.md §4), with reason, responsible OPD and the
latest kendala and tindak lanjut of the program.

* Kritis / Tertinggal: capaian vs expected-to-date of an indicator (programs running this year).
* Stagnan: no change in year-to-date realisation over the last two reported TWs while the
  expected value moved.
* Belum melapor / Terlambat: quarterly reports of asof.year up to asof.tw (see reporting).
* Fisik–keuangan tidak seimbang: program physical progress vs budget absorption.
* Desa rawan / Desa bergeser: village calendar status (see villages).
Report flags belong to an OPD, not a program: they carry no kendala.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from monev.domain import flags as fl
from monev.domain.settings import DEFAULT, Rules
from monev.engine.asof import AsOf
from monev.engine.attainment import indicator_view
from monev.engine.budget import budget_summary
from monev.engine.frames import member, with_none
from monev.engine.reporting import report_completeness
from monev.engine.revisions import REVISED_MARK
from monev.engine.snapshot import Source, snapshot
from monev.engine.villages import village_rollout
from monev.store import facts

FLAG_FRAME_COLUMNS = (*fl.FLAG_COLUMNS, "opd_name", "program_name", "indicator_name",
                      "village_name", "year", "tw", "notes_year", "notes_tw")


def _none(series: np.ndarray) -> list[float | None]:
    return [None if np.isnan(v) else float(v) for v in series]


def _part(kind: object, reason: list[str], opd: object, program: object = None,
          indicator: object = None, village: object = None) -> pd.DataFrame:
    """Flag rows of one kind as columns (kind/opd/... scalars or arrays)."""
    return pd.DataFrame({"kind": kind, "reason": reason, "opd_code": opd,
                         "program_code": program, "indicator_code": indicator,
                         "village_code": village}, index=range(len(reason)))


def _ordered(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """The flags of every kind in flags_frame's order: most urgent kind first, then OPD,
    program, indicator and village (built column-wise: a big region may raise thousands)."""
    frame = pd.concat([p for p in parts if len(p)], ignore_index=True) if any(
        len(p) for p in parts) else _part([], [], [])
    for col in ("kind", "reason", "opd_code", "program_code", "indicator_code",
                "village_code"):
        frame[col] = frame[col].astype(object).where(frame[col].notna(), None)
    unknown = set(frame["kind"]) - set(fl.FLAG_LABELS)
    if unknown:
        raise ValueError(f"Jenis tanda tidak dikenal: {sorted(unknown)}")
    frame["label"] = frame["kind"].map(fl.FLAG_LABELS)
    rank = {kind: i for i, kind in enumerate(fl.FLAG_KINDS)}
    frame["_rank"] = frame["kind"].map(rank)
    frame = frame.sort_values(["_rank", "opd_code", "program_code", "indicator_code",
                               "village_code"], na_position="last", kind="stable")
    return frame.drop(columns="_rank").reset_index(drop=True)


def all_flags(con: Source, region: str, asof: AsOf, rules: Rules = DEFAULT) -> pd.DataFrame:
    """All flags of the view, most urgent kind first (FLAG_FRAME_COLUMNS: domain Flag fields,
    label, names of OPD/program/indicator/village, the period, and the period of the notes)."""
    snap = snapshot(con, region, asof)
    view = indicator_view(snap, asof, rules)
    ind = view.frame
    parts = []
    hit = ind["attainment_flag"].notna().to_numpy()
    caps = ind["capaian_expected"].to_numpy(dtype="float64")[hit]
    revised = ind["revised"].to_numpy(dtype=bool)[hit]  # against a revised target: marked
    parts.append(_part(ind["attainment_flag"].to_numpy(dtype=object)[hit],
                       [fl.attainment_reason(float(c), asof.tw, rules)
                        + (f" (target {REVISED_MARK})" if r else "")
                        for c, r in zip(caps, revised, strict=True)],
                       ind["lead_opd_code"].to_numpy(dtype=object)[hit],
                       ind["program_code"].to_numpy(dtype=object)[hit],
                       ind["indicator_code"].to_numpy(dtype=object)[hit]))
    rows = np.flatnonzero(ind["stagnant"].to_numpy(dtype=bool))
    parts.append(_part(fl.STAGNAN,
                       [fl.stagnant_reason(_none(view.ytd_series[i]),
                                           _none(view.expected_series[i])) for i in rows],
                       ind["lead_opd_code"].to_numpy(dtype=object)[rows],
                       ind["program_code"].to_numpy(dtype=object)[rows],
                       ind["indicator_code"].to_numpy(dtype=object)[rows]))

    reports = report_completeness(snap, region, asof, rules)
    late = reports[member(reports["status"], [fl.BELUM_MELAPOR, fl.TERLAMBAT])]
    parts.append(_part(late["status"].to_numpy(dtype=object),
                       [f"Laporan {t} {y}: {r}" for t, y, r in zip(
                           late["tw_label"], late["year"], late["reason"], strict=True)],
                       late["opd_code"].to_numpy(dtype=object)))

    budget = budget_summary(snap, region, asof, rules, by="program")
    budget = budget[budget["imbalance"]]
    parts.append(_part(fl.FISIK_KEUANGAN, list(budget["imbalance_reason"]),
                       budget["lead_opd_code"].to_numpy(dtype=object),
                       budget["program_code"].to_numpy(dtype=object)))

    villages = village_rollout(snap, region, asof, rules)
    kinds = villages["status"].map(lambda s: fl.village_flag(s))
    flagged = villages[kinds.notna()]
    parts.append(_part(kinds[kinds.notna()].to_numpy(dtype=object), list(flagged["reason"]),
                       flagged["lead_opd_code"].to_numpy(dtype=object),
                       flagged["program_code"].to_numpy(dtype=object),
                       village=flagged["village_code"].to_numpy(dtype=object)))

    frame = _ordered(parts)
    if frame.empty:
        return pd.DataFrame(columns=list(FLAG_FRAME_COLUMNS))
    notes = snap.read(facts.latest_notes, asof.year, asof.tw)
    frame = frame.merge(notes, on="program_code", how="left")
    frame = frame.merge(snap.read(facts.opds)[["opd_code", "opd_name"]],
                        on="opd_code", how="left")
    frame = frame.merge(snap.read(facts.programs)[
        ["program_code", "program_name"]], on="program_code", how="left")
    frame = frame.merge(ind[["indicator_code", "indicator_name"]].drop_duplicates(),
                        on="indicator_code", how="left")
    frame = frame.merge(villages[["program_code", "village_code", "village_name"]],
                        on=["program_code", "village_code"], how="left")
    frame = frame.assign(year=asof.year, tw=asof.tw)
    for col in ("notes_year", "notes_tw"):
        frame[col] = frame[col].astype("Int64")
    text = [c for c in FLAG_FRAME_COLUMNS if c not in ("year", "tw", "notes_year", "notes_tw")]
    return with_none(frame[list(FLAG_FRAME_COLUMNS)], text)


def flag_counts(flags: pd.DataFrame, asof: AsOf) -> pd.DataFrame:
    """Number of flags per kind, in urgency order, every kind listed: kind, label, n, scope
    (what the count covers, ``flags.flag_scope``: say it beside the count)."""
    counts = flags["kind"].value_counts() if not flags.empty else pd.Series(dtype="int64")
    return pd.DataFrame({"kind": list(fl.FLAG_KINDS),
                         "label": [fl.FLAG_LABELS[k] for k in fl.FLAG_KINDS],
                         "n": [int(counts.get(k, 0)) for k in fl.FLAG_KINDS],
                         "scope": [fl.flag_scope(k, asof.year, asof.tw)
                                   for k in fl.FLAG_KINDS]})
