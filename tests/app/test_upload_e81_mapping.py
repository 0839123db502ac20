"""Unggah Data with an E.81 form: the unmapped names in one form with suggestions, confirmed
at once, then the usual dry run and load (issue 27)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from tests.app.test_upload_page import MIME, no_crash, texts, upload_page
from tests.forms.e81_fixture import Indicator, Program, e81_bytes
from tests.forms.test_e81_intake import kominfo_form


def test_unmapped_names_are_confirmed_at_once_then_the_file_loads(mp_db: Path) -> None:
    at = upload_page()
    at.selectbox(key="exp_opd").set_value("KOMINFO").run()
    at.file_uploader[0].set_value(("e81_kominfo.xlsx", kominfo_form(), MIME)).run()
    no_crash(at)
    assert any("Ditolak" in e for e in texts(at.error))
    boxes = [s for s in at.selectbox if s.key and s.key.startswith("peta_")]
    assert [b.label for b in boxes] == [
        "Program (baris 15): Program SATU DATA Tuban.",
        "Indikator (baris 15): Jumlah dataset yang terbit di portal"]
    assert [b.value for b in boxes] == ["GOV-01", "GOV-01.1"]  # the best suggestions
    at.button(key="FormSubmitter:pemetaan_0-Simpan pemetaan lalu periksa ulang").click().run()
    no_crash(at)
    assert any("Pemetaan disimpan: 2 baru" in s for s in texts(at.success))
    assert not [s for s in at.selectbox if s.key and s.key.startswith("peta_")]
    assert any("Uji coba laporan OPD KOMINFO" in i for i in texts(at.info))
    at.button(key="muat").click().run()
    no_crash(at)
    assert any("Berhasil memuat laporan OPD KOMINFO" in s for s in texts(at.success))
    con = duckdb.connect(str(mp_db), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM text_mapping").fetchone() == (2,)
        assert con.execute("SELECT count(*) FROM realisation WHERE tw = 2").fetchone() == (2,)
    finally:
        con.close()


def test_the_filled_e81_is_offered_for_download(mp_db: Path) -> None:
    at = upload_page()
    at.selectbox(key="tpl_opd").set_value("KOMINFO").run()
    no_crash(at)
    button = next(b for b in at.get("download_button") if b.proto.id and "tpl_e81" in
                  b.proto.id)
    assert "Unduh formulir E.81 KOMINFO" in button.proto.label


@pytest.mark.signed_in_as("operator")
def test_an_operator_is_told_the_admin_maps_names(mp_db: Path) -> None:
    form = e81_bytes([Program(("2",), "Program Desa Digital Kabupaten", [
        Indicator("Persentase desa dengan website", "%", 60, {1: 30})])])
    at = upload_page()
    at.file_uploader[0].set_value(("e81_dpmd.xlsx", form, MIME)).run()
    no_crash(at)
    assert any("Ditolak" in e for e in texts(at.error))
    assert not [s for s in at.selectbox if s.key and s.key.startswith("peta_")]
    assert any("Pemetaan nama disimpan oleh admin Diskominfo" in i for i in texts(at.info))
    con = duckdb.connect(str(mp_db), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM text_mapping").fetchone() == (0,)
    finally:
        con.close()
