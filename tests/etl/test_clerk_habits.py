"""Clerk habits read right: a workbook typed the way Pemda staff type it (money with "Rp" and
",-", old month spellings, "Triwulan ke-4", "0.755", a JUMLAH row, an Info sheet with a ":"
column) loads to exactly the facts of the same workbook typed cleanly, or is refused with
one clear message; never a silent wrong number."""

from __future__ import annotations

import io
from datetime import date, datetime, time

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from etl.values import parse_date, parse_number, parse_tw
from monev.domain.text import format_angka
from monev.store.lineage import FACT_TABLES
from tests.helpers import MASTERPLAN_ROWS, MP_AT, RECEIVED, masterplan_bytes, report_bytes

LOAD_COLUMNS = "kind, region_code, opd_code, year, tw, basis, counts_json"


def _facts(env, load_id: int, ignore: tuple[str, ...] = ()) -> dict[str, object]:
    """Every fact row of a load (without its id and the ``ignore`` columns) and what the
    load record says it was."""
    out: dict[str, object] = {"load": env.con.execute(
        f"SELECT {LOAD_COLUMNS} FROM load WHERE load_id = ?", [load_id]).fetchone()}
    for table in FACT_TABLES:
        names = [d[0] for d in env.con.execute(f"SELECT * FROM {table} LIMIT 0").description]
        cols = ", ".join(n for n in names if n not in ("load_id", *ignore))
        out[table] = env.con.execute(
            f"SELECT {cols} FROM {table} WHERE load_id = ? ORDER BY ALL", [load_id]).fetchall()
    return out


def _loaded(env, data: bytes, name: str, received_on: date = RECEIVED,
            ignore: tuple[str, ...] = ()) -> dict[str, object]:
    result = env.load(data, name, received_on=received_on, at=_uploaded(received_on))
    assert result.status == "loaded", [i.text() for i in result.issues]
    return _facts(env, result.load_id, ignore)


def _uploaded(received_on: date) -> datetime:
    """The upload time of a file received on that day (a received date is never later)."""
    return datetime.combine(received_on, time(10))


def _same_facts(env, clean: bytes, clerk: bytes, received_on: date = RECEIVED) -> dict:
    """Load the clean file, then the clerk's (it supersedes it): the facts must be equal."""
    expected = _loaded(env, clean, "bersih.xlsx", received_on)
    got = _loaded(env, clerk, "ketikan_operator.xlsx", received_on)
    assert got == expected
    return got


def _edit(data: bytes, sheet: str, change) -> bytes:
    """The workbook with one sheet changed by hand, as a clerk would in Excel."""
    wb = openpyxl.load_workbook(io.BytesIO(data))
    change(wb[sheet])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# ---------------------------------------------------------------- money


@pytest.mark.parametrize(("typed", "value"), [
    ("Rp 774.600.000,-", 774_600_000), ("Rp. 1.234,00", 1234), ("Rp1.234", 1234),
    ("Rp 1.234.567", 1_234_567), ("1.234.567,-", 1_234_567), ("Rp. 50.000.-", 50_000),
    ("IDR 2.500.000", 2_500_000),
])
def test_money_typed_with_rupiah_habits_reads_the_same_amount(mp_env, typed, value):
    def budget(pagu, realisasi):
        return {"anggaran": {"GOV-01": {"sumber_dana": "APBD", "pagu": pagu,
                                        "realisasi_rp": realisasi}}}

    clean = report_bytes(mp_env.con, "KOMINFO", 2025, 1, budget(value, 1000))
    clerk = report_bytes(mp_env.con, "KOMINFO", 2025, 1, budget(typed, "Rp 1.000,-"))
    facts = _same_facts(mp_env, clean, clerk)
    assert [(r[1], r[5], r[6]) for r in facts["budget"]] == [("GOV-01", value, 1000.0)]


# ---------------------------------------------------------------- numbers with a dot


@pytest.mark.parametrize(("typed", "value"), [
    ("0.755", 0.755), ("0.100", 0.1), ("12.5", 12.5), ("1.234", 1234), ("4,5", 4.5),
])
def test_a_dot_is_read_as_its_only_possible_meaning(mp_env, typed, value):
    clean = report_bytes(mp_env.con, "KOMINFO", 2025, 1,
                         {"realisasi": {"GOV-01.1": {"realisasi": value}}})
    clerk = report_bytes(mp_env.con, "KOMINFO", 2025, 1,
                         {"realisasi": {"GOV-01.1": {"realisasi": typed}}})
    facts = _same_facts(mp_env, clean, clerk)
    assert [(r[1], r[4]) for r in facts["realisation"]] == [("GOV-01.1", value)]


@pytest.mark.parametrize("typed", ["00.755", "1.234.56", "12.34.5", "0.755,5", "1.000-"])
def test_a_number_with_no_clear_reading_is_refused_with_one_message(mp_env, typed):
    data = report_bytes(mp_env.con, "KOMINFO", 2025, 1,
                        {"realisasi": {"GOV-01.1": {"realisasi": typed}}})
    before = mp_env.snapshot()["realisation"]
    result = mp_env.load(data, "angka.xlsx", received_on=RECEIVED, at=_uploaded(RECEIVED))
    assert result.status == "rejected"
    assert [(i.check, i.sheet, i.row, i.column, i.value) for i in result.issues] == [
        ("format", "Realisasi Kinerja", 4, "Realisasi", typed)]
    assert "tidak valid" in result.issues[0].message
    assert mp_env.snapshot()["realisation"] == before


@pytest.mark.parametrize("typed", ["-Rp 1.000", "Rp -1.000", "(Rp 1.000)", "Rp (1.000)",
                                   "(1.000,-)", "-1.000,00"])
def test_a_negative_amount_is_negative_whichever_way_it_is_marked(typed):
    assert parse_number(typed) == -1000


@pytest.mark.parametrize("typed", ["1.000-", "1.000,00-", "(1.000", "1.000)", "Rp -", "--5"])
def test_an_unclear_sign_is_refused_never_dropped(typed):
    with pytest.raises(ValueError):
        parse_number(typed)


# ---------------------------------------------------------------- dates


DATE_SPELLINGS = [
    ("20 Nopember 2025", date(2025, 11, 20)), ("16 Pebruari 2026", date(2026, 2, 16)),
    ("17 Agt 2026", date(2026, 8, 17)), ("1 Sept 2026", date(2026, 9, 1)),
    ("2 Okt 2026", date(2026, 10, 2)), ("3 Des 2025", date(2025, 12, 3)),
    ("4 Agust 2026", date(2026, 8, 4)), ("5 Peb 2026", date(2026, 2, 5)),
    ("6 Nop 2025", date(2025, 11, 6)), ("7 Mei 2026", date(2026, 5, 7)),
    ("8 Juni 2026", date(2026, 6, 8)), ("9 Jun 2026", date(2026, 6, 9)),
    ("10 Juli 2026", date(2026, 7, 10)), ("11 Jul 2026", date(2026, 7, 11)),
    ("12 Mrt 2026", date(2026, 3, 12)), ("30-Sep-2026", date(2026, 9, 30)),
    ("1 Sep. 2026", date(2026, 9, 1)),
]


@pytest.mark.parametrize(("typed", "when"), DATE_SPELLINGS)
def test_stage_date_with_old_or_short_month_reads_the_same_day(mp_env, typed, when):
    def village(reached):
        return {"desa": {"SOC-01|35.23.01.2001": {"tahap": "Masuk RKP Desa",
                                                  "tanggal_tahap": reached}}}

    clean = report_bytes(mp_env.con, "DPMD", 2026, 4, village(when))
    clerk = report_bytes(mp_env.con, "DPMD", 2026, 4, village(typed))
    facts = _same_facts(mp_env, clean, clerk, received_on=date(2027, 1, 8))
    assert [(r[2], r[4]) for r in facts["village_stage"]] == [("35.23.01.2001", when)]


@pytest.mark.parametrize("typed", ["31 Pebruari 2026", "kemarin", "1 Ma 2026", "1 Mayday 2026"])
def test_a_bad_stage_date_is_one_problem_reported_once(mp_env, typed):
    data = report_bytes(mp_env.con, "DPMD", 2026, 4, {"desa": {"SOC-01|35.23.01.2001": {
        "tahap": "Masuk RKP Desa", "tanggal_tahap": typed}}})
    result = mp_env.load(data, "tanggal.xlsx", received_on=date(2027, 1, 8),
                         at=_uploaded(date(2027, 1, 8)))
    assert result.status == "rejected"
    assert [(i.check, i.sheet, i.column, i.value) for i in result.issues] == [
        ("format", "Progres Desa", "Tanggal Tahap Dicapai", typed)]
    assert "tanggal tidak dikenali" in result.issues[0].message


def test_a_date_without_its_stage_still_asks_for_both(mp_env):
    data = report_bytes(mp_env.con, "DPMD", 2026, 4, {"desa": {"SOC-01|35.23.01.2001": {
        "tanggal_tahap": "20 Nopember 2025"}}})
    result = mp_env.load(data, "tanpa_tahap.xlsx", received_on=date(2027, 1, 8),
                         at=_uploaded(date(2027, 1, 8)))
    assert [(i.check, i.column) for i in result.issues] == [("wajib", "Tahap Saat Ini")]
    assert "harus diisi bersama" in result.issues[0].message


# ---------------------------------------------------------------- triwulan


TW_SPELLINGS = [("Triwulan ke-4", 4), ("Triwulan Keempat", 4), ("Triwulan IV", 4),
                ("TW ke-2", 2), ("Triwulan Kedua", 2), ("Triwulan Pertama", 1),
                ("Triwulan Ketiga", 3), ("s.d. Triwulan III", 3)]


@pytest.mark.parametrize(("typed", "tw"), TW_SPELLINGS)
def test_triwulan_spelled_out_in_info_and_rows_reads_the_same_period(mp_env, typed, tw):
    fill = {"realisasi": {"GOV-01.1": {"realisasi": 7}}}
    clean = report_bytes(mp_env.con, "KOMINFO", 2025, tw, fill)
    clerk_fill = {"realisasi": {"GOV-01.1": {"realisasi": 7, "triwulan": typed}}}
    clerk = report_bytes(mp_env.con, "KOMINFO", 2025, tw, clerk_fill,
                         info_changes={"triwulan": typed})
    facts = _same_facts(mp_env, clean, clerk, received_on=date(2026, 1, 8))
    assert facts["load"][4] == tw
    assert [(r[1], r[3], r[4]) for r in facts["realisation"]] == [("GOV-01.1", tw, 7.0)]


def test_masterplan_target_period_spelled_out_reads_the_same(env):
    spelled = {1: "Triwulan ke-1", 2: "TW Kedua", 3: "Triwulan Ketiga", 4: "Triwulan IV"}
    quarterly = [{"kode_indikator": "SOC-01.1", "tahun": 2025, "periode": tw,
                  "target": 10.0 * tw} for tw in (2, 3, 4)]
    clean_rows = [*MASTERPLAN_ROWS["target"], *quarterly]
    clerk_rows = [{**row, "periode": spelled.get(row["periode"], row["periode"])}
                  for row in clean_rows]
    clean = _loaded(env, masterplan_bytes(target=clean_rows), "bersih.xlsx", MP_AT.date())
    clerk = _loaded(env, masterplan_bytes(target=clerk_rows), "operator.xlsx", MP_AT.date())
    assert clerk == clean
    assert sorted(r[3] for r in clerk["target"] if r[1] == "SOC-01.1") == [0, 1, 2, 3, 4]


# ---------------------------------------------------------------- properties of the parsers


@given(st.integers(min_value=0, max_value=10**13), st.sampled_from(
    ["{}", "Rp {}", "Rp. {}", "Rp{}", "{},-", "Rp {},-", "Rp. {},00", "Rp {}.-"]))
def test_any_rupiah_amount_written_the_indonesian_way_reads_back(amount, form):
    text = form.format(format_angka(amount, 0))
    assert parse_number(text) == amount
    assert parse_number("-" + text) == -amount


@given(st.decimals(min_value=0, max_value=10**9, places=3, allow_nan=False))
def test_any_number_written_by_format_angka_reads_back(x):
    text = format_angka(float(x), 3, trim=True)
    assert parse_number(text) == pytest.approx(float(x), rel=1e-12, abs=1e-12)


@given(st.text(alphabet="0123456789", min_size=1, max_size=6))
def test_zero_point_anything_is_a_decimal_below_one_never_thousands(digits):
    assert parse_number(f"0.{digits}") == float(f"0.{digits}") < 1


@given(st.integers(min_value=1, max_value=999), st.integers(min_value=0, max_value=999))
def test_a_dot_before_three_digits_is_a_thousands_dot(head, tail):
    assert parse_number(f"{head}.{tail:03d}") == head * 1000 + tail


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)),
       st.sampled_from(["{d} {m} {y}", "{d}-{m}-{y}", "{d} {m}. {y}", "{d}/{m}/{y}"]),
       st.integers(min_value=0, max_value=5))
def test_every_month_spelling_reads_its_month(day, form, pick):
    spellings = {1: ["Januari", "Jan", "January"], 2: ["Februari", "Pebruari", "Peb", "Feb"],
                 3: ["Maret", "Mrt", "Mar", "March"], 4: ["April", "Apr"],
                 5: ["Mei", "May"], 6: ["Juni", "Jun", "June"], 7: ["Juli", "Jul", "July"],
                 8: ["Agustus", "Agust", "Agt", "Ags", "Agu", "Aug"],
                 9: ["September", "Sept", "Sep"], 10: ["Oktober", "Okt", "Oct"],
                 11: ["November", "Nopember", "Nop", "Nov"],
                 12: ["Desember", "Des", "Dec", "December"]}[day.month]
    month = spellings[pick % len(spellings)]
    for typed in (month, month.upper(), month.lower()):
        assert parse_date(form.format(d=day.day, m=typed, y=day.year)) == day


@pytest.mark.parametrize("typed", ["Ma", "Ju", "Mayday", "Mart", "Janvier", "Sepuluh"])
def test_a_month_word_that_is_not_a_month_is_refused(typed):
    with pytest.raises(ValueError, match="tanggal tidak dikenali"):
        parse_date(f"1 {typed} 2026")


@pytest.mark.parametrize("typed", ["Triwulan Kelima", "TW ke-5", "Triwulan ke-0", "Semester 1",
                                   "TW", "ke"])
def test_a_triwulan_that_does_not_exist_is_refused(typed):
    with pytest.raises(ValueError, match="triwulan tidak dikenali"):
        parse_tw(typed)


# ---------------------------------------------------------------- layouts (workbook.py)


BUDGET = {"anggaran": {"GOV-01": {"sumber_dana": "APBD", "pagu": 1_500_000_000,
                                  "realisasi_rp": 250_000_000}}}


@pytest.mark.parametrize(("label", "column"), [
    ("JUMLAH", "nama_program"), ("TOTAL", "kode_program"), ("SUB TOTAL", "nama_program"),
    ("Sub Total", "kode_program"), ("Jumlah Total", "nama_program"),
])
def test_total_row_with_amounts_under_the_budget_table_is_skipped(mp_env, label, column):
    clean = report_bytes(mp_env.con, "KOMINFO", 2025, 1, BUDGET)
    total = {column: label, "pagu": 1_500_000_000, "realisasi_rp": "Rp 250.000.000,-"}
    clerk = report_bytes(mp_env.con, "KOMINFO", 2025, 1, BUDGET,
                         extra={"anggaran": [total]})
    _same_facts(mp_env, clean, clerk)


def test_total_row_merged_across_code_and_name_is_skipped(mp_env):
    clean = report_bytes(mp_env.con, "KOMINFO", 2025, 1, BUDGET)
    typed = report_bytes(mp_env.con, "KOMINFO", 2025, 1, BUDGET, extra={
        "anggaran": [{"kode_program": "JUMLAH", "pagu": 1_500_000_000,
                      "realisasi_rp": 250_000_000}]})

    def merge(ws) -> None:
        last = ws.max_row
        assert ws.cell(last, 1).value == "JUMLAH"
        ws.merge_cells(start_row=last, start_column=1, end_row=last, end_column=3)

    _same_facts(mp_env, clean, _edit(typed, "Realisasi Anggaran", merge))


@pytest.mark.parametrize("layout", ["colon_column", "colon_in_value"])
def test_info_sheet_laid_out_label_colon_value_reads_the_same(mp_env, layout):
    fill = {"realisasi": {"GOV-01.1": {"realisasi": 12}}}
    clean = report_bytes(mp_env.con, "KOMINFO", 2025, 1, fill)

    def form(ws) -> None:
        if layout == "colon_column":  # Kode Wilayah | : | 35.23
            ws.insert_cols(2)
            for row in range(1, ws.max_row + 1):
                ws.cell(row, 2, ":")
        else:  # Kode Wilayah | : 35.23
            for row in range(1, ws.max_row + 1):
                value = ws.cell(row, 2).value
                ws.cell(row, 2, f": {value}" if value is not None else ":")

    clerk = _edit(clean, "Info", form)
    facts = _same_facts(mp_env, clean, clerk)
    assert facts["load"][1:5] == ("35.23", "KOMINFO", 2025, 1)


@pytest.mark.parametrize("sheet", ["Target", "Program", "Indikator"])
def test_blank_row_between_masterplan_rows_is_skipped(env, sheet):
    clean = _loaded(env, masterplan_bytes(), "bersih.xlsx", MP_AT.date(), ignore=("src_row",))
    spaced = _edit(masterplan_bytes(), sheet, lambda ws: ws.insert_rows(5))
    assert _loaded(env, spaced, "berspasi.xlsx", MP_AT.date(), ignore=("src_row",)) == clean
