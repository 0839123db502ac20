"""The audit trail reads as words: every detail the real write paths record is described in
Bahasa Indonesia (no JSON on the Jejak Audit page), and every action they record has a name."""

from __future__ import annotations

from datetime import date, datetime

import etl.load as loadmod
from monev.engine.meeting import current_rules
from monev.store import accounts, rule_settings
from monev.store import meetings as store
from monev.ui.audit_text import ACTION_LABELS, detail_text, target_text
from tests.helpers import RECEIVED, REGION, report_bytes

T1 = datetime(2025, 4, 7, 10, 0)
T2 = datetime(2025, 4, 9, 10, 0)
T3 = datetime(2025, 4, 10, 10, 0)
PASSWORD = "sandi-yang-panjang-1"


def _report(env, value: float) -> bytes:
    return report_bytes(env.con, "KOMINFO", 2025, 1,
                        {"realisasi": {"GOV-01.1": {"realisasi": value}}})


def test_every_recorded_detail_reads_as_words(mp_env):
    env = mp_env
    first = env.load(_report(env, 5), "tw1.xlsx", at=T1, received_on=RECEIVED)
    second = env.load(_report(env, 8), "tw1-revisi.xlsx", at=T2, received_on=RECEIVED)
    rejected = env.load(b"bukan workbook", "rusak.xlsx", at=T2)
    loadmod.restore_load(env.con, first.load_id, actor="admin", archive=env.archive, at=T3)
    accounts.add_user(env.con, "kominfo.ops", "Operator Kominfo", "operator", PASSWORD,
                      opd_code="KOMINFO", actor="admin", now=T1)
    accounts.set_user(env.con, "kominfo.ops", actor="admin", password=PASSWORD + "x",
                      region_code=REGION, now=T2)
    accounts.set_user(env.con, "kominfo.ops", actor="admin", active=False, now=T3)
    accounts.sign_in(env.con, "kominfo.ops", "salah", now=T3)
    accounts.sign_in(env.con, "tidak.ada", "salah", now=T3)
    rule_settings.change(env.con, REGION, {"report_due_working_days": 10}, actor="admin",
                         now=T1)
    meeting = store.create_meeting(env.con, REGION, 2025, 1, title="Rapat Evaluasi TW I",
                                   actor="admin", rules=current_rules(env.con, REGION),
                                   cutoff=T2, now=T2)
    followup = store.add_followup(env.con, meeting.meeting_id, item_label="GOV-01",
                                  decision="Ganti server", actor="admin", opd_code="KOMINFO",
                                  due_date=date(2025, 6, 30), now=T2)
    store.set_followup_status(env.con, followup, "selesai", actor="admin", now=T3)

    trail = accounts.audit_trail(env.con)
    said = [(a, target_text(a, t), detail_text(a, t, d))
            for a, t, d in zip(trail["action"], trail["target"], trail["detail"], strict=True)]
    texts = {a: [(t, d) for b, t, d in said if b == a] for a in trail["action"]}

    assert set(texts) <= set(ACTION_LABELS)
    assert not [d for _, _, d in said if "{" in d or '"' in d]
    masterplan = [d for t, d in texts["load"] if t == "masterplan.xlsx"][0]
    assert masterplan.startswith("1 baris masterplan, ") and " baris indikator, " in masterplan
    assert ("tw1-revisi.xlsx", f"1 baris realisasi kinerja; menggantikan muatan #{first.load_id}"
            "; tanggal diterima 07-04-2025 dinyatakan oleh penguji") in texts["load"]
    assert (f"muatan #{second.load_id}", f"digantikan oleh muatan #{first.load_id}"
            ) in texts["supersede"]
    assert texts["restore"] == [("tw1.xlsx", f"menggantikan muatan #{second.load_id}")]
    assert texts["reject"] == [("rusak.xlsx", f"{len(rejected.issues)} masalah")]
    assert texts["user_add"] == [("kominfo.ops", "peran Operator OPD, OPD KOMINFO")]
    assert sorted(texts["user_change"]) == [
        ("kominfo.ops", "dinonaktifkan"), ("kominfo.ops", "kata sandi diganti, wilayah 35.23")]
    assert sorted(texts["sign_in_failed"]) == [
        ("kominfo.ops", "akun nonaktif; dari alamat tidak diketahui"),
        ("–", "nama pengguna tidak dikenal; dari alamat tidak diketahui; nama dicoba: "
              "tidak.ada")]
    assert texts["settings_change"] == [
        ("Batas laporan (hari kerja setelah triwulan berakhir)",
         "wilayah 35.23: (nilai nasional/bawaan) → 10 hari kerja")]
    assert texts["meeting_add"] == [
        (f"rapat #{meeting.meeting_id}",
         "Rapat Evaluasi TW I; TW I 2025; data per 9 April 2025 10.00")]
    assert texts["followup_add"] == [(f"tindak lanjut #{followup}",
                                      "rapat #1, OPD KOMINFO: GOV-01")]
    assert texts["followup_status"] == [(f"tindak lanjut #{followup}", "Selesai")]


def test_details_of_other_shapes_are_kept_readable():
    assert detail_text("sign_in_failed", "x", '{"reason": "password", "locked": true}') == (
        "kata sandi salah; akun dikunci 15 menit")
    assert detail_text("rebuild", "monev.duckdb", '{"diputar_ulang": 1234, "sumber": null}') == (
        "1.234 peristiwa diputar ulang; akun, pengaturan, rapat dan jejak audit tidak terbawa")
    assert detail_text("load", "a.xlsx", '{"counts": "tidak terduga"}') == (
        "counts: tidak terduga")                      # a shape the describer does not know
    assert detail_text("tindakan_baru", None, '{"a": 1, "b": "dua"}') == "a: 1; b: dua"
    assert detail_text("load", None, "bukan json") == "bukan json"
    assert detail_text("sign_in", "x", None) == ""
    assert detail_text("sign_in", "x", float("nan")) == ""      # a NULL as pandas gives it
    assert target_text("backup", float("nan")) == "–"
