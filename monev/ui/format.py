"""Indonesian display formats for tables: thin wrappers over ``monev.domain.text``.

``st.dataframe`` formats numbers with the browser's locale (often en-US on Pemda PCs), so
columns shown to users are turned into Indonesian text here (1.234,5 · Rp 1,5 M · 75,5%).
Keep the raw frame for downloads and sorting; format a copy for the screen.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime

import pandas as pd

from monev.domain.text import (
    KOSONG,
    format_angka,
    format_persen,
    format_rupiah,
    format_tanggal,
    tw_label,
)

__all__ = ["KOSONG", "angka", "display_frame", "persen", "rupiah", "tanggal", "tanggal_jam",
           "triwulan", "rename", "is_missing", "ukuran", "md_text", "expected_sentence"]

# Every ASCII punctuation character: CommonMark lets each be backslash-escaped, and together
# they are all the syntax Streamlit's Markdown knows (links, images, emphasis, code, headings,
# lists, quotes, tables, HTML, entities, LaTeX with $, :colour[...] directives, autolinks).
_MD_PUNCT = re.compile(r"([!-/:-@\[-`{-~])")
_LINE_BREAKS = re.compile(r"\s*[\r\n]+\s*")
# Streamlit also turns bare URLs, www. names, e-mail addresses and :icon: codes found in the
# parsed text (after the escapes are gone) into links and icons; an invisible word joiner
# (U+2060) after every ':' and '@' and after 'www' breaks each of those patterns.
_WORD_JOINER = "\u2060"
_LINK_PARTS = re.compile(r"[:@](?=\S)|(?i:www)(?=\.)")  # not before a space: "Ditolak: 1"


def is_missing(x: object) -> bool:
    """True for None, pandas NA/NaT and NaN (any value a table shows as '–')."""
    if x is None or x is pd.NA or x is pd.NaT:
        return True
    try:
        return math.isnan(float(x))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def _num(x: object) -> float | None:
    if x is None or x is pd.NA or (isinstance(x, float) and x != x):
        return None
    try:
        return float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def angka(x: object, decimals: int = 1, trim: bool = True) -> str:
    """1234.5 -> '1.234,5'; missing -> '–'."""
    return format_angka(_num(x), decimals, trim)


def rupiah(x: object) -> str:
    """1_500_000_000 -> 'Rp 1,5 M'; missing -> '–'."""
    return format_rupiah(_num(x))


def ukuran(n_bytes: int) -> str:
    """A file size as file managers show it: 1_288_490_189 -> '1,2 GB', 850 -> '850 byte'."""
    for unit, size in (("GB", 1024 ** 3), ("MB", 1024 ** 2), ("KB", 1024)):
        if n_bytes >= size:
            return f"{angka(n_bytes / size)} {unit}"
    return f"{n_bytes} byte"


def persen(x: object, decimals: int = 1) -> str:
    """75.5 -> '75,5%'; missing -> '–'."""
    return format_persen(_num(x), decimals, trim=True)


def tanggal(x: object) -> str:
    """A date or timestamp -> '30 September 2025'; missing -> '–'."""
    if x is None or x is pd.NaT or (isinstance(x, float) and x != x):
        return KOSONG
    if isinstance(x, str):
        try:
            x = pd.Timestamp(x)
        except ValueError:
            return x
    if isinstance(x, (pd.Timestamp, datetime)):
        x = x.date()
    return format_tanggal(x) if isinstance(x, date) else str(x)


def tanggal_jam(x: object) -> str:
    """A timestamp -> '30 September 2025 14.05' (Indonesian time separator); missing -> '–'."""
    if x is None or x is pd.NaT or (isinstance(x, float) and x != x):
        return KOSONG
    ts = pd.Timestamp(x)  # type: ignore[arg-type]
    return f"{format_tanggal(ts.date())} {ts:%H.%M}"


def triwulan(x: object) -> str:
    """2 -> 'TW II'; missing or out of range -> '–'."""
    n = _num(x)
    if n is None or int(n) not in (1, 2, 3, 4):
        return KOSONG
    return tw_label(int(n))


def rename(df: pd.DataFrame, labels: Mapping[str, str]) -> pd.DataFrame:
    """Keep only the columns in ``labels`` (in that order) under their Indonesian names."""
    cols = [c for c in labels if c in df.columns]
    return df[cols].rename(columns=dict(labels))


def display_frame(df: pd.DataFrame, *, angka_cols: Iterable[str] = (),
                  rupiah_cols: Iterable[str] = (), persen_cols: Iterable[str] = (),
                  tanggal_cols: Iterable[str] = (), waktu_cols: Iterable[str] = (),
                  tw_cols: Iterable[str] = (), decimals: int = 1) -> pd.DataFrame:
    """A copy of ``df`` whose listed columns are Indonesian text, ready for ``st.dataframe``."""
    out = df.copy()
    for cols, fmt in ((angka_cols, lambda v: angka(v, decimals)), (rupiah_cols, rupiah),
                      (persen_cols, lambda v: persen(v, decimals)), (tanggal_cols, tanggal),
                      (waktu_cols, tanggal_jam), (tw_cols, triwulan)):
        for col in cols:
            if col in out.columns:
                out[col] = out[col].map(fmt).astype(object)
    return out


def md_text(value: object) -> str:
    """User text (kendala, file names, titles, names…) made inert for anything Streamlit draws
    as Markdown (st.markdown, st.caption, st.info/warning/error/success, labels, help):
    every ASCII punctuation character is backslash-escaped, so no link, image, code span,
    emphasis, heading, list, HTML, LaTeX or colour directive can form; line breaks become
    spaces, so no block can start; bare URLs, e-mail addresses and :icon: codes get an
    invisible word joiner, so they stay text. It reads exactly as typed. Missing -> '–'."""
    if not isinstance(value, str) and is_missing(value):
        return KOSONG
    text = _LINE_BREAKS.sub(" ", str(value)).strip()
    text = _LINK_PARTS.sub(lambda m: m.group(0) + _WORD_JOINER, text)
    return _MD_PUNCT.sub(r"\\\1", text)


# How each expected-to-date method reads in a sentence ("untuk 17 indikator …"); {n}: the TW.
_FRACTIONS = {1: "seperempat", 2: "separuh", 3: "tiga perempat", 4: "seluruh"}
_METHOD_WORDS = {
    "target_tw": "target TW dari rencana aksi OPD",
    "proporsional": "{frac} target tahunan",
    "interpolasi_linier": "kenaikan merata dari kondisi awal menuju target tahunan",
    "interpolasi_linier_baseline_0": "{frac} target tahunan (kondisi awal kosong dianggap 0)",
    "interpolasi_linier_realisasi_lalu": ("kenaikan merata dari realisasi akhir tahun lalu "
                                          "menuju target tahunan"),
    "interpolasi_linier_target_lalu": ("kenaikan merata dari target tahun lalu menuju target "
                                       "tahunan (realisasi akhir tahun lalu belum dilaporkan)"),
    "target_tahunan": "target tahunan itu sendiri (indikator rata-rata)",
}


def expected_sentence(methods: Iterable[object], tw: int) -> str:
    """How the target to date was set, as a sentence a reader need not decode: 'Untuk 17
    indikator target s.d. TW III adalah tiga perempat target tahunan, untuk 16 indikator
    target TW dari rencana aksi OPD, …'. '' when no indicator has a method."""
    counts: dict[str, int] = {}
    for m in methods:
        if isinstance(m, str) and m:
            counts[m] = counts.get(m, 0) + 1
    if not counts:
        return ""
    parts = [f"untuk {n} indikator "
             + _METHOD_WORDS.get(m, m.replace("_", " ")).format(frac=_FRACTIONS.get(tw, ""))
             for m, n in sorted(counts.items(), key=lambda kv: -kv[1])]
    listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + ", dan " + parts[-1]
    return (f"Target s.d. {tw_label(tw)} adalah bagian target tahunan yang diharapkan "
            f"tercapai sampai triwulan ini: {listed}. Capaian adalah realisasi s.d. "
            f"{tw_label(tw)} dibagi target s.d. {tw_label(tw)}.")
