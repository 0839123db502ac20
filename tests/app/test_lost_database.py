"""A database file deleted or moved while its archive journal lists loads: the app says so
in Bahasa Indonesia and does not create an empty database in its place."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]


def lost_message(at: AppTest) -> list[str]:
    return [e.value for e in at.error
            if "tidak ditemukan, padahal jurnal arsip" in e.value
            and "Database kosong tidak dibuat" in e.value]


def test_a_signed_in_user_is_told_and_no_empty_database_appears(mp_db: Path):
    mp_db.unlink()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]
    assert lost_message(at)
    assert not mp_db.exists()


@pytest.mark.signed_out
def test_the_sign_in_page_says_it_too(mp_db: Path):
    mp_db.unlink()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]
    assert lost_message(at)
    assert not mp_db.exists()
