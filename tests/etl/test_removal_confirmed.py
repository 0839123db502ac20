"""A correction never removes rows it does not mention without the uploader confirming the
exact count: the dry run names it, the load is refused otherwise, the audit records it."""

from __future__ import annotations

import json

import pytest

from etl.archive import sha256
from etl.validate import Expect
from tests.helpers import RECEIVED, masterplan_bytes, report_bytes

FIRST = {"realisasi": {"GOV-01.1": {"realisasi": 25}, "GOV-01.2": {"realisasi": 4}}}
SECOND = {"realisasi": {"GOV-01.1": {"realisasi": 30}}}   # GOV-01.2 left out


@pytest.fixture
def corrected(mp_env):
    first = report_bytes(mp_env.con, "KOMINFO", 2025, 1, FIRST)
    assert mp_env.load(first, "v1.xlsx", received_on=RECEIVED).status == "loaded"
    return report_bytes(mp_env.con, "KOMINFO", 2025, 1, SECOND)


def realisation(env) -> list[tuple]:
    return env.con.execute(
        "SELECT r.indicator_code, r.value FROM realisation r JOIN load_activation a "
        "USING (load_id) WHERE a.active_until IS NULL ORDER BY 1").fetchall()


def test_the_dry_run_names_the_rows_that_would_go(mp_env, corrected) -> None:
    result = mp_env.load(corrected, "v2.xlsx", received_on=RECEIVED, dry_run=True)
    assert result.status == "dry_run" and result.removed == 1
    assert ("PERHATIAN: 1 baris (1 baris realisasi kinerja) dari unggahan sebelumnya "
            "(muatan #2) tidak ada di file ini dan akan dihapus") in result.message


@pytest.mark.parametrize("confirmed", [None, 2])
def test_unconfirmed_or_miscounted_removals_are_refused(mp_env, corrected,
                                                        confirmed: int | None) -> None:
    before = realisation(mp_env)
    removals = () if confirmed is None else ((sha256(corrected), confirmed),)
    result = mp_env.load(corrected, "v2.xlsx", received_on=RECEIVED,
                         expect=Expect(removals=removals))
    assert result.status == "rejected"
    [issue] = result.issues
    assert issue.check == "hapus_baris" and issue.value == "1"
    assert "--konfirmasi-hapus 1" in issue.message
    assert (f"yang dikonfirmasi {confirmed} baris" in issue.message) == (confirmed is not None)
    assert realisation(mp_env) == before == [("GOV-01.1", 25.0), ("GOV-01.2", 4.0)]


def test_the_exact_count_confirmed_loads_and_is_audited(mp_env, corrected) -> None:
    result = mp_env.load(corrected, "v2.xlsx", received_on=RECEIVED,
                         expect=Expect(removals=((sha256(corrected), 1),)))
    assert result.status == "loaded", [i.text() for i in result.issues]
    assert realisation(mp_env) == [("GOV-01.1", 30.0)]
    detail = mp_env.con.execute("SELECT detail FROM load_event WHERE action = 'load' "
                                "AND load_id = ?", [result.load_id]).fetchone()[0]
    assert json.loads(detail)["hapus_dikonfirmasi"] == 1


def test_a_masterplan_revision_dropping_targets_needs_the_same(env) -> None:
    assert env.load(masterplan_bytes(), "mp.xlsx", received_on=RECEIVED).status == "loaded"
    from tests.helpers import MASTERPLAN_ROWS
    fewer = masterplan_bytes(target=MASTERPLAN_ROWS["target"][:-1])
    refused = env.load(fewer, "mp2.xlsx", received_on=RECEIVED)
    assert [i.check for i in refused.issues] == ["hapus_baris"]
    loaded = env.load(fewer, "mp2.xlsx", received_on=RECEIVED,
                      expect=Expect(removals=((sha256(fewer), 1),)))
    assert loaded.status == "loaded"


def test_the_cli_confirms_with_the_count(tmp_path, mp_env, corrected) -> None:
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    path = tmp_path / "v2.xlsx"
    path.write_bytes(corrected)
    mp_env.close()

    def load(*extra: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "etl", "--db", str(mp_env.path), "load",
                               str(path), "--received", RECEIVED.isoformat(), *extra],
                              cwd=root, capture_output=True, text=True, timeout=300)

    refused = load()
    assert refused.returncode == 1 and "--konfirmasi-hapus 1" in refused.stdout
    assert load("--konfirmasi-hapus", "2").returncode == 1
    done = load("--konfirmasi-hapus", "1")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Berhasil memuat" in done.stdout


def test_a_quarterly_budget_that_looks_cumulative_is_pointed_out(mp_env) -> None:
    """Clerks used to FORM RFK type the cumulative spending: the dry run says so."""
    budget = {"GOV-01": {"sumber_dana": "APBD", "pagu": 1_000_000_000}}
    tw1 = report_bytes(mp_env.con, "KOMINFO", 2025, 1, {
        "anggaran": {"GOV-01": {**budget["GOV-01"], "realisasi_rp": 100_000_000}}})
    assert mp_env.load(tw1, "tw1.xlsx", received_on=RECEIVED).status == "loaded"
    from datetime import date
    for spent, warned in ((250_000_000, True), (60_000_000, False)):
        tw2 = report_bytes(mp_env.con, "KOMINFO", 2025, 2, {
            "anggaran": {"GOV-01": {**budget["GOV-01"], "realisasi_rp": spent}}})
        result = mp_env.load(tw2, "tw2.xlsx", received_on=date(2025, 7, 3), dry_run=True)
        assert result.status == "dry_run"
        assert ("Catatan: Sheet 'Realisasi Anggaran'" in result.message) is warned
        if warned:
            assert "250.000.000" in result.message and "100.000.000" in result.message
            assert "Kumulatif s.d. TW" in result.message
