"""Unggah Data with a FORM RFK: its program texts are mapped in the same table as the E.81's,
then the dry run says which TW it is and what it replaces, and it loads (issue 27)."""

from __future__ import annotations

from pathlib import Path

import duckdb

from tests.app.test_upload_page import MIME, frames, no_crash, texts, upload_page
from tests.forms.rfk_fixture import Row, rfk_bytes


def test_an_rfk_is_mapped_on_the_page_then_loads_as_tw1(mp_db: Path) -> None:
    form = rfk_bytes([Row("Program Satu Data Kabupaten Tuban", 850_000_000, 100_000_000, 30)])
    at = upload_page()
    at.selectbox(key="exp_opd").set_value("KOMINFO").run()
    at.file_uploader[0].set_value(("rfk_maret.xlsx", form, MIME)).run()
    no_crash(at)
    assert any("Ditolak" in e for e in texts(at.error))
    boxes = [s for s in at.selectbox if s.key and s.key.startswith("peta_")]
    assert [b.label for b in boxes] == ["Program (baris 10): Program Satu Data Kabupaten Tuban"]
    assert [b.value for b in boxes] == ["GOV-01"]
    at.button(key="FormSubmitter:pemetaan_0-Simpan pemetaan lalu periksa ulang").click().run()
    no_crash(at)
    assert any("Uji coba RFK Maret 2025 OPD KOMINFO" in i for i in texts(at.info))
    at.button(key="muat").click().run()
    no_crash(at)
    assert any("Berhasil memuat RFK Maret 2025" in s for s in texts(at.success))
    at.switch_page("pages/riwayat.py").run()      # the history names what it is
    no_crash(at)
    table = frames(at, "No. Muatan", "Status")[0]
    assert table.iloc[0][["Jenis", "OPD", "Periode", "Status"]].tolist() == [
        "RFK akhir triwulan", "KOMINFO", "TW I 2025", "Aktif"]
    con = duckdb.connect(str(mp_db), read_only=True)
    try:
        assert con.execute("SELECT kind, tw, basis FROM load WHERE kind = 'rfk'"
                           ).fetchall() == [("rfk", 1, "sdtw")]
    finally:
        con.close()
