"""Test helpers: a tiny masterplan and reports written as real workbooks and loaded."""

from __future__ import annotations

import io
import os
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

import etl.load as loadmod
from etl.archive import Archive
from etl.load import load_bytes
from etl.template import laporan_rows, write_workbook
from monev.store import db

REGION = "35.23"
MP_AT = datetime(2025, 1, 10, 9, 0)

MASTERPLAN_INFO = {"kode_wilayah": REGION, "nama_wilayah": "Kabupaten Tuban",
                   "judul": "Masterplan Smart City Kabupaten Tuban", "tahun_awal": 2023,
                   "tahun_akhir": 2032, "dasar_hukum": "Perbup Tuban (uji)"}
MASTERPLAN_ROWS = {
    "opd": [
        {"kode_opd": "KOMINFO", "nama_opd": "Dinas Komunikasi dan Informatika",
         "singkatan": "Diskominfo"},
        {"kode_opd": "DPMD", "nama_opd": "Dinas Pemberdayaan Masyarakat dan Desa",
         "singkatan": "DPMD"},
    ],
    "program": [
        {"kode_program": "GOV-01", "nama_program": "Satu Data Tuban",
         "dimensi": "Smart Governance", "sub_dimensi": "Kebijakan publik",
         "horizon": "Quick Win", "opd_pengampu": "KOMINFO", "opd_pendukung": ("DPMD",),
         "tahun_mulai": 2023, "tahun_selesai": 2027},
        {"kode_program": "SOC-01", "nama_program": "Desa Digital",
         "dimensi": "Smart Society", "sub_dimensi": "Komunitas",
         "horizon": "Jangka Pendek", "opd_pengampu": "DPMD", "opd_pendukung": ("KOMINFO",),
         "tahun_mulai": 2024, "tahun_selesai": 2026},
    ],
    "indikator": [
        {"kode_indikator": "GOV-01.1", "kode_program": "GOV-01",
         "nama_indikator": "Dataset terbit di portal", "satuan": "dataset",
         "polaritas": "positif", "akumulasi": "jumlah", "kondisi_awal": 10},
        {"kode_indikator": "GOV-01.2", "kode_program": "GOV-01",
         "nama_indikator": "Rata-rata waktu penyelesaian aduan", "satuan": "hari",
         "polaritas": "negatif", "akumulasi": "rata_rata", "kondisi_awal": 7},
        {"kode_indikator": "SOC-01.1", "kode_program": "SOC-01",
         "nama_indikator": "Desa dengan website aktif", "satuan": "%",
         "polaritas": "positif", "akumulasi": "posisi_akhir", "kondisi_awal": 20},
    ],
    "target": [
        {"kode_indikator": "GOV-01.1", "tahun": 2025, "periode": 0, "target": 100},
        {"kode_indikator": "GOV-01.2", "tahun": 2025, "periode": 0, "target": 3},
        {"kode_indikator": "SOC-01.1", "tahun": 2025, "periode": 0, "target": 60},
        {"kode_indikator": "SOC-01.1", "tahun": 2025, "periode": 1, "target": 30},
    ],
    "desa": [
        {"kode_program": "SOC-01", "kode_desa": "35.23.01.2001", "tahun_pendanaan": 2026,
         "sumber_dana": "Dana Desa"},
        {"kode_program": "SOC-01", "kode_desa": "35.23.16.1003", "tahun_pendanaan": 2026,
         "sumber_dana": "APBD"},
    ],
}


def workbook_bytes(kind: str, info: dict, rows: dict, meta: dict | None = None) -> bytes:
    """A workbook written by the product's own writer, as bytes."""
    buf = io.BytesIO()
    write_workbook(kind, buf, info, rows, meta=meta)
    return buf.getvalue()


def masterplan_bytes(**changes) -> bytes:
    """The test masterplan workbook, optionally with some sheets' rows replaced."""
    rows = {**MASTERPLAN_ROWS, **changes}
    return workbook_bytes("masterplan", MASTERPLAN_INFO, rows, meta={"kode_wilayah": REGION})


def report_bytes(con: duckdb.DuckDBPyConnection, opd: str, year: int, tw: int,
                 fill: dict[str, dict[str, dict]] | None = None,
                 info_changes: dict | None = None, meta_changes: dict | None = None,
                 extra: dict[str, list[dict]] | None = None) -> bytes:
    """A pre-filled quarterly report with entries: fill[sheet][key] = {field: value}.

    The key is the indicator code (realisasi) or program code (other sheets; for desa
    'PROGRAM|VILLAGE'). Rows not mentioned stay as the template left them; ``extra`` rows
    are appended as typed.
    """
    info, rows = laporan_rows(con, REGION, opd, year, tw)
    info.update(info_changes or {})
    for sheet, entries in (fill or {}).items():
        for row in rows[sheet]:
            key = row.get("kode_indikator") if sheet == "realisasi" else row["kode_program"]
            if sheet == "desa":
                key = f"{row['kode_program']}|{row['kode_desa']}"
            row.update(entries.get(key, {}))
    for sheet, added in (extra or {}).items():
        rows[sheet] = [*rows[sheet], *added]
    meta = {"kode_wilayah": REGION, "kode_opd": opd, "tahun": year, "triwulan": tw}
    meta.update(meta_changes or {})
    return workbook_bytes("laporan", info, rows, meta=meta)


class Env:
    """A test database with its archive, and a helper to load bytes into it."""

    def __init__(self, path: Path):
        self.path = path
        db.ensure_database(path)
        self.archive = Archive(db.archive_root(path))
        self.con = duckdb.connect(str(path))

    def load(self, data: bytes, name: str = "file.xlsx", **kw):
        """Load bytes through the real loader."""
        kw.setdefault("actor", "penguji")
        kw.setdefault("archive", self.archive)
        return load_bytes(self.con, data, name, **kw)

    def snapshot(self) -> dict[str, list]:
        """Every row of every table except the reference ones, for before/after checks."""
        tables = [r[0] for r in self.con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' "
            "AND table_name NOT LIKE 'ref_%' ORDER BY 1").fetchall()]
        return {t: sorted(map(repr, self.con.execute(f"SELECT * FROM {t}").fetchall()))
                for t in tables}

    def close(self) -> None:
        """Close the connection."""
        self.con.close()


RECEIVED = date(2025, 4, 7)


def syncs_and_commits(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Spy on durability: a list that gets "fsync" for every os.fsync (the archive's files,
    folders and journal) and "commit" just before each load transaction commits."""
    order: list[str] = []
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        order.append("fsync")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(loadmod, "_fault_pause", lambda: order.append("commit"))
    return order
