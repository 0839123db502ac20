"""E.81 workbooks as clerks fill them, written with openpyxl for the tests: the layout of the
Permendagri 86/2017 Renja evaluation form (title block, three merged header rows, the code
split over four columns, 'K' merged over the value and the unit, K and 'Rp. (000)' per TW, the
numbering row, rata-rata and predikat rows, faktor / tindak lanjut at the bottom)."""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from openpyxl import Workbook

GROUPS = (  # (first column, last column, title): columns 8.. as in the real form
    (8, 10, "Target RPJMD pada Tahun 2023 s/d 2026 (Periode RPJMD)"),
    (11, 12, "Realisasi Capaian Kinerja RPJMD s/d RKPD Tahun Lalu (n-2)"),
    (13, 14, "Target Kinerja dan Anggaran RKPD Tahun berjalan (tahun n-1) yang dievaluasi"),
    (15, 22, "Realisasi Kinerja Pada Triwulan"),
    (23, 24, "Realisasi Capaian Kinerja dan Anggaran RKPD yang Dievaluasi (tahun n-1)"),
    (25, 26, "Tingkat Capaian Kinerja dan Realisasi Anggaran RKPD Tahun n-1 (%)"),
)
TW_COLUMN = {1: 15, 2: 17, 3: 19, 4: 21}


@dataclass
class Indicator:
    """An indicator row: its text, unit, yearly target and K per TW (as typed)."""

    text: str
    unit: str
    target: float
    k: dict[int, object] = field(default_factory=dict)
    percent: bool = False   # its K cells formatted as a percentage (0.45 shown as 45%)


@dataclass
class Program:
    """A program row (and the rows of its further indicators)."""

    code: tuple[str, ...]
    text: str
    indicators: list[Indicator]
    pagu: float | None = None               # thousands of rupiah
    rp: dict[int, float] = field(default_factory=dict)  # thousands of rupiah per TW
    opd: str = "SEKRETARIAT"
    note: str | None = None                  # Keterangan


def e81_bytes(programs: list[Program], *, region: str = "Kabupaten Tuban", year: int = 2025,
              penghambat: str | None = None, tindak_lanjut: str | None = None,
              pendorong: str | None = "aparatur memahami tugasnya",
              sheet: str = "Sheet-1", opd_line: str | None = None) -> bytes:
    """An E.81 workbook as bytes."""
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    ws["A2"] = "Formulir E.81"
    ws["A3"] = "Evaluasi Hasil terhadap RENJA PD "
    ws["A4"] = region
    ws["A5"] = f"Tahun {year}"
    if opd_line:
        ws["A6"] = opd_line
    ws["A8"] = "Sasaran: Meningkatnya kualitas pelayanan publik"
    top = 10
    ws.cell(top, 1, "No")
    ws.cell(top, 2, "Kode")
    ws.merge_cells(start_row=top, start_column=2, end_row=top + 2, end_column=5)
    ws.cell(top, 6, "Urusan/Bidang Urusan Pemerintahan Daerah dan Program/Kegiatan")
    ws.cell(top, 7, "Indikator Kinerja Program (Outcome)/Kegiatan (Output)")
    for c in (1, 6, 7):
        ws.merge_cells(start_row=top, start_column=c, end_row=top + 2, end_column=c)
    for first, last, title in GROUPS:
        ws.cell(top, first, title)
        ws.merge_cells(start_row=top, start_column=first, end_row=top if first == 15 else
                       top + 1, end_column=last)
    for tw, c in TW_COLUMN.items():
        ws.cell(top + 1, c, ("I", "II", "III", "IV")[tw - 1])
        ws.merge_cells(start_row=top + 1, start_column=c, end_row=top + 1, end_column=c + 1)
    ws.cell(top, 27, "Perangkat Daerah Penanggung Jawab")
    ws.cell(top, 28, "Keterangan")
    for c in (27, 28):
        ws.merge_cells(start_row=top, start_column=c, end_row=top + 2, end_column=c)
    ws.cell(top + 2, 8, "K")
    ws.merge_cells(start_row=top + 2, start_column=8, end_row=top + 2, end_column=9)
    ws.cell(top + 2, 10, "Rp. (000)")
    for c in range(11, 27, 2):
        ws.cell(top + 2, c, "K")
        ws.cell(top + 2, c + 1, "Rp. (000)" if c != 25 else "Rp.")
    numbering = [1, 2, None, None, None, 3, 4, 5, None, None, 6, None, 7, None, 8, None, 9,
                 None, 10, None, 11, None, "12 = 8+9+10+11", None, "13 = 12/7*100", None, 14,
                 15]
    for c, value in enumerate(numbering, start=1):
        if value is not None:
            ws.cell(top + 3, c, value)
    r = top + 4
    ws.cell(r, 1, 2)
    ws.cell(r, 6, "Urusan Pemerintahan Bidang Komunikasi dan Informatika")
    r += 1
    for n, prog in enumerate(programs, start=1):
        ws.cell(r, 1, n)
        for c, part in enumerate(prog.code, start=2):
            ws.cell(r, c, part)
        ws.cell(r, 6, prog.text)
        if prog.pagu is not None:
            ws.cell(r, 14, prog.pagu)
        for tw, rp in prog.rp.items():
            ws.cell(r, TW_COLUMN[tw] + 1, rp)
        ws.cell(r, 27, prog.opd)
        if prog.note:
            ws.cell(r, 28, prog.note)
        for i, ind in enumerate(prog.indicators):
            ws.cell(r, 7, ind.text)
            ws.cell(r, 8, ind.target * 4)
            ws.cell(r, 9, ind.unit)
            ws.cell(r, 13, ind.target)
            for tw, k in ind.k.items():
                ws.cell(r, TW_COLUMN[tw], k)
                if ind.percent:
                    ws.cell(r, TW_COLUMN[tw]).number_format = "0%"
            if i < len(prog.indicators) - 1:
                r += 1
        r += 1
        ws.cell(r, 1, "Rata-rata capaian kinerja (%)")
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=7)
        ws.cell(r, 8, 100)
        ws.cell(r, 15, 25)
        r += 1
        ws.cell(r, 1, "Predikat kinerja")
        ws.cell(r, 25, "Sangat Tinggi")
        r += 1
    r += 1
    for label, text in (("Faktor pendorong keberhasilan pencapaian kinerja", pendorong),
                        ("Faktor penghambat pencapaian kinerja", penghambat),
                        ("Tindak lanjut yang diperlukan dalam triwulan berikutnya*)",
                         tindak_lanjut)):
        ws.cell(r, 1, f"{label} : {text or ''}")
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=28)
        r += 1
    ws.cell(r + 1, 16, "Disusun")
    ws.cell(r + 2, 16, "KEPALA DINAS …")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
