"""Revisions come in as loads: a revision workbook (kind 'revisi', one scope per file) or the
"Revisi" sheet of the masterplan workbook; dry run first, refusals in Bahasa Indonesia naming
sheet, row and column, nothing loaded on any problem; rebuild and backup/restore keep them."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from openpyxl import load_workbook

from etl.backup import backup, restore, table_rows
from etl.rebuild import rebuild
from etl.validate import Expect
from tests.helpers import MP_AT, REGION, Env, masterplan_bytes
from tests.revisions import world

AT = world.REVISION_AT


def _revision_rows(env: Env) -> list[tuple]:
    return env.con.execute("SELECT kind, program_code, indicator_code, year, new_year, "
                           "new_target, effective_date, src_sheet, src_row FROM revision "
                           "ORDER BY src_row").fetchall()


def test_a_revision_workbook_is_dry_run_then_loaded_in_its_own_scope(mp_env):
    data = world.revision_bytes(world.TARGET_CHANGE, world.POSTPONE)
    dry = mp_env.load(data, "revisi.xlsx", at=AT, dry_run=True)
    assert dry.status == "dry_run"
    assert dry.message.startswith("Uji coba revisi masterplan wilayah 35.23: akan memuat "
                                  "2 baris revisi.")
    assert _revision_rows(mp_env) == []
    loaded = mp_env.load(data, "revisi.xlsx", at=AT, actor="admin.uji")
    assert loaded.status == "loaded" and loaded.supersedes is None
    assert _revision_rows(mp_env) == [
        ("target_diubah", "GOV-01", "GOV-01.1", 2025, None, 80.0, world.EFFECTIVE,
         "Revisi", 4),
        ("ditunda", "SOC-01", None, 2025, 2026, None, world.EFFECTIVE, "Revisi", 5)]
    kind, scope, by = mp_env.con.execute(
        "SELECT kind, scope_key, uploaded_by FROM load WHERE load_id = ?",
        [loaded.load_id]).fetchone()
    assert kind == "revisi" and scope.startswith(f"{REGION}|revisi|") and by == "admin.uji"
    assert mp_env.con.execute("SELECT action FROM load_event WHERE load_id = ?",
                              [loaded.load_id]).fetchall() == [("load",)]
    # a second revision never supersedes the first: both stay active
    second = mp_env.load(world.revision_bytes({**world.TARGET_CHANGE, "tahun": 2026,
                                               "target_baru": 120}), "revisi-2.xlsx",
                         at=datetime(2025, 8, 1, 9, 0))
    assert second.status == "loaded" and second.supersedes is None
    assert mp_env.con.execute("SELECT count(*) FROM active_load WHERE kind = 'revisi'"
                              ).fetchone()[0] == 2
    # the same bytes again change nothing
    assert mp_env.load(data, "revisi.xlsx", at=AT).status == "unchanged"


BAD_ROWS = [
    ({**world.TARGET_CHANGE, "kode_program": "XYZ-09", "kode_indikator": None},
     "Kode Program", "Kode program 'XYZ-09' tidak ada di masterplan aktif."),
    ({**world.TARGET_CHANGE, "kode_indikator": "SOC-01.1"},
     "Kode Indikator", "Indikator 'SOC-01.1' milik program SOC-01, bukan GOV-01."),
    ({**world.TARGET_CHANGE, "target_baru": None},
     "Target Baru", "Revisi 'target diubah' memerlukan Target Baru."),
    ({**world.POSTPONE, "tahun_baru": None},
     "Tahun Baru", "Revisi 'ditunda' memerlukan Tahun Baru (tahun tujuan)."),
    ({**world.POSTPONE, "tahun_baru": 2025},
     "Tahun Baru", "Untuk revisi 'ditunda', Tahun Baru (2025) harus setelah Tahun (2025)."),
    ({**world.POSTPONE, "tahun_baru": 2027},
     "Tahun Baru", "Tahun Baru 2027 setelah tahun selesai program (2026)."),
    ({**world.POSTPONE, "berlaku_mulai": date(2040, 1, 1)},
     "Berlaku Mulai", "Tanggal berlaku 01-01-2040 di luar periode masterplan 2023–2032."),
    ({**world.POSTPONE, "jenis": "dihapus"},
     "Jenis", "Jenis revisi 'dihapus' tidak dikenal."),
    ({**world.POSTPONE, "alasan": None}, "Alasan", "Kolom 'Alasan' wajib diisi."),
    ({**world.POSTPONE, "tahun": 2023, "tahun_baru": 2024},
     "Tahun", "Tahun 2023 di luar periode program 2024–2026."),
]


@pytest.mark.parametrize(("row", "column", "words"), BAD_ROWS,
                         ids=[c + "-" + w[:20] for _, c, w in BAD_ROWS])
def test_a_bad_row_is_refused_naming_sheet_row_and_column_and_nothing_loads(mp_env, row,
                                                                            column, words):
    before = mp_env.con.execute("SELECT count(*) FROM load").fetchone()[0]
    result = mp_env.load(world.revision_bytes(world.TARGET_CHANGE, row), "revisi.xlsx", at=AT)
    assert result.status == "rejected"
    assert result.message.startswith("Ditolak: ")
    hits = [i for i in result.issues if i.column == column]
    assert hits, [i.text() for i in result.issues]
    assert hits[0].sheet == "Revisi" and hits[0].row == 5
    assert any(i.message.startswith(words) for i in hits), [i.message for i in hits]
    assert _revision_rows(mp_env) == []
    assert mp_env.con.execute("SELECT count(*) FROM load").fetchone()[0] == before


def test_duplicate_rows_are_refused(mp_env):
    result = mp_env.load(world.revision_bytes(world.POSTPONE, world.POSTPONE), "dup.xlsx",
                         at=AT)
    assert result.status == "rejected"
    (issue,) = result.issues
    assert (issue.sheet, issue.row, issue.check) == ("Revisi", 5, "duplikat")
    assert "sudah ada di baris 4" in issue.message


def test_an_operator_may_not_load_a_revision_and_a_region_needs_its_masterplan(env, mp_env):
    data = world.revision_bytes(world.POSTPONE)
    refused = mp_env.load(data, "revisi.xlsx", at=AT, expect=Expect(opd_scope="DPMD"))
    assert refused.status == "rejected"
    assert "tidak boleh mengunggah revisi masterplan" in refused.issues[0].message


def test_a_revision_before_any_masterplan_is_refused(env):
    result = env.load(world.revision_bytes(world.POSTPONE), "revisi.xlsx", at=AT)
    assert result.status == "rejected"
    assert "Masterplan wilayah 35.23 belum dimuat" in result.issues[0].message


def test_the_masterplan_workbook_may_carry_a_revisi_sheet(env):
    rows = [{**world.POSTPONE}, {**world.TARGET_CHANGE}]
    data = masterplan_bytes(revisi=rows)
    result = env.load(data, "masterplan.xlsx", at=MP_AT, received_on=MP_AT.date())
    assert result.status == "loaded", [i.text() for i in result.issues]
    assert result.counts["revision"] == 2
    assert {r[0] for r in env.con.execute("SELECT load_id FROM revision").fetchall()} == \
        {result.load_id}
    # checked against the workbook's own programs: an unknown one refuses the masterplan
    bad = masterplan_bytes(revisi=[{**world.POSTPONE, "kode_program": "ZZZ-01"}])
    refused = env.load(bad, "masterplan-2.xlsx", at=datetime(2025, 2, 1))
    assert refused.status == "rejected"
    assert refused.issues[0].message == ("Kode program 'ZZZ-01' tidak ada di sheet "
                                         "Program/Indikator.")


def test_the_templates_carry_the_revisi_sheet_and_its_instructions():
    book = load_workbook(io.BytesIO(masterplan_bytes()))
    assert "Revisi" in book.sheetnames
    guide = " ".join(str(c.value) for c in book["Petunjuk"]["A"] if c.value)
    assert "Sheet 'Revisi' (boleh kosong)" in guide and "Berlaku Mulai" in guide
    own = load_workbook(io.BytesIO(world.revision_bytes()))
    assert own.sheetnames[:3] == ["Petunjuk", "Info", "Revisi"]
    headers = [c.value for c in own["Revisi"][3]]
    assert headers == ["Jenis", "Kode Program", "Kode Indikator", "Tahun", "Tahun Baru", "TW",
                       "Target Baru", "Alasan", "Nomor Dasar Hukum", "Tanggal Dasar Hukum",
                       "Berlaku Mulai"]


def test_rebuild_and_backup_restore_keep_revisions(env, tmp_path):
    world.build(env)
    env.close()
    before = table_rows(env.path)
    assert len(before["revision"]) == 2
    rebuild(env.path, actor="admin.uji", now=datetime(2025, 12, 1, 8, 0))
    after = table_rows(env.path)
    assert after["revision"] == before["revision"]
    assert after["load"] == before["load"] and after["load_activation"] == \
        before["load_activation"]
    folder = backup(env.path, tmp_path / "cadangan")
    wiped = Env(env.path)
    wiped.con.execute("DELETE FROM revision")
    wiped.close()
    assert table_rows(env.path)["revision"] == []
    restore(folder, env.path, now=datetime(2025, 12, 2, 8, 0))
    assert table_rows(env.path)["revision"] == before["revision"]
