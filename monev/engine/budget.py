"""Budget absorption and physical progress for an as-of view.

Per program and funding source: pagu = the pagu stated in the latest report up to asof.tw (the
year's pagu as of that TW); realisasi year-to-date = the 'jumlah' accumulation of the reported
rupiah on each report's basis (TW values add up, an "s.d. TW" value restarts the sum). Physical
progress is already cumulative: the latest value reported up to asof.tw counts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from monev.domain import accumulation as acc
from monev.domain.flags import imbalance_reason
from monev.domain.settings import DEFAULT, Rules
from monev.engine import vector
from monev.engine.asof import AsOf
from monev.engine.attainment import running_programs
from monev.engine.frames import member, with_none
from monev.engine.snapshot import Snapshot, Source, snapshot
from monev.store import facts

BY = ("program", "source", "funding_source", "opd")


def _absorption(realisasi: pd.Series, pagu: pd.Series) -> pd.Series:
    return realisasi / pagu.where(pagu > 0) * 100


def _by_source(snap: Snapshot, asof: AsOf) -> pd.DataFrame:
    """program_code, funding_source, opd_code, pagu, realisasi_ytd, last_tw."""
    rows = snap.read(facts.budget, asof.year, asof.tw)
    cols = ["program_code", "funding_source", "opd_code", "pagu", "realisasi_ytd", "last_tw"]
    if rows.empty:
        return pd.DataFrame(columns=cols).astype({"pagu": "float64",
                                                  "realisasi_ytd": "float64"})
    latest = rows.sort_values("tw", kind="stable").drop_duplicates(
        ["program_code", "funding_source"], keep="last").reset_index(drop=True)
    keys = pd.Index(list(zip(latest["program_code"], latest["funding_source"], strict=True)))
    pos = keys.get_indexer(list(zip(rows["program_code"], rows["funding_source"], strict=True)))
    values = np.full((len(keys), 4), np.nan)
    sdtw = np.zeros((len(keys), 4), dtype=bool)
    tws = rows["tw"].to_numpy(dtype="int64") - 1
    values[pos, tws] = pd.to_numeric(rows["realisasi"]).to_numpy(dtype="float64",
                                                                 na_value=np.nan)
    sdtw[pos, tws] = (rows["basis"] == "sdtw").to_numpy()
    kinds = np.full(len(keys), acc.JUMLAH, dtype=object)
    return pd.DataFrame({
        "program_code": latest["program_code"], "funding_source": latest["funding_source"],
        "opd_code": latest["opd_code"], "pagu": pd.to_numeric(latest["pagu"]).astype(float),
        "realisasi_ytd": vector.ytd(values, sdtw, kinds, asof.tw),
        "last_tw": latest["tw"].astype("int64"),
    })


def _fisik(snap: Snapshot, asof: AsOf) -> pd.DataFrame:
    """program_code, fisik_pct, fisik_tw: latest physical progress reported up to asof.tw."""
    rows = snap.read(facts.program_progress, asof.year, asof.tw)
    rows = rows[rows["fisik_pct"].notna()].sort_values("tw", kind="stable")
    latest = rows.drop_duplicates("program_code", keep="last")
    return pd.DataFrame({"program_code": latest["program_code"],
                         "fisik_pct": pd.to_numeric(latest["fisik_pct"]).astype(float),
                         "fisik_tw": latest["tw"].astype("int64")})


def budget_summary(con: Source, region: str, asof: AsOf, rules: Rules = DEFAULT,
                   by: str = "program") -> pd.DataFrame:
    """Pagu, realisasi year-to-date and absorption (%) of asof.year up to asof.tw, by
    "program" (with fisik %, gap and the imbalance flag), "source" (program × funding source),
    "funding_source" or "opd" (lead OPD of the program, with n_imbalanced).

    by="program" columns: program_code, program_name, dimension_code, lead_opd_code,
    lead_opd_name, n_sources, pagu, realisasi_ytd, absorption_pct, fisik_pct, fisik_tw,
    gap_points, imbalance, imbalance_reason. Running programs without a budget row are kept
    (NaN figures).
    """
    if by not in BY:
        raise ValueError(f"by harus salah satu dari {', '.join(BY)}, bukan {by!r}")
    snap = snapshot(con, region, asof)
    return snap.derived(("budget", asof.year, asof.tw, rules, by),
                        lambda: _summary(snap, asof, rules, by)).copy(deep=False)


def _summary(snap: Snapshot, asof: AsOf, rules: Rules, by: str) -> pd.DataFrame:
    sources = _by_source(snap, asof)
    programs = snap.read(facts.programs)
    if by == "source":
        frame = sources.merge(programs[["program_code", "program_name", "lead_opd_code"]],
                              on="program_code", how="left")
        frame["absorption_pct"] = _absorption(frame["realisasi_ytd"], frame["pagu"])
        return frame[["program_code", "program_name", "lead_opd_code", "opd_code",
                      "funding_source", "pagu", "realisasi_ytd", "absorption_pct", "last_tw"]]
    if by == "funding_source":
        g = sources.groupby("funding_source")
        frame = pd.DataFrame({"n_programs": g["program_code"].nunique(),
                              "pagu": g["pagu"].sum(),
                              "realisasi_ytd": g["realisasi_ytd"].sum(min_count=1)}
                             ).reset_index()
        frame["absorption_pct"] = _absorption(frame["realisasi_ytd"], frame["pagu"])
        return frame[["funding_source", "n_programs", "pagu", "realisasi_ytd", "absorption_pct"]]

    g = sources.groupby("program_code")
    totals = pd.DataFrame({"n_sources": g.size(), "pagu": g["pagu"].sum(),
                           "realisasi_ytd": g["realisasi_ytd"].sum(min_count=1)}).reset_index()
    listed = running_programs(programs, asof.year)
    extra = programs[member(programs["program_code"], totals["program_code"])
                     & ~member(programs["program_code"], listed["program_code"])]
    frame = pd.concat([listed, extra], ignore_index=True)[
        ["program_code", "program_name", "dimension_code", "lead_opd_code", "lead_opd_name"]]
    frame = frame.merge(totals, on="program_code", how="left").merge(
        _fisik(snap, asof), on="program_code", how="left")
    frame["n_sources"] = frame["n_sources"].fillna(0).astype("int64")
    frame["pagu"] = frame["pagu"].astype("float64")
    frame["realisasi_ytd"] = frame["realisasi_ytd"].astype("float64")
    frame["fisik_pct"] = frame["fisik_pct"].astype("float64")
    frame["fisik_tw"] = frame["fisik_tw"].astype("Int64")
    frame["absorption_pct"] = _absorption(frame["realisasi_ytd"], frame["pagu"])
    frame["gap_points"] = frame["fisik_pct"] - frame["absorption_pct"]
    frame["imbalance"] = vector.imbalance(frame["fisik_pct"].to_numpy(),
                                          frame["absorption_pct"].to_numpy(), rules)
    frame["imbalance_reason"] = [
        imbalance_reason(f, k, rules) if flagged else None
        for f, k, flagged in zip(frame["fisik_pct"].tolist(), frame["absorption_pct"].tolist(),
                                 frame["imbalance"].tolist(), strict=True)]
    frame = with_none(frame, ["imbalance_reason"])
    if by == "program":
        return frame[["program_code", "program_name", "dimension_code", "lead_opd_code",
                      "lead_opd_name", "n_sources", "pagu", "realisasi_ytd", "absorption_pct",
                      "fisik_pct", "fisik_tw", "gap_points", "imbalance", "imbalance_reason"]]
    g = frame.groupby(["lead_opd_code", "lead_opd_name"], dropna=False)
    opd = pd.DataFrame({"n_programs": g.size(), "pagu": g["pagu"].sum(min_count=1),
                        "realisasi_ytd": g["realisasi_ytd"].sum(min_count=1),
                        "n_imbalanced": g["imbalance"].sum().astype("int64")}).reset_index()
    opd["absorption_pct"] = _absorption(opd["realisasi_ytd"], opd["pagu"])
    opd = opd.rename(columns={"lead_opd_code": "opd_code", "lead_opd_name": "opd_name"})
    return opd[["opd_code", "opd_name", "n_programs", "pagu", "realisasi_ytd", "absorption_pct",
                "n_imbalanced"]]
