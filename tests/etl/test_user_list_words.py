"""`etl user list` in words (issue 28): Indonesian headings, '–' for an empty field, never
NaN/NaT/None."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from etl.cli import main as cli


def test_user_list_prints_no_nan(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    db = ["--db", str(tmp_path / "monev.duckdb")]
    monkeypatch.setattr("sys.stdin", io.StringIO("Sandi-Uji-2026\n"))
    assert cli([*db, "user", "add", "sekda", "--role", "pimpinan", "--nama", "Sekda Uji",
                "--password-stdin"]) == 0
    capsys.readouterr()
    assert cli([*db, "user", "list"]) == 0
    shown = capsys.readouterr().out
    lines = shown.splitlines()
    assert lines[0].split()[:2] == ["Nama", "pengguna"] and "Terkunci sampai" in lines[0]
    assert "sekda" in shown and "Sekda Uji" in shown and " – " in shown
    assert not re.search(r"\b(NaN|NaT|None|nan)\b", shown), shown
