"""Atomic, idempotent, versioned loads: supersede, restore, delete, dry run and rebuild."""

from __future__ import annotations

from datetime import datetime

import pytest

import etl.load as loadmod
from etl.archive import sha256
from etl.rebuild import rebuild
from monev.store import lineage
from tests.helpers import RECEIVED, Env, report_bytes

T1 = datetime(2025, 4, 7, 10, 0)
T2 = datetime(2025, 4, 9, 10, 0)
T3 = datetime(2025, 4, 10, 10, 0)


def _report(env, value) -> bytes:
    return report_bytes(env.con, "KOMINFO", 2025, 1,
                        {"realisasi": {"GOV-01.1": {"realisasi": value}},
                         "fisik": {"GOV-01": {"fisik": 10, "kendala": f"kendala {value}"}}})


def _active_value(env) -> float | None:
    row = env.con.execute(
        "SELECT r.value FROM realisation r JOIN active_load a USING (load_id) "
        "WHERE r.indicator_code = 'GOV-01.1'").fetchall()
    assert len(row) <= 1
    return row[0][0] if row else None


def test_failure_in_the_middle_of_a_load_leaves_the_database_unchanged(mp_env, monkeypatch):
    before = mp_env.snapshot()
    journal = list(mp_env.archive.entries())
    real_insert = lineage.insert_frame
    calls = []

    def failing_insert(con, table, df):
        calls.append(table)
        if len(calls) == 2:
            raise RuntimeError("disk penuh (simulasi)")
        real_insert(con, table, df)

    monkeypatch.setattr(lineage, "insert_frame", failing_insert)
    with pytest.raises(RuntimeError):
        mp_env.load(_report(mp_env, 5), "tw1.xlsx", at=T1, received_on=RECEIVED)
    assert calls[0] == "realisation"  # the first table was written before the failure
    assert mp_env.snapshot() == before
    assert list(mp_env.archive.entries()) == journal


def test_same_bytes_twice_changes_nothing_and_says_so(mp_env):
    data = _report(mp_env, 5)
    first = mp_env.load(data, "tw1.xlsx", at=T1, received_on=RECEIVED)
    before = mp_env.snapshot()
    again = mp_env.load(data, "tw1-lagi.xlsx", at=T2, received_on=RECEIVED)
    assert again.status == "unchanged" and again.load_id == first.load_id
    assert "identik" in again.message and "tidak ada yang berubah" in again.message
    assert mp_env.snapshot() == before


def test_correction_supersedes_and_the_earlier_version_can_be_restored(mp_env):
    first = mp_env.load(_report(mp_env, 5), "tw1.xlsx", at=T1, received_on=RECEIVED)
    second = mp_env.load(_report(mp_env, 8), "tw1-revisi.xlsx", at=T2, received_on=RECEIVED)
    assert second.status == "loaded" and second.supersedes == first.load_id
    assert f"Menggantikan muatan #{first.load_id}" in second.message
    assert second.diff["realisation"] == {"baru": 0, "berubah": 1, "sama": 0, "dihapus": 0}
    assert _active_value(mp_env) == 8
    # history keeps both, and the superseded rows are still there
    hist = lineage.history(mp_env.con)
    assert set(hist["load_id"]) >= {first.load_id, second.load_id}
    assert mp_env.con.execute("SELECT count(*) FROM realisation WHERE indicator_code = "
                              "'GOV-01.1'").fetchone()[0] == 2
    replaced = loadmod.restore_load(mp_env.con, first.load_id, actor="admin",
                                    archive=mp_env.archive, at=T3)
    assert replaced == second.load_id
    assert _active_value(mp_env) == 5
    actions = [r[0] for r in mp_env.con.execute(
        "SELECT action FROM load_event ORDER BY event_id").fetchall()]
    assert actions[-2:] == ["supersede", "restore"]
    actor = mp_env.con.execute("SELECT actor FROM load_event WHERE action = 'restore'"
                               ).fetchone()[0]
    assert actor == "admin"


def test_uploading_the_superseded_bytes_again_restores_them(mp_env):
    data = _report(mp_env, 5)
    first = mp_env.load(data, "tw1.xlsx", at=T1, received_on=RECEIVED)
    mp_env.load(_report(mp_env, 8), "tw1-revisi.xlsx", at=T2, received_on=RECEIVED)
    again = mp_env.load(data, "tw1.xlsx", at=T3, received_on=RECEIVED)
    assert again.status == "restored" and again.load_id == first.load_id
    assert _active_value(mp_env) == 5


def test_delete_withdraws_but_keeps_history(mp_env):
    first = mp_env.load(_report(mp_env, 5), "tw1.xlsx", at=T1, received_on=RECEIVED)
    loadmod.delete_load(mp_env.con, first.load_id, actor="admin", archive=mp_env.archive,
                        at=T2)
    assert _active_value(mp_env) is None
    assert mp_env.con.execute("SELECT count(*) FROM load WHERE load_id = ?",
                              [first.load_id]).fetchone()[0] == 1
    assert mp_env.con.execute("SELECT actor, event_at FROM load_event WHERE action = 'delete'"
                              ).fetchone() == ("admin", T2)


def test_dry_run_reports_and_changes_nothing(mp_env):
    mp_env.load(_report(mp_env, 5), "tw1.xlsx", at=T1, received_on=RECEIVED)
    before = mp_env.snapshot()
    archived = list(mp_env.archive.root.rglob("*.xlsx"))
    result = mp_env.load(_report(mp_env, 9), "tw1-revisi.xlsx", dry_run=True, at=T2,
                         received_on=RECEIVED)
    assert result.status == "dry_run" and result.load_id is None
    assert "Uji coba" in result.message and "Menggantikan muatan #2" in result.message
    assert result.counts["realisation"] == 1
    assert result.diff["realisation"]["berubah"] == 1
    assert result.diff["program_progress"]["berubah"] == 1
    assert mp_env.snapshot() == before
    assert list(mp_env.archive.root.rglob("*.xlsx")) == archived


def test_dry_run_of_a_bad_file_records_nothing(mp_env):
    before = mp_env.snapshot()
    result = mp_env.load(b"bukan excel", "x.xlsx", dry_run=True)
    assert result.status == "rejected"
    assert mp_env.snapshot() == before


def test_every_fact_row_knows_its_load_and_source_cell(mp_env):
    result = mp_env.load(_report(mp_env, 5), "tw1.xlsx", at=T1, received_on=RECEIVED)
    row = mp_env.con.execute(
        "SELECT r.load_id, r.src_sheet, r.src_row, l.file_name, l.uploaded_by, l.file_hash "
        "FROM realisation r JOIN load l USING (load_id) WHERE r.indicator_code = 'GOV-01.1'"
    ).fetchone()
    assert row[:5] == (result.load_id, "Realisasi Kinerja", 4, "tw1.xlsx", "penguji")
    archived = mp_env.archive.root / mp_env.con.execute(
        "SELECT archive_path FROM load WHERE load_id = ?", [result.load_id]).fetchone()[0]
    assert sha256(archived.read_bytes()) == row[5]


def test_rebuild_recreates_identical_content(mp_env, tmp_path):
    first = mp_env.load(_report(mp_env, 5), "tw1.xlsx", at=T1, received_on=RECEIVED)
    mp_env.load(_report(mp_env, 8), "tw1-revisi.xlsx", at=T2, received_on=RECEIVED)
    loadmod.restore_load(mp_env.con, first.load_id, actor="admin", archive=mp_env.archive,
                         at=T3)
    mp_env.load(b"sampah", "rusak.xlsx")  # a rejected attempt is not part of the content
    content_tables = [*lineage.FACT_TABLES, "load", "load_activation"]

    def content(env) -> dict:
        return {t: sorted(map(repr, env.con.execute(f"SELECT * FROM {t}").fetchall()))
                for t in content_tables}

    before = content(mp_env)
    mp_env.close()
    path = mp_env.path
    path.rename(tmp_path / "lama.duckdb")
    rebuild(path)
    fresh = Env(path)
    try:
        assert content(fresh) == before
        assert _active_value(fresh) == 5
    finally:
        fresh.close()


def _resaved(data: bytes) -> bytes:
    """The same workbook saved again by openpyxl: other bytes, the same entries."""
    import io

    import openpyxl

    buf = io.BytesIO()
    openpyxl.load_workbook(io.BytesIO(data)).save(buf)
    assert buf.getvalue() != data
    return buf.getvalue()


def test_diff_counts_blank_cells_as_equal_and_one_change_as_one(mp_env):
    """A blank optional number is NULL in the database and None in the new rows: unchanged,
    not 'berubah'; one edited cell is one changed row."""
    fill = {"realisasi": {"GOV-01.1": {"realisasi": 5}},
            "fisik": {"GOV-01": {"kendala": "Lelang ulang"}}}  # Fisik (%) left blank
    data = report_bytes(mp_env.con, "KOMINFO", 2025, 1, fill)
    first = mp_env.load(data, "tw1.xlsx", at=T1, received_on=RECEIVED)
    assert first.status == "loaded"
    assert mp_env.con.execute("SELECT fisik_pct IS NULL FROM program_progress "
                              "WHERE load_id = ?", [first.load_id]).fetchone() == (True,)
    same = mp_env.load(_resaved(data), "tw1-lagi.xlsx", dry_run=True, at=T2,
                       received_on=RECEIVED)
    assert same.diff["program_progress"] == {"baru": 0, "berubah": 0, "sama": 1, "dihapus": 0}
    assert same.diff["realisation"] == {"baru": 0, "berubah": 0, "sama": 1, "dihapus": 0}
    fill["fisik"]["GOV-01"]["kendala"] = "Lelang ulang (kedua)"
    changed = mp_env.load(report_bytes(mp_env.con, "KOMINFO", 2025, 1, fill), "tw1-b.xlsx",
                          dry_run=True, at=T2, received_on=RECEIVED)
    assert changed.diff["program_progress"] == {"baru": 0, "berubah": 1, "sama": 0,
                                                "dihapus": 0}


def test_diff_of_a_resaved_masterplan_is_unchanged_everywhere(tmp_path):
    """The masterplan's own row has no key: the same header is 'sama', not one new and one
    removed."""
    from bench.ingest import masterplan

    env = Env(tmp_path / "monev.duckdb")
    data = masterplan(3, 2, 3)
    assert env.load(data, "mp.xlsx", at=T1).status == "loaded"
    result = env.load(_resaved(data), "mp-lagi.xlsx", dry_run=True, at=T2)
    assert result.status == "dry_run" and result.supersedes == 1
    assert all(d["berubah"] == d["baru"] == d["dihapus"] == 0 for d in result.diff.values())
    assert result.diff["masterplan"]["sama"] == 1 and result.diff["target"]["sama"] == 180
    env.close()
