"""FORM RFK workbooks as the Banjarmasin OPDs fill them, written with openpyxl for the tests:
title block (SKPD, KONDISI S/D TGL.), three merged header rows (Nilai DPA | Keuangan: Rencana
and Realisasi, each Rp / % KUM / % TTB, Capaian, Sisa Anggaran | Fisik: Rencana and Realisasi,
each KUM / TTB, Capaian), the numbering row (1, 2, 3, 4, 5, 6a, 6b, …), the body, 'Jumlah' and
the signature block."""

from __future__ import annotations

import io
from dataclasses import dataclass

from openpyxl import Workbook


@dataclass
class Row:
    """A body row: its text and figures (rupiah, fisik % s.d. the reporting date)."""

    text: str
    pagu: float | None = None
    realisasi: float | None = None     # cumulative rupiah (Realisasi Rp)
    fisik: float | None = None         # cumulative % (Realisasi KUM)


def rfk_bytes(rows: list[Row], *, kondisi: object = "31 Maret 2025",
              skpd: str = "Dinas Komunikasi dan Informatika Kabupaten Tuban",
              program: str | None = None, sheet: str = "RFK") -> bytes:
    """A FORM RFK workbook as bytes (with a cover sheet before it, as the real set has)."""
    wb = Workbook()
    cover = wb.active
    cover.title = "SPENGANTAR"
    cover["A1"] = "Surat Pengantar"
    ws = wb.create_sheet(sheet)
    ws["A1"] = "LAPORAN REALISASI FISIK DAN KEUANGAN"
    ws["R2"] = "FORM-RFK"
    r = 3
    lines = [("SKPD", skpd)] + ([("PROGRAM", program)] if program else []) + \
        [("KONDISI S/D TGL.", kondisi)]
    for label, value in lines:
        ws.cell(r, 1, label)
        ws.cell(r, 3, value if not isinstance(value, str) else f": {value}")
        r += 1
    top = r + 1
    ws.cell(top, 1, "NO")
    ws.cell(top, 2, "URAIAN KEGIATAN")
    ws.merge_cells(start_row=top, start_column=1, end_row=top + 2, end_column=1)
    ws.merge_cells(start_row=top, start_column=2, end_row=top + 2, end_column=3)
    ws.cell(top, 4, "NILAI DPA")
    ws.merge_cells(start_row=top, start_column=4, end_row=top, end_column=5)
    ws.cell(top + 1, 4, "Rp")
    ws.cell(top + 1, 5, "%")
    ws.merge_cells(start_row=top + 1, start_column=4, end_row=top + 2, end_column=4)
    ws.merge_cells(start_row=top + 1, start_column=5, end_row=top + 2, end_column=5)
    ws.cell(top, 6, "KEUANGAN")
    ws.merge_cells(start_row=top, start_column=6, end_row=top, end_column=13)
    for first, title in ((6, "RENCANA"), (9, "REALISASI")):
        ws.cell(top + 1, first, title)
        ws.merge_cells(start_row=top + 1, start_column=first, end_row=top + 1,
                       end_column=first + 2)
        for c, marker in enumerate(("Rp", "% KUM", "% TTB"), start=first):
            ws.cell(top + 2, c, marker)
    ws.cell(top + 1, 12, "CAPAIAN (%)")
    ws.cell(top + 1, 13, "SISA ANGGARAN ( Rp )")
    for c in (12, 13):
        ws.merge_cells(start_row=top + 1, start_column=c, end_row=top + 2, end_column=c)
    ws.cell(top, 14, "FISIK ( % )")
    ws.merge_cells(start_row=top, start_column=14, end_row=top, end_column=18)
    for first, title in ((14, "RENCANA"), (16, "REALISASI")):
        ws.cell(top + 1, first, title)
        ws.merge_cells(start_row=top + 1, start_column=first, end_row=top + 1,
                       end_column=first + 1)
        ws.cell(top + 2, first, "KUM")
        ws.cell(top + 2, first + 1, "TTB")
    ws.cell(top + 1, 18, "CAPAIAN %")
    ws.merge_cells(start_row=top + 1, start_column=18, end_row=top + 2, end_column=18)
    numbering = [1, 2, None, 3, 4, 5, "6a", "6b", 7, "8a", "8b", "9a", 10, 11, 12, 13, 14, 15]
    for c, value in enumerate(numbering, start=1):
        if value is not None:
            ws.cell(top + 3, c, value)
    r = top + 4
    total = sum(x.pagu or 0 for x in rows) or 1
    for n, row in enumerate(rows, start=1):
        ws.cell(r, 1, n)
        ws.cell(r, 2, row.text)
        if row.pagu is not None:
            share = row.pagu / total
            ws.cell(r, 4, row.pagu)
            ws.cell(r, 5, share * 100)
            ws.cell(r, 6, row.pagu * 0.4)                   # rencana: never read
            if row.realisasi is not None:
                ws.cell(r, 9, row.realisasi)
                ws.cell(r, 10, row.realisasi / row.pagu * 100)
                ws.cell(r, 11, row.realisasi / row.pagu * share * 100)   # TTB: never read
                ws.cell(r, 13, row.pagu - row.realisasi)
        if row.fisik is not None:
            ws.cell(r, 14, 50)
            ws.cell(r, 16, row.fisik)
            ws.cell(r, 17, row.fisik * 0.25)                # TTB: never read
        r += 1
    ws.cell(r + 1, 1, "Jumlah")
    ws.cell(r + 1, 4, sum(x.pagu or 0 for x in rows))
    ws.cell(r + 3, 2, "Disetujui :")
    ws.cell(r + 3, 14, "Dibuat oleh :")
    ws.cell(r + 4, 2, "Kepala Bidang")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
