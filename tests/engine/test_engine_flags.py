"""Every flag kind of the timeline world, with its reason, OPD and latest kendala."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest

from monev.domain.flags import Flag, flags_frame
from monev.engine import AsOf, all_flags, flag_counts
from tests.engine.conftest import DESA, KELURAHAN, REGION

VIEW = AsOf(2025, 2, datetime(2025, 8, 15, 12, 0))
GOV_KENDALA = "Integrasi data antar-OPD lambat"          # KOMINFO TW II (latest), not TW I
GOV_TL = "Rapat koordinasi walidata bulanan"
SOC_KENDALA = "Sinyal internet lemah di desa"


@pytest.fixture(scope="module")
def flags(world) -> pd.DataFrame:
    return all_flags(world.con, REGION, VIEW)


def key(frame: pd.DataFrame) -> set[tuple]:
    return {(r.kind, r.opd_code, r.program_code, r.indicator_code, r.village_code)
            for r in frame.itertuples()}


def test_the_expected_flags_and_nothing_else(flags: pd.DataFrame) -> None:
    assert key(flags) == {
        ("kritis", "KOMINFO", "GOV-01", "GOV-01.2", None),
        # DINKES never sent TW II: one flag for the missing report, no performance flag on
        # LIV-01.1 (it was Kritis at TW I's 2 of 6 read as "TW II = 0").
        ("tertinggal", "DPMD", "SOC-01", "SOC-01.1", None),
        ("stagnan", "DPMD", "SOC-01", "SOC-01.1", None),
        ("belum_melapor", "DINKES", None, None, None),
        ("terlambat", "DINKES", None, None, None),
        ("terlambat", "DPMD", None, None, None),
        ("fisik_keuangan", "KOMINFO", "GOV-01", None, None),
        ("desa_rawan", "DPMD", "SOC-01", None, DESA),
        ("desa_bergeser", "DPMD", "SOC-01", None, KELURAHAN),
    }
    # Most urgent first.
    assert list(flags["kind"].iloc[:2]) == ["kritis", "belum_melapor"]
    assert not ((flags["opd_code"] == "DINKES") & flags["indicator_code"].notna()).any()
    assert flags["kind"].iloc[-1] == "desa_rawan"


def one(flags: pd.DataFrame, kind: str, **match: str) -> pd.Series:
    rows = flags[flags["kind"] == kind]
    for col, value in match.items():
        rows = rows[rows[col] == value]
    assert len(rows) == 1, rows
    return rows.iloc[0]


def test_reasons_in_bahasa_indonesia(flags: pd.DataFrame) -> None:
    kritis = one(flags, "kritis", indicator_code="GOV-01.2")
    assert kritis["label"] == "Kritis"
    assert kritis["reason"] == "Capaian 50% terhadap target s.d. TW II (di bawah 51%)"
    assert one(flags, "tertinggal")["reason"] == (
        "Capaian 70% terhadap target s.d. TW II (di bawah 76%)")
    assert one(flags, "stagnan")["reason"] == (
        "Realisasi s.d. TW I dan s.d. TW II tetap 28, sedangkan target naik dari 30 ke 40")
    assert one(flags, "belum_melapor")["reason"] == (
        "Laporan TW II 2025: Belum diterima per 15 Agustus 2025; batas 7 Juli 2025 sudah "
        "lewat 39 hari.")
    assert one(flags, "terlambat", opd_code="DPMD")["reason"] == (
        "Laporan TW II 2025: Diterima 15 Juli 2025, 8 hari setelah batas 7 Juli 2025.")
    assert one(flags, "fisik_keuangan")["label"] == "Fisik–keuangan tidak seimbang"
    assert "pendanaan bergeser dari tahun 2026 ke tahun 2027" in one(
        flags, "desa_bergeser")["reason"]
    assert one(flags, "desa_rawan")["village_name"] == "Jlodro"


def test_latest_kendala_and_tindak_lanjut(flags: pd.DataFrame) -> None:
    for kind in ("kritis", "fisik_keuangan"):
        row = one(flags, kind, opd_code="KOMINFO")
        assert (row["kendala"], row["tindak_lanjut"]) == (GOV_KENDALA, GOV_TL)
        assert row["notes_tw"] == 2
    assert one(flags, "desa_bergeser")["kendala"] == SOC_KENDALA
    # LIV-01 never reported a kendala; report flags belong to an OPD, not a program.
    assert one(flags, "terlambat", opd_code="DINKES")["kendala"] is None
    assert one(flags, "belum_melapor")["kendala"] is None
    assert one(flags, "kritis", opd_code="KOMINFO")["opd_name"] == (
        "Dinas Komunikasi dan Informatika")
    assert one(flags, "kritis", opd_code="KOMINFO")["program_name"] == "Satu Data Tuban"


def test_kendala_as_of_an_earlier_view(world) -> None:
    early = all_flags(world.con, REGION, AsOf(2025, 1, datetime(2025, 4, 20)))
    row = early[(early["kind"] == "tertinggal") & (early["indicator_code"] == "GOV-01.2")]
    assert row.iloc[0]["kendala"] == "Server data center lambat"


def test_flag_counts(flags: pd.DataFrame) -> None:
    table = flag_counts(flags, VIEW).set_index("kind")
    counts = table["n"].to_dict()
    assert counts == {"kritis": 1, "belum_melapor": 1, "desa_bergeser": 1, "tertinggal": 1,
                      "stagnan": 1, "fisik_keuangan": 1, "terlambat": 2, "desa_rawan": 1}
    # Each count says what it covers: the two late reports are of TW I and TW II together.
    assert table.loc["terlambat", "scope"] == "laporan TW I–II 2025"
    assert table.loc["tertinggal", "scope"] == "indikator, s.d. TW II 2025"
    assert table.loc["desa_rawan", "scope"] == "desa/kelurahan, akhir TW II 2025"
    assert flag_counts(flags.iloc[0:0], VIEW)["n"].sum() == 0


def test_no_masterplan_no_flags(world) -> None:
    empty = all_flags(world.con, REGION, AsOf(2024, 4, datetime(2024, 12, 31)))
    assert empty.empty and "reason" in empty.columns


def test_same_rows_and_order_as_the_domain_flags_frame(flags: pd.DataFrame) -> None:
    # all_flags builds the frame column-wise for speed; it must equal domain.flags_frame.
    objects = [Flag(r.kind, r.reason, r.opd_code, r.program_code, r.indicator_code,
                    r.village_code) for r in flags.sample(frac=1, random_state=1).itertuples()]
    expected = flags_frame(objects).astype(object)
    expected = expected.where(expected.notna(), None)
    columns = ["kind", "label", "reason", "opd_code", "program_code", "indicator_code",
               "village_code"]
    pd.testing.assert_frame_equal(flags[columns].reset_index(drop=True),
                                  expected[columns])
