"""What a workbook that is not ours looks like, so the refusal can say what to do.

OPDs send what they already fill: the Permendagri 86/2017 Renja evaluation form (E.81), a
monthly FORM RFK, an LRA or anggaran kas sheet, a village's APBDes. The loader reads none of
them (yet), but "Jenis workbook tidak dikenali" alone leaves the clerk guessing. The first
rows of the first sheets (``peek_here``, in a sandbox worker) are matched against the phrases
each form prints in its title block or headers, declared below as data.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass

PEEK_SHEETS = 12
PEEK_ROWS = 15
PEEK_COLUMNS = 30
TEMPLATE_ADVICE = ("Unduh template laporan triwulan dari halaman Unggah Data (atau "
                   "python -m etl template --opd KODE --tahun TAHUN --tw N), salin angkanya "
                   "ke sana, lalu unggah template itu.")


@dataclass(frozen=True)
class Lookalike:
    """A form we recognise but do not read: its name and the phrases that give it away."""

    name: str
    phrases: tuple[str, ...]         # any one of them, in the sheet names or first rows
    advice: str = TEMPLATE_ADVICE


LOOKALIKES = (
    Lookalike("formulir E.81 Permendagri 86/2017 (Evaluasi Hasil Renja)",
              ("evaluasi hasil terhadap renja", "evaluasi terhadap hasil renja",
               "evaluasi hasil renja", "formulir e 81", "realisasi kinerja pada triwulan")),
    Lookalike("FORM RFK (realisasi fisik dan keuangan bulanan)",
              ("form rfk", "rfk", "realisasi fisik dan keuangan", "laporan kemajuan "
               "pelaksanaan", "kondisi s d tgl", "tppbk rfk")),
    Lookalike("lembar anggaran kas (target dan realisasi per bulan)",
              ("anggaran kas", "menurut anggaran kas")),
    Lookalike("Laporan Realisasi Anggaran (LRA)",
              ("laporan realisasi anggaran", "lra", "barang jasa modal")),
    Lookalike("workbook APBDes / RKP Desa",
              ("apbdes", "rkpdesa", "rkp desa", "rencana kerja pemerintah desa",
               "anggaran pendapatan dan belanja desa", "pendapatan desa")),
    Lookalike("rekap Dana Desa",
              ("alokasi dd", "rekap dana desa", "dana desa")),
    Lookalike("workbook unggahan kegiatan fisik dan keuangan aplikasi lain",
              ("daftar kegiatan fisik", "realisasi keuangan")),
)


def peek_here(data: bytes, limits: tuple[int, int, int],
              progress: Callable[[str], None]) -> list[tuple[str, list[list[str]]]]:
    """In a sandbox worker: the first rows of the first sheets as text (sheets larger than
    ``limits`` are named but not read)."""
    import python_calamine as pc

    max_rows, max_columns, max_cells = limits
    wb = pc.CalamineWorkbook.from_filelike(io.BytesIO(data))
    out = []
    for name in wb.sheet_names[:PEEK_SHEETS]:
        progress(name)
        sheet = wb.get_sheet_by_name(name)
        if sheet.height > max_rows or sheet.width > max_columns or \
                sheet.height * sheet.width > max_cells:
            out.append((name, []))
            continue
        rows = sheet.to_python(nrows=PEEK_ROWS)
        out.append((name, [[str(c) for c in row[:PEEK_COLUMNS] if c not in ("", None)]
                           for row in rows]))
    return out


def _words(text: str) -> str:
    return " " + re.sub(r"[^0-9a-z]+", " ", text.lower()).strip() + " "


def recognise(names: list[str], peek: list[tuple[str, list[list[str]]]]) -> Lookalike | None:
    """The form these sheets look like, or None."""
    text = _words(" | ".join(names) + " | " + " | ".join(
        " ".join(cells) for _, rows in peek for cells in rows))
    for form in LOOKALIKES:
        if any(f" {phrase} " in text for phrase in form.phrases):
            return form
    return None


def message(names: list[str], form: Lookalike | None) -> str:
    """The refusal in words: what the file looks like, its sheets, what to do."""
    shown = ", ".join(f"'{n}'" for n in names[:8]) + (" …" if len(names) > 8 else "")
    if form is None:
        return ("Jenis workbook tidak dikenali: tidak ada sheet 'Realisasi Kinerja' (laporan "
                f"triwulan) maupun 'Program' (masterplan). Sheet yang ada: {shown}. "
                "Gunakan template dari aplikasi.")
    return (f"File ini tampaknya {form.name}, bukan template Monev Smart City (sheet yang ada: "
            f"{shown}). Aplikasi belum membaca formulir ini langsung. {form.advice}")
