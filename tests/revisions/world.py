"""A small revision world on the test masterplan (tests/helpers.py), loaded through the real
loader: reports of 2025 TW I–III, then a revision workbook uploaded 20 Jun 2025 that takes
effect 1 Jul 2025 (the middle of the year).

Masterplan (loaded 10 Jan 2025): GOV-01 (2023–2027; GOV-01.1 jumlah target 2025 = 100,
GOV-01.2 negatif), SOC-01 Desa Digital (2024–2026; SOC-01.1 posisi akhir target 60, TW I 30)
with villages funded in 2025 (Jlodro, desa, Dana Desa) and 2026 (Mondokan, kelurahan, APBD).

Revision (Perbup 45/2025 of 16 Jun 2025, effective 1 Jul 2025):
  * target diubah GOV-01.1 2025: 100 → 80
  * ditunda SOC-01 from 2025 to 2026 (refocusing anggaran)
"""

from __future__ import annotations

from datetime import date, datetime

from etl.revision import revision_workbook
from tests.helpers import (
    MASTERPLAN_ROWS,
    MP_AT,
    REGION,
    Env,
    masterplan_bytes,
    report_bytes,
)

REVISION_AT = datetime(2025, 6, 20, 10, 0)
EFFECTIVE = date(2025, 7, 1)
LEGAL = {"nomor_dasar_hukum": "Perbup Tuban No. 45 Tahun 2025",
         "tanggal_dasar_hukum": date(2025, 6, 16), "berlaku_mulai": EFFECTIVE}
JLODRO, MONDOKAN = "35.23.01.2001", "35.23.16.1003"
VILLAGES = [
    {"kode_program": "SOC-01", "kode_desa": JLODRO, "tahun_pendanaan": 2025,
     "sumber_dana": "Dana Desa"},
    {"kode_program": "SOC-01", "kode_desa": MONDOKAN, "tahun_pendanaan": 2026,
     "sumber_dana": "APBD"},
]
TARGET_CHANGE = {"jenis": "target diubah", "kode_program": "GOV-01",
                 "kode_indikator": "GOV-01.1", "tahun": 2025, "target_baru": 80,
                 "alasan": "Efisiensi anggaran", **LEGAL}
POSTPONE = {"jenis": "ditunda", "kode_program": "SOC-01", "tahun": 2025, "tahun_baru": 2026,
            "alasan": "Refocusing anggaran untuk penanganan banjir", **LEGAL}
REPORTS = {  # (opd, tw): uploaded at, values
    ("KOMINFO", 1): (datetime(2025, 4, 7, 10), {"GOV-01.1": 20, "GOV-01.2": 4}),
    ("DPMD", 1): (datetime(2025, 4, 8, 10), {"SOC-01.1": 22}),
    ("KOMINFO", 2): (datetime(2025, 7, 4, 10), {"GOV-01.1": 20, "GOV-01.2": 4}),
    ("DPMD", 2): (datetime(2025, 7, 5, 10), {"SOC-01.1": 23}),
    ("KOMINFO", 3): (datetime(2025, 10, 6, 10), {"GOV-01.1": 15, "GOV-01.2": 4}),
    ("DPMD", 3): (datetime(2025, 10, 7, 10), {"SOC-01.1": 24}),
}


def revision_bytes(*rows: dict) -> bytes:
    """A revision workbook of the test region with these rows."""
    return revision_workbook(REGION, list(rows))


def build(env: Env, with_revision: bool = True) -> None:
    """Load the masterplan (with villages of 2025 and 2026), the reports and the revision."""
    result = env.load(masterplan_bytes(desa=VILLAGES), "masterplan.xlsx", at=MP_AT,
                      received_on=MP_AT.date())
    assert result.status == "loaded", [i.text() for i in result.issues]
    for (opd, tw), (at, values) in sorted(REPORTS.items(), key=lambda kv: kv[1][0]):
        data = report_bytes(env.con, opd, 2025, tw,
                            {"realisasi": {k: {"realisasi": v} for k, v in values.items()}})
        result = env.load(data, f"{opd}_tw{tw}.xlsx", at=at, received_on=at.date())
        assert result.status == "loaded", [i.text() for i in result.issues]
    if with_revision:
        result = env.load(revision_bytes(TARGET_CHANGE, POSTPONE), "revisi.xlsx",
                          at=REVISION_AT, actor="admin.uji")
        assert result.status == "loaded", [i.text() for i in result.issues]


__all__ = ["MASTERPLAN_ROWS", "build", "revision_bytes"]
