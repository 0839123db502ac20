"""The rule settings in words: their Indonesian names, their values as text, and what differs
from the defaults (for the Pengaturan page, the pages' notes and the evaluation report)."""

from __future__ import annotations

import re
from datetime import date

from monev.domain.settings import DEFAULT, Rules
from monev.domain.text import BULAN, format_angka, format_tanggal

LABELS: dict[str, str] = {
    "band_st": "Sangat Tinggi (ST) mulai (%)", "band_t": "Tinggi (T) mulai (%)",
    "band_s": "Sedang (S) mulai (%)", "band_r": "Rendah (R) mulai (%)",
    "tertinggal_below": "Tertinggal bila capaian di bawah (%)",
    "kritis_below": "Kritis bila capaian di bawah (%)",
    "imbalance_points": "Fisik–keuangan tidak seimbang bila selisih lebih dari (poin %)",
    "report_due_working_days": "Batas laporan (hari kerja setelah triwulan berakhir)",
    "extra_holidays": "Hari libur daerah tambahan",
    "rawan_window_days": "Desa/Kelurahan rawan bila tenggat dalam (hari)",
    "musrenbang_kecamatan_due": "Musrenbang kecamatan",
    "musrenbang_kabupaten_due": "Musrenbang kabupaten/kota",
    "rkpd_due": "Penetapan RKPD", "apbd_due": "Persetujuan bersama APBD",
    "musdes_due": "Musyawarah Desa perencanaan", "rkp_desa_due": "Penetapan RKP Desa",
    "apbdes_agreed_due": "Kesepakatan APBDes dengan BPD", "apbdes_set_due": "Penetapan APBDes",
}
INHERITED = "(nilai nasional/bawaan)"
_UNIT = re.compile(r" \([^()]*\)$")   # the unit in a label: ' (%)', ' (hari)'


def value_text(name: str, value: object) -> str:
    """A setting's value in words: '91%', '5 hari kerja', '30 Juni', '17 Agustus 2026'."""
    if value is None:
        return "–"
    if name == "extra_holidays":
        return ", ".join(format_tanggal(date.fromisoformat(d))
                         for d in value) or "tidak ada"  # type: ignore[union-attr]
    if isinstance(value, tuple):
        month, day = value
        return f"{day} {BULAN[month - 1]}"
    if name == "imbalance_points":
        return f"{format_angka(float(value), 1, trim=True)} poin"  # type: ignore[arg-type]
    if name == "report_due_working_days":
        return f"{value} hari kerja"
    if name == "rawan_window_days":
        return f"{value} hari"
    return f"{format_angka(float(value), 1, trim=True)}%"  # type: ignore[arg-type]


def stored_text(name: str, value: object) -> str:
    """A stored value as JSON gives it back (None: nothing stored, so the national value or the
    default applies)."""
    if value is None:
        return INHERITED
    return value_text(name, tuple(value) if isinstance(value, list) else value)


def differences(rules: Rules) -> str:
    """The settings of ``rules`` that differ from the defaults, in one line ('' when none):
    'Sangat Tinggi (ST) mulai 95% (bawaan 91%); Batas laporan 10 hari kerja (bawaan 5 hari
    kerja)'."""
    return "; ".join(
        f"{_UNIT.sub('', label)} {value_text(name, rules.setting(name))} "
        f"(bawaan {value_text(name, DEFAULT.setting(name))})"
        for name, label in LABELS.items() if rules.setting(name) != DEFAULT.setting(name))
