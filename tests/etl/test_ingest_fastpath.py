"""The reader converts whole columns at once (numbers stored as numbers and clean text pass
straight through); what it returns must be exactly what parsing every cell on its own gives:
the same values, the same rows kept and the same issues, for clean and messy columns alike."""

from __future__ import annotations

import io

import pytest
import python_calamine as pc
import xlsxwriter

from etl.spec import sheet
from etl.workbook import PARSERS, ParsedWorkbook, read_workbook
from tests.helpers import MP_AT

N_INDICATORS = 200
YEARS = range(2023, 2033)
NUMBER_TEXTS = {3: ("20,5", 20.5), 4: ("Rp 1.500.000", 1_500_000.0), 5: ("1.234", 1234.0),
                6: ("  12  ", 12.0), 7: ("75 %", 75.0), 8: ("(5)", -5.0)}
BLANK_AFTER = (10, 50)  # an empty row follows these indicators in the Indikator sheet


def _code(i: int) -> str:
    return f"IND-{i:04d}"


def _grids(bad: bool = False, code: str | None = None, name: str | None = None) -> dict:
    """A masterplan as cell grids: a title, a blank row, the header, a numbering row, then
    data; numbers partly typed as text, blank and total rows. ``bad`` adds an invalid
    number in a big column and a duplicate target. ``code``/``name`` replace one cell of
    the big code/text columns, which are otherwise clean (no numbering or blank rows)."""
    plain = code is not None or name is not None
    info = [["Kode Wilayah", "35.23"], ["Judul Masterplan", "Masterplan uji"],
            ["Tahun Awal", 2023], ["Tahun Akhir", 2032]]
    opd = [["OPD"], [], ["Kode OPD", "Nama OPD", "Singkatan"], [1, 2, 3],
           ["KOMINFO", "Dinas  Komunikasi dan Informatika", "Diskominfo"],
           ["DPMD", "Dinas PMD", ""], ["", "", "Jumlah"]]
    program = [["PROGRAM"], [], ["Kode Program", "Nama Program", "Dimensi", "Horizon",
                                 "OPD Pengampu", "Tahun Mulai", "Tahun Selesai"],
               ["GOV-01", "Satu Data", "Smart Governance", "Quick Win", "kominfo", 2023, 2027],
               ["SOC-01", "Desa Digital", "Smart Society", "Jangka Pendek", "DPMD", "2024",
                2026]]
    indicator = [["INDIKATOR"], [], ["Kode Indikator", "Kode Program", "Nama Indikator",
                                     "Satuan", "Polaritas", "Akumulasi", "Kondisi Awal"],
                 *([] if plain else [[1, 2, 3, 4, 5, 6, 7]])]
    for i in range(N_INDICATORS):
        baseline = NUMBER_TEXTS[i][0] if i in NUMBER_TEXTS else float(i)
        indicator.append([_code(i), ("GOV-01", "SOC-01")[i % 2], f"Indikator {i}", "unit",
                          "Positif", "Jumlah", "abc" if bad and i == 9 else baseline])
        if i == 17 and name is not None:
            indicator[-1][2] = name
        if i in BLANK_AFTER and not plain:
            indicator.append([])
    target = [["TARGET"], [], ["Kode Indikator", "Tahun", "Periode", "Target"],
              *([] if plain else [[1, 2, 3, 4]])]
    for i in range(N_INDICATORS):
        target += [[_code(i), float(y), "Tahunan", float(100 + i)] for y in YEARS]
    target[100][3] = "1.234,5"
    if code is not None:
        target[3 + 496][0] = code
    if bad:
        target[700][3] = "12a"
        target.append(list(target[40]))
    desa = [["DESA"], [], ["Kode Program", "Kode Desa/Kelurahan", "Tahun Pendanaan",
                           "Sumber Dana"], ["SOC-01", "35.23.01.2001", 2026, "Dana Desa"]]
    meta = [["template_version", "1"], ["jenis", "masterplan"], ["kode_wilayah", "35.23"]]
    return {"Info": info, "OPD": opd, "Program": program, "Indikator": indicator,
            "Target": target, "Desa Sasaran": desa, "_meta": meta}


def _xlsx(grids: dict) -> bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    for title, grid in grids.items():
        ws = wb.add_worksheet(title)
        for r, row in enumerate(grid):
            for c, value in enumerate(row):
                if isinstance(value, str) and value:
                    ws.write_string(r, c, value)
                elif isinstance(value, (int, float)):
                    ws.write_number(r, c, value)
    wb.close()
    return buf.getvalue()


def _cell_by_cell(data: bytes, book: ParsedWorkbook) -> tuple[dict, list]:
    """Every kept cell parsed on its own: values per (table, field) and the format issues."""
    wb = pc.CalamineWorkbook.from_filelike(io.BytesIO(data))
    values, issues = {}, []
    for key, table in book.tables.items():
        grid = wb.get_sheet_by_name(table.name).to_python(skip_empty_area=False)
        header = [str(c).strip() for c in grid[table.header_row - 1]]
        for f, text in table.headers.items():
            c, parse = header.index(text), PARSERS[table.sheet.column(f).type]
            out = []
            for row in table.rows:
                cell = grid[row - 1][c]
                try:
                    out.append(parse(cell))
                except ValueError as exc:
                    out.append(None)
                    issues.append((table.name, row, text, "format", str(cell),
                                   f"Nilai '{cell}' tidak valid: {exc}."))
            values[key, f] = out
    return values, issues


def _typed(values: list) -> list[tuple[str, object]]:
    return [(type(x).__name__, x) for x in values]


def _assert_same_as_cell_by_cell(data: bytes) -> ParsedWorkbook:
    book = read_workbook(data, "uji.xlsx")
    expected, issues = _cell_by_cell(data, book)
    for (key, f), out in expected.items():
        assert _typed(book.tables[key].columns[f]) == _typed(out), (key, f)
    assert sorted((i.sheet, i.row, i.column, i.check, i.value, i.message)
                  for i in book.issues if i.check == "format") == sorted(issues)
    return book


def test_rows_kept_and_values_of_a_messy_but_valid_masterplan() -> None:
    book = _assert_same_as_cell_by_cell(_xlsx(_grids()))
    assert book.issues == []
    opd, ind, tgt = book.tables["opd"], book.tables["indikator"], book.tables["target"]
    # numbering rows (4th row) and the total row of the OPD sheet are not data
    assert opd.rows == [5, 6] and opd.columns["kode_opd"] == ["KOMINFO", "DPMD"]
    assert opd.columns["nama_opd"][0] == "Dinas Komunikasi dan Informatika"
    assert book.tables["program"].columns["opd_pengampu"] == ["KOMINFO", "DPMD"]
    assert book.tables["program"].columns["tahun_mulai"] == [2023, 2024]
    # blank rows are skipped, row numbers are the sheet's own
    assert len(ind) == N_INDICATORS and ind.rows[:12] == [*range(5, 16), 17]
    assert ind.rows[-1] == 4 + N_INDICATORS + len(BLANK_AFTER)
    baseline = ind.columns["kondisi_awal"]
    assert {i: baseline[i] for i in NUMBER_TEXTS} == {i: v for i, (_, v) in NUMBER_TEXTS.items()}
    assert _typed(baseline[:3]) == [("float", 0.0), ("float", 1.0), ("float", 2.0)]
    assert ind.get("bobot") == [None] * N_INDICATORS  # an optional column left out
    assert len(tgt) == N_INDICATORS * len(YEARS) and tgt.rows[0] == 5
    assert _typed(tgt.columns["tahun"][:2]) == [("int", 2023), ("int", 2024)]
    assert set(tgt.columns["periode"]) == {0}
    assert tgt.columns["target"][96] == 1234.5 and tgt.columns["target"][97] == 109.0


@pytest.mark.parametrize("code", [" IND-0049 ", "ind-0049", "IND 0049", "IND\u00a00049",
                                  "IND\t0049", "IND-0049\u200b", "Ind-ß", "-", "", "IND|0049 "])
def test_one_unclean_code_in_a_big_clean_column(code: str) -> None:
    book = _assert_same_as_cell_by_cell(_xlsx(_grids(code=code)))
    assert book.tables["target"].columns["kode_indikator"][496] == PARSERS["code"](code)


@pytest.mark.parametrize("name", ["Indikator  ganda", " Indikator", "Indikator ", "a| b",
                                  "a |b", "Tab\tdi tengah", "nbsp\u00a0di tengah", "-", "",
                                  "baris\u2028baru", "Ünïcode ß"])
def test_one_unclean_text_in_a_big_clean_column(name: str) -> None:
    book = _assert_same_as_cell_by_cell(_xlsx(_grids(name=name)))
    assert book.tables["indikator"].columns["nama_indikator"][17] == PARSERS["text"](name)


def test_messy_masterplan_is_refused_with_exactly_these_issues(env) -> None:
    data = _xlsx(_grids(bad=True))
    _assert_same_as_cell_by_cell(data)
    result = env.load(data, "uji.xlsx", at=MP_AT, received_on=MP_AT.date())
    assert result.status == "rejected"
    number = "harus berupa angka, misalnya 1.234,5"
    assert [(i.sheet, i.row, i.column, i.check, i.value, i.message) for i in result.issues] == [
        ("Indikator", 14, "Kondisi Awal", "format", "abc",
         f"Nilai 'abc' tidak valid: {number}."),
        ("Target", 701, "Target", "format", "12a", f"Nilai '12a' tidak valid: {number}."),
        ("Target", 2005, "Periode", "duplikat", "IND-0003 / 2029 / 0",
         "Baris ganda: target indikator/tahun/periode IND-0003 / 2029 / 0 sudah ada di baris "
         "41. Hapus salah satu baris."),
    ]


def test_messy_but_valid_masterplan_is_stored_exactly(env) -> None:
    result = env.load(_xlsx(_grids()), "uji.xlsx", at=MP_AT, received_on=MP_AT.date())
    assert result.status == "loaded", [i.text() for i in result.issues]
    assert result.counts["target"] == N_INDICATORS * len(YEARS)
    targets = env.con.execute("SELECT indicator_code, year, tw, value, value_max, src_sheet, "
                              "src_row FROM target ORDER BY src_row").fetchall()
    expected = [(_code(i), y, 0, 100.0 + i, None, "Target", 5 + i * len(YEARS) + k)
                for i in range(N_INDICATORS) for k, y in enumerate(YEARS)]
    expected[96] = (*expected[96][:3], 1234.5, *expected[96][4:])
    assert targets == expected
    baselines = dict(env.con.execute("SELECT indicator_code, baseline FROM indicator").fetchall())
    assert {i: baselines[_code(i)] for i in NUMBER_TEXTS} == {
        i: v for i, (_, v) in NUMBER_TEXTS.items()}
    assert env.con.execute("SELECT opd_code, name, short_name, region_code FROM opd "
                           "ORDER BY src_row").fetchall() == [
        ("KOMINFO", "Dinas Komunikasi dan Informatika", "Diskominfo", "35.23"),
        ("DPMD", "Dinas PMD", None, "35.23")]


def test_target_sheet_layout_is_declared() -> None:
    """The grids above follow the declared headers (guards the test data itself)."""
    spec = sheet("masterplan", "target")
    assert [c.header for c in spec.columns if c.required] == ["Kode Indikator", "Tahun",
                                                               "Target"]


def _book_as_data(book: ParsedWorkbook) -> tuple:
    return (book.kind, book.meta, book.info, book.info_rows,
            {k: (t.name, t.header_row, t.headers, t.rows, t.columns, t.filled)
             for k, t in book.tables.items()},
            [(i.sheet, i.row, i.column, i.check, i.value, i.message) for i in book.issues])


@pytest.mark.parametrize("bad", [False, True])
def test_sheets_read_two_at_a_time_give_the_same_book(monkeypatch: pytest.MonkeyPatch,
                                                      bad: bool) -> None:
    """The parallel sheet reader (used for large files) reads exactly what the sequential one
    reads, problems included."""
    import etl.workbook as wbmod
    from bench.ingest import masterplan

    data = masterplan(4, 5, 3)
    if bad:  # a damaged copy: the same reader must word the same rejection
        data = data[: len(data) // 2]
    monkeypatch.setattr(wbmod, "PARALLEL_FROM_BYTES", 10**9)
    sequential = read_workbook(data, "mp.xlsx")
    monkeypatch.setattr(wbmod, "PARALLEL_FROM_BYTES", 0)
    parallel = read_workbook(data, "mp.xlsx")
    assert _book_as_data(parallel) == _book_as_data(sequential)
    assert bad == bool(sequential.issues) and (bad or len(sequential.tables["target"]) == 600)


def test_a_huge_sheet_is_refused_by_the_parallel_reader(monkeypatch: pytest.MonkeyPatch
                                                        ) -> None:
    import etl.workbook as wbmod
    from bench.ingest import masterplan

    monkeypatch.setattr(wbmod, "PARALLEL_FROM_BYTES", 0)
    monkeypatch.setattr(wbmod, "MAX_ROWS", 100)
    book = read_workbook(masterplan(2, 5, 3), "mp.xlsx")
    assert [(i.check, i.message) for i in book.issues] == [
        ("terlalu_banyak_baris", "Sheet 'Target' berisi 303 baris, melebihi batas 100 baris. "
         "Pisahkan isinya ke beberapa file.")]
