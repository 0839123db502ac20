"""Citizen survey import (Impact): real xlsx (parsed in the sandbox), ods and CSV files; wrong
columns, an unknown program code and too few respondents are refused in Indonesian with
nothing loaded or archived; an accepted survey is archived by hash, audited and atomic."""

from __future__ import annotations

import io

import openpyxl
import pytest

from etl.survey import import_survey
from monev.domain import evaluation as ev
from monev.engine import evaluation as en
from monev.store import evaluation as store
from tests.formats import to_ods

REGION = "35.23"
HEADER = ["Timestamp", "Kode Program", "Seberapa puas Anda dengan layanan ini? (1-5)",
          "Saran dan masukan"]


def _rows(counts: dict[str, int], score: int = 4) -> list[list]:
    rows = [HEADER]
    for code, n in counts.items():
        for i in range(n):
            rows.append([f"2026-09-{1 + i % 28:02d} 10:00", code, score if i % 2 else 5,
                         "Pelayanan cepat" if i == 0 else None])
    return rows


def _xlsx(rows: list[list]) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Form Responses 1"
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _csv(rows: list[list], sep: str = ",") -> bytes:
    return "\n".join(sep.join("" if c is None else str(c) for c in r) for r in rows
                     ).encode("utf-8-sig")


@pytest.fixture
def edition(mp_env):
    store.save_edition(mp_env.con, REGION, 2026, weights=ev.DEFAULT_WEIGHTS, scale_max=5.0,
                       min_respondents=3, actor="admin.uji")
    mp_env.archived_before = _archived(mp_env)
    return mp_env


def _import(env, data: bytes, name: str, **kw):
    return import_survey(env.con, data, name, region=REGION, year=2026, actor="admin.uji",
                         archive=env.archive, **kw)


def _archived(env) -> set[str]:
    files = env.archive.root / "files"
    return {p.name for p in files.rglob("*") if p.is_file()} if files.exists() else set()


def _nothing_loaded(env) -> None:
    con = env.con
    assert con.execute("SELECT count(*) FROM eval_survey").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM eval_survey_program").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM audit_event WHERE action = 'evaluation_survey'"
                       ).fetchone()[0] == 0
    assert _archived(env) == env.archived_before  # no file of a refused survey is kept


def test_an_xlsx_export_loads_archived_and_feeds_the_impact_proposal(edition):
    data = _xlsx(_rows({"GOV-01": 4, "SOC-01": 3}))
    result = _import(edition, data, "Survei Kepuasan (Responses).xlsx")
    assert result.status == "loaded", [i.text() for i in result.issues]
    per = edition.con.execute("SELECT program_code, n_respondents, satisfaction FROM "
                              "eval_survey_program ORDER BY 1").fetchall()
    assert per == [("GOV-01", 4, 4.5), ("SOC-01", 3, pytest.approx(14 / 3))]
    record = store.active_survey(edition.con, REGION, 2026)
    assert (edition.archive.root / record["archive_path"]).read_bytes() == data
    answers = store.survey_answers(edition.con, REGION, 2026)
    assert list(answers["answer"]) == ["Pelayanan cepat", "Pelayanan cepat"]
    assert list(answers["src_row"]) == [2, 6]
    again = _import(edition, data, "lagi.xlsx")
    assert again.status == "unchanged"


def test_a_csv_and_an_ods_export_read_the_same(edition):
    rows = _rows({"GOV-01": 3})
    for data, name in ((_csv(rows, ";"), "survei.csv"), (to_ods({"Sheet1": rows}), "s.ods")):
        result = _import(edition, data, name, dry_run=True)
        assert result.status == "dry_run", [i.text() for i in result.issues]
        assert result.programs["n_respondents"].tolist() == [3]
        assert "Belum ada yang diubah" in result.message
    _nothing_loaded(edition)


def test_wrong_columns_are_refused_naming_what_is_there(edition):
    rows = [["Timestamp", "Nama OPD", "Nilai"], ["2026-09-01", "DISKOMINFO", 4]]
    result = _import(edition, _xlsx(rows), "salah.xlsx")
    assert result.status == "rejected"
    [issue] = result.issues
    assert issue.check == "kolom_wajib" and issue.sheet == "Form Responses 1"
    assert "perlu kolom 'Kode Program'" in issue.message and "'Nama OPD'" in issue.message
    _nothing_loaded(edition)


def test_an_unknown_program_code_is_refused_with_sheet_row_and_column(edition):
    rows = _rows({"GOV-01": 3})
    rows[2][1] = "XYZ-99"
    result = _import(edition, _xlsx(rows), "kode.xlsx")
    assert result.status == "rejected"
    [issue] = result.issues
    assert (issue.sheet, issue.row, issue.column, issue.check) == (
        "Form Responses 1", 3, "Kode Program", "program_tidak_dikenal")
    assert "tidak ada di masterplan" in issue.message
    _nothing_loaded(edition)


def test_a_score_outside_the_scale_is_refused(edition):
    rows = _rows({"GOV-01": 3})
    rows[3][2] = "sangat puas"
    result = _import(edition, _csv(rows), "skor.csv")
    assert [(i.sheet, i.row, i.check) for i in result.issues] == [("CSV", 4, "nilai_kepuasan")]
    _nothing_loaded(edition)


def test_too_few_respondents_are_refused_unless_accepted_and_then_flagged(edition):
    data = _xlsx(_rows({"GOV-01": 3, "SOC-01": 2}))
    refused = _import(edition, data, "kurang.xlsx")
    assert refused.status == "rejected"
    assert "Kurang dari 3 responden" in refused.issues[0].message
    assert "SOC-01 (2 responden)" in refused.issues[0].message
    _nothing_loaded(edition)
    accepted = _import(edition, data, "kurang.xlsx", accept_below_minimum=True)
    assert accepted.status == "loaded"
    assert "1 program di bawah minimum" in accepted.message
    summary = en.survey_summary(edition.con, REGION, 2026, 3).set_index("program_code")
    assert summary.loc["SOC-01", "enough"] == False  # noqa: E712 - numpy bool
    assert summary.loc["GOV-01", "enough"] == True  # noqa: E712
    # only GOV-01 (mean 14/3 on a 1..5 scale) counts for the Impact proposal
    assert ev.impact_proposal(list(zip(summary["satisfaction"], summary["n_respondents"],
                                       strict=True)), 5.0, 3, 5.0) == pytest.approx(
        round(14 / 3 / 5 * 5, 2))


def test_a_file_that_is_not_a_spreadsheet_or_text_is_refused(edition):
    result = _import(edition, b"\x00\x01\x02binary" * 50, "survei.xlsx")
    assert result.status == "rejected" and result.issues[0].check == "bukan_spreadsheet"
    _nothing_loaded(edition)


def test_without_an_edition_nothing_is_read(mp_env):
    result = _import(mp_env, _xlsx(_rows({"GOV-01": 3})), "s.xlsx")
    assert result.issues[0].check == "edisi"


def test_a_failure_inside_the_transaction_loads_nothing(edition, monkeypatch):
    import etl.survey

    def broken(*args, **kwargs):
        raise RuntimeError("disk penuh")

    monkeypatch.setattr(etl.survey.accounts, "audit", broken)
    with pytest.raises(RuntimeError, match="disk penuh"):
        _import(edition, _xlsx(_rows({"GOV-01": 3})), "s.xlsx")
    con = edition.con
    assert con.execute("SELECT count(*) FROM eval_survey").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM eval_survey_program").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM eval_survey_answer").fetchone()[0] == 0


def test_a_new_survey_replaces_the_active_one(edition):
    first = _import(edition, _csv(_rows({"GOV-01": 3})), "a.csv")
    second = _import(edition, _csv(_rows({"SOC-01": 4})), "b.csv")
    assert second.status == "loaded" and f"Menggantikan survei #{first.survey_id}" in \
        second.message
    per = en.survey_summary(edition.con, REGION, 2026, 3)
    assert per["program_code"].tolist() == ["SOC-01"]


def test_a_far_cell_is_refused_in_the_sandbox_and_the_server_lives_on(edition):
    wb = openpyxl.load_workbook(io.BytesIO(_xlsx(_rows({"GOV-01": 3}))))
    wb.active["XFD1048576"] = "x"   # calamine would ask for 512 GiB: only a worker may try
    out = io.BytesIO()
    wb.save(out)
    result = _import(edition, out.getvalue(), "bom.xlsx")
    assert result.status == "rejected"
    assert result.issues[0].check in ("terlalu_luas", "terlalu_besar")
    assert "Sheet 'Form Responses 1'" in result.issues[0].message
    _nothing_loaded(edition)
    assert _import(edition, _xlsx(_rows({"GOV-01": 3})), "ok.xlsx").status == "loaded"
