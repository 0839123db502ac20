"""Closed vocabularies of the workbooks: canonical values and the aliases people type."""

from __future__ import annotations

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
           "Dana Desa": ("dd",),
           "ADD": ("alokasi dana desa",),
           "CSR/Swasta": ("csr", "swasta"),
           "BUMD": (),
           "Lainnya": ("lain lain", "lain", "hibah")}
BASIS = {"tw": ("nilai tw ini", "tw ini", "triwulan ini", "per triwulan", "nilai triwulan"),
         "sdtw": ("kumulatif s.d. tw", "s d tw", "sd tw", "kumulatif", "sampai dengan tw")}
BASIS_LABELS = {"tw": "Nilai TW ini", "sdtw": "Kumulatif s.d. TW"}
STAGE_OPTIONS = {stage: () for stage in ALL_STAGES}

parse_polarity = vocabulary(POLARITY, "isi Positif atau Negatif")
parse_accumulation = vocabulary(ACCUMULATION, "isi Jumlah, Posisi Akhir atau Rata-rata")
parse_horizon = vocabulary(
    HORIZON, "isi Quick Win, Jangka Pendek, Jangka Menengah atau Jangka Panjang")
parse_source = vocabulary(SOURCES, "sumber dana tidak dikenali; pilih dari daftar: "
                          + ", ".join(SOURCES))
parse_basis = vocabulary(BASIS, "isi Nilai TW ini atau Kumulatif s.d. TW")
parse_stage = vocabulary(STAGE_OPTIONS, "tahap tidak dikenali; pilih dari daftar: "
                         + ", ".join(ALL_STAGES))

ACCUMULATION_LABELS = {"jumlah": "Jumlah", "posisi_akhir": "Posisi Akhir",
                       "rata_rata": "Rata-rata"}
POLARITY_LABELS = {"positif": "Positif", "negatif": "Negatif"}
