"""Rule settings changed by an administrator: stored per region, checked, audited, applied."""

from __future__ import annotations

import json
import os
import pwd
from datetime import datetime

import duckdb
import pytest

from etl.cli import main as cli
from monev.domain import setting_text as stx
from monev.domain.settings import DEFAULT, SETTINGS, rules_from
from monev.engine import rules_for
from monev.store import rule_settings as rs
from monev.ui import settings_form as sf
from tests.helpers import REGION

NOW = datetime(2026, 11, 23, 9, 0)
OTHER = "35.24"   # Kabupaten Lamongan: a real regency with no masterplan in these tests


def audited(env) -> list[tuple]:
    return env.con.execute(
        "SELECT actor, target, detail FROM audit_event WHERE action = 'settings_change' "
        "ORDER BY audit_id").fetchall()


def test_region_beats_national_beats_default_and_reset_brings_them_back(mp_env):
    con = mp_env.con
    assert rs.change(con, "*", {"rawan_window_days": 90}, actor="admin.a", now=NOW) == {
        "rawan_window_days": (None, 90)}
    assert rules_for(con, REGION).rawan_window_days == 90
    rs.change(con, REGION, {"rawan_window_days": "30", "extra_holidays": ["2026-12-15"]},
              actor="admin.a", now=NOW)
    rules = rules_for(con, REGION)
    assert (rules.rawan_window_days, rules.extra_holidays) == (30, ("2026-12-15",))
    assert rules_for(con, OTHER).rawan_window_days == 90          # the national value
    shown = {i.name: (i.value, i.source) for i in rs.effective(con, REGION)}
    assert shown["rawan_window_days"] == (30, "wilayah")
    assert shown["band_st"] == (DEFAULT.band_st, "bawaan")

    rs.change(con, REGION, {"rawan_window_days": None}, actor="admin.b", now=NOW)
    assert rules_for(con, REGION).rawan_window_days == 90
    rs.change(con, "*", {"rawan_window_days": None}, actor="admin.b", now=NOW)
    assert rules_for(con, REGION).rawan_window_days == DEFAULT.rawan_window_days
    assert [(a, t, json.loads(d)) for a, t, d in audited(mp_env)] == [
        ("admin.a", "rawan_window_days", {"wilayah": "*", "sebelum": None, "sesudah": 90}),
        ("admin.a", "rawan_window_days", {"wilayah": REGION, "sebelum": None, "sesudah": 30}),
        ("admin.a", "extra_holidays",
         {"wilayah": REGION, "sebelum": None, "sesudah": ["2026-12-15"]}),
        ("admin.b", "rawan_window_days", {"wilayah": REGION, "sebelum": 30, "sesudah": None}),
        ("admin.b", "rawan_window_days", {"wilayah": "*", "sebelum": 90, "sesudah": None}),
    ]
    history = rs.history(con)
    assert [(h["name"], h["region"], h["old"], h["new"]) for h in history][:2] == [
        ("rawan_window_days", "*", 90, None), ("rawan_window_days", REGION, 30, None)]


def test_the_same_value_again_changes_nothing_and_audits_nothing(mp_env):
    rs.change(mp_env.con, REGION, {"band_st": 92}, actor="a", now=NOW)
    assert rs.change(mp_env.con, REGION, {"band_st": 92.0}, actor="a", now=NOW) == {}
    assert len(audited(mp_env)) == 1


@pytest.mark.parametrize(("region", "changes", "message"), [
    (REGION, {"band_t": 95}, "Batas pita harus menurun"),
    (REGION, {"kritis_below": 80}, "Kritis tidak boleh di atas"),
    (REGION, {"extra_holidays": ["2026-02-30"]}, "Hari libur daerah tidak sah"),
    (REGION, {"rkp_desa_due": [13, 1]}, "tidak sah"),
    (REGION, {"report_due_working_days": 2.5}, "harus bilangan bulat"),
    (REGION, {"band_r": -5}, "harus antara 0 dan 100"),
    (REGION, {"rawan_window_days": 400}, "Jumlah hari harus antara 0 dan 366"),
    (REGION, {"horizons": []}, "tidak dapat diubah di sini"),
    (REGION, {"tidak_ada": 1}, "tidak dapat diubah di sini"),
    ("99.99", {"band_st": 95}, "Wilayah 99.99 tidak dikenal"),
])
def test_a_change_that_breaks_the_rules_is_refused_and_nothing_is_written(
        mp_env, region, changes, message):
    rs.change(mp_env.con, REGION, {"rawan_window_days": 45}, actor="a", now=NOW)
    before = mp_env.snapshot()
    with pytest.raises(rs.SettingRejected, match=message):
        rs.change(mp_env.con, region, {"rawan_window_days": 50, **changes}, actor="a",
                  now=NOW)
    assert mp_env.snapshot() == before


def test_a_national_change_is_checked_against_every_region_with_values_of_its_own(mp_env):
    con = mp_env.con
    rs.change(con, REGION, {"band_t": 80}, actor="a", now=NOW)
    with pytest.raises(rs.SettingRejected, match=f"pada wilayah {REGION}"):
        rs.change(con, "*", {"band_st": 79}, actor="a", now=NOW)
    assert rs.stored(con, "*") == {}
    rs.change(con, "*", {"band_st": 85}, actor="a", now=NOW)   # consistent for both
    assert (rules_for(con, REGION).band_st, rules_for(con, REGION).band_t) == (85.0, 80.0)


def test_an_account_bound_to_a_region_changes_only_that_region(mp_env):
    with pytest.raises(rs.SettingRejected, match=f"hanya dapat mengubah pengaturan wilayah "
                                                 f"{REGION}"):
        rs.change(mp_env.con, "*", {"band_st": 95}, actor="a", scope=REGION, now=NOW)
    assert rs.change(mp_env.con, REGION, {"band_st": 95}, actor="a", scope=REGION, now=NOW)


def test_cli_lists_sets_and_resets(mp_env, capsys):
    mp_env.close()
    db = ["--db", str(mp_env.path), "--user", "admin.cli"]
    assert cli([*db, "setting", "set", "report_due_working_days", "10",
                "--wilayah", REGION]) == 0
    assert cli([*db, "setting", "set", "rkp_desa_due", "[9, 15]"]) == 0
    assert cli([*db, "setting", "set", "band_st", "70"]) == 1
    assert "Batas pita harus menurun" in capsys.readouterr().err
    capsys.readouterr()
    assert cli([*db, "setting", "list", "--wilayah", REGION]) == 0
    listed = {line.split()[0]: line.split()[-1] for line in capsys.readouterr().out.splitlines()}
    assert listed["report_due_working_days"] == "wilayah"
    assert listed["rkp_desa_due"] == "nasional" and listed["band_st"] == "bawaan"
    assert cli([*db, "setting", "reset", "report_due_working_days", "--wilayah", REGION]) == 0
    mp_env.con = duckdb.connect(str(mp_env.path))
    assert rules_for(mp_env.con, REGION).report_due_working_days == \
        DEFAULT.report_due_working_days
    assert rules_for(mp_env.con, REGION).rkp_desa_due == (9, 15)
    os_user = pwd.getpwuid(os.getuid()).pw_name   # the CLI records it beside --user
    assert {a for a, _, _ in audited(mp_env)} == {f"admin.cli (CLI, pengguna OS: {os_user})"}


def test_every_editable_setting_has_a_label_and_a_place_in_the_form():
    placed = [n for _, names in sf.GROUPS for n in names]
    assert sorted(placed) == sorted(rs.EDITABLE) == sorted(stx.LABELS)
    assert {s.name for s in SETTINGS} - set(rs.EDITABLE) == rs.STRUCTURAL


def test_holiday_list_parsing_and_its_messages():
    assert sf.parse_holidays("17-08-2026\n\n 2026-12-15 \n01/01/2027\n17-08-2026") == (
        "2026-08-17", "2026-12-15", "2027-01-01")
    assert sf.parse_holidays("") == ()
    with pytest.raises(sf.HolidayError, match="baris 2: '31-02-2026' bukan tanggal"):
        sf.parse_holidays("17-08-2026\n31-02-2026")
    with pytest.raises(sf.HolidayError, match="baris 1: 'besok'"):
        sf.parse_holidays("besok")
    assert sf.holidays_text(("2026-08-17", "2027-01-01")) == "17-08-2026\n01-01-2027"


def test_value_texts_and_what_differs_from_the_defaults():
    assert stx.value_text("band_st", 91.0) == "91%"
    assert stx.value_text("band_t", 75.5) == "75,5%"
    assert stx.value_text("rkp_desa_due", (9, 30)) == "30 September"
    assert stx.value_text("report_due_working_days", 5) == "5 hari kerja"
    assert stx.value_text("extra_holidays", ()) == "tidak ada"
    assert stx.value_text("extra_holidays", ("2026-08-17",)) == "17 Agustus 2026"
    assert stx.stored_text("rkp_desa_due", [9, 15]) == "15 September"
    assert stx.stored_text("rkp_desa_due", None) == stx.INHERITED
    assert stx.differences(DEFAULT) == ""
    assert stx.differences(rules_from({"band_st": 95, "report_due_working_days": 10,
                                       "rkp_desa_due": [9, 15]})) == (
        "Sangat Tinggi (ST) mulai 95% (bawaan 91%); Batas laporan 10 hari kerja (bawaan 5 hari "
        "kerja); Penetapan RKP Desa 15 September (bawaan 30 September)")


def test_a_preview_gives_the_rules_before_and_after_and_writes_nothing(mp_env):
    con = mp_env.con
    rs.change(con, REGION, {"band_st": 95}, actor="admin", now=NOW)
    before = mp_env.snapshot()
    now, then = rs.preview(con, rs.NATIONAL, {"report_due_working_days": 10, "band_st": 93},
                           REGION)
    assert now == rules_for(con, REGION)
    assert (now.band_st, then.band_st) == (95, 95)        # the regency's own value still wins
    assert (now.report_due_working_days, then.report_due_working_days) == (5, 10)
    now, then = rs.preview(con, REGION, {"band_st": None}, REGION)   # back to the default
    assert (now.band_st, then.band_st) == (95, DEFAULT.band_st)
    assert rs.preview(con, REGION, {}, REGION) == (now, now)
    with pytest.raises(rs.SettingRejected, match="wilayah 35.23"):
        rs.preview(con, rs.NATIONAL, {"band_st": 99, "band_t": 96}, OTHER)  # as change() would
    assert mp_env.snapshot() == before
