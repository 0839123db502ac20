"""E.81 out: the Renja evaluation form (Permendagri 86/2017) of an OPD, filled from the
database, in the standard layout: title block, three merged header rows, K and Rp per TW up
to the TW asked, realisation and capaian, predikat, faktor / tindak lanjut.

What the E.81 has no column for is written in the Keterangan column with a label the intake
reads back (``etl.e81``): ``Sumber dana: …``, ``Fisik: …%``, ``Kendala: …``, ``Tindak lanjut:
…`` on a program row, ``Catatan: …`` on an indicator row; so loading an exported form back
changes no fact of a report loaded on the 'Nilai TW ini' basis. Village stages are not part of
the E.81: loading an export over a report that has them asks to confirm their removal, as any
correction that drops rows does.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import duckdb
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from etl.validate import TW_NAMES
from monev.domain.bands import band
from monev.store import intake
from monev.store.lineage import ACTIVE_LOAD_IDS

ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}
TW_COLUMN = {1: 15, 2: 17, 3: 19, 4: 21}    # K; Rp is the column after
HEADER_ROW = 10
THIN = Side(style="thin", color="808080")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
GROUPS = (
    (8, 10, "Target RPJMD / Masterplan (akhir periode)"),
    (11, 12, "Realisasi Capaian Kinerja s/d Tahun Lalu"),
    (13, 14, "Target Kinerja dan Anggaran Renja Tahun Berjalan yang Dievaluasi"),
    (15, 22, "Realisasi Kinerja Pada Triwulan"),
    (23, 24, "Realisasi Capaian Kinerja dan Anggaran Renja yang Dievaluasi"),
    (25, 26, "Tingkat Capaian Kinerja dan Realisasi Anggaran Renja (%)"),
)


@dataclass
class _Indicator:
    code: str
    name: str
    unit: str
    accumulation: str
    target: float | None
    final: float | None
    values: dict[int, float] = field(default_factory=dict)
    note: str | None = None


@dataclass
class _Program:
    code: str
    name: str
    indicators: list[_Indicator] = field(default_factory=list)
    # per funding source: the pagu of the TW asked and the spending of each TW
    pagu: dict[str, float] = field(default_factory=dict)
    spent: dict[str, dict[int, float]] = field(default_factory=dict)
    fisik: float | None = None
    kendala: str | None = None
    tindak_lanjut: str | None = None


def write_e81(con: duckdb.DuckDBPyConnection, target: Path | str | IO[bytes], region: str,
              opd: str | None, year: int, tw: int) -> None:
    """Write the filled E.81 of one OPD (every OPD, one sheet each, when ``opd`` is None)
    for ``year`` up to TW ``tw``; LookupError when the region or OPD is not loaded."""
    state = intake.masterplan_state(con, region)
    if state is None:
        raise LookupError(f"Masterplan wilayah {region} belum dimuat.")
    if opd is not None and opd not in state.opds:
        raise LookupError(f"OPD {opd} tidak ada di masterplan wilayah {region}.")
    region_name = intake.region_exists(con, region) or region
    wb = Workbook()
    wb.remove(wb.active)
    for code in [opd] if opd else sorted(state.opds):
        programs = _programs(con, region, code, year, tw)
        if opd is None and not programs:
            continue
        _sheet(wb, code if opd is None else "E.81", region_name, state.opds[code], year, tw,
               programs)
    if not wb.sheetnames:
        raise LookupError(f"Tidak ada program OPD yang berjalan pada tahun {year}.")
    wb.save(target)


def e81_bytes(con: duckdb.DuckDBPyConnection, region: str, opd: str | None, year: int,
              tw: int) -> bytes:
    """The filled E.81 as bytes (for a download)."""
    buf = io.BytesIO()
    write_e81(con, buf, region, opd, year, tw)
    return buf.getvalue()


def _programs(con: duckdb.DuckDBPyConnection, region: str, opd: str, year: int,
              tw: int) -> list[_Program]:
    """The OPD's programs of the year with their indicators and what the active reports
    say up to TW ``tw``."""
    mp = ("(SELECT m.load_id FROM masterplan m WHERE m.region_code = ? "
          f"AND m.load_id IN ({ACTIVE_LOAD_IDS}))")
    programs = {c: _Program(c, n) for c, n in con.execute(
        f"""SELECT program_code, name FROM program WHERE load_id IN {mp}
            AND lead_opd_code = ? AND start_year <= ? AND end_year >= ?
            ORDER BY program_code""", [region, opd, year, year]).fetchall()}
    if not programs:
        return []
    codes = list(programs)
    indicators: dict[str, _Indicator] = {}
    for code, prog, name, unit, acc, target, final in con.execute(
            f"""SELECT i.indicator_code, i.program_code, i.name, i.unit, i.accumulation,
                       (SELECT t.value FROM target t WHERE t.load_id = i.load_id
                          AND t.indicator_code = i.indicator_code AND t.year = ? AND t.tw = 0),
                       (SELECT t.value FROM target t WHERE t.load_id = i.load_id
                          AND t.indicator_code = i.indicator_code AND t.tw = 0
                        ORDER BY t.year DESC LIMIT 1)
                FROM indicator i WHERE i.load_id IN {mp}
                  AND i.program_code IN (SELECT unnest(?))
                ORDER BY i.program_code, i.indicator_code""",
            [year, region, codes]).fetchall():
        indicators[code] = _Indicator(code, name, unit, acc, target, final)
        programs[prog].indicators.append(indicators[code])
    reports = f"""SELECT load_id FROM load WHERE region_code = ? AND opd_code = ?
                  AND year = ? AND tw <= ? AND load_id IN ({ACTIVE_LOAD_IDS})"""
    args = [region, opd, year, tw]
    cumulative: dict[str, dict[int, float]] = {}
    for code, q, value, basis, note in con.execute(
            f"""SELECT indicator_code, tw, value, basis, note FROM realisation
                WHERE load_id IN ({reports}) ORDER BY tw""", args).fetchall():
        if code not in indicators:
            continue
        ind = indicators[code]
        if basis == "sdtw" and ind.accumulation == "jumlah":  # back to this TW's value
            cumulative.setdefault(code, {})[q] = value
            value = value - max((v for t, v in cumulative[code].items() if t < q),
                                default=0.0)
        ind.values[q] = value
        if q == tw:
            ind.note = note
    spent_to_date: dict[tuple[str, str], dict[int, float]] = {}
    for code, q, source, pagu, spent, basis in con.execute(
            f"""SELECT program_code, tw, funding_source, pagu, realisasi, basis FROM budget
                WHERE load_id IN ({reports}) ORDER BY tw""", args).fetchall():
        if code not in programs:
            continue
        prog = programs[code]
        prog.spent.setdefault(source, {})
        if q == tw:
            prog.pagu[source] = pagu
        if spent is not None and basis == "sdtw":  # back to this TW's spending
            sofar = spent_to_date.setdefault((code, source), {})
            sofar[q] = spent
            spent = spent - max((x for t, x in sofar.items() if t < q), default=0.0)
        if spent is not None:
            prog.spent[source][q] = spent
    for code, fisik, kendala, tindak in con.execute(
            f"""SELECT program_code, fisik_pct, kendala, tindak_lanjut FROM program_progress
                WHERE load_id IN ({reports}) AND tw = ?""", [*args, tw]).fetchall():
        if code in programs:
            programs[code].fisik, programs[code].kendala = fisik, kendala
            programs[code].tindak_lanjut = tindak
    return list(programs.values())


def _number(value: float | None) -> float | int | None:
    if value is None:
        return None
    return int(value) if float(value).is_integer() else value


def _thousands(value: float | None) -> float | int | None:
    return None if value is None else _number(round(value / 1000, 6))


def _capaian(real: float | None, target: float | None) -> float | None:
    if real is None or not target:
        return None
    return round(real / target * 100, 2)


def _sheet(wb: Workbook, name: str, region_name: str, opd_name: str, year: int, tw: int,
           programs: list[_Program]) -> None:
    ws = wb.create_sheet(name[:31])
    title = ("Formulir E.81", "Evaluasi Hasil Pelaksanaan Renja Perangkat Daerah",
             region_name, f"Tahun {year}", f"Perangkat Daerah: {opd_name}",
             f"Keadaan s.d. {TW_NAMES[tw]}")
    for r, text in enumerate(title, start=2):
        ws.cell(r, 1, text).font = Font(bold=r < 4)
    top = HEADER_ROW
    _header(ws, top)
    r = top + 4
    kendala: list[str] = []
    tindak: list[str] = []
    for n, prog in enumerate(programs, start=1):
        r = _program_rows(ws, r, n, prog, tw)
        for text, into in ((prog.kendala, kendala), (prog.tindak_lanjut, tindak)):
            if text and text not in into:
                into.append(text)
    r += 1
    for label, texts in (("Faktor pendorong keberhasilan pencapaian kinerja", []),
                         ("Faktor penghambat pencapaian kinerja", kendala),
                         ("Tindak lanjut yang diperlukan dalam triwulan berikutnya", tindak)):
        ws.cell(r, 1, f"{label} : {'; '.join(texts)}")
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=28)
        ws.cell(r, 1).alignment = Alignment(wrap_text=True, vertical="top")
        r += 1
    for c, width in {1: 5, 2: 10, 6: 36, 7: 40, 27: 20, 28: 40}.items():
        ws.column_dimensions[get_column_letter(c)].width = width
    ws.freeze_panes = ws.cell(top + 4, 8)


def _header(ws, top: int) -> None:  # noqa: ANN001 - an openpyxl worksheet
    """The three merged header rows and the numbering row."""
    heads = {1: "No", 2: "Kode",
             6: "Urusan/Bidang Urusan Pemerintahan Daerah dan Program/Kegiatan",
             7: "Indikator Kinerja Program (Outcome)/Kegiatan (Output)",
             27: "Perangkat Daerah Penanggung Jawab", 28: "Keterangan"}
    for c, text in heads.items():
        ws.cell(top, c, text)
        ws.merge_cells(start_row=top, start_column=c, end_row=top + 2,
                       end_column=5 if c == 2 else c)
    for first, last, text in GROUPS:
        ws.cell(top, first, text)
        ws.merge_cells(start_row=top, start_column=first, end_row=top if first == 15 else
                       top + 1, end_column=last)
    for q, c in TW_COLUMN.items():
        ws.cell(top + 1, c, ROMAN[q])
        ws.merge_cells(start_row=top + 1, start_column=c, end_row=top + 1, end_column=c + 1)
    ws.cell(top + 2, 8, "K")
    ws.merge_cells(start_row=top + 2, start_column=8, end_row=top + 2, end_column=9)
    ws.cell(top + 2, 10, "Rp. (000)")
    for c in range(11, 27, 2):
        ws.cell(top + 2, c, "K")
        ws.cell(top + 2, c + 1, "Rp. (000)" if c < 25 else "Rp.")
    numbering = {1: 1, 2: 2, 6: 3, 7: 4, 8: 5, 11: 6, 13: 7, 15: 8, 17: 9, 19: 10, 21: 11,
                 23: "12 = 8+9+10+11", 25: "13 = 12/7*100", 27: 14, 28: 15}
    for c, value in numbering.items():
        ws.cell(top + 3, c, value)
    for row in ws.iter_rows(min_row=top, max_row=top + 3, max_col=28):
        for cell in row:
            cell.border, cell.fill = BOX, HEAD_FILL
            cell.font = Font(bold=True)
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)


def _labels(**parts: object) -> str | None:
    """'Sumber dana: APBD | Fisik: 40% | Kendala: …' from the parts that are set."""
    names = {"sumber": "Sumber dana", "fisik": "Fisik", "kendala": "Kendala",
             "tindak": "Tindak lanjut", "catatan": "Catatan"}
    text = " | ".join(f"{names[k]}: {value}" for k, value in parts.items()
                      if value not in (None, ""))
    return text or None


def _budget_cells(ws, r: int, pagu: float | None, spent: dict[int, float],  # noqa: ANN001
                  tw: int) -> None:
    """A program row's Rp cells: pagu, spending per TW, the total and its capaian."""
    if pagu is not None:
        ws.cell(r, 14, _thousands(pagu))
    for q in range(1, tw + 1):
        if q in spent:
            ws.cell(r, TW_COLUMN[q] + 1, _thousands(spent[q]))
    total = sum(spent.values()) if spent else None
    ws.cell(r, 24, _thousands(total))
    ws.cell(r, 26, _capaian(total, pagu))


def _program_rows(ws, r: int, n: int, prog: _Program, tw: int) -> int:  # noqa: ANN001
    """A program's rows (its first indicator and first funding source on the program row,
    a row more per further source), then the rata-rata and predikat rows; returns the next
    free row."""
    sources = sorted(prog.spent, key=lambda s: s not in prog.pagu)  # the TW's own first
    ws.cell(r, 1, n)
    ws.cell(r, 2, prog.code)
    ws.cell(r, 6, prog.name)
    if sources:
        _budget_cells(ws, r, prog.pagu.get(sources[0]), prog.spent[sources[0]], tw)
    fisik = None if prog.fisik is None else f"{_number(prog.fisik)}%"
    program_note = _labels(sumber=sources[0] if sources else None, fisik=fisik,
                           kendala=prog.kendala, tindak=prog.tindak_lanjut)
    scores = []
    for i, ind in enumerate(prog.indicators or [None]):
        note = program_note if i == 0 else None
        if ind is not None:
            ws.cell(r, 7, ind.name)
            ws.cell(r, 8, _number(ind.final))
            ws.cell(r, 9, ind.unit)
            ws.cell(r, 13, _number(ind.target))
            for q in range(1, tw + 1):
                if q in ind.values:
                    ws.cell(r, TW_COLUMN[q], _number(ind.values[q]))
            real = _realised(ind, tw)
            ws.cell(r, 23, _number(real))
            score = _capaian(real, ind.target)
            ws.cell(r, 25, score)
            if score is not None:
                scores.append(score)
            if ind.note:
                note = " | ".join(x for x in (note, f"Catatan: {ind.note}") if x)
        ws.cell(r, 28, note)
        for c in range(1, 29):
            ws.cell(r, c).border = BOX
        r += 1
    for source in sources[1:]:  # the program again, once per further funding source
        ws.cell(r, 6, prog.name)
        _budget_cells(ws, r, prog.pagu.get(source), prog.spent[source], tw)
        ws.cell(r, 28, _labels(sumber=source))
        for c in range(1, 29):
            ws.cell(r, c).border = BOX
        r += 1
    average = round(sum(scores) / len(scores), 2) if scores else None
    ws.cell(r, 1, "Rata-rata capaian kinerja (%)")
    ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=7)
    ws.cell(r, 25, average)
    ws.cell(r + 1, 1, "Predikat kinerja")
    ws.merge_cells(start_row=r + 1, start_column=1, end_row=r + 1, end_column=7)
    ws.cell(r + 1, 25, band(average).label if average is not None else None)
    return r + 2


def _realised(ind: _Indicator, tw: int) -> float | None:
    """Realisation of the year so far, as the indicator accumulates."""
    values = [ind.values[q] for q in range(1, tw + 1) if q in ind.values]
    if not values:
        return None
    if ind.accumulation == "jumlah":
        return sum(values)
    if ind.accumulation == "rata_rata":
        return round(sum(values) / len(values), 6)
    return values[-1]
