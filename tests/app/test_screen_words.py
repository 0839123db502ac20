"""Words a user reads instead of codes and formulas (issue 28): pure functions, no browser."""

from __future__ import annotations

from monev import auth
from monev.ui import components, nav
from monev.ui.format import expected_sentence
from monev.ui.upload import value_text


def can(role: str):
    """The permission check of an account with this role."""
    return lambda permission: permission in auth.PERMISSIONS[role]


def test_an_admin_address_refused_to_an_operator_is_explained() -> None:
    assert nav.refused_title("pengguna", can("operator")) == "Pengguna"
    assert nav.refused_title("pengguna", can("admin")) is None
    assert nav.refused_title("capaian", can("pimpinan")) is None      # a page anyone may view
    assert nav.refused_title("tidak-ada", can("operator")) is None
    assert nav.refused_title(None, can("operator")) is None
    assert nav.refused_title("unggah", can("pimpinan")) == "Unggah Data"
    assert nav.refused_notice("Unggah Data", "Ringkasan") == (
        "Halaman Unggah Data hanya dapat dibuka oleh admin Diskominfo dan operator OPD; akun "
        "Anda tidak memiliki akses ke sana, jadi yang ditampilkan adalah Ringkasan.")


def test_every_page_needing_a_permission_names_who_may_open_it() -> None:
    assert set(nav.REQUIRES.values()) <= set(nav.PERMISSION_HOLDERS)


def test_the_target_to_date_is_a_sentence_not_a_formula() -> None:
    methods = ["proporsional"] * 3 + ["target_tw"] * 2 + ["target_tahunan", None]
    text = expected_sentence(methods, 3)
    assert text == (
        "Target s.d. TW III adalah bagian target tahunan yang diharapkan tercapai sampai "
        "triwulan ini: untuk 3 indikator tiga perempat target tahunan, untuk 2 indikator "
        "target TW dari rencana aksi OPD, dan untuk 1 indikator target tahunan itu sendiri "
        "(indikator rata-rata). Capaian adalah realisasi s.d. TW III dibagi target s.d. TW III.")
    assert "×" not in text and "÷" not in text
    assert expected_sentence([None], 2) == ""


def test_a_rejected_cell_value_reads_in_indonesian() -> None:
    assert [value_text(v) for v in (-12.0, 120.0, 1234.5, 0.25, "dua puluh", None, 7)] == [
        "-12", "120", "1.234,5", "0,25", "dua puluh", None, "7"]


def test_key_columns_come_first_and_only_those_a_table_has() -> None:
    assert components.key_columns("rk_lagging", ["Kode", "Program", "Capaian", "Pita"]) == (
        "Program", "Capaian", "Pita")
    assert components.key_columns("issues_3", ["Sheet", "Baris", "Kolom", "Nilai", "Pesan"]) \
        == ("Sheet", "Baris", "Pesan")
    assert components.key_columns("tanpa_kunci", ["A"]) == ()
