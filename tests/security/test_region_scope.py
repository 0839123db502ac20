"""Several regencies in one database: uploads never cross regions.

Tuban (35.23, the test masterplan) and Lamongan (35.24, the same masterplan with Lamongan's
code and real Lamongan villages) are both loaded; both have an OPD coded DPMD.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from etl.validate import Expect
from monev.store import accounts
from tests.helpers import (
    MASTERPLAN_INFO,
    MASTERPLAN_ROWS,
    MP_AT,
    RECEIVED,
    masterplan_bytes,
    report_bytes,
    workbook_bytes,
)

ROOT = Path(__file__).resolve().parents[2]
LAMONGAN = "35.24"
PASSWORD = "Lamongan-Smart-2026"
REJECTION_RECORDS = ("load_event", "load_issue")


def lamongan_masterplan(con) -> bytes:
    villages = [r[0] for r in con.execute(
        "SELECT code FROM ref_village WHERE regency_code = ? ORDER BY code LIMIT 2",
        [LAMONGAN]).fetchall()]
    desa = [{**row, "kode_desa": code} for row, code in zip(MASTERPLAN_ROWS["desa"], villages,
                                                            strict=True)]
    info = {**MASTERPLAN_INFO, "kode_wilayah": LAMONGAN, "nama_wilayah": "Kabupaten Lamongan",
            "judul": "Masterplan Smart City Kabupaten Lamongan"}
    return workbook_bytes("masterplan", info, {**MASTERPLAN_ROWS, "desa": desa},
                          meta={"kode_wilayah": LAMONGAN})


@pytest.fixture
def two(mp_env):
    result = mp_env.load(lamongan_masterplan(mp_env.con), "mp_lamongan.xlsx", at=MP_AT,
                         received_on=MP_AT.date())
    assert result.status == "loaded", [i.text() for i in result.issues]
    return mp_env


def scoped(issues, text: str) -> bool:
    return any(i.check == "di_luar_wewenang" and text in i.text() for i in issues)


def test_region_bound_account_cannot_load_another_regions_report(two):
    tuban_report = report_bytes(two.con, "DPMD", 2025, 1,
                                {"realisasi": {"SOC-01.1": {"realisasi": 25}}})
    before = two.snapshot()
    result = two.load(tuban_report, "dpmd_tuban.xlsx",
                      expect=Expect(opd_scope="DPMD", region_scope=LAMONGAN), actor="op.lmg")
    assert result.status == "rejected"
    assert scoped(result.issues, "hanya untuk wilayah 35.24; file ini untuk wilayah 35.23")
    issue = result.issues[0]
    assert (issue.sheet, issue.column) == ("Info", "Kode Wilayah") and issue.row
    after = two.snapshot()   # only the record of the rejected attempt is new
    assert {k: v for k, v in after.items() if k not in REJECTION_RECORDS} == \
        {k: v for k, v in before.items() if k not in REJECTION_RECORDS}
    assert len(after["load_event"]) == len(before["load_event"]) + 1
    own = two.load(tuban_report, "dpmd_tuban.xlsx",
                   expect=Expect(opd_scope="DPMD", region_scope="35.23"), actor="op.tbn")
    assert own.status == "loaded"


def test_region_bound_admin_cannot_replace_another_regions_masterplan(two):
    result = two.load(lamongan_masterplan(two.con), "mp_lamongan_v2.xlsx",
                      expect=Expect(region_scope="35.23"), actor="admin.tbn")
    # identical bytes of the active Lamongan masterplan: re-checked, then refused
    assert result.status == "rejected"
    assert scoped(result.issues, "file ini untuk wilayah 35.24")
    changed = masterplan_bytes(opd=[*MASTERPLAN_ROWS["opd"], {
        "kode_opd": "BAPPEDA", "nama_opd": "Badan Perencanaan", "singkatan": "Bappeda"}])
    assert two.load(changed, "mp_tuban_v2.xlsx", expect=Expect(region_scope="35.23"),
                    actor="admin.tbn").status == "loaded"


def test_operator_without_region_is_refused_when_several_regions_are_loaded(two):
    report = report_bytes(two.con, "DPMD", 2025, 1, {"realisasi": {"SOC-01.1": {"realisasi": 5}}})
    result = two.load(report, "dpmd.xlsx", expect=Expect(opd_scope="DPMD"), actor="op.lama")
    assert result.status == "rejected"
    assert scoped(result.issues, "belum terikat pada satu wilayah")


def test_reuploading_old_bytes_of_another_region_does_not_restore_them(two):
    first = report_bytes(two.con, "DPMD", 2025, 1, {"realisasi": {"SOC-01.1": {"realisasi": 5}}})
    two.load(first, "v1.xlsx", received_on=RECEIVED)
    two.load(report_bytes(two.con, "DPMD", 2025, 1,
                          {"realisasi": {"SOC-01.1": {"realisasi": 9}}}), "v2.xlsx",
             received_on=RECEIVED)
    result = two.load(first, "v1.xlsx",
                      expect=Expect(opd_scope="DPMD", region_scope=LAMONGAN), actor="op.lmg")
    assert result.status == "rejected"
    active = two.con.execute("SELECT r.value FROM realisation r JOIN active_load USING "
                             "(load_id) WHERE r.region_code = '35.23'").fetchall()
    assert active == [(9.0,)]


def test_cli_uses_the_accounts_region_and_the_wilayah_option(two, tmp_path):
    accounts.add_user(two.con, "admin.lmg", "Admin Lamongan", "admin", PASSWORD,
                      region_code=LAMONGAN, actor="setup")
    report = tmp_path / "dpmd_tuban.xlsx"
    report.write_bytes(report_bytes(two.con, "DPMD", 2025, 1,
                                    {"realisasi": {"SOC-01.1": {"realisasi": 5}}}))
    two.con.close()

    def run(*args: str, user: str) -> subprocess.CompletedProcess:
        env = {**os.environ, "MONEV_USER": user, "MONEV_DB": str(two.path),
               "PYTHONPATH": str(ROOT)}
        return subprocess.run([sys.executable, "-m", "etl", *args], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=120)

    refused = run("load", str(report), "--received", "2025-04-07", "--dry-run",
                  user="admin.lmg")
    assert refused.returncode == 1 and "hanya untuk wilayah 35.24" in refused.stdout
    other = run("load", str(report), "--received", "2025-04-07", "--dry-run",
                "--wilayah", LAMONGAN, user="someone")
    assert other.returncode == 1 and "Kode Wilayah" in other.stdout
    unbound = run("user", "set", "admin.lmg", "--wilayah", "*", user="setup")
    assert unbound.returncode == 0, unbound.stderr
    allowed = run("load", str(report), "--received", "2025-04-07", "--dry-run",
                  user="admin.lmg")
    assert allowed.returncode == 0, allowed.stdout
