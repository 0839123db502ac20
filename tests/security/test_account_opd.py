"""An operator account is bound only to an OPD of the active masterplan of its region (of any
region when it has none), in add_user, set_user, the CLI and the Pengguna page; an admin
changes an account's role, OPD and region there, audited."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from etl.load import delete_load
from monev.store import accounts
from tests.app.conftest import (  # noqa: F401 - the app fixtures, for this module
    _clear_streamlit_caches,
    _navigation_mode,
    _signed_in,
    empty_db,
    mp_db,
)
from tests.helpers import (
    MASTERPLAN_INFO,
    MASTERPLAN_ROWS,
    MP_AT,
    REGION,
    Env,
    masterplan_bytes,
    workbook_bytes,
)

ROOT = Path(__file__).resolve().parents[2]
PAGE = str(ROOT / "pages" / "pengguna.py")
PASSWORD = "Tuban-Sandi-2026"
LAMONGAN = "35.24"


def _renamed(value: object) -> object:
    """MASTERPLAN_ROWS with OPD KOMINFO coded DISKOMINFO (Lamongan's own code)."""
    if isinstance(value, dict):
        return {k: _renamed(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_renamed(v) for v in value)
    return "DISKOMINFO" if value == "KOMINFO" else value


def lamongan_masterplan(con: duckdb.DuckDBPyConnection) -> bytes:
    """Lamongan's masterplan: OPDs DISKOMINFO and DPMD, real Lamongan villages."""
    villages = [r[0] for r in con.execute(
        "SELECT code FROM ref_village WHERE regency_code = ? ORDER BY code LIMIT 2",
        [LAMONGAN]).fetchall()]
    rows = _renamed(MASTERPLAN_ROWS)
    rows["desa"] = [{**row, "kode_desa": code} for row, code in zip(rows["desa"], villages,
                                                                    strict=True)]
    info = {**MASTERPLAN_INFO, "kode_wilayah": LAMONGAN, "nama_wilayah": "Kabupaten Lamongan",
            "judul": "Masterplan Smart City Kabupaten Lamongan"}
    return workbook_bytes("masterplan", info, rows, meta={"kode_wilayah": LAMONGAN})


@pytest.fixture
def two(mp_env: Env) -> Env:
    """Tuban (KOMINFO, DPMD) and Lamongan (DISKOMINFO, DPMD) loaded."""
    result = mp_env.load(lamongan_masterplan(mp_env.con), "mp_lamongan.xlsx", at=MP_AT,
                         received_on=MP_AT.date())
    assert result.status == "loaded", [i.text() for i in result.issues]
    return mp_env


def account(con: duckdb.DuckDBPyConnection, username: str) -> tuple | None:
    return con.execute("SELECT role, opd_code, region_code, active FROM app_user "
                       "WHERE username = ?", [username]).fetchone()


def changes(con: duckdb.DuckDBPyConnection, username: str) -> list[dict]:
    return [json.loads(d) for (d,) in con.execute(
        "SELECT detail FROM audit_event WHERE action = 'user_change' AND target = ? "
        "ORDER BY audit_id", [username]).fetchall()]


# ---------------------------------------------------------------- add_user / set_user


def test_an_operator_takes_an_opd_of_the_active_masterplan(mp_env):
    accounts.add_user(mp_env.con, "op.dpmd", "Operator DPMD", "operator", PASSWORD,
                      opd_code="dpmd ", actor="admin")  # typed in another case: DPMD stored
    assert account(mp_env.con, "op.dpmd") == ("operator", "DPMD", None, True)
    before = mp_env.snapshot()
    with pytest.raises(ValueError) as refused:
        accounts.add_user(mp_env.con, "op.x", "Operator X", "operator", PASSWORD,
                          opd_code="DINKES", actor="admin")
    assert str(refused.value) == ("OPD 'DINKES' tidak ada di masterplan aktif. Kode OPD yang "
                                  "dapat dipilih: DPMD, KOMINFO.")
    with pytest.raises(ValueError, match="harus terikat pada satu OPD.*DPMD, KOMINFO"):
        accounts.add_user(mp_env.con, "op.y", "Operator Y", "operator", PASSWORD, actor="a")
    assert mp_env.snapshot() == before  # refused: no account, no audit row


def test_without_a_masterplan_the_message_says_to_load_it_first(env):
    before = env.snapshot()
    with pytest.raises(ValueError, match="Belum ada masterplan aktif, .*Muat masterplan dulu"):
        accounts.add_user(env.con, "op.dpmd", "Operator DPMD", "operator", PASSWORD,
                          opd_code="DPMD", actor="admin")
    assert env.snapshot() == before
    accounts.add_user(env.con, "sekda", "Sekda", "pimpinan", PASSWORD, actor="admin")  # others


def test_the_opd_must_be_in_the_masterplan_of_the_accounts_region(two):
    with pytest.raises(ValueError) as refused:
        accounts.add_user(two.con, "op.lmg", "Operator", "operator", PASSWORD,
                          opd_code="KOMINFO", region_code=LAMONGAN, actor="admin")
    assert str(refused.value) == (f"OPD 'KOMINFO' tidak ada di masterplan aktif wilayah "
                                  f"{LAMONGAN}. Kode OPD yang dapat dipilih: DISKOMINFO, DPMD.")
    with pytest.raises(ValueError, match="Belum ada masterplan aktif untuk wilayah 35.25"):
        accounts.add_user(two.con, "op.x", "Operator", "operator", PASSWORD,
                          opd_code="DPMD", region_code="35.25", actor="admin")
    accounts.add_user(two.con, "op.lmg", "Operator", "operator", PASSWORD,
                      opd_code="DISKOMINFO", region_code=LAMONGAN, actor="admin")
    accounts.add_user(two.con, "op.any", "Operator", "operator", PASSWORD,  # no region: any
                      opd_code="KOMINFO", actor="admin")
    # moving an operator to a region without its OPD is refused; with it, accepted
    with pytest.raises(ValueError, match=f"'KOMINFO' tidak ada di masterplan aktif wilayah "
                                         f"{LAMONGAN}"):
        accounts.set_user(two.con, "op.any", actor="admin", region_code=LAMONGAN)
    assert account(two.con, "op.any") == ("operator", "KOMINFO", None, True)
    assert accounts.set_user(two.con, "op.any", actor="admin", region_code=REGION) == {
        "region": REGION}


def test_an_admin_changes_role_and_opd_audited(mp_env):
    con = mp_env.con
    accounts.add_user(con, "sekda", "Sekda", "pimpinan", PASSWORD, actor="admin")
    with pytest.raises(ValueError, match="harus terikat pada satu OPD"):
        accounts.set_user(con, "sekda", actor="admin", role="operator")
    with pytest.raises(ValueError, match="'BAPPEDA' tidak ada .* DPMD, KOMINFO"):
        accounts.set_user(con, "sekda", actor="admin", role="operator", opd_code="BAPPEDA")
    assert account(con, "sekda") == ("pimpinan", None, None, True) and changes(con, "sekda") == []

    assert accounts.set_user(con, "sekda", actor="admin", role="operator", opd_code="DPMD"
                             ) == {"role": "operator", "opd": "DPMD"}
    assert accounts.set_user(con, "sekda", actor="admin", opd_code="kominfo") == {
        "opd": "KOMINFO"}
    with pytest.raises(ValueError, match="Hanya operator"):
        accounts.set_user(con, "sekda", actor="admin", role="admin", opd_code="DPMD")
    assert accounts.set_user(con, "sekda", actor="admin", role="admin") == {
        "role": "admin", "opd": None}  # another role lets the OPD go
    assert accounts.set_user(con, "sekda", actor="admin", role="admin", active=True) == {}
    assert account(con, "sekda") == ("admin", None, None, True)
    assert changes(con, "sekda") == [{"role": "operator", "opd": "DPMD"}, {"opd": "KOMINFO"},
                                     {"role": "admin", "opd": None}]  # nothing for a no-op


def test_an_operator_whose_opd_left_the_masterplan_can_still_be_deactivated(mp_env):
    con = mp_env.con
    accounts.add_user(con, "op.dpmd", "Operator DPMD", "operator", PASSWORD, opd_code="DPMD",
                      actor="admin")
    masterplan = con.execute("SELECT load_id FROM active_load").fetchone()[0]
    delete_load(con, masterplan, actor="admin", archive=mp_env.archive)
    assert accounts.set_user(con, "op.dpmd", actor="admin", active=False) == {"active": False}
    with pytest.raises(ValueError, match="Muat masterplan dulu"):
        accounts.set_user(con, "op.dpmd", actor="admin", opd_code="KOMINFO")
    assert account(con, "op.dpmd") == ("operator", "DPMD", None, False)


# ---------------------------------------------------------------- command line


def etl(db: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("MONEV_DB", "MONEV_USER")}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run([sys.executable, "-m", "etl", *args, "--db", str(db),
                           "--user", "admin.kominfo"], cwd=ROOT, env=env, input=stdin,
                          capture_output=True, text=True, timeout=120)


def test_the_cli_binds_and_changes_an_operators_opd(tmp_path):
    db = tmp_path / "monev.duckdb"
    add = ("user", "add", "op.dpmd", "--role", "operator", "--nama", "Operator DPMD",
           "--password-stdin", "--opd")
    early = etl(db, *add, "DPMD", stdin=PASSWORD + "\n")
    assert early.returncode == 1 and "Muat masterplan dulu" in early.stderr
    masterplan = tmp_path / "masterplan.xlsx"
    masterplan.write_bytes(masterplan_bytes())
    assert etl(db, "load", str(masterplan)).returncode == 0
    wrong = etl(db, *add, "DINKES", stdin=PASSWORD + "\n")
    assert wrong.returncode == 1
    assert "Kode OPD yang dapat dipilih: DPMD, KOMINFO." in wrong.stderr
    done = etl(db, *add, "DPMD", stdin=PASSWORD + "\n")
    assert done.returncode == 0, done.stderr

    moved = etl(db, "user", "set", "op.dpmd", "--opd", "KOMINFO")
    assert moved.returncode == 0 and "diperbarui" in moved.stdout
    refused = etl(db, "user", "set", "op.dpmd", "--opd", "DINKES")
    assert refused.returncode == 1 and "'DINKES' tidak ada" in refused.stderr
    lifted = etl(db, "user", "set", "op.dpmd", "--role", "pimpinan")
    assert lifted.returncode == 0, lifted.stderr
    same = etl(db, "user", "set", "op.dpmd", "--role", "pimpinan")
    assert same.returncode == 0 and "tidak berubah" in same.stdout

    con = duckdb.connect(str(db), read_only=True)
    try:
        assert account(con, "op.dpmd") == ("pimpinan", None, None, True)
        assert changes(con, "op.dpmd") == [{"opd": "KOMINFO"}, {"role": "pimpinan", "opd": None}]
        actors = {a for (a,) in con.execute("SELECT actor FROM audit_event "
                                            "WHERE target = 'op.dpmd'").fetchall()}
    finally:
        con.close()
    assert len(actors) == 1 and actors.pop().startswith("admin.kominfo (CLI")


# ---------------------------------------------------------------- the Pengguna page


@pytest.fixture
def people(mp_db: Path) -> Path:  # noqa: F811
    con = duckdb.connect(str(mp_db))
    try:
        accounts.add_user(con, "op.dpmd", "Operator DPMD", "operator", PASSWORD,
                          opd_code="DPMD", actor="uji")
        accounts.add_user(con, "sekda", "Sekretaris Daerah", "pimpinan", PASSWORD, actor="uji")
    finally:
        con.close()
    return mp_db


def read(path: Path, username: str) -> tuple[tuple | None, list[dict]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return account(con, username), changes(con, username)
    finally:
        con.close()


def plain(elements: object) -> list[str]:
    """The texts of st.error/info/success elements as read (Markdown escapes removed)."""
    return [re.sub(r"\\(.)", r"\1", e.value).replace("\u2060", "")  # type: ignore[attr-defined]
            for e in elements]


def save(at: AppTest) -> AppTest:
    return next(b for b in at.button if b.label == "Simpan").click().run()


def test_the_page_offers_the_masterplans_opds_and_creates_an_operator(people):
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception and not at.error
    opd = at.selectbox(key="baru_opd")
    assert opd.options == ["– (bukan operator)", "DPMD – Dinas Pemberdayaan Masyarakat dan Desa",
                           "KOMINFO – Dinas Komunikasi dan Informatika"]
    at.text_input(key="baru_nama").input("op.kominfo")
    at.selectbox(key="baru_peran").select("Operator OPD")
    opd.select("KOMINFO")
    at.text_input(key="baru_sandi").input(PASSWORD)
    at = next(b for b in at.button if b.label == "Buat akun").click().run()
    assert not at.error and plain(at.success) == ["Akun op.kominfo dibuat."]
    assert "op.kominfo" in at.dataframe[0].value["Nama pengguna"].tolist()  # shown at once
    assert read(people, "op.kominfo")[0] == ("operator", "KOMINFO", None, True)


def test_the_page_changes_role_and_opd_and_starts_from_the_account(people):
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    at.selectbox(key="ubah_siapa").select("op.dpmd").run()
    assert at.selectbox(key="ubah_peran_op.dpmd").value == "Operator OPD"  # as it is now
    assert at.selectbox(key="ubah_opd_op.dpmd").value == "DPMD"
    at.selectbox(key="ubah_opd_op.dpmd").select("KOMINFO")
    at = save(at)
    assert not at.error and plain(at.success) == ["Akun op.dpmd diperbarui."]
    assert read(people, "op.dpmd") == (("operator", "KOMINFO", None, True), [{"opd": "KOMINFO"}])
    table = at.dataframe[0].value.set_index("Nama pengguna")
    assert table.loc["op.dpmd", "OPD"] == "KOMINFO"

    at.selectbox(key="ubah_siapa").select("sekda").run()
    at.selectbox(key="ubah_peran_sekda").select("Operator OPD")
    at = save(at)  # an operator without an OPD
    assert plain(at.error) == [
        "Operator harus terikat pada satu OPD. Kode OPD yang dapat dipilih: DPMD, KOMINFO."]
    assert read(people, "sekda") == (("pimpinan", None, None, True), [])
    at.selectbox(key="ubah_opd_sekda").select("DPMD")
    at = save(at)
    assert not at.error
    assert read(people, "sekda")[0] == ("operator", "DPMD", None, True)

    at.selectbox(key="ubah_siapa").select("op.dpmd").run()
    at.selectbox(key="ubah_peran_op.dpmd").select("Pimpinan (Bupati/Sekda/Bappeda)")
    at = save(at)  # the OPD chosen stays on screen but goes with the operator role
    assert not at.error
    assert read(people, "op.dpmd") == (("pimpinan", None, None, True),
                                       [{"opd": "KOMINFO"}, {"role": "pimpinan", "opd": None}])
    assert at.selectbox(key="ubah_opd_op.dpmd").value == ""  # starts again from the account
    at = save(at)
    assert plain(at.info) == ["Tidak ada yang berubah."]


def test_the_page_refuses_an_opd_outside_the_accounts_region(people):
    env = Env(people)
    try:
        result = env.load(lamongan_masterplan(env.con), "mp_lamongan.xlsx", at=MP_AT,
                          received_on=MP_AT.date())
        assert result.status == "loaded", [i.text() for i in result.issues]
    finally:
        env.close()
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert "DISKOMINFO" in at.selectbox(key="baru_opd").options[1]  # every region's OPDs
    at.selectbox(key="ubah_siapa").select("op.dpmd").run()
    at.selectbox(key="ubah_opd_op.dpmd").select("DISKOMINFO")
    at.selectbox(key="ubah_wilayah_op.dpmd").select(REGION)
    at = save(at)
    assert plain(at.error) == [
        f"OPD 'DISKOMINFO' tidak ada di masterplan aktif wilayah {REGION}. Kode OPD yang dapat "
        "dipilih: DPMD, KOMINFO."]
    assert read(people, "op.dpmd") == (("operator", "DPMD", None, True), [])


def test_the_page_without_a_masterplan_says_to_load_it_first(empty_db):  # noqa: F811
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert any("Muat masterplan dulu" in i for i in plain(at.info))
    assert at.selectbox(key="baru_opd").options == ["– (bukan operator)"]
    at.text_input(key="baru_nama").input("op.dpmd")
    at.selectbox(key="baru_peran").select("Operator OPD")
    at.text_input(key="baru_sandi").input(PASSWORD)
    at = next(b for b in at.button if b.label == "Buat akun").click().run()
    assert len(at.error) == 1 and "Muat masterplan dulu" in plain(at.error)[0]
    assert read(empty_db, "op.dpmd")[0] is None
