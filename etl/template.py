"""Write workbooks in the declared layouts: blank masterplan, pre-filled quarterly report.

The same writer serves the templates users download and the demo workbooks, so the demo goes
through exactly the files a user would upload.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import Path
from typing import IO

import duckdb
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from etl import vocab
from etl.annotate import text_stays_text
from etl.spec import Sheet, sheets
from etl.validate import TW_NAMES
from etl.workbook import META_SHEET
from monev.domain.village import ALL_STAGES
from monev.store import intake, templates

TEMPLATE_VERSION = "1"
HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
LOCKED_FILL = PatternFill("solid", fgColor="E7E6E6")
INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
TITLE_ROWS = 2  # a title line and a blank line above the header, as Pemda forms have

DROPDOWNS: dict[str, tuple[str, ...]] = {
    "source": tuple(vocab.SOURCES), "stage": ALL_STAGES, "bool": ("Ya", "Tidak"),
    "polarity": tuple(vocab.POLARITY_LABELS.values()),
    "accumulation": tuple(vocab.ACCUMULATION_LABELS.values()),
    "horizon": tuple(vocab.HORIZON), "basis": tuple(vocab.BASIS_LABELS.values()),
    "tw": tuple(TW_NAMES.values()),
}

REVISION_GUIDE = [
    "",
    "KOLOM SHEET 'REVISI'",
    "- Jenis: ditunda, dijadwal ulang, target diubah, dibatalkan, atau ditambah.",
    "- Kode Program wajib; Kode Indikator boleh kosong (berarti seluruh program), kecuali "
    "untuk 'target diubah'.",
    "- Tahun: tahun yang direvisi (untuk ditunda/dijadwal ulang: tahun semula). "
    "Tahun Baru: tahun tujuan (ditunda: setelah Tahun, paling lambat tahun selesai program).",
    "- TW: isi bila yang direvisi target triwulan (target diubah, dijadwal ulang, ditambah); "
    "kosong = target tahunan.",
    "- Target Baru: untuk 'target diubah' (wajib) dan 'ditambah' (boleh).",
    "- 'ditambah': program/indikator baru dimasukkan dulu lewat unggah ulang workbook "
    "masterplan; baris revisi ini mencatat dasar hukumnya dan tahun mulai berlakunya.",
    "- Alasan, Nomor dan Tanggal Dasar Hukum (Perbup/Perwali/keputusan Dewan Smart City), "
    "dan Berlaku Mulai (tanggal revisi mulai berlaku, dd/mm/yyyy) wajib diisi.",
    "- Revisi berlaku untuk triwulan yang berakhir pada atau setelah tanggal Berlaku Mulai.",
]

INSTRUCTIONS = {
    "laporan": [
        "PETUNJUK PENGISIAN LAPORAN TRIWULAN MONEV SMART CITY",
        "",
        "1. Isi hanya sel berwarna kuning. Sel abu-abu (kode, nama, satuan, target) dikunci.",
        "2. Sheet 'Realisasi Kinerja': isi kolom Realisasi dengan nilai TRIWULAN INI saja "
        "(bukan kumulatif), kecuali Anda memilih 'Kumulatif s.d. TW' di sheet Info.",
        "   Aplikasi menghitung nilai s.d. triwulan sesuai jenis akumulasi tiap indikator "
        "(Jumlah, Posisi Akhir, Rata-rata).",
        "   Kosongkan bila belum ada data; sel kosong dibaca 'belum melapor', bukan nol.",
        "3. Angka boleh ditulis 1.234,5 atau Rp 1.500.000 atau 75%.",
        "4. Sheet 'Realisasi Anggaran': Pagu dan Realisasi dalam rupiah per sumber dana. "
        "Realisasi juga diisi BELANJA TRIWULAN INI saja, bukan kumulatif seperti di FORM RFK, "
        "kecuali Anda memilih 'Kumulatif s.d. TW' di sheet Info (pilihan itu berlaku untuk "
        "Realisasi Kinerja dan Realisasi Anggaran).",
        "   Realisasi melebihi pagu ditolak kecuali kolom 'Melebihi Pagu Disetujui' diisi Ya.",
        "5. Sheet 'Fisik dan Kendala': realisasi fisik kumulatif s.d. triwulan ini (0–100%), "
        "kendala yang dihadapi, dan tindak lanjut/solusinya.",
        "6. Sheet 'Progres Desa': pilih tahap terakhir yang sudah dicapai tiap desa/kelurahan "
        "dan tanggal tahap itu dicapai (dd/mm/yyyy).",
        "7. Jangan mengganti nama sheet, menghapus kolom, atau menyalin file OPD/triwulan lain.",
        "8. Laporan paling lambat 5 hari kerja setelah triwulan berakhir.",
    ],
    "masterplan": [
        "PETUNJUK PENGISIAN WORKBOOK MASTERPLAN SMART CITY",
        "",
        "1. Sheet 'Info': kode wilayah Kemendagri (mis. 35.23), judul, tahun awal dan akhir.",
        "2. Sheet 'OPD': semua perangkat daerah yang mengampu atau mendukung program.",
        "3. Sheet 'Program': satu baris per program, dengan dimensi Smart City, horizon, OPD "
        "pengampu, dan OPD pendukung (kode dipisah koma).",
        "4. Sheet 'Indikator': indikator tiap program dengan satuan, polaritas "
        "(Positif = makin tinggi makin baik) dan akumulasi (Jumlah, Posisi Akhir, Rata-rata).",
        "5. Sheet 'Target': satu baris per indikator per tahun; Periode 'Tahunan' atau TW I–IV "
        "bila rencana aksi memuat target triwulan.",
        "6. Sheet 'Desa Sasaran': desa/kelurahan tiap program (kode Kemendagri), tahun "
        "pendanaan dan sumber dana.",
        "7. Sheet 'Revisi' (boleh kosong): revisi masterplan yang sudah ditetapkan, diisi "
        "seperti workbook revisi (lihat petunjuk di bawah). Target semula tidak diubah.",
        *REVISION_GUIDE,
    ],
    "revisi": [
        "PETUNJUK PENGISIAN WORKBOOK REVISI MASTERPLAN SMART CITY",
        "",
        "1. Sheet 'Info': kode wilayah Kemendagri (mis. 35.23).",
        "2. Sheet 'Revisi': satu baris per revisi. Target semula di masterplan tidak diubah; "
        "capaian dinilai terhadap target yang berlaku pada tanggal yang dilihat.",
        *REVISION_GUIDE,
    ],
}


def write_workbook(kind: str, target: Path | str | IO[bytes], info: Mapping[str, object],
                   rows: Mapping[str, Iterable[Mapping[str, object]]],
                   meta: Mapping[str, object] | None = None, title: str = "",
                   protect: bool = True) -> None:
    """Write a workbook of ``kind`` with the Info values and table rows (dicts by field)."""
    wb = Workbook()
    wb.remove(wb.active)
    guide = wb.create_sheet("Petunjuk")
    for r, line in enumerate(INSTRUCTIONS[kind], start=1):
        guide.cell(r, 1, line).font = Font(bold=r == 1, size=12 if r == 1 else 11)
    guide.column_dimensions["A"].width = 120
    for spec in sheets(kind):
        ws = wb.create_sheet(spec.title)
        if spec.layout == "kv":
            _write_kv(ws, spec, info)
        else:
            _write_table(ws, spec, list(rows.get(spec.key, ())), title, protect)
            if spec.key in BASIS_SHEETS and info.get("jenis_nilai"):
                ws.cell(2, 1, _basis_note(str(info["jenis_nilai"]))).font = Font(
                    italic=True, color="7F1D1D")
    if meta:
        ms = wb.create_sheet(META_SHEET)
        for r, (k, value) in enumerate({"template_version": TEMPLATE_VERSION, "jenis": kind,
                                        **meta}.items(), start=1):
            ms.cell(r, 1, k)
            ms.cell(r, 2, "" if value is None else str(value))
        ms.sheet_state = "hidden"
        ms.protection.sheet = protect
    wb.save(target)


def _display(col_type: str, value: object) -> object:
    if value is None:
        return None
    if col_type == "tw":
        return TW_NAMES.get(value, value)  # type: ignore[call-overload]
    if col_type == "period":
        return "Tahunan" if value == 0 else TW_NAMES.get(value, value)  # type: ignore
    if col_type == "bool":
        return "Ya" if value else "Tidak"
    if col_type == "polarity":
        return vocab.POLARITY_LABELS.get(str(value), value)
    if col_type == "accumulation":
        return vocab.ACCUMULATION_LABELS.get(str(value), value)
    if col_type == "basis":
        return vocab.BASIS_LABELS.get(str(value), value)
    if col_type == "codelist" and not isinstance(value, str):
        return ", ".join(value)  # type: ignore[arg-type]
    return value


BASIS_SHEETS = ("realisasi", "anggaran")  # whose Realisasi follows 'Jenis Nilai Realisasi'


def _basis_note(basis: str) -> str:
    """The line under a sheet's title saying what its Realisasi column holds."""
    if basis == "sdtw":
        return ("Kolom Realisasi diisi KUMULATIF sejak awal tahun s.d. triwulan ini "
                "('Jenis Nilai Realisasi' di sheet Info).")
    return ("Kolom Realisasi diisi nilai TRIWULAN INI saja, bukan kumulatif ('Jenis Nilai "
            "Realisasi' di sheet Info: ubah ke 'Kumulatif s.d. TW' bila Anda mengisi kumulatif).")


def _write_kv(ws, spec: Sheet, info: Mapping[str, object]) -> None:
    ws.column_dimensions["A"].width = 28
    ws.column_dimensions["B"].width = 60
    for r, col in enumerate(spec.columns, start=1):
        ws.cell(r, 1, col.header).font = Font(bold=True)
        cell = text_stays_text(ws.cell(r, 2, _display(col.type, info.get(col.field))))
        if col.type == "region" or col.field == "kode_opd":
            cell.number_format = "@"
        if col.type in DROPDOWNS:
            dv = DataValidation(type="list", formula1='"' + ",".join(DROPDOWNS[col.type]) + '"',
                                allow_blank=True)
            ws.add_data_validation(dv)
            dv.add(cell)


def _write_table(ws, spec: Sheet, rows: list[Mapping[str, object]], title: str,
                 protect: bool) -> None:
    cols = spec.columns
    header_row = TITLE_ROWS + 1
    ws.cell(1, 1, title or spec.title.upper()).font = Font(bold=True, size=13)
    for c, col in enumerate(cols, start=1):
        cell = ws.cell(header_row, c, col.header)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        ws.column_dimensions[get_column_letter(c)].width = max(12, min(45, len(col.header) + 6))
    for r, row in enumerate(rows, start=header_row + 1):
        for c, col in enumerate(cols, start=1):
            cell = text_stays_text(ws.cell(r, c, _display(col.type, row.get(col.field))))
            if protect:
                cell.protection = Protection(locked=col.locked)
                cell.fill = LOCKED_FILL if col.locked else INPUT_FILL
            if col.type in ("money",):
                cell.number_format = "#,##0"
            elif col.type == "date":
                cell.number_format = "DD/MM/YYYY"
    last = header_row + max(len(rows), 1)
    for c, col in enumerate(cols, start=1):
        if col.type in DROPDOWNS and not col.locked:
            dv = DataValidation(type="list", formula1='"' + ",".join(DROPDOWNS[col.type]) + '"',
                                allow_blank=True, showErrorMessage=True,
                                errorTitle="Isian tidak valid",
                                error="Pilih salah satu nilai dari daftar.")
            ws.add_data_validation(dv)
            letter = get_column_letter(c)
            dv.add(f"{letter}{header_row + 1}:{letter}{last + 200}")
    ws.freeze_panes = ws.cell(header_row + 1, 1)
    if protect and spec.kind == "laporan":
        ws.protection.sheet = True
        ws.protection.formatColumns = False
        ws.protection.formatRows = False


def masterplan_template(target: Path | str | IO[bytes], region: str = "") -> None:
    """A blank masterplan workbook (with the region code when given)."""
    write_workbook("masterplan", target, {"kode_wilayah": region}, {},
                   meta={"kode_wilayah": region}, protect=False)


def laporan_rows(con: duckdb.DuckDBPyConnection, region: str, opd: str, year: int,
                 tw: int) -> tuple[dict[str, object], dict[str, list[dict[str, object]]]]:
    """Info values and pre-filled rows of an OPD's quarterly report from the database."""
    state = intake.masterplan_state(con, region)
    if state is None:
        raise LookupError(f"Masterplan wilayah {region} belum dimuat.")
    if opd not in state.opds:
        raise LookupError(f"OPD {opd} tidak ada di masterplan wilayah {region}.")
    info = {"kode_wilayah": region, "kode_opd": opd, "nama_opd": state.opds[opd],
            "tahun": year, "triwulan": tw, "jenis_nilai": "tw"}
    return info, templates.prefill(con, region, opd, year, tw)


def laporan_template(con: duckdb.DuckDBPyConnection, target: Path | str | IO[bytes],
                     region: str, opd: str, year: int, tw: int) -> None:
    """Write the pre-filled quarterly report workbook of an OPD for one TW."""
    info, rows = laporan_rows(con, region, opd, year, tw)
    write_workbook("laporan", target, info, rows,
                   meta={"kode_wilayah": region, "kode_opd": opd, "tahun": year,
                         "triwulan": tw, "dibuat": date.today().isoformat()},
                   title=f"LAPORAN TRIWULAN SMART CITY — {info['nama_opd']} — "
                         f"{TW_NAMES[tw]} {year}")
