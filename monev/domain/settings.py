"""Configurable rules declared as data: every setting has a name, a default and a help text.

`SETTINGS` is the single source of the defaults; `Rules` holds one value per setting and is
frozen and hashable, so it can key a cache. `rules_from` applies overrides (for example the
JSON values of the `setting` table) on top of the defaults, with type checks.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any


@dataclass(frozen=True)
class Setting:
    """One configurable value: name, default and a help text shown to administrators."""

    name: str
    default: object
    help: str


DEFAULT_DIMENSIONS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("GOV", "Smart Governance", ("Pelayanan publik", "Manajemen birokrasi", "Kebijakan publik")),
    ("BRA", "Smart Branding", ("Branding pariwisata", "Branding bisnis", "Penataan wajah kota")),
    ("ECO", "Smart Economy",
     ("Industri", "Kesejahteraan rakyat", "Ekosistem transaksi keuangan")),
    ("LIV", "Smart Living",
     ("Harmonisasi tata ruang/lingkungan", "Kesehatan", "Transportasi")),
    ("SOC", "Smart Society", ("Komunitas", "Ekosistem belajar", "Keamanan")),
    ("ENV", "Smart Environment",
     ("Proteksi lingkungan", "Pengelolaan sampah dan limbah", "Pengelolaan energi")),
)

SETTINGS: tuple[Setting, ...] = (
    # -- bands (Permendagri 86/2017), lower bound inclusive, on capaian rounded to 2 decimals
    Setting("band_st", 91.0, "Batas bawah pita Sangat Tinggi (ST), capaian ≥ nilai ini (%)."),
    Setting("band_t", 76.0, "Batas bawah pita Tinggi (T), capaian ≥ nilai ini (%)."),
    Setting("band_s", 66.0, "Batas bawah pita Sedang (S), capaian ≥ nilai ini (%)."),
    Setting("band_r", 51.0,
            "Batas bawah pita Rendah (R); di bawahnya Sangat Rendah (SR) (%)."),
    # -- flags
    Setting("tertinggal_below", 76.0,
            "Tanda Tertinggal bila capaian terhadap target s.d. TW di bawah nilai ini (%)."),
    Setting("kritis_below", 51.0,
            "Tanda Kritis bila capaian terhadap target s.d. TW di bawah nilai ini (%)."),
    Setting("imbalance_points", 10.0,
            "Tanda fisik–keuangan tidak seimbang bila selisih realisasi fisik dan realisasi "
            "anggaran lebih dari sekian poin persen."),
    # -- reporting deadline
    Setting("report_due_working_days", 5,
            "Batas waktu laporan triwulan: sekian hari kerja setelah triwulan berakhir "
            "(PP 39/2006; daerah dapat mengatur lain dengan Perbup)."),
    Setting("extra_holidays", (),
            "Hari libur daerah tambahan (format YYYY-MM-DD) selain libur nasional dan cuti "
            "bersama, yang tidak dihitung sebagai hari kerja."),
    # -- village calendar
    Setting("rawan_window_days", 60,
            "Desa/kelurahan Rawan bila sebuah tenggat jatuh dalam sekian hari dan tahap yang "
            "dibutuhkan belum tercapai."),
    Setting("musrenbang_kecamatan_due", (2, 29),
            "Tenggat Musrenbang kecamatan (bulan, tanggal) pada tahun Y−1. Tanggal yang "
            "melewati akhir bulan berarti hari terakhir bulan itu (29 Feb → 28 Feb)."),
    Setting("musrenbang_kabupaten_due", (3, 31),
            "Tenggat Musrenbang kabupaten/kota (bulan, tanggal) pada tahun Y−1."),
    Setting("rkpd_due", (6, 30), "Tenggat penetapan RKPD (bulan, tanggal) pada tahun Y−1."),
    Setting("apbd_due", (11, 30),
            "Tenggat persetujuan bersama APBD dengan DPRD (bulan, tanggal) pada tahun Y−1."),
    Setting("musdes_due", (6, 30),
            "Tenggat Musyawarah Desa perencanaan (bulan, tanggal) pada tahun Y−1."),
    Setting("rkp_desa_due", (9, 30),
            "Tenggat penetapan RKP Desa (bulan, tanggal) pada tahun Y−1; kegiatan yang tidak "
            "masuk RKP Desa bergeser satu tahun (Permendagri 114/2014)."),
    Setting("apbdes_agreed_due", (10, 31),
            "Tenggat kesepakatan rancangan APBDes dengan BPD (bulan, tanggal) pada tahun Y−1."),
    Setting("apbdes_set_due", (12, 31),
            "Tenggat penetapan APBDes (bulan, tanggal) pada tahun Y−1 (Permendagri 20/2018)."),
    # -- masterplan structure
    Setting("horizons",
            (("Quick Win", 1, 1), ("Jangka Pendek", 1, 3), ("Jangka Menengah", 4, 5),
             ("Jangka Panjang", 6, 10)),
            "Horizon program: (nama, tahun awal, tahun akhir) dihitung dari tahun pertama "
            "masterplan (tahun ke-1)."),
    Setting("dimensions", DEFAULT_DIMENSIONS,
            "Dimensi Smart City: (kode, nama, daftar sub-dimensi/elemen)."),
)

_DEFAULTS: dict[str, Any] = {s.name: s.default for s in SETTINGS}


@dataclass(frozen=True)
class Rules:
    """All configurable values, defaults taken from SETTINGS (frozen, hashable)."""

    band_st: float = _DEFAULTS["band_st"]
    band_t: float = _DEFAULTS["band_t"]
    band_s: float = _DEFAULTS["band_s"]
    band_r: float = _DEFAULTS["band_r"]
    tertinggal_below: float = _DEFAULTS["tertinggal_below"]
    kritis_below: float = _DEFAULTS["kritis_below"]
    imbalance_points: float = _DEFAULTS["imbalance_points"]
    report_due_working_days: int = _DEFAULTS["report_due_working_days"]
    extra_holidays: tuple[str, ...] = _DEFAULTS["extra_holidays"]
    rawan_window_days: int = _DEFAULTS["rawan_window_days"]
    musrenbang_kecamatan_due: tuple[int, int] = _DEFAULTS["musrenbang_kecamatan_due"]
    musrenbang_kabupaten_due: tuple[int, int] = _DEFAULTS["musrenbang_kabupaten_due"]
    rkpd_due: tuple[int, int] = _DEFAULTS["rkpd_due"]
    apbd_due: tuple[int, int] = _DEFAULTS["apbd_due"]
    musdes_due: tuple[int, int] = _DEFAULTS["musdes_due"]
    rkp_desa_due: tuple[int, int] = _DEFAULTS["rkp_desa_due"]
    apbdes_agreed_due: tuple[int, int] = _DEFAULTS["apbdes_agreed_due"]
    apbdes_set_due: tuple[int, int] = _DEFAULTS["apbdes_set_due"]
    horizons: tuple[tuple[str, int, int], ...] = _DEFAULTS["horizons"]
    dimensions: tuple[tuple[str, str, tuple[str, ...]], ...] = _DEFAULTS["dimensions"]

    def __post_init__(self) -> None:
        """Reject values that would make the rules contradict themselves."""
        if not self.band_st > self.band_t > self.band_s > self.band_r:
            raise ValueError("Batas pita harus menurun: ST > T > S > R.")
        if self.kritis_below > self.tertinggal_below:
            raise ValueError("Batas Kritis tidak boleh di atas batas Tertinggal.")
        for name in _PERCENTS:
            if not 0 <= getattr(self, name) <= 100:
                raise ValueError("Ambang pita, tanda dan selisih fisik–keuangan harus antara 0 "
                                 "dan 100 (%).")
        if not (0 <= self.report_due_working_days <= MAX_DAYS
                and 0 <= self.rawan_window_days <= MAX_DAYS):
            raise ValueError(f"Jumlah hari harus antara 0 dan {MAX_DAYS}.")
        for text in self.extra_holidays:
            try:
                date.fromisoformat(text)
            except ValueError:
                raise ValueError(f"Hari libur daerah tidak sah: {text!r} (tulis sebagai "
                                 "tanggal, mis. 2026-08-17).") from None
        for name in _MONTH_DAY:
            month, day = getattr(self, name)
            if not (1 <= month <= 12 and 1 <= day <= 31):
                raise ValueError(f"{name}: (bulan, tanggal) tidak sah: {(month, day)!r}")

    def setting(self, name: str) -> object:
        """The current value of the setting called name."""
        if name not in _DEFAULTS:
            raise KeyError(name)
        return getattr(self, name)

    @property
    def dimension_names(self) -> tuple[str, ...]:
        """Dimension names in display order."""
        return tuple(name for _, name, _ in self.dimensions)

    def horizon_years(self, horizon: str) -> tuple[int, int]:
        """(first, last) masterplan year of a program horizon, e.g. Jangka Pendek -> (1, 3)."""
        for name, first, last in self.horizons:
            if name.casefold() == horizon.strip().casefold():
                return first, last
        raise KeyError(horizon)


_PERCENTS = ("band_st", "band_t", "band_s", "band_r", "tertinggal_below", "kritis_below",
             "imbalance_points")
MAX_DAYS = 366      # the report deadline (working days) and the Rawan window (days) at most
_MONTH_DAY = (
    "musrenbang_kecamatan_due", "musrenbang_kabupaten_due", "rkpd_due", "apbd_due",
    "musdes_due", "rkp_desa_due", "apbdes_agreed_due", "apbdes_set_due",
)

DEFAULT = Rules()


def _to_tuple(value: object) -> object:
    """Lists (as they come back from JSON) become tuples, recursively."""
    if isinstance(value, (list, tuple)):
        return tuple(_to_tuple(v) for v in value)
    return value


def coerce(name: str, value: object) -> object:
    """Bring an override to the type of the setting's default, or raise ValueError/TypeError
    (KeyError for an unknown name). Checks the value alone, not the rules it makes."""
    default = _DEFAULTS[name]
    if isinstance(default, int):
        if isinstance(value, str):
            value = value.strip()
        try:
            number = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise ValueError(f"{name}: harus bilangan bulat, bukan {value!r}") from None
        if number != int(number):
            raise ValueError(f"{name}: harus bilangan bulat, bukan {value!r}")
        return int(number)
    if isinstance(default, float):
        if isinstance(value, str):
            value = value.strip().replace(",", ".")
        try:
            return float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise ValueError(f"{name}: harus angka, bukan {value!r}") from None
    if name == "extra_holidays" and isinstance(value, str):
        value = [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]
    if not isinstance(value, (list, tuple)):
        raise TypeError(f"{name}: harus berupa daftar, bukan {value!r}")
    value = _to_tuple(value)
    if name == "extra_holidays":
        return tuple(sorted({str(v) for v in value}))  # type: ignore[union-attr]
    if name in _MONTH_DAY:
        if len(value) != 2:  # type: ignore[arg-type]
            raise ValueError(f"{name}: harus (bulan, tanggal), bukan {value!r}")
        return tuple(int(v) for v in value)  # type: ignore[union-attr]
    return value


def rules_from(overrides: Mapping[str, object] | None = None) -> Rules:
    """Rules with the given overrides applied on the defaults; unknown names raise KeyError."""
    if not overrides:
        return DEFAULT
    unknown = sorted(set(overrides) - set(_DEFAULTS))
    if unknown:
        raise KeyError(f"Pengaturan tidak dikenal: {', '.join(unknown)}")
    values = {name: coerce(name, value) for name, value in overrides.items()}
    return dataclasses.replace(DEFAULT, **values)
