"""A small Kabupaten Tuban world built through the real writer and loader, with a timeline.

Masterplan 2023–2032 (loaded 10 Jan 2025), year 2025:
  GOV-01 Satu Data (Smart Governance, lead KOMINFO, support DPMD + BAPPEDA), 2023–2027
    GOV-01.1 Dataset terbit   positif jumlah        baseline 10, target 100
    GOV-01.2 Waktu aduan      negatif rata_rata     baseline 7,  target 3 (hari)
  SOC-01 Desa Digital (Smart Society, lead DPMD, support KOMINFO), 2024–2026
    SOC-01.1 Desa web aktif   positif posisi_akhir  baseline 20, target 60, TW I 30, TW II 40
    SOC-01.2 Warga terlatih   positif jumlah        target 400
    villages: 35.23.01.2001 Jlodro (desa, Dana Desa, 2026), 35.23.16.1003 Mondokan
              (kelurahan, APBD, 2026), 35.23.01.2002 Sokogunung (desa, Dana Desa, 2025)
  LIV-01 Telemedicine (Smart Living, lead DINKES), 2025–2027
    LIV-01.1 Puskesmas telemedicine positif jumlah target 12
  ENV-01 Bank Sampah Digital (Smart Environment, lead DLH), 2027–2030 (not running in 2025)

Reports of 2025 (uploaded at = received on, 10:00):
  #2 KOMINFO TW I   08 Apr: GOV-01.1 15, GOV-01.2 4; APBD 1 M / 200 jt; fisik 30
  #3 DPMD    TW I   10 Apr: SOC-01.1 28, SOC-01.2 80; APBD 400 jt / 100 jt; fisik 20;
                            Mondokan Usulan Musrenbang 20 Feb; Sokogunung Pelaksanaan 10 Mar
  #4 DINKES  TW I   22 Apr: LIV-01.1 2 (late: due 14 Apr)
  #5 KOMINFO TW I   02 May: correction, GOV-01.1 20 (supersedes #2)
  #6 KOMINFO TW II  04 Jul: GOV-01.1 25, GOV-01.2 5; APBD 1 M / 300 jt; fisik 75
  #7 DPMD    TW II  15 Jul: declared "s.d. TW": SOC-01.1 28, SOC-01.2 210; APBD 400 jt /
                            180 jt, DAK 100 jt / 60 jt; fisik 50; Sokogunung Beroperasi 1 Jun
  DINKES TW II: never sent.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from etl.archive import Archive
from etl.load import LoadResult, load_bytes
from etl.template import laporan_rows, write_workbook
from monev.store import db

REGION = "35.23"
MP_AT = datetime(2025, 1, 10, 9, 0)

DESA = "35.23.01.2001"        # Jlodro, desa
KELURAHAN = "35.23.16.1003"   # Mondokan, kelurahan
DESA_OPERATING = "35.23.01.2002"  # Sokogunung, desa

MASTERPLAN_INFO = {"kode_wilayah": REGION, "nama_wilayah": "Kabupaten Tuban",
                   "judul": "Masterplan Smart City Kabupaten Tuban 2023–2032",
                   "tahun_awal": 2023, "tahun_akhir": 2032, "dasar_hukum": "Perbup (uji)"}


def _opd(code: str, name: str) -> dict:
    return {"kode_opd": code, "nama_opd": name, "singkatan": code.title()}


def _program(code: str, name: str, dim: str, sub: str, horizon: str, lead: str,
             support: tuple[str, ...], start: int, end: int) -> dict:
    return {"kode_program": code, "nama_program": name, "dimensi": dim, "sub_dimensi": sub,
            "horizon": horizon, "opd_pengampu": lead, "opd_pendukung": support or None,
            "tahun_mulai": start, "tahun_selesai": end}


def _indicator(code: str, prog: str, name: str, unit: str, pol: str, acc: str,
               base: float | None) -> dict:
    return {"kode_indikator": code, "kode_program": prog, "nama_indikator": name,
            "satuan": unit, "polaritas": pol, "akumulasi": acc, "kondisi_awal": base}


MASTERPLAN_ROWS = {
    "opd": [_opd("KOMINFO", "Dinas Komunikasi dan Informatika"),
            _opd("DPMD", "Dinas Pemberdayaan Masyarakat dan Desa"),
            _opd("DINKES", "Dinas Kesehatan"),
            _opd("BAPPEDA", "Badan Perencanaan Pembangunan Daerah"),
            _opd("DLH", "Dinas Lingkungan Hidup")],
    "program": [
        _program("GOV-01", "Satu Data Tuban", "Smart Governance", "Kebijakan publik",
                 "Quick Win", "KOMINFO", ("DPMD", "BAPPEDA"), 2023, 2027),
        _program("SOC-01", "Desa Digital", "Smart Society", "Komunitas", "Jangka Pendek",
                 "DPMD", ("KOMINFO",), 2024, 2026),
        _program("LIV-01", "Telemedicine Puskesmas", "Smart Living", "Kesehatan",
                 "Jangka Menengah", "DINKES", (), 2025, 2027),
        _program("ENV-01", "Bank Sampah Digital", "Smart Environment",
                 "Pengelolaan sampah dan limbah", "Jangka Panjang", "DLH", (), 2027, 2030),
    ],
    "indikator": [
        _indicator("GOV-01.1", "GOV-01", "Dataset terbit di portal", "dataset", "positif",
                   "jumlah", 10),
        _indicator("GOV-01.2", "GOV-01", "Rata-rata waktu penyelesaian aduan", "hari",
                   "negatif", "rata_rata", 7),
        _indicator("SOC-01.1", "SOC-01", "Desa dengan website aktif", "%", "positif",
                   "posisi_akhir", 20),
        _indicator("SOC-01.2", "SOC-01", "Warga desa terlatih literasi digital", "orang",
                   "positif", "jumlah", None),
        _indicator("LIV-01.1", "LIV-01", "Puskesmas dengan layanan telemedicine", "puskesmas",
                   "positif", "jumlah", 0),
        _indicator("ENV-01.1", "ENV-01", "Bank sampah terdigitalisasi", "unit", "positif",
                   "jumlah", 0),
    ],
    "target": [
        {"kode_indikator": "GOV-01.1", "tahun": 2025, "periode": 0, "target": 100},
        {"kode_indikator": "GOV-01.2", "tahun": 2025, "periode": 0, "target": 3},
        {"kode_indikator": "SOC-01.1", "tahun": 2025, "periode": 0, "target": 60},
        {"kode_indikator": "SOC-01.1", "tahun": 2025, "periode": 1, "target": 30},
        {"kode_indikator": "SOC-01.1", "tahun": 2025, "periode": 2, "target": 40},
        {"kode_indikator": "SOC-01.2", "tahun": 2025, "periode": 0, "target": 400},
        {"kode_indikator": "LIV-01.1", "tahun": 2025, "periode": 0, "target": 12},
        {"kode_indikator": "ENV-01.1", "tahun": 2027, "periode": 0, "target": 10},
    ],
    "desa": [
        {"kode_program": "SOC-01", "kode_desa": DESA, "tahun_pendanaan": 2026,
         "sumber_dana": "Dana Desa"},
        {"kode_program": "SOC-01", "kode_desa": KELURAHAN, "tahun_pendanaan": 2026,
         "sumber_dana": "APBD"},
        {"kode_program": "SOC-01", "kode_desa": DESA_OPERATING, "tahun_pendanaan": 2025,
         "sumber_dana": "Dana Desa"},
    ],
}


def workbook_bytes(kind: str, info: dict, rows: dict, meta: dict | None = None) -> bytes:
    """A workbook written by the product's own writer, as bytes."""
    buf = io.BytesIO()
    write_workbook(kind, buf, info, rows, meta=meta)
    return buf.getvalue()


@dataclass
class World:
    """A test database with helpers to write and load reports through the real loader."""

    path: Path
    con: duckdb.DuckDBPyConnection = field(init=False)
    results: list[LoadResult] = field(default_factory=list)

    def __post_init__(self) -> None:
        db.ensure_database(self.path)
        self.archive = Archive(db.archive_root(self.path))
        self.con = duckdb.connect(str(self.path))

    def load(self, data: bytes, name: str, at: datetime,
             received_on: date | None = None) -> LoadResult:
        """Load bytes at a moment (uploaded_at = activation time) and check it was accepted."""
        result = load_bytes(self.con, data, name, actor="penguji", archive=self.archive, at=at,
                            received_on=received_on or at.date())
        assert result.status == "loaded", [i.text() for i in result.issues]
        self.results.append(result)
        return result

    def masterplan(self, rows: dict | None = None, at: datetime = MP_AT) -> LoadResult:
        """Load the masterplan workbook."""
        data = workbook_bytes("masterplan", MASTERPLAN_INFO, rows or MASTERPLAN_ROWS,
                              meta={"kode_wilayah": REGION})
        return self.load(data, "masterplan_tuban.xlsx", at)

    def report(self, opd: str, year: int, tw: int, at: datetime, *,
               realisasi: dict[str, float] | None = None,
               anggaran: list[tuple[str, str, float, float | None]] | None = None,
               fisik: dict[str, tuple[float | None, str | None, str | None]] | None = None,
               desa: dict[tuple[str, str], tuple[str, date]] | None = None,
               basis: str = "tw", name: str | None = None) -> LoadResult:
        """Write an OPD's pre-filled quarterly report with these entries and load it.

        anggaran rows: (program, source, pagu, realisasi); fisik: program -> (fisik %, kendala,
        tindak lanjut); desa: (program, village) -> (stage, date).
        """
        info, rows = laporan_rows(self.con, REGION, opd, year, tw)
        info["jenis_nilai"] = basis
        for row in rows["realisasi"]:
            value = (realisasi or {}).get(row["kode_indikator"])
            if value is not None:
                row["realisasi"] = value
        names = {r["kode_program"]: r["nama_program"] for r in rows["fisik"]}
        rows["anggaran"] = [{"kode_program": p, "nama_program": names.get(p), "sumber_dana": s,
                             "pagu": pagu, "realisasi_rp": real}
                            for p, s, pagu, real in (anggaran or [])]
        for row in rows["fisik"]:
            entry = (fisik or {}).get(row["kode_program"])
            if entry:
                row["fisik"], row["kendala"], row["tindak_lanjut"] = entry
        for row in rows["desa"]:
            entry = (desa or {}).get((row["kode_program"], row["kode_desa"]))
            if entry:
                row["tahap"], row["tanggal_tahap"] = entry
        data = workbook_bytes("laporan", info, rows, meta={
            "kode_wilayah": REGION, "kode_opd": opd, "tahun": year, "triwulan": tw})
        return self.load(data, name or f"laporan_{opd}_{year}_TW{tw}.xlsx", at)

    def close(self) -> None:
        """Close the connection."""
        self.con.close()


T_KOMINFO_1 = datetime(2025, 4, 8, 10, 0)
T_DPMD_1 = datetime(2025, 4, 10, 10, 0)
T_DINKES_1 = datetime(2025, 4, 22, 10, 0)
T_KOMINFO_1_FIX = datetime(2025, 5, 2, 10, 0)
T_KOMINFO_2 = datetime(2025, 7, 4, 10, 0)
T_DPMD_2 = datetime(2025, 7, 15, 10, 0)


def build_world(path: Path) -> World:
    """The full timeline described in the module docstring."""
    w = World(path)
    w.masterplan()
    w.report("KOMINFO", 2025, 1, T_KOMINFO_1,
             realisasi={"GOV-01.1": 15, "GOV-01.2": 4},
             anggaran=[("GOV-01", "APBD", 1_000_000_000, 200_000_000)],
             fisik={"GOV-01": (30, "Server data center lambat", "Pengadaan server baru")})
    w.report("DPMD", 2025, 1, T_DPMD_1,
             realisasi={"SOC-01.1": 28, "SOC-01.2": 80},
             anggaran=[("SOC-01", "APBD", 400_000_000, 100_000_000)],
             fisik={"SOC-01": (20, None, None)},
             desa={("SOC-01", KELURAHAN): ("Usulan Musrenbang", date(2025, 2, 20)),
                   ("SOC-01", DESA_OPERATING): ("Pelaksanaan", date(2025, 3, 10))})
    w.report("DINKES", 2025, 1, T_DINKES_1, realisasi={"LIV-01.1": 2})
    w.report("KOMINFO", 2025, 1, T_KOMINFO_1_FIX,
             realisasi={"GOV-01.1": 20, "GOV-01.2": 4},
             anggaran=[("GOV-01", "APBD", 1_000_000_000, 200_000_000)],
             fisik={"GOV-01": (30, "Server data center lambat", "Pengadaan server baru")},
             name="laporan_KOMINFO_2025_TW1_perbaikan.xlsx")
    w.report("KOMINFO", 2025, 2, T_KOMINFO_2,
             realisasi={"GOV-01.1": 25, "GOV-01.2": 5},
             anggaran=[("GOV-01", "APBD", 1_000_000_000, 300_000_000)],
             fisik={"GOV-01": (75, "Integrasi data antar-OPD lambat",
                               "Rapat koordinasi walidata bulanan")})
    w.report("DPMD", 2025, 2, T_DPMD_2, basis="sdtw",
             realisasi={"SOC-01.1": 28, "SOC-01.2": 210},
             anggaran=[("SOC-01", "APBD", 400_000_000, 180_000_000),
                       ("SOC-01", "DAK", 100_000_000, 60_000_000)],
             fisik={"SOC-01": (50, "Sinyal internet lemah di desa",
                               "Koordinasi dengan penyedia jaringan")},
             desa={("SOC-01", DESA_OPERATING): ("Beroperasi", date(2025, 6, 1))})
    return w


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """The timeline world, built once per test module."""
    w = build_world(tmp_path_factory.mktemp("engine") / "monev.duckdb")
    yield w
    w.close()
