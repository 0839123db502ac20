"""Charts, finding titles and tables of the Perbandingan Wilayah page (province / national).

Everything takes the frame of ``monev.engine.national.region_comparison`` (one row per
regency/city). Findings are plain text computed from the data; the bars reuse the capaian bars
of the other pages (band colours, value and band code beside each bar).
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from monev.domain.bands import band
from monev.domain.settings import DEFAULT, Rules
from monev.ui import charts_capaian as cc
from monev.ui.format import angka, persen
from monev.ui.theme import BAND_COLORS, BAND_TEXT_COLORS, cell_css

ALL_PROVINCES = "*"
N_SHOWN = 15          # regencies in the ranked chart when there are more than that
UNIT = "kabupaten/kota"


def province_choices(comp: pd.DataFrame) -> dict[str, str]:
    """'*' (every province) then each province with a regency loaded: code -> name."""
    provinces = (comp.assign(code=comp["region_code"].str[:2])
                 .drop_duplicates("code").sort_values("code"))
    return {ALL_PROVINCES: f"Semua provinsi ({provinces['code'].nunique()})",
            **dict(zip(provinces["code"], provinces["province_name"].fillna(provinces["code"]),
                       strict=True))}


def in_province(comp: pd.DataFrame, province: str) -> pd.DataFrame:
    """The regencies of one province ('*' = all)."""
    if province == ALL_PROVINCES:
        return comp
    return comp[comp["region_code"].str[:2] == province]


def ranked(comp: pd.DataFrame, column: str = "capaian", rules: Rules = DEFAULT,
           n: int = N_SHOWN) -> pd.DataFrame:
    """Regencies from lowest to highest capaian in ``column`` (the n lowest when there are
    more), with ``capaian``/``band_code`` set to that column and a short label."""
    out = comp.assign(capaian=comp[column],
                      band_code=[band(v, rules).code for v in comp[column]],
                      label=comp["region_name"].map(lambda s: cc.short(s, 34)))
    done = out[out["capaian"].notna()].sort_values(["capaian", "region_code"], kind="stable")
    return done.head(n) if n else done


def lagging_finding(comp: pd.DataFrame, what: str, rules: Rules = DEFAULT,
                    column: str = "capaian") -> cc.Finding:
    """('12 dari 38 kabupaten/kota tertinggal pada Smart Living', 'terendah Kab. X 41,0% …')."""
    done = comp[comp[column].notna()]
    if done.empty:
        return cc.Finding(f"Capaian {what} belum dapat dihitung",
                          "belum ada realisasi yang dilaporkan")
    worst = done.sort_values([column, "region_code"], kind="stable").iloc[0]
    value = worst[column]
    lowest = (f"terendah {worst['region_name']} "
              f"{cc.capaian_band_text(value, band(value, rules).code)}")
    n_lag = int((done[column] < rules.tertinggal_below).sum())
    where = f" pada {what}" if what != "keseluruhan" else ""
    if n_lag:
        return cc.Finding(f"{n_lag} dari {len(done)} {UNIT} tertinggal{where}", lowest)
    return cc.Finding(f"Semua {len(done)} {UNIT} ≥ {angka(rules.tertinggal_below)}%{where}",
                      lowest)


def ranked_bars(comp: pd.DataFrame, column: str, what: str, rules: Rules = DEFAULT) -> go.Figure:
    """Capaian bars of the lowest regencies (all when few), the finding as the title."""
    rows = ranked(comp, column, rules)
    found = lagging_finding(comp, what, rules, column)
    n_done = int(comp[column].notna().sum())
    context = (f"{len(rows)} {UNIT} terendah dari {n_done}" if n_done > len(rows)
               else f"{n_done} {UNIT}, terendah di atas")
    return cc.capaian_bars(rows, "label", found.title, found.subtitle(context), rules,
                           hover_col="region_name")


def band_bars(comp: pd.DataFrame, rules: Rules = DEFAULT) -> go.Figure:
    """How many regencies fall in each band (overall capaian)."""
    done = comp[comp["capaian"].notna()]
    below = int((done["capaian"] < rules.band_t).sum())
    title = (f"{below} dari {len(done)} {UNIT} di bawah pita Tinggi" if below
             else f"Semua {len(done)} {UNIT} berpita Tinggi ke atas")
    best = int((done["band_code"] == "ST").sum())
    return cc.band_count_bars(comp, title, f"{best} {UNIT} Sangat Tinggi", unit=UNIT)


def province_summary(comp: pd.DataFrame, rules: Rules = DEFAULT) -> pd.DataFrame:
    """One row per province: regencies, median capaian and its band, regencies lagging,
    report completeness (received ÷ due, summed) and villages at risk (summed)."""
    g = comp.assign(province=comp["region_code"].str[:2]).groupby("province", sort=True)
    out = pd.DataFrame({
        "province_name": g["province_name"].first(),
        "n_regions": g.size(),
        "capaian_median": g["capaian"].median(),
        "n_lagging": g["capaian"].apply(lambda s: int((s < rules.tertinggal_below).sum())),
        "reports_due": g["reports_due"].sum(), "reports_received": g["reports_received"].sum(),
        "n_villages": g["n_villages"].sum(), "n_villages_at_risk": g["n_villages_at_risk"].sum(),
    })
    out["band_code"] = [band(v, rules).code for v in out["capaian_median"]]
    due = out["reports_due"].where(out["reports_due"] > 0)
    out["completeness_pct"] = out["reports_received"] / due * 100
    out["pct_villages_at_risk"] = (out["n_villages_at_risk"]
                                   / out["n_villages"].where(out["n_villages"] > 0) * 100)
    return out.reset_index().sort_values(["capaian_median", "province"], kind="stable")


def region_table(comp: pd.DataFrame, dimensions: dict[str, str],
                 rules: Rules = DEFAULT) -> pd.DataFrame:
    """The regency table in Bahasa Indonesia: capaian with its band code (text, so the colour is
    never alone), each dimension, reports and villages; lowest capaian first."""
    rows = comp.sort_values(["capaian", "region_code"], kind="stable", na_position="last")

    def cap(values: pd.Series) -> list[str]:
        return [cc.capaian_text(v, band(v, rules).code) for v in values]

    out = pd.DataFrame({"Kode": rows["region_code"], "Kabupaten/Kota": rows["region_name"],
                        "Provinsi": rows["province_name"], "Capaian": cap(rows["capaian"])})
    for code, name in dimensions.items():
        col = f"capaian_{code.lower()}"
        if col in rows.columns:
            out[name] = cap(rows[col])
    out["Laporan diterima"] = [
        f"{int(r)} dari {int(d)} · {persen(p)}" if d else "belum jatuh tempo"
        for r, d, p in zip(rows["reports_received"], rows["reports_due"],
                           rows["completeness_pct"], strict=True)]
    out["Tepat waktu"] = rows["on_time_pct"].map(persen)
    out["Desa/Kelurahan berisiko"] = [
        f"{int(n)} dari {int(t)} · {persen(p)}" if t else "tidak ada rencana desa"
        for n, t, p in zip(rows["n_villages_at_risk"], rows["n_villages"],
                           rows["pct_villages_at_risk"], strict=True)]
    return out.reset_index(drop=True)


def band_css(table: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """The band fills of the '62,5% · S' cells of ``columns`` (``components.styled``)."""
    return cell_css(table, columns, band_cell_style)


def band_cell_style(text: object) -> str:
    """CSS of a '62,5% · S' cell: its band's fill and readable text colour."""
    if not isinstance(text, str) or " · " not in text:
        return ""
    code = text.rsplit(" · ", 1)[1]
    if code not in BAND_COLORS:
        return ""
    return f"background-color: {BAND_COLORS[code]}; color: {BAND_TEXT_COLORS[code]}"
