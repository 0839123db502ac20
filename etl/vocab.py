"""Closed vocabularies of the workbooks: canonical values and the aliases people type."""

from __future__ import annotations

import re

from etl.values import vocabulary
from monev.domain.village import ALL_STAGES

POLARITY = {"positif": ("positive", "+", "naik", "semakin tinggi semakin baik"),
            "negatif": ("negative", "-", "turun", "semakin rendah semakin baik")}
ACCUMULATION = {"jumlah": ("kumulatif", "sum", "total", "akumulasi"),
                "posisi_akhir": ("posisi akhir", "nilai akhir", "level", "tingkat"),
                "rata_rata": ("rata rata", "rerata", "average", "rata2")}
HORIZON = {"Quick Win": ("qw", "quickwin"),
           "Jangka Pendek": ("pendek", "jp"),
           "Jangka Menengah": ("menengah", "jm"),
           "Jangka Panjang": ("panjang",)}
SOURCES = {"APBD": ("apbd kabupaten", "apbd kab", "apbd kota"),
           "DAK": ("dana alokasi khusus",),
           "APBN": (),
           "Dana Desa": ("dd", "dds", "dana desa dds"),
           "ADD": ("alokasi dana desa",),
           "CSR/Swasta": ("csr", "swasta"),
           "BUMD": (),
           "Lainnya": ("lain lain", "lain", "hibah"),
           # the fund names of real OPD and village forms (E.81, FORM RFK, APBDes)
           "DAU": ("dana alokasi umum",),
           "DBH": ("dana bagi hasil",),
           "PAD": ("pendapatan asli daerah",),
           "DAK Fisik": ("dak fisik", "dana alokasi khusus fisik"),
           "DAK Non Fisik": ("dak non fisik", "dak nonfisik", "dana alokasi khusus non fisik"),
           "PBH": ("bagi hasil pajak dan retribusi", "pbhpr", "pbh pajak retribusi"),
           "APBDes": ("apbdesa", "apb desa"),
           "BK Provinsi": ("bankeu provinsi", "bantuan keuangan provinsi", "bk prov",
                           "bkk provinsi")}
BASIS = {"tw": ("nilai tw ini", "tw ini", "triwulan ini", "per triwulan", "nilai triwulan"),
         "sdtw": ("kumulatif s.d. tw", "s d tw", "sd tw", "kumulatif", "sampai dengan tw")}
BASIS_LABELS = {"tw": "Nilai TW ini", "sdtw": "Kumulatif s.d. TW"}
STAGE_OPTIONS = {stage: () for stage in ALL_STAGES}

parse_polarity = vocabulary(POLARITY, "isi Positif atau Negatif")
parse_accumulation = vocabulary(ACCUMULATION, "isi Jumlah, Posisi Akhir atau Rata-rata")
parse_horizon = vocabulary(
    HORIZON, "isi Quick Win, Jangka Pendek, Jangka Menengah atau Jangka Panjang")
_parse_one_source = vocabulary(SOURCES, "sumber dana tidak dikenali; pilih dari daftar: "
                               + ", ".join(SOURCES))
_SOURCE_SEPARATORS = re.compile(r"\s*(?:[,;/+&]|\bdan\b)\s*", re.IGNORECASE)


def parse_source(value: object) -> str | None:
    """One funding source, or several in one cell ("ADD, DDS", "DAU + PAD"): each part
    named canonically, the combination kept as one source in the order typed (never split
    into rows by a guess at the shares)."""
    try:
        return _parse_one_source(value)
    except ValueError:
        parts = [p for p in _SOURCE_SEPARATORS.split(str(value).strip()) if p]
        if len(parts) < 2:
            raise
        return ", ".join(dict.fromkeys(_parse_one_source(p) for p in parts))


parse_source.options = tuple(SOURCES)  # type: ignore[attr-defined]
parse_basis = vocabulary(BASIS, "isi Nilai TW ini atau Kumulatif s.d. TW")
parse_stage = vocabulary(STAGE_OPTIONS, "tahap tidak dikenali; pilih dari daftar: "
                         + ", ".join(ALL_STAGES))

ACCUMULATION_LABELS = {"jumlah": "Jumlah", "posisi_akhir": "Posisi Akhir",
                       "rata_rata": "Rata-rata"}
POLARITY_LABELS = {"positif": "Positif", "negatif": "Negatif"}
